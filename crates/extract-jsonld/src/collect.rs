//! Gathers the entities of one read, keeps the newest version of each `@id`, then resolves what spans entities:
//! category paths, location codes, reference units, exchange kinds, impact-method membership, and
//! dangling-reference diagnostics (one summary per process or impact category).

use crate::entities::{CategoryInfo, Document, ImpactMethod, Item, LocationInfo, Parsed};
use ecoref_extract_support::{NotLoaded, compare_versions};
use ecoref_model::{Dataset, Diagnostic, ExchangeKind, FlowKind};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Everything read so far, keyed by entity type and `@id`.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    entities: BTreeMap<(&'static str, String), Parsed>,
    diagnostics: Vec<Diagnostic>,
    not_loaded: NotLoaded,
    n_rejected: u64,
}

/// The result of a read before it is wrapped into the public output.
#[derive(Debug)]
pub(crate) struct Collected {
    pub(crate) dataset: Dataset,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) n_rejected: u64,
}

impl Collector {
    pub(crate) fn add(&mut self, document: Document, file: &str) {
        match document {
            Document::Entity(parsed) => self.add_entity(*parsed),
            Document::NotLoaded(reason) => self.not_loaded(reason, file),
            Document::Unknown(why) => self.diagnostics.push(
                Diagnostic::warning("jsonld.unknown-document", format!("not an openLCA JSON-LD entity: {why}"))
                    .in_file(file),
            ),
            Document::Rejected(diagnostic) => self.reject(diagnostic),
        }
    }

    pub(crate) fn not_loaded(&mut self, reason: &'static str, file: &str) {
        self.not_loaded.record(reason, file);
    }

    /// Records a rejected data set (an `Error` diagnostic).
    pub(crate) fn reject(&mut self, diagnostic: Diagnostic) {
        self.n_rejected += 1;
        self.diagnostics.push(diagnostic);
    }

    fn add_entity(&mut self, new: Parsed) {
        let key = (new.item.label(), new.item.id().id.clone());
        let Some(old) = self.entities.get(&key) else {
            self.entities.insert(key, new);
            return;
        };
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(no version)".to_owned());
        let (old_version, new_version) = (old.item.id().version.clone(), new.item.id().version.clone());
        let newer = compare_versions(new_version.as_deref(), old_version.as_deref()) == Ordering::Greater;
        let (kept, dropped) = if newer { (&new, old) } else { (old, &new) };
        let message = format!(
            "{} {} occurs twice: version {} ({}) is kept, version {} ({}) is dropped",
            key.0,
            key.1,
            show(&kept.item.id().version),
            kept.file,
            show(&dropped.item.id().version),
            dropped.file
        );
        let diagnostic = if old_version == new_version {
            Diagnostic::warning("jsonld.duplicate-id", message)
        } else {
            Diagnostic::info("jsonld.superseded-version", message)
        };
        self.diagnostics.push(diagnostic.in_file(dropped.file.clone()).for_entity(key.1.clone()));
        if newer {
            self.entities.insert(key, new);
        }
    }

    /// Resolves references and builds the canonical dataset.
    pub(crate) fn finish(self) -> Collected {
        let Collector { entities, mut diagnostics, not_loaded, n_rejected } = self;
        diagnostics.extend(not_loaded.into_diagnostics("jsonld.not-loaded"));

        let mut locations: HashMap<String, LocationInfo> = HashMap::new();
        let mut categories: HashMap<String, CategoryInfo> = HashMap::new();
        let mut methods: Vec<(ImpactMethod, String)> = Vec::new();
        let mut rest = Vec::new();
        for (_, parsed) in entities {
            match parsed.item {
                Item::Location(l) => {
                    locations.insert(l.id.id.clone(), l);
                }
                Item::Category(c) => {
                    categories.insert(c.id.id.clone(), c);
                }
                Item::ImpactMethod(m) => methods.push((m, parsed.file)),
                _ => rest.push(parsed),
            }
        }
        let resolve_location = |id: &Option<String>| -> Option<String> {
            let l = locations.get(id.as_ref()?)?;
            Some(l.code.clone().unwrap_or_else(|| l.name.clone()))
        };

        let mut dataset = Dataset::default();
        let mut files: HashMap<(&'static str, String), String> = HashMap::new();
        let mut ref_kinds: HashMap<String, Vec<Option<FlowKind>>> = HashMap::new();
        for parsed in rest {
            let Parsed { item, file, location_id, category_id } = parsed;
            let path = category_id.as_ref().and_then(|id| category_path(&categories, id));
            let location = resolve_location(&location_id);
            files.insert((item.label(), item.id().id.clone()), file);
            match item {
                Item::Process(mut p, kinds) => {
                    if let Some(path) = path {
                        p.classifications.push(ecoref_model::Classification { system: None, path });
                    }
                    if location.is_some() {
                        p.location = location;
                    }
                    ref_kinds.insert(p.id.id.clone(), kinds);
                    dataset.processes.push(p);
                }
                Item::Flow(mut f) => {
                    if let Some(path) = path {
                        if f.kind == Some(FlowKind::Elementary) {
                            let skip =
                                usize::from(path.first().is_some_and(|p| p.eq_ignore_ascii_case("Elementary flows")));
                            f.compartment = path.iter().skip(skip).cloned().collect();
                        }
                        f.classifications.push(ecoref_model::Classification { system: None, path });
                    }
                    if location.is_some() {
                        f.location = location;
                    }
                    dataset.flows.push(f);
                }
                Item::FlowProperty(e) => dataset.flow_properties.push(e),
                Item::UnitGroup(e) => dataset.unit_groups.push(e),
                Item::Source(e) | Item::ProductSystem(e) => dataset.sources.push(e),
                Item::Contact(e) => dataset.contacts.push(e),
                Item::ImpactCategory(e) => dataset.lcia_methods.push(e),
                Item::ImpactMethod(_) | Item::Location(_) | Item::Category(_) => {}
            }
        }

        resolve_units(&mut dataset);
        resolve_exchanges(&mut dataset, &ref_kinds, &files, &mut diagnostics);
        resolve_methods(&mut dataset, methods, &files, &mut diagnostics);

        dataset.canonicalize();
        diagnostics.sort_by(|a, b| {
            (&a.location.file, a.location.line, &a.location.entity, &a.code, &a.message).cmp(&(
                &b.location.file,
                b.location.line,
                &b.location.entity,
                &b.code,
                &b.message,
            ))
        });
        Collected { dataset, diagnostics, n_rejected }
    }
}

/// The full path of a category read from `categories/`, following parent ids (v1) with a cycle guard.
fn category_path(categories: &HashMap<String, CategoryInfo>, id: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut current = categories.get(id)?;
    for _ in 0..64 {
        if let Some(path) = &current.path {
            let mut full = path.clone();
            full.extend(names.into_iter().rev());
            return Some(full);
        }
        names.push(current.name.clone());
        match current.parent_id.as_ref().and_then(|p| categories.get(p)) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    names.reverse();
    Some(names)
}

/// Reference units along flow → reference flow property → unit group.
fn resolve_units(dataset: &mut Dataset) {
    let group_units: HashMap<&str, String> = dataset
        .unit_groups
        .iter()
        .filter_map(|g| g.reference_unit().map(|u| (g.id.id.as_str(), u.name.clone())))
        .collect();
    for property in &mut dataset.flow_properties {
        property.reference_unit = property.unit_group.as_ref().and_then(|r| group_units.get(r.id.as_str())).cloned();
    }
    let property_units: HashMap<&str, String> = dataset
        .flow_properties
        .iter()
        .filter_map(|p| p.reference_unit.clone().map(|u| (p.id.id.as_str(), u)))
        .collect();
    for flow in &mut dataset.flows {
        flow.reference_unit =
            flow.reference_flow_property().and_then(|p| property_units.get(p.flow_property.id.as_str())).cloned();
    }
}

/// Exchange kinds from the flow type (the flow entity, else the type its reference announces), missing units
/// from the flow, and one warning per process for flows and providers not in the input.
fn resolve_exchanges(
    dataset: &mut Dataset,
    ref_kinds: &HashMap<String, Vec<Option<FlowKind>>>,
    files: &HashMap<(&'static str, String), String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let flows: HashMap<&str, (Option<FlowKind>, Option<String>)> =
        dataset.flows.iter().map(|f| (f.id.id.as_str(), (f.kind, f.reference_unit.clone()))).collect();
    let process_ids: HashSet<String> = dataset.processes.iter().map(|p| p.id.id.clone()).collect();
    let mut warnings = Vec::new();
    for process in &mut dataset.processes {
        let kinds = ref_kinds.get(&process.id.id);
        let mut missing_flows = BTreeSet::new();
        let mut missing_providers = BTreeSet::new();
        for (idx, exchange) in process.exchanges.iter_mut().enumerate() {
            let ref_kind = kinds.and_then(|k| k.get(idx).copied().flatten());
            let (entity_kind, unit) = match flows.get(exchange.flow.id.as_str()) {
                Some((kind, unit)) => (*kind, unit.clone()),
                None => {
                    missing_flows.insert(exchange.flow.id.clone());
                    (None, None)
                }
            };
            if exchange.unit.is_none() {
                exchange.unit = unit;
            }
            exchange.kind = Some(match entity_kind.or(ref_kind) {
                Some(FlowKind::Elementary) => ExchangeKind::Biosphere,
                _ if exchange.is_reference => ExchangeKind::Production,
                Some(_) => ExchangeKind::Technosphere,
                None => ExchangeKind::Unresolved,
            });
            if let Some(provider) = &exchange.provider
                && !process_ids.contains(&provider.id)
            {
                missing_providers.insert(provider.id.clone());
            }
        }
        let file = files.get(&("process", process.id.id.clone())).cloned();
        for (what, missing) in [("flows", missing_flows), ("default providers", missing_providers)] {
            let Some(first) = missing.first() else { continue };
            let message = format!(
                "process {}: exchanges reference {} {what} not in the input (first {first})",
                process.id.id,
                missing.len()
            );
            let mut d = Diagnostic::warning("jsonld.dangling-reference", message)
                .at_element("exchanges")
                .for_entity(process.id.id.clone());
            if let Some(file) = &file {
                d = d.in_file(file.clone());
            }
            warnings.push(d);
        }
    }
    diagnostics.extend(warnings);
}

/// Impact categories get the names of the methods listing them as methodologies; normalization/weighting sets
/// become dataset entries; factors whose flows are not in the input give one warning per category.
fn resolve_methods(
    dataset: &mut Dataset,
    methods: Vec<(ImpactMethod, String)>,
    files: &HashMap<(&'static str, String), String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let category_ids: HashSet<String> = dataset.lcia_methods.iter().map(|m| m.id.id.clone()).collect();
    let mut methodologies: HashMap<&str, Vec<String>> = HashMap::new();
    for (method, file) in &methods {
        let missing: Vec<&String> = method.category_ids.iter().filter(|id| !category_ids.contains(*id)).collect();
        if let Some(first) = missing.first() {
            diagnostics.push(
                Diagnostic::warning(
                    "jsonld.dangling-reference",
                    format!(
                        "impact method {} lists {} of {} impact categories not in the input (first {first})",
                        method.id.id,
                        missing.len(),
                        method.category_ids.len()
                    ),
                )
                .in_file(file.clone())
                .at_element("impactCategories")
                .for_entity(method.id.id.clone()),
            );
        }
        for id in &method.category_ids {
            let names = methodologies.entry(id.as_str()).or_default();
            if !names.contains(&method.name) {
                names.push(method.name.clone());
            }
        }
    }
    let flow_ids: HashSet<&str> = dataset.flows.iter().map(|f| f.id.id.as_str()).collect();
    for category in &mut dataset.lcia_methods {
        if let Some(names) = methodologies.get(category.id.id.as_str()) {
            category.methodologies = names.clone();
        }
        let missing: Vec<&str> =
            category.factors.iter().map(|f| f.flow.id.as_str()).filter(|id| !flow_ids.contains(id)).collect();
        if let Some(first) = missing.first() {
            let distinct: BTreeSet<&str> = missing.iter().copied().collect();
            let message = format!(
                "impact category {}: {} of {} characterization factors reference flows not in the input \
                 ({} distinct flows, first {first})",
                category.id.id,
                missing.len(),
                category.factors.len(),
                distinct.len()
            );
            let mut d = Diagnostic::warning("jsonld.dangling-reference", message)
                .at_element("impactFactors")
                .for_entity(category.id.id.clone());
            if let Some(file) = files.get(&("impact category", category.id.id.clone())) {
                d = d.in_file(file.clone());
            }
            diagnostics.push(d);
        }
    }
    for (method, _) in methods {
        dataset.normalization_weighting_sets.extend(method.nw_sets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecoref_model::EntityId;

    #[test]
    fn category_paths_follow_parents_and_survive_cycles() {
        let info = |id: &str, parent: Option<&str>| CategoryInfo {
            id: EntityId::new(id, None),
            path: None,
            name: id.to_uppercase(),
            parent_id: parent.map(str::to_owned),
        };
        let mut categories = HashMap::new();
        categories.insert("a".to_owned(), info("a", Some("b")));
        categories.insert("b".to_owned(), info("b", Some("a")));
        assert!(category_path(&categories, "a").is_some_and(|p| p.len() == 64));
        categories.insert("b".to_owned(), info("b", None));
        assert_eq!(category_path(&categories, "a"), Some(vec!["B".to_owned(), "A".to_owned()]));
    }
}
