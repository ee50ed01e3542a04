//! Test data: the real ILCD fixture, a hand-built dataset with awkward values, and small helpers.

use ecoref_model::{
    AllocationFactor, CharacterizationFactor, Classification, Dataset, Diagnostic, Direction, EntityId, Exchange,
    ExchangeKind, Flow, FlowKind, FlowProperty, FlowPropertyFactor, LciaMethod, LciaResult, ModuleAmount,
    NormalizationWeighting, NormalizationWeightingSet, Parameter, Process, PropertyValue, Reference, Source,
    Uncertainty, Unit, UnitGroup,
};
use ecoref_store::{InputFile, NewRun, Store};
use std::collections::BTreeMap;
use std::path::Path;

/// The tiangong subset: 9 processes, their flows, flow properties, unit groups, LCIA methods, sources, contacts.
pub(crate) fn read_fixture() -> (Dataset, Vec<Diagnostic>, u64) {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/ilcd/tiangong_subset/tiangong_subset_ILCD.zip"
    ));
    let output = ecoref_extract_ilcd::read_path(path, &Default::default()).expect("fixture reads");
    assert!(output.dataset.counts().exchanges > 100, "fixture has exchanges");
    (output.dataset, output.diagnostics, output.n_rejected)
}

/// A small dataset with the values that break naive loaders: -0.0, subnormals, 1e300, control characters and
/// backslashes in text, non-ASCII, duplicate ids, unresolved flows, EPD modules, empty and missing fields.
pub(crate) fn awkward_dataset(tag: &str) -> Dataset {
    let kg = Reference { id: "ug-mass".into(), version: Some("01.00.000".into()), description: Some("Mass".into()) };
    let uncertainty = Uncertainty {
        distribution: "log-normal".into(),
        relative_sd95_percent: Some(-0.0),
        minimum: Some(5e-324),
        maximum: Some(1.7976931348623157e308),
        parameters: BTreeMap::from([("mu".to_owned(), 0.1), ("sigma²".to_owned(), 1e-300)]),
    };
    let exchange = |internal_id: &str, flow: &str, amount: Option<f64>| Exchange {
        internal_id: internal_id.into(),
        flow: Reference { id: flow.into(), version: Some("01.00.000".into()), description: Some("a\tb\nc".into()) },
        direction: Some(Direction::Input),
        kind: Some(ExchangeKind::Technosphere),
        is_reference: false,
        amount,
        mean_amount: amount.map(|a| a * 3.0),
        unit: None,
        formula: Some("x\\y\r\n".into()),
        uncertainty: Some(uncertainty.clone()),
        provider: None,
        location: Some("CN-SH".into()),
        data_derivation: None,
        comment: Some("naïve ☃ \\N".into()),
        modules: vec![],
        properties: vec![PropertyValue {
            property: Reference { id: "prop-dry-mass".into(), version: None, description: Some("dry mass".into()) },
            amount: Some(0.9),
            unit: Some("kg".into()),
            is_defining: true,
        }],
        metadata: BTreeMap::from([("activityLinkId".to_owned(), "x\ty".to_owned())]),
    };
    let mut reference = exchange("0", "flow-product", Some(1.0));
    reference.is_reference = true;
    reference.kind = Some(ExchangeKind::Production);
    reference.direction = Some(Direction::Output);
    reference.unit = Some("kg".into());
    reference.provider = Some(Reference::to(format!("process-{tag}")));
    let mut unresolved = exchange("3", "flow-missing", None);
    unresolved.kind = Some(ExchangeKind::Unresolved);
    unresolved.direction = None;
    unresolved.uncertainty = None;
    let process = |id: &str, version: Option<&str>| Process {
        id: EntityId::new(id, version.map(String::from)),
        name: format!("{tag} process\twith tab"),
        location: Some("GLO".into()),
        process_type: Some("Unit process, single operation".into()),
        reference_year: Some("2020".into()),
        classifications: vec![Classification { system: Some("ILCD".into()), path: vec!["A".into(), "B".into()] }],
        description: Some("multi\nline\r\ndescription \\ with backslash".into()),
        parameters: vec![Parameter {
            name: "x".into(),
            formula: Some("2*y".into()),
            value: Some(-0.0),
            comment: None,
            uncertainty: None,
        }],
        exchanges: vec![
            reference.clone(),
            exchange("1", "flow-elementary", Some(-0.0)),
            exchange("2", "flow-elementary", Some(5e-324)),
            unresolved.clone(),
            exchange("4", "flow-product", Some(0.1 + 0.2)),
        ],
        lcia_results: vec![LciaResult {
            method: Reference::to("method-gwp"),
            amount: Some(12.345678901234567),
            unit_group: Some(kg.clone()),
            modules: vec![
                ModuleAmount { module: "A1-A3".into(), scenario: None, amount: Some(-0.0) },
                ModuleAmount { module: "D".into(), scenario: Some("recycling".into()), amount: None },
            ],
            uncertainty: None,
        }],
        allocation: vec![AllocationFactor { product: "0".into(), method: Some("economic".into()), fraction: 0.6 }],
        metadata: BTreeMap::from([("tag".to_owned(), tag.to_owned()), ("empty".to_owned(), String::new())]),
    };
    Dataset {
        processes: vec![
            process(&format!("process-{tag}"), Some("01.00.000")),
            // The same id twice (two versions): both are kept, in source order.
            process(&format!("process-{tag}"), Some("02.00.000")),
            process("0000aaaa-shared-process", None),
        ],
        flows: vec![
            Flow {
                id: EntityId::new("flow-product", Some("01.00.000".into())),
                name: "product".into(),
                kind: Some(FlowKind::Product),
                flow_properties: vec![FlowPropertyFactor {
                    internal_id: "0".into(),
                    flow_property: Reference::to("fp-mass"),
                    mean_value: Some(1.0),
                    is_reference: true,
                }],
                reference_unit: Some("kg".into()),
                ..Flow::default()
            },
            Flow {
                id: EntityId::new("flow-elementary", None),
                name: "carbon dioxide, fossil".into(),
                kind: Some(FlowKind::Elementary),
                cas: Some("124-38-9".into()),
                synonyms: vec!["CO2".into()],
                compartment: vec!["Emissions".into(), "Emissions to air".into()],
                flow_properties: vec![FlowPropertyFactor {
                    internal_id: "0".into(),
                    flow_property: Reference::to("fp-mass"),
                    mean_value: Some(-0.0),
                    is_reference: true,
                }],
                reference_unit: Some("kg".into()),
                ..Flow::default()
            },
        ],
        flow_properties: vec![FlowProperty {
            id: EntityId::new("fp-mass", None),
            name: "Mass".into(),
            unit_group: Some(kg),
            reference_unit: Some("kg".into()),
            ..FlowProperty::default()
        }],
        unit_groups: vec![UnitGroup {
            id: EntityId::new("ug-mass", Some("01.00.000".into())),
            name: "Units of mass".into(),
            units: vec![
                Unit {
                    internal_id: "0".into(),
                    name: "kg".into(),
                    factor: Some(1.0),
                    is_reference: true,
                    comment: None,
                },
                Unit {
                    internal_id: "1".into(),
                    name: "t".into(),
                    factor: Some(1000.0),
                    is_reference: false,
                    comment: Some("tonne".into()),
                },
                Unit { internal_id: "2".into(), name: "?".into(), factor: None, is_reference: false, comment: None },
            ],
            ..UnitGroup::default()
        }],
        lcia_methods: vec![LciaMethod {
            id: EntityId::new("method-gwp", None),
            name: "Climate change".into(),
            methodologies: vec!["EF 3.1".into()],
            unit: Some("kg CO2-eq".into()),
            factors: vec![
                CharacterizationFactor {
                    flow: Reference::to("flow-elementary"),
                    direction: Some(Direction::Output),
                    value: 1.0,
                    location: None,
                    data_derivation: None,
                },
                CharacterizationFactor {
                    flow: Reference::to("flow-methane"),
                    direction: None,
                    value: -0.0,
                    location: Some("FR".into()),
                    data_derivation: Some("estimated".into()),
                },
            ],
            ..LciaMethod::default()
        }],
        sources: vec![Source { id: EntityId::new("source-1", None), name: "Handbook".into(), ..Source::default() }],
        contacts: vec![],
        normalization_weighting_sets: vec![NormalizationWeightingSet {
            name: format!("{tag} single score"),
            method: Some("EF 3.1".into()),
            entries: vec![
                NormalizationWeighting {
                    category: "climate change".into(),
                    normalization: Some(7550.0),
                    normalization_is_factor: false,
                    weighting: Some(0.2106),
                },
                NormalizationWeighting {
                    category: "land use".into(),
                    normalization: None,
                    normalization_is_factor: true,
                    weighting: Some(-0.0),
                },
            ],
            metadata: BTreeMap::new(),
        }],
    }
}

pub(crate) fn new_run(source_name: &str, sha256: &str) -> NewRun {
    NewRun {
        source_name: source_name.into(),
        pipeline: Some("pipelines/test.toml".into()),
        reader_name: "ecoref-extract-ilcd".into(),
        reader_version: "0.1.0".into(),
        options: "on_invalid=fail".into(),
        inputs: vec![InputFile {
            name: format!("{source_name}.zip"),
            sha256: sha256.into(),
            size_bytes: 639_359,
            url: None,
            licence_class: None,
        }],
    }
}

/// Runs raw SQL with the store's own pool, as an operator with a SQL shell would.
pub(crate) async fn execute_raw(store: &Store, sql: &'static str) -> Result<u64, String> {
    let result = match store {
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
    };
    result.map_err(|e| e.to_string())
}

/// Every f64 of a dataset, in a fixed order, as bits.
pub(crate) fn amount_bits(dataset: &Dataset) -> Vec<u64> {
    let mut bits = Vec::new();
    for p in &dataset.processes {
        for e in &p.exchanges {
            bits.extend(e.amount.map(f64::to_bits));
            bits.extend(e.mean_amount.map(f64::to_bits));
        }
        for r in &p.lcia_results {
            bits.extend(r.amount.map(f64::to_bits));
            bits.extend(r.modules.iter().filter_map(|m| m.amount.map(f64::to_bits)));
        }
    }
    for m in &dataset.lcia_methods {
        bits.extend(m.factors.iter().map(|f| f.value.to_bits()));
    }
    for g in &dataset.unit_groups {
        bits.extend(g.units.iter().filter_map(|u| u.factor.map(f64::to_bits)));
    }
    for f in &dataset.flows {
        bits.extend(f.flow_properties.iter().filter_map(|p| p.mean_value.map(f64::to_bits)));
    }
    bits
}
