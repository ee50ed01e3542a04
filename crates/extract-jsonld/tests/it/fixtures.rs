//! Reads of the real fixtures: counts, kinds, providers, units, exact amounts, methods, v1/v2 alike.

use crate::support::{AWARE_DIR, BEEF_ZIP, FPL_ZIP, IPCC_ZIP, V2_DIR, fixture, with_code};
use ecoref_extract_jsonld::{Progress, ReadOptions, read_bytes, read_path, read_path_with_progress};
use ecoref_model::{Direction, ExchangeKind, FlowKind, Severity};

#[test]
fn every_fixture_imports_without_errors() {
    for rel in [BEEF_ZIP, FPL_ZIP, IPCC_ZIP, AWARE_DIR, V2_DIR] {
        let out = read_path(&fixture(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(out.n_rejected, 0, "{rel}");
        assert!(out.diagnostics.iter().all(|d| d.severity != Severity::Error), "{rel}: {:?}", out.diagnostics);
        assert!(!out.dataset.is_empty(), "{rel}");
    }
}

#[test]
fn beef_cattle_counts_kinds_and_providers() {
    let out = read_path(&fixture(BEEF_ZIP), &ReadOptions::default()).expect("reads");
    let c = out.dataset.counts();
    // The zip holds 8 process files (the README's "9" counts the product system too).
    assert_eq!((c.processes, c.exchanges), (8, 105));
    assert_eq!((c.flows, c.flow_properties, c.unit_groups, c.contacts), (48, 6, 6, 4));
    // 1 literature source + the product system kept as a source record.
    assert_eq!(c.sources, 2);
    let kinds = |kind| out.dataset.processes.iter().flat_map(|p| &p.exchanges).filter(|e| e.kind == Some(kind)).count();
    assert_eq!(kinds(ExchangeKind::Production), 7);
    assert_eq!(kinds(ExchangeKind::Unresolved), 0);
    assert_eq!(
        kinds(ExchangeKind::Production) + kinds(ExchangeKind::Technosphere) + kinds(ExchangeKind::Biosphere),
        105
    );
    let providers: Vec<&str> = out
        .dataset
        .processes
        .iter()
        .flat_map(|p| &p.exchanges)
        .filter_map(|e| e.provider.as_ref().map(|r| r.id.as_str()))
        .collect();
    assert_eq!(providers.len(), 5);
    assert!(providers.iter().all(|id| out.dataset.process(id).is_some()), "{providers:?}");
    let system = out.dataset.sources.iter().find(|s| s.publication_type.is_some()).expect("product system");
    assert_eq!(system.id.id, "a5830b36-5249-4712-b62f-b79a00d3c2d1");
    assert_eq!(system.metadata.get("n_processes").map(String::as_str), Some("8"));
    assert_eq!(system.metadata.get("n_process_links").map(String::as_str), Some("8"));
    let skipped: Vec<_> = with_code(&out, "jsonld.not-loaded").map(|d| d.message.as_str()).collect();
    assert!(skipped.iter().any(|m| m.contains("bin/")), "{skipped:?}");
    // Locations resolve to their codes, categories to full paths.
    let vitamin = out.dataset.process("9f9e378b-7faa-4d4c-a419-3374b3632021").expect("process");
    assert_eq!(vitamin.location.as_deref(), Some("US"));
    assert_eq!(vitamin.classifications[0].path, ["Manufacturing", "ISIC 1080: Manufacture of prepared animal feeds"]);
    let reference = vitamin.reference_exchanges().next().expect("reference exchange");
    assert_eq!((reference.amount, reference.unit.as_deref()), (Some(1.0), Some("kg")));
}

#[test]
fn us_fpl_allocation_and_units() {
    let out = read_path(&fixture(FPL_ZIP), &ReadOptions::default()).expect("reads");
    let c = out.dataset.counts();
    assert_eq!((c.processes, c.exchanges, c.flows, c.sources, c.contacts), (4, 31, 23, 13, 5));
    let allocated: Vec<_> = out.dataset.processes.iter().filter(|p| !p.allocation.is_empty()).collect();
    assert_eq!(allocated.len(), 2);
    for p in allocated {
        for a in &p.allocation {
            assert!(p.exchanges.iter().any(|e| e.internal_id == a.product), "{}: {a:?}", p.id);
        }
    }
    for e in out.dataset.processes.iter().flat_map(|p| &p.exchanges) {
        assert!(e.unit.is_some(), "{e:?}");
    }
}

#[test]
fn ipcc_method_eight_categories_and_missing_flows_reported_once_each() {
    let out = read_path(&fixture(IPCC_ZIP), &ReadOptions::default()).expect("reads");
    let c = out.dataset.counts();
    assert_eq!((c.lcia_methods, c.characterization_factors, c.flows), (8, 20_383, 0));
    for m in &out.dataset.lcia_methods {
        assert_eq!(m.methodologies, ["IPCC"]);
        assert_eq!(m.unit.as_deref(), Some("kg CO2 eq"));
    }
    let missing: Vec<_> = with_code(&out, "jsonld.dangling-reference").collect();
    assert_eq!(missing.len(), 8, "{missing:?}");
    assert!(missing.iter().all(|d| d.severity == Severity::Warning && d.location.entity.is_some()));
}

#[test]
fn aware_loose_files_are_classified_by_type() {
    let out = read_path(&fixture(AWARE_DIR), &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.lcia_methods.len(), 1);
    let m = &out.dataset.lcia_methods[0];
    assert_eq!((m.name.as_str(), m.unit.as_deref(), m.factors.len()), ("Water use", Some("m3"), 1966));
    assert_eq!(m.methodologies, ["AWARE"]);
    // Exact to the text: 6.901 is the first factor.
    assert_eq!(m.factors[0].value.to_bits(), "6.901".parse::<f64>().expect("f64").to_bits());
}

#[test]
fn v2_objects_read_like_v1() {
    let out = read_path(&fixture(V2_DIR), &ReadOptions::default()).expect("reads");
    let p = out.dataset.process("59963026-9b57-4666-a732-59fa9ebd9223").expect("v2 process");
    let e = &p.exchanges[0];
    assert!(e.is_reference);
    assert_eq!((e.direction, e.kind), (Some(Direction::Output), Some(ExchangeKind::Production)));
    let flow = out.dataset.flow("4a40cb39-e306-3649-b6da-ca061e384e23").expect("v2 flow");
    assert_eq!(flow.kind, Some(FlowKind::Product));
    assert_eq!(flow.classifications[0].path, ["electricity", "supply mix"]);
    assert_eq!(flow.location.as_deref(), Some("PL"));
    let group = out.dataset.unit_groups.first().expect("v2 unit group");
    assert_eq!(group.reference_unit().map(|u| u.name.as_str()), Some("MJ"));
    assert!(out.dataset.sources.iter().any(|s| s.id.id == "e673be33-b071-4ba2-9097-5b77a9c3ced2"));
}

#[test]
fn read_bytes_reads_a_zip_and_progress_counts_entries() {
    let bytes = std::fs::read(fixture(BEEF_ZIP)).expect("zip");
    let from_bytes = read_bytes("beef.zip", &bytes, &ReadOptions::default()).expect("reads");
    let from_path = read_path(&fixture(BEEF_ZIP), &ReadOptions::default()).expect("reads");
    assert_eq!(from_bytes.dataset, from_path.dataset);
    let mut seen = Vec::new();
    read_path_with_progress(&fixture(BEEF_ZIP), &ReadOptions::default(), &mut |p: Progress<'_>| {
        seen.push((p.entries_done, p.entries_total));
    })
    .expect("reads");
    let last = seen.last().copied().expect("progress");
    assert_eq!(last.0, last.1);
    assert_eq!(seen.len() as u64, last.1 + 1);
}
