//! Builds canonical entities from Brightway activity, exchange and characterization-factor dicts, whatever
//! source they came from, and collects diagnostics.
//!
//! Id scheme (Brightway identity is the key `(database, code)`):
//! - a node with a code is `"<database>/<code>"`; processes, flows and factor/exchange references alike;
//! - a process without a code (spreadsheets may omit it) and a provider named only by its fields get the JSON
//!   text `["<database>","<name>","<reference product>","<location>","<unit>"]` (missing fields are `""`);
//!   the exchange metadata then carries `match.database`, `match.name`, `match.reference product`,
//!   `match.location` and `match.unit` for the linker;
//! - an elementary flow named only by its fields is `["<name>","<categories joined by ::>","<unit>"]`;
//! - an LCIA method is its name tuple joined with `" | "`.

use crate::value::Val;
use ecoref_model::{
    CharacterizationFactor, Classification, Dataset, Diagnostic, Direction, EntityId, Exchange, ExchangeKind, Flow,
    FlowKind, LciaMethod, Metadata, Parameter, Process, Reference, Uncertainty,
};
use std::collections::{BTreeMap, BTreeSet};

/// Node types that Brightway uses for elementary flows; such nodes become [`Flow`]s.
const ELEMENTARY_TYPES: [&str; 5] = ["emission", "natural resource", "inventory indicator", "economic", "social"];

/// Activity fields mapped to typed fields (everything else goes into metadata).
const ACTIVITY_FIELDS: [&str; 11] = [
    "name",
    "code",
    "database",
    "location",
    "type",
    "categories",
    "classifications",
    "comment",
    "exchanges",
    "parameters",
    "reference product",
];

/// Exchange fields mapped to typed fields.
const EXCHANGE_FIELDS: [&str; 21] = [
    "name",
    "amount",
    "unit",
    "type",
    "input",
    "output",
    "database",
    "location",
    "categories",
    "reference product",
    "formula",
    "comment",
    "uncertainty type",
    "uncertainty_type",
    "loc",
    "scale",
    "shape",
    "minimum",
    "maximum",
    "negative",
    "pedigree",
];

/// A value with the place it came from (`sheet 'x', row 12`, `exchangedataset id 7`, …).
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub(crate) val: Val,
    pub(crate) element: String,
}

/// The name tuple, unit and metadata of an LCIA method.
#[derive(Debug, Clone)]
pub(crate) struct MethodHeader<'a> {
    pub(crate) name: &'a [Val],
    pub(crate) unit: Option<String>,
    pub(crate) metadata: Metadata,
}

/// Collects the entities and diagnostics of one read.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub(crate) dataset: Dataset,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) n_rejected: u64,
    /// Flows by id, and whether they come from a node (authoritative) or were derived from an exchange.
    flows: BTreeMap<String, (Flow, bool)>,
    method_ids: BTreeSet<String>,
}

pub(crate) fn key_id(database: &str, code: &str) -> String {
    format!("{database}/{code}")
}

fn json_key(parts: &[&str]) -> String {
    serde_json::to_string(parts).unwrap_or_default()
}

/// `::`-joined categories from a list or a text.
fn categories_of(val: Option<&Val>) -> Vec<String> {
    match val {
        Some(Val::List(items)) => items.iter().filter_map(Val::as_text).map(str::to_owned).collect(),
        Some(v) => v
            .as_text()
            .map(|t| t.split("::").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

fn text(val: &Val, key: &str) -> Option<String> {
    match val.get(key)? {
        Val::Int(i) => Some(i.to_string()),
        other => other.as_text().map(str::to_owned),
    }
}

/// stats_arrays distribution ids and their model names.
fn distribution_name(id: i64) -> Option<&'static str> {
    Some(match id {
        0 => "undefined",
        1 => "none",
        2 => "log-normal",
        3 => "normal",
        4 => "uniform",
        5 => "triangular",
        6 => "bernoulli",
        7 => "discrete-uniform",
        8 => "weibull",
        9 => "gamma",
        10 => "beta",
        11 => "generalized-extreme-value",
        12 => "student-t",
        _ => return None,
    })
}

impl Builder {
    fn diagnostic(&mut self, diagnostic: Diagnostic, file: &str, element: &str, entity: Option<&str>) {
        let mut d = diagnostic.in_file(file).at_element(element);
        if let Some(entity) = entity {
            d = d.for_entity(entity);
        }
        self.diagnostics.push(d);
    }

    /// Rejects one data set or entity: an error diagnostic counted in `n_rejected`.
    pub(crate) fn reject(&mut self, code: &str, message: String, file: &str, element: &str) {
        self.n_rejected += 1;
        self.diagnostic(Diagnostic::error(code, message), file, element, None);
    }

    pub(crate) fn warn(&mut self, code: &str, message: String, file: &str, element: &str) {
        self.diagnostic(Diagnostic::warning(code, message), file, element, None);
    }

    pub(crate) fn info(&mut self, code: &str, message: String, file: &str) {
        self.diagnostics.push(Diagnostic::info(code, message).in_file(file));
    }

    fn add_flow(&mut self, flow: Flow, authoritative: bool) {
        match self.flows.get(&flow.id.id) {
            Some((_, true)) => {}
            Some((_, false)) if !authoritative => {}
            _ => {
                self.flows.insert(flow.id.id.clone(), (flow, authoritative));
            }
        }
    }

    /// Adds one node (activity dict): a process, or a flow for elementary and product nodes. `exchanges` are
    /// the node's exchanges when the source keeps them apart (a project database); otherwise they are read
    /// from the dict's `exchanges` list.
    pub(crate) fn add_node(
        &mut self,
        file: &str,
        default_database: &str,
        node: &Located,
        exchanges: Option<Vec<Located>>,
    ) {
        let data = &node.val;
        if !matches!(data, Val::Map(_)) {
            self.reject(
                "brightway.invalid-activity",
                format!("{file}: {}: activity is not a dict", node.element),
                file,
                &node.element,
            );
            return;
        }
        let Some(name) = text(data, "name") else {
            self.reject(
                "brightway.missing-name",
                format!("{file}: {}: activity has no name", node.element),
                file,
                &node.element,
            );
            return;
        };
        let database = text(data, "database").unwrap_or_else(|| default_database.to_owned());
        let code = text(data, "code");
        let node_type = text(data, "type").unwrap_or_else(|| "process".to_owned());
        let location = text(data, "location");
        let unit = text(data, "unit");
        let reference_product = text(data, "reference product");
        let categories = categories_of(data.get("categories"));
        let id = match &code {
            Some(code) => key_id(&database, code),
            None => json_key(&[
                &database,
                &name,
                reference_product.as_deref().unwrap_or(""),
                location.as_deref().unwrap_or(""),
                unit.as_deref().unwrap_or(""),
            ]),
        };
        let mut metadata = Metadata::new();
        metadata.insert("brightway.database".to_owned(), database.clone());
        metadata.insert("brightway.type".to_owned(), node_type.clone());
        if let Val::Map(entries) = data {
            for (k, v) in entries {
                let key = k.display();
                if ACTIVITY_FIELDS.contains(&key.as_str()) || v.is_missing() {
                    continue;
                }
                metadata.insert(key, v.display());
            }
        }
        let lowered = node_type.to_ascii_lowercase();
        if ELEMENTARY_TYPES.contains(&lowered.as_str()) || lowered == "product" || lowered == "waste" {
            let kind = match lowered.as_str() {
                "product" => FlowKind::Product,
                "waste" => FlowKind::Waste,
                _ => FlowKind::Elementary,
            };
            let cas = text(data, "CAS number").map(|c| c.trim_start_matches('0').to_owned());
            let formula = text(data, "formula");
            let n_exchanges = exchanges
                .as_ref()
                .map_or_else(|| data.get("exchanges").and_then(Val::as_list).map_or(0, <[Val]>::len), Vec::len);
            if n_exchanges > 0 {
                self.warn(
                    "brightway.flow-node-exchanges",
                    format!(
                        "{file}: {}: node {id} of type {node_type} has {n_exchanges} exchange(s), not loaded",
                        node.element
                    ),
                    file,
                    &node.element,
                );
            }
            let flow = Flow {
                id: EntityId::new(id, None),
                name,
                kind: Some(kind),
                cas,
                formula,
                compartment: if kind == FlowKind::Elementary { categories.clone() } else { Vec::new() },
                classifications: if kind == FlowKind::Elementary || categories.is_empty() {
                    Vec::new()
                } else {
                    vec![Classification { system: Some("brightway categories".to_owned()), path: categories }]
                },
                location,
                reference_unit: unit,
                metadata,
                ..Flow::default()
            };
            self.add_flow(flow, true);
            return;
        }
        let mut classifications = Vec::new();
        if !categories.is_empty() {
            classifications.push(Classification { system: Some("brightway categories".to_owned()), path: categories });
        }
        if let Some(Val::List(items)) = data.get("classifications") {
            for item in items {
                if let Some([system, value]) = item.as_list().and_then(|l| <&[Val; 2]>::try_from(l).ok()) {
                    classifications.push(Classification {
                        system: system.as_text().map(str::to_owned),
                        path: vec![value.display()],
                    });
                }
            }
        }
        if let Some(rp) = &reference_product {
            metadata.insert("reference product".to_owned(), rp.clone());
        }
        if let Some(unit) = &unit {
            metadata.insert("unit".to_owned(), unit.clone());
        }
        for (field, value) in [
            ("database", Some(&database)),
            ("name", Some(&name)),
            ("reference product", reference_product.as_ref()),
            ("location", location.as_ref()),
            ("unit", unit.as_ref()),
        ] {
            metadata.insert(format!("match.{field}"), value.cloned().unwrap_or_default());
        }
        let parameters = self.parameters(file, &node.element, data.get("parameters"));
        let exchanges = exchanges.unwrap_or_else(|| {
            data.get("exchanges")
                .and_then(Val::as_list)
                .map(|items| {
                    items
                        .iter()
                        .enumerate()
                        .map(|(idx, val)| Located {
                            val: val.clone(),
                            element: format!("{}, exchange {idx}", node.element),
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        let mut process = Process {
            id: EntityId::new(id.clone(), None),
            name,
            location,
            process_type: Some(node_type),
            classifications,
            description: text(data, "comment"),
            parameters,
            metadata,
            ..Process::default()
        };
        for (idx, ex) in exchanges.iter().enumerate() {
            if let Some(exchange) = self.exchange(file, &database, &id, idx, ex) {
                process.exchanges.push(exchange);
            }
        }
        self.dataset.processes.push(process);
    }

    fn parameters(&mut self, file: &str, element: &str, val: Option<&Val>) -> Vec<Parameter> {
        let mut out = Vec::new();
        let mut push = |name: String, p: &Val| {
            out.push(Parameter {
                name,
                formula: text(p, "formula"),
                value: p.get("amount").and_then(Val::as_f64),
                comment: text(p, "comment").or_else(|| text(p, "description")),
                uncertainty: uncertainty(p),
            });
        };
        match val {
            None => {}
            Some(Val::Map(entries)) => {
                for (k, p) in entries {
                    push(k.display(), p);
                }
            }
            Some(Val::List(items)) => {
                for p in items {
                    if let Some(name) = text(p, "name") {
                        push(name, p);
                    }
                }
            }
            Some(_) => self.warn(
                "brightway.invalid-parameters",
                format!("{file}: {element}: parameters are neither a dict nor a list"),
                file,
                element,
            ),
        }
        out
    }

    fn exchange(&mut self, file: &str, database: &str, process_id: &str, idx: usize, ex: &Located) -> Option<Exchange> {
        let data = &ex.val;
        if !matches!(data, Val::Map(_)) {
            self.diagnostic(
                Diagnostic::warning(
                    "brightway.invalid-exchange",
                    format!("{file}: {}: exchange is not a dict", ex.element),
                ),
                file,
                &ex.element,
                Some(process_id),
            );
            return None;
        }
        let exchange_type = text(data, "type");
        let (kind, direction) = match exchange_type.as_deref() {
            Some("production") => (ExchangeKind::Production, Some(Direction::Output)),
            Some("technosphere") => (ExchangeKind::Technosphere, Some(Direction::Input)),
            Some("substitution") => (ExchangeKind::Technosphere, Some(Direction::Output)),
            Some("biosphere") => (ExchangeKind::Biosphere, None),
            other => {
                let shown = other.unwrap_or("(none)");
                self.diagnostic(
                    Diagnostic::warning(
                        "brightway.unknown-exchange-type",
                        format!("{file}: {}: exchange type {shown:?} is not production, technosphere, substitution or biosphere", ex.element),
                    ),
                    file,
                    &ex.element,
                    Some(process_id),
                );
                (ExchangeKind::Unresolved, None)
            }
        };
        let name = text(data, "name");
        let unit = text(data, "unit");
        let location = text(data, "location");
        let categories = categories_of(data.get("categories"));
        let reference_product = text(data, "reference product");
        let ex_database = text(data, "database")
            .unwrap_or_else(|| if kind == ExchangeKind::Biosphere { String::new() } else { database.to_owned() });
        let amount = match data.get("amount") {
            None => {
                self.diagnostic(
                    Diagnostic::warning(
                        "brightway.missing-amount",
                        format!("{file}: {}: exchange has no amount", ex.element),
                    ),
                    file,
                    &ex.element,
                    Some(process_id),
                );
                None
            }
            Some(v) => {
                let parsed = v.as_f64();
                if parsed.is_none() {
                    self.diagnostic(
                        Diagnostic::warning(
                            "brightway.invalid-amount",
                            format!("{file}: {}: exchange amount {:?} is not a number", ex.element, v.display()),
                        ),
                        file,
                        &ex.element,
                        Some(process_id),
                    );
                }
                parsed
            }
        };
        let input = data.get("input").and_then(Val::as_key);
        let mut metadata = Metadata::new();
        if let Some(t) = &exchange_type {
            metadata.insert("brightway.type".to_owned(), t.clone());
        }
        if let Val::Map(entries) = data {
            for (k, v) in entries {
                let key = k.display();
                if EXCHANGE_FIELDS.contains(&key.as_str()) || v.is_missing() {
                    continue;
                }
                metadata.insert(key, v.display());
            }
        }
        if let Some(p) = data.get("pedigree") {
            metadata.insert("pedigree".to_owned(), p.display());
        }
        let (flow, provider) = if kind == ExchangeKind::Biosphere {
            let flow_id = match &input {
                Some((db, code)) => key_id(db, code),
                None => {
                    json_key(&[name.as_deref().unwrap_or(""), &categories.join("::"), unit.as_deref().unwrap_or("")])
                }
            };
            if let Some(flow_name) = name.as_ref().filter(|_| !self.flows.contains_key(&flow_id)) {
                let mut flow_metadata = Metadata::new();
                flow_metadata.insert("brightway.derived-from".to_owned(), "exchange".to_owned());
                if !ex_database.is_empty() {
                    flow_metadata.insert("brightway.database".to_owned(), ex_database.clone());
                }
                self.add_flow(
                    Flow {
                        id: EntityId::new(flow_id.clone(), None),
                        name: flow_name.clone(),
                        kind: Some(FlowKind::Elementary),
                        compartment: categories.clone(),
                        reference_unit: unit.clone(),
                        metadata: flow_metadata,
                        ..Flow::default()
                    },
                    false,
                );
            }
            (Reference { id: flow_id, version: None, description: name.clone() }, None)
        } else {
            let product = reference_product.clone().or_else(|| name.clone()).unwrap_or_default();
            let provider_id = match &input {
                Some((db, code)) => key_id(db, code),
                None => {
                    for (field, value) in [
                        ("database", Some(&ex_database)),
                        ("name", name.as_ref()),
                        ("reference product", reference_product.as_ref()),
                        ("location", location.as_ref()),
                        ("unit", unit.as_ref()),
                    ] {
                        metadata.insert(format!("match.{field}"), value.cloned().unwrap_or_default());
                    }
                    json_key(&[
                        &ex_database,
                        name.as_deref().unwrap_or(""),
                        reference_product.as_deref().unwrap_or(""),
                        location.as_deref().unwrap_or(""),
                        unit.as_deref().unwrap_or(""),
                    ])
                }
            };
            let provider = Reference { id: provider_id, version: None, description: name.clone() };
            (Reference { id: product, version: None, description: name.clone() }, Some(provider))
        };
        if !categories.is_empty() && kind != ExchangeKind::Biosphere {
            metadata.insert("categories".to_owned(), categories.join("::"));
        }
        Some(Exchange {
            internal_id: idx.to_string(),
            flow,
            direction,
            kind: Some(kind),
            is_reference: kind == ExchangeKind::Production,
            amount,
            unit,
            formula: text(data, "formula"),
            uncertainty: uncertainty(data),
            provider,
            location,
            comment: text(data, "comment"),
            metadata,
            ..Exchange::default()
        })
    }

    /// Adds one LCIA method. `factors` are characterization factors in any Brightway form: a dict
    /// `{name, categories, amount, input}`, or a list `[key, amount]` / `[key, amount, location]` whose key is a
    /// `(database, code)` pair or an activity id (`resolve_id` maps it), and whose amount may be an uncertainty
    /// dict with `amount`.
    pub(crate) fn add_method(
        &mut self,
        file: &str,
        element: &str,
        header: MethodHeader<'_>,
        factors: &[Val],
        resolve_id: &dyn Fn(i64) -> Option<(String, String)>,
    ) {
        let MethodHeader { name, unit, mut metadata } = header;
        let parts: Vec<String> = name.iter().map(Val::display).collect();
        if parts.is_empty() || parts.iter().all(|p| p.trim().is_empty()) {
            self.reject("brightway.missing-name", format!("{file}: {element}: method has no name"), file, element);
            return;
        }
        let id = parts.join(" | ");
        if !self.method_ids.insert(id.clone()) {
            self.reject(
                "brightway.duplicate-method",
                format!("{file}: {element}: method {id:?} appears twice; the later one is dropped"),
                file,
                element,
            );
            return;
        }
        metadata.insert("brightway.name".to_owned(), serde_json::to_string(&parts).unwrap_or_default());
        let mut method = LciaMethod {
            id: EntityId::new(id.clone(), None),
            name: id.clone(),
            methodologies: vec![parts[0].clone()],
            impact_category: parts.get(1).cloned(),
            impact_indicator: parts.get(2).cloned(),
            unit,
            metadata,
            ..LciaMethod::default()
        };
        let mut n_bad = 0u64;
        let mut first_bad = None;
        for (idx, cf) in factors.iter().enumerate() {
            match self.factor(cf, resolve_id) {
                Some(f) => method.factors.push(f),
                None => {
                    n_bad += 1;
                    first_bad.get_or_insert(idx);
                }
            }
        }
        if let Some(first) = first_bad {
            self.diagnostic(
                Diagnostic::warning(
                    "brightway.invalid-factor",
                    format!("{file}: {element}: {n_bad} characterization factor(s) without a flow or a numeric amount dropped (first at index {first})"),
                ),
                file,
                element,
                Some(&id),
            );
        }
        self.dataset.lcia_methods.push(method);
    }

    fn factor(
        &mut self,
        cf: &Val,
        resolve_id: &dyn Fn(i64) -> Option<(String, String)>,
    ) -> Option<CharacterizationFactor> {
        let amount_of = |v: &Val| match v {
            Val::Map(_) => v.get("amount").and_then(Val::as_f64),
            other => other.as_f64(),
        };
        match cf {
            Val::Map(_) => {
                let value = cf.get("amount").and_then(amount_of)?;
                let name = text(cf, "name");
                let categories = categories_of(cf.get("categories"));
                let unit = text(cf, "unit");
                let id = match cf.get("input").and_then(Val::as_key) {
                    Some((db, code)) => key_id(&db, &code),
                    None => json_key(&[name.as_deref()?, &categories.join("::"), unit.as_deref().unwrap_or("")]),
                };
                if let Some(flow_name) = name.as_ref().filter(|_| !self.flows.contains_key(&id)) {
                    let mut flow_metadata = Metadata::new();
                    flow_metadata.insert("brightway.derived-from".to_owned(), "characterization factor".to_owned());
                    self.add_flow(
                        Flow {
                            id: EntityId::new(id.clone(), None),
                            name: flow_name.clone(),
                            kind: Some(FlowKind::Elementary),
                            compartment: categories,
                            reference_unit: unit,
                            metadata: flow_metadata,
                            ..Flow::default()
                        },
                        false,
                    );
                }
                Some(CharacterizationFactor {
                    flow: Reference { id, version: None, description: name },
                    value,
                    location: text(cf, "location"),
                    ..CharacterizationFactor::default()
                })
            }
            Val::List(items) => {
                let (key, amount, location) = match items.as_slice() {
                    [key, amount] => (key, amount, None),
                    [key, amount, location, ..] => (key, amount, location.as_text().map(str::to_owned)),
                    _ => return None,
                };
                let (db, code) = match key {
                    Val::Int(id) => resolve_id(*id)?,
                    other => other.as_key()?,
                };
                Some(CharacterizationFactor {
                    flow: Reference::to(key_id(&db, &code)),
                    value: amount_of(amount)?,
                    location,
                    ..CharacterizationFactor::default()
                })
            }
            _ => None,
        }
    }

    pub(crate) fn finish(mut self) -> (Dataset, Vec<Diagnostic>, u64) {
        self.dataset.flows.extend(self.flows.into_values().map(|(flow, _)| flow));
        fill_from_providers(&mut self.dataset);
        self.dataset.canonicalize();
        (self.dataset, self.diagnostics, self.n_rejected)
    }
}

/// The stats_arrays uncertainty of a dict, when it has a distribution other than undefined/none or bounds.
fn uncertainty(data: &Val) -> Option<Uncertainty> {
    let id = data.get("uncertainty type").or_else(|| data.get("uncertainty_type")).and_then(Val::as_f64);
    let mut parameters = BTreeMap::new();
    for field in ["loc", "scale", "shape"] {
        if let Some(x) = data.get(field).and_then(Val::as_f64) {
            parameters.insert(field.to_owned(), x);
        }
    }
    let minimum = data.get("minimum").and_then(Val::as_f64);
    let maximum = data.get("maximum").and_then(Val::as_f64);
    let id = id.filter(|x| x.fract() == 0.0).map(|x| x as i64);
    if id.is_none_or(|i| i <= 1) && minimum.is_none() && maximum.is_none() && !parameters.contains_key("scale") {
        return None;
    }
    let distribution = match id {
        Some(i) => distribution_name(i).map_or_else(|| format!("stats_arrays-{i}"), str::to_owned),
        None => "undefined".to_owned(),
    };
    if let Some(i) = id {
        parameters.insert("stats_arrays_id".to_owned(), i as f64);
    }
    Some(Uncertainty { distribution, relative_sd95_percent: None, minimum, maximum, parameters })
}

/// Exchanges that name only a key (bw2data and bw2package exchanges carry `input`, `amount` and `type`) get
/// the product name and unit of the process or flow the key names, when it is in the same read.
fn fill_from_providers(dataset: &mut Dataset) {
    let products: std::collections::HashMap<String, (String, Option<String>)> = dataset
        .processes
        .iter()
        .map(|p| {
            let product = p.metadata.get("reference product").cloned().unwrap_or_else(|| p.name.clone());
            (p.id.id.clone(), (product, p.metadata.get("unit").cloned()))
        })
        .collect();
    let flow_units: std::collections::HashMap<String, (String, Option<String>)> =
        dataset.flows.iter().map(|f| (f.id.id.clone(), (f.name.clone(), f.reference_unit.clone()))).collect();
    for exchange in dataset.processes.iter_mut().flat_map(|p| p.exchanges.iter_mut()) {
        if exchange.kind == Some(ExchangeKind::Biosphere) {
            if let Some((name, unit)) = flow_units.get(&exchange.flow.id) {
                exchange.flow.description.get_or_insert_with(|| name.clone());
                if exchange.unit.is_none() {
                    exchange.unit.clone_from(unit);
                }
            }
            continue;
        }
        let Some((product, unit)) = exchange.provider.as_ref().and_then(|r| products.get(&r.id)) else { continue };
        if exchange.flow.id.is_empty() {
            exchange.flow.id.clone_from(product);
        }
        if exchange.unit.is_none() {
            exchange.unit.clone_from(unit);
        }
    }
}
