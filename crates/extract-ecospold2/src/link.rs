//! Merging the documents of one read and linking them: MasterData names and units fill the flows and exchanges,
//! `activityLinkId`s become provider process ids, unknown units and dangling links become diagnostics.

use crate::datasets::{ACTIVITY_ID_KEY, ACTIVITY_LINK_KEY, DocumentRead, UNIT_ID_KEY};
use crate::masterdata::MasterData;
use ecoref_model::{Contact, Dataset, Diagnostic, ExchangeKind, Flow, Process, Source};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Unit names of the ecoinvent 3 `Units.xml` MasterData (and the usual variants written by openLCA), accepted
/// without a Units file.
const KNOWN_UNITS: &[&str] = &[
    "kg",
    "g",
    "mg",
    "t",
    "metric ton",
    "kBq",
    "Bq",
    "l",
    "m3",
    "Sm3",
    "m2",
    "m",
    "km",
    "ha",
    "kWh",
    "Wh",
    "MWh",
    "MJ",
    "kJ",
    "GJ",
    "TJ",
    "unit",
    "units",
    "item",
    "items",
    "p",
    "hour",
    "h",
    "day",
    "year",
    "a",
    "m2*year",
    "m3*year",
    "ha*year",
    "km*year",
    "m*year",
    "kg*day",
    "metric ton*km",
    "t*km",
    "tkm",
    "kg*km",
    "person*km",
    "personkm",
    "pkm",
    "vehicle-km",
    "vkm",
    "km*vehicle",
    "guest night",
    "dimensionless",
    "EUR2005",
    "USD",
    "kg SWU",
    "kg/m3",
    "m2/year",
    "kWp",
    "MW",
    "kW",
    "lu",
    "kilo animal unit",
    "animal unit",
    "ton",
    "short ton",
    "lb",
    "ft3",
    "gal",
    "gal*mi",
    "btu",
    "MMBtu",
    "mi",
    "t*mi",
    "ton*mi",
    "kg*a",
    "m2a",
    "m3a",
    "kg*mi",
];

/// Collects document reads in input order, then links them into one dataset.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    processes: Vec<(Process, String)>,
    /// Process id → index in `processes`.
    process_ids: HashMap<String, usize>,
    master_flows: BTreeMap<String, Flow>,
    exchange_flows: BTreeMap<String, Flow>,
    master: MasterData,
    contacts: BTreeMap<String, Contact>,
    sources: BTreeMap<String, Source>,
    diagnostics: Vec<Diagnostic>,
    n_rejected: u64,
    not_loaded: BTreeMap<String, u64>,
}

impl Collector {
    pub(crate) fn add(&mut self, file: &str, read: DocumentRead) {
        let DocumentRead { processes, exchange_flows, mut master, diagnostics, n_rejected, not_loaded, .. } = read;
        self.diagnostics.extend(diagnostics);
        self.n_rejected += n_rejected;
        if let Some(kind) = not_loaded {
            *self.not_loaded.entry(kind).or_default() += 1;
        }
        for process in processes {
            let Some(&idx) = self.process_ids.get(&process.id.id) else {
                self.process_ids.insert(process.id.id.clone(), self.processes.len());
                self.processes.push((process, file.to_owned()));
                continue;
            };
            // Of two data sets with one identity, the one in the file whose name sorts first is kept, whatever
            // order the container lists them in.
            let Some(kept) = self.processes.get_mut(idx) else { continue };
            let (rejected, rejected_file, kept_file) = if file < kept.1.as_str() {
                let old = std::mem::replace(kept, (process, file.to_owned()));
                (old.0, old.1, file.to_owned())
            } else {
                (process, file.to_owned(), kept.1.clone())
            };
            let mut d = Diagnostic::error(
                "ecospold2.duplicate-data-set",
                format!("data set {} in {rejected_file} is also in {kept_file}: rejected", rejected.id),
            )
            .in_file(rejected_file.as_str());
            if let Some(activity) = rejected.metadata.get(ACTIVITY_ID_KEY) {
                d = d.for_entity(activity.clone());
            }
            self.reject(d);
        }
        for flow in master.flows.drain(..) {
            self.master_flows.entry(flow.id.id.clone()).or_insert(flow);
        }
        for flow in exchange_flows {
            self.exchange_flows.entry(flow.id.id.clone()).or_insert(flow);
        }
        for contact in master.contacts.drain(..) {
            self.contacts.entry(contact.id.id.clone()).or_insert(contact);
        }
        for source in master.sources.drain(..) {
            self.sources.entry(source.id.id.clone()).or_insert(source);
        }
        let mine = &mut self.master;
        mine.units.append(&mut master.units);
        mine.geographies.append(&mut master.geographies);
        mine.properties.append(&mut master.properties);
        mine.activity_index.append(&mut master.activity_index);
        mine.has_elementary_file |= master.has_elementary_file;
        mine.has_intermediate_file |= master.has_intermediate_file;
        mine.has_units_file |= master.has_units_file;
        mine.has_activity_index |= master.has_activity_index;
    }

    pub(crate) fn reject(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
        self.n_rejected += 1;
    }

    pub(crate) fn not_loaded(&mut self, kind: &str) {
        *self.not_loaded.entry(kind.to_owned()).or_default() += 1;
    }

    /// Links everything read and returns the canonicalized dataset, the diagnostics and the rejected count.
    pub(crate) fn finish(mut self) -> (Dataset, Vec<Diagnostic>, u64) {
        let units: HashMap<&str, &str> = self.master.units.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
        let mut known_units: HashSet<&str> = KNOWN_UNITS.iter().copied().collect();
        known_units.extend(units.values().copied());
        let geographies: HashMap<&str, &str> =
            self.master.geographies.iter().map(|(id, s)| (id.as_str(), s.as_str())).collect();
        let properties: HashMap<&str, (&str, Option<&str>)> = self
            .master
            .properties
            .iter()
            .map(|(id, name, unit)| (id.as_str(), (name.as_str(), unit.as_deref())))
            .collect();
        let activity_index: HashSet<&str> = self.master.activity_index.iter().map(String::as_str).collect();
        let mut diagnostics = Vec::new();
        let mut processes = Vec::with_capacity(self.processes.len());
        for (mut process, file) in std::mem::take(&mut self.processes) {
            let entity = process.metadata.get(ACTIVITY_ID_KEY).cloned().unwrap_or_else(|| process.id.id.clone());
            let warn = |code: &str, message: String, element: String| {
                Diagnostic::warning(code, message)
                    .in_file(file.as_str())
                    .at_element(element)
                    .for_entity(entity.as_str())
            };
            if process.location.is_none()
                && let Some(short) = process.metadata.get("geography_id").and_then(|g| geographies.get(g.as_str()))
            {
                process.location = Some((*short).to_owned());
            }
            for exchange in &mut process.exchanges {
                let kind_name = if exchange.kind == Some(ExchangeKind::Biosphere) {
                    "elementaryExchange"
                } else {
                    "intermediateExchange"
                };
                let element = format!("flowData/{kind_name}[@id={}]", exchange.internal_id);
                let master_flow = self.master_flows.get(&exchange.flow.id);
                if exchange.unit.is_none() {
                    let unit_id = exchange.metadata.get(UNIT_ID_KEY).map(String::as_str);
                    exchange.unit = unit_id.and_then(|u| units.get(u)).map(|n| (*n).to_owned()).or_else(|| {
                        master_flow
                            .filter(|f| f.metadata.get(UNIT_ID_KEY).map(String::as_str) == unit_id)
                            .and_then(|f| f.reference_unit.clone())
                    });
                }
                match &exchange.unit {
                    None => diagnostics.push(warn(
                        "ecospold2.missing-unit",
                        format!("exchange {} ({}) has no unit name", exchange.internal_id, exchange.flow.id),
                        element.clone(),
                    )),
                    Some(unit) if !known_units.contains(unit.as_str()) => diagnostics.push(warn(
                        "ecospold2.unknown-unit",
                        format!(
                            "exchange {} ({}) is in unit {unit:?}, which is neither an ecoinvent unit nor in MasterData Units",
                            exchange.internal_id, exchange.flow.id
                        ),
                        element.clone(),
                    )),
                    Some(_) => {}
                }
                if exchange.flow.description.is_none() {
                    exchange.flow.description = master_flow.map(|f| f.name.clone()).filter(|n| !n.is_empty());
                }
                for property in &mut exchange.properties {
                    if let Some((name, unit)) = properties.get(property.property.id.as_str()) {
                        property.property.description.get_or_insert_with(|| (*name).to_owned());
                        if property.unit.is_none() {
                            property.unit = unit.map(str::to_owned);
                        }
                    }
                }
                let is_elementary = exchange.kind == Some(ExchangeKind::Biosphere);
                let has_file =
                    if is_elementary { self.master.has_elementary_file } else { self.master.has_intermediate_file };
                if has_file && master_flow.is_none() && !exchange.flow.id.is_empty() {
                    diagnostics.push(warn(
                        "ecospold2.flow-not-in-masterdata",
                        format!(
                            "exchange {} names flow {}, which the MasterData {} file does not list",
                            exchange.internal_id,
                            exchange.flow.id,
                            if is_elementary { "ElementaryExchanges" } else { "IntermediateExchanges" }
                        ),
                        element.clone(),
                    ));
                }
                if let Some(link) = exchange.metadata.get(ACTIVITY_LINK_KEY) {
                    let combined = format!("{link}_{}", exchange.flow.id);
                    let resolved = if self.process_ids.contains_key(&combined) {
                        Some(combined.clone())
                    } else if self.process_ids.contains_key(link) {
                        Some(link.clone())
                    } else {
                        None
                    };
                    if resolved.is_none() && self.master.has_activity_index {
                        let why = if activity_index.contains(link.as_str()) {
                            "is in the ActivityIndex but no data set of it was read"
                        } else {
                            "is not in the ActivityIndex"
                        };
                        diagnostics.push(warn(
                            "ecospold2.unresolved-provider",
                            format!(
                                "exchange {} links to activity {link} for product {}, which {why}",
                                exchange.internal_id, exchange.flow.id
                            ),
                            element.clone(),
                        ));
                    }
                    if let Some(provider) = &mut exchange.provider {
                        provider.id = resolved.unwrap_or(combined);
                    }
                }
            }
            processes.push(process);
        }

        let mut flows = std::mem::take(&mut self.master_flows);
        for (id, flow) in std::mem::take(&mut self.exchange_flows) {
            flows.entry(id).or_insert(flow);
        }
        let mut flows: Vec<Flow> = flows.into_values().collect();
        for flow in &mut flows {
            if flow.name.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        "ecospold2.unnamed-flow",
                        format!("flow {} has no name in any data set or MasterData: named by its id", flow.id),
                    )
                    .for_entity(flow.id.id.clone()),
                );
                flow.name = flow.id.id.clone();
            }
            if flow.reference_unit.is_none() {
                flow.reference_unit =
                    flow.metadata.get(UNIT_ID_KEY).and_then(|u| units.get(u.as_str())).map(|n| (*n).to_owned());
            }
        }
        let mut all = std::mem::take(&mut self.diagnostics);
        all.extend(diagnostics);
        // Documents arrive in container order (7z archives are not sorted): order diagnostics by file.
        all.sort_by(|a, b| a.location.file.cmp(&b.location.file));
        if !self.not_loaded.is_empty() {
            let n: u64 = self.not_loaded.values().sum();
            let kinds: BTreeSet<String> = self.not_loaded.iter().map(|(k, n)| format!("{k} ({n})")).collect();
            all.push(Diagnostic::info(
                "ecospold2.not-loaded",
                format!("{n} file(s) not loaded: {}", kinds.into_iter().collect::<Vec<_>>().join(", ")),
            ));
        }
        let mut dataset = Dataset {
            processes,
            flows,
            sources: self.sources.into_values().collect(),
            contacts: self.contacts.into_values().collect(),
            ..Dataset::default()
        };
        dataset.canonicalize();
        (dataset, all, self.n_rejected)
    }
}
