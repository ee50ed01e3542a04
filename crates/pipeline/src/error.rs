//! The pipeline crate's error type: every variant names the file, source or URL it is about, never a secret.

use std::path::PathBuf;
use std::time::Duration;

/// Errors of reading pipeline files, fetching sources and taking the run lock.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the pipeline file {path}")]
    ReadSpec {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The pipeline file is not valid TOML, has an unknown or missing key, or a value that cannot be used; the
    /// message names the key (and, for TOML errors, the line and column).
    #[error("{path}: {message}")]
    Spec { path: PathBuf, message: String },
    #[error("no pipeline {name:?} in {dir}: known: {known}")]
    NotFound { name: String, dir: PathBuf, known: String },
    #[error("cannot list the pipelines in {dir}")]
    ListDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A download failed for good: a refused request, or retries exhausted.
    #[error("cannot fetch {url}: {message}")]
    Fetch { url: String, message: String },
    #[error(
        "cannot fetch {url}: sha256 mismatch: the pipeline pins {expected}, the server sent {actual} \
         ({size_bytes} bytes); nothing was read"
    )]
    ChecksumMismatch { url: String, expected: String, actual: String, size_bytes: u64 },
    #[error("{path}: sha256 mismatch: the pipeline pins {expected}, the file has {actual}; nothing was read")]
    FileChecksumMismatch { path: PathBuf, expected: String, actual: String },
    #[error("{path}: a sha256 pins one file, and this is not a file")]
    PinnedNotAFile { path: PathBuf },
    #[error("cannot read {path}")]
    ReadInput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the environment variable {variable} (bearer_env of {what}) is not set or empty")]
    MissingCredential { variable: String, what: String },
    #[error("cannot use the download cache at {path}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    #[error(
        "another pipeline run holds the database's pipeline lock ({holder}); gave up after waiting {} s \
         (--wait or [lock] wait_secs)",
        waited.as_secs()
    )]
    Locked { holder: String, waited: Duration },
    #[error(transparent)]
    Store(#[from] ecoref_store::Error),
}

/// The pipeline crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
