//! One Ecobalyse process object → a canonical `Process` (reference exchange, indicator results, metadata) and
//! its synthesized product `Flow`; plus the read-level summaries (withheld indicators, unknown codes, scores that
//! do not match their recomputation).

use crate::impacts::compute_single_score;
use ecoref_model::{
    Dataset, Diagnostic, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, LciaResult, Metadata,
    NormalizationWeightingSet, Process, PropertyValue, Reference,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `internal_id` of the one reference exchange of every Ecobalyse process.
pub const PRODUCT_EXCHANGE_ID: &str = "product";

/// Id of the product flow synthesized for a process: `<process id>/product`.
pub fn product_flow_id(process_id: &str) -> String {
    format!("{process_id}/product")
}

/// What a read of one array element gives.
#[derive(Debug)]
pub(crate) enum Read {
    Process { process: Box<Process>, flow: Box<Flow>, diagnostics: Vec<Diagnostic> },
    Rejected(Diagnostic),
}

/// Counts gathered while reading, summarized once at the end.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Processes whose only non-zero indicator is `ecs` (Ecobalyse withholds the detailed indicators).
    n_withheld: u64,
    first_withheld: Option<String>,
    file: Option<String>,
}

/// Fields read into typed model fields (everything else goes to metadata).
const TYPED: &[&str] = &["id", "displayName", "location", "unit", "impacts", "comment"];

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join("; ")),
        Value::Null | Value::Object(_) => None,
    }
}

pub(crate) fn read_process(value: &Value, file: &str, idx: u64, tally: &mut Tally) -> Read {
    let element = format!("[{idx}]");
    let Some(obj) = value.as_object() else {
        return Read::Rejected(
            Diagnostic::error("ecobalyse.not-an-object", format!("process {element} is not a JSON object"))
                .in_file(file)
                .at_element(element),
        );
    };
    let Some(id) = obj.get("id").and_then(Value::as_str).filter(|s| !s.trim().is_empty()) else {
        return Read::Rejected(
            Diagnostic::error("ecobalyse.missing-id", format!("process {element} has no id and is rejected"))
                .in_file(file)
                .at_element(element),
        );
    };
    let str_field = |key: &str| obj.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut diagnostics = Vec::new();
    let name = str_field("displayName").or_else(|| str_field("name")).or_else(|| str_field("activityName"));
    let name = name.unwrap_or_else(|| {
        diagnostics.push(
            Diagnostic::warning(
                "ecobalyse.missing-name",
                format!("process {id} has no displayName, name or activityName"),
            )
            .in_file(file)
            .at_element(element.clone())
            .for_entity(id),
        );
        id.to_owned()
    });
    let unit = str_field("unit");
    if unit.is_none() {
        diagnostics.push(
            Diagnostic::warning(
                "ecobalyse.missing-unit",
                format!("process {id} has no unit; its reference exchange has none"),
            )
            .in_file(file)
            .at_element(format!("{element}.unit"))
            .for_entity(id),
        );
    }
    let mut metadata = Metadata::new();
    for (key, v) in obj {
        if TYPED.contains(&key.as_str()) {
            continue;
        }
        if let Some(t) = text(v) {
            metadata.insert(key.clone(), t);
        }
    }

    let mut lcia_results = Vec::new();
    let mut invalid = Vec::new();
    match obj.get("impacts") {
        Some(Value::Object(impacts)) => {
            for (code, v) in impacts {
                match v.as_f64() {
                    Some(amount) => lcia_results.push(LciaResult {
                        method: Reference::to(code.clone()),
                        amount: Some(amount),
                        ..LciaResult::default()
                    }),
                    None if v.is_null() => {}
                    None => invalid.push(code.clone()),
                }
            }
        }
        None | Some(Value::Null) => diagnostics.push(
            Diagnostic::warning("ecobalyse.missing-impacts", format!("process {id} has no impacts"))
                .in_file(file)
                .at_element(format!("{element}.impacts"))
                .for_entity(id),
        ),
        Some(_) => invalid.push("impacts".to_owned()),
    }
    if !invalid.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                "ecobalyse.invalid-indicator",
                format!("process {id}: indicator values that are not numbers are skipped: {}", invalid.join(", ")),
            )
            .in_file(file)
            .at_element(format!("{element}.impacts"))
            .for_entity(id),
        );
    }
    let amount_of = |code: &str| lcia_results.iter().find(|r| r.method.id == code).and_then(|r| r.amount);
    let ecs = amount_of("ecs").unwrap_or(0.0);
    let details_zero = lcia_results.iter().filter(|r| r.method.id != "ecs").all(|r| r.amount == Some(0.0));
    if ecs != 0.0 && details_zero {
        tally.n_withheld += 1;
        tally.first_withheld.get_or_insert_with(|| id.to_owned());
    }
    tally.file.get_or_insert_with(|| file.to_owned());

    let flow_id = product_flow_id(id);
    let mass_per_unit = obj.get("massPerUnit").and_then(Value::as_f64);
    let properties = mass_per_unit
        .map(|amount| PropertyValue {
            property: Reference {
                id: "massPerUnit".to_owned(),
                version: None,
                description: Some("mass per unit".to_owned()),
            },
            amount: Some(amount),
            unit: Some("kg".to_owned()),
            is_defining: false,
        })
        .into_iter()
        .collect();
    let exchange = Exchange {
        internal_id: PRODUCT_EXCHANGE_ID.to_owned(),
        flow: Reference { id: flow_id.clone(), version: None, description: Some(name.clone()) },
        direction: Some(Direction::Output),
        kind: Some(ExchangeKind::Production),
        is_reference: true,
        amount: Some(1.0),
        unit: unit.clone(),
        properties,
        ..Exchange::default()
    };
    let location = str_field("location");
    let mut flow_metadata = Metadata::new();
    flow_metadata.insert("synthesized".to_owned(), "one product flow per Ecobalyse process".to_owned());
    flow_metadata.insert("process".to_owned(), id.to_owned());
    let flow = Flow {
        id: EntityId::new(flow_id, None),
        name: name.clone(),
        kind: Some(FlowKind::Product),
        location: location.clone(),
        reference_unit: unit,
        metadata: flow_metadata,
        ..Flow::default()
    };
    let process = Process {
        id: EntityId::new(id, None),
        name,
        location,
        description: str_field("comment"),
        exchanges: vec![exchange],
        lcia_results,
        metadata,
        ..Process::default()
    };
    Read::Process { process: Box::new(process), flow: Box::new(flow), diagnostics }
}

/// Whether `recomputed` agrees with `stored` (a value Ecobalyse rounded to `digits` significant digits) to within
/// one unit of its last digit: the indicators it is computed from are rounded too.
pub fn same_to_significant_digits(stored: f64, recomputed: f64, digits: i32) -> bool {
    if stored == 0.0 {
        return recomputed.abs() < 1e-9;
    }
    let unit = 10f64.powi(stored.abs().log10().floor() as i32 - digits + 1);
    (stored - recomputed).abs() <= unit * (1.0 + 1e-9)
}

/// Read-level diagnostics: withheld indicators, indicator codes `impacts.json` does not define, and stored `ecs`
/// scores that do not match their recomputation (processes with detailed indicators only).
pub(crate) fn summarize(
    dataset: &Dataset,
    tally: &Tally,
    defined: Option<&[String]>,
    ecs_set: Option<NormalizationWeightingSet>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let file = tally.file.clone().unwrap_or_default();
    if let Some(first) = &tally.first_withheld {
        diagnostics.push(
            Diagnostic::info(
                "ecobalyse.withheld-indicators",
                format!(
                    "{} of {} processes publish only the ecs score (their other indicators are 0: Ecobalyse \
                     withholds detailed indicators; first {first})",
                    tally.n_withheld,
                    dataset.processes.len()
                ),
            )
            .in_file(file.clone()),
        );
    }
    if let Some(defined) = defined {
        let unknown: BTreeSet<&str> = dataset
            .processes
            .iter()
            .flat_map(|p| p.lcia_results.iter().map(|r| r.method.id.as_str()))
            .filter(|code| !defined.iter().any(|d| d == code))
            .collect();
        if !unknown.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    "ecobalyse.unknown-indicator",
                    format!(
                        "indicators not defined by the impacts file: {}",
                        unknown.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                )
                .in_file(file.clone()),
            );
        }
    }
    let Some(set) = ecs_set else { return diagnostics };
    for process in &dataset.processes {
        let impacts: BTreeMap<String, f64> =
            process.lcia_results.iter().filter_map(|r| Some((r.method.id.clone(), r.amount?))).collect();
        let Some(stored) = impacts.get("ecs").copied() else { continue };
        if impacts.iter().all(|(code, v)| code == "ecs" || *v == 0.0) {
            continue;
        }
        let recomputed = compute_single_score(&impacts, &set);
        if !same_to_significant_digits(stored, recomputed, 5) {
            diagnostics.push(
                Diagnostic::warning(
                    "ecobalyse.score-mismatch",
                    format!(
                        "process {}: stored ecs {stored} differs from {recomputed} recomputed from its indicators",
                        process.id.id
                    ),
                )
                .in_file(file.clone())
                .for_entity(process.id.id.clone()),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digit_agreement_allows_one_unit_of_the_last_digit() {
        assert!(same_to_significant_digits(1042.6, 1042.583, 5));
        assert!(same_to_significant_digits(14.669, 14.668486, 5));
        assert!(!same_to_significant_digits(14.669, 14.667, 5));
        assert!(same_to_significant_digits(0.0, 0.0, 5));
    }

    #[test]
    fn process_without_id_is_rejected() {
        let value: Value = serde_json::from_str(r#"{"displayName": "x"}"#).expect("json");
        assert!(matches!(read_process(&value, "f.json", 0, &mut Tally::default()), Read::Rejected(_)));
    }
}
