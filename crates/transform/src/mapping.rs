//! Elementary-flow mapping between nomenclatures (EF/ILCD UUIDs, ecoinvent biosphere UUIDs, SimaPro name +
//! compartment + subcompartment, CAS numbers, synonyms), the share of each impact that unmapped flows miss, and
//! the comparison of two implementations of one LCIA method through a mapping.
//!
//! Rules, in priority order (the first rule that finds exactly one target wins; several targets under one rule
//! is an ambiguous, unmapped flow with its candidates listed):
//! `same-id` (1.0), `cas-compartment` (0.9), `name-compartment` (0.85), `synonym-compartment` (0.75),
//! `name-medium` (0.5: same name, target in the same medium with an unspecified subcompartment).
//! Compartments meet through [`crate::text::canonical_compartment`].

use crate::text::{
    Compartment, canonical_compartment, code_key, normalize_cas, normalize_name, parse_short_description, trailing_code,
};
use ecoref_model::{Dataset, Direction, ExchangeKind, Flow, FlowKind, LciaMethod, Metadata};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// The rule that mapped a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MappingRule {
    SameId,
    CasCompartment,
    NameCompartment,
    SynonymCompartment,
    NameMedium,
}

impl MappingRule {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingRule::SameId => "same-id",
            MappingRule::CasCompartment => "cas-compartment",
            MappingRule::NameCompartment => "name-compartment",
            MappingRule::SynonymCompartment => "synonym-compartment",
            MappingRule::NameMedium => "name-medium",
        }
    }

    /// How sure the rule is, from 0 to 1.
    pub fn confidence(self) -> f64 {
        match self {
            MappingRule::SameId => 1.0,
            MappingRule::CasCompartment => 0.9,
            MappingRule::NameCompartment => 0.85,
            MappingRule::SynonymCompartment => 0.75,
            MappingRule::NameMedium => 0.5,
        }
    }
}

/// Name pairs known to denote one substance across EF/ILCD and ecoinvent (normalized by
/// [`normalize_name`] before use). Extend per run with [`MappingOptions::synonyms`].
pub const BUILTIN_SYNONYMS: &[(&str, &str)] = &[
    ("nitrous oxide", "dinitrogen monoxide"),
    ("carbon dioxide (biogenic)", "carbon dioxide, non-fossil"),
    ("carbon dioxide (land use change)", "carbon dioxide, from soil or biomass stock"),
    ("methane (biogenic)", "methane, non-fossil"),
    ("methane (land use change)", "methane, from soil or biomass stock"),
    ("carbon monoxide (biogenic)", "carbon monoxide, non-fossil"),
    ("carbon monoxide (land use change)", "carbon monoxide, from soil or biomass stock"),
    ("carbon dioxide", "carbon dioxide, in air"),
    ("nitrogen trifluoride", "nitrogen fluoride"),
    ("carbon tetrachloride", "methane, tetrachloro-, r-10"),
    ("dichloromethane", "methane, dichloro-, hcc-30"),
    ("methylene chloride", "methane, dichloro-, hcc-30"),
    ("chloromethane", "methane, monochloro-, r-40"),
    ("methyl bromide", "methane, bromo-, halon 1001"),
    ("methyl chloroform", "ethane, 1,1,1-trichloro-, hcfc-140"),
    ("1,2-dichloroethane", "ethane, 1,2-dichloro-"),
    ("chloroethane", "monochloroethane"),
    ("tetrachloroethene", "tetrachloroethylene"),
    ("trichloroethene", "trichloroethylene"),
    ("pfc-14", "methane, tetrafluoro-, r-14"),
    ("fc-14", "methane, tetrafluoro-, r-14"),
    ("pfc-116", "ethane, hexafluoro-, hfc-116"),
    ("n-butane", "butane"),
    ("1-propylbromide", "bromopropane"),
    ("1,1,2-trichlorotrifluoroethane", "ethane, 1,1,2-trichloro-1,2,2-trifluoro-, cfc-113"),
    ("1,1,1-trifluoroethane", "ethane, 1,1,1-trifluoro-, hfc-143a"),
];

/// Options of [`compute_flow_mapping`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingOptions {
    /// Extra synonym pairs (names, normalized before use).
    pub synonyms: Vec<(String, String)>,
    /// Use [`BUILTIN_SYNONYMS`] (default true).
    pub builtin_synonyms: bool,
    /// Allow the `name-medium` rule (default true).
    pub medium_fallback: bool,
}

impl Default for MappingOptions {
    fn default() -> Self {
        MappingOptions { synonyms: Vec::new(), builtin_synonyms: true, medium_fallback: true }
    }
}

impl MappingOptions {
    /// Stable text of every option.
    pub fn describe(&self) -> String {
        let pairs: Vec<String> = self.synonyms.iter().map(|(a, b)| format!("{a}={b}")).collect();
        format!(
            "builtin_synonyms={};medium_fallback={};synonyms=[{}]",
            self.builtin_synonyms,
            self.medium_fallback,
            pairs.join("|")
        )
    }
}

/// One mapped flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowMappingEntry {
    pub source_flow: String,
    pub target_flow: String,
    pub rule: MappingRule,
    pub confidence: f64,
}

/// A source flow no rule mapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedFlow {
    pub flow: String,
    pub name: String,
    /// Canonical compartment (`air/urban`), when known.
    pub compartment: Option<String>,
    /// Why: `no-match` or `ambiguous:<rule>`.
    pub reason: String,
    /// Targets that matched (ambiguous) — empty otherwise.
    pub candidates: Vec<String>,
}

/// A versionable mapping of source flows onto target flows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowMapping {
    /// Sorted by source flow.
    pub entries: Vec<FlowMappingEntry>,
    /// Sorted by flow.
    pub unmapped: Vec<UnmappedFlow>,
}

impl FlowMapping {
    /// The entry of one source flow.
    pub fn target_of(&self, source_flow: &str) -> Option<&FlowMappingEntry> {
        self.entries
            .binary_search_by(|e| e.source_flow.as_str().cmp(source_flow))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// Count of entries per rule.
    pub fn counts_by_rule(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for entry in &self.entries {
            *counts.entry(entry.rule.as_str()).or_insert(0) += 1;
        }
        counts
    }

    /// Stable text rendering: mapped entries then unmapped flows, tab-separated.
    pub fn to_tsv(&self) -> String {
        let mut out = String::from("source_flow\ttarget_flow\trule\tconfidence\n");
        for e in &self.entries {
            let _ = writeln!(out, "{}\t{}\t{}\t{}", e.source_flow, e.target_flow, e.rule.as_str(), e.confidence);
        }
        for u in &self.unmapped {
            let _ = writeln!(
                out,
                "{}\t-\tunmapped:{}\t0\t{}\t{}\t{}",
                u.flow,
                u.reason,
                u.name,
                u.compartment.as_deref().unwrap_or("-"),
                u.candidates.join("|")
            );
        }
        out
    }
}

/// Synonym keys of a name: its normalized form, its synonym-group key and its code keys.
struct SynonymTable {
    groups: HashMap<String, String>,
}

impl SynonymTable {
    fn new(options: &MappingOptions) -> Self {
        let mut groups: HashMap<String, String> = HashMap::new();
        let builtin = if options.builtin_synonyms { BUILTIN_SYNONYMS } else { &[] };
        let pairs = builtin
            .iter()
            .map(|(a, b)| (normalize_name(a), normalize_name(b)))
            .chain(options.synonyms.iter().map(|(a, b)| (normalize_name(a), normalize_name(b))));
        for (a, b) in pairs {
            let group = groups.get(&a).or_else(|| groups.get(&b)).cloned().unwrap_or_else(|| b.clone());
            groups.insert(a, group.clone());
            groups.insert(b, group);
        }
        SynonymTable { groups }
    }

    fn keys(&self, flow: &Flow) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for name in std::iter::once(&flow.name).chain(&flow.synonyms) {
            let normalized = normalize_name(name);
            if normalized.is_empty() {
                continue;
            }
            if let Some(group) = self.groups.get(&normalized) {
                keys.insert(format!("group:{group}"));
            }
            if let Some(code) = trailing_code(name) {
                keys.insert(format!("code:{}", code_key(code)));
            }
            if !normalized.contains(',') && normalized.chars().any(|c| c.is_ascii_digit()) {
                keys.insert(format!("code:{}", code_key(&normalized)));
            }
            keys.insert(format!("name:{normalized}"));
        }
        keys
    }
}

fn compartment_of(flow: &Flow) -> Option<Compartment> {
    canonical_compartment(&flow.compartment)
}

fn is_elementary(flow: &Flow) -> bool {
    !matches!(flow.kind, Some(FlowKind::Product | FlowKind::Waste))
}

/// Maps every elementary (or unclassified) source flow onto the target flows.
pub fn compute_flow_mapping(source: &[Flow], target: &[Flow], options: &MappingOptions) -> FlowMapping {
    let synonyms = SynonymTable::new(options);
    let targets: Vec<&Flow> = target.iter().filter(|f| is_elementary(f)).collect();
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_cas: HashMap<(String, Compartment), Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<(String, Compartment), Vec<usize>> = HashMap::new();
    let mut by_key: HashMap<(String, Compartment), Vec<usize>> = HashMap::new();
    for (i, flow) in targets.iter().enumerate() {
        by_id.entry(flow.id.id.as_str()).or_default().push(i);
        let Some(compartment) = compartment_of(flow) else { continue };
        if let Some(cas) = flow.cas.as_deref().and_then(normalize_cas) {
            by_cas.entry((cas, compartment.clone())).or_default().push(i);
        }
        by_name.entry((normalize_name(&flow.name), compartment.clone())).or_default().push(i);
        for key in synonyms.keys(flow) {
            by_key.entry((key, compartment.clone())).or_default().push(i);
        }
    }
    let target_id = |i: &usize| targets.get(*i).map(|f| f.id.id.clone());
    let mut mapping = FlowMapping::default();
    let mut seen = HashSet::new();
    let mut sources: Vec<&Flow> = source.iter().filter(|f| is_elementary(f)).collect();
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    for flow in sources {
        if !seen.insert(flow.id.id.as_str()) {
            continue;
        }
        let compartment = compartment_of(flow);
        let name = normalize_name(&flow.name);
        let mut attempts: Vec<(MappingRule, Vec<usize>)> =
            vec![(MappingRule::SameId, by_id.get(flow.id.id.as_str()).cloned().unwrap_or_default())];
        if let Some(compartment) = &compartment {
            let cas_hits = flow
                .cas
                .as_deref()
                .and_then(normalize_cas)
                .and_then(|cas| by_cas.get(&(cas, compartment.clone())).cloned())
                .unwrap_or_default();
            attempts.push((MappingRule::CasCompartment, cas_hits));
            attempts.push((
                MappingRule::NameCompartment,
                by_name.get(&(name.clone(), compartment.clone())).cloned().unwrap_or_default(),
            ));
            let mut synonym_hits: Vec<usize> = synonyms
                .keys(flow)
                .into_iter()
                .filter(|k| !k.starts_with("name:"))
                .filter_map(|k| by_key.get(&(k, compartment.clone())))
                .flatten()
                .copied()
                .collect();
            synonym_hits.sort_unstable();
            synonym_hits.dedup();
            attempts.push((MappingRule::SynonymCompartment, synonym_hits));
            if options.medium_fallback && !compartment.is_unspecified() {
                let unspecified = Compartment { medium: compartment.medium, sub: "unspecified".to_owned() };
                let mut hits = by_name.get(&(name.clone(), unspecified.clone())).cloned().unwrap_or_default();
                if hits.is_empty() {
                    hits = synonyms
                        .keys(flow)
                        .into_iter()
                        .filter_map(|k| by_key.get(&(k, unspecified.clone())))
                        .flatten()
                        .copied()
                        .collect();
                    hits.sort_unstable();
                    hits.dedup();
                }
                attempts.push((MappingRule::NameMedium, hits));
            }
        }
        let mut resolved = false;
        for (rule, mut hits) in attempts {
            hits.sort_unstable();
            hits.dedup();
            match hits.as_slice() {
                [] => continue,
                [only] => {
                    if let Some(target) = target_id(only) {
                        mapping.entries.push(FlowMappingEntry {
                            source_flow: flow.id.id.clone(),
                            target_flow: target,
                            rule,
                            confidence: rule.confidence(),
                        });
                    }
                }
                several => {
                    let mut candidates: Vec<String> = several.iter().filter_map(target_id).collect();
                    candidates.sort();
                    mapping.unmapped.push(UnmappedFlow {
                        flow: flow.id.id.clone(),
                        name: flow.name.clone(),
                        compartment: compartment.as_ref().map(Compartment::to_string),
                        reason: format!("ambiguous:{}", rule.as_str()),
                        candidates,
                    });
                }
            }
            resolved = true;
            break;
        }
        if !resolved {
            mapping.unmapped.push(UnmappedFlow {
                flow: flow.id.id.clone(),
                name: flow.name.clone(),
                compartment: compartment.as_ref().map(Compartment::to_string),
                reason: "no-match".to_owned(),
                candidates: Vec::new(),
            });
        }
    }
    mapping.entries.sort_by(|a, b| a.source_flow.cmp(&b.source_flow));
    mapping.unmapped.sort_by(|a, b| a.flow.cmp(&b.flow));
    mapping
}

/// Flows known only through the characterization factors that reference them: for each factor flow not in
/// `known`, a flow with the factor's id, the name and category parsed from the reference's short description
/// (ILCD `name (Mass, kg, Emissions to air, unspecified)`), kind elementary and metadata
/// `synthesized_from = characterization-factor`. Sorted by id.
pub fn flows_from_factor_references(methods: &[LciaMethod], known: &[Flow]) -> Vec<Flow> {
    let known: HashSet<&str> = known.iter().map(|f| f.id.id.as_str()).collect();
    let mut out: BTreeMap<String, Flow> = BTreeMap::new();
    for factor in methods.iter().flat_map(|m| &m.factors) {
        if known.contains(factor.flow.id.as_str()) || out.contains_key(&factor.flow.id) {
            continue;
        }
        let description = factor.flow.description.as_deref().unwrap_or_default();
        let parsed = parse_short_description(description);
        let name = if parsed.name.is_empty() { factor.flow.id.clone() } else { parsed.name };
        let flow = Flow {
            id: ecoref_model::EntityId::new(factor.flow.id.clone(), factor.flow.version.clone()),
            name,
            kind: Some(FlowKind::Elementary),
            compartment: parsed.category.into_iter().collect(),
            reference_unit: parsed.unit,
            metadata: Metadata::from([("synthesized_from".to_owned(), "characterization-factor".to_owned())]),
            ..Flow::default()
        };
        out.insert(factor.flow.id.clone(), flow);
    }
    out.into_values().collect()
}

/// The impact one LCIA method misses because of unmapped flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactLoss {
    pub method: String,
    pub method_name: String,
    /// Σ |CF × amount| over the dataset's biosphere exchanges whose flow is mapped.
    pub characterized: f64,
    /// Σ |CF × amount| over exchanges whose flow is unmapped, with the CF estimated from the method's factors for
    /// the same normalized name in any compartment (the largest |CF|).
    pub lost_estimate: f64,
    /// lost / (characterized + lost); 0 when both are 0.
    pub share_lost: f64,
    /// Unmapped flows the estimate found a factor for.
    pub n_flows_lost: u64,
    /// Unmapped flows (with an amount) the method has no same-name factor for: their loss is unknown.
    pub n_flows_without_estimate: u64,
}

/// For each method, the share of its impact (sum of |CF × amount| over every biosphere exchange of `dataset`)
/// that the unmapped flows of `mapping` miss. `target_flows` names the methods' flows (for the estimates).
pub fn compute_unmapped_shares(
    dataset: &Dataset,
    mapping: &FlowMapping,
    methods: &[LciaMethod],
    target_flows: &[Flow],
) -> Vec<ImpactLoss> {
    let source_names: HashMap<&str, &str> = dataset.flows.iter().map(|f| (f.id.id.as_str(), f.name.as_str())).collect();
    let target_names: HashMap<&str, String> =
        target_flows.iter().map(|f| (f.id.id.as_str(), normalize_name(&f.name))).collect();
    let unmapped: HashSet<&str> = mapping.unmapped.iter().map(|u| u.flow.as_str()).collect();
    let mut losses = Vec::new();
    for method in methods {
        let mut by_flow: HashMap<&str, Vec<(Option<Direction>, f64)>> = HashMap::new();
        let mut by_name: HashMap<&str, f64> = HashMap::new();
        for factor in &method.factors {
            by_flow.entry(factor.flow.id.as_str()).or_default().push((factor.direction, factor.value));
            if let Some(name) = target_names.get(factor.flow.id.as_str()) {
                let slot = by_name.entry(name.as_str()).or_insert(0.0);
                *slot = slot.max(factor.value.abs());
            }
        }
        let mut loss = ImpactLoss {
            method: method.id.to_string(),
            method_name: method.name.clone(),
            characterized: 0.0,
            lost_estimate: 0.0,
            share_lost: 0.0,
            n_flows_lost: 0,
            n_flows_without_estimate: 0,
        };
        let (mut lost_flows, mut unknown_flows) = (BTreeSet::new(), BTreeSet::new());
        for exchange in dataset.processes.iter().flat_map(|p| &p.exchanges) {
            if exchange.kind != Some(ExchangeKind::Biosphere) {
                continue;
            }
            let Some(amount) = exchange.amount.filter(|a| a.is_finite()) else { continue };
            let flow = exchange.flow.id.as_str();
            if let Some(entry) = mapping.target_of(flow) {
                let factors = by_flow.get(entry.target_flow.as_str());
                let cf = factors.and_then(|fs| {
                    fs.iter()
                        .find(|(d, _)| d.is_none() || *d == exchange.direction)
                        .or_else(|| fs.first())
                        .map(|(_, v)| *v)
                });
                loss.characterized += (cf.unwrap_or(0.0) * amount).abs();
            } else if unmapped.contains(flow) {
                let name = source_names.get(flow).map(|n| normalize_name(n)).unwrap_or_default();
                match by_name.get(name.as_str()) {
                    Some(cf) => {
                        loss.lost_estimate += (cf * amount).abs();
                        lost_flows.insert(flow);
                    }
                    None => {
                        unknown_flows.insert(flow);
                    }
                }
            }
        }
        let total = loss.characterized + loss.lost_estimate;
        loss.share_lost = if total > 0.0 { loss.lost_estimate / total } else { 0.0 };
        loss.n_flows_lost = lost_flows.len() as u64;
        loss.n_flows_without_estimate = unknown_flows.len() as u64;
        losses.push(loss);
    }
    losses
}

/// One characterization factor of the source method and its counterpart in the target method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorPair {
    pub source_flow: String,
    pub source_name: String,
    pub direction: Option<Direction>,
    pub target_flow: String,
    pub rule: MappingRule,
    pub source_value: f64,
    pub target_value: f64,
}

/// How two implementations of one method compare through a mapping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FactorComparison {
    pub n_source_factors: u64,
    pub n_target_factors: u64,
    /// Mapped, with a target factor equal within the relative tolerance (a missing target factor equals 0).
    pub matched: Vec<FactorPair>,
    /// Mapped, with a different target factor.
    pub differ: Vec<FactorPair>,
    /// Mapped, but the target method has no factor for the target flow (value 0 there) while the source's is not 0.
    pub missing_in_target: Vec<FactorPair>,
    /// Source factors whose flow is not mapped: (flow, name, reason).
    pub unmapped: Vec<(String, String, String)>,
    /// Target factors no source factor reached: (flow, description).
    pub target_unreached: Vec<(String, String)>,
}

impl FactorComparison {
    /// Stable text summary: counts, then every differing and missing pair and every unmapped flow.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "source factors: {}\ntarget factors: {}\nmatched: {}\ndiffer: {}\nmissing in target: {}\nunmapped: {}\n\
             target factors not reached: {}\n",
            self.n_source_factors,
            self.n_target_factors,
            self.matched.len(),
            self.differ.len(),
            self.missing_in_target.len(),
            self.unmapped.len(),
            self.target_unreached.len()
        );
        for (label, pairs) in
            [("matched", &self.matched), ("differ", &self.differ), ("missing", &self.missing_in_target)]
        {
            for p in pairs {
                let _ = writeln!(
                    out,
                    "{label}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.source_flow,
                    p.source_name,
                    p.direction.map_or("-", Direction::as_str),
                    p.target_flow,
                    p.rule.as_str(),
                    p.source_value,
                    p.target_value
                );
            }
        }
        for (flow, name, reason) in &self.unmapped {
            let _ = writeln!(out, "unmapped\t{flow}\t{name}\t{reason}");
        }
        for (flow, description) in &self.target_unreached {
            let _ = writeln!(out, "unreached\t{flow}\t{description}");
        }
        out
    }
}

/// Compares the factors of `source` with those of `target` through `mapping` (source flow → target flow);
/// values are equal when |a − b| ≤ `relative_tolerance` × max(|a|, |b|).
pub fn compare_factors(
    source: &LciaMethod,
    target: &LciaMethod,
    mapping: &FlowMapping,
    source_flows: &[Flow],
    relative_tolerance: f64,
) -> FactorComparison {
    let names: HashMap<&str, &str> = source_flows.iter().map(|f| (f.id.id.as_str(), f.name.as_str())).collect();
    let reasons: HashMap<&str, &str> = mapping.unmapped.iter().map(|u| (u.flow.as_str(), u.reason.as_str())).collect();
    let mut target_values: HashMap<&str, f64> = HashMap::new();
    for factor in &target.factors {
        target_values.entry(factor.flow.id.as_str()).or_insert(factor.value);
    }
    let mut reached = HashSet::new();
    let mut out = FactorComparison {
        n_source_factors: source.factors.len() as u64,
        n_target_factors: target.factors.len() as u64,
        ..FactorComparison::default()
    };
    let mut factors: Vec<_> = source.factors.iter().collect();
    factors.sort_by(|a, b| (&a.flow.id, a.direction).cmp(&(&b.flow.id, b.direction)));
    for factor in factors {
        let name = names.get(factor.flow.id.as_str()).copied().unwrap_or(factor.flow.id.as_str()).to_owned();
        let Some(entry) = mapping.target_of(&factor.flow.id) else {
            let reason = reasons.get(factor.flow.id.as_str()).copied().unwrap_or("not-in-mapping");
            out.unmapped.push((factor.flow.id.clone(), name, reason.to_owned()));
            continue;
        };
        let target_value = target_values.get(entry.target_flow.as_str()).copied();
        let pair = FactorPair {
            source_flow: factor.flow.id.clone(),
            source_name: name,
            direction: factor.direction,
            target_flow: entry.target_flow.clone(),
            rule: entry.rule,
            source_value: factor.value,
            target_value: target_value.unwrap_or(0.0),
        };
        match target_value {
            // No factor is a factor of 0: a source factor of 0 agrees with it.
            None if factor.value == 0.0 => out.matched.push(pair),
            None => out.missing_in_target.push(pair),
            Some(value) => {
                reached.insert(entry.target_flow.as_str());
                let scale = value.abs().max(factor.value.abs());
                if (value - factor.value).abs() <= relative_tolerance * scale {
                    out.matched.push(pair);
                } else {
                    out.differ.push(pair);
                }
            }
        }
    }
    let mut unreached: Vec<(String, String)> = target
        .factors
        .iter()
        .filter(|f| !reached.contains(f.flow.id.as_str()))
        .map(|f| (f.flow.id.clone(), f.flow.description.clone().unwrap_or_default()))
        .collect();
    unreached.sort();
    unreached.dedup();
    out.target_unreached = unreached;
    out
}
