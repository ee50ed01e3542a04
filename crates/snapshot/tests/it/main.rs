//! Snapshot tests without a database: a hand-built release written twice gives identical bytes, reads back
//! verified, and tampered or unlisted files are refused with errors naming them.

use ecoref_model::{
    CharacterizationFactor, Dataset, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, LciaMethod,
    NormalizationWeighting, NormalizationWeightingSet, Process, Reference, Unit, UnitGroup,
};
use ecoref_snapshot::{
    Error, Manifest, ReleaseInfo, SnapshotData, SnapshotDataset, SnapshotTables, TABLES, WriterInfo, read_snapshot,
    verify_snapshot, write_snapshot,
};
use ecoref_store::{IdMigration, MethodContent};
use std::collections::BTreeMap;
use std::path::Path;

fn process(id: &str, amounts: &[f64]) -> Process {
    Process {
        id: EntityId::new(id, Some("01.00.000".to_owned())),
        name: format!("process {id}"),
        location: Some("FR".to_owned()),
        exchanges: amounts
            .iter()
            .enumerate()
            .map(|(i, &amount)| Exchange {
                internal_id: i.to_string(),
                flow: Reference::to(format!("flow-{i}")),
                direction: Some(if i == 0 { Direction::Output } else { Direction::Input }),
                kind: Some(if i == 0 { ExchangeKind::Production } else { ExchangeKind::Biosphere }),
                is_reference: i == 0,
                amount: Some(amount),
                unit: Some("kg".to_owned()),
                ..Exchange::default()
            })
            .collect(),
        ..Process::default()
    }
}

fn data() -> SnapshotTables {
    // Processes out of id order: the snapshot sorts them.
    let dataset = Dataset {
        processes: vec![process("b", &[1.0, 0.1 + 0.2]), process("a", &[2.0, 1e-300, f64::MIN_POSITIVE])],
        flows: vec![Flow {
            id: EntityId::new("flow-1", None),
            name: "CO2".to_owned(),
            kind: Some(FlowKind::Elementary),
            compartment: vec!["air".to_owned()],
            ..Flow::default()
        }],
        unit_groups: vec![UnitGroup {
            id: EntityId::new("mass", None),
            name: "Units of mass".to_owned(),
            units: vec![
                Unit {
                    internal_id: "0".to_owned(),
                    name: "kg".to_owned(),
                    factor: Some(1.0),
                    is_reference: true,
                    comment: None,
                },
                Unit {
                    internal_id: "1".to_owned(),
                    name: "t".to_owned(),
                    factor: Some(1000.0),
                    is_reference: false,
                    comment: None,
                },
            ],
            ..UnitGroup::default()
        }],
        ..Dataset::default()
    };
    let method = MethodContent {
        indicators: vec![LciaMethod {
            id: EntityId::new("gwp", None),
            name: "Climate change".to_owned(),
            unit: Some("kg CO2 eq".to_owned()),
            factors: vec![CharacterizationFactor {
                flow: Reference::to("flow-1"),
                direction: Some(Direction::Output),
                value: 1.0,
                location: None,
                data_derivation: None,
            }],
            ..LciaMethod::default()
        }],
        nw_sets: vec![NormalizationWeightingSet {
            name: "PEF".to_owned(),
            method: Some("EF 3.1".to_owned()),
            entries: vec![NormalizationWeighting {
                category: "Climate change".to_owned(),
                normalization: Some(7550.0),
                normalization_is_factor: false,
                weighting: Some(21.06),
            }],
            metadata: BTreeMap::new(),
        }],
    };
    let manifest_base = Manifest {
        format: "ecoref-snapshot".to_owned(),
        format_version: ecoref_snapshot::FORMAT_VERSION,
        ecoref_version: ecoref_snapshot::ECOREF_VERSION.to_owned(),
        release: ReleaseInfo {
            name: "r1".to_owned(),
            notes: None,
            created_by: "t".to_owned(),
            published_by: Some("t".to_owned()),
            published_at: Some("2026-01-01T00:00:00.000Z".to_owned()),
        },
        sources: Vec::new(),
        method: None,
        validation: None,
        writer: WriterInfo { created_by: "x".to_owned(), compression: "snappy".to_owned(), max_row_group_rows: 65_536 },
        tables_not_written: vec!["process_impacts".to_owned()],
        files: Vec::new(),
    };
    let id_migrations = vec![IdMigration {
        old_id: "z".to_owned(),
        new_id: "a".to_owned(),
        reason: "r".to_owned(),
        created_by: String::new(),
    }];
    SnapshotData {
        manifest_base,
        datasets: vec![SnapshotDataset::new("src@1", dataset)],
        method: Some(method),
        id_migrations,
        links: Vec::new(),
        flow_mappings: Vec::new(),
    }
    .into_tables()
    .expect("tables")
}

fn bytes_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

#[test]
fn written_twice_is_identical_and_reads_back_verified() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let (dir_a, manifest) = write_snapshot(&data(), a.path()).expect("write a");
    let (dir_b, _) = write_snapshot(&data(), b.path()).expect("write b");
    let first = bytes_of(&dir_a);
    assert_eq!(first.len(), TABLES.len() + 1);
    assert_eq!(first, bytes_of(&dir_b));
    write_snapshot(&data(), a.path()).expect("rewrite in place");
    assert_eq!(first, bytes_of(&dir_a));

    let snapshot = read_snapshot(&dir_a).expect("read");
    assert_eq!(snapshot.manifest, manifest);
    assert_eq!(snapshot.n_rows("processes"), 2);
    assert_eq!(snapshot.n_rows("exchanges"), 5);
    assert_eq!(snapshot.n_rows("units"), 2);
    assert_eq!(snapshot.n_rows("factors"), 1);
    assert_eq!(snapshot.n_rows("normalization_weighting"), 1);
    assert_eq!(snapshot.n_rows("id_migrations"), 1);
    // Rows sorted by id; amounts bit-exact.
    let exchanges = &snapshot.tables["exchanges"][0];
    let ids = exchanges.column_by_name("process_id").expect("column");
    let ids = ids.as_any().downcast_ref::<arrow_array::StringArray>().expect("strings");
    assert_eq!(ids.iter().flatten().collect::<Vec<_>>(), ["a", "a", "a", "b", "b"]);
    let amounts = exchanges.column_by_name("amount").expect("column");
    let amounts = amounts.as_any().downcast_ref::<arrow_array::Float64Array>().expect("f64");
    assert_eq!(amounts.value(2).to_bits(), f64::MIN_POSITIVE.to_bits());
    assert_eq!(amounts.value(4).to_bits(), (0.1f64 + 0.2).to_bits());
}

#[test]
fn tampered_unlisted_and_truncated_files_are_refused() {
    let out = tempfile::tempdir().expect("tempdir");
    let (dir, manifest) = write_snapshot(&data(), out.path()).expect("write");
    verify_snapshot(&dir).expect("verifies");

    let victim = dir.join("factors.parquet");
    let original = std::fs::read(&victim).expect("read");
    let mut bytes = original.clone();
    bytes[10] ^= 0xff;
    std::fs::write(&victim, &bytes).expect("write");
    let error = read_snapshot(&dir).expect_err("tampered");
    let expected = &manifest.files.iter().find(|f| f.name == "factors.parquet").expect("listed").sha256;
    match &error {
        Error::HashMismatch { file, expected: e, actual } => {
            assert!(file.ends_with("factors.parquet"), "{file}");
            assert_eq!(e, expected);
            assert_ne!(actual, expected);
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    assert!(error.to_string().contains("factors.parquet: sha256 mismatch"), "{error}");
    std::fs::write(&victim, &original).expect("restore");
    verify_snapshot(&dir).expect("verifies again");

    std::fs::write(dir.join("extra.parquet"), b"x").expect("write");
    let error = verify_snapshot(&dir).expect_err("unlisted file");
    assert!(error.to_string().contains("extra.parquet: file not listed in manifest.json"), "{error}");
    std::fs::remove_file(dir.join("extra.parquet")).expect("remove");

    std::fs::remove_file(dir.join("units.parquet")).expect("remove");
    let error = verify_snapshot(&dir).expect_err("missing file");
    assert!(error.to_string().contains("units.parquet"), "{error}");

    std::fs::write(dir.join("manifest.json"), b"{").expect("write");
    let error = verify_snapshot(&dir).expect_err("bad manifest");
    assert!(error.to_string().contains("manifest.json: invalid manifest"), "{error}");
}
