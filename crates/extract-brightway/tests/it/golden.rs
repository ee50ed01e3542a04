//! Golden canonical dumps of a few real files, compared exactly; regenerate with `UPDATE_EXPECT=1`.
//!
//! Dump format (one entity per line, children indented): `process <id> | <name> | <location> | <type>`,
//! `  exchange <kind> <direction> <amount> <unit> flow=<id> provider=<id>`, `flow <id> | <name> | <kind> |
//! <compartment> | <unit>`, `method <id> | <unit> | <n factors>` and its first factors
//! `  factor <flow id> <value>`.

use crate::support::{fixture, read};
use ecoref_extract_support::testing::check_golden;
use ecoref_model::Dataset;
use std::fmt::Write as _;
use std::path::PathBuf;

fn opt<T: std::fmt::Debug>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), |v| format!("{v:?}"))
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

pub(crate) fn dump(dataset: &Dataset, max_factors: usize, with_flows: bool) -> String {
    let mut out = String::new();
    for p in &dataset.processes {
        let _ = writeln!(out, "process {} | {} | {} | {}", p.id, p.name, text(&p.location), text(&p.process_type));
        for param in &p.parameters {
            let _ = writeln!(out, "  parameter {} = {} ({})", param.name, opt(&param.value), text(&param.formula));
        }
        for e in &p.exchanges {
            let _ = writeln!(
                out,
                "  exchange {} {} {} {} flow={} provider={}{}{}",
                e.kind.map_or("-", |k| k.as_str()),
                e.direction.map_or("-", |d| d.as_str()),
                opt(&e.amount),
                text(&e.unit),
                e.flow.id,
                e.provider.as_ref().map_or("-", |r| r.id.as_str()),
                e.formula.as_ref().map_or_else(String::new, |f| format!(" formula={f}")),
                e.uncertainty
                    .as_ref()
                    .map_or_else(String::new, |u| format!(" uncertainty={} {:?}", u.distribution, u.parameters)),
            );
        }
    }
    for f in dataset.flows.iter().filter(|_| with_flows) {
        let _ = writeln!(
            out,
            "flow {} | {} | {} | {} | {}",
            f.id,
            f.name,
            f.kind.map_or("-", |k| k.as_str()),
            f.compartment.join("::"),
            text(&f.reference_unit)
        );
    }
    for m in &dataset.lcia_methods {
        let _ = writeln!(out, "method {} | {} | {}", m.id, text(&m.unit), m.factors.len());
        for cf in m.factors.iter().take(max_factors) {
            let _ = writeln!(
                out,
                "  factor {} {:?}{}",
                cf.flow.id,
                cf.value,
                cf.location.as_ref().map_or_else(String::new, |l| format!(" @{l}"))
            );
        }
    }
    out
}

fn check(rel: &str, golden: &str, max_factors: usize) {
    check_with(rel, golden, max_factors, true);
}

fn check_with(rel: &str, golden: &str, max_factors: usize, with_flows: bool) {
    let out = read(rel);
    let mut actual = dump(&out.dataset, max_factors, with_flows);
    for d in &out.diagnostics {
        let _ = writeln!(
            actual,
            "diagnostic {} {} {}",
            d.severity,
            d.code,
            d.message.replace(&fixture("").display().to_string(), "")
        );
    }
    check_golden(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(golden), &actual);
}

#[test]
fn golden_example_csv() {
    check("bw2io_examples/example.csv", "example_csv.txt", 0);
}

#[test]
fn golden_example_xlsx() {
    check("bw2io_examples/example.xlsx", "example_xlsx.txt", 0);
}

#[test]
fn golden_complicated_csv() {
    check("bw2io_csv/complicated.csv", "complicated_csv.txt", 0);
}

#[test]
fn golden_lci_ammonia() {
    check("premise_inventories/lci-ammonia.xlsx", "lci_ammonia.txt", 0);
}

#[test]
fn golden_bw2package() {
    check("bw2io_bw2package/bw2_compat_test.bw2package", "bw2_compat_test.txt", 10);
}

#[test]
fn golden_project() {
    check("bw_project", "bw_project.txt", 10);
}

#[test]
fn golden_lcia_csv() {
    check("bw2io_csv/lcia.csv", "lcia_csv.txt", 10);
}

#[test]
fn golden_lcia_json() {
    // 762 methods with their first factor; the 4,293 flows derived from the factors are left out of the dump.
    check_with("bw2io_lcia_json/lcia_39_ecoinvent.zip", "lcia_39_ecoinvent.txt", 1, false);
}
