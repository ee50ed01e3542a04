//! Gathers the data sets of one read, keeps the newest version of each UUID, then resolves references: exchange
//! kinds, units along exchange → flow → flow property → unit group, and dangling-reference warnings.

use crate::datasets::{Document, Entity, Kind, ParsedDataSet, Target, is_uuid};
use ecoref_extract_support::{NotLoaded, compare_versions};
use ecoref_model::{Dataset, Diagnostic, ExchangeKind, FlowKind};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Everything read so far, keyed by data set type and UUID.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    data_sets: BTreeMap<(Kind, String), ParsedDataSet>,
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
            Document::DataSet(data_set) => self.add_data_set(*data_set),
            Document::NotLoaded(reason) => self.not_loaded(reason, file),
            Document::Unknown { name } => self.diagnostics.push(
                Diagnostic::warning("ilcd.unknown-document", format!("root element <{name}> is not an ILCD data set"))
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

    fn add_data_set(&mut self, new: ParsedDataSet) {
        let key = (new.entity.kind(), new.entity.id().id.clone());
        let Some(old) = self.data_sets.get(&key) else {
            self.data_sets.insert(key, new);
            return;
        };
        let old_version = old.entity.id().version.clone();
        let new_version = new.entity.id().version.clone();
        let label = format!("{} {}", key.0.label(), key.1);
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(no version)".to_owned());
        match compare_versions(new_version.as_deref(), old_version.as_deref()) {
            Ordering::Equal if old.entity == new.entity => {}
            Ordering::Equal => self.diagnostics.push(
                Diagnostic::warning(
                    "ilcd.conflicting-duplicate",
                    format!(
                        "{label} version {} occurs twice with different content; the copy in {} is kept",
                        show(&old_version),
                        old.file
                    ),
                )
                .in_file(new.file.clone())
                .for_entity(key.1.clone()),
            ),
            Ordering::Greater => {
                let message = format!(
                    "{label}: version {} ({}) supersedes version {} ({})",
                    show(&new_version),
                    new.file,
                    show(&old_version),
                    old.file
                );
                let diagnostic = Diagnostic::info("ilcd.superseded-version", message)
                    .in_file(old.file.clone())
                    .at_line(old.line, None)
                    .for_entity(key.1.clone());
                self.diagnostics.push(diagnostic);
                self.data_sets.insert(key, new);
            }
            Ordering::Less => {
                let message = format!(
                    "{label}: version {} ({}) supersedes version {} ({})",
                    show(&old_version),
                    old.file,
                    show(&new_version),
                    new.file
                );
                let diagnostic = Diagnostic::info("ilcd.superseded-version", message)
                    .in_file(new.file.clone())
                    .at_line(new.line, None)
                    .for_entity(key.1.clone());
                self.diagnostics.push(diagnostic);
            }
        }
    }

    /// Resolves references and builds the canonical dataset.
    pub(crate) fn finish(self) -> Collected {
        let Collector { data_sets, mut diagnostics, not_loaded, n_rejected } = self;
        diagnostics.extend(not_loaded.into_diagnostics("ilcd.not-loaded"));

        let mut ids: HashMap<Kind, HashSet<String>> = HashMap::new();
        for (kind, id) in data_sets.keys() {
            ids.entry(*kind).or_default().insert(id.clone());
        }
        let all_ids: HashSet<&String> = data_sets.keys().map(|(_, id)| id).collect();
        let exists = |target: Target, id: &str| match target {
            Target::Of(kind) => ids.get(&kind).is_some_and(|set| set.contains(id)),
            Target::Any => all_ids.contains(&id.to_owned()),
        };

        // Dangling and non-UUID references: one warning per (entity, referenced id).
        for data_set in data_sets.values() {
            let entity_id = &data_set.entity.id().id;
            let mut seen = BTreeSet::new();
            for r in &data_set.refs {
                if exists(r.target, &r.id) || !seen.insert(r.id.clone()) {
                    continue;
                }
                let what = match r.target {
                    Target::Of(kind) => kind.label(),
                    Target::Any => "data set",
                };
                let (code, message) = if is_uuid(&r.id) {
                    (
                        "ilcd.dangling-reference",
                        format!(
                            "{} {entity_id} references {what} {} which is not in the input",
                            data_set.entity.kind().label(),
                            r.id
                        ),
                    )
                } else {
                    (
                        "ilcd.invalid-uuid",
                        format!(
                            "{} {entity_id} references {what} {:?}, which is not a UUID and is not in the input",
                            data_set.entity.kind().label(),
                            r.id
                        ),
                    )
                };
                diagnostics.push(
                    Diagnostic::warning(code, message)
                        .in_file(data_set.file.clone())
                        .at_line(r.line, None)
                        .at_element(r.element.clone())
                        .for_entity(entity_id.clone()),
                );
            }
        }

        let method_files: HashMap<String, String> = data_sets
            .iter()
            .filter(|((kind, _), _)| *kind == Kind::LciaMethod)
            .map(|((_, id), d)| (id.clone(), d.file.clone()))
            .collect();
        let mut dataset = Dataset::default();
        for (_, data_set) in data_sets {
            diagnostics.extend(data_set.diagnostics);
            match data_set.entity {
                Entity::Process(e) => dataset.processes.push(e),
                Entity::Flow(e) => dataset.flows.push(e),
                Entity::FlowProperty(e) => dataset.flow_properties.push(e),
                Entity::UnitGroup(e) => dataset.unit_groups.push(e),
                Entity::LciaMethod(e) => dataset.lcia_methods.push(e),
                Entity::Source(e) => dataset.sources.push(e),
                Entity::Contact(e) => dataset.contacts.push(e),
            }
        }
        resolve_units_and_kinds(&mut dataset, &mut diagnostics, &ids, &method_files);
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

fn resolve_units_and_kinds(
    dataset: &mut Dataset,
    diagnostics: &mut Vec<Diagnostic>,
    ids: &HashMap<Kind, HashSet<String>>,
    method_files: &HashMap<String, String>,
) {
    let unit_group_units: HashMap<&str, String> = dataset
        .unit_groups
        .iter()
        .filter_map(|g| g.reference_unit().map(|u| (g.id.id.as_str(), u.name.clone())))
        .collect();
    for property in &mut dataset.flow_properties {
        property.reference_unit =
            property.unit_group.as_ref().and_then(|r| unit_group_units.get(r.id.as_str())).cloned();
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
    let flows: HashMap<&str, (Option<FlowKind>, Option<String>)> =
        dataset.flows.iter().map(|f| (f.id.id.as_str(), (f.kind, f.reference_unit.clone()))).collect();
    for process in &mut dataset.processes {
        for exchange in &mut process.exchanges {
            let Some((kind, unit)) = flows.get(exchange.flow.id.as_str()) else {
                exchange.kind = Some(ExchangeKind::Unresolved);
                continue;
            };
            exchange.unit = unit.clone();
            exchange.kind = Some(match kind {
                Some(FlowKind::Elementary) => ExchangeKind::Biosphere,
                _ if exchange.is_reference => ExchangeKind::Production,
                _ => ExchangeKind::Technosphere,
            });
        }
    }
    let no_flows = HashSet::new();
    let flow_ids = ids.get(&Kind::Flow).unwrap_or(&no_flows);
    for method in &mut dataset.lcia_methods {
        method.unit = method.reference_quantity.as_ref().and_then(|r| property_units.get(r.id.as_str())).cloned();
        let missing: Vec<&str> =
            method.factors.iter().map(|f| f.flow.id.as_str()).filter(|id| !flow_ids.contains(*id)).collect();
        if let Some(first) = missing.first() {
            let distinct: BTreeSet<&str> = missing.iter().copied().collect();
            let message = format!(
                "lcia method {}: {} of {} characterization factors reference flows not in the input \
                 ({} distinct flows, first {first})",
                method.id.id,
                missing.len(),
                method.factors.len(),
                distinct.len()
            );
            let mut diagnostic = Diagnostic::warning("ilcd.dangling-reference", message)
                .at_element("LCIAMethodDataSet/characterisationFactors")
                .for_entity(method.id.id.clone());
            if let Some(file) = method_files.get(&method.id.id) {
                diagnostic = diagnostic.in_file(file.clone());
            }
            diagnostics.push(diagnostic);
        }
    }
}
