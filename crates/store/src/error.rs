//! The store's error type: every variant says what was being done, never which SQL was sent.

use crate::{DatasetVersionId, RunId};
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
    #[error("import run {0} does not exist")]
    RunNotFound(RunId),
    #[error("import run {run} is {status}, not running")]
    RunNotRunning { run: RunId, status: String },
    #[error("dataset version {0} does not exist")]
    DatasetVersionNotFound(DatasetVersionId),
    #[error("cannot encode a {table} row: {detail}")]
    Encode { table: &'static str, detail: String },
    #[error("corrupt {table} row in the database: {detail}")]
    Corrupt { table: &'static str, detail: String },
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
