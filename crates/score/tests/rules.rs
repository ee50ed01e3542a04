//! The system-building rules on a hand-made release whose impacts can be computed by hand: a link in grams to a
//! provider in kilograms, a waste treatment (reference flow an input), a process with aggregated LCIA results
//! only, a factor per direction, a restricted source, id migrations; then product bills on the written snapshot.

use ecoref_model::{
    CharacterizationFactor, Counts, Dataset, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, LciaMethod,
    LciaResult, NormalizationWeighting, NormalizationWeightingSet, Process, Reference,
};
use ecoref_score::{LoadedRelease, Product, ProductError, add_process_impacts};
use ecoref_snapshot::{
    Manifest, ReleaseInfo, SnapshotData, SnapshotDataset, SnapshotTables, SourceInfo, WriterInfo, write_snapshot,
};
use ecoref_store::{IdMigration, MethodContent};
use ecoref_transform::{ExchangeLink, LinkRule};
use std::collections::BTreeMap;

fn exchange(id: &str, flow: &str, direction: Direction, kind: ExchangeKind, amount: f64, unit: &str) -> Exchange {
    Exchange {
        internal_id: id.to_owned(),
        flow: Reference::to(flow),
        direction: Some(direction),
        kind: Some(kind),
        is_reference: kind == ExchangeKind::Production,
        amount: Some(amount),
        unit: Some(unit.to_owned()),
        ..Exchange::default()
    }
}

fn process(id: &str, name: &str, exchanges: Vec<Exchange>) -> Process {
    Process { id: EntityId::new(id, None), name: name.to_owned(), exchanges, ..Process::default() }
}

fn link(process: &str, exchange: &str, flow: &str, provider: &str, provider_dataset: Option<&str>) -> ExchangeLink {
    ExchangeLink {
        process: EntityId::new(process, None),
        exchange: exchange.to_owned(),
        flow: flow.to_owned(),
        provider: EntityId::new(provider, None),
        provider_dataset: provider_dataset.map(str::to_owned),
        rule: LinkRule::ProviderId,
    }
}

fn source(dataset: &str, licence_class: &str) -> SourceInfo {
    SourceInfo {
        dataset: dataset.to_owned(),
        source_name: dataset.split('@').next().unwrap_or_default().to_owned(),
        version_number: 1,
        content_hash: "0".repeat(64),
        counts: Counts::default(),
        licence_class: licence_class.to_owned(),
        import_run: None,
    }
}

use Direction::{Input, Output};
use ExchangeKind::{Biosphere, Production, Technosphere};

/// `steel` (restricted source): 1 kg, emits 2 kg CO2 and takes 1 kg CO2 from air (factor -1 on input).
/// `part` (open): 1 kg, uses 500 g steel, sends 0.25 kg scrap to `landfill`, emits 1 kg CO2.
/// `landfill`: treats 1 kg scrap (reference flow an input), emits 0.4 kg CO2.
/// `paint`: aggregated result only, 3 kg CO2 eq per litre.
fn data() -> SnapshotTables {
    let metals = Dataset {
        processes: vec![process(
            "steel",
            "steel production",
            vec![
                exchange("0", "steel", Output, Production, 1.0, "kg"),
                exchange("1", "co2", Output, Biosphere, 2.0, "kg"),
                exchange("2", "co2", Input, Biosphere, 1.0, "kg"),
            ],
        )],
        flows: vec![Flow {
            id: EntityId::new("co2", None),
            name: "carbon dioxide".to_owned(),
            kind: Some(FlowKind::Elementary),
            reference_unit: Some("kg".to_owned()),
            ..Flow::default()
        }],
        ..Dataset::default()
    };
    let mut paint = process("paint", "paint", vec![exchange("0", "paint", Output, Production, 1.0, "L")]);
    paint.lcia_results = vec![LciaResult { method: Reference::to("gwp"), amount: Some(3.0), ..LciaResult::default() }];
    let parts = Dataset {
        processes: vec![
            process(
                "part",
                "machined part",
                vec![
                    exchange("0", "part", Output, Production, 1.0, "kg"),
                    exchange("1", "steel", Input, Technosphere, 500.0, "g"),
                    exchange("2", "scrap", Output, Technosphere, 0.25, "kg"),
                    exchange("3", "co2", Output, Biosphere, 1.0, "kg"),
                ],
            ),
            process(
                "landfill",
                "landfill of scrap",
                vec![
                    exchange("0", "scrap", Input, Production, 1.0, "kg"),
                    exchange("1", "co2", Output, Biosphere, 0.4, "kg"),
                ],
            ),
            paint,
        ],
        ..Dataset::default()
    };
    let method = MethodContent {
        indicators: vec![LciaMethod {
            id: EntityId::new("gwp", None),
            name: "Climate change".to_owned(),
            unit: Some("kg CO2 eq".to_owned()),
            factors: vec![
                CharacterizationFactor {
                    flow: Reference::to("co2"),
                    direction: Some(Output),
                    value: 1.0,
                    ..Default::default()
                },
                CharacterizationFactor {
                    flow: Reference::to("co2"),
                    direction: Some(Input),
                    value: -1.0,
                    ..Default::default()
                },
            ],
            ..LciaMethod::default()
        }],
        nw_sets: vec![NormalizationWeightingSet {
            name: "pef".to_owned(),
            method: Some("EF 3.1".to_owned()),
            entries: vec![NormalizationWeighting {
                category: "Climate change".to_owned(),
                normalization: Some(8.0),
                normalization_is_factor: false,
                weighting: Some(0.5),
            }],
            metadata: BTreeMap::from([("score_scale".to_owned(), "1000".to_owned())]),
        }],
    };
    SnapshotData {
        manifest_base: Manifest {
            format: "ecoref-snapshot".to_owned(),
            format_version: ecoref_snapshot::FORMAT_VERSION,
            ecoref_version: ecoref_snapshot::ECOREF_VERSION.to_owned(),
            release: ReleaseInfo {
                name: "rules".to_owned(),
                notes: None,
                created_by: "t".to_owned(),
                published_by: Some("t".to_owned()),
                published_at: Some("2026-01-01T00:00:00.000Z".to_owned()),
            },
            sources: vec![source("metals@1", "restricted"), source("parts@1", "open")],
            method: None,
            validation: None,
            writer: WriterInfo {
                created_by: "x".to_owned(),
                compression: "snappy".to_owned(),
                max_row_group_rows: 65_536,
            },
            tables_not_written: Vec::new(),
            files: Vec::new(),
        },
        datasets: vec![SnapshotDataset::new("metals@1", metals), SnapshotDataset::new("parts@1", parts)],
        method: Some(method),
        id_migrations: vec![IdMigration {
            old_id: "old-part".to_owned(),
            new_id: "part".to_owned(),
            reason: "renamed".to_owned(),
            created_by: String::new(),
        }],
        links: vec![(
            "parts@1".to_owned(),
            vec![link("part", "1", "steel", "steel", Some("metals@1")), link("part", "2", "scrap", "landfill", None)],
        )],
        flow_mappings: Vec::new(),
    }
    .into_tables()
    .expect("tables")
}

fn loaded() -> (tempfile::TempDir, LoadedRelease) {
    let mut data = data();
    let report = add_process_impacts(&mut data).expect("impacts").expect("a method");
    assert!(report.build.unit_mismatches.is_empty() && report.build.dangling_links.is_empty(), "{report:?}");
    assert_eq!(report.build.n_result_only_processes, 1);
    let out = tempfile::tempdir().expect("tempdir");
    let (dir, _) = write_snapshot(&data, out.path()).expect("write");
    let release = LoadedRelease::open(&dir).expect("open");
    (out, release)
}

fn impact(release: &LoadedRelease, id: &str) -> f64 {
    release.process_impacts(release.find_process(id).expect(id))[0]
}

#[test]
fn impacts_follow_the_rules() {
    let (_dir, release) = loaded();
    // steel: 2 out − (−1 × 1 in) = 2 − 1 = 1.
    assert_eq!(impact(&release, "steel"), 1.0);
    // landfill: 1 kg of scrap treated emits 0.4.
    assert_eq!(impact(&release, "landfill"), 0.4);
    // part: 1 + 0.5 kg steel × 1 + 0.25 kg scrap × 0.4 = 1.6.
    assert!((impact(&release, "part") - 1.6).abs() < 1e-15, "{}", impact(&release, "part"));
    assert_eq!(impact(&release, "paint"), 3.0);
    // Old ids follow the release's migrations.
    assert_eq!(release.find_process("old-part"), release.find_process("part"));
    // Restricted: steel (its source), part (uses steel); landfill and paint are open.
    let restricted: Vec<(&str, bool)> = release.processes().iter().map(|p| (p.id.as_str(), p.restricted)).collect();
    assert_eq!(restricted, [("landfill", false), ("paint", false), ("part", true), ("steel", true)]);
    // Single score: 1000 × I / 8 × 0.5.
    assert_eq!(release.process_single_scores(release.find_process("paint").unwrap()), [("pef".to_owned(), 187.5)]);
    // Contributions of one part: itself 1, steel 0.5 × 1, landfill 0.25 × 0.4.
    let top = release.top_contributions(release.find_process("part").unwrap(), 10).expect("contributions");
    let shares: Vec<(&str, f64)> = top.iter().map(|c| (c.process_id.as_str(), c.indicators[0])).collect();
    assert_eq!(shares, [("part", 1.0), ("steel", 0.5), ("landfill", 0.1)]);
    // By flow: CO2 emitted 1 + 0.5 × 2 + 0.25 × 0.4 = 2.1, CO2 taken from air 0.5 × 1 (factor −1).
    let flows = release.top_flow_contributions(release.find_process("part").unwrap(), 10).expect("flows");
    let flows: Vec<(&str, f64, f64)> = flows.iter().map(|c| (c.flow.as_str(), c.amount, c.indicators[0])).collect();
    assert_eq!(flows, [("co2 (output)", 2.1, 2.1), ("co2 (input)", 0.5, -0.5)]);
}

#[test]
fn bills_score_with_units_nesting_and_errors() {
    let (_dir, release) = loaded();
    let bill = Product::parse(
        r#"{"name": "widget", "items": [
            {"process": "old-part", "amount": 250, "unit": "g"},
            {"name": "Paint", "amount": 2, "unit": "dm3"},
            {"name": "kit", "amount": 2, "items": [{"process": "landfill", "amount": 0.5}]}
        ]}"#,
        ecoref_score::BillFormat::Json,
    )
    .expect("bill");
    assert_eq!((bill.n_items(), bill.depth()), (4, 2));
    let result = release.score(&bill).expect("score");
    let expected = 0.25 * 1.6 + 2.0 * 3.0 + 2.0 * 0.5 * 0.4;
    assert!((result.indicators[0].value - expected).abs() < 1e-12, "{}", result.indicators[0].value);
    assert_eq!(result.single_scores[0].name, "pef");
    assert!(result.restricted, "the part uses restricted steel");
    assert_eq!(result.contributions[2].path, "items[2].items[0]");
    assert_eq!(release.score(&bill).expect("again").result_hash, result.result_hash);

    let error = |json: &str| release.score(&Product::parse(json, ecoref_score::BillFormat::Json).unwrap()).unwrap_err();
    assert!(
        matches!(error(r#"{"items": [{"process": "stel"}]}"#), ProductError::Unknown { ref suggestions, .. } if suggestions[0].contains("(steel)"))
    );
    assert_eq!(error(r#"{"items": [{"process": "paint", "unit": "kg"}]}"#).code(), "unit-mismatch");
    assert!(
        Product::parse(r#"{"items": [{"process": "paint", "amount": 1e400}]}"#, ecoref_score::BillFormat::Json)
            .is_err()
    );
    let infinite =
        Product::parse("items = [{ process = \"paint\", amount = inf }]", ecoref_score::BillFormat::Toml).unwrap();
    assert_eq!(release.score(&infinite).unwrap_err().code(), "invalid-item");
    assert_eq!(error(r#"{"items": [{"energy": "heat"}]}"#).code(), "invalid-item");
    assert_eq!(error(r#"{"items": [{}]}"#).code(), "invalid-item");
    assert!(Product::parse(r#"{"items": [{"procss": "x"}]}"#, ecoref_score::BillFormat::Json).is_err());
    assert!(Product::parse("items = [{ process = \"paint\", amount = 2 }]", ecoref_score::BillFormat::Toml).is_ok());
}
