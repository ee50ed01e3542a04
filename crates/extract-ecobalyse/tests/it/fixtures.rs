//! Reads of the Ecobalyse reference files: counts, indicator results, methods, sets, single-score recomputation.

use crate::support::{EXPECTED_8, IMPACTS, IMPACTS_PEF, PROCESSES, fixture};
use ecoref_extract_ecobalyse::{
    METHODOLOGY, ReadOptions, compute_single_score, product_flow_id, read_bytes, read_path, same_to_significant_digits,
};
use ecoref_model::{Direction, ExchangeKind, Severity};
use std::collections::BTreeMap;

#[test]
fn processes_json_imports_its_1145_processes() {
    let out = read_path(&fixture(PROCESSES), &ReadOptions::default()).expect("reads");
    let c = out.dataset.counts();
    assert_eq!((c.processes, c.exchanges, c.flows, c.lcia_results), (1145, 1145, 1145, 1145 * 20));
    assert_eq!((c.lcia_methods, c.normalization_weighting_sets), (20, 1));
    assert_eq!(out.n_rejected, 0);
    assert!(out.diagnostics.iter().all(|d| d.severity != Severity::Error), "{:?}", out.diagnostics);
    let withheld: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "ecobalyse.withheld-indicators").collect();
    assert_eq!(withheld.len(), 1);
    assert!(withheld[0].message.starts_with("1126 of 1145"), "{}", withheld[0].message);
    let p = out.dataset.process("007db9be-fbb0-5c2f-ac8a-4780bc4a5304").expect("mushroom");
    assert_eq!((p.name.as_str(), p.location.as_deref()), ("Champignon frais UE", Some("NL")));
    assert_eq!(p.metadata.get("scopes").map(String::as_str), Some("food"));
    assert_eq!(p.metadata.get("source").map(String::as_str), Some("Agribalyse 3.2"));
    let ecs = p.lcia_results.iter().find(|r| r.method.id == "ecs").and_then(|r| r.amount);
    assert_eq!(ecs.map(f64::to_bits), "561.66".parse::<f64>().ok().map(f64::to_bits));
    let e = &p.exchanges[0];
    assert_eq!(
        (e.kind, e.direction, e.is_reference, e.amount),
        (Some(ExchangeKind::Production), Some(Direction::Output), true, Some(1.0))
    );
    assert_eq!((e.unit.as_deref(), e.flow.id.as_str()), (Some("kg"), product_flow_id(&p.id.id).as_str()));
    for m in &out.dataset.lcia_methods {
        assert_eq!(m.methodologies, [METHODOLOGY]);
        assert!(m.unit.is_some() && m.factors.is_empty(), "{m:?}");
    }
    let units: BTreeMap<&str, usize> = out.dataset.processes.iter().fold(BTreeMap::new(), |mut acc, p| {
        *acc.entry(p.exchanges[0].unit.as_deref().unwrap_or("-")).or_default() += 1;
        acc
    });
    assert_eq!(units.get("kg"), Some(&801));
    assert_eq!(units.get("item"), Some(&297));
}

#[test]
fn stored_ecs_equals_the_recomputed_score_to_five_significant_digits() {
    let out = read_path(&fixture(EXPECTED_8), &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.processes.len(), 8);
    let set = out.dataset.normalization_weighting_sets.iter().find(|s| s.name == "ecs").expect("ecs set");
    assert_eq!(set.entries.len(), 16);
    for p in &out.dataset.processes {
        let impacts: BTreeMap<String, f64> =
            p.lcia_results.iter().filter_map(|r| Some((r.method.id.clone(), r.amount?))).collect();
        let stored = impacts["ecs"];
        let recomputed = compute_single_score(&impacts, set);
        assert!(
            same_to_significant_digits(stored, recomputed, 5),
            "{}: stored {stored}, recomputed {recomputed}",
            p.name
        );
    }
    let elasthane = out.dataset.process("b2340802-bde9-56e4-984f-37110706225e").expect("elasthane");
    let impacts: BTreeMap<String, f64> =
        elasthane.lcia_results.iter().filter_map(|r| Some((r.method.id.clone(), r.amount?))).collect();
    let score = compute_single_score(&impacts, set);
    assert!((score - 1042.583).abs() < 1e-3, "{score}");
    assert!(out.diagnostics.iter().all(|d| d.code != "ecobalyse.score-mismatch"), "{:?}", out.diagnostics);
}

#[test]
fn corrected_toxicities_recompute_from_sub_indicators() {
    let out = read_path(&fixture(EXPECTED_8), &ReadOptions::default()).expect("reads");
    let set = out.dataset.normalization_weighting_sets.iter().find(|s| s.name == "ecs").expect("ecs set");
    // etf-c given directly or as 2 × etf-o + 1 × etf-i gives the same score.
    let direct: BTreeMap<String, f64> = [("etf-c".to_owned(), 7.0)].into();
    let split: BTreeMap<String, f64> = [("etf-o".to_owned(), 2.0), ("etf-i".to_owned(), 3.0)].into();
    assert_eq!(compute_single_score(&direct, set), compute_single_score(&split, set));
}

#[test]
fn pef_definitions_give_a_second_set() {
    let options = ReadOptions { impacts_path: Some(fixture(IMPACTS_PEF)), ..ReadOptions::default() };
    let out = read_path(&fixture(EXPECTED_8), &options).expect("reads");
    let names: Vec<&str> = out.dataset.normalization_weighting_sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ecs", "pef"]);
    let pef = &out.dataset.normalization_weighting_sets[1];
    assert_eq!(pef.entries.len(), 16);
    assert!(pef.entries.iter().any(|e| e.category == "etf") && !pef.entries.iter().any(|e| e.category == "etf-c"));
    assert_eq!(out.dataset.lcia_methods.len(), 21);
}

#[test]
fn missing_impacts_file_is_an_info_diagnostic() {
    let bytes = std::fs::read(fixture(EXPECTED_8)).expect("file");
    let out = read_bytes("p.json", &bytes, &ReadOptions::default()).expect("reads");
    assert!(out.dataset.lcia_methods.is_empty() && out.dataset.normalization_weighting_sets.is_empty());
    let info: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "ecobalyse.no-impacts-definitions").collect();
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].severity, Severity::Info);
    let with = ReadOptions { impacts_path: Some(fixture(IMPACTS)), ..ReadOptions::default() };
    let from_bytes = read_bytes("p.json", &bytes, &with).expect("reads");
    let from_path = read_path(&fixture(EXPECTED_8), &ReadOptions::default()).expect("reads");
    assert_eq!(from_bytes.dataset, from_path.dataset);
}
