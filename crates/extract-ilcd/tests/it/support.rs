//! Shared helpers: fixture paths, zip building and diagnostic queries.

use ecoref_extract_ilcd::ReadOutput;
pub(crate) use ecoref_extract_support::testing::build_zip;
use ecoref_model::{Diagnostic, Severity};
use std::io::{Cursor, Read};
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ilcd")).join(rel)
}

pub(crate) const TIANGONG_ZIP: &str = "tiangong_subset/tiangong_subset_ILCD.zip";

/// The text of one entry of a fixture zip.
pub(crate) fn zip_entry_text(zip_rel: &str, name: &str) -> String {
    let bytes = std::fs::read(fixture(zip_rel)).expect("read zip");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("open zip");
    let mut text = String::new();
    archive.by_name(name).expect("entry").read_to_string(&mut text).expect("utf-8 entry");
    text
}

pub(crate) fn warnings<'a>(output: &'a ReadOutput, code: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
    output.diagnostics.iter().filter(move |d| d.severity == Severity::Warning && d.code == code)
}
