//! The store's error type: every variant says what was being done, never which SQL was sent.

use crate::{DatasetVersionId, FlowMappingSetId, LinkSetId, RunId};
use std::path::PathBuf;

/// Errors from the reference database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unsupported database url {0:?}: expected postgres://… or sqlite:path")]
    UnsupportedUrl(String),
    #[error("cannot create the directory {path} for the sqlite database")]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to the {backend} database {target}")]
    Connect {
        backend: &'static str,
        /// The url with any password removed.
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the {backend} database")]
    Migrate {
        backend: &'static str,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A database call failed; `doing` names the operation and table (`insert rows into exchange`).
    #[error("cannot {doing}")]
    Database {
        doing: String,
        #[source]
        source: sqlx::Error,
    },
    /// A call on the SQLite load connection failed; `doing` as for [`Error::Database`].
    #[error("cannot {doing}")]
    SqliteWrite {
        doing: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The thread that writes an SQLite load could not start or stopped early.
    #[error("the sqlite load thread failed: {0}")]
    LoadThread(String),
    #[error("import run {0} does not exist")]
    RunNotFound(RunId),
    #[error("import run {run} is {status}, not running")]
    RunNotRunning { run: RunId, status: String },
    #[error("dataset version {0} does not exist")]
    DatasetVersionNotFound(DatasetVersionId),
    #[error("cannot encode a {table} row: {detail}")]
    Encode { table: &'static str, detail: String },
    /// A row cell does not fit its column's type in COPY's binary format.
    #[error("cannot copy a row into {table}: {detail}")]
    CopyCell { table: String, detail: String },
    #[error("corrupt {table} row in the database: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error("invalid {kind} name {name:?}: use letters, digits and . _ - + (start with a letter or digit)")]
    InvalidName { kind: &'static str, name: String },
    #[error("dataset version {dataset_version} has no LCIA method{}: nothing to register",
            if methodology.is_empty() { String::new() } else { format!(" of methodology {methodology:?}") })]
    EmptyMethod { dataset_version: DatasetVersionId, methodology: String },
    #[error(
        "method {method} is already registered with other content (sha256 {existing_hash}, now {new_hash}): \
             a changed method needs a new version"
    )]
    MethodVersionConflict { method: String, existing_hash: String, new_hash: String },
    #[error("method version {0} does not exist")]
    MethodVersionNotFound(String),
    #[error("release {0} does not exist")]
    ReleaseNotFound(String),
    #[error("release {0} already exists")]
    ReleaseExists(String),
    #[error("release {0} is published and cannot change: create a new release")]
    ReleasePublished(String),
    #[error("release {0} is a draft: only a published release can be tagged")]
    ReleaseNotPublished(String),
    #[error("release {release} cannot be published: {}", problems.join("; "))]
    ReleaseInvalid { release: String, problems: Vec<String> },
    #[error("release {release} would hold two versions of source {source_name}: one version per source")]
    SourceTwice { release: String, source_name: String },
    #[error("release {release} does not hold dataset version {dataset_version}")]
    NotInRelease { release: String, dataset_version: DatasetVersionId },
    #[error("release {release} already migrates {old_id} to {new_id}")]
    IdMigrationConflict { release: String, old_id: String, new_id: String },
    #[error(
        "dataset version {dataset_version} has no normalization-weighting set{}: available: {}",
        if wanted.is_empty() { String::new() } else { format!(" named {wanted}") },
        if available.is_empty() { "none" } else { available.as_str() }
    )]
    NoWeights { dataset_version: DatasetVersionId, wanted: String, available: String },
    #[error("link set {0} does not exist")]
    LinkSetNotFound(LinkSetId),
    #[error("flow mapping set {0} does not exist")]
    FlowMappingSetNotFound(FlowMappingSetId),
    #[error("an active API token is already named {0}: revoke it first or choose another name")]
    ApiTokenExists(String),
    #[error("no API token with {0}")]
    ApiTokenNotFound(String),
    #[error("the API token with {0} is already revoked")]
    ApiTokenRevoked(String),
    #[error("cannot take the liveness lock of import run {run}: {detail}")]
    RunLock { run: crate::RunId, detail: String },
    #[error("cannot use the lock file {path}")]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Raised by [`crate::LoadOptions::fail_after_rows`] (tests only).
    #[error("injected fault after {0} rows")]
    InjectedFault(u64),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches "what was being done" to a sqlx error.
pub(crate) trait Context<T> {
    fn doing(self, doing: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, sqlx::Error> {
    fn doing(self, doing: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Database { doing: doing(), source })
    }
}
