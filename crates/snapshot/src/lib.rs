//! Release snapshots: a published release as deterministic Parquet tables plus a `manifest.json` that pins every
//! file by sha256 and row count, so a past release stays scorable without the database.
//!
//! - [`collect_release`] reads a published release from the store into [`SnapshotData`], which
//!   [`SnapshotData::into_tables`] turns into the tables ([`SnapshotTables`]), once;
//! - [`write_snapshot`] writes them to `<out>/<release>/` (the same data always gives the same bytes);
//! - [`verify_snapshot`] recomputes every hash and row count against the manifest;
//! - [`read_snapshot`] verifies, then decodes the tables from the very bytes it hashed.

mod collect;
mod manifest;
mod tables;

pub use collect::collect_release;
pub use manifest::{
    FileEntry, MANIFEST_FILE, Manifest, MethodInfo, ReleaseInfo, RunInfo, SourceInfo, ValidationInfo, WriterInfo,
};
pub use tables::{PROCESS_IMPACTS, SnapshotData, SnapshotDataset, SnapshotTables, TABLES};

use arrow_array::RecordBatch;
use ecoref_model::Sha256Hex;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder, WriterVersion};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the snapshot layout (tables, columns, manifest); bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 2;
/// The ecoref version written into manifests and Parquet `created_by`.
pub const ECOREF_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Rows per Parquet row group (fixed, part of the determinism contract).
pub const MAX_ROW_GROUP_ROWS: usize = 65_536;

/// Errors of writing, verifying and reading snapshots.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("store: {0}")]
    Store(#[from] ecoref_store::Error),
    #[error("no release named {0}")]
    NoRelease(String),
    #[error("release {0} is a draft: only published releases can be snapshotted")]
    NotPublished(String),
    #[error("{file}: parquet: {source}")]
    Parquet { file: String, source: parquet::errors::ParquetError },
    #[error("{file}: arrow: {source}")]
    Arrow { file: String, source: arrow_schema::ArrowError },
    #[error("{file}: invalid manifest: {source}")]
    Manifest { file: String, source: serde_json::Error },
    #[error("{file}: unsupported snapshot format version {found} (this ecoref reads {FORMAT_VERSION})")]
    FormatVersion { file: String, found: u32 },
    #[error("{file}: sha256 mismatch: manifest says {expected}, file has {actual}")]
    HashMismatch { file: String, expected: String, actual: String },
    #[error("{file}: row count mismatch: manifest says {expected}, file has {actual}")]
    RowMismatch { file: String, expected: u64, actual: u64 },
    #[error("{file}: {detail}")]
    Invalid { file: String, detail: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// The fixed Parquet writer settings: snappy, one row-group size, chunk statistics (no timestamps anywhere),
/// writer version 1.0, and a `created_by` that names only the ecoref version.
fn writer_properties_builder() -> WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(MAX_ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(created_by())
}

fn created_by() -> String {
    format!("ecoref-snapshot {ECOREF_VERSION}")
}

/// Encodes one table as Parquet bytes with the snapshot's fixed writer settings (deterministic), with `metadata`
/// as the file's key-value metadata (e.g. the provenance of an exported result).
pub fn encode_parquet(file: &str, batch: &RecordBatch, metadata: &[(&str, &str)]) -> Result<Vec<u8>> {
    let pairs = metadata.iter().map(|(k, v)| KeyValue::new((*k).to_owned(), (*v).to_owned())).collect();
    let properties = writer_properties_builder().set_key_value_metadata(Some(pairs)).build();
    encode_with(file, batch, properties)
}

/// Encodes one table of a snapshot as Parquet bytes.
fn encode(file: &str, batch: &RecordBatch) -> Result<Vec<u8>> {
    encode_with(file, batch, writer_properties_builder().build())
}

fn encode_with(file: &str, batch: &RecordBatch, properties: WriterProperties) -> Result<Vec<u8>> {
    let parquet = |source| Error::Parquet { file: file.to_owned(), source };
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).map_err(parquet)?;
    writer.write(batch).map_err(parquet)?;
    writer.close().map_err(parquet)?;
    Ok(bytes)
}

/// Writes the tables to `<out_dir>/<release>/` (replacing a previous snapshot of the same release there) and
/// returns its manifest. Files are written into a temporary sibling directory first and renamed into place.
pub fn write_snapshot(data: &SnapshotTables, out_dir: &Path) -> Result<(PathBuf, Manifest)> {
    let name = &data.manifest_base.release.name;
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Error::Invalid { file: name.clone(), detail: "release name is not a directory name".to_owned() });
    }
    std::fs::create_dir_all(out_dir).map_err(io(format!("create {}", out_dir.display())))?;
    let target = out_dir.join(name);
    let staging = out_dir.join(format!(".{name}.tmp-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(format!("remove {}", staging.display())))?;
    }
    std::fs::create_dir_all(&staging).map_err(io(format!("create {}", staging.display())))?;
    let mut manifest = data.manifest_base.clone();
    for (table, batch) in &data.tables {
        let file = format!("{table}.parquet");
        let bytes = encode(&file, batch)?;
        let path = staging.join(&file);
        std::fs::write(&path, &bytes).map_err(io(format!("write {}", path.display())))?;
        manifest.files.push(FileEntry {
            name: file,
            table: table.clone(),
            sha256: Sha256Hex::of_bytes(&bytes).0,
            rows: batch.num_rows() as u64,
            bytes: bytes.len() as u64,
        });
    }
    let text = manifest.to_json();
    let path = staging.join(MANIFEST_FILE);
    std::fs::write(&path, text.as_bytes()).map_err(io(format!("write {}", path.display())))?;
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(format!("remove {}", target.display())))?;
    }
    std::fs::rename(&staging, &target).map_err(io(format!("rename {} to {}", staging.display(), target.display())))?;
    Ok((target, manifest))
}

/// A snapshot read back and verified.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// sha256 of `manifest.json`'s bytes: the identity of the snapshot (results cite it).
    pub manifest_sha256: String,
    /// Each table's record batches, by table name.
    pub tables: BTreeMap<String, Vec<RecordBatch>>,
}

impl Snapshot {
    /// Rows of one table (0 when the snapshot has no such table).
    pub fn n_rows(&self, table: &str) -> u64 {
        self.tables.get(table).map_or(0, |batches| batches.iter().map(|b| b.num_rows() as u64).sum())
    }
}

/// The outcome of [`verify_snapshot`].
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub manifest_sha256: String,
}

fn read_manifest(dir: &Path) -> Result<(Manifest, String)> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(io(format!("read {}", path.display())))?;
    let file = path.display().to_string();
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|source| Error::Manifest { file: file.clone(), source })?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(Error::FormatVersion { file, found: manifest.format_version });
    }
    Ok((manifest, Sha256Hex::of_bytes(&bytes).0))
}

/// Reads one file of the manifest, checks its sha256, decodes it and checks its row count.
fn read_checked(dir: &Path, entry: &FileEntry) -> Result<Vec<RecordBatch>> {
    if entry.name.contains(['/', '\\']) || entry.name.starts_with('.') {
        return Err(Error::Invalid { file: entry.name.clone(), detail: "file name escapes the snapshot".to_owned() });
    }
    let path = dir.join(&entry.name);
    let file = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(io(format!("read {file}")))?;
    let actual = Sha256Hex::of_bytes(&bytes).0;
    if actual != entry.sha256 {
        return Err(Error::HashMismatch { file, expected: entry.sha256.clone(), actual });
    }
    let parquet = |source| Error::Parquet { file: file.clone(), source };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(parquet)?
        .build()
        .map_err(parquet)?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|source| Error::Arrow { file: file.clone(), source })?;
    let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    if rows != entry.rows {
        return Err(Error::RowMismatch { file, expected: entry.rows, actual: rows });
    }
    Ok(batches)
}

/// Recomputes every file's sha256 and row count against `manifest.json`; the first mismatch is an error naming
/// the file, the expected and the actual value. Files in the directory that the manifest does not list are
/// refused too.
pub fn verify_snapshot(dir: &Path) -> Result<Verified> {
    let snapshot = read_snapshot(dir)?;
    Ok(Verified { manifest: snapshot.manifest, manifest_sha256: snapshot.manifest_sha256 })
}

/// Reads a snapshot, verifying every hash and row count before use (see [`verify_snapshot`]).
pub fn read_snapshot(dir: &Path) -> Result<Snapshot> {
    let (manifest, manifest_sha256) = read_manifest(dir)?;
    let listed: std::collections::BTreeSet<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    let entries = std::fs::read_dir(dir).map_err(io(format!("read directory {}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(io(format!("read directory {}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MANIFEST_FILE && !listed.contains(name.as_str()) {
            return Err(Error::Invalid {
                file: entry.path().display().to_string(),
                detail: "file not listed in manifest.json".to_owned(),
            });
        }
    }
    let mut tables = BTreeMap::new();
    for entry in &manifest.files {
        tables.insert(entry.table.clone(), read_checked(dir, entry)?);
    }
    Ok(Snapshot { dir: dir.to_owned(), manifest, manifest_sha256, tables })
}
