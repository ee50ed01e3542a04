//! One JSON-LD document → one canonical entity (or a reason it is not loaded). Pure: no I/O, no cross-entity
//! resolution (that is `collect`'s job); v1.x and v2 field names are both accepted.

use crate::json::{
    Object, bool_of, category_of, f64_of, flatten_into, object_of, objects_of, reference_of, scalar_text, str_of,
    string_of, strings_of,
};
use ecoref_model::{
    AllocationFactor, CharacterizationFactor, Classification, Contact, Diagnostic, Direction, EntityId, Exchange, Flow,
    FlowKind, FlowProperty, FlowPropertyFactor, LciaMethod, Metadata, NormalizationWeighting,
    NormalizationWeightingSet, Parameter, Process, Source, Uncertainty, Unit, UnitGroup,
};
use serde_json::Value;

/// Publication type given to the `Source` records that keep openLCA product systems.
pub(crate) const PRODUCT_SYSTEM_TYPE: &str = "openLCA product system";

/// What one document holds.
#[derive(Debug)]
pub(crate) enum Document {
    Entity(Box<Parsed>),
    /// A document deliberately not loaded, with the reason (counted, one summary per reason).
    NotLoaded(&'static str),
    /// Not a JSON-LD entity at all (a warning).
    Unknown(String),
    Rejected(Diagnostic),
}

/// One entity with what is left to resolve against the other entities.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) item: Item,
    pub(crate) file: String,
    /// Location reference to resolve to a location code (process and flow `location`).
    pub(crate) location_id: Option<String>,
    /// Category reference without a name (v1), resolved through `categories/`.
    pub(crate) category_id: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Item {
    /// A process and the flow type each exchange's flow reference announces (v1 references carry `flowType`).
    Process(Process, Vec<Option<FlowKind>>),
    Flow(Flow),
    FlowProperty(FlowProperty),
    UnitGroup(UnitGroup),
    Source(Source),
    Contact(Contact),
    ImpactCategory(LciaMethod),
    ImpactMethod(ImpactMethod),
    ProductSystem(Source),
    Location(LocationInfo),
    Category(CategoryInfo),
}

/// An impact method: it names its categories (→ `LciaMethod.methodologies`) and its normalization/weighting sets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImpactMethod {
    pub(crate) id: EntityId,
    pub(crate) name: String,
    pub(crate) category_ids: Vec<String>,
    /// Entries name categories by `@id`.
    pub(crate) nw_sets: Vec<NormalizationWeightingSet>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LocationInfo {
    pub(crate) id: EntityId,
    pub(crate) code: Option<String>,
    pub(crate) name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryInfo {
    pub(crate) id: EntityId,
    /// The full path when the parent reference names it (v1 `category.categoryPath` + `category.name`).
    pub(crate) path: Option<Vec<String>>,
    pub(crate) name: String,
    pub(crate) parent_id: Option<String>,
}

impl Item {
    pub(crate) fn id(&self) -> &EntityId {
        match self {
            Item::Process(e, _) => &e.id,
            Item::Flow(e) => &e.id,
            Item::FlowProperty(e) => &e.id,
            Item::UnitGroup(e) => &e.id,
            Item::Source(e) | Item::ProductSystem(e) => &e.id,
            Item::Contact(e) => &e.id,
            Item::ImpactCategory(e) => &e.id,
            Item::ImpactMethod(e) => &e.id,
            Item::Location(e) => &e.id,
            Item::Category(e) => &e.id,
        }
    }

    /// The openLCA type name, used as the key space and in messages.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Item::Process(..) => "process",
            Item::Flow(_) => "flow",
            Item::FlowProperty(_) => "flow property",
            Item::UnitGroup(_) => "unit group",
            Item::Source(_) => "source",
            Item::Contact(_) => "actor",
            Item::ImpactCategory(_) => "impact category",
            Item::ImpactMethod(_) => "impact method",
            Item::ProductSystem(_) => "product system",
            Item::Location(_) => "location",
            Item::Category(_) => "category",
        }
    }
}

/// The entity type a folder holds, for documents without `@type`.
fn type_of_folder(folder: &str) -> Option<&'static str> {
    Some(match folder {
        "processes" => "Process",
        "flows" => "Flow",
        "flow_properties" => "FlowProperty",
        "unit_groups" => "UnitGroup",
        "locations" => "Location",
        "actors" => "Actor",
        "sources" => "Source",
        "lcia_categories" => "ImpactCategory",
        "lcia_methods" => "ImpactMethod",
        "product_systems" => "ProductSystem",
        "categories" => "Category",
        _ => return None,
    })
}

/// Reads one parsed JSON document found in `folder` (empty at the root).
pub(crate) fn read_entity(value: &Value, folder: &str, file: &str) -> Document {
    let Some(obj) = value.as_object() else {
        return Document::Unknown("the document is not a JSON object".to_owned());
    };
    let Some(type_name) = str_of(obj, &["@type"]).or_else(|| type_of_folder(folder)) else {
        return Document::Unknown("the document has no @type and is not in an entity folder".to_owned());
    };
    let reason = match type_name {
        "DQSystem" | "DqSystem" => Some("data quality systems (no canonical entity)"),
        "Currency" => Some("currencies (no canonical entity)"),
        "Parameter" => Some("global parameters (no canonical entity)"),
        "SocialIndicator" => Some("social indicators (no canonical entity)"),
        "Project" | "Result" | "Epd" | "FlowMap" => Some("projects, results, EPDs and flow maps (no canonical entity)"),
        "Process" | "Flow" | "FlowProperty" | "UnitGroup" | "Location" | "Actor" | "Source" | "ImpactCategory"
        | "ImpactMethod" | "ProductSystem" | "Category" => None,
        _ => Some("embedded objects outside a data set (Exchange, Unit, DQScore, …)"),
    };
    if let Some(reason) = reason {
        return Document::NotLoaded(reason);
    }
    let Some(id) = string_of(obj, &["@id"]) else {
        return Document::Rejected(
            Diagnostic::error("jsonld.missing-id", format!("{type_name} without @id is rejected"))
                .in_file(file)
                .at_element(type_name),
        );
    };
    let id = EntityId::new(id, string_of(obj, &["version"]));
    let name = string_of(obj, &["name"]).unwrap_or_default();
    let (path, category_id) = category_of(obj);
    let classifications =
        if path.is_empty() { Vec::new() } else { vec![Classification { system: None, path: path.clone() }] };
    let mut location_id = None;
    let item = match type_name {
        "Process" => {
            let (process, ref_kinds) = read_process(obj, id, name, classifications, &mut location_id);
            Item::Process(process, ref_kinds)
        }
        "Flow" => Item::Flow(read_flow(obj, id, name, classifications, &path, &mut location_id)),
        "FlowProperty" => {
            let mut metadata = Metadata::new();
            flatten_into(&mut metadata, obj, &["name", "version", "category", "unitGroup"], "", 1);
            Item::FlowProperty(FlowProperty {
                id,
                name,
                unit_group: reference_of(obj, "unitGroup"),
                reference_unit: None,
                classifications,
                metadata,
            })
        }
        "UnitGroup" => Item::UnitGroup(read_unit_group(obj, id, name, classifications)),
        "Actor" => {
            let mut metadata = Metadata::new();
            flatten_into(&mut metadata, obj, &["name", "version", "category", "email", "website"], "", 1);
            Item::Contact(Contact {
                id,
                name,
                short_name: None,
                email: string_of(obj, &["email"]),
                www: string_of(obj, &["website"]),
                metadata,
            })
        }
        "Source" => {
            let mut metadata = Metadata::new();
            flatten_into(&mut metadata, obj, &["name", "version", "textReference"], "", 1);
            Item::Source(Source {
                id,
                name,
                citation: string_of(obj, &["textReference"]),
                publication_type: None,
                metadata,
            })
        }
        "ImpactCategory" => Item::ImpactCategory(read_impact_category(obj, id, name)),
        "ImpactMethod" => Item::ImpactMethod(read_impact_method(obj, id, name)),
        "ProductSystem" => Item::ProductSystem(read_product_system(obj, id, name)),
        "Location" => Item::Location(LocationInfo { id, code: string_of(obj, &["code"]), name }),
        _ => {
            let parent = object_of(obj, "category");
            let path = parent.and_then(|p| str_of(p, &["name"])).map(|parent_name| {
                let mut path = parent.map(|p| strings_of(p, "categoryPath")).unwrap_or_default();
                path.push(parent_name.to_owned());
                path.push(name.clone());
                path
            });
            let path = match (path, obj.get("category")) {
                (Some(p), _) => Some(p),
                (None, Some(Value::String(_))) | (None, None) => {
                    let mut p = category_of(obj).0;
                    p.push(name.clone());
                    Some(p)
                }
                (None, Some(_)) => None,
            };
            let parent_id = parent.and_then(|p| string_of(p, &["@id"]));
            Item::Category(CategoryInfo { id, path, name, parent_id })
        }
    };
    Document::Entity(Box::new(Parsed { item, file: file.to_owned(), location_id, category_id }))
}

/// A location reference: its id (to resolve to a code later) and the name or code it carries.
fn location_of(obj: &Object, location_id: &mut Option<String>) -> Option<String> {
    match obj.get("location") {
        Some(Value::String(code)) if !code.is_empty() => Some(code.clone()),
        Some(Value::Object(target)) => {
            *location_id = string_of(target, &["@id"]);
            str_of(target, &["code", "name"]).map(str::to_owned)
        }
        _ => None,
    }
}

fn flow_kind(text: &str) -> Option<FlowKind> {
    match text {
        "ELEMENTARY_FLOW" => Some(FlowKind::Elementary),
        "PRODUCT_FLOW" => Some(FlowKind::Product),
        "WASTE_FLOW" => Some(FlowKind::Waste),
        "" => None,
        _ => Some(FlowKind::Other),
    }
}

fn read_process(
    obj: &Object,
    id: EntityId,
    name: String,
    classifications: Vec<Classification>,
    location_id: &mut Option<String>,
) -> (Process, Vec<Option<FlowKind>>) {
    let location = location_of(obj, location_id);
    let mut metadata = Metadata::new();
    flatten_into(
        &mut metadata,
        obj,
        &[
            "name",
            "version",
            "category",
            "location",
            "processType",
            "description",
            "exchanges",
            "parameters",
            "allocationFactors",
            "processDocumentation",
        ],
        "",
        1,
    );
    if let Some(doc) = object_of(obj, "processDocumentation") {
        flatten_into(&mut metadata, doc, &[], "doc", 1);
    }
    let mut exchanges = Vec::new();
    let mut ref_kinds = Vec::new();
    let mut n_without_flow = 0u64;
    for (idx, e) in objects_of(obj, "exchanges").enumerate() {
        match read_exchange(e, idx) {
            Some((exchange, kind)) => {
                exchanges.push(exchange);
                ref_kinds.push(kind);
            }
            None => n_without_flow += 1,
        }
    }
    if n_without_flow > 0 {
        metadata.insert("jsonld.exchanges_without_flow".to_owned(), n_without_flow.to_string());
    }
    let parameters = objects_of(obj, "parameters")
        .filter_map(|p| {
            Some(Parameter {
                name: string_of(p, &["name"])?,
                formula: string_of(p, &["formula"]),
                value: f64_of(p, &["value"]),
                comment: string_of(p, &["description"]),
                uncertainty: object_of(p, "uncertainty").map(read_uncertainty),
            })
        })
        .collect();
    let mut allocation = Vec::new();
    let mut n_causal = 0u64;
    for factor in objects_of(obj, "allocationFactors") {
        let method = str_of(factor, &["allocationType"]).unwrap_or("");
        if factor.get("exchange").is_some() || method == "CAUSAL_ALLOCATION" {
            n_causal += 1;
            continue;
        }
        let (Some(product), Some(fraction)) = (reference_of(factor, "product"), f64_of(factor, &["value"])) else {
            continue;
        };
        let internal_id = exchanges
            .iter()
            .find(|e| e.flow.id == product.id && e.direction == Some(Direction::Output))
            .map(|e| e.internal_id.clone())
            .unwrap_or(product.id);
        let method = match method {
            "PHYSICAL_ALLOCATION" => "physical".to_owned(),
            "ECONOMIC_ALLOCATION" => "economic".to_owned(),
            other => other.to_ascii_lowercase(),
        };
        allocation.push(AllocationFactor { product: internal_id, method: Some(method), fraction });
    }
    if n_causal > 0 {
        metadata.insert("jsonld.causal_allocation_factors".to_owned(), n_causal.to_string());
    }
    let process = Process {
        id,
        name,
        location,
        process_type: string_of(obj, &["processType"]),
        reference_year: None,
        classifications,
        description: string_of(obj, &["description"]),
        parameters,
        exchanges,
        lcia_results: Vec::new(),
        allocation,
        metadata,
    };
    (process, ref_kinds)
}

/// One exchange and the flow type its flow reference announces; `None` without a flow reference.
fn read_exchange(e: &Object, idx: usize) -> Option<(Exchange, Option<FlowKind>)> {
    let flow = reference_of(e, "flow")?;
    let flow_ref = object_of(e, "flow");
    let ref_kind = flow_ref.and_then(|f| str_of(f, &["flowType"])).and_then(flow_kind);
    let is_input = bool_of(e, &["isInput", "input"]).unwrap_or(false);
    let is_reference = bool_of(e, &["isQuantitativeReference", "quantitativeReference"]).unwrap_or(false);
    let internal_id = e.get("internalId").and_then(scalar_text).unwrap_or_else(|| (idx + 1).to_string());
    let unit = object_of(e, "unit")
        .and_then(|u| string_of(u, &["name"]))
        .or_else(|| flow_ref.and_then(|f| string_of(f, &["refUnit"])));
    let mut metadata = Metadata::new();
    flatten_into(
        &mut metadata,
        e,
        &[
            "internalId",
            "flow",
            "isInput",
            "input",
            "isQuantitativeReference",
            "quantitativeReference",
            "isAvoidedProduct",
            "avoidedProduct",
            "amount",
            "amountFormula",
            "unit",
            "uncertainty",
            "defaultProvider",
            "location",
            "description",
        ],
        "",
        1,
    );
    if bool_of(e, &["isAvoidedProduct", "avoidedProduct"]).unwrap_or(false) {
        metadata.insert("avoided_product".to_owned(), "true".to_owned());
    }
    let mut no_location = None;
    let exchange = Exchange {
        internal_id,
        flow,
        direction: Some(if is_input { Direction::Input } else { Direction::Output }),
        kind: None,
        is_reference,
        amount: f64_of(e, &["amount"]),
        mean_amount: None,
        unit,
        formula: string_of(e, &["amountFormula"]),
        uncertainty: object_of(e, "uncertainty").map(read_uncertainty),
        provider: reference_of(e, "defaultProvider"),
        location: location_of(e, &mut no_location),
        data_derivation: None,
        comment: string_of(e, &["description"]),
        modules: Vec::new(),
        properties: Vec::new(),
        metadata,
    };
    Some((exchange, ref_kind))
}

fn read_uncertainty(u: &Object) -> Uncertainty {
    let distribution = match str_of(u, &["distributionType"]).unwrap_or("") {
        "LOG_NORMAL_DISTRIBUTION" => "log-normal".to_owned(),
        "NORMAL_DISTRIBUTION" => "normal".to_owned(),
        "TRIANGLE_DISTRIBUTION" => "triangular".to_owned(),
        "UNIFORM_DISTRIBUTION" => "uniform".to_owned(),
        "NO_DISTRIBUTION" | "" => "undefined".to_owned(),
        other => other.to_ascii_lowercase(),
    };
    let parameters =
        u.iter().filter(|(k, _)| !k.starts_with('@')).filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x))).collect();
    Uncertainty {
        distribution,
        relative_sd95_percent: None,
        minimum: f64_of(u, &["minimum"]),
        maximum: f64_of(u, &["maximum"]),
        parameters,
    }
}

fn read_flow(
    obj: &Object,
    id: EntityId,
    name: String,
    classifications: Vec<Classification>,
    path: &[String],
    location_id: &mut Option<String>,
) -> Flow {
    let kind = str_of(obj, &["flowType"]).and_then(flow_kind);
    let compartment = if kind == Some(FlowKind::Elementary) {
        let skip = usize::from(path.first().is_some_and(|p| p.eq_ignore_ascii_case("Elementary flows")));
        path.iter().skip(skip).cloned().collect()
    } else {
        Vec::new()
    };
    let synonyms = match obj.get("synonyms") {
        Some(Value::String(s)) => s.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        _ => strings_of(obj, "synonyms"),
    };
    let flow_properties = objects_of(obj, "flowProperties")
        .enumerate()
        .filter_map(|(idx, f)| {
            Some(FlowPropertyFactor {
                internal_id: idx.to_string(),
                flow_property: reference_of(f, "flowProperty")?,
                mean_value: f64_of(f, &["conversionFactor"]),
                is_reference: bool_of(f, &["isRefFlowProperty", "referenceFlowProperty"]).unwrap_or(false),
            })
        })
        .collect();
    let mut metadata = Metadata::new();
    flatten_into(
        &mut metadata,
        obj,
        &["name", "version", "category", "flowType", "cas", "formula", "synonyms", "location", "flowProperties"],
        "",
        1,
    );
    Flow {
        id,
        name,
        kind,
        cas: string_of(obj, &["cas"]).map(|c| normalize_cas(&c)),
        formula: string_of(obj, &["formula"]),
        ec_number: None,
        synonyms,
        compartment,
        classifications,
        location: location_of(obj, location_id),
        flow_properties,
        reference_unit: None,
        metadata,
    }
}

/// CAS numbers without zero padding (`000071-41-0` → `71-41-0`), as the model wants them.
fn normalize_cas(cas: &str) -> String {
    let cas = cas.trim();
    match cas.split_once('-') {
        Some((head, rest)) => {
            let head = head.trim_start_matches('0');
            format!("{}-{rest}", if head.is_empty() { "0" } else { head })
        }
        None => cas.to_owned(),
    }
}

fn read_unit_group(obj: &Object, id: EntityId, name: String, classifications: Vec<Classification>) -> UnitGroup {
    let units = objects_of(obj, "units")
        .filter_map(|u| {
            let name = string_of(u, &["name"])?;
            Some(Unit {
                internal_id: string_of(u, &["@id"]).unwrap_or_else(|| name.clone()),
                name,
                factor: f64_of(u, &["conversionFactor"]),
                is_reference: bool_of(u, &["isRefUnit", "referenceUnit"]).unwrap_or(false),
                comment: string_of(u, &["description"]),
            })
        })
        .collect();
    let mut metadata = Metadata::new();
    flatten_into(&mut metadata, obj, &["name", "version", "category", "units"], "", 1);
    UnitGroup { id, name, units, classifications, metadata }
}

fn read_impact_category(obj: &Object, id: EntityId, name: String) -> LciaMethod {
    let mut factors = Vec::new();
    let mut units: Vec<String> = Vec::new();
    let mut n_incomplete = 0u64;
    for f in objects_of(obj, "impactFactors") {
        let (Some(flow), Some(value)) = (reference_of(f, "flow"), f64_of(f, &["value"])) else {
            n_incomplete += 1;
            continue;
        };
        if let Some(unit) = object_of(f, "unit").and_then(|u| string_of(u, &["name"]))
            && !units.contains(&unit)
        {
            units.push(unit);
        }
        let mut no_location = None;
        factors.push(CharacterizationFactor {
            flow,
            direction: None,
            value,
            location: location_of(f, &mut no_location),
            data_derivation: None,
        });
    }
    let mut metadata = Metadata::new();
    flatten_into(&mut metadata, obj, &["name", "version", "referenceUnitName", "impactFactors"], "", 1);
    if !units.is_empty() {
        metadata.insert("jsonld.factor_units".to_owned(), units.join("; "));
    }
    if n_incomplete > 0 {
        metadata.insert("jsonld.factors_without_flow_or_value".to_owned(), n_incomplete.to_string());
    }
    LciaMethod {
        id,
        impact_category: Some(name.clone()),
        name,
        methodologies: Vec::new(),
        impact_indicator: None,
        reference_quantity: None,
        unit: string_of(obj, &["referenceUnitName", "refUnit"]),
        factors,
        metadata,
    }
}

fn read_impact_method(obj: &Object, id: EntityId, name: String) -> ImpactMethod {
    let category_ids = objects_of(obj, "impactCategories").filter_map(|c| string_of(c, &["@id"])).collect();
    let nw_sets = objects_of(obj, "nwSets")
        .enumerate()
        .map(|(idx, set)| {
            let entries = objects_of(set, "factors")
                .filter_map(|f| {
                    let category = reference_of(f, "impactCategory")?;
                    Some(NormalizationWeighting {
                        category: category.id,
                        normalization: f64_of(f, &["normalisationFactor", "normalizationFactor"]),
                        normalization_is_factor: false,
                        weighting: f64_of(f, &["weightingFactor"]),
                    })
                })
                .collect();
            let mut metadata = Metadata::new();
            flatten_into(&mut metadata, set, &["name", "factors"], "", 0);
            if let Some(set_id) = str_of(set, &["@id"]) {
                metadata.insert("id".to_owned(), set_id.to_owned());
            }
            metadata.insert("method_id".to_owned(), id.id.clone());
            NormalizationWeightingSet {
                name: string_of(set, &["name"]).unwrap_or_else(|| format!("set {}", idx + 1)),
                method: Some(name.clone()),
                entries,
                metadata,
            }
        })
        .collect();
    ImpactMethod { id, name, category_ids, nw_sets }
}

fn read_product_system(obj: &Object, id: EntityId, name: String) -> Source {
    let mut metadata = Metadata::new();
    flatten_into(&mut metadata, obj, &["name", "version", "description", "processes", "processLinks"], "", 1);
    let processes: Vec<String> = objects_of(obj, "processes").filter_map(|p| string_of(p, &["@id"])).collect();
    metadata.insert("n_processes".to_owned(), processes.len().to_string());
    metadata.insert("processes".to_owned(), processes.join("; "));
    let links: Vec<String> = objects_of(obj, "processLinks")
        .map(|link| {
            let id_of = |key: &str| object_of(link, key).and_then(|o| str_of(o, &["@id"])).unwrap_or("?").to_owned();
            let exchange = object_of(link, "exchange")
                .and_then(|x| x.get("internalId"))
                .and_then(scalar_text)
                .unwrap_or_else(|| "?".to_owned());
            format!("{}#{} <- {} ({})", id_of("process"), exchange, id_of("provider"), id_of("flow"))
        })
        .collect();
    metadata.insert("n_process_links".to_owned(), links.len().to_string());
    metadata.insert("process_links".to_owned(), links.join("; "));
    Source {
        id,
        name,
        citation: string_of(obj, &["description"]),
        publication_type: Some(PRODUCT_SYSTEM_TYPE.to_owned()),
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Document {
        read_entity(&serde_json::from_str(text).expect("test json"), "", "t.json")
    }

    #[test]
    fn v1_and_v2_exchange_flags_read_alike() {
        let v1 = r#"{"@type":"Process","@id":"p","exchanges":[{"input":true,"quantitativeReference":true,
            "avoidedProduct":true,"amount":2.5,"internalId":7,"flow":{"@id":"f","flowType":"ELEMENTARY_FLOW"}}]}"#;
        let v2 = r#"{"@type":"Process","@id":"p","exchanges":[{"isInput":true,"isQuantitativeReference":true,
            "isAvoidedProduct":true,"amount":2.5,"internalId":7,"flow":{"@id":"f","flowType":"ELEMENTARY_FLOW"}}]}"#;
        let mut read_exchanges = Vec::new();
        for text in [v1, v2] {
            let Document::Entity(parsed) = read(text) else { panic!("entity") };
            let Item::Process(p, kinds) = parsed.item else { panic!("process") };
            assert_eq!(kinds, vec![Some(FlowKind::Elementary)]);
            read_exchanges.push(p.exchanges);
        }
        assert_eq!(read_exchanges[0], read_exchanges[1]);
        let e = &read_exchanges[0][0];
        assert_eq!((e.direction, e.is_reference, e.amount), (Some(Direction::Input), true, Some(2.5)));
        assert_eq!(e.internal_id, "7");
        assert_eq!(e.metadata.get("avoided_product").map(String::as_str), Some("true"));
    }

    #[test]
    fn root_entity_without_id_is_rejected_and_fragments_are_not_loaded() {
        assert!(matches!(read(r#"{"@type":"Flow","name":"x"}"#), Document::Rejected(_)));
        assert!(matches!(read(r#"{"@type":"Unit","name":"kg"}"#), Document::NotLoaded(_)));
        assert!(matches!(read("[1, 2]"), Document::Unknown(_)));
    }

    #[test]
    fn cas_numbers_lose_zero_padding() {
        assert_eq!(normalize_cas("000071-41-0"), "71-41-0");
        assert_eq!(normalize_cas("7732-18-5"), "7732-18-5");
    }
}
