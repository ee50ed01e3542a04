//! Turns the element tree of one ILCD data set into a canonical-model entity, with the diagnostics and the
//! outgoing references that resolution checks once every data set is read.

use crate::xml::{Node, Ns};
use ecoref_model::{
    CharacterizationFactor, Classification, Contact, Diagnostic, Direction, EntityId, Exchange, Flow, FlowKind,
    FlowProperty, FlowPropertyFactor, LciaMethod, LciaResult, Metadata, ModuleAmount, Parameter, Process, Reference,
    Source, Uncertainty, Unit, UnitGroup,
};

const C: Ns = Ns::Common;

/// One parsed data set of any supported type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entity {
    Process(Process),
    Flow(Flow),
    FlowProperty(FlowProperty),
    UnitGroup(UnitGroup),
    LciaMethod(LciaMethod),
    Source(Source),
    Contact(Contact),
}

impl Entity {
    pub(crate) fn id(&self) -> &EntityId {
        match self {
            Entity::Process(e) => &e.id,
            Entity::Flow(e) => &e.id,
            Entity::FlowProperty(e) => &e.id,
            Entity::UnitGroup(e) => &e.id,
            Entity::LciaMethod(e) => &e.id,
            Entity::Source(e) => &e.id,
            Entity::Contact(e) => &e.id,
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            Entity::Process(_) => Kind::Process,
            Entity::Flow(_) => Kind::Flow,
            Entity::FlowProperty(_) => Kind::FlowProperty,
            Entity::UnitGroup(_) => Kind::UnitGroup,
            Entity::LciaMethod(_) => Kind::LciaMethod,
            Entity::Source(_) => Kind::Source,
            Entity::Contact(_) => Kind::Contact,
        }
    }
}

/// Data set types, also used as the target type of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Process,
    Flow,
    FlowProperty,
    UnitGroup,
    LciaMethod,
    Source,
    Contact,
}

impl Kind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Process => "process",
            Kind::Flow => "flow",
            Kind::FlowProperty => "flow property",
            Kind::UnitGroup => "unit group",
            Kind::LciaMethod => "lcia method",
            Kind::Source => "source",
            Kind::Contact => "contact",
        }
    }
}

/// What a reference points at, when it is worth checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Of(Kind),
    /// Unknown type: any loaded data set with that UUID resolves it.
    Any,
}

/// An outgoing reference of a data set, checked once everything is read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingRef {
    pub(crate) id: String,
    pub(crate) target: Target,
    pub(crate) element: String,
    pub(crate) line: u64,
}

/// A data set read from one document.
#[derive(Debug, Clone)]
pub(crate) struct ParsedDataSet {
    pub(crate) entity: Entity,
    pub(crate) file: String,
    pub(crate) line: u64,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) refs: Vec<PendingRef>,
}

/// What one document turned out to be.
#[derive(Debug)]
pub(crate) enum Document {
    DataSet(Box<ParsedDataSet>),
    /// A known ILCD document that is not a data set the reader loads (life cycle model, category files…).
    NotLoaded(&'static str),
    /// A root element the reader does not know.
    Unknown {
        name: String,
    },
    /// A data set that cannot be loaded (no UUID).
    Rejected(Diagnostic),
}

/// Whether a root element is a data set worth building a tree for.
pub(crate) fn is_data_set_root(ns: Ns, name: &str) -> bool {
    data_set_kind(ns, name).is_some()
}

fn data_set_kind(ns: Ns, name: &str) -> Option<Kind> {
    match (ns, name) {
        (Ns::Process, "processDataSet") => Some(Kind::Process),
        (Ns::Flow, "flowDataSet") => Some(Kind::Flow),
        (Ns::FlowProperty, "flowPropertyDataSet") => Some(Kind::FlowProperty),
        (Ns::UnitGroup, "unitGroupDataSet") => Some(Kind::UnitGroup),
        (Ns::LciaMethod, "LCIAMethodDataSet") => Some(Kind::LciaMethod),
        (Ns::Source, "sourceDataSet") => Some(Kind::Source),
        (Ns::Contact, "contactDataSet") => Some(Kind::Contact),
        _ => None,
    }
}

/// Classifies a root element that is not a loaded data set.
pub(crate) fn classify_other_root(ns: Ns, name: &str) -> Document {
    match ns {
        Ns::LifeCycleModel => Document::NotLoaded("life cycle model data sets"),
        Ns::Categories | Ns::Locations | Ns::Methodologies => {
            Document::NotLoaded("category, location and methodology reference files")
        }
        _ => Document::Unknown { name: name.to_owned() },
    }
}

/// Builds the entity of a data set document.
pub(crate) fn read_data_set(root: &Node, file: &str) -> Document {
    let Some(kind) = data_set_kind(root.ns, &root.name) else {
        return classify_other_root(root.ns, &root.name);
    };
    let o = root.ns;
    let info_name = match kind {
        Kind::Process => "processInformation",
        Kind::Flow => "flowInformation",
        Kind::FlowProperty => "flowPropertiesInformation",
        Kind::UnitGroup => "unitGroupInformation",
        Kind::LciaMethod => "LCIAMethodInformation",
        Kind::Source => "sourceInformation",
        Kind::Contact => "contactInformation",
    };
    let info = root.path(&[(o, info_name), (o, "dataSetInformation")]);
    let uuid = info.and_then(|i| i.child(C, "UUID")).and_then(Node::text).map(str::to_owned);
    let Some(uuid) = uuid else {
        let diagnostic =
            Diagnostic::error("ilcd.missing-uuid", format!("{} data set has no common:UUID", kind.label()))
                .in_file(file)
                .at_line(root.line, None)
                .at_element(format!("{}/{info_name}/dataSetInformation/common:UUID", root.name));
        return Document::Rejected(diagnostic);
    };
    let version = root
        .path(&[(o, "administrativeInformation"), (o, "publicationAndOwnership"), (C, "dataSetVersion")])
        .and_then(Node::text)
        .map(str::to_owned);
    let mut cx = Cx { file, uuid: &uuid, root_name: &root.name, diagnostics: Vec::new(), refs: Vec::new() };
    if !is_uuid(&uuid) {
        let line = info.and_then(|i| i.child(C, "UUID")).map_or(root.line, |n| n.line);
        cx.warn(
            "ilcd.invalid-uuid",
            format!("data set UUID {uuid:?} is not a UUID"),
            "dataSetInformation/common:UUID",
            line,
        );
    }
    let id = EntityId::new(uuid.clone(), version);
    let empty = Node::empty();
    let info = info.unwrap_or(&empty);
    let entity = match kind {
        Kind::Process => Entity::Process(read_process(&mut cx, root, info, id)),
        Kind::Flow => Entity::Flow(read_flow(&mut cx, root, info, id)),
        Kind::FlowProperty => Entity::FlowProperty(read_flow_property(&mut cx, root, info, id)),
        Kind::UnitGroup => Entity::UnitGroup(read_unit_group(&mut cx, root, info, id)),
        Kind::LciaMethod => Entity::LciaMethod(read_lcia_method(&mut cx, root, info, id)),
        Kind::Source => Entity::Source(read_source(info, id)),
        Kind::Contact => Entity::Contact(read_contact(info, id)),
    };
    if matches!(kind, Kind::Process | Kind::LciaMethod) {
        let mut path = vec![root.name.clone()];
        collect_refs(&mut cx, root, &mut path);
    }
    Document::DataSet(Box::new(ParsedDataSet {
        entity,
        file: file.to_owned(),
        line: root.line,
        diagnostics: cx.diagnostics,
        refs: cx.refs,
    }))
}

/// Context of the data set being read: where diagnostics point.
struct Cx<'a> {
    file: &'a str,
    uuid: &'a str,
    root_name: &'a str,
    diagnostics: Vec<Diagnostic>,
    refs: Vec<PendingRef>,
}

impl Cx<'_> {
    fn warn(&mut self, code: &str, message: String, element: &str, line: u64) {
        let diagnostic = Diagnostic::warning(code, message)
            .in_file(self.file)
            .at_line(line, None)
            .at_element(format!("{}/{element}", self.root_name))
            .for_entity(self.uuid);
        self.diagnostics.push(diagnostic);
    }

    /// Parses a number exactly (Rust's correctly rounded `f64` parser); unparsable or non-finite text is a
    /// warning and `None`. Empty text is `None` without a warning.
    fn number(&mut self, node: Option<&Node>, element: &str) -> Option<f64> {
        let node = node?;
        let text = node.text()?;
        match parse_number(text) {
            Some(value) => Some(value),
            None => {
                self.warn("ilcd.invalid-number", format!("{text:?} is not a finite number"), element, node.line);
                None
            }
        }
    }

    fn structural_ref(&mut self, node: &Node, kind: Kind, element: &str) {
        if let Some(id) = node.attr(Ns::None, "refObjectId") {
            let element = format!("{}/{element}", self.root_name);
            self.refs.push(PendingRef { id: id.trim().to_owned(), target: Target::Of(kind), element, line: node.line });
        }
    }
}

impl Node {
    fn empty() -> Node {
        Node {
            ns: Ns::None,
            name: String::new(),
            attrs: Vec::new(),
            text: String::new(),
            children: Vec::new(),
            line: 0,
        }
    }
}

/// `str::parse::<f64>` after trimming, finite values only.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// 8-4-4-4-12 hexadecimal digits.
pub(crate) fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Multilingual text: the English variant, else the first non-empty one.
fn lang_text<'a>(nodes: impl Iterator<Item = &'a Node>) -> Option<String> {
    let mut first = None;
    for node in nodes {
        let Some(text) = node.text() else { continue };
        if node.attr(Ns::Xml, "lang").is_some_and(|l| l.trim().eq_ignore_ascii_case("en")) {
            return Some(text.to_owned());
        }
        first.get_or_insert(text);
    }
    first.map(str::to_owned)
}

fn text_of(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::text).map(str::to_owned)
}

fn reference(node: &Node) -> Reference {
    Reference {
        id: node.attr(Ns::None, "refObjectId").unwrap_or_default().trim().to_owned(),
        version: node.attr(Ns::None, "version").map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned),
        description: lang_text(node.children_named(C, "shortDescription")),
    }
}

fn classifications(info: &Node) -> Vec<Classification> {
    let Some(ci) = info.child(info.ns, "classificationInformation") else { return Vec::new() };
    ci.children_named(C, "classification")
        .map(|c| Classification {
            system: c.attr(Ns::None, "name").map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
            path: levels(c.children_named(C, "class")),
        })
        .collect()
}

/// Category texts ordered by their `@level` (document order for equal or missing levels).
fn levels<'a>(nodes: impl Iterator<Item = &'a Node>) -> Vec<String> {
    let mut items: Vec<(u64, String)> = nodes
        .filter_map(|n| {
            let level = n.attr(Ns::None, "level").and_then(|l| l.trim().parse::<u64>().ok()).unwrap_or(u64::MAX);
            n.text().map(|t| (level, t.to_owned()))
        })
        .collect();
    items.sort_by_key(|(level, _)| *level);
    items.into_iter().map(|(_, t)| t).collect()
}

/// Display name of a process or flow: the non-empty name parts joined with ", ".
fn display_name(name: Option<&Node>, parts: &[&str]) -> String {
    let Some(name) = name else { return String::new() };
    parts.iter().filter_map(|part| lang_text(name.children_named(name.ns, part))).collect::<Vec<_>>().join(", ")
}

fn put(metadata: &mut Metadata, key: &str, value: Option<String>) {
    if let Some(value) = value {
        metadata.insert(key.to_owned(), value);
    }
}

fn uncertainty(cx: &mut Cx<'_>, node: &Node, element: &str, min_name: &str, max_name: &str) -> Option<Uncertainty> {
    let o = node.ns;
    let distribution = text_of(node.child(o, "uncertaintyDistributionType"));
    let rsd =
        cx.number(node.child(o, "relativeStandardDeviation95In"), &format!("{element}/relativeStandardDeviation95In"));
    let minimum = cx.number(node.child(o, min_name), &format!("{element}/{min_name}"));
    let maximum = cx.number(node.child(o, max_name), &format!("{element}/{max_name}"));
    if distribution.is_none() && rsd.is_none() && minimum.is_none() && maximum.is_none() {
        return None;
    }
    Some(Uncertainty {
        distribution: distribution.unwrap_or_else(|| "undefined".to_owned()),
        relative_sd95_percent: rsd,
        minimum,
        maximum,
        parameters: Default::default(),
    })
}

/// EPD per-module amounts in `common:other`: `epd:amount[@epd:module]`, empty values are `None`.
fn module_amounts(cx: &mut Cx<'_>, node: &Node, element: &str) -> Vec<ModuleAmount> {
    let Some(other) = node.child(C, "other") else { return Vec::new() };
    let attr = |n: &Node, name: &str| {
        n.attr(Ns::Epd, name)
            .or_else(|| n.attr(Ns::None, name))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut modules = Vec::new();
    for amount in other.children_named(Ns::Epd, "amount") {
        let Some(module) = attr(amount, "module") else { continue };
        let value = cx.number(Some(amount), &format!("{element}/common:other/epd:amount[@module={module}]"));
        modules.push(ModuleAmount { module, scenario: attr(amount, "scenario"), amount: value });
    }
    modules
}

fn read_process(cx: &mut Cx<'_>, root: &Node, info: &Node, id: EntityId) -> Process {
    let o = root.ns;
    let pi = root.child(o, "processInformation").unwrap_or(info);
    let name = display_name(
        info.child(o, "name"),
        &["baseName", "treatmentStandardsRoutes", "mixAndLocationTypes", "functionalUnitFlowProperties"],
    );
    if name.is_empty() {
        cx.warn(
            "ilcd.missing-name",
            "process has no name".to_owned(),
            "processInformation/dataSetInformation/name",
            info.line,
        );
    }
    let quantitative = pi.child(o, "quantitativeReference");
    let reference_ids: Vec<(String, u64)> = quantitative
        .map(|q| {
            q.children_named(o, "referenceToReferenceFlow")
                .filter_map(|r| r.text().map(|t| (t.to_owned(), r.line)))
                .collect()
        })
        .unwrap_or_default();

    let mut metadata = Metadata::new();
    put(
        &mut metadata,
        "quantitative_reference_type",
        quantitative.and_then(|q| q.attr(Ns::None, "type")).map(str::to_owned),
    );
    put(
        &mut metadata,
        "functional_unit",
        quantitative.and_then(|q| lang_text(q.children_named(o, "functionalUnitOrOther"))),
    );
    put(
        &mut metadata,
        "technology_description",
        pi.child(o, "technology")
            .and_then(|t| lang_text(t.children_named(o, "technologyDescriptionAndIncludedProcesses"))),
    );
    let geography = pi.path(&[(o, "geography"), (o, "locationOfOperationSupplyOrProduction")]);
    put(
        &mut metadata,
        "location_description",
        geography.and_then(|g| lang_text(g.children_named(o, "descriptionOfRestrictions"))),
    );
    put(&mut metadata, "data_set_valid_until", text_of(pi.path(&[(o, "time"), (C, "dataSetValidUntil")])));
    put(&mut metadata, "synonyms", lang_text(info.children_named(C, "synonyms")));
    let mv = root.child(o, "modellingAndValidation");
    put(
        &mut metadata,
        "use_advice",
        mv.and_then(|m| m.child(o, "dataSourcesTreatmentAndRepresentativeness"))
            .and_then(|d| lang_text(d.children_named(o, "useAdviceForDataSet"))),
    );

    let mut parameters = Vec::new();
    if let Some(relations) = pi.child(o, "mathematicalRelations") {
        for p in relations.children_named(o, "variableParameter") {
            let name = p.attr(Ns::None, "name").unwrap_or_default().trim().to_owned();
            let element = format!("processInformation/mathematicalRelations/variableParameter[@name={name}]");
            parameters.push(Parameter {
                formula: text_of(p.child(o, "formula")),
                value: cx.number(p.child(o, "meanValue"), &format!("{element}/meanValue")),
                comment: lang_text(p.children_named(o, "comment")),
                uncertainty: uncertainty(cx, p, &element, "minimumValue", "maximumValue"),
                name,
            });
        }
    }

    let mut exchanges = Vec::new();
    if let Some(list) = root.child(o, "exchanges") {
        for ex in list.children_named(o, "exchange") {
            exchanges.push(read_exchange(cx, ex));
        }
    }
    for (internal_id, line) in &reference_ids {
        match exchanges.iter_mut().find(|e| &e.internal_id == internal_id) {
            Some(exchange) => exchange.is_reference = true,
            None => cx.warn(
                "ilcd.missing-reference-exchange",
                format!("quantitative reference names exchange {internal_id}, which the process does not have"),
                "processInformation/quantitativeReference/referenceToReferenceFlow",
                *line,
            ),
        }
    }

    let mut lcia_results = Vec::new();
    if let Some(list) = root.child(o, "LCIAResults") {
        for (idx, r) in list.children_named(o, "LCIAResult").enumerate() {
            let element = format!("LCIAResults/LCIAResult[{}]", idx + 1);
            let method = r.child(o, "referenceToLCIAMethodDataSet").map(reference).unwrap_or_default();
            let unit_group = r
                .child(C, "other")
                .and_then(|other| other.child(Ns::Epd, "referenceToUnitGroupDataSet"))
                .map(reference);
            lcia_results.push(LciaResult {
                method,
                amount: cx.number(r.child(o, "meanAmount"), &format!("{element}/meanAmount")),
                unit_group,
                modules: module_amounts(cx, r, &element),
                uncertainty: uncertainty(cx, r, &element, "minimumAmount", "maximumAmount"),
            });
        }
    }

    Process {
        id,
        name,
        location: geography
            .and_then(|g| g.attr(Ns::None, "location"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        process_type: text_of(mv.and_then(|m| m.path(&[(o, "LCIMethodAndAllocation"), (o, "typeOfDataSet")]))),
        reference_year: text_of(pi.path(&[(o, "time"), (C, "referenceYear")])),
        classifications: classifications(info),
        description: lang_text(info.children_named(C, "generalComment")),
        parameters,
        exchanges,
        lcia_results,
        allocation: Vec::new(),
        metadata,
    }
}

fn read_exchange(cx: &mut Cx<'_>, ex: &Node) -> Exchange {
    let o = ex.ns;
    let internal_id = ex.attr(Ns::None, "dataSetInternalID").unwrap_or_default().trim().to_owned();
    let element = format!("exchanges/exchange[@dataSetInternalID={internal_id}]");
    let flow = ex.child(o, "referenceToFlowDataSet").map(reference).unwrap_or_default();
    let direction_node = ex.child(o, "exchangeDirection");
    let direction = direction_node.and_then(Node::text).and_then(Direction::parse);
    if let (Some(node), None) = (direction_node.filter(|n| n.text().is_some()), direction) {
        let text = node.text().unwrap_or_default().to_owned();
        cx.warn(
            "ilcd.invalid-direction",
            format!("exchange direction {text:?} is neither Input nor Output"),
            &element,
            node.line,
        );
    }
    let mean_amount = cx.number(ex.child(o, "meanAmount"), &format!("{element}/meanAmount"));
    let resulting = cx.number(ex.child(o, "resultingAmount"), &format!("{element}/resultingAmount"));
    let amount = resulting.or(mean_amount);
    let modules = module_amounts(cx, ex, &element);
    // EPD exchanges may carry only per-module amounts: that is not a missing amount.
    if amount.is_none() && modules.is_empty() {
        let flow_label = flow.description.clone().unwrap_or_else(|| flow.id.clone());
        cx.warn(
            "ilcd.missing-amount",
            format!(
                "exchange {internal_id} ({flow_label}) of process {} has no usable resultingAmount or meanAmount",
                cx.uuid
            ),
            &element,
            ex.line,
        );
    }
    Exchange {
        flow,
        direction,
        kind: None,
        is_reference: false,
        amount,
        mean_amount,
        unit: None,
        formula: text_of(ex.child(o, "referenceToVariable")),
        uncertainty: uncertainty(cx, ex, &element, "minimumAmount", "maximumAmount"),
        provider: None,
        location: text_of(ex.child(o, "location")),
        data_derivation: text_of(ex.child(o, "dataDerivationTypeStatus")),
        comment: lang_text(ex.children_named(o, "generalComment").chain(ex.children_named(C, "generalComment"))),
        modules,
        internal_id,
        properties: Vec::new(),
        metadata: Default::default(),
    }
}

/// Strips the zero padding of the first CAS group (`000071-41-0` → `71-41-0`).
pub(crate) fn normalize_cas(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (first, rest) = text.split_once('-').unwrap_or((text, ""));
    let stripped = first.trim_start_matches('0');
    let first = if stripped.is_empty() && !first.is_empty() { "0" } else { stripped };
    Some(if rest.is_empty() && !text.contains('-') { first.to_owned() } else { format!("{first}-{rest}") })
}

fn read_flow(cx: &mut Cx<'_>, root: &Node, info: &Node, id: EntityId) -> Flow {
    let o = root.ns;
    let fi = root.child(o, "flowInformation").unwrap_or(info);
    let name = display_name(
        info.child(o, "name"),
        &["baseName", "treatmentStandardsRoutes", "mixAndLocationTypes", "flowProperties"],
    );
    if name.is_empty() {
        cx.warn(
            "ilcd.missing-name",
            "flow has no name".to_owned(),
            "flowInformation/dataSetInformation/name",
            info.line,
        );
    }
    let type_node = root.path(&[(o, "modellingAndValidation"), (o, "LCIMethod"), (o, "typeOfDataSet")]);
    let kind = type_node.and_then(Node::text).and_then(|t| match t {
        "Elementary flow" => Some(FlowKind::Elementary),
        "Product flow" => Some(FlowKind::Product),
        "Waste flow" => Some(FlowKind::Waste),
        "Other flow" => Some(FlowKind::Other),
        _ => None,
    });
    if let (Some(node), None) = (type_node.filter(|n| n.text().is_some()), kind) {
        let text = node.text().unwrap_or_default().to_owned();
        cx.warn(
            "ilcd.invalid-flow-type",
            format!("unknown flow type {text:?}"),
            "modellingAndValidation/LCIMethod/typeOfDataSet",
            node.line,
        );
    }
    let reference_property = fi.path(&[(o, "quantitativeReference"), (o, "referenceToReferenceFlowProperty")]);
    let reference_internal_id = reference_property.and_then(Node::text);
    let mut flow_properties = Vec::new();
    if let Some(list) = root.child(o, "flowProperties") {
        for fp in list.children_named(o, "flowProperty") {
            let internal_id = fp.attr(Ns::None, "dataSetInternalID").unwrap_or_default().trim().to_owned();
            let element = format!("flowProperties/flowProperty[@dataSetInternalID={internal_id}]");
            let reference_node = fp.child(o, "referenceToFlowPropertyDataSet");
            if let Some(node) = reference_node {
                cx.structural_ref(node, Kind::FlowProperty, &format!("{element}/referenceToFlowPropertyDataSet"));
            }
            flow_properties.push(FlowPropertyFactor {
                is_reference: reference_internal_id == Some(internal_id.as_str()),
                flow_property: reference_node.map(reference).unwrap_or_default(),
                mean_value: cx.number(fp.child(o, "meanValue"), &format!("{element}/meanValue")),
                internal_id,
            });
        }
    }
    if let Some(wanted) = reference_internal_id
        && !flow_properties.iter().any(|p| p.is_reference)
    {
        cx.warn(
            "ilcd.missing-reference-flow-property",
            format!("reference flow property {wanted} is not among the flow's flow properties"),
            "flowInformation/quantitativeReference/referenceToReferenceFlowProperty",
            reference_property.map_or(root.line, |n| n.line),
        );
    }
    let ci = info.child(o, "classificationInformation");
    let compartment =
        ci.and_then(|c| c.child(C, "elementaryFlowCategorization")).map(|c| levels(c.children_named(C, "category")));
    let synonyms = lang_text(info.children_named(C, "synonyms"))
        .map(|s| s.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut metadata = Metadata::new();
    put(&mut metadata, "general_comment", lang_text(info.children_named(C, "generalComment")));
    Flow {
        id,
        name,
        kind,
        cas: info.child(o, "CASNumber").and_then(Node::text).and_then(normalize_cas),
        formula: text_of(info.child(o, "sumFormula")),
        ec_number: text_of(info.child(C, "other").and_then(|other| other.child(Ns::Ecn, "ECNumber"))),
        synonyms,
        compartment: compartment.unwrap_or_default(),
        classifications: classifications(info),
        location: text_of(fi.path(&[(o, "geography"), (o, "locationOfSupply")])),
        flow_properties,
        reference_unit: None,
        metadata,
    }
}

fn read_flow_property(cx: &mut Cx<'_>, root: &Node, info: &Node, id: EntityId) -> FlowProperty {
    let o = root.ns;
    let unit_group_node = root.path(&[
        (o, "flowPropertiesInformation"),
        (o, "quantitativeReference"),
        (o, "referenceToReferenceUnitGroup"),
    ]);
    if let Some(node) = unit_group_node {
        cx.structural_ref(
            node,
            Kind::UnitGroup,
            "flowPropertiesInformation/quantitativeReference/referenceToReferenceUnitGroup",
        );
    }
    let mut metadata = Metadata::new();
    put(&mut metadata, "general_comment", lang_text(info.children_named(C, "generalComment")));
    FlowProperty {
        id,
        name: lang_text(info.children_named(C, "name")).unwrap_or_default(),
        unit_group: unit_group_node.map(reference),
        reference_unit: None,
        classifications: classifications(info),
        metadata,
    }
}

fn read_unit_group(cx: &mut Cx<'_>, root: &Node, info: &Node, id: EntityId) -> UnitGroup {
    let o = root.ns;
    let reference_node =
        root.path(&[(o, "unitGroupInformation"), (o, "quantitativeReference"), (o, "referenceToReferenceUnit")]);
    let reference_internal_id = reference_node.and_then(Node::text);
    let mut units = Vec::new();
    if let Some(list) = root.child(o, "units") {
        for u in list.children_named(o, "unit") {
            let internal_id = u.attr(Ns::None, "dataSetInternalID").unwrap_or_default().trim().to_owned();
            let element = format!("units/unit[@dataSetInternalID={internal_id}]");
            units.push(Unit {
                is_reference: reference_internal_id == Some(internal_id.as_str()),
                name: text_of(u.child(o, "name")).unwrap_or_default(),
                factor: cx.number(u.child(o, "meanValue"), &format!("{element}/meanValue")),
                comment: lang_text(u.children_named(o, "generalComment")),
                internal_id,
            });
        }
    }
    if !units.iter().any(|u| u.is_reference) {
        cx.warn(
            "ilcd.missing-reference-unit",
            format!("reference unit {} is not among the unit group's units", reference_internal_id.unwrap_or("(none)")),
            "unitGroupInformation/quantitativeReference/referenceToReferenceUnit",
            reference_node.map_or(root.line, |n| n.line),
        );
    }
    let mut metadata = Metadata::new();
    put(&mut metadata, "general_comment", lang_text(info.children_named(C, "generalComment")));
    UnitGroup {
        id,
        name: lang_text(info.children_named(C, "name")).unwrap_or_default(),
        units,
        classifications: classifications(info),
        metadata,
    }
}

fn read_lcia_method(cx: &mut Cx<'_>, root: &Node, info: &Node, id: EntityId) -> LciaMethod {
    let o = root.ns;
    let mi = root.child(o, "LCIAMethodInformation").unwrap_or(info);
    let texts = |name: &str| info.children_named(o, name).filter_map(Node::text).map(str::to_owned).collect::<Vec<_>>();
    let name = lang_text(info.children_named(C, "name")).unwrap_or_default();
    if name.is_empty() {
        cx.warn(
            "ilcd.missing-name",
            "lcia method has no common:name".to_owned(),
            "LCIAMethodInformation/dataSetInformation",
            info.line,
        );
    }
    let mut factors = Vec::new();
    if let Some(list) = root.child(o, "characterisationFactors") {
        for (idx, f) in list.children_named(o, "factor").enumerate() {
            let element = format!("characterisationFactors/factor[{}]", idx + 1);
            let flow = f.child(o, "referenceToFlowDataSet").map(reference).unwrap_or_default();
            let Some(value) = cx.number(f.child(o, "meanValue"), &format!("{element}/meanValue")) else {
                cx.warn(
                    "ilcd.missing-amount",
                    format!("characterization factor for flow {} has no meanValue and is left out", flow.id),
                    &element,
                    f.line,
                );
                continue;
            };
            factors.push(CharacterizationFactor {
                flow,
                direction: f.child(o, "exchangeDirection").and_then(Node::text).and_then(Direction::parse),
                value,
                location: text_of(f.child(o, "location")),
                data_derivation: text_of(f.child(o, "dataDerivationTypeStatus")),
            });
        }
    }
    let mut metadata = Metadata::new();
    put(&mut metadata, "general_comment", lang_text(info.children_named(C, "generalComment")));
    put(&mut metadata, "reference_year", text_of(mi.path(&[(o, "time"), (o, "referenceYear")])));
    put(
        &mut metadata,
        "type_of_data_set",
        text_of(root.path(&[
            (o, "modellingAndValidation"),
            (o, "LCIAMethodNormalisationAndWeighting"),
            (o, "typeOfDataSet"),
        ])),
    );
    LciaMethod {
        id,
        name,
        methodologies: texts("methodology"),
        impact_category: texts("impactCategory").into_iter().next(),
        impact_indicator: text_of(info.child(o, "impactIndicator")),
        reference_quantity: mi.path(&[(o, "quantitativeReference"), (o, "referenceQuantity")]).map(reference),
        unit: None,
        factors,
        metadata,
    }
}

fn read_source(info: &Node, id: EntityId) -> Source {
    let o = info.ns;
    let mut metadata = Metadata::new();
    put(&mut metadata, "description", lang_text(info.children_named(o, "sourceDescriptionOrComment")));
    Source {
        id,
        name: lang_text(info.children_named(C, "shortName"))
            .or_else(|| lang_text(info.children_named(C, "name")))
            .unwrap_or_default(),
        citation: text_of(info.child(o, "sourceCitation")),
        publication_type: text_of(info.child(o, "publicationType")),
        metadata,
    }
}

fn read_contact(info: &Node, id: EntityId) -> Contact {
    let o = info.ns;
    let short_name = lang_text(info.children_named(C, "shortName"));
    let mut metadata = Metadata::new();
    put(&mut metadata, "contact_address", lang_text(info.children_named(o, "contactAddress")));
    Contact {
        id,
        name: lang_text(info.children_named(C, "name")).or_else(|| short_name.clone()).unwrap_or_default(),
        short_name,
        email: text_of(info.child(o, "email")),
        www: text_of(info.child(o, "WWWAddress")),
        metadata,
    }
}

/// Collects every `refObjectId` reference of a process or LCIA method (characterization factor flows aside:
/// resolution checks those in bulk).
fn collect_refs(cx: &mut Cx<'_>, node: &Node, path: &mut Vec<String>) {
    for child in &node.children {
        if child.name == "characterisationFactors" {
            continue;
        }
        let mut step = child.name.clone();
        if let Some(internal_id) = child.attr(Ns::None, "dataSetInternalID") {
            step.push_str(&format!("[@dataSetInternalID={}]", internal_id.trim()));
        }
        path.push(step);
        if let Some(id) = child.attr(Ns::None, "refObjectId") {
            let target = target_of(child);
            cx.refs.push(PendingRef { id: id.trim().to_owned(), target, element: path.join("/"), line: child.line });
        }
        collect_refs(cx, child, path);
        path.pop();
    }
}

fn target_of(node: &Node) -> Target {
    let by_type = node.attr(Ns::None, "type").map(|t| t.trim().to_ascii_lowercase());
    match by_type.as_deref() {
        Some("flow data set") => return Target::Of(Kind::Flow),
        Some("process data set") => return Target::Of(Kind::Process),
        Some("flow property data set") => return Target::Of(Kind::FlowProperty),
        Some("unit group data set") => return Target::Of(Kind::UnitGroup),
        Some("lcia method data set") => return Target::Of(Kind::LciaMethod),
        Some("source data set") => return Target::Of(Kind::Source),
        Some("contact data set") => return Target::Of(Kind::Contact),
        _ => {}
    }
    match node.name.as_str() {
        "referenceToFlowDataSet" => Target::Of(Kind::Flow),
        "referenceToLCIAMethodDataSet" => Target::Of(Kind::LciaMethod),
        "referenceToFlowPropertyDataSet" | "referenceQuantity" => Target::Of(Kind::FlowProperty),
        "referenceToUnitGroupDataSet" | "referenceToReferenceUnitGroup" => Target::Of(Kind::UnitGroup),
        _ => Target::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_numbers_lose_zero_padding() {
        assert_eq!(normalize_cas(" 000071-41-0 ").as_deref(), Some("71-41-0"));
        assert_eq!(normalize_cas("7732-18-5").as_deref(), Some("7732-18-5"));
        assert_eq!(normalize_cas("0000-00-0").as_deref(), Some("0-00-0"));
        assert_eq!(normalize_cas("  "), None);
    }

    #[test]
    fn uuids_are_recognized() {
        assert!(is_uuid("01a45edf-ef15-43d2-a31b-75a15701ed31"));
        assert!(!is_uuid("vitrified brick"));
        assert!(!is_uuid("01a45edf-ef15-43d2-a31b-75a15701ed3"));
    }

    #[test]
    fn numbers_parse_exactly_and_reject_non_finite() {
        assert_eq!(parse_number(" 3.76E-6 "), Some(3.76e-6));
        assert_eq!(parse_number("nan"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("1,5"), None);
    }
}
