//! Shared helpers: fixture paths, golden comparison and the canonical text dump.

use ecoref_extract_ecobalyse::ReadOutput;
use ecoref_extract_support::testing;
use std::fmt::Write as _;
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ecobalyse")).join(rel)
}

pub(crate) const PROCESSES: &str = "processes.json";
pub(crate) const EXPECTED_8: &str = "processes_impacts-8-expected.json";
pub(crate) const IMPACTS: &str = "impacts.json";
pub(crate) const IMPACTS_PEF: &str = "impacts-with-pef-2025-12.json";

/// Compares `actual` with the checked-in golden file; `UPDATE_EXPECT=1` rewrites it instead.
pub(crate) fn check_golden(name: &str, actual: &str) {
    testing::check_golden(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(name), actual);
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// A stable text dump: processes (reference exchange, indicator results, metadata), flows, methods, sets and
/// diagnostics.
pub(crate) fn dump(output: &ReadOutput) -> String {
    let mut out = String::new();
    let d = &output.dataset;
    let _ = writeln!(out, "counts {:?}", d.counts());
    let _ = writeln!(out, "n_rejected {}", output.n_rejected);
    for p in &d.processes {
        let _ = writeln!(out, "process {} \"{}\" location={}", p.id, p.name, opt(&p.location));
        for e in &p.exchanges {
            let _ = writeln!(
                out,
                "  exchange {} {} amount={:?} unit={} flow={} properties={:?}",
                e.internal_id,
                e.kind.map(|k| k.as_str()).unwrap_or("-"),
                e.amount,
                opt(&e.unit),
                e.flow.id,
                e.properties.iter().map(|p| (p.property.id.as_str(), p.amount)).collect::<Vec<_>>()
            );
        }
        for r in &p.lcia_results {
            let _ = writeln!(out, "  lcia {} {:?}", r.method.id, r.amount);
        }
        for (k, v) in p.metadata.iter().filter(|(k, _)| k.as_str() != "comment") {
            let _ = writeln!(out, "  {k} = {v}");
        }
    }
    for f in &d.flows {
        let _ = writeln!(
            out,
            "flow {} {} unit={} \"{}\"",
            f.id,
            f.kind.map(|k| k.as_str()).unwrap_or("-"),
            opt(&f.reference_unit),
            f.name
        );
    }
    for m in &d.lcia_methods {
        let _ = writeln!(
            out,
            "method {} \"{}\" unit={} methodologies=[{}]",
            m.id,
            m.name,
            opt(&m.unit),
            m.methodologies.join(", ")
        );
    }
    for s in &d.normalization_weighting_sets {
        let _ = writeln!(out, "nw_set \"{}\" method={} metadata={:?}", s.name, opt(&s.method), s.metadata);
        for e in &s.entries {
            let _ = writeln!(out, "  {} n={:?} w={:?}", e.category, e.normalization, e.weighting);
        }
    }
    for diagnostic in &output.diagnostics {
        let _ = writeln!(out, "diagnostic {diagnostic}");
    }
    out
}
