//! Shared helpers: fixture paths, golden files, readers and dataset builders.

use ecoref_model::{Dataset, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, Process, Reference};
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(rel)
}

/// Compares `actual` with the golden file `tests/golden/<name>`; `UPDATE_EXPECT=1` rewrites it.
pub(crate) fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("golden file {} missing: run with UPDATE_EXPECT=1", path.display()));
    assert!(
        expected == actual,
        "{} differs from the computed output: review, then run with UPDATE_EXPECT=1",
        path.display()
    );
}

pub(crate) fn read_ilcd(rel: &str) -> ecoref_extract_ilcd::ReadOutput {
    ecoref_extract_ilcd::read_path(&fixture(rel), &ecoref_extract_ilcd::ReadOptions::default()).expect("read ilcd")
}

/// A product flow.
pub(crate) fn product(id: &str, name: &str) -> Flow {
    Flow { id: EntityId::new(id, None), name: name.to_owned(), kind: Some(FlowKind::Product), ..Flow::default() }
}

/// A process producing `amount` of `flow` (exchange "ref") at `location`.
pub(crate) fn producer(id: &str, flow: &str, unit: &str, location: Option<&str>, amount: f64) -> Process {
    Process {
        id: EntityId::new(id, None),
        name: format!("process {id}"),
        location: location.map(str::to_owned),
        exchanges: vec![Exchange {
            internal_id: "ref".to_owned(),
            flow: Reference::to(flow),
            direction: Some(Direction::Output),
            kind: Some(ExchangeKind::Production),
            is_reference: true,
            amount: Some(amount),
            unit: Some(unit.to_owned()),
            ..Exchange::default()
        }],
        ..Process::default()
    }
}

/// A technosphere input of `flow`.
pub(crate) fn input(internal_id: &str, flow: &str, unit: &str, amount: f64) -> Exchange {
    Exchange {
        internal_id: internal_id.to_owned(),
        flow: Reference::to(flow),
        direction: Some(Direction::Input),
        kind: Some(ExchangeKind::Technosphere),
        amount: Some(amount),
        unit: Some(unit.to_owned()),
        ..Exchange::default()
    }
}

pub(crate) fn dataset(processes: Vec<Process>, flows: Vec<Flow>) -> Dataset {
    let mut dataset = Dataset { processes, flows, ..Dataset::default() };
    dataset.canonicalize();
    dataset
}
