//! Shared helpers: fixture paths, reading and diagnostic queries.

use ecoref_extract_simapro::{ReadOptions, ReadOutput, read_path};
use ecoref_model::Severity;
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/simapro_csv")).join(rel)
}

pub(crate) fn read(rel: &str) -> ReadOutput {
    read_path(&fixture(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(crate) fn codes(output: &ReadOutput, severity: Severity) -> Vec<&str> {
    output.diagnostics.iter().filter(|d| d.severity == severity).map(|d| d.code.as_str()).collect()
}
