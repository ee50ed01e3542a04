//! The reader's error type: an unreadable file, malformed JSON, or a file that is not an Ecobalyse list.

/// Everything that makes a read fail. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is larger than max_bytes={limit} bytes")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}:{line}:{column}: malformed json: {message}")]
    MalformedJson { file: String, line: u64, column: u64, message: String },
    #[error("{file}: not an Ecobalyse processes file (expected a JSON array of processes)")]
    NotAProcessList { file: String },
    #[error("{file}: not an Ecobalyse impacts file (expected a JSON object of indicator definitions)")]
    NotAnImpactsFile { file: String },
}

/// The reader's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
