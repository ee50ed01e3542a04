//! EcoSpold2 activity data sets (`activityDataset`, `childActivityDataset`) into processes, and the flows their
//! exchanges name.

use crate::link::PackedProcess;
use crate::masterdata::{self, MasterData};
use crate::values::{Site, localized, localized_all, normalize_cas, number_attr, read_uncertainty, text_block};
use crate::xml::{Document, Node, RootNs};
use ecoref_model::{
    Classification, Diagnostic, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, LciaResult, Metadata,
    Parameter, Process, PropertyValue, Reference, Severity,
};
use std::collections::HashSet;
use std::fmt;

/// Exchange metadata key holding the raw `activityLinkId` (the provider activity).
pub(crate) const ACTIVITY_LINK_KEY: &str = "activity_link_id";
/// Process metadata keys of the two raw ids that make ecoinvent's data set identity.
pub(crate) const ACTIVITY_ID_KEY: &str = "activity_id";
pub(crate) const REFERENCE_PRODUCT_KEY: &str = "reference_product_id";
/// Exchange metadata key holding the source `unitId`.
pub(crate) const UNIT_ID_KEY: &str = "unit_id";

/// Everything read from one document, merged later in input order.
#[derive(Debug, Default)]
pub(crate) struct DocumentRead {
    pub(crate) processes: Vec<Process>,
    /// The processes, packed by the worker that read them (what the collector keeps).
    pub(crate) packed: Vec<PackedProcess>,
    /// Flows described by the exchanges themselves (used when no MasterData describes them).
    pub(crate) exchange_flows: Vec<Flow>,
    exchange_flow_ids: HashSet<String>,
    /// MasterData files and inline `usedUserMasterData`.
    pub(crate) master: MasterData,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) n_rejected: u64,
    /// Set when the document is a kind the reader does not load (summarised, not reported one by one).
    pub(crate) not_loaded: Option<String>,
}

impl DocumentRead {
    pub(crate) fn reject(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
        self.n_rejected += 1;
    }
}

/// Reads a parsed document of any kind: data set, MasterData, inline master data, EcoSpold1 or unknown.
/// `known_flow` says whether a flow id was described already (by an earlier document): its exchanges need not
/// describe it.
pub(crate) fn read_document(file: &str, doc: &Document, known_flow: &dyn Fn(&str) -> bool) -> DocumentRead {
    let mut out = DocumentRead::default();
    let root = doc.root();
    let site = Site { file, entity: None };
    if doc.root_ns == RootNs::EcoSpold01 || (root.name() == "ecoSpold" && root.child("dataset").is_some()) {
        out.reject(site.diagnostic(
            Severity::Error,
            "ecospold2.ecospold1-file",
            format!(
                "{file} is an EcoSpold 1 file (root ecoSpold in the EcoSpold01 namespace), not EcoSpold2: not read"
            ),
            Some(root),
            "ecoSpold",
        ));
        return out;
    }
    match root.name() {
        "ecoSpold" => {
            let mut n_data_sets = 0;
            for child in root.children() {
                match child.name() {
                    "activityDataset" | "childActivityDataset" => {
                        n_data_sets += 1;
                        read_data_set(file, child, known_flow, &mut out);
                    }
                    "usedUserMasterData" => masterdata::read_inline(file, child, &mut out.master, &mut out.diagnostics),
                    _ => {}
                }
            }
            if n_data_sets == 0 {
                out.reject(site.diagnostic(
                    Severity::Error,
                    "ecospold2.no-data-set",
                    format!("{file} has an ecoSpold root without activityDataset or childActivityDataset"),
                    Some(root),
                    "ecoSpold",
                ));
            }
        }
        "usedUserMasterData" => masterdata::read_inline(file, root, &mut out.master, &mut out.diagnostics),
        name if masterdata::is_loaded_root(name) => {
            masterdata::read_file(file, root, &mut out.master, &mut out.diagnostics);
        }
        name if name.starts_with("valid") => out.not_loaded = Some(format!("MasterData {name}")),
        name => out.reject(site.diagnostic(
            Severity::Error,
            "ecospold2.unknown-document",
            format!("{file} has root element <{name}>, which is neither an EcoSpold2 data set nor MasterData"),
            Some(root),
            name,
        )),
    }
    out
}

/// The three pieces of a data set read before the exchanges.
fn activity_metadata(activity: Node<'_>, metadata: &mut Metadata) {
    for (attr, key) in [
        ("activityNameId", "activity_name_id"),
        ("parentActivityId", "parent_activity_id"),
        ("inheritanceDepth", "inheritance_depth"),
        ("type", "type"),
        ("specialActivityType", "special_activity_type"),
        ("energyValues", "energy_values"),
        ("masterAllocationPropertyId", "master_allocation_property_id"),
    ] {
        if let Some(value) = activity.attr(attr) {
            metadata.insert(key.to_owned(), value.to_owned());
        }
    }
    let synonyms = localized_all(activity, "synonym");
    if !synonyms.is_empty() {
        metadata.insert("synonyms".to_owned(), synonyms.join("; "));
    }
    let tags: Vec<&str> = activity.children_named("tag").filter_map(Node::text).collect();
    if !tags.is_empty() {
        metadata.insert("tags".to_owned(), tags.join("; "));
    }
    for (element, key) in
        [("includedActivitiesStart", "included_activities_start"), ("includedActivitiesEnd", "included_activities_end")]
    {
        if let Some(text) = localized(activity, element) {
            metadata.insert(key.to_owned(), text.to_owned());
        }
    }
    if let Some(text) = activity.child("allocationComment").and_then(text_block) {
        metadata.insert("allocation_comment".to_owned(), text);
    }
}

fn special_activity_type_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "ordinary transforming activity",
        "1" => "market activity",
        "2" => "IO activity",
        "3" => "residual activity",
        "4" => "production mix",
        "5" => "import activity",
        "6" => "supply mix",
        "7" => "export activity",
        "8" => "re-export activity",
        "9" => "correction activity",
        "10" => "market group",
        _ => return None,
    })
}

fn process_type_name(code: &str) -> Option<&'static str> {
    match code {
        "1" => Some("Unit process"),
        "2" => Some("System process"),
        _ => None,
    }
}

fn read_classification(node: Node<'_>) -> Option<Classification> {
    let value = localized(node, "classificationValue")?;
    Some(Classification {
        system: localized(node, "classificationSystem").map(str::to_owned),
        path: vec![value.to_owned()],
    })
}

fn read_description(description: Node<'_>, process: &mut Process) {
    let metadata = &mut process.metadata;
    if let Some(geography) = description.child("geography") {
        process.location = localized(geography, "shortname").map(str::to_owned);
        if let Some(id) = geography.attr("geographyId") {
            metadata.insert("geography_id".to_owned(), id.to_owned());
        }
        if let Some(text) = geography.child("comment").and_then(text_block) {
            metadata.insert("geography_comment".to_owned(), text);
        }
    }
    if let Some(technology) = description.child("technology") {
        if let Some(level) = technology.attr("technologyLevel") {
            metadata.insert("technology_level".to_owned(), level.to_owned());
        }
        if let Some(text) = technology.child("comment").and_then(text_block) {
            metadata.insert("technology_comment".to_owned(), text);
        }
    }
    if let Some(period) = description.child("timePeriod") {
        for (attr, key) in [
            ("startDate", "time_period_start"),
            ("endDate", "time_period_end"),
            ("isDataValidForEntirePeriod", "time_period_valid_for_entire_period"),
        ] {
            if let Some(value) = period.attr(attr) {
                metadata.insert(key.to_owned(), value.to_owned());
            }
        }
        if let Some(text) = period.child("comment").and_then(text_block) {
            metadata.insert("time_period_comment".to_owned(), text);
        }
        process.reference_year = period.attr("endDate").and_then(|d| d.get(..4)).map(str::to_owned);
    }
    if let Some(scenario) = description.child("macroEconomicScenario") {
        if let Some(name) = localized(scenario, "name") {
            metadata.insert("macro_economic_scenario".to_owned(), name.to_owned());
        }
        if let Some(id) = scenario.attr("macroEconomicScenarioId") {
            metadata.insert("macro_economic_scenario_id".to_owned(), id.to_owned());
        }
    }
    process.classifications = description.children_named("classification").filter_map(read_classification).collect();
}

fn read_modelling_and_administration(data_set: Node<'_>, metadata: &mut Metadata) {
    if let Some(representativeness) = data_set.path(&["modellingAndValidation", "representativeness"]) {
        if let Some(name) = localized(representativeness, "systemModelName") {
            metadata.insert("system_model".to_owned(), name.to_owned());
        }
        if let Some(id) = representativeness.attr("systemModelId") {
            metadata.insert("system_model_id".to_owned(), id.to_owned());
        }
        if let Some(percent) = representativeness.attr("percent") {
            metadata.insert("representativeness_percent".to_owned(), percent.to_owned());
        }
    }
    let Some(admin) = data_set.child("administrativeInformation") else { return };
    if let Some(entry) = admin.child("dataEntryBy")
        && let Some(name) = entry.attr("personName")
    {
        metadata.insert("data_entry_by".to_owned(), name.to_owned());
    }
    if let Some(generator) = admin.child("dataGeneratorAndPublication") {
        if let Some(name) = generator.attr("personName") {
            metadata.insert("data_generator".to_owned(), name.to_owned());
        }
        if let Some(id) = generator.attr("publishedSourceId") {
            metadata.insert("published_source_id".to_owned(), id.to_owned());
        }
    }
    if let Some(attributes) = admin.child("fileAttributes") {
        for (attr, key) in [
            ("majorRelease", "major_release"),
            ("minorRelease", "minor_release"),
            ("majorRevision", "major_revision"),
            ("minorRevision", "minor_revision"),
            ("defaultLanguage", "default_language"),
            ("creationTimestamp", "creation_timestamp"),
            ("lastEditTimestamp", "last_edit_timestamp"),
            ("fileGenerator", "file_generator"),
        ] {
            if let Some(value) = attributes.attr(attr) {
                metadata.insert(key.to_owned(), value.to_owned());
            }
        }
    }
}

/// Reads one `activityDataset` or `childActivityDataset`.
fn read_data_set(file: &str, data_set: Node<'_>, known_flow: &dyn Fn(&str) -> bool, out: &mut DocumentRead) {
    let kind = data_set.name();
    let description = data_set.child("activityDescription");
    let activity = description.and_then(|d| d.child("activity"));
    let Some(activity_id) = activity.and_then(|a| a.attr("id")) else {
        let site = Site { file, entity: None };
        out.reject(site.diagnostic(
            Severity::Error,
            "ecospold2.missing-activity-id",
            format!("{kind} in {file} has no activityDescription/activity/@id: data set rejected"),
            activity.or(Some(data_set)),
            format!("{kind}/activityDescription/activity"),
        ));
        return;
    };
    let site = Site { file, entity: Some(activity_id) };
    let mut process = Process {
        name: activity.and_then(|a| localized(a, "activityName")).unwrap_or_default().to_owned(),
        ..Process::default()
    };
    process.metadata.insert(ACTIVITY_ID_KEY.to_owned(), activity_id.to_owned());
    process.metadata.insert("data_set_kind".to_owned(), kind.to_owned());
    if let Some(activity) = activity {
        activity_metadata(activity, &mut process.metadata);
        process.description = activity.child("generalComment").and_then(text_block);
        process.process_type = activity.attr("type").and_then(process_type_name).map(str::to_owned);
        if let Some(name) = activity.attr("specialActivityType").and_then(special_activity_type_name) {
            process.metadata.insert("special_activity_type_name".to_owned(), name.to_owned());
        }
    }
    if let Some(description) = description {
        read_description(description, &mut process);
    }
    read_modelling_and_administration(data_set, &mut process.metadata);
    if let Some(inline) = data_set.child("usedUserMasterData") {
        masterdata::read_inline(file, inline, &mut out.master, &mut out.diagnostics);
    }

    let flow_data = data_set.child("flowData");
    let element_prefix = format!("{kind}/flowData");
    if let Some(flow_data) = flow_data {
        for node in flow_data.children() {
            match node.name() {
                "intermediateExchange" | "elementaryExchange" => {
                    let exchange = read_exchange(node, &site, &element_prefix, known_flow, out);
                    process.exchanges.push(exchange);
                }
                "parameter" => {
                    if let Some(parameter) = read_parameter(node, &site, &element_prefix, &mut process.metadata, out) {
                        process.parameters.push(parameter);
                    }
                }
                "impactIndicator" => {
                    process.lcia_results.push(read_impact_indicator(node, &site, &element_prefix, out))
                }
                _ => {}
            }
        }
    }
    // openLCA writes `<flowData/>` for activities it could not export: nothing to load. A flowData holding only
    // parameters is kept (a process without exchanges, diagnosed below).
    if flow_data.is_none_or(|f| !f.has_children()) {
        out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.empty-flow-data",
            format!(
                "activity {activity_id} ({}) in {file} has an empty flowData: not loaded as a process",
                process.name
            ),
            flow_data.or(Some(data_set)),
            &element_prefix,
        ));
        return;
    }
    let references: Vec<&Exchange> = process.exchanges.iter().filter(|e| e.is_reference).collect();
    let reference_product = match references.as_slice() {
        [only] => Some(only.flow.id.clone()),
        [] => {
            out.diagnostics.push(site.diagnostic(
                Severity::Warning,
                "ecospold2.missing-reference-product",
                format!(
                    "activity {activity_id} ({}) has no reference product (no intermediateExchange with outputGroup 0); \
                     process id is the activity id",
                    process.name
                ),
                flow_data,
                &element_prefix,
            ));
            None
        }
        several => {
            out.diagnostics.push(site.diagnostic(
                Severity::Info,
                "ecospold2.multiple-reference-products",
                format!(
                    "activity {activity_id} ({}) has {} reference products (outputGroup 0); process id is the activity id",
                    process.name,
                    several.len()
                ),
                flow_data,
                &element_prefix,
            ));
            None
        }
    };
    process.id = match reference_product {
        Some(product) if !product.is_empty() => {
            process.metadata.insert(REFERENCE_PRODUCT_KEY.to_owned(), product.clone());
            EntityId::new(format!("{activity_id}_{product}"), None)
        }
        _ => EntityId::new(activity_id, None),
    };
    out.processes.push(process);
}

/// The input or output group of an exchange: the child element, else (non-standard) an attribute.
fn exchange_group(node: Node<'_>) -> Option<(Direction, &str, Node<'_>)> {
    for (name, direction) in [("inputGroup", Direction::Input), ("outputGroup", Direction::Output)] {
        if let Some(child) = node.child(name)
            && let Some(text) = child.text()
        {
            return Some((direction, text, child));
        }
    }
    for (name, direction) in [("inputGroup", Direction::Input), ("outputGroup", Direction::Output)] {
        if let Some(value) = node.attr(name) {
            return Some((direction, value, node));
        }
    }
    None
}

/// The element path of an exchange in diagnostics (`<prefix>/<name>[@id=<id>]`), written only when one is made.
struct ExchangeElement<'e> {
    prefix: &'e str,
    name: &'e str,
    id: &'e str,
}

impl fmt::Display for ExchangeElement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}[@id={}]", self.prefix, self.name, self.id)
    }
}

fn read_exchange(
    node: Node<'_>,
    site: &Site<'_>,
    prefix: &str,
    known_flow: &dyn Fn(&str) -> bool,
    out: &mut DocumentRead,
) -> Exchange {
    let is_elementary = node.name() == "elementaryExchange";
    let raw_internal_id = node.attr("id").unwrap_or_default();
    let internal_id = raw_internal_id.to_owned();
    let element = ExchangeElement { prefix, name: node.name(), id: raw_internal_id };
    let flow_attr = if is_elementary { "elementaryExchangeId" } else { "intermediateExchangeId" };
    let flow_id = node.attr(flow_attr).unwrap_or_default().to_owned();
    let name = localized(node, "name").map(str::to_owned);
    let mut exchange = Exchange {
        internal_id,
        flow: Reference { id: flow_id.clone(), version: None, description: name.clone() },
        ..Exchange::default()
    };
    if flow_id.is_empty() {
        out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.missing-flow-id",
            format!("{} {} has no @{flow_attr}", node.name(), exchange.internal_id),
            Some(node),
            &element,
        ));
    }
    match number_attr(node, "amount") {
        Ok(Some(amount)) => exchange.amount = Some(amount),
        Ok(None) => out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.missing-amount",
            format!("{} {} has no @amount", node.name(), exchange.internal_id),
            Some(node),
            &element,
        )),
        Err(raw) => out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.invalid-number",
            format!("{} {} has @amount={raw:?}, not a number", node.name(), exchange.internal_id),
            Some(node),
            &element,
        )),
    }
    exchange.unit = localized(node, "unitName").map(str::to_owned);
    exchange.formula = node.attr("mathematicalRelation").map(str::to_owned);
    let metadata = &mut exchange.metadata;
    // One pass over the attributes (names are unique in XML).
    for (attr, value) in node.attrs() {
        let key = match *attr {
            "unitId" => UNIT_ID_KEY,
            "variableName" => "variable_name",
            "isCalculatedAmount" => "is_calculated_amount",
            "casNumber" => "cas_number",
            "productionVolumeAmount" => "production_volume_amount",
            "productionVolumeVariableName" => "production_volume_variable_name",
            "productionVolumeMathematicalRelation" => "production_volume_mathematical_relation",
            "sourceId" => "source_id",
            "pageNumbers" => "page_numbers",
            "specificAllocationPropertyId" => "specific_allocation_property_id",
            "activityLinkId" => ACTIVITY_LINK_KEY,
            "subcompartmentId" => "subcompartment_id",
            _ => continue,
        };
        let value = crate::xml::trim(value);
        if !value.is_empty() {
            metadata.insert(key.to_owned(), value.to_owned());
        }
    }
    let comments = localized_all(node, "comment");
    if !comments.is_empty() {
        exchange.comment = Some(comments.join("\n"));
    }
    if let Some(text) = localized(node, "productionVolumeComment") {
        exchange.metadata.insert("production_volume_comment".to_owned(), text.to_owned());
    }
    for classification in node.children_named("classification").filter_map(read_classification) {
        let key = format!("classification.{}", classification.system.as_deref().unwrap_or("unnamed"));
        exchange.metadata.insert(key, classification.path.join("/"));
    }
    if let Some(uncertainty) = node.child("uncertainty") {
        exchange.uncertainty =
            read_uncertainty(uncertainty, site, &element, &mut exchange.metadata, &mut out.diagnostics);
    }
    for property in node.children_named("property") {
        exchange.properties.push(read_property(property, site, &element, &mut out.diagnostics));
    }
    if let Some(link) = node.attr("activityLinkId") {
        // The provider of product `flow_id` from activity `link` (linking changes it only when no such process
        // was read but one with the bare activity id was).
        exchange.provider = Some(Reference::to(format!("{link}_{flow_id}")));
    }

    let compartment: Vec<String> = node
        .child("compartment")
        .map(|c| {
            [localized(c, "compartment"), localized(c, "subcompartment")]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !compartment.is_empty() {
        exchange.metadata.insert("compartment".to_owned(), compartment.join("/"));
    }
    if let Some(id) = node.child("compartment").and_then(|c| c.attr("subcompartmentId")) {
        exchange.metadata.insert("subcompartment_id".to_owned(), id.to_owned());
    }

    let group = exchange_group(node);
    let expected: &[&str] = match (is_elementary, group.map(|(d, _, _)| d)) {
        (true, _) => &["4"],
        (false, Some(Direction::Input)) => &["1", "2", "3", "5"],
        (false, _) => &["0", "2", "3"],
    };
    match group {
        Some((direction, value, group_node)) => {
            exchange.direction = Some(direction);
            exchange.metadata.insert(
                if direction == Direction::Input { "input_group" } else { "output_group" }.to_owned(),
                value.to_owned(),
            );
            if !expected.contains(&value) {
                out.diagnostics.push(site.diagnostic(
                    Severity::Warning,
                    "ecospold2.unexpected-group",
                    format!(
                        "{} {} has {}Group {value}, expected one of {}",
                        node.name(),
                        exchange.internal_id,
                        direction.as_str(),
                        expected.join(", ")
                    ),
                    Some(group_node),
                    &element,
                ));
            }
        }
        None => out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.missing-group",
            format!("{} {} has neither inputGroup nor outputGroup", node.name(), exchange.internal_id),
            Some(node),
            &element,
        )),
    }
    let is_reference = !is_elementary && matches!(group, Some((Direction::Output, value, _)) if value == "0");
    exchange.is_reference = is_reference;
    exchange.kind = Some(if is_elementary {
        ExchangeKind::Biosphere
    } else if is_reference {
        ExchangeKind::Production
    } else {
        ExchangeKind::Technosphere
    });

    // A flow already read (from MasterData or an earlier document) keeps its first description: skip it.
    if !flow_id.is_empty() && !known_flow(&flow_id) && out.exchange_flow_ids.insert(flow_id.clone()) {
        out.exchange_flows.push(Flow {
            id: EntityId::new(flow_id, None),
            name: name.unwrap_or_default(),
            kind: Some(if is_elementary { FlowKind::Elementary } else { FlowKind::Product }),
            cas: node.attr("casNumber").and_then(normalize_cas),
            formula: node.attr("formula").map(str::to_owned),
            compartment,
            reference_unit: exchange.unit.clone(),
            metadata: node
                .attr("unitId")
                .map(|u| Metadata::from([(UNIT_ID_KEY.to_owned(), u.to_owned())]))
                .unwrap_or_default(),
            ..Flow::default()
        });
    }
    exchange
}

fn read_property(
    node: Node<'_>,
    site: &Site<'_>,
    element: &dyn fmt::Display,
    diagnostics: &mut Vec<Diagnostic>,
) -> PropertyValue {
    let id = node.attr("propertyId").unwrap_or_default();
    let amount = match number_attr(node, "amount") {
        Ok(amount) => amount,
        Err(raw) => {
            diagnostics.push(site.diagnostic(
                Severity::Warning,
                "ecospold2.invalid-number",
                format!("property {id} has @amount={raw:?}, not a number"),
                Some(node),
                element,
            ));
            None
        }
    };
    PropertyValue {
        property: Reference {
            id: id.to_owned(),
            version: None,
            description: localized(node, "name").map(str::to_owned),
        },
        amount,
        unit: localized(node, "unitName").map(str::to_owned),
        is_defining: node.attr("isDefiningValue") == Some("true"),
    }
}

fn read_parameter(
    node: Node<'_>,
    site: &Site<'_>,
    prefix: &str,
    process_metadata: &mut Metadata,
    out: &mut DocumentRead,
) -> Option<Parameter> {
    let id = node.attr("parameterId").unwrap_or_default();
    let element = format!("{prefix}/parameter[@parameterId={id}]");
    let display_name = localized(node, "name");
    let Some(name) = node.attr("variableName").or(display_name) else {
        out.diagnostics.push(site.diagnostic(
            Severity::Warning,
            "ecospold2.unnamed-parameter",
            format!("parameter {id} has neither @variableName nor name: skipped"),
            Some(node),
            &element,
        ));
        return None;
    };
    let value = match number_attr(node, "amount") {
        Ok(value) => value,
        Err(raw) => {
            out.diagnostics.push(site.diagnostic(
                Severity::Warning,
                "ecospold2.invalid-number",
                format!("parameter {name} has @amount={raw:?}, not a number"),
                Some(node),
                &element,
            ));
            None
        }
    };
    let mut extra = Metadata::new();
    let uncertainty =
        node.child("uncertainty").and_then(|u| read_uncertainty(u, site, &element, &mut extra, &mut out.diagnostics));
    for (key, value) in extra {
        process_metadata.insert(format!("parameter.{name}.{key}"), value);
    }
    if !id.is_empty() {
        process_metadata.insert(format!("parameter.{name}.id"), id.to_owned());
    }
    if let Some(display) = display_name {
        process_metadata.insert(format!("parameter.{name}.name"), display.to_owned());
    }
    if let Some(unit) = localized(node, "unitName") {
        process_metadata.insert(format!("parameter.{name}.unit"), unit.to_owned());
    }
    Some(Parameter {
        name: name.to_owned(),
        formula: node.attr("mathematicalRelation").map(str::to_owned),
        value,
        comment: localized_all(node, "comment").into_iter().next().map(str::to_owned),
        uncertainty,
    })
}

fn read_impact_indicator(node: Node<'_>, site: &Site<'_>, prefix: &str, out: &mut DocumentRead) -> LciaResult {
    let id = node.attr("impactIndicatorId").unwrap_or_default();
    let element = format!("{prefix}/impactIndicator[@impactIndicatorId={id}]");
    let description =
        [localized(node, "impactMethodName"), localized(node, "impactCategoryName"), localized(node, "name")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" | ");
    let amount = match number_attr(node, "amount") {
        Ok(amount) => amount,
        Err(raw) => {
            out.diagnostics.push(site.diagnostic(
                Severity::Warning,
                "ecospold2.invalid-number",
                format!("impact indicator {id} has @amount={raw:?}, not a number"),
                Some(node),
                &element,
            ));
            None
        }
    };
    LciaResult {
        method: Reference {
            id: id.to_owned(),
            version: None,
            description: (!description.is_empty()).then_some(description),
        },
        amount,
        ..LciaResult::default()
    }
}
