//! Merging the documents of one read and linking them: MasterData names and units fill the flows and exchanges,
//! `activityLinkId`s become provider process ids, unknown units and dangling links become diagnostics.
//!
//! Processes are held packed ([`ecoref_model::packed`]) from the moment they are read, so a release of 850,000
//! exchanges fits in a few hundred MB. Linking reads each packed process once (no model values built): it
//! reports what is missing and notes what MasterData or the process ids would change, and only a process with
//! such a change is unpacked, changed and packed again. Processes are then rendered as canonical JSON (for the
//! content hash) on the reader's threads, each taking the next process, and hashed in canonical order on the
//! calling thread meanwhile.

use crate::datasets::{ACTIVITY_ID_KEY, ACTIVITY_LINK_KEY, DocumentRead, UNIT_ID_KEY};
use crate::masterdata::MasterData;
use ecoref_extract_support::map_in_order;
use ecoref_model::packed::{CheckedRecord, Item, Map, PackError, Packer, Record, Seq, Value};
use ecoref_model::{
    Contact, Dataset, Diagnostic, Flow, PackedDataset, PackedDatasetBuilder, PreparedProcess, Process, Source,
};
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

/// One data set as read: packed, with what merging needs without unpacking it.
#[derive(Debug)]
pub(crate) struct PackedProcess {
    /// The process id (EcoSpold2 ids have no version).
    pub(crate) id: String,
    /// The raw activity id (process metadata `activity_id`), which diagnostics name.
    pub(crate) activity_id: Option<String>,
    pub(crate) bytes: CheckedRecord,
}

impl PackedProcess {
    pub(crate) fn pack(process: &Process, packer: &mut Packer) -> Result<Self, PackError> {
        Ok(PackedProcess {
            id: process.id.id.clone(),
            activity_id: process.metadata.get(ACTIVITY_ID_KEY).cloned(),
            bytes: packer.pack_checked(process)?,
        })
    }
}

/// Processes linked and rendered ahead of the one being hashed, at most: enough to keep every thread busy, little
/// memory (a rendered process holds its canonical JSON).
const LINK_WINDOW: usize = 512;

/// Collects document reads in input order, then links them into one dataset.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    processes: Vec<(PackedProcess, String)>,
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
        let DocumentRead { packed, exchange_flows, mut master, diagnostics, n_rejected, not_loaded, .. } = read;
        self.diagnostics.extend(diagnostics);
        self.n_rejected += n_rejected;
        if let Some(kind) = not_loaded {
            *self.not_loaded.entry(kind).or_default() += 1;
        }
        for process in packed {
            let Some(&idx) = self.process_ids.get(&process.id) else {
                self.process_ids.insert(process.id.clone(), self.processes.len());
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
            if let Some(activity) = rejected.activity_id {
                d = d.for_entity(activity);
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

    /// Links everything read (on up to `n_workers` threads) and returns the canonical packed dataset, the
    /// diagnostics and the rejected count.
    pub(crate) fn finish(mut self, n_workers: usize) -> Result<(PackedDataset, Vec<Diagnostic>, u64), PackError> {
        let processes = std::mem::take(&mut self.processes);
        let mut linked_diagnostics: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
        let mut builder = PackedDatasetBuilder::new();
        {
            let context = LinkContext::new(&self.master, &self.master_flows, &self.process_ids);
            // Canonical order: by id (ids are unique here, duplicates were rejected).
            // Each keeps its input index, which orders the link diagnostics.
            let mut items: Vec<(usize, PackedProcess, String)> =
                processes.into_iter().enumerate().map(|(idx, (process, file))| (idx, process, file)).collect();
            items.sort_by(|a, b| a.1.id.cmp(&b.1.id));
            // Processes are linked and rendered on the workers while this thread hashes them in canonical order
            // (the hash is one sequential sha256).
            let link = |packer: &mut Packer, (idx, process, file): (usize, PackedProcess, String)| {
                context.link(process, &file, packer).map(|(prepared, diagnostics)| (idx, prepared, diagnostics))
            };
            map_in_order(items, n_workers, LINK_WINDOW, &Packer::new, &link, |linked| {
                let (idx, prepared, diagnostics) = linked?;
                builder.push(prepared)?;
                if !diagnostics.is_empty() {
                    linked_diagnostics.push((idx, diagnostics));
                }
                Ok::<(), PackError>(())
            })?;
        }
        // Link diagnostics in input order, as the documents came.
        linked_diagnostics.sort_by_key(|(idx, _)| *idx);
        let mut diagnostics: Vec<Diagnostic> = linked_diagnostics.into_iter().flat_map(|(_, d)| d).collect();

        let units: HashMap<&str, &str> = self.master.units.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
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
        let others = Dataset {
            flows,
            sources: std::mem::take(&mut self.sources).into_values().collect(),
            contacts: std::mem::take(&mut self.contacts).into_values().collect(),
            ..Dataset::default()
        };
        Ok((builder.finish(others)?, all, self.n_rejected))
    }
}

/// What linking looks things up in: MasterData and the ids of the processes read.
struct LinkContext<'c> {
    units: HashMap<&'c str, &'c str>,
    known_units: HashSet<&'c str>,
    geographies: HashMap<&'c str, &'c str>,
    properties: HashMap<&'c str, (&'c str, Option<&'c str>)>,
    activity_index: HashSet<&'c str>,
    master_flows: &'c BTreeMap<String, Flow>,
    process_ids: &'c HashMap<String, usize>,
    master: &'c MasterData,
}

/// What linking changes in one process.
#[derive(Debug, Default)]
struct Patch {
    location: Option<String>,
    exchanges: Vec<(usize, ExchangePatch)>,
}

#[derive(Debug, Default)]
struct ExchangePatch {
    unit: Option<String>,
    description: Option<String>,
    provider_id: Option<String>,
    /// Property index → (description, unit) to set.
    properties: Vec<(usize, Option<String>, Option<String>)>,
}

impl ExchangePatch {
    fn is_empty(&self) -> bool {
        self.unit.is_none() && self.description.is_none() && self.provider_id.is_none() && self.properties.is_empty()
    }
}

/// The fields of a packed exchange that linking reads.
#[derive(Default)]
struct ExchangeView<'r, 'a> {
    internal_id: &'a str,
    flow_id: &'a str,
    has_description: bool,
    is_biosphere: bool,
    unit: Option<&'a str>,
    unit_id: Option<&'a str>,
    link: Option<&'a str>,
    provider_id: Option<&'a str>,
    properties: Option<Seq<'r, 'a>>,
}

fn str_of<'a>(value: Value<'_, 'a>) -> Option<&'a str> {
    match value.item() {
        Item::Str(s) => Some(s),
        _ => None,
    }
}

fn entries<'r, 'a>(value: Value<'r, 'a>) -> Option<Map<'r, 'a>> {
    value.as_map()
}

impl<'r, 'a> ExchangeView<'r, 'a> {
    fn read(exchange: Value<'r, 'a>) -> Self {
        let mut view = ExchangeView::default();
        for (key, value) in entries(exchange).into_iter().flatten() {
            match key {
                "internal_id" => view.internal_id = str_of(value).unwrap_or_default(),
                "flow" => {
                    for (key, value) in entries(value).into_iter().flatten() {
                        match key {
                            "id" => view.flow_id = str_of(value).unwrap_or_default(),
                            "description" => view.has_description = !value.is_null(),
                            _ => {}
                        }
                    }
                }
                "kind" => view.is_biosphere = str_of(value) == Some("biosphere"),
                "unit" => view.unit = str_of(value),
                "metadata" => {
                    for (key, value) in entries(value).into_iter().flatten() {
                        match key {
                            UNIT_ID_KEY => view.unit_id = str_of(value),
                            ACTIVITY_LINK_KEY => view.link = str_of(value),
                            _ => {}
                        }
                    }
                }
                "provider" => view.provider_id = value.get("id").and_then(str_of),
                "properties" => view.properties = value.as_seq(),
                _ => {}
            }
        }
        view
    }
}

impl<'c> LinkContext<'c> {
    fn new(
        master: &'c MasterData,
        master_flows: &'c BTreeMap<String, Flow>,
        process_ids: &'c HashMap<String, usize>,
    ) -> Self {
        let units: HashMap<&str, &str> = master.units.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
        let mut known_units: HashSet<&str> = KNOWN_UNITS.iter().copied().collect();
        known_units.extend(units.values().copied());
        LinkContext {
            units,
            known_units,
            geographies: master.geographies.iter().map(|(id, s)| (id.as_str(), s.as_str())).collect(),
            properties: master
                .properties
                .iter()
                .map(|(id, name, unit)| (id.as_str(), (name.as_str(), unit.as_deref())))
                .collect(),
            activity_index: master.activity_index.iter().map(String::as_str).collect(),
            master_flows,
            process_ids,
            master,
        }
    }

    /// Links one process: the process ready for the dataset (packed again only when linking changed it) and
    /// its diagnostics.
    fn link(
        &self,
        process: PackedProcess,
        file: &str,
        packer: &mut Packer,
    ) -> Result<(PreparedProcess, Vec<Diagnostic>), PackError> {
        let mut diagnostics = Vec::new();
        let PackedProcess { id, activity_id, bytes } = process;
        let (prepared, patch) = PreparedProcess::new_inspecting(bytes, |record| {
            self.scan(record, activity_id.as_deref().unwrap_or(&id), file, &mut diagnostics)
        })?;
        if patch.location.is_none() && patch.exchanges.is_empty() {
            return Ok((prepared, diagnostics));
        }
        let mut unpacked: Process = prepared.packed().unpack()?;
        if let Some(location) = patch.location {
            unpacked.location = Some(location);
        }
        for (idx, change) in patch.exchanges {
            let Some(exchange) = unpacked.exchanges.get_mut(idx) else { continue };
            if let Some(unit) = change.unit {
                exchange.unit = Some(unit);
            }
            if let Some(description) = change.description {
                exchange.flow.description = Some(description);
            }
            if let (Some(id), Some(provider)) = (change.provider_id, exchange.provider.as_mut()) {
                provider.id = id;
            }
            for (p, description, unit) in change.properties {
                let Some(property) = exchange.properties.get_mut(p) else { continue };
                if let Some(description) = description {
                    property.property.description = Some(description);
                }
                if let Some(unit) = unit {
                    property.unit = Some(unit);
                }
            }
        }
        Ok((PreparedProcess::new(packer.pack_checked(&unpacked)?)?, diagnostics))
    }

    /// Reads a packed process: reports missing units, flows missing from MasterData and dangling links, and
    /// returns what MasterData and the process ids fill in.
    fn scan(&self, record: &Record<'_>, entity: &str, file: &str, out: &mut Vec<Diagnostic>) -> Patch {
        let mut patch = Patch::default();
        let warn = |code: &str, message: String, element: String| {
            Diagnostic::warning(code, message).in_file(file).at_element(element).for_entity(entity)
        };
        let root = record.root();
        let mut location_missing = false;
        let mut geography_id = None;
        let mut exchanges = None;
        for (key, value) in entries(root).into_iter().flatten() {
            match key {
                "location" => location_missing = value.is_null(),
                "metadata" => geography_id = value.get("geography_id").and_then(str_of),
                "exchanges" => exchanges = value.as_seq(),
                _ => {}
            }
        }
        if location_missing && let Some(short) = geography_id.and_then(|g| self.geographies.get(g)) {
            patch.location = Some((*short).to_owned());
        }
        for (idx, exchange) in exchanges.into_iter().flatten().enumerate() {
            let view = ExchangeView::read(exchange);
            let mut change = ExchangePatch::default();
            let kind_name = if view.is_biosphere { "elementaryExchange" } else { "intermediateExchange" };
            let element = || format!("flowData/{kind_name}[@id={}]", view.internal_id);
            let master_flow = self.master_flows.get(view.flow_id);
            let unit = match view.unit {
                Some(unit) => Some(unit),
                None => {
                    let unit_id = view.unit_id;
                    let found = unit_id.and_then(|u| self.units.get(u).copied()).or_else(|| {
                        master_flow
                            .filter(|f| f.metadata.get(UNIT_ID_KEY).map(String::as_str) == unit_id)
                            .and_then(|f| f.reference_unit.as_deref())
                    });
                    change.unit = found.map(str::to_owned);
                    found
                }
            };
            match unit {
                None => out.push(warn(
                    "ecospold2.missing-unit",
                    format!("exchange {} ({}) has no unit name", view.internal_id, view.flow_id),
                    element(),
                )),
                Some(unit) if !self.known_units.contains(unit) => out.push(warn(
                    "ecospold2.unknown-unit",
                    format!(
                        "exchange {} ({}) is in unit {unit:?}, which is neither an ecoinvent unit nor in MasterData Units",
                        view.internal_id, view.flow_id
                    ),
                    element(),
                )),
                Some(_) => {}
            }
            if !view.has_description {
                change.description = master_flow.map(|f| f.name.clone()).filter(|n| !n.is_empty());
            }
            for (p, property) in view.properties.into_iter().flatten().enumerate() {
                let Some(id) = property.get("property").and_then(|r| r.get("id")).and_then(str_of) else { continue };
                let Some((name, unit)) = self.properties.get(id) else { continue };
                let has_description =
                    property.get("property").and_then(|r| r.get("description")).is_some_and(|d| !d.is_null());
                let has_unit = property.get("unit").is_some_and(|u| !u.is_null());
                let description = (!has_description).then(|| (*name).to_owned());
                let unit = if has_unit { None } else { unit.map(str::to_owned) };
                if description.is_some() || unit.is_some() {
                    change.properties.push((p, description, unit));
                }
            }
            let has_file =
                if view.is_biosphere { self.master.has_elementary_file } else { self.master.has_intermediate_file };
            if has_file && master_flow.is_none() && !view.flow_id.is_empty() {
                out.push(warn(
                    "ecospold2.flow-not-in-masterdata",
                    format!(
                        "exchange {} names flow {}, which the MasterData {} file does not list",
                        view.internal_id,
                        view.flow_id,
                        if view.is_biosphere { "ElementaryExchanges" } else { "IntermediateExchanges" }
                    ),
                    element(),
                ));
            }
            if let Some(link) = view.link {
                let combined = format!("{link}_{}", view.flow_id);
                let resolved = if self.process_ids.contains_key(&combined) {
                    Some(combined.as_str())
                } else if self.process_ids.contains_key(link) {
                    Some(link)
                } else {
                    None
                };
                if resolved.is_none() && self.master.has_activity_index {
                    let why = if self.activity_index.contains(link) {
                        "is in the ActivityIndex but no data set of it was read"
                    } else {
                        "is not in the ActivityIndex"
                    };
                    out.push(warn(
                        "ecospold2.unresolved-provider",
                        format!(
                            "exchange {} links to activity {link} for product {}, which {why}",
                            view.internal_id, view.flow_id
                        ),
                        element(),
                    ));
                }
                let provider = resolved.unwrap_or(combined.as_str());
                if view.provider_id.is_some_and(|id| id != provider) {
                    change.provider_id = Some(provider.to_owned());
                }
            }
            if !change.is_empty() {
                patch.exchanges.push((idx, change));
            }
        }
        patch
    }
}
