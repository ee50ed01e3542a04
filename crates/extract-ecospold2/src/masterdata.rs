//! ecoinvent MasterData files (`MasterData/ElementaryExchanges.xml`, …) and openLCA's inline `usedUserMasterData`:
//! flows with names, units, compartments, CAS numbers and synonyms; units, geographies, properties, persons,
//! sources and the activity index.

use crate::values::{Site, localized, localized_all, normalize_cas, parse_number, text_block};
use crate::xml::Node;
use ecoref_model::{Classification, Contact, Diagnostic, EntityId, Flow, FlowKind, Metadata, Severity, Source};

/// What MasterData documents contribute to a read.
#[derive(Debug, Default)]
pub(crate) struct MasterData {
    pub(crate) flows: Vec<Flow>,
    /// Unit id → unit name.
    pub(crate) units: Vec<(String, String)>,
    /// Geography id → short name.
    pub(crate) geographies: Vec<(String, String)>,
    /// Property id → (name, unit name).
    pub(crate) properties: Vec<(String, String, Option<String>)>,
    pub(crate) contacts: Vec<Contact>,
    pub(crate) sources: Vec<Source>,
    /// Activity ids listed by `MasterData/ActivityIndex.xml`.
    pub(crate) activity_index: Vec<String>,
    /// A MasterData ElementaryExchanges file was read (so elementary flows missing from it are suspicious).
    pub(crate) has_elementary_file: bool,
    pub(crate) has_intermediate_file: bool,
    pub(crate) has_units_file: bool,
    pub(crate) has_activity_index: bool,
}

/// Roots of the MasterData files this reader loads.
pub(crate) fn is_loaded_root(name: &str) -> bool {
    matches!(
        name,
        "validElementaryExchanges"
            | "validIntermediateExchanges"
            | "validUnits"
            | "validGeographies"
            | "validPersons"
            | "validSources"
            | "validProperties"
            | "activityIndex"
    )
}

/// Reads a MasterData file.
pub(crate) fn read_file(file: &str, root: Node<'_>, master: &mut MasterData, diagnostics: &mut Vec<Diagnostic>) {
    match root.name() {
        "validElementaryExchanges" => master.has_elementary_file = true,
        "validIntermediateExchanges" => master.has_intermediate_file = true,
        "validUnits" => master.has_units_file = true,
        "activityIndex" => master.has_activity_index = true,
        _ => {}
    }
    read_entries(file, root, master, diagnostics);
}

/// Reads openLCA's inline `usedUserMasterData` (plural element names) or ecoinvent's (singular ones).
pub(crate) fn read_inline(file: &str, node: Node<'_>, master: &mut MasterData, diagnostics: &mut Vec<Diagnostic>) {
    read_entries(file, node, master, diagnostics);
}

fn read_entries(file: &str, root: Node<'_>, master: &mut MasterData, diagnostics: &mut Vec<Diagnostic>) {
    for node in root.children() {
        let Some(id) = node.attr("id") else {
            if is_entry(node.name()) {
                let site = Site { file, entity: None };
                diagnostics.push(site.diagnostic(
                    Severity::Error,
                    "ecospold2.missing-masterdata-id",
                    format!("MasterData entry <{}> in {file} has no @id: entry rejected", node.name()),
                    Some(node),
                    format!("{}/{}", root.name(), node.name()),
                ));
            }
            continue;
        };
        match node.name() {
            "elementaryExchange" | "elementaryExchanges" => master.flows.push(read_flow(node, id, true)),
            "intermediateExchange" | "intermediateExchanges" => master.flows.push(read_flow(node, id, false)),
            "unit" | "units" => {
                if let Some(name) = localized(node, "name") {
                    master.units.push((id.to_owned(), name.to_owned()));
                }
            }
            "geography" | "geographies" => {
                if let Some(short) = localized(node, "shortname") {
                    master.geographies.push((id.to_owned(), short.to_owned()));
                }
            }
            "property" | "properties" => {
                if let Some(name) = localized(node, "name") {
                    let unit = localized(node, "unitName").map(str::to_owned);
                    master.properties.push((id.to_owned(), name.to_owned(), unit));
                }
            }
            "person" | "persons" => master.contacts.push(read_person(node, id)),
            "source" | "sources" => master.sources.push(read_source(node, id)),
            "activityIndexEntry" => master.activity_index.push(id.to_owned()),
            _ => {}
        }
    }
}

fn is_entry(name: &str) -> bool {
    matches!(
        name,
        "elementaryExchange"
            | "elementaryExchanges"
            | "intermediateExchange"
            | "intermediateExchanges"
            | "unit"
            | "units"
            | "geography"
            | "geographies"
            | "property"
            | "properties"
            | "person"
            | "persons"
            | "source"
            | "sources"
            | "activityIndexEntry"
    )
}

fn read_flow(node: Node<'_>, id: &str, is_elementary: bool) -> Flow {
    let mut metadata = Metadata::new();
    if let Some(unit_id) = node.attr("unitId") {
        metadata.insert(crate::datasets::UNIT_ID_KEY.to_owned(), unit_id.to_owned());
    }
    let compartment_node = node.child("compartment");
    let compartment: Vec<String> = compartment_node
        .map(|c| {
            [localized(c, "compartment"), localized(c, "subcompartment")]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(sub) = compartment_node.and_then(|c| c.attr("subcompartmentId")) {
        metadata.insert("subcompartment_id".to_owned(), sub.to_owned());
    }
    if let Some(comment) = localized_all(node, "comment").first() {
        metadata.insert("comment".to_owned(), (*comment).to_owned());
    }
    if let Some(info) = node.child("productInformation").and_then(text_block) {
        metadata.insert("product_information".to_owned(), info);
    }
    for property in node.children_named("property") {
        if let (Some(pid), Some(amount)) = (property.attr("propertyId"), property.attr("amount")) {
            let amount = parse_number(amount).map_or_else(|| amount.to_owned(), |v| v.to_string());
            metadata.insert(format!("property.{pid}"), amount);
        }
    }
    let classifications = node
        .children_named("classification")
        .filter_map(|c| {
            let value = localized(c, "classificationValue")?;
            Some(Classification {
                system: localized(c, "classificationSystem").map(str::to_owned),
                path: vec![value.to_owned()],
            })
        })
        .collect();
    Flow {
        id: EntityId::new(id, None),
        name: localized(node, "name").unwrap_or_default().to_owned(),
        kind: Some(if is_elementary { FlowKind::Elementary } else { FlowKind::Product }),
        cas: node.attr("casNumber").and_then(normalize_cas),
        formula: node.attr("formula").map(str::to_owned),
        synonyms: localized_all(node, "synonym").into_iter().map(str::to_owned).collect(),
        compartment,
        classifications,
        reference_unit: localized(node, "unitName").map(str::to_owned),
        metadata,
        ..Flow::default()
    }
}

fn read_person(node: Node<'_>, id: &str) -> Contact {
    let mut metadata = Metadata::new();
    for (attr, key) in [("address", "address"), ("telephone", "telephone"), ("companyId", "company_id")] {
        if let Some(value) = node.attr(attr) {
            metadata.insert(key.to_owned(), value.to_owned());
        }
    }
    if let Some(company) = localized(node, "companyName") {
        metadata.insert("company".to_owned(), company.to_owned());
    }
    Contact {
        id: EntityId::new(id, None),
        name: node.attr("name").unwrap_or_default().to_owned(),
        email: node.attr("email").map(str::to_owned),
        metadata,
        ..Contact::default()
    }
}

fn read_source(node: Node<'_>, id: &str) -> Source {
    let mut metadata = Metadata::new();
    for (attr, key) in [
        ("firstAuthor", "first_author"),
        ("additionalAuthors", "additional_authors"),
        ("year", "year"),
        ("journal", "journal"),
        ("volumeNo", "volume"),
        ("pageNumbers", "pages"),
        ("publisher", "publisher"),
        ("placeOfPublications", "place"),
    ] {
        if let Some(value) = node.attr(attr) {
            metadata.insert(key.to_owned(), value.to_owned());
        }
    }
    let title = node.attr("title").unwrap_or_default();
    let citation = [node.attr("firstAuthor"), node.attr("year").map(|y| y.trim()), node.attr("title")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    Source {
        id: EntityId::new(id, None),
        name: title.to_owned(),
        citation: (!citation.is_empty()).then_some(citation),
        publication_type: node.attr("sourceType").map(str::to_owned),
        metadata,
    }
}
