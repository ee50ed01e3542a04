//! openLCA JSON-LD reader: reads a JSON-LD zip, a directory or a single entity `.json` file (olca-schema v1.x
//! and v2) into the ecoref canonical model.
//!
//! Invariants:
//! - streaming: one zip entry or file is in memory at a time (plus the entities read so far), each read through a
//!   size limit; the archive is never extracted to disk;
//! - hostile input is an [`Error`] (unsafe entry names, bombs, malformed JSON under [`OnInvalid::Fail`]), never a
//!   panic;
//! - bad data inside well-formed documents is a [`Diagnostic`] next to the data, never a failure;
//! - entities are classified by their `@type` (then by their folder) and keyed by `@id`, never by file names;
//! - `bin/` entries (binary layouts) are never parsed.

mod collect;
mod entities;
mod error;
mod json;

pub use error::{Error, Result};

use crate::collect::Collector;
use ecoref_model::{Dataset, Diagnostic};
use std::fs;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "jsonld";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.0";

/// What to do with a document that is not valid JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnInvalid {
    /// The whole read fails with an [`Error`].
    #[default]
    Fail,
    /// The document becomes an `Error` diagnostic and a rejected data set; the read goes on.
    Skip,
}

impl OnInvalid {
    pub fn as_str(self) -> &'static str {
        match self {
            OnInvalid::Fail => "fail",
            OnInvalid::Skip => "skip",
        }
    }
}

/// Limits and policies of one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest uncompressed size of one document (zip entry or file).
    pub max_entry_bytes: u64,
    /// Largest uncompressed size of all documents read.
    pub max_total_bytes: u64,
    /// Most entries an archive (or files a directory) may hold.
    pub max_entries: u64,
    pub on_invalid: OnInvalid,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_entry_bytes: 256 * 1024 * 1024,
            max_total_bytes: 8 * 1024 * 1024 * 1024,
            max_entries: 1_000_000,
            on_invalid: OnInvalid::Fail,
        }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        format!(
            "max_entry_bytes={};max_total_bytes={};max_entries={};on_invalid={}",
            self.max_entry_bytes,
            self.max_total_bytes,
            self.max_entries,
            self.on_invalid.as_str()
        )
    }
}

/// What a read produces.
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The entities read, canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Data sets rejected (invalid JSON under [`OnInvalid::Skip`], root entities without `@id`).
    pub n_rejected: u64,
    /// JSON documents read.
    pub n_entries_read: u64,
}

/// Progress of a read, reported before each document and once at the end.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub entries_done: u64,
    pub entries_total: u64,
    pub current: &'a str,
}

/// Reads a JSON-LD zip archive, a directory (recursively) or a single `.json` entity file.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<ReadOutput> {
    read_path_with_progress(path, options, &mut |_| {})
}

/// [`read_path`], reporting progress.
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let display = path.display().to_string();
    let io_error = |source| Error::Io { file: display.clone(), source };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return read_dir(path, &display, options, progress);
    }
    if !metadata.is_file() {
        return Err(Error::UnsupportedInput { file: display });
    }
    let mut file = fs::File::open(path).map_err(io_error)?;
    let mut magic = [0u8; 4];
    let n_magic = read_prefix(&mut file, &mut magic).map_err(io_error)?;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    file.rewind().map_err(io_error)?;
    if extension.as_deref() == Some("zip") || magic[..n_magic].starts_with(b"PK") {
        return read_zip_inner(&display, std::io::BufReader::new(file), options, progress);
    }
    if extension.as_deref() != Some("json") {
        return Err(Error::UnsupportedInput { file: display });
    }
    let mut state = Reader::new(options);
    progress(Progress { entries_done: 0, entries_total: 1, current: &display });
    let bytes = state.read_limited(&display, &display, file)?;
    state.read_document(&display, "", &bytes)?;
    progress(Progress { entries_done: 1, entries_total: 1, current: &display });
    Ok(state.finish())
}

/// Reads a JSON-LD zip archive from any seekable reader; `display_name` names it in errors and diagnostics.
pub fn read_zip<R: Read + Seek>(display_name: &str, reader: R, options: &ReadOptions) -> Result<ReadOutput> {
    read_zip_inner(display_name, reader, options, &mut |_| {})
}

/// Reads one file already in memory: a zip archive (it starts with `PK`) or a single entity JSON document. Used
/// by the fuzz target.
pub fn read_bytes(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    if bytes.starts_with(b"PK") {
        return read_zip(display_name, Cursor::new(bytes), options);
    }
    if bytes.len() as u64 > options.max_entry_bytes {
        return Err(Error::EntryTooLarge { file: display_name.to_owned(), limit: options.max_entry_bytes });
    }
    let mut state = Reader::new(options);
    state.count_bytes(display_name, display_name, bytes.len() as u64)?;
    state.read_document(display_name, "", bytes)?;
    Ok(state.finish())
}

fn read_prefix(file: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// State of one read: limits, byte accounting and the collected entities.
struct Reader<'o> {
    options: &'o ReadOptions,
    collector: Collector,
    n_total_bytes: u64,
    n_entries_read: u64,
}

impl<'o> Reader<'o> {
    fn new(options: &'o ReadOptions) -> Self {
        Reader { options, collector: Collector::default(), n_total_bytes: 0, n_entries_read: 0 }
    }

    /// Reads one document through the entry limit and counts it against the total limit.
    fn read_limited(&mut self, input: &str, file: &str, source: impl Read) -> Result<Vec<u8>> {
        let limit = self.options.max_entry_bytes;
        let mut bytes = Vec::new();
        source
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io { file: file.to_owned(), source })?;
        if bytes.len() as u64 > limit {
            return Err(Error::EntryTooLarge { file: file.to_owned(), limit });
        }
        self.count_bytes(input, file, bytes.len() as u64)?;
        Ok(bytes)
    }

    fn count_bytes(&mut self, input: &str, file: &str, n_bytes: u64) -> Result<()> {
        self.n_total_bytes = self.n_total_bytes.saturating_add(n_bytes);
        if self.n_total_bytes > self.options.max_total_bytes {
            return Err(Error::TotalTooLarge {
                input: input.to_owned(),
                file: file.to_owned(),
                limit: self.options.max_total_bytes,
            });
        }
        Ok(())
    }

    /// Parses one document; `folder` is the entity folder it sits in (`processes`, …), used when `@type` is absent.
    fn read_document(&mut self, file: &str, folder: &str, bytes: &[u8]) -> Result<()> {
        self.n_entries_read += 1;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(value) => self.collector.add(entities::read_entity(&value, folder, file), file),
            Err(e) => {
                let (line, column) = (e.line() as u64, e.column() as u64);
                let error = Error::MalformedJson { file: file.to_owned(), line, column, message: e.to_string() };
                match self.options.on_invalid {
                    OnInvalid::Fail => return Err(error),
                    OnInvalid::Skip => self.collector.reject(
                        Diagnostic::error("jsonld.malformed-json", error.to_string())
                            .in_file(file)
                            .at_line(line, Some(column)),
                    ),
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> ReadOutput {
        let collected = self.collector.finish();
        ReadOutput {
            dataset: collected.dataset,
            diagnostics: collected.diagnostics,
            n_rejected: collected.n_rejected,
            n_entries_read: self.n_entries_read,
        }
    }
}

/// An entry name that could escape an extraction directory: absolute, a drive letter, or a `..` component.
fn is_unsafe_entry_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\0')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
        || name.split(['/', '\\']).any(|component| component == "..")
}

/// Why a path inside a package is not parsed, if it is not: `bin/` layouts, the JSON-LD context, non-JSON files.
fn skip_reason(name: &str) -> Option<&'static str> {
    let components: Vec<&str> = name.split(['/', '\\']).filter(|c| !c.is_empty()).collect();
    if components.iter().any(|c| c.eq_ignore_ascii_case("bin")) {
        return Some("bin/ entries (binary layouts)");
    }
    let file_name = components.last().copied().unwrap_or("");
    if file_name.eq_ignore_ascii_case("context.json") || file_name.eq_ignore_ascii_case("meta.info") {
        return Some("package context files (context.json, meta.info)");
    }
    if !file_name.to_ascii_lowercase().ends_with(".json") {
        return Some("files without a .json extension");
    }
    None
}

/// The folder an entry sits in (`processes` for `processes/x.json`), lowercase; empty at the root.
fn parent_folder(name: &str) -> String {
    let mut components: Vec<&str> = name.split(['/', '\\']).filter(|c| !c.is_empty()).collect();
    components.pop();
    components.last().map(|c| c.to_ascii_lowercase()).unwrap_or_default()
}

fn read_zip_inner<R: Read + Seek>(
    display_name: &str,
    reader: R,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let zip_error = |file: String| move |source| Error::Zip { file, source };
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_error(display_name.to_owned()))?;
    let n_entries = archive.len() as u64;
    if n_entries > options.max_entries {
        return Err(Error::TooManyEntries { input: display_name.to_owned(), n_entries, limit: options.max_entries });
    }
    let mut state = Reader::new(options);
    let mut selected = Vec::new();
    for idx in 0..archive.len() {
        let name = match archive.name_for_index(idx) {
            Some(Ok(name)) => name.into_owned(),
            Some(Err(source)) => return Err(Error::Zip { file: format!("{display_name} (entry {idx})"), source }),
            None => continue,
        };
        if is_unsafe_entry_name(&name) {
            return Err(Error::UnsafeEntryName { archive: display_name.to_owned(), entry: name });
        }
        if name.ends_with('/') {
            continue;
        }
        match skip_reason(&name) {
            Some(reason) => state.collector.not_loaded(reason, &format!("{display_name}!{name}")),
            None => selected.push((idx, name)),
        }
    }
    let entries_total = selected.len() as u64;
    for (done, (idx, name)) in selected.into_iter().enumerate() {
        let file = format!("{display_name}!{name}");
        progress(Progress { entries_done: done as u64, entries_total, current: &file });
        let entry = archive.by_index(idx).map_err(zip_error(file.clone()))?;
        if entry.size() > options.max_entry_bytes {
            return Err(Error::EntryTooLarge { file, limit: options.max_entry_bytes });
        }
        let bytes = state.read_limited(display_name, &file, entry)?;
        state.read_document(&file, &parent_folder(&name), &bytes)?;
    }
    progress(Progress { entries_done: entries_total, entries_total, current: display_name });
    Ok(state.finish())
}

fn read_dir(
    root: &Path,
    display_name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let mut state = Reader::new(options);
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    let mut n_entries: u64 = 0;
    while let Some(dir) = pending.pop() {
        let io_error = |source| Error::Io { file: dir.display().to_string(), source };
        let mut children = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error)? {
            children.push(entry.map_err(io_error)?);
        }
        children.sort_by_key(|e| e.file_name());
        for entry in children {
            n_entries += 1;
            if n_entries > options.max_entries {
                return Err(Error::TooManyEntries {
                    input: display_name.to_owned(),
                    n_entries,
                    limit: options.max_entries,
                });
            }
            let path = entry.path();
            let file_type =
                entry.file_type().map_err(|source| Error::Io { file: path.display().to_string(), source })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if file_type.is_dir() {
                if name.eq_ignore_ascii_case("bin") {
                    state.collector.not_loaded("bin/ entries (binary layouts)", &path.display().to_string());
                } else {
                    pending.push(path);
                }
            } else if file_type.is_symlink() {
                state.collector.not_loaded("symbolic links", &path.display().to_string());
            } else {
                match skip_reason(&name) {
                    Some(reason) => state.collector.not_loaded(reason, &path.display().to_string()),
                    None => files.push(path),
                }
            }
        }
    }
    files.sort();
    let entries_total = files.len() as u64;
    for (done, path) in files.iter().enumerate() {
        let file = path.display().to_string();
        progress(Progress { entries_done: done as u64, entries_total, current: &file });
        let handle = fs::File::open(path).map_err(|source| Error::Io { file: file.clone(), source })?;
        let bytes = state.read_limited(display_name, &file, handle)?;
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        state.read_document(&file, &folder, &bytes)?;
    }
    progress(Progress { entries_done: entries_total, entries_total, current: display_name });
    Ok(state.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_entry_names_are_recognized() {
        for name in ["../evil.json", "a/../../x.json", "/etc/passwd", "\\x.json", "C:/x.json"] {
            assert!(is_unsafe_entry_name(name), "{name}");
        }
        for name in ["processes/x.json", "flows/..x.json"] {
            assert!(!is_unsafe_entry_name(name), "{name}");
        }
    }

    #[test]
    fn bin_context_and_non_json_entries_are_skipped() {
        assert!(skip_reason("bin/product_systems/x/layout.json").is_some());
        assert!(skip_reason("context.json").is_some());
        assert!(skip_reason("processes/readme.txt").is_some());
        assert_eq!(skip_reason("processes/x.json"), None);
        assert_eq!(parent_folder("processes/x.json"), "processes");
        assert_eq!(parent_folder("x.json"), "");
    }

    #[test]
    fn options_describe_every_field() {
        assert_eq!(
            ReadOptions::default().describe(),
            "max_entry_bytes=268435456;max_total_bytes=8589934592;max_entries=1000000;on_invalid=fail"
        );
    }
}
