//! `manifest.json`: what a snapshot holds and where it comes from, with every file's sha256 and row count.
//!
//! It carries no wall-clock time of its own: a published release is immutable, so the manifest is a pure function
//! of it. Database-local ids (dataset version, run) are left out; sources are named `source@N` and pinned by
//! content hash and import inputs.

use ecoref_model::Counts;
use ecoref_store::InputFile;
use serde::{Deserialize, Serialize};

pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `ecoref-snapshot`.
    pub format: String,
    pub format_version: u32,
    pub ecoref_version: String,
    pub release: ReleaseInfo,
    /// The release's dataset versions, by label.
    pub sources: Vec<SourceInfo>,
    pub method: Option<MethodInfo>,
    pub validation: Option<ValidationInfo>,
    pub writer: WriterInfo,
    /// Tables that a later format will add but this writer leaves out (e.g. `process_impacts`).
    pub tables_not_written: Vec<String>,
    /// One entry per Parquet file, in table order.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// Pretty JSON with a trailing newline; field order is the struct's, maps are sorted: stable bytes.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("manifest serializes to JSON");
        text.push('\n');
        text
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    pub name: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub published_by: Option<String>,
    /// When the release was published (recorded by the database, not the time of writing).
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `source@N`.
    pub dataset: String,
    pub source_name: String,
    pub version_number: i64,
    /// The dataset version's content hash (sha256 of its canonical model).
    pub content_hash: String,
    pub counts: Counts,
    /// `open` or `restricted` (any input of the import run marked restricted): who may see the detailed
    /// indicators of this source's processes.
    pub licence_class: String,
    /// The import run that created the dataset version.
    pub import_run: Option<RunInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub reader_name: String,
    pub reader_version: String,
    pub pipeline: Option<String>,
    pub idempotency_key: String,
    /// Input files with their sha256.
    pub inputs: Vec<InputFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodInfo {
    /// `name@version`.
    pub label: String,
    pub name: String,
    pub version: String,
    pub methodology: Option<String>,
    /// The dataset (`source@N`) the indicators come from.
    pub dataset: String,
    pub weights: Option<String>,
    pub content_hash: String,
    pub n_indicators: i64,
    pub n_factors: i64,
    pub n_nw_sets: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationInfo {
    pub validator: String,
    pub n_processes: u64,
    pub n_technosphere_exchanges: u64,
    pub n_unlinked: u64,
    pub n_elementary_flows: u64,
    pub n_unmapped_flows: u64,
    pub accepted_unmapped_flows: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriterInfo {
    /// The Parquet `created_by` of every file.
    pub created_by: String,
    pub compression: String,
    pub max_row_group_rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// File name inside the snapshot directory (`processes.parquet`).
    pub name: String,
    pub table: String,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
    pub rows: u64,
    pub bytes: u64,
}
