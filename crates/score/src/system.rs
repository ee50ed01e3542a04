//! The LCA system of a release, built from its snapshot tables: one activity per process (in the snapshot's
//! process order), the technosphere from the links the release was validated with, the biosphere through the
//! release's flow mapping, the characterization from the method's factors, in a deterministic index order.
//!
//! Rules (documented in ARCHITECTURE.md, "Scoring"):
//! - the product of a process is its first reference exchange; production is positive on the diagonal (negative
//!   when the reference flow is an input, as for waste treatment: its impacts are then given per unit of waste
//!   treated, i.e. for a demand of −1); a second reference exchange is reported (`multi-output`: allocate before
//!   releasing) and left out;
//! - a linked exchange enters A in the provider's reference unit: `-amount` for an input, `+amount` for an output
//!   (waste sent to treatment); an exchange whose unit does not convert is left out and reported;
//! - an elementary exchange enters B in its method flow's reference unit, keyed by (method flow, direction); a
//!   factor applies to its direction (or both when it names none); factors with a location are regionalized and
//!   left out (reported);
//! - a process without linked inputs and without elementary exchanges but with aggregated LCIA results
//!   (Ecobalyse, EF aggregated data sets) gets those results as its direct impacts, through one pseudo-flow per
//!   indicator (`lcia-result:<indicator>`, factor 1).

use crate::columns::{Table, Tables};
use crate::units::unit_table;
use crate::{Error, Result};
use ecoref_compute::{System, WeightingSet};
use ecoref_snapshot::Manifest;
use ecoref_transform::UnitTable;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A process of the release, as scoring and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessInfo {
    pub id: String,
    pub version: Option<String>,
    pub name: String,
    pub location: Option<String>,
    /// `source@N`.
    pub dataset: String,
    /// The unit of its reference product (what one unit of the process is).
    pub unit: Option<String>,
    pub classification: Option<String>,
    pub process_type: Option<String>,
    /// Its source, or a supplier anywhere upstream, is of the `restricted` licence class.
    pub restricted: bool,
}

/// An indicator (impact category) of the release's method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorInfo {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// The short code (`cch`, …) when the method gives one.
    pub code: Option<String>,
}

/// Counts of what building the system left out, each a reason a number could be incomplete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    pub n_processes: usize,
    pub n_technosphere_entries: usize,
    pub n_biosphere_entries: usize,
    pub n_characterization_entries: usize,
    /// Processes whose direct impacts are their aggregated LCIA results.
    pub n_result_only_processes: usize,
    /// Processes with no reference exchange: a unit diagonal is used so the system stays solvable, and nothing
    /// can consume them (links to them are left out).
    pub no_reference: Vec<String>,
    /// Processes with more than one reference exchange (only the first is the product).
    pub multi_output: Vec<String>,
    /// `process / exchange: from → to` of exchanges whose unit does not convert (left out).
    pub unit_mismatches: Vec<String>,
    /// Links whose provider is not in the release (left out).
    pub dangling_links: Vec<String>,
    /// Factors with a location (regionalized; left out).
    pub n_regionalized_factors: usize,
    /// Normalization-weighting entries whose category is none of the method's indicators.
    pub unresolved_weighting_categories: Vec<String>,
}

/// Everything scoring needs from a snapshot besides the impacts.
#[derive(Debug, Clone)]
pub struct Model {
    pub processes: Vec<ProcessInfo>,
    pub indicators: Vec<IndicatorInfo>,
    /// Single-score sets (Ecobalyse `ecs`, EF `pef`), by name order.
    pub weighting_sets: Vec<WeightingSet>,
    /// Units of the release plus the built-in SI table, for product bills.
    pub units: UnitTable,
    /// `(old id, new id)` of the release's id migrations.
    pub id_migrations: Vec<(String, String)>,
    /// Per process: its reference flow is an input (waste treatment). Its diagonal is negative, so one unit of
    /// its service (treating one unit of waste) is a demand of −1.
    pub treats_waste: Vec<bool>,
    pub report: BuildReport,
}

/// Where an exchange row points: `(dataset, process id)`.
type Key<'a> = (&'a str, &'a str);

/// The snapshot's tables as the system needs them.
pub fn build(tables: &Tables, manifest: &Manifest) -> Result<(Model, System)> {
    let processes = Table::get(tables, "processes")?;
    let p_id = processes.strings("id")?;
    let p_version = processes.opt_strings("version")?;
    let p_dataset = processes.strings("dataset")?;
    let p_name = processes.strings("name")?;
    let p_location = processes.opt_strings("location")?;
    let p_type = processes.opt_strings("process_type")?;
    let p_class = processes.opt_strings("classification")?;
    let n = p_id.len();
    let mut index: HashMap<Key<'_>, usize> = HashMap::with_capacity(n);
    for j in 0..n {
        index.entry((p_dataset[j], p_id[j])).or_insert(j);
    }

    let units = unit_table(tables)?;
    let flow_units = flow_reference_units(tables)?;
    let mapping = flow_mappings(tables)?;
    let links = links(tables)?;

    let exchanges = Table::get(tables, "exchanges")?;
    let e_process = exchanges.strings("process_id")?;
    let e_dataset = exchanges.strings("dataset")?;
    let e_internal = exchanges.strings("internal_id")?;
    let e_flow = exchanges.strings("flow_id")?;
    let e_direction = exchanges.opt_strings("direction")?;
    let e_kind = exchanges.opt_strings("kind")?;
    let e_reference = exchanges.bools("is_reference")?;
    let e_amount = exchanges.opt_f64s("amount")?;
    let e_unit = exchanges.opt_strings("unit")?;

    let mut report = BuildReport { n_processes: n, ..BuildReport::default() };
    let activity_of = |row: usize| index.get(&(e_dataset[row], e_process[row])).copied();

    // Pass 1: the reference product of every process.
    let mut reference: Vec<Option<(f64, Option<&str>)>> = vec![None; n];
    let mut extra_products: Vec<bool> = vec![false; n];
    for row in 0..e_process.len() {
        if !e_reference[row] {
            continue;
        }
        let Some(j) = activity_of(row) else { continue };
        if reference[j].is_some() {
            extra_products[j] = true;
            continue;
        }
        let amount = e_amount[row].unwrap_or(1.0);
        let signed = if e_direction[row] == Some("input") { -amount } else { amount };
        reference[j] = Some((signed, e_unit[row]));
    }

    // Pass 2: technosphere and biosphere entries.
    // The factor from an exchange's unit to `to` (1 when either is unknown); a unit that does not convert is
    // reported and the exchange left out.
    let unit_factor = |units: &UnitTable, report: &mut BuildReport, row: usize, to: Option<&str>| {
        let factor = match (e_unit[row], to) {
            (Some(from), Some(to)) => units.factor(from, to),
            _ => Some(1.0),
        };
        if factor.is_none() {
            report.unit_mismatches.push(format!(
                "{} / {}: {} → {}",
                e_process[row],
                e_internal[row],
                e_unit[row].unwrap_or("-"),
                to.unwrap_or("-")
            ));
        }
        factor
    };
    let mut technosphere: Vec<(usize, usize, f64)> = Vec::new();
    let mut has_inputs = vec![false; n];
    let mut has_elementary = vec![false; n];
    let mut flow_keys: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut biosphere_raw: Vec<((String, String), usize, f64)> = Vec::new();
    for row in 0..e_process.len() {
        if e_reference[row] {
            continue;
        }
        let Some(j) = activity_of(row) else { continue };
        let Some(amount) = e_amount[row] else { continue };
        let output = e_direction[row] == Some("output");
        if let Some((provider_dataset, provider_id)) = links.get(&(e_dataset[row], e_process[row], e_internal[row])) {
            let Some(&i) = index.get(&(*provider_dataset, *provider_id)) else {
                report
                    .dangling_links
                    .push(format!("{} / {} → {provider_dataset}:{provider_id}", e_process[row], e_internal[row]));
                continue;
            };
            let Some((_, provider_unit)) = reference[i] else {
                report
                    .dangling_links
                    .push(format!("{} / {} → {provider_id} (no reference product)", e_process[row], e_internal[row]));
                continue;
            };
            let Some(factor) = unit_factor(&units, &mut report, row, provider_unit) else { continue };
            let value = amount * factor;
            technosphere.push((i, j, if output { value } else { -value }));
            has_inputs[j] = true;
        } else if e_kind[row] == Some("biosphere") {
            let source = e_flow[row];
            let target = match mapping.get(e_dataset[row]) {
                Some(entries) => match entries.get(source) {
                    Some(target) => *target,
                    None => continue, // unmapped: no factor can apply (reported at publication)
                },
                None => source,
            };
            has_elementary[j] = true;
            let to_unit = flow_units.get(target).or_else(|| flow_units.get(source)).copied();
            let Some(factor) = unit_factor(&units, &mut report, row, to_unit) else { continue };
            let direction = if output { "output" } else { "input" };
            let key = (target.to_owned(), direction.to_owned());
            let next = flow_keys.len();
            flow_keys.entry(key.clone()).or_insert(next);
            biosphere_raw.push((key, j, amount * factor));
        }
    }

    // Indicators and factors.
    let methods = Table::get(tables, "methods")?;
    let m_id = methods.strings("id")?;
    let m_name = methods.strings("name")?;
    let m_unit = methods.opt_strings("unit")?;
    let m_code = methods.opt_strings("impact_indicator")?;
    let indicators: Vec<IndicatorInfo> = (0..m_id.len())
        .map(|k| IndicatorInfo {
            id: m_id[k].to_owned(),
            name: m_name[k].to_owned(),
            unit: m_unit[k].map(str::to_owned),
            code: m_code[k].map(str::to_owned),
        })
        .collect();
    let indicator_index: HashMap<&str, usize> = m_id.iter().enumerate().map(|(k, id)| (*id, k)).collect();

    // LCIA results as direct impacts of result-only processes (pseudo-flows, one per indicator).
    let results = Table::get(tables, "lcia_results")?;
    let r_process = results.strings("process_id")?;
    let r_dataset = results.strings("dataset")?;
    let r_method = results.strings("method_id")?;
    let r_amount = results.opt_f64s("amount")?;
    let mut result_only: HashSet<usize> = HashSet::new();
    for row in 0..r_process.len() {
        let Some(&j) = index.get(&(r_dataset[row], r_process[row])) else { continue };
        if has_inputs[j] || has_elementary[j] {
            continue;
        }
        let (Some(&k), Some(amount)) = (indicator_index.get(r_method[row]), r_amount[row]) else { continue };
        result_only.insert(j);
        // Per unit of the reference product, as the matrices are.
        let per_unit = amount / reference[j].map_or(1.0, |(a, _)| a.abs()).max(f64::MIN_POSITIVE);
        let key = (format!("lcia-result:{}", m_id[k]), "output".to_owned());
        let next = flow_keys.len();
        flow_keys.entry(key.clone()).or_insert(next);
        biosphere_raw.push((key, j, per_unit));
    }
    report.n_result_only_processes = result_only.len();

    // Flow order: sorted by (flow id, direction), deterministic whatever the exchange order.
    let flows: Vec<(String, String)> = flow_keys.keys().cloned().collect();
    let flow_position: HashMap<&(String, String), usize> = flows.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let biosphere: Vec<(usize, usize, f64)> =
        biosphere_raw.iter().map(|(key, j, v)| (flow_position[key], *j, *v)).collect();

    let factors = Table::get(tables, "factors")?;
    let f_method = factors.strings("method_id")?;
    let f_flow = factors.strings("flow_id")?;
    let f_direction = factors.opt_strings("direction")?;
    let f_location = factors.opt_strings("location")?;
    let f_value = factors.opt_f64s("value")?;
    let mut characterization: Vec<(usize, usize, f64)> = Vec::new();
    for row in 0..f_method.len() {
        let (Some(&k), Some(value)) = (indicator_index.get(f_method[row]), f_value[row]) else { continue };
        if f_location[row].is_some_and(|l| !l.trim().is_empty() && l != "GLO") {
            report.n_regionalized_factors += 1;
            continue;
        }
        for direction in ["input", "output"] {
            if f_direction[row].is_some_and(|d| d != direction) {
                continue;
            }
            if let Some(&flow) = flow_position.get(&(f_flow[row].to_owned(), direction.to_owned())) {
                characterization.push((k, flow, value));
            }
        }
    }
    for (k, id) in m_id.iter().enumerate() {
        if let Some(&flow) = flow_position.get(&(format!("lcia-result:{id}"), "output".to_owned())) {
            characterization.push((k, flow, 1.0));
        }
    }

    // Diagonal: the reference products (a unit diagonal for a process without one, reported).
    for (j, product) in reference.iter().enumerate() {
        match product {
            Some((amount, _)) => technosphere.push((j, j, *amount)),
            None => {
                report.no_reference.push(p_id[j].to_owned());
                technosphere.push((j, j, 1.0));
            }
        }
        if extra_products[j] {
            report.multi_output.push(p_id[j].to_owned());
        }
    }
    report.n_technosphere_entries = technosphere.len();
    report.n_biosphere_entries = biosphere.len();
    report.n_characterization_entries = characterization.len();

    let weighting_sets = weighting_sets(tables, &indicators, &mut report)?;
    let restricted = restricted_processes(manifest, &p_dataset, &technosphere);
    let processes_info: Vec<ProcessInfo> = (0..n)
        .map(|j| ProcessInfo {
            id: p_id[j].to_owned(),
            version: p_version[j].map(str::to_owned),
            name: p_name[j].to_owned(),
            location: p_location[j].map(str::to_owned),
            dataset: p_dataset[j].to_owned(),
            unit: reference[j].and_then(|(_, u)| u).map(str::to_owned),
            classification: p_class[j].map(str::to_owned),
            process_type: p_type[j].map(str::to_owned),
            restricted: restricted[j],
        })
        .collect();

    let migrations = Table::get(tables, "id_migrations")?;
    let id_migrations = migrations
        .strings("old_id")?
        .into_iter()
        .zip(migrations.strings("new_id")?)
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();

    let system = System {
        activities: p_id.iter().map(|s| (*s).to_owned()).collect(),
        flows: flows.iter().map(|(id, direction)| format!("{id} ({direction})")).collect(),
        categories: m_id.iter().map(|s| (*s).to_owned()).collect(),
        technosphere,
        biosphere,
        characterization,
    };
    let treats_waste = reference.iter().map(|r| r.is_some_and(|(amount, _)| amount < 0.0)).collect();
    let model =
        Model { processes: processes_info, indicators, weighting_sets, units, id_migrations, treats_waste, report };
    Ok((model, system))
}

/// Reference unit of every flow by id (the first dataset's, when several hold the same id).
fn flow_reference_units(tables: &Tables) -> Result<HashMap<&str, &str>> {
    let flows = Table::get(tables, "flows")?;
    let ids = flows.strings("id")?;
    let units = flows.opt_strings("reference_unit")?;
    let mut out = HashMap::with_capacity(ids.len());
    for (id, unit) in ids.into_iter().zip(units) {
        if let Some(unit) = unit {
            out.entry(id).or_insert(unit);
        }
    }
    Ok(out)
}

/// Per dataset: source flow → method flow.
fn flow_mappings(tables: &Tables) -> Result<HashMap<&str, HashMap<&str, &str>>> {
    let table = Table::get(tables, "flow_mappings")?;
    let dataset = table.strings("dataset")?;
    let source = table.strings("source_flow")?;
    let target = table.strings("target_flow")?;
    let mut out: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
    for row in 0..dataset.len() {
        out.entry(dataset[row]).or_default().insert(source[row], target[row]);
    }
    Ok(out)
}

/// `(dataset, process, exchange)` → `(provider dataset, provider id)`.
#[allow(clippy::type_complexity)]
fn links(tables: &Tables) -> Result<HashMap<(&str, &str, &str), (&str, &str)>> {
    let table = Table::get(tables, "links")?;
    let dataset = table.strings("dataset")?;
    let process = table.strings("process_id")?;
    let exchange = table.strings("exchange")?;
    let provider = table.strings("provider_id")?;
    let provider_dataset = table.strings("provider_dataset")?;
    Ok((0..dataset.len())
        .map(|row| ((dataset[row], process[row], exchange[row]), (provider_dataset[row], provider[row])))
        .collect())
}

/// Ecobalyse's indicator codes and the EF 3.1 indicator names they stand for, so Ecobalyse weights (keyed by code)
/// apply to an EF 3.1 method read from ILCD (keyed by UUID, named in English). From Ecobalyse's impacts.json labels
/// and the EF 3.1 reference package's indicator names.
const EF31_CODES: &[(&str, &[&str])] = &[
    ("acd", &["Acidification"]),
    ("cch", &["Climate change"]),
    ("etf", &["Ecotoxicity, freshwater"]),
    ("etf-o", &["Ecotoxicity, freshwater - organics", "Ecotoxicity, freshwater, organics"]),
    ("etf-i", &["Ecotoxicity, freshwater - inorganics", "Ecotoxicity, freshwater, inorganics"]),
    ("fru", &["Resource use, fossils"]),
    ("fwe", &["Eutrophication, freshwater"]),
    ("htc", &["Human toxicity, cancer"]),
    ("htc-o", &["Human toxicity, cancer - organics", "Human toxicity, cancer, organics"]),
    ("htc-i", &["Human toxicity, cancer - inorganics", "Human toxicity, cancer, inorganics"]),
    ("htn", &["Human toxicity, non-cancer"]),
    ("htn-o", &["Human toxicity, non-cancer - organics", "Human toxicity, non-cancer, organics"]),
    ("htn-i", &["Human toxicity, non-cancer - inorganics", "Human toxicity, non-cancer, inorganics"]),
    ("ior", &["Ionising radiation, human health", "Ionising radiation"]),
    ("ldu", &["Land use"]),
    ("mru", &["Resource use, minerals and metals"]),
    ("ozd", &["Ozone depletion"]),
    ("pco", &["Photochemical ozone formation, human health", "Photochemical ozone formation"]),
    ("pma", &["Particulate matter", "Particulate matter formation"]),
    ("swe", &["Eutrophication, marine"]),
    ("tre", &["Eutrophication, terrestrial"]),
    ("wtu", &["Water use"]),
];

/// Resolves a weighting entry's category to an indicator: by id, by code, by name (case-insensitive), then an
/// Ecobalyse code through the EF 3.1 names it stands for.
fn resolve_category(indicators: &[IndicatorInfo], category: &str) -> Option<usize> {
    let by_name = |name: &str| indicators.iter().position(|i| i.name.trim().eq_ignore_ascii_case(name.trim()));
    indicators
        .iter()
        .position(|i| i.id == category)
        .or_else(|| indicators.iter().position(|i| i.code.as_deref() == Some(category)))
        .or_else(|| by_name(category))
        .or_else(|| {
            let (_, names) = EF31_CODES.iter().find(|(code, _)| *code == category.trim())?;
            names.iter().find_map(|name| by_name(name))
        })
}

/// The release's normalization-weighting sets as compute sets, with corrected categories (`etf-c = 2 etf-o +
/// etf-i`) expanded into their sub-indicators.
fn weighting_sets(
    tables: &Tables,
    indicators: &[IndicatorInfo],
    report: &mut BuildReport,
) -> Result<Vec<WeightingSet>> {
    let table = Table::get(tables, "normalization_weighting")?;
    let set_name = table.strings("set_name")?;
    let category = table.strings("category")?;
    let normalization = table.opt_f64s("normalization")?;
    let is_factor = table.bools("normalization_is_factor")?;
    let weighting = table.opt_f64s("weighting")?;
    let scale = table.opt_f64s("scale")?;
    let correction = table.opt_strings("correction")?;
    let mut sets: BTreeMap<&str, WeightingSet> = BTreeMap::new();
    for row in 0..set_name.len() {
        let set = sets.entry(set_name[row]).or_insert_with(|| WeightingSet {
            name: set_name[row].to_owned(),
            entries: Vec::new(),
            scale: scale[row].unwrap_or(1.0),
        });
        let Some(norm) = normalization[row].filter(|v| *v != 0.0 && v.is_finite()) else { continue };
        // compute::single_score divides by the normalization; a SimaPro factor multiplies.
        let divisor = if is_factor[row] { 1.0 / norm } else { norm };
        let weight = weighting[row].unwrap_or(1.0);
        if let Some(k) = resolve_category(indicators, category[row]) {
            set.entries.push((k, divisor, weight));
            continue;
        }
        let parts: Option<Vec<(usize, f64)>> = correction[row].map(|text| {
            text.split(';')
                .filter_map(|part| {
                    let (sub, w) = part.trim().rsplit_once('*')?;
                    Some((resolve_category(indicators, sub.trim())?, w.trim().parse::<f64>().ok()?))
                })
                .collect()
        });
        match parts {
            Some(parts) if !parts.is_empty() => {
                for (k, w) in parts {
                    set.entries.push((k, divisor, weight * w));
                }
            }
            _ => report.unresolved_weighting_categories.push(format!("{}: {}", set_name[row], category[row])),
        }
    }
    Ok(sets.into_values().collect())
}

/// A process is restricted when its source is, or when it consumes (directly or upstream) a restricted process.
fn restricted_processes(manifest: &Manifest, dataset: &[&str], technosphere: &[(usize, usize, f64)]) -> Vec<bool> {
    let restricted_sources: HashSet<&str> =
        manifest.sources.iter().filter(|s| s.licence_class == "restricted").map(|s| s.dataset.as_str()).collect();
    let mut restricted: Vec<bool> = dataset.iter().map(|d| restricted_sources.contains(d)).collect();
    // consumers[i]: the processes that consume i's product.
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); dataset.len()];
    for &(i, j, _) in technosphere {
        if i != j {
            consumers[i].push(j);
        }
    }
    let mut stack: Vec<usize> = (0..dataset.len()).filter(|&j| restricted[j]).collect();
    while let Some(i) = stack.pop() {
        for &j in &consumers[i] {
            if !restricted[j] {
                restricted[j] = true;
                stack.push(j);
            }
        }
    }
    restricted
}

impl Model {
    /// The activity index of a process id (the first dataset's, when several datasets hold it), following the
    /// release's id migrations.
    pub fn find(&self, id: &str) -> Option<usize> {
        let direct = |id: &str| self.processes.binary_search_by(|p| p.id.as_str().cmp(id)).ok();
        if let Some(j) = direct(id) {
            // Several rows can share an id (one per dataset): the first is the one scoring uses.
            let mut first = j;
            while first > 0 && self.processes[first - 1].id == id {
                first -= 1;
            }
            return Some(first);
        }
        let mut current = id;
        for _ in 0..self.id_migrations.len() {
            let (_, next) = self.id_migrations.iter().find(|(old, _)| old == current)?;
            if let Some(j) = direct(next) {
                return Some(j);
            }
            current = next;
        }
        None
    }
}

/// The error of a missing impacts table, with the reason the writer gave.
pub(crate) fn missing_impacts(manifest: &Manifest) -> Error {
    Error::Snapshot(format!(
        "snapshot of {} has no process impacts ({}): re-publish the snapshot with a method",
        manifest.release.name,
        if manifest.tables_not_written.is_empty() {
            "table missing".to_owned()
        } else {
            format!("not written: {}", manifest.tables_not_written.join(", "))
        }
    ))
}
