//! Ecobalyse processes reader: reads `processes.json` / `processes_impacts.json` (a JSON array of aggregated
//! processes with EF 3.1 indicators and the `ecs` single score) and the indicator definitions of `impacts.json`
//! into the ecoref canonical model.
//!
//! Invariants:
//! - streaming: the processes array is visited one element at a time (memory bounded by one process plus the
//!   entities built so far);
//! - each process becomes one `Process` (id = the Ecobalyse `id`), one reference `Exchange` (Production, amount
//!   1 in the process `unit`) of a synthesized product `Flow` (id `<process id>/product`), and one `LciaResult`
//!   per indicator (method id = the indicator code: `ecs`, `cch`, …), values bit-exact to the text;
//! - `impacts.json` gives one `LciaMethod` per indicator (methodology "EF 3.1 (Ecobalyse)", no factors) and the
//!   `ecs` and PEF normalization-weighting sets; [`compute_single_score`] recomputes a score from them;
//! - bad data is a [`Diagnostic`]; `Err` only for an unreadable or malformed file.

mod error;
mod impacts;
mod processes;

pub use ecoref_extract_support::Progress;
pub use error::{Error, Result};
pub use impacts::{CORRECTION_PREFIX, METHODOLOGY, SCORE_SCALE_KEY, compute_single_score};
pub use processes::{PRODUCT_EXCHANGE_ID, product_flow_id, same_to_significant_digits};

use ecoref_extract_support::read_at_most;
use ecoref_model::{Dataset, Diagnostic};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Name of this reader, recorded with every import.
pub const READER_NAME: &str = "ecobalyse";
/// Version of this reader; bumped whenever the output for the same input changes.
pub const READER_VERSION: &str = "0.1.0";
/// The file name looked for next to the processes file when [`ReadOptions::impacts_path`] is `None`.
pub const DEFAULT_IMPACTS_FILE: &str = "impacts.json";

/// Options of one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The indicator definitions; `None`: `impacts.json` next to the processes file, when present.
    pub impacts_path: Option<PathBuf>,
    /// Largest size of one input file (processes or impacts).
    pub max_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { impacts_path: None, max_bytes: 1024 * 1024 * 1024 }
    }
}

impl ReadOptions {
    /// Stable text of every option, part of the import idempotency key.
    pub fn describe(&self) -> String {
        let impacts = match &self.impacts_path {
            Some(path) => path.display().to_string(),
            None => format!("(sibling {DEFAULT_IMPACTS_FILE})"),
        };
        format!("impacts_path={impacts};max_bytes={}", self.max_bytes)
    }
}

/// What a read produces.
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The entities read, canonicalized.
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
    /// Processes rejected (not an object, no `id`).
    pub n_rejected: u64,
}

/// Reads an Ecobalyse processes file and its indicator definitions.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<ReadOutput> {
    read_path_with_progress(path, options, &mut |_| {})
}

/// [`read_path`], reporting progress per input file (impacts, then processes) and once at the end.
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ReadOutput> {
    let display = path.display().to_string();
    let impacts_path = match &options.impacts_path {
        Some(p) => Some(p.clone()),
        None => path.parent().map(|dir| dir.join(DEFAULT_IMPACTS_FILE)).filter(|p| p.is_file() && p != path),
    };
    let mut state = State::default();
    let entries_total = 1 + u64::from(impacts_path.is_some());
    if let Some(impacts_path) = &impacts_path {
        let impacts_display = impacts_path.display().to_string();
        progress(Progress { entries_done: 0, entries_total, current: &impacts_display });
        let bytes = read_limited(impacts_path, &impacts_display, options.max_bytes)?;
        state.read_impacts(&impacts_display, &bytes)?;
    } else {
        state.no_impacts(&display);
    }
    progress(Progress { entries_done: entries_total - 1, entries_total, current: &display });
    let file = fs::File::open(path).map_err(|source| Error::Io { file: display.clone(), source })?;
    let size = file.metadata().map_err(|source| Error::Io { file: display.clone(), source })?.len();
    if size > options.max_bytes {
        return Err(Error::TooLarge { file: display, limit: options.max_bytes });
    }
    let reader = std::io::BufReader::new(file.take(options.max_bytes));
    let mut de = serde_json::Deserializer::from_reader(reader);
    state.read_processes(&display, &mut de)?;
    progress(Progress { entries_done: entries_total, entries_total, current: &display });
    Ok(state.finish())
}

/// Reads a processes file already in memory (used by the fuzz target); the indicator definitions come from
/// [`ReadOptions::impacts_path`] when set.
pub fn read_bytes(display_name: &str, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutput> {
    if bytes.len() as u64 > options.max_bytes {
        return Err(Error::TooLarge { file: display_name.to_owned(), limit: options.max_bytes });
    }
    let mut state = State::default();
    match &options.impacts_path {
        Some(impacts_path) => {
            let impacts_display = impacts_path.display().to_string();
            let impacts = read_limited(impacts_path, &impacts_display, options.max_bytes)?;
            state.read_impacts(&impacts_display, &impacts)?;
        }
        None => state.no_impacts(display_name),
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    state.read_processes(display_name, &mut de)?;
    Ok(state.finish())
}

/// Reads `impacts.json` alone: one `LciaMethod` per indicator and the normalization-weighting sets.
pub fn read_impacts_bytes(display_name: &str, bytes: &[u8]) -> Result<Dataset> {
    let mut state = State::default();
    state.read_impacts(display_name, bytes)?;
    Ok(state.finish().dataset)
}

fn read_limited(path: &Path, display: &str, limit: u64) -> Result<Vec<u8>> {
    let file = fs::File::open(path).map_err(|source| Error::Io { file: display.to_owned(), source })?;
    read_at_most(file, limit)
        .map_err(|source| Error::Io { file: display.to_owned(), source })?
        .ok_or_else(|| Error::TooLarge { file: display.to_owned(), limit })
}

fn json_error(file: &str, e: &serde_json::Error) -> Error {
    Error::MalformedJson {
        file: file.to_owned(),
        line: e.line() as u64,
        column: e.column() as u64,
        message: e.to_string(),
    }
}

/// The entities and diagnostics of one read.
#[derive(Debug, Default)]
struct State {
    dataset: Dataset,
    diagnostics: Vec<Diagnostic>,
    n_rejected: u64,
    /// Indicator codes defined by `impacts.json`, once read.
    defined: Option<Vec<String>>,
    processes: processes::Tally,
}

impl State {
    fn read_impacts(&mut self, file: &str, bytes: &[u8]) -> Result<()> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| json_error(file, &e))?;
        let definitions =
            impacts::read_definitions(&value).ok_or_else(|| Error::NotAnImpactsFile { file: file.to_owned() })?;
        self.defined = Some(definitions.methods.iter().map(|m| m.id.id.clone()).collect());
        self.dataset.lcia_methods.extend(definitions.methods);
        self.dataset.normalization_weighting_sets.extend(definitions.sets);
        Ok(())
    }

    fn no_impacts(&mut self, file: &str) {
        self.diagnostics.push(
            Diagnostic::info(
                "ecobalyse.no-impacts-definitions",
                format!(
                    "no indicator definitions read: {DEFAULT_IMPACTS_FILE} is not next to the processes file and \
                     impacts_path is not set, so no LCIA methods nor normalization-weighting sets are loaded"
                ),
            )
            .in_file(file),
        );
    }

    fn read_processes<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        file: &str,
        de: &mut serde_json::Deserializer<R>,
    ) -> Result<()> {
        let visited = EachProcess { state: self, file }.deserialize(&mut *de);
        match visited.and_then(|()| de.end()) {
            Ok(()) => Ok(()),
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                Err(Error::NotAProcessList { file: file.to_owned() })
            }
            Err(e) => Err(json_error(file, &e)),
        }
    }

    fn add_process(&mut self, file: &str, idx: u64, value: serde_json::Value) {
        match processes::read_process(&value, file, idx, &mut self.processes) {
            processes::Read::Process { process, flow, diagnostics } => {
                self.diagnostics.extend(diagnostics);
                self.dataset.processes.push(*process);
                self.dataset.flows.push(*flow);
            }
            processes::Read::Rejected(diagnostic) => {
                self.n_rejected += 1;
                self.diagnostics.push(diagnostic);
            }
        }
    }

    fn finish(mut self) -> ReadOutput {
        let set = self.dataset.normalization_weighting_sets.iter().find(|s| s.name == "ecs").cloned();
        self.diagnostics.extend(processes::summarize(&self.dataset, &self.processes, self.defined.as_deref(), set));
        let mut ids: BTreeMap<String, u64> = BTreeMap::new();
        for p in &self.dataset.processes {
            *ids.entry(p.id.id.clone()).or_default() += 1;
        }
        for (id, n) in ids.into_iter().filter(|(_, n)| *n > 1) {
            self.diagnostics.push(
                Diagnostic::warning("ecobalyse.duplicate-id", format!("process id {id} occurs {n} times"))
                    .for_entity(id),
            );
        }
        self.dataset.canonicalize();
        self.diagnostics.sort_by(|a, b| {
            (&a.location.file, &a.location.entity, &a.code, &a.message).cmp(&(
                &b.location.file,
                &b.location.entity,
                &b.code,
                &b.message,
            ))
        });
        ReadOutput { dataset: self.dataset, diagnostics: self.diagnostics, n_rejected: self.n_rejected }
    }
}

/// Visits the top-level array one process at a time.
struct EachProcess<'s> {
    state: &'s mut State,
    file: &'s str,
}

impl<'de> DeserializeSeed<'de> for EachProcess<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EachProcess<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of Ecobalyse processes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let mut idx = 0u64;
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            self.state.add_process(self.file, idx, value);
            idx += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_describe_every_field() {
        assert_eq!(ReadOptions::default().describe(), "impacts_path=(sibling impacts.json);max_bytes=1073741824");
    }
}
