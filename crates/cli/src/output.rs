//! Plain-text output helpers: aligned tables, counts, diagnostic summaries, secret redaction.

use crate::Outcome;
use ecoref_model::{Counts, Diagnostic, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a listing command prints: `items` as JSON with `json`, `empty` when there are none, else a table of
/// `header` with one `row` per item.
pub(crate) fn print_listing<T: Serialize>(
    items: &[T],
    json: bool,
    empty: &str,
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> anyhow::Result<Outcome> {
    if json {
        println!("{}", serde_json::to_string_pretty(items)?);
        return Ok(Outcome::Ok);
    }
    if items.is_empty() {
        println!("{empty}");
        return Ok(Outcome::Ok);
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    print_table(header, &rows);
    Ok(Outcome::Ok)
}

/// Prints rows as a left-aligned table with a header; the last column is not padded.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let n_columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(n_columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.trim_end().to_string()
    };
    println!("{}", line(header.to_vec()));
    for row in rows {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
}

pub(crate) fn print_counts(counts: &Counts) {
    let rows = [
        ("processes", counts.processes),
        ("exchanges", counts.exchanges),
        ("aggregated LCIA results", counts.lcia_results),
        ("flows", counts.flows),
        ("flow properties", counts.flow_properties),
        ("unit groups", counts.unit_groups),
        ("units", counts.units),
        ("LCIA methods", counts.lcia_methods),
        ("characterization factors", counts.characterization_factors),
        ("sources", counts.sources),
        ("contacts", counts.contacts),
        ("normalization-weighting sets", counts.normalization_weighting_sets),
    ];
    let rows: Vec<Vec<String>> = rows.iter().map(|(name, n)| vec![format!("  {name}"), n.to_string()]).collect();
    print_table(&["  entity", "rows"], &rows);
}

/// One line per (severity, code) with its count, then the first few messages of each code.
pub(crate) fn print_diagnostic_summary(diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        println!("diagnostics: none");
        return;
    }
    let mut by_code: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        by_code.entry((std::cmp::Reverse(d.severity), d.code.as_str())).or_default().push(d);
    }
    println!("diagnostics: {}", diagnostics.len());
    for ((severity, code), items) in &by_code {
        println!("  {} {} × {}", severity.0, code, items.len());
        for d in items.iter().take(3) {
            println!("    {}", one_line(d));
        }
        if items.len() > 3 {
            println!("    … {} more (ecoref runs --id <run>)", items.len() - 3);
        }
    }
}

pub(crate) fn one_line(d: &Diagnostic) -> String {
    let location = d.location.to_string();
    if location.is_empty() { d.message.clone() } else { format!("{} ({location})", d.message) }
}

/// Hides the password of a database URL so it never reaches logs or error messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

pub(crate) fn format_amount(amount: Option<f64>) -> String {
    match amount {
        // Shortest round-trip text: what is printed parses back to the stored bits.
        Some(value) if value == 0.0 || (1e-4..1e9).contains(&value.abs()) => format!("{value}"),
        Some(value) => format!("{value:e}"),
        None => "–".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_passwords_only() {
        assert_eq!(redact_url("postgres://ecoref:s3cret@db:5432/ref"), "postgres://ecoref:***@db:5432/ref");
        assert_eq!(redact_url("postgres://ecoref@db/ref"), "postgres://ecoref@db/ref");
        assert_eq!(redact_url("sqlite://.ecoref/ecoref.sqlite"), "sqlite://.ecoref/ecoref.sqlite");
        assert_eq!(redact_url("postgres://u:p@ss@host/db"), "postgres://u:***@host/db");
    }

    #[test]
    fn amounts_print_exactly() {
        assert_eq!(format_amount(Some(0.0006)), "0.0006");
        assert_eq!(format_amount(Some(1.0)), "1");
        assert_eq!(format_amount(Some(-12.5)), "-12.5");
        assert_eq!(format_amount(Some(2.83e-7)), "2.83e-7");
        assert_eq!(format_amount(None), "–");
    }
}
