//! Shared helpers: fixture paths, reads and diagnostic queries.

use ecoref_extract_brightway::{ReadOptions, ReadOutput, read_path};
use ecoref_model::{Diagnostic, Severity};
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/brightway")).join(rel)
}

pub(crate) fn read(rel: &str) -> ReadOutput {
    match read_path(&fixture(rel), &ReadOptions::default()) {
        Ok(out) => out,
        Err(e) => panic!("{rel}: {e}"),
    }
}

pub(crate) fn errors(output: &ReadOutput) -> Vec<&Diagnostic> {
    output.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

pub(crate) fn with_code<'a>(output: &'a ReadOutput, code: &str) -> Vec<&'a Diagnostic> {
    output.diagnostics.iter().filter(|d| d.code == code).collect()
}
