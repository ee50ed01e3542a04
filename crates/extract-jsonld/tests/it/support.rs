//! Shared helpers: fixture paths, zip building, golden comparison and the canonical text dump.

use ecoref_extract_jsonld::ReadOutput;
pub(crate) use ecoref_extract_support::testing::{self, build_zip};
use ecoref_model::{Dataset, Diagnostic, Sha256Hex};
use std::fmt::Write as _;
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/olca_jsonld")).join(rel)
}

pub(crate) const BEEF_ZIP: &str = "bw2io_fixture_beef-cattle-finishing.zip";
pub(crate) const FPL_ZIP: &str = "bw2io_fixture_US-FPL.zip";
pub(crate) const IPCC_ZIP: &str = "flcac_ipcc_method/IPCC_json_v1.0.3.zip";
pub(crate) const AWARE_DIR: &str = "bw2io_fixture_AWARE";
pub(crate) const V2_DIR: &str = "olca_schema_examples";

pub(crate) fn with_code<'a>(output: &'a ReadOutput, code: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
    output.diagnostics.iter().filter(move |d| d.code == code)
}

/// Compares `actual` with the checked-in golden file; `UPDATE_EXPECT=1` rewrites it instead.
pub(crate) fn check_golden(name: &str, actual: &str) {
    testing::check_golden(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(name), actual);
}

fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "-".to_owned())
}

fn amount(value: Option<f64>) -> String {
    value.map(|v| format!("{v:?}")).unwrap_or_else(|| "-".to_owned())
}

/// A stable text dump of what a read produced: processes with exchanges (kind, direction, amount, unit, flow,
/// provider), flows, flow properties, unit groups, LCIA methods (the first factors in full, all of them as a
/// count and a sha256), normalization-weighting sets, sources and contacts, then the diagnostics.
pub(crate) fn dump(output: &ReadOutput) -> String {
    let mut out = String::new();
    let d: &Dataset = &output.dataset;
    let c = d.counts();
    let _ = writeln!(out, "counts {c:?}");
    let _ = writeln!(out, "n_rejected {}", output.n_rejected);
    for p in &d.processes {
        let _ = writeln!(
            out,
            "process {} \"{}\" location={} type={}",
            p.id,
            p.name,
            opt(&p.location),
            opt(&p.process_type)
        );
        for class in &p.classifications {
            let _ = writeln!(out, "  category {}", class.path.join(" / "));
        }
        for e in &p.exchanges {
            let _ = writeln!(
                out,
                "  exchange {} {} {}{} amount={} unit={} flow={} \"{}\" provider={}{}",
                e.internal_id,
                e.kind.map(|k| k.as_str()).unwrap_or("-"),
                e.direction.map(|k| k.as_str()).unwrap_or("-"),
                if e.is_reference { " reference" } else { "" },
                amount(e.amount),
                opt(&e.unit),
                e.flow.id,
                e.flow.description.as_deref().unwrap_or(""),
                e.provider.as_ref().map(|r| r.id.as_str()).unwrap_or("-"),
                if e.metadata.contains_key("avoided_product") { " avoided" } else { "" },
            );
        }
        for a in &p.allocation {
            let _ = writeln!(out, "  allocation {} {} {:?}", a.product, opt(&a.method), a.fraction);
        }
        for r in &p.lcia_results {
            let _ = writeln!(out, "  lcia {} {}", r.method.id, amount(r.amount));
        }
    }
    for f in &d.flows {
        let _ = writeln!(
            out,
            "flow {} {} unit={} location={} cas={} \"{}\" [{}]",
            f.id,
            f.kind.map(|k| k.as_str()).unwrap_or("-"),
            opt(&f.reference_unit),
            opt(&f.location),
            opt(&f.cas),
            f.name,
            f.compartment.join(" / ")
        );
    }
    for p in &d.flow_properties {
        let _ = writeln!(out, "flow_property {} \"{}\" unit={}", p.id, p.name, opt(&p.reference_unit));
    }
    for g in &d.unit_groups {
        let units: Vec<String> = g
            .units
            .iter()
            .map(|u| format!("{}{}={}", if u.is_reference { "*" } else { "" }, u.name, amount(u.factor)))
            .collect();
        let _ = writeln!(out, "unit_group {} \"{}\" {}", g.id, g.name, units.join(" "));
    }
    for m in &d.lcia_methods {
        let mut all = String::new();
        for f in &m.factors {
            let _ = writeln!(all, "{} {:?} {}", f.flow.id, f.value, opt(&f.location));
        }
        let _ = writeln!(
            out,
            "method {} \"{}\" unit={} methodologies=[{}] n_factors={} factors_sha256={}",
            m.id,
            m.name,
            opt(&m.unit),
            m.methodologies.join(", "),
            m.factors.len(),
            Sha256Hex::of_bytes(all.as_bytes())
        );
        for f in m.factors.iter().take(3) {
            let _ = writeln!(
                out,
                "  factor {} \"{}\" {:?}",
                f.flow.id,
                f.flow.description.as_deref().unwrap_or(""),
                f.value
            );
        }
    }
    for s in &d.normalization_weighting_sets {
        let _ = writeln!(out, "nw_set \"{}\" method={}", s.name, opt(&s.method));
        for e in &s.entries {
            let _ = writeln!(out, "  {} n={} w={}", e.category, amount(e.normalization), amount(e.weighting));
        }
    }
    for s in &d.sources {
        let _ = writeln!(out, "source {} \"{}\" type={}", s.id, s.name, opt(&s.publication_type));
        if s.publication_type.is_some() {
            for (k, v) in &s.metadata {
                let _ = writeln!(out, "  {k} = {v}");
            }
        }
    }
    for c in &d.contacts {
        let _ = writeln!(out, "contact {} \"{}\" email={}", c.id, c.name, opt(&c.email));
    }
    for diagnostic in &output.diagnostics {
        let _ = writeln!(out, "diagnostic {diagnostic}");
    }
    out
}
