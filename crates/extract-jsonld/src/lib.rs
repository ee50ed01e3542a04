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

pub use ecoref_extract_support::{OnInvalid, Progress};
pub use error::{Error, Result};

use crate::collect::Collector;
use ecoref_extract_support::{ByteBudget, Input, Limits, WalkStep, ZipContainer, for_each_file, open_input, walk_dir};
use ecoref_model::{Dataset, Diagnostic};
use std::io::{Cursor, Read, Seek};
use std::path::Path;

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "jsonld";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.0";

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
        let Limits { max_entry_bytes, max_total_bytes, max_entries } = Limits::default();
        ReadOptions { max_entry_bytes, max_total_bytes, max_entries, on_invalid: OnInvalid::Fail }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        format!("{};on_invalid={}", self.limits().describe(), self.on_invalid.as_str())
    }

    fn limits(&self) -> Limits {
        Limits {
            max_entry_bytes: self.max_entry_bytes,
            max_total_bytes: self.max_total_bytes,
            max_entries: self.max_entries,
        }
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
    let input = match open_input(path, &display)? {
        Input::Dir => return read_dir(path, &display, options, progress),
        Input::File(input) => input,
        Input::Other => return Err(Error::UnsupportedInput { file: display }),
    };
    if input.extension_is("zip") || input.magic().starts_with(b"PK") {
        return read_zip_inner(&display, std::io::BufReader::new(input.file), options, progress);
    }
    if !input.extension_is("json") {
        return Err(Error::UnsupportedInput { file: display });
    }
    let mut state = Reader::new(options, &display);
    progress(Progress { entries_done: 0, entries_total: 1, current: &display });
    let bytes = state.budget.read_file_limited(&display, input.file)?;
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
    let mut state = Reader::new(options, display_name);
    state.budget.accept(display_name, bytes)?;
    state.read_document(display_name, "", bytes)?;
    Ok(state.finish())
}

/// State of one read: limits, byte accounting and the collected entities.
struct Reader<'o> {
    options: &'o ReadOptions,
    budget: ByteBudget,
    collector: Collector,
    n_entries_read: u64,
}

impl<'o> Reader<'o> {
    /// A read of `input` (the archive, directory or file named in limit errors).
    fn new(options: &'o ReadOptions, input: &str) -> Self {
        let budget = ByteBudget::new(input, options.limits());
        Reader { options, budget, collector: Collector::default(), n_entries_read: 0 }
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
    let mut archive = ZipContainer::open(display_name, reader, options.max_entries)?;
    let mut state = Reader::new(options, display_name);
    let mut selected = Vec::new();
    for (idx, name) in archive.file_entries()? {
        match skip_reason(&name) {
            Some(reason) => state.collector.not_loaded(reason, &format!("{display_name}!{name}")),
            None => selected.push((idx, name)),
        }
    }
    archive.for_each_entry(&selected, options.max_entry_bytes, progress, |file, name, entry| {
        let bytes = state.budget.read_limited(file, entry)?;
        state.read_document(file, &parent_folder(name), &bytes)
    })?;
    Ok(state.finish())
}

fn read_dir(
    root: &Path,
    display_name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let mut state = Reader::new(options, display_name);
    let files = walk_dir(root, display_name, options.max_entries, |path, name, file_type| {
        let skip = if file_type.is_dir() {
            if !name.eq_ignore_ascii_case("bin") {
                return WalkStep::Descend;
            }
            "bin/ entries (binary layouts)"
        } else if file_type.is_symlink() {
            "symbolic links"
        } else {
            match skip_reason(name) {
                Some(reason) => reason,
                None => return WalkStep::Take,
            }
        };
        state.collector.not_loaded(skip, &path.display().to_string());
        WalkStep::Skip
    })?;
    for_each_file(&files, display_name, progress, |file, path, handle| {
        let bytes = state.budget.read_limited(file, handle)?;
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        state.read_document(file, &folder, &bytes)
    })?;
    Ok(state.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

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
