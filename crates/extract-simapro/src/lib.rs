//! SimaPro CSV reader: reads a SimaPro CSV export (processes, methods, product stages; current and legacy
//! headers) into the ecoref canonical model.
//!
//! Invariants:
//! - streaming: the file is read line by line and converted one block (`Process` … `End`) at a time; memory holds
//!   one block plus the entities read so far, never the whole text;
//! - bad data is a [`Diagnostic`] next to the data, never a failure; [`Error`] is for an unreadable file or one
//!   that is not a SimaPro export at all; no input panics;
//! - amounts written as numbers are parsed bit-exact (`str::parse::<f64>`, decimal comma honoured); amounts
//!   written as expressions keep their text in `formula` and get the evaluated value once every parameter
//!   (process, database, project) is known, at the end of the file;
//! - ids: processes keep `Process identifier` (else `PlatformId`, else `simapro-process-<hash of name and
//!   products>`); elementary flows are keyed by (name, compartment, subcompartment) as
//!   [`elementary_flow_id`] documents; product and waste flows by their name as written, which is also what
//!   `Exchange.provider` names (SimaPro links by product name).

mod blocks;
mod convert;
mod error;
mod expr;
mod header;
mod names;
mod text;

pub use ecoref_extract_support::Progress;
pub use error::{Error, Result};
pub use header::Header;

use crate::blocks::{BlockReader, Item};
use crate::convert::Collector;
use crate::text::{LineSource, RecordReader};
use ecoref_model::{Dataset, Diagnostic, Parameter};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "simapro";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.0";

/// Id scheme of elementary flows, public so that other readers and the CLI can match SimaPro substances.
pub fn elementary_flow_id(name: &str, compartment: &str, subcompartment: &str) -> String {
    let compartment = names::canonical_compartment(compartment).unwrap_or(compartment);
    names::elementary_flow_id(name, compartment, subcompartment)
}

/// Limits and policies of one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Longest physical line accepted (a longer one is an [`Error::LineTooLong`]).
    pub max_line_bytes: u64,
    /// Import waste-scenario processes (end-of-life routing by waste type) as processes. Off by default, as
    /// Brightway does: their `Separated waste`/`Remaining waste` rows are shares of waste types, not amounts.
    pub include_waste_scenarios: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_line_bytes: 64 * 1024 * 1024, include_waste_scenarios: false }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        format!("max_line_bytes={};include_waste_scenarios={}", self.max_line_bytes, self.include_waste_scenarios)
    }
}

/// Level of a parameter defined outside processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLevel {
    Database,
    Project,
}

/// A database or project parameter (the model has no place for them; process parameters are in
/// `Process.parameters`).
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalParameter {
    pub level: ParameterLevel,
    pub parameter: Parameter,
}

/// What a read produces.
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The entities read, canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Blocks rejected (processes without name or product, unknown blocks).
    pub n_rejected: u64,
    /// The file header.
    pub header: Header,
    /// Database and project parameters with their evaluated values.
    pub parameters: Vec<GlobalParameter>,
    /// Blocks read.
    pub n_blocks_read: u64,
}

/// Reads one SimaPro CSV file.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<ReadOutput> {
    read_path_with_progress(path, options, &mut |_| {})
}

/// [`read_path`], reporting progress in bytes, before each block and once at the end: `entries_done` is the
/// bytes read so far, `entries_total` the size of the input, `current` the block being read (`Process`,
/// `Method`, …) or the file name at the end.
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let display = path.display().to_string();
    let io_error = |source| Error::Io { file: display.clone(), source };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(Error::UnsupportedInput { file: display });
    }
    let file = fs::File::open(path).map_err(io_error)?;
    read_stream(&display, BufReader::with_capacity(1 << 16, file), metadata.len(), options, progress)
}

/// Reads one file already in memory (used by the fuzz target); `display_name` names it in diagnostics.
pub fn read_bytes(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    read_stream(display_name, bytes, bytes.len() as u64, options, &mut |_| {})
}

/// Reads from any buffered reader; `n_bytes_total` is only used for progress.
pub fn read_stream<R: BufRead>(
    display_name: &str,
    reader: R,
    n_bytes_total: u64,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let mut lines = LineSource::new(reader, display_name, options.max_line_bytes);
    let header = read_header(display_name, &mut lines)?;
    let mut collector = Collector::new(display_name, options, &header);
    if header.entries.contains_key("missing header") {
        collector.missing_header(1);
    }
    let records = RecordReader::new(lines, header.separator);
    let mut blocks = BlockReader::new(records, header.legacy);
    let mut n_blocks_read = 0;
    loop {
        progress(Progress {
            entries_done: blocks.records.lines.n_bytes_read,
            entries_total: n_bytes_total,
            current: "block",
        });
        let item = blocks.next_item()?;
        for problem in blocks.records.problems.drain(..) {
            collector.split_problem(problem);
        }
        match item {
            None => break,
            Some(Item::Block(block)) => {
                n_blocks_read += 1;
                collector.add_block(block);
            }
            Some(Item::Unknown(record)) => {
                n_blocks_read += 1;
                collector.unknown_block(&record);
            }
        }
    }
    let lines = &blocks.records.lines;
    if let Some(line) = lines.first_cp1252_line {
        collector.encoding_fallback(line, lines.n_cp1252_lines);
    }
    progress(Progress { entries_done: lines.n_bytes_read, entries_total: n_bytes_total, current: display_name });
    let finished = collector.finish();
    Ok(ReadOutput {
        dataset: finished.dataset,
        diagnostics: finished.diagnostics,
        n_rejected: finished.n_rejected,
        header,
        parameters: finished.parameters,
        n_blocks_read,
    })
}

/// Reads the header lines (braced or legacy) and leaves the first line after them in `lines`.
fn read_header<R: BufRead>(file: &str, lines: &mut LineSource<R>) -> Result<Header> {
    let mut first = None;
    while let Some(line) = lines.next_line()? {
        if !line.text.trim().is_empty() {
            first = Some(line);
            break;
        }
    }
    let Some(first) = first else { return Err(Error::NotSimaPro { file: file.to_owned() }) };
    if header::braced_content(&first.text).is_some() {
        let mut header_lines = vec![first];
        while let Some(line) = lines.next_line()? {
            if header::braced_content(&line.text).is_some() {
                header_lines.push(line);
            } else {
                lines.push_back(line);
                break;
            }
        }
        let is_simapro = header_lines
            .iter()
            .any(|l| header::braced_content(&l.text).is_some_and(|c| c.trim().to_lowercase().starts_with("simapro")))
            || header_lines.iter().any(|l| l.text.to_lowercase().contains("csv separator"));
        if !is_simapro {
            return Err(Error::NotSimaPro { file: file.to_owned() });
        }
        return Ok(header::parse_braced(&header_lines));
    }
    if header::is_legacy_first_line(&first.text) {
        let separator = ['\t', ';', ','].into_iter().find(|c| first.text.contains(*c)).unwrap_or(';');
        let mut rest = Vec::new();
        while let Some(line) = lines.next_line()? {
            let fields: Vec<String> = line.text.split(separator).map(|f| f.trim().to_owned()).collect();
            if fields.iter().all(|f| f.is_empty()) {
                lines.push_back(line);
                break;
            }
            let key = fields.first().map(|f| f.to_lowercase()).unwrap_or_default();
            if key == "process" || key == "method" || key == "product stage" {
                lines.push_back(line);
                break;
            }
            rest.push(fields);
        }
        return Ok(header::parse_legacy(&first.text, &rest));
    }
    let keyword = first.text.split([';', ',', '\t']).next().unwrap_or_default().trim().to_lowercase();
    if blocks::SECTIONED_BLOCKS.contains(&keyword.as_str()) || blocks::ROW_BLOCKS.contains(&keyword.as_str()) {
        // A fragment without header (a block on the first line): defaults, with a warning.
        let separator = ['\t', ';', ','].into_iter().find(|c| first.text.contains(*c)).unwrap_or(';');
        lines.push_back(first);
        let mut header = Header { separator, decimal: '.', ..Header::default() };
        header.entries.insert("missing header".into(), "true".into());
        return Ok(header);
    }
    Err(Error::NotSimaPro { file: file.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_describe_every_field() {
        assert_eq!(ReadOptions::default().describe(), "max_line_bytes=67108864;include_waste_scenarios=false");
    }

    #[test]
    fn not_simapro_is_an_error() {
        assert!(matches!(
            read_bytes("x.csv", b"a;b;c\n1;2;3\n", &ReadOptions::default()),
            Err(Error::NotSimaPro { .. })
        ));
        assert!(matches!(read_bytes("x.csv", b"", &ReadOptions::default()), Err(Error::NotSimaPro { .. })));
    }
}
