//! Golden tests: a canonical text dump of what the reader produces for a few real files, compared exactly.
//! Regenerate with `UPDATE_EXPECT=1 cargo test -p ecoref-extract-simapro`; never edit the files by hand.

use crate::support::read;
use ecoref_extract_support::testing::check_golden;
use ecoref_model::Dataset;
use std::fmt::Write;
use std::path::PathBuf;

fn opt<T: std::fmt::Debug>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), |v| format!("{v:?}"))
}

/// processes (id, name, location, type), exchanges (kind, direction, amount, unit, flow, provider, formula,
/// uncertainty), allocation, parameters; flows; unit groups; methods and factors; normalization-weighting sets.
fn dump(dataset: &Dataset) -> String {
    let mut out = String::new();
    for p in &dataset.processes {
        let _ = writeln!(
            out,
            "process {:?} name={:?} location={} type={}",
            p.id.id,
            p.name,
            opt(&p.location),
            opt(&p.process_type)
        );
        for e in &p.exchanges {
            let _ = writeln!(
                out,
                "  exchange {} {} {} amount={} unit={} flow={:?} provider={} formula={} uncertainty={}{}",
                e.internal_id,
                e.kind.map_or("-", |k| k.as_str()),
                e.direction.map_or("-", |d| d.as_str()),
                opt(&e.amount),
                opt(&e.unit),
                e.flow.id,
                opt(&e.provider.as_ref().map(|r| r.id.clone())),
                opt(&e.formula),
                opt(&e.uncertainty.as_ref().map(|u| (
                    u.distribution.clone(),
                    u.minimum,
                    u.maximum,
                    u.parameters.clone()
                ))),
                if e.is_reference { " reference" } else { "" },
            );
        }
        for a in &p.allocation {
            let _ =
                writeln!(out, "  allocation product={} fraction={:?} method={}", a.product, a.fraction, opt(&a.method));
        }
        for par in &p.parameters {
            let _ = writeln!(out, "  parameter {:?} value={} formula={}", par.name, opt(&par.value), opt(&par.formula));
        }
    }
    for f in &dataset.flows {
        let _ = writeln!(
            out,
            "flow {:?} name={:?} kind={} compartment={:?} cas={} unit={}",
            f.id.id,
            f.name,
            f.kind.map_or("-", |k| k.as_str()),
            f.compartment,
            opt(&f.cas),
            opt(&f.reference_unit)
        );
    }
    for g in &dataset.unit_groups {
        let units: Vec<String> = g
            .units
            .iter()
            .map(|u| format!("{}={}{}", u.name, opt(&u.factor), if u.is_reference { "*" } else { "" }))
            .collect();
        let _ = writeln!(out, "unit_group {:?} {}", g.id.id, units.join(" "));
    }
    for m in &dataset.lcia_methods {
        let _ = writeln!(out, "method {:?} unit={} methodologies={:?}", m.id.id, opt(&m.unit), m.methodologies);
        for f in &m.factors {
            let _ = writeln!(out, "  factor {:?} {:?}", f.flow.id, f.value);
        }
    }
    for s in &dataset.normalization_weighting_sets {
        let _ = writeln!(out, "nw_set {:?} method={}", s.name, opt(&s.method));
        for e in &s.entries {
            let _ = writeln!(
                out,
                "  {:?} normalization={} weighting={} factor={}",
                e.category,
                opt(&e.normalization),
                opt(&e.weighting),
                e.normalization_is_factor
            );
        }
    }
    out
}

fn check(fixture: &str, golden: &str) {
    let actual = dump(&read(fixture).dataset);
    check_golden(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(golden), &actual);
}

#[test]
fn golden_process_csv() {
    check("bw_simapro_csv_fixtures/process.csv", "process.txt");
}

#[test]
fn golden_method_csv() {
    check("bw_simapro_csv_fixtures/method.csv", "method.txt");
}

#[test]
fn golden_ecobalyse_export() {
    check("ecobalyse_export/simapro_export.csv", "ecobalyse_export.txt");
}
