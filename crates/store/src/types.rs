//! The store's public value types: run descriptions, ids, load options and outcomes, read summaries.

use ecoref_model::{Counts, Exchange, Process, Sha256Hex};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Id of an `import_run` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Id of a `dataset_version` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatasetVersionId(pub i64);

impl fmt::Display for DatasetVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One input file of a run, pinned by its sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    pub name: String,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
    pub size_bytes: u64,
    /// Where the file was fetched from, when it came from a URL (credentials never included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Licence class of the data: `open` (anyone may see detailed indicators) or `restricted` (only token
    /// holders may); `None` when the importer did not say (treated as open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_class: Option<String>,
}

/// What a run is about to do, recorded by [`crate::Store::start_run`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRun {
    /// The source the content belongs to (`tiangong`); dataset versions are numbered per source.
    pub source_name: String,
    /// The pipeline file, when the run comes from one.
    pub pipeline: Option<String>,
    pub reader_name: String,
    pub reader_version: String,
    /// The reader options in a canonical text form (the caller's choice, e.g. sorted JSON).
    pub options: String,
    pub inputs: Vec<InputFile>,
}

impl NewRun {
    /// sha256 over the sorted input file hashes, one per line: the same files give the same hash whatever their
    /// names or order.
    pub fn inputs_hash(&self) -> String {
        let mut hashes: Vec<&str> = self.inputs.iter().map(|input| input.sha256.as_str()).collect();
        hashes.sort_unstable();
        let mut text = String::with_capacity(hashes.len() * 65);
        for hash in hashes {
            text.push_str(hash);
            text.push('\n');
        }
        Sha256Hex::of_bytes(text.as_bytes()).0
    }

    /// sha256 of the options text.
    pub fn options_hash(&self) -> String {
        Sha256Hex::of_bytes(self.options.as_bytes()).0
    }

    /// sha256 of the inputs hash, the reader name and version and the options hash (one per line): equal keys
    /// mean a re-run would read the same bytes the same way.
    pub fn idempotency_key(&self) -> String {
        let text = format!(
            "ecoref.import.v1\ninputs {}\nreader {}\nreader-version {}\noptions {}\n",
            self.inputs_hash(),
            self.reader_name,
            self.reader_version,
            self.options_hash()
        );
        Sha256Hex::of_bytes(text.as_bytes()).0
    }
}

/// Options of [`crate::Store::load`]. The default is what production wants.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Test-only fault injection: fail inside the transaction once this many entity rows are written.
    #[doc(hidden)]
    pub fail_after_rows: Option<u64>,
    /// Test-only fault injection: sleep inside the transaction once this many entity rows are written.
    #[doc(hidden)]
    pub pause_after_rows: Option<(u64, Duration)>,
}

/// What [`crate::Store::load`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LoadOutcome {
    /// A new dataset version with these row counts.
    Loaded { dataset_version: DatasetVersionId, version_number: i64, counts: Counts },
    /// The content was already stored as this version; no entity row was written.
    Unchanged { dataset_version: DatasetVersionId, version_number: i64 },
}

impl LoadOutcome {
    pub fn dataset_version(&self) -> DatasetVersionId {
        match self {
            LoadOutcome::Loaded { dataset_version, .. } | LoadOutcome::Unchanged { dataset_version, .. } => {
                *dataset_version
            }
        }
    }

    pub fn version_number(&self) -> i64 {
        match self {
            LoadOutcome::Loaded { version_number, .. } | LoadOutcome::Unchanged { version_number, .. } => {
                *version_number
            }
        }
    }
}

/// One import run as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub id: RunId,
    pub source_name: String,
    pub pipeline: Option<String>,
    pub reader_name: String,
    pub reader_version: String,
    pub idempotency_key: String,
    /// `running`, `succeeded`, `unchanged` or `failed`.
    pub status: String,
    /// ISO-8601 UTC with milliseconds (`2026-02-01T03:00:00.123Z`).
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Rows loaded (succeeded runs only).
    pub counts: Option<Counts>,
    pub n_diagnostics: i64,
    pub n_rejected: i64,
    pub error: Option<String>,
    /// Why the run finished as it did when that is not an error (e.g. why it was unchanged).
    pub note: Option<String>,
    pub dataset_version: Option<DatasetVersionId>,
    pub inputs: Vec<InputFile>,
}

/// One dataset version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetVersionSummary {
    pub id: DatasetVersionId,
    pub source_name: String,
    /// 1, 2, 3… per source: `tiangong@2`.
    pub version_number: i64,
    pub content_hash: String,
    pub counts: Counts,
    pub created_at: String,
    pub created_by_run: RunId,
}

/// A process found by id, with the version it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessSummary {
    pub dataset_version: DatasetVersionId,
    pub source_name: String,
    pub version_number: i64,
    pub id: String,
    pub version: Option<String>,
    pub name: String,
    pub location: Option<String>,
    pub process_type: Option<String>,
    pub n_exchanges: i64,
}

/// A process with its exchanges resolved against the flows of its dataset version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessDetail {
    pub summary: ProcessSummary,
    /// The process as loaded, exchanges and LCIA results included.
    pub process: Process,
    /// The exchanges in source order, with their flow's name and kind.
    pub exchanges: Vec<ExchangeRow>,
}

/// An exchange with what its flow says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeRow {
    pub exchange: Exchange,
    pub flow_name: Option<String>,
    pub flow_kind: Option<String>,
    /// The exchange's unit, else the flow's reference unit.
    pub unit: Option<String>,
}

/// The columns of one stored exchange that tables and matrices need, read without its JSON detail (properties,
/// uncertainty, comments): a few hundred bytes where the model [`Exchange`] takes kilobytes, so a release of
/// ecoinvent's size (850,000 exchanges) fits in memory this way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeCells {
    pub internal_id: String,
    pub flow_id: String,
    pub flow_version: Option<String>,
    /// `input` / `output` ([`ecoref_model::Direction::as_str`]).
    pub direction: Option<String>,
    /// [`ecoref_model::ExchangeKind::as_str`].
    pub kind: Option<String>,
    pub is_reference: bool,
    pub amount: Option<f64>,
    pub unit: Option<String>,
    pub provider_id: Option<String>,
    pub location: Option<String>,
}

impl ExchangeCells {
    /// Takes every process's exchanges out of `dataset` as cells, one list per process in process order (the
    /// shape of [`crate::Store::read_exchange_cells`]).
    pub fn take_from(dataset: &mut ecoref_model::Dataset) -> Vec<Vec<ExchangeCells>> {
        let take = |p: &mut Process| std::mem::take(&mut p.exchanges).iter().map(ExchangeCells::of).collect();
        dataset.processes.iter_mut().map(take).collect()
    }

    /// The cells the store would give back for `exchange`.
    pub fn of(exchange: &Exchange) -> Self {
        Self {
            internal_id: exchange.internal_id.clone(),
            flow_id: exchange.flow.id.clone(),
            flow_version: exchange.flow.version.clone(),
            direction: exchange.direction.map(|d| d.as_str().to_owned()),
            kind: exchange.kind.map(|k| k.as_str().to_owned()),
            is_reference: exchange.is_reference,
            amount: exchange.amount,
            unit: exchange.unit.clone(),
            provider_id: exchange.provider.as_ref().map(|p| p.id.clone()),
            location: exchange.location.clone(),
        }
    }
}
