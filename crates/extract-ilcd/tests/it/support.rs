//! Shared helpers: fixture paths, zip building and diagnostic queries.

use ecoref_extract_ilcd::ReadOutput;
use ecoref_model::{Diagnostic, Severity};
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ilcd")).join(rel)
}

pub(crate) const TIANGONG_ZIP: &str = "tiangong_subset/tiangong_subset_ILCD.zip";

/// Builds an in-memory zip from (name, content) pairs, deflated.
pub(crate) fn build_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).expect("start entry");
        writer.write_all(content).expect("write entry");
    }
    writer.finish().expect("finish zip").into_inner()
}

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
