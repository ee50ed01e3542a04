//! Shared helpers: fixture paths, diagnostic queries and the canonical text dump used by the golden tests.

use ecoref_extract_ecospold2::ReadOutput;
pub(crate) use ecoref_extract_support::testing::{self, build_zip};
use ecoref_model::{Diagnostic, Severity};
use std::fmt::Write as _;
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ecospold2")).join(rel)
}

pub(crate) fn with_code<'a>(output: &'a ReadOutput, code: &'a str) -> Vec<&'a Diagnostic> {
    output.diagnostics.iter().filter(|d| d.code == code).collect()
}

pub(crate) fn errors(output: &ReadOutput) -> Vec<&Diagnostic> {
    output.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn amount(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:?}"))
}

/// A stable text form of everything a reader produces: processes with their exchanges (kind, direction, amount,
/// unit, flow, provider, formula, uncertainty), parameters, flows, then diagnostics. Paths in diagnostics are
/// made relative to the fixture directory so the dump does not depend on the checkout location.
pub(crate) fn dump(output: &ReadOutput) -> String {
    let mut s = String::new();
    let d = &output.dataset;
    let counts = d.counts();
    let _ = writeln!(
        s,
        "counts: processes={} exchanges={} flows={} sources={} contacts={} rejected={}",
        counts.processes, counts.exchanges, counts.flows, counts.sources, counts.contacts, output.n_rejected
    );
    for p in &d.processes {
        let _ = writeln!(s, "process {} | {} | {} | {}", p.id, p.name, opt(&p.location), opt(&p.process_type));
        for key in [
            "activity_id",
            "reference_product_id",
            "system_model",
            "special_activity_type",
            "time_period_start",
            "time_period_end",
            "technology_level",
        ] {
            if let Some(value) = p.metadata.get(key) {
                let _ = writeln!(s, "  meta {key}={value}");
            }
        }
        for c in &p.classifications {
            let _ = writeln!(s, "  class {}: {}", opt(&c.system), c.path.join(" / "));
        }
        for e in &p.exchanges {
            let kind = e.kind.map_or("-", |k| k.as_str());
            let direction = e.direction.map_or("-", |d| d.as_str());
            let _ = write!(
                s,
                "  {}{kind} {direction} {} {} flow={} \"{}\"",
                if e.is_reference { "*" } else { "" },
                amount(e.amount),
                opt(&e.unit),
                e.flow.id,
                e.flow.description.as_deref().unwrap_or("")
            );
            if let Some(provider) = &e.provider {
                let _ = write!(s, " provider={}", provider.id);
            }
            if let Some(formula) = &e.formula {
                let _ = write!(s, " formula={formula:?}");
            }
            if let Some(u) = &e.uncertainty {
                let params: Vec<String> = u.parameters.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                let _ = write!(s, " uncertainty={}({})", u.distribution, params.join(","));
            }
            if let Some(pedigree) = e.metadata.get("pedigree") {
                let _ = write!(s, " pedigree={pedigree}");
            }
            if !e.properties.is_empty() {
                let _ = write!(s, " properties={}", e.properties.len());
            }
            let _ = writeln!(s);
        }
        for parameter in &p.parameters {
            let _ = writeln!(
                s,
                "  param {} = {} formula={} uncertainty={}",
                parameter.name,
                amount(parameter.value),
                opt(&parameter.formula),
                parameter.uncertainty.as_ref().map_or("-", |u| u.distribution.as_str())
            );
        }
    }
    for f in &d.flows {
        let _ = writeln!(
            s,
            "flow {} | {} | {} | {} | cas={} | {} | synonyms={}",
            f.id,
            f.kind.map_or("-", |k| k.as_str()),
            f.name,
            opt(&f.reference_unit),
            opt(&f.cas),
            f.compartment.join(" / "),
            f.synonyms.len()
        );
    }
    let root = fixture("").display().to_string();
    for diagnostic in &output.diagnostics {
        let _ = writeln!(s, "diagnostic {}", diagnostic.to_string().replace(&root, ""));
    }
    s
}

/// Compares `actual` with the checked-in golden file; `UPDATE_EXPECT=1` rewrites it instead.
pub(crate) fn check_golden(name: &str, actual: &str) {
    testing::check_golden(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(name), actual);
}
