//! ILCD reader: reads an ILCD zip, a directory or a single data set XML into the ecoref canonical model.
//!
//! Invariants:
//! - streaming: one zip entry or file is in memory at a time (plus the entities read so far), each read through a
//!   size limit; the archive is never extracted to disk;
//! - hostile input is an [`Error`] (unsafe entry names, bombs, DTDs, unknown entities), never a panic;
//! - bad data inside well-formed documents is a [`Diagnostic`] next to the data, never a failure;
//! - data sets are keyed by the UUID and version in their content, never by file names.

mod datasets;
mod error;
mod resolve;
mod xml;

pub use ecoref_extract_support::{OnInvalid, Progress};
pub use error::{Error, Result};

use crate::resolve::Collector;
use crate::xml::Parsed;
use ecoref_extract_support::xml::{XmlError, XmlErrorKind};
use ecoref_extract_support::{ByteBudget, Input, Limits, WalkStep, ZipContainer, for_each_file, open_input, walk_dir};
use ecoref_model::{Dataset, Diagnostic};
use std::io::{Read, Seek};
use std::path::Path;

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "ilcd";
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
    /// The data sets read, canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Data sets rejected (unparsable documents under [`OnInvalid::Skip`], data sets without a UUID).
    pub n_rejected: u64,
    /// XML documents read.
    pub n_entries_read: u64,
}

/// Reads a zip archive, a directory (recursively) or a single `.xml` data set file.
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
    if !input.extension_is("xml") {
        return Err(Error::UnsupportedInput { file: display });
    }
    let mut reader = Reader::new(options, &display);
    progress(Progress { entries_done: 0, entries_total: 1, current: &display });
    let bytes = reader.budget.read_file_limited(&display, input.file)?;
    reader.read_document(&display, &bytes)?;
    progress(Progress { entries_done: 1, entries_total: 1, current: &display });
    Ok(reader.finish())
}

/// Reads an ILCD zip archive from any seekable reader; `display_name` names it in errors and diagnostics.
pub fn read_zip<R: Read + Seek>(display_name: &str, reader: R, options: &ReadOptions) -> Result<ReadOutput> {
    read_zip_inner(display_name, reader, options, &mut |_| {})
}

/// Reads one data set document (used by the fuzz target and for single files already in memory).
pub fn read_xml(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    let mut reader = Reader::new(options, display_name);
    reader.budget.accept(display_name, bytes)?;
    reader.read_document(display_name, bytes)?;
    Ok(reader.finish())
}

/// State of one read: limits, byte accounting and the collected data sets.
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

    fn read_document(&mut self, file: &str, bytes: &[u8]) -> Result<()> {
        self.n_entries_read += 1;
        match xml::parse_document(bytes, datasets::is_data_set_root) {
            Ok(Parsed::Tree(root)) => self.collector.add(datasets::read_data_set(&root, file), file),
            Ok(Parsed::Skipped { ns, name }) => self.collector.add(datasets::classify_other_root(ns, &name), file),
            Err(e) => match self.options.on_invalid {
                OnInvalid::Fail => return Err(xml_error(file, e)),
                OnInvalid::Skip => {
                    let code = match e.kind {
                        XmlErrorKind::Dtd => "ilcd.dtd-refused",
                        XmlErrorKind::Malformed(_) => "ilcd.malformed-xml",
                    };
                    let (line, column) = (e.line, e.column);
                    let message = xml_error(file, e).to_string();
                    self.collector.reject(Diagnostic::error(code, message).in_file(file).at_line(line, Some(column)));
                }
            },
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

fn xml_error(file: &str, e: XmlError) -> Error {
    let file = file.to_owned();
    match e.kind {
        XmlErrorKind::Dtd => Error::Dtd { file, line: e.line, column: e.column },
        XmlErrorKind::Malformed(message) => Error::MalformedXml { file, line: e.line, column: e.column, message },
    }
}

/// Whether a path inside a package is an `external_docs` attachment (never parsed).
fn is_external_doc(name: &str) -> bool {
    name.split(['/', '\\']).any(|component| component.eq_ignore_ascii_case("external_docs"))
}

fn is_xml_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".xml")
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
        let file = format!("{display_name}!{name}");
        if is_external_doc(&name) {
            state.collector.not_loaded("external_docs attachments", &file);
        } else if !is_xml_name(&name) {
            state.collector.not_loaded("files without an .xml extension", &file);
        } else {
            selected.push((idx, name));
        }
    }
    archive.for_each_entry(&selected, options.max_entry_bytes, progress, |file, _, entry| {
        let bytes = state.budget.read_limited(file, entry)?;
        state.read_document(file, &bytes)
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
        if file_type.is_dir() {
            if name.eq_ignore_ascii_case("external_docs") {
                state.collector.not_loaded("external_docs attachments", &path.display().to_string());
                return WalkStep::Skip;
            }
            WalkStep::Descend
        } else if is_xml_name(name) && !file_type.is_symlink() {
            WalkStep::Take
        } else {
            state.collector.not_loaded("files without an .xml extension", &path.display().to_string());
            WalkStep::Skip
        }
    })?;
    for_each_file(&files, display_name, progress, |file, _, handle| {
        let bytes = state.budget.read_file_limited(file, handle)?;
        state.read_document(file, &bytes)
    })?;
    Ok(state.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_describe_every_field() {
        assert_eq!(
            ReadOptions::default().describe(),
            "max_entry_bytes=268435456;max_total_bytes=8589934592;max_entries=1000000;on_invalid=fail"
        );
    }
}
