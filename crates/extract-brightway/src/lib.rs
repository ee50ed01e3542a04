//! Brightway reader: bw2io Excel/CSV LCI and LCIA files, `.bw2package` files, the LCIA JSON
//! (`lcia_39_ecoinvent.zip`) and bw2data project directories (SQLite + pickles, no Python), into the ecoref
//! canonical model.
//!
//! Invariants:
//! - one converter ([`convert`]) turns Brightway dicts from every source into entities, so ids and metadata
//!   agree across sources: a node is `"<database>/<code>"`, a method its name tuple joined with `" | "` (see
//!   the id scheme in [`convert`]);
//! - bad data is a [`Diagnostic`] next to the data, never a failure; an [`Error`] only for an unreadable
//!   file, container or database;
//! - every read goes through a size limit; decompression (bzip2, zip) is bounded by `max_uncompressed_bytes`;
//! - the reader never writes: SQLite databases are opened read-only.

mod convert;
mod error;
mod json;
mod project;
mod sheets;
mod table;
mod value;

pub use ecoref_extract_support::Progress;
pub use error::{Error, Result};

use crate::convert::Builder;
use ecoref_extract_support::read_at_most;
use ecoref_model::{Dataset, Diagnostic};
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "brightway";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.0";

/// Limits of one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest input file read (workbook, CSV, JSON, archive, pickle).
    pub max_file_bytes: u64,
    /// Largest uncompressed payload of a `.bw2package` (bzip2) or a zip entry.
    pub max_uncompressed_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_file_bytes: 1024 * 1024 * 1024, max_uncompressed_bytes: 2 * 1024 * 1024 * 1024 }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        format!("max_file_bytes={};max_uncompressed_bytes={}", self.max_file_bytes, self.max_uncompressed_bytes)
    }
}

/// What a read produces.
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The entities read, canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Data sets (activities, methods, objects) rejected, each with an error diagnostic.
    pub n_rejected: u64,
}

/// Reads a Brightway input: `.xlsx`/`.xlsm`/`.xls`/`.ods` or `.csv` (LCI or LCIA table), `.bw2package`,
/// `.json`, a zip of JSON (`lcia_39_ecoinvent.zip`), a `databases.db`, or a project directory.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<ReadOutput> {
    read_path_with_progress(path, options, &mut |_| {})
}

/// [`read_path`], reporting progress: per sheet, method or activity, and once at the end.
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let display = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|source| Error::Io { file: display.clone(), source })?;
    let mut builder = Builder::default();
    let mut report = |done: u64, total: u64, current: &str| {
        progress(Progress { entries_done: done, entries_total: total, current });
    };
    if metadata.is_dir() {
        if !project::is_project_dir(path) {
            return Err(Error::UnsupportedInput { file: display });
        }
        project::read_project(&mut builder, path, options, &mut report)?;
    } else if is_sqlite(path) {
        project::read_databases_db(&mut builder, path, &mut report)?;
    } else {
        let bytes = read_file_limited(path, options)?;
        read_document(&mut builder, &display, &bytes, options, &mut report)?;
    }
    Ok(finish(builder))
}

/// Reads one file held in memory (the fuzz entry point); the kind is taken from the content and the
/// extension of `display_name`. SQLite databases and project directories need [`read_path`].
pub fn read_bytes(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    if bytes.len() as u64 > options.max_file_bytes {
        return Err(Error::TooLarge { file: display_name.to_owned(), limit: options.max_file_bytes });
    }
    let mut builder = Builder::default();
    read_document(&mut builder, display_name, bytes, options, &mut |_, _, _| {})?;
    Ok(finish(builder))
}

fn finish(builder: Builder) -> ReadOutput {
    let (dataset, diagnostics, n_rejected) = builder.finish();
    ReadOutput { dataset, diagnostics, n_rejected }
}

fn is_sqlite(path: &Path) -> bool {
    let mut magic = [0u8; 16];
    fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"SQLite format 3\0"
}

pub(crate) fn read_file_limited(path: &Path, options: &ReadOptions) -> Result<Vec<u8>> {
    let file = path.display().to_string();
    let handle = fs::File::open(path).map_err(|source| Error::Io { file: file.clone(), source })?;
    read_limited(&file, handle, options.max_file_bytes, |source| Error::Io { file: file.clone(), source })
}

fn read_limited(
    file: &str,
    source: impl Read,
    limit: u64,
    io_error: impl FnOnce(std::io::Error) -> Error,
) -> Result<Vec<u8>> {
    read_at_most(source, limit).map_err(io_error)?.ok_or_else(|| Error::TooLarge { file: file.to_owned(), limit })
}

fn extension_of(name: &str) -> String {
    Path::new(name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default()
}

fn stem_of(name: &str) -> String {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    Path::new(base).file_stem().and_then(|s| s.to_str()).unwrap_or(base).to_owned()
}

fn read_document(
    builder: &mut Builder,
    file: &str,
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64, u64, &str),
) -> Result<()> {
    let extension = extension_of(file);
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if bytes.starts_with(b"BZh") || extension == "bw2package" {
        let payload =
            read_limited(file, bzip2::read::BzDecoder::new(bytes), options.max_uncompressed_bytes, |source| {
                Error::Bzip2 { file: file.to_owned(), source }
            })?;
        let json = json::parse_json(file, &payload)?;
        return json::read_json_document(builder, file, json, &mut |d, t| progress(d, t, file));
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06");
    let is_workbook = matches!(extension.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
        || bytes.starts_with(b"\xD0\xCF\x11\xE0")
        || (is_zip && zip_has_entry(bytes, "xl/workbook.xml"));
    if is_workbook {
        let sheets = sheets::read_workbook(file, bytes)?;
        progress(0, 1, file);
        table::read_sheets(builder, file, &stem_of(file), sheets);
        progress(1, 1, file);
        return Ok(());
    }
    if is_zip {
        return read_json_zip(builder, file, bytes, options, progress);
    }
    if extension == "zip" {
        return Err(Error::Structure {
            file: file.to_owned(),
            message: "named .zip but not a zip archive (no PK signature)".to_owned(),
        });
    }
    if extension == "json" || (extension != "csv" && matches!(first, Some(b'[' | b'{'))) {
        let json = json::parse_json(file, bytes)?;
        return json::read_json_document(builder, file, json, &mut |d, t| progress(d, t, file));
    }
    let stem = stem_of(file);
    let sheet = sheets::read_csv(&stem, bytes);
    progress(0, 1, file);
    table::read_sheets(builder, file, &stem, vec![sheet]);
    progress(1, 1, file);
    Ok(())
}

fn zip_has_entry(bytes: &[u8], name: &str) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|archive| archive.index_for_name(name).is_some())
}

/// A zip of JSON documents (the LCIA JSON ships as `data.json` inside a zip, LZMA-compressed).
fn read_json_zip(
    builder: &mut Builder,
    file: &str,
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64, u64, &str),
) -> Result<()> {
    let zip_error = |file: String| move |source| Error::Zip { file, source };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_error(file.to_owned()))?;
    let mut n_json = 0u64;
    let mut skipped = Vec::new();
    for idx in 0..archive.len() {
        let entry = archive.by_index(idx).map_err(zip_error(format!("{file} (entry {idx})")))?;
        let name = entry.name().map_err(zip_error(format!("{file} (entry {idx})")))?.into_owned();
        let entry_file = format!("{file}!{name}");
        if entry.is_dir() {
            continue;
        }
        if extension_of(&name) != "json" {
            skipped.push(name);
            continue;
        }
        if entry.size() > options.max_uncompressed_bytes {
            return Err(Error::TooLarge { file: entry_file, limit: options.max_uncompressed_bytes });
        }
        let payload = read_limited(&entry_file, entry, options.max_uncompressed_bytes, |source| Error::Io {
            file: entry_file.clone(),
            source,
        })?;
        n_json += 1;
        let json = json::parse_json(&entry_file, &payload)?;
        json::read_json_document(builder, &entry_file, json, &mut |d, t| progress(d, t, &entry_file))?;
    }
    if !skipped.is_empty() {
        builder.info(
            "brightway.not-loaded",
            format!(
                "{file}: {} entr(y/ies) without a .json extension not loaded: {}",
                skipped.len(),
                skipped.join(", ")
            ),
            file,
        );
    }
    if n_json == 0 {
        return Err(Error::UnsupportedInput { file: file.to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_describe_every_field() {
        assert_eq!(ReadOptions::default().describe(), "max_file_bytes=1073741824;max_uncompressed_bytes=2147483648");
    }

    #[test]
    fn stems_ignore_archive_paths() {
        assert_eq!(stem_of("a/b/lcia.csv"), "lcia");
        assert_eq!(stem_of("x.zip!data.json"), "data");
    }
}
