//! Validation reports: golden Markdown for the TianGong subset, cycles without production.

use crate::support::{check_golden, dataset, input, producer, read_ilcd};
use ecoref_transform::{LinkOptions, UnitTable, ValidationInputs, compute_links, compute_validation_report};

#[test]
fn tiangong_subset_validation_report() {
    let read = read_ilcd("ilcd/tiangong_subset/tiangong_subset_ILCD.zip");
    let links = compute_links(&read.dataset, &[], &LinkOptions::default());
    let units = UnitTable::from_dataset(&read.dataset);
    let report = compute_validation_report(
        &read.dataset,
        ValidationInputs { links: Some(&links), units: Some(&units), ..ValidationInputs::default() },
    );
    check_golden("tiangong_subset.validation.md", &report.to_markdown());
    let json: serde_json::Value = serde_json::from_str(&report.to_json().expect("json")).expect("valid json");
    assert_eq!(json["n_linked"].as_u64(), Some(links.n_linked()));
}

#[test]
fn cycles_without_production_are_found() {
    // a ⇄ b with zero reference outputs: a cycle that produces nothing; c ⇄ d produce.
    let mut a = producer("a", "fa", "kg", None, 0.0);
    a.exchanges.push(input("1", "fb", "kg", 1.0));
    let mut b = producer("b", "fb", "kg", None, -1.0);
    b.exchanges.push(input("1", "fa", "kg", 1.0));
    let mut c = producer("c", "fc", "kg", None, 1.0);
    c.exchanges.push(input("1", "fd", "kg", 1.0));
    let mut d = producer("d", "fd", "kg", None, 1.0);
    d.exchanges.push(input("1", "fc", "kg", 1.0));
    let data = dataset(vec![a, b, c, d], vec![]);
    let links = compute_links(&data, &[], &LinkOptions::default());
    assert_eq!(links.n_linked(), 4);
    let report =
        compute_validation_report(&data, ValidationInputs { links: Some(&links), ..ValidationInputs::default() });
    let cycles: Vec<Vec<&str>> =
        report.cycles_without_production.iter().map(|c| c.iter().map(|id| id.id.as_str()).collect()).collect();
    assert_eq!(cycles, [["a", "b"]]);
    assert_eq!(report.reference_problems.len(), 2);
    assert!(report.to_markdown().contains("## Cycles without production\n\n1 found.\n\n- a, b\n"));
}

/// SimaPro gives allocation percentages for its multi-output processes: the report shows how each would split.
#[test]
fn simapro_multi_output_processes_are_listed_with_their_shares() {
    let read = ecoref_extract_simapro::read_path(
        &crate::support::fixture("simapro_csv/bw_simapro_csv_fixtures/allocation.csv"),
        &ecoref_extract_simapro::ReadOptions::default(),
    )
    .expect("read allocation.csv");
    let report = ecoref_transform::compute_validation_report(&read.dataset, Default::default());
    assert!(report.not_allocatable.is_empty(), "{:?}", report.not_allocatable);
    assert!(!report.allocatable.is_empty(), "allocation.csv has a multi-output process");
    for allocated in &report.allocatable {
        let total: f64 = allocated.products.iter().map(|(_, fraction)| fraction).sum();
        assert!((total - 1.0).abs() < 1e-9, "{allocated:?}");
    }
    assert!(report.to_markdown().contains("## Multi-output processes"));
}
