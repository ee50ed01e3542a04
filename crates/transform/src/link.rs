//! Technosphere linking: which process provides each technosphere exchange, by the rule the source supports
//! (named provider, EcoSpold2 activity link, ILCD reference flow, SimaPro product name) and then by configurable
//! fallbacks (name + unit + location, name + unit), within the dataset and then against named dependencies.
//!
//! Invariants: deterministic (processes, exchanges and candidates are visited in sorted order); an exchange with
//! several candidates under the first rule that finds any is `link.ambiguous` with the candidates listed, never a
//! pick; an exchange no rule resolves is `link.unlinked`.

use crate::text::{normalize_name, normalize_unit, parse_short_description};
use ecoref_model::{Dataset, Diagnostic, Direction, EntityId, Exchange, ExchangeKind, FlowKind, Process};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// Process metadata key holding the EcoSpold2 activity id (set by extract-ecospold2; the process id is
/// `<activity id>_<reference product id>`).
pub const ACTIVITY_ID_KEY: &str = "activity_id";

/// The rule that linked an exchange to its provider, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkRule {
    /// `Exchange.provider` names the provider's process id (JSON-LD `defaultProvider`, Brightway
    /// `(database, code)` as read, SimaPro when the reader resolved it).
    ProviderId,
    /// `Exchange.provider` names an EcoSpold2 activity (`activityLinkId`): the provider is the process of that
    /// activity whose reference product is the exchanged flow.
    ActivityLink,
    /// The provider's reference exchange has the exchanged flow (ILCD; any format with shared product ids).
    ReferenceFlow,
    /// The provider's reference product has exactly the exchanged flow's name (SimaPro).
    ProductName,
    /// Fallback: normalized name, unit and location equal.
    NameUnitLocation,
    /// Fallback: normalized name and unit equal.
    NameUnit,
}

impl LinkRule {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkRule::ProviderId => "provider-id",
            LinkRule::ActivityLink => "activity-link",
            LinkRule::ReferenceFlow => "reference-flow",
            LinkRule::ProductName => "product-name",
            LinkRule::NameUnitLocation => "name-unit-location",
            LinkRule::NameUnit => "name-unit",
        }
    }
}

/// A fallback rule, tried after the source-defined rules, in the order given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    NameUnitLocation,
    NameUnit,
}

impl Fallback {
    fn rule(self) -> LinkRule {
        match self {
            Fallback::NameUnitLocation => LinkRule::NameUnitLocation,
            Fallback::NameUnit => LinkRule::NameUnit,
        }
    }
}

/// Options of [`compute_links`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOptions {
    /// Fallback rules after the source-defined ones (default: name + unit + location, then name + unit).
    pub fallbacks: Vec<Fallback>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions { fallbacks: vec![Fallback::NameUnitLocation, Fallback::NameUnit] }
    }
}

impl LinkOptions {
    /// Stable text of every option (part of the idempotency key of a linking run).
    pub fn describe(&self) -> String {
        let fallbacks: Vec<&str> = self.fallbacks.iter().map(|f| f.rule().as_str()).collect();
        format!("fallbacks={}", fallbacks.join(","))
    }
}

/// One resolved technosphere exchange.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExchangeLink {
    /// The consuming process.
    pub process: EntityId,
    /// `internal_id` of the exchange inside that process.
    pub exchange: String,
    /// The exchanged flow's id.
    pub flow: String,
    /// The providing process.
    pub provider: EntityId,
    /// Label of the dependency dataset holding the provider; `None` for the same dataset.
    pub provider_dataset: Option<String>,
    pub rule: LinkRule,
}

/// All links of a dataset, sorted by (process, exchange).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkTable {
    pub links: Vec<ExchangeLink>,
}

impl LinkTable {
    /// Stable text rendering: a header line, then one tab-separated line per link, sorted.
    pub fn to_tsv(&self) -> String {
        let mut out = String::from("process\texchange\tflow\tprovider\tprovider_dataset\trule\n");
        let mut links: Vec<&ExchangeLink> = self.links.iter().collect();
        links.sort();
        for link in links {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                link.process,
                link.exchange,
                link.flow,
                link.provider,
                link.provider_dataset.as_deref().unwrap_or("-"),
                link.rule.as_str()
            );
        }
        out
    }

    /// The link of one exchange.
    pub fn find(&self, process: &str, exchange: &str) -> Option<&ExchangeLink> {
        self.links.iter().find(|l| l.process.id == process && l.exchange == exchange)
    }
}

/// A candidate provider: its process id and the dependency dataset label (`None`: same dataset).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Candidate {
    pub process: EntityId,
    pub dataset: Option<String>,
}

/// A technosphere exchange left without a provider.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnresolvedExchange {
    pub process: EntityId,
    pub exchange: String,
    pub flow: String,
    pub flow_name: String,
    /// True when several candidates matched (listed); false when none did (candidates then lists processes
    /// with the same normalized product name but another unit or location, as hints).
    pub ambiguous: bool,
    /// The rule that found several candidates (ambiguous only).
    pub rule: Option<LinkRule>,
    pub candidates: Vec<Candidate>,
}

/// What [`compute_links`] produces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkOutput {
    pub table: LinkTable,
    /// Unlinked and ambiguous exchanges, sorted by (process, exchange).
    pub unresolved: Vec<UnresolvedExchange>,
    /// `link.unlinked`, `link.ambiguous`, `link.dangling-provider`, `link.dangling-reference-product` (warnings),
    /// in process order.
    pub diagnostics: Vec<Diagnostic>,
    /// Technosphere exchanges considered.
    pub n_technosphere: u64,
}

impl LinkOutput {
    pub fn n_linked(&self) -> u64 {
        self.table.links.len() as u64
    }

    pub fn n_unlinked(&self) -> u64 {
        self.unresolved.iter().filter(|u| !u.ambiguous).count() as u64
    }

    pub fn n_ambiguous(&self) -> u64 {
        self.unresolved.iter().filter(|u| u.ambiguous).count() as u64
    }

    /// Stable text rendering of the unresolved exchanges: one tab-separated line each, candidates joined by `|`.
    pub fn unresolved_to_tsv(&self) -> String {
        let mut out = String::from("process\texchange\tflow\tflow_name\tstatus\trule\tcandidates\n");
        for u in &self.unresolved {
            let candidates: Vec<String> = u.candidates.iter().map(candidate_text).collect();
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                u.process,
                u.exchange,
                u.flow,
                u.flow_name,
                if u.ambiguous { "ambiguous" } else { "unlinked" },
                u.rule.map_or("-", LinkRule::as_str),
                if candidates.is_empty() { "-".to_owned() } else { candidates.join("|") }
            );
        }
        out
    }
}

fn candidate_text(c: &Candidate) -> String {
    match &c.dataset {
        Some(label) => format!("{label}:{}", c.process),
        None => c.process.to_string(),
    }
}

/// Whether an exchange is one linking must resolve: a non-reference technosphere input, a technosphere output
/// of a waste flow (waste to treatment), or an exchange whose flow the reader could not resolve
/// ([`ExchangeKind::Unresolved`]: a dangling reference, reported so). Technosphere outputs of products are
/// co-products: nothing provides them.
pub fn needs_provider(exchange: &Exchange, flow_kind: Option<FlowKind>) -> bool {
    if exchange.is_reference {
        return false;
    }
    match exchange.kind {
        Some(ExchangeKind::Technosphere) => {
            exchange.direction != Some(Direction::Output) || flow_kind == Some(FlowKind::Waste)
        }
        Some(ExchangeKind::Unresolved) => true,
        _ => false,
    }
}

/// The facts of one process linking looks up.
struct Entry<'a> {
    process: &'a Process,
    dataset: Option<&'a str>,
}

/// Lookup tables over one dataset's processes.
struct Index<'a> {
    label: Option<&'a str>,
    processes: Vec<&'a Process>,
    by_id: HashMap<&'a str, Vec<usize>>,
    by_activity: HashMap<&'a str, Vec<usize>>,
    by_reference_flow: HashMap<&'a str, Vec<usize>>,
    by_product_name: HashMap<&'a str, Vec<usize>>,
    by_normalized_name: HashMap<String, Vec<usize>>,
    flow_names: HashMap<&'a str, &'a str>,
}

impl<'a> Index<'a> {
    fn new(label: Option<&'a str>, dataset: &'a Dataset) -> Self {
        let mut processes: Vec<&Process> = dataset.processes.iter().collect();
        processes.sort_by(|a, b| a.id.cmp(&b.id));
        let flow_names: HashMap<&str, &str> =
            dataset.flows.iter().map(|f| (f.id.id.as_str(), f.name.as_str())).collect();
        let mut index = Index {
            label,
            processes: Vec::new(),
            by_id: HashMap::new(),
            by_activity: HashMap::new(),
            by_reference_flow: HashMap::new(),
            by_product_name: HashMap::new(),
            by_normalized_name: HashMap::new(),
            flow_names,
        };
        for (i, process) in processes.iter().enumerate() {
            index.by_id.entry(process.id.id.as_str()).or_default().push(i);
            if let Some(activity) = process.metadata.get(ACTIVITY_ID_KEY) {
                index.by_activity.entry(activity.as_str()).or_default().push(i);
            }
            let mut seen = BTreeSet::new();
            for reference in process.reference_exchanges() {
                if !seen.insert(reference.flow.id.as_str()) {
                    continue;
                }
                index.by_reference_flow.entry(reference.flow.id.as_str()).or_default().push(i);
                if let Some(name) = index.flow_name(reference) {
                    index.by_product_name.entry(name).or_default().push(i);
                    index.by_normalized_name.entry(normalize_name(name)).or_default().push(i);
                }
            }
        }
        index.processes = processes;
        index
    }

    /// The exchanged flow's name: the flow data set's, else the reference's short description.
    fn flow_name(&self, exchange: &'a Exchange) -> Option<&'a str> {
        if let Some(name) = self.flow_names.get(exchange.flow.id.as_str()).filter(|n| !n.trim().is_empty()) {
            return Some(name.trim());
        }
        exchange.flow.description.as_deref().map(str::trim).filter(|d| !d.is_empty())
    }

    fn entry(&self, i: usize) -> Option<Entry<'a>> {
        self.processes.get(i).map(|process| Entry { process, dataset: self.label })
    }

    /// Candidates of one rule in this dataset.
    fn candidates(&self, rule: LinkRule, query: &Query<'_>) -> Vec<Entry<'a>> {
        let hits: Vec<usize> = match rule {
            LinkRule::ProviderId => query.provider.and_then(|p| self.by_id.get(p)).cloned().unwrap_or_default(),
            LinkRule::ActivityLink => query
                .provider
                .and_then(|p| self.by_activity.get(p))
                .map(|hits| {
                    hits.iter()
                        .copied()
                        .filter(|&i| {
                            self.processes
                                .get(i)
                                .is_some_and(|p| p.reference_exchanges().any(|r| r.flow.id == query.flow_id))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            LinkRule::ReferenceFlow => self.by_reference_flow.get(query.flow_id).cloned().unwrap_or_default(),
            LinkRule::ProductName => query.name.and_then(|n| self.by_product_name.get(n)).cloned().unwrap_or_default(),
            LinkRule::NameUnitLocation | LinkRule::NameUnit => {
                let Some(name) = &query.normalized_name else { return Vec::new() };
                let Some(hits) = self.by_normalized_name.get(name) else { return Vec::new() };
                hits.iter()
                    .copied()
                    .filter(|&i| {
                        self.processes.get(i).is_some_and(|p| {
                            let unit_ok = query.unit.as_ref().is_some_and(|u| {
                                p.reference_exchanges()
                                    .any(|r| r.unit.as_deref().map(normalize_unit).as_ref() == Some(u))
                            });
                            let location_ok = rule == LinkRule::NameUnit
                                || query.location.is_some_and(|l| p.location.as_deref().map(str::trim) == Some(l));
                            unit_ok && location_ok
                        })
                    })
                    .collect()
            }
        };
        let mut unique: Vec<usize> = hits;
        unique.sort_unstable();
        unique.dedup();
        unique.into_iter().filter_map(|i| self.entry(i)).collect()
    }

    /// Processes whose product has the same normalized name (hints for an unlinked exchange).
    fn hints(&self, query: &Query<'_>) -> Vec<Entry<'a>> {
        let Some(name) = &query.normalized_name else { return Vec::new() };
        self.by_normalized_name.get(name).into_iter().flatten().filter_map(|&i| self.entry(i)).collect()
    }
}

/// What is known of the exchange being linked.
struct Query<'q> {
    provider: Option<&'q str>,
    flow_id: &'q str,
    name: Option<&'q str>,
    normalized_name: Option<String>,
    unit: Option<String>,
    location: Option<&'q str>,
}

/// Links every technosphere exchange of `dataset` (see [`needs_provider`]) to a provider process, searching the
/// dataset first and then `dependencies` (label, dataset), rule by rule (see [`LinkRule`]).
pub fn compute_links(dataset: &Dataset, dependencies: &[(&str, &Dataset)], options: &LinkOptions) -> LinkOutput {
    let own = Index::new(None, dataset);
    let deps: Vec<Index<'_>> = dependencies.iter().map(|(label, d)| Index::new(Some(label), d)).collect();
    let flow_kinds: HashMap<&str, Option<FlowKind>> =
        dataset.flows.iter().map(|f| (f.id.id.as_str(), f.kind)).collect();
    let mut rules = vec![LinkRule::ProviderId, LinkRule::ActivityLink, LinkRule::ReferenceFlow, LinkRule::ProductName];
    for fallback in &options.fallbacks {
        if !rules.contains(&fallback.rule()) {
            rules.push(fallback.rule());
        }
    }
    let mut out = LinkOutput::default();
    for process in &own.processes {
        for exchange in process.reference_exchanges().filter(|e| e.kind == Some(ExchangeKind::Unresolved)) {
            out.diagnostics.push(
                Diagnostic::warning(
                    "link.dangling-reference-product",
                    format!(
                        "process {} ({}): its reference product {} ({}) is not in the dataset; consumers can link to \
                         it by flow id only",
                        process.id,
                        process.name,
                        exchange.flow.id,
                        exchange.flow.description.as_deref().unwrap_or("no description")
                    ),
                )
                .for_entity(process.id.id.clone())
                .at_element(format!("exchange[@internal_id={}]", exchange.internal_id)),
            );
        }
        for exchange in &process.exchanges {
            let flow_kind = flow_kinds.get(exchange.flow.id.as_str()).copied().flatten();
            if !needs_provider(exchange, flow_kind) {
                continue;
            }
            out.n_technosphere += 1;
            link_exchange(process, exchange, &own, &deps, &rules, &mut out);
        }
    }
    out.table.links.sort();
    out
}

fn link_exchange(
    process: &Process,
    exchange: &Exchange,
    own: &Index<'_>,
    deps: &[Index<'_>],
    rules: &[LinkRule],
    out: &mut LinkOutput,
) {
    let name = own.flow_name(exchange).map(|n| {
        // An ILCD short description may carry "(property, unit, category)"; the name is before it.
        if own.flow_names.contains_key(exchange.flow.id.as_str()) { n } else { strip_description(n) }
    });
    let location = exchange.location.as_deref().map(str::trim).filter(|l| !l.is_empty());
    let query = Query {
        provider: exchange.provider.as_ref().map(|p| p.id.trim()).filter(|p| !p.is_empty()),
        flow_id: exchange.flow.id.as_str(),
        name,
        normalized_name: name.map(normalize_name),
        unit: exchange.unit.as_deref().map(normalize_unit),
        location,
    };
    let flow_name = name.unwrap_or(exchange.flow.id.as_str()).to_owned();
    let element = format!("exchange[@internal_id={}]", exchange.internal_id);
    // SimaPro names the provider by its product name: that hint is the exchanged product itself, resolved by the
    // flow rules, not a dangling process id.
    let provider_is_product = query.provider.is_some_and(|p| p == query.flow_id || Some(p) == query.name);
    let mut provider_found = query.provider.is_none() || provider_is_product;
    for &rule in rules {
        if matches!(rule, LinkRule::ProviderId | LinkRule::ActivityLink) && query.provider.is_none() {
            continue;
        }
        let mut candidates = own.candidates(rule, &query);
        if candidates.is_empty() {
            for dep in deps {
                candidates.extend(dep.candidates(rule, &query));
            }
        }
        if candidates.len() > 1
            && let Some(location) = query.location
        {
            let local: Vec<usize> = (0..candidates.len())
                .filter(|&i| candidates.get(i).and_then(|c| c.process.location.as_deref()) == Some(location))
                .collect();
            if let [only] = local.as_slice() {
                let kept = candidates.swap_remove(*only);
                candidates = vec![kept];
            }
        }
        match candidates.as_slice() {
            [] => continue,
            [only] => {
                if matches!(rule, LinkRule::ProviderId | LinkRule::ActivityLink) {
                    provider_found = true;
                }
                if !provider_found && let Some(provider) = query.provider {
                    out.diagnostics.push(
                        Diagnostic::warning(
                            "link.dangling-provider",
                            format!(
                                "process {} ({}), exchange {}: the named provider {provider} is in neither the \
                                 dataset nor its dependencies; linked by rule {} instead",
                                process.id,
                                process.name,
                                exchange.internal_id,
                                rule.as_str()
                            ),
                        )
                        .for_entity(process.id.id.clone())
                        .at_element(element.clone()),
                    );
                }
                out.table.links.push(ExchangeLink {
                    process: process.id.clone(),
                    exchange: exchange.internal_id.clone(),
                    flow: exchange.flow.id.clone(),
                    provider: only.process.id.clone(),
                    provider_dataset: only.dataset.map(str::to_owned),
                    rule,
                });
                return;
            }
            several => {
                let mut listed: Vec<Candidate> = several.iter().map(candidate).collect();
                listed.sort();
                let text: Vec<String> = listed.iter().map(candidate_text).collect();
                out.diagnostics.push(
                    Diagnostic::warning(
                        "link.ambiguous",
                        format!(
                            "process {} ({}), exchange {}: {} candidate providers for {flow_name} (flow {}) by rule {}: {}",
                            process.id,
                            process.name,
                            exchange.internal_id,
                            exchange.flow.id,
                            listed.len(),
                            rule.as_str(),
                            text.join(", ")
                        ),
                    )
                    .for_entity(process.id.id.clone())
                    .at_element(element),
                );
                out.unresolved.push(UnresolvedExchange {
                    process: process.id.clone(),
                    exchange: exchange.internal_id.clone(),
                    flow: exchange.flow.id.clone(),
                    flow_name,
                    ambiguous: true,
                    rule: Some(rule),
                    candidates: listed,
                });
                return;
            }
        }
    }
    let mut hints: Vec<Candidate> = own.hints(&query).iter().map(candidate).collect();
    for dep in deps {
        hints.extend(dep.hints(&query).iter().map(candidate));
    }
    hints.sort();
    hints.dedup();
    let tried: Vec<&str> = rules
        .iter()
        .filter(|r| query.provider.is_some() || !matches!(r, LinkRule::ProviderId | LinkRule::ActivityLink))
        .map(|r| r.as_str())
        .collect();
    let mut message = format!(
        "process {} ({}), exchange {}: no provider for {flow_name} (flow {}) [{}]{}",
        process.id,
        process.name,
        exchange.internal_id,
        exchange.flow.id,
        exchange.unit.as_deref().unwrap_or("no unit"),
        query.location.map(|l| format!(" in {l}")).unwrap_or_default()
    );
    if let Some(provider) = query.provider.filter(|_| !provider_is_product) {
        let _ = write!(message, "; the named provider {provider} is in neither the dataset nor its dependencies");
    }
    let _ = write!(message, "; rules tried: {}", tried.join(", "));
    if !hints.is_empty() {
        let text: Vec<String> = hints.iter().map(candidate_text).collect();
        let _ = write!(message, "; same name, other unit or location: {}", text.join(", "));
    }
    out.diagnostics
        .push(Diagnostic::warning("link.unlinked", message).for_entity(process.id.id.clone()).at_element(element));
    out.unresolved.push(UnresolvedExchange {
        process: process.id.clone(),
        exchange: exchange.internal_id.clone(),
        flow: exchange.flow.id.clone(),
        flow_name,
        ambiguous: false,
        rule: None,
        candidates: hints,
    });
}

fn candidate(entry: &Entry<'_>) -> Candidate {
    Candidate { process: entry.process.id.clone(), dataset: entry.dataset.map(str::to_owned) }
}

fn strip_description(text: &str) -> &str {
    let parsed = parse_short_description(text);
    if parsed.category.is_some() { text.get(..parsed.name.len()).unwrap_or(text) } else { text }
}
