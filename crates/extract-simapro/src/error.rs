//! The reader's error type: an unreadable file or something that is not a SimaPro CSV export at all.

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
    #[error("{file}:{line}: line longer than max_line_bytes={limit} bytes")]
    LineTooLong { file: String, line: u64, limit: u64 },
    #[error("{file}: not a simapro csv export (no `{{SimaPro …}}` header or legacy `SimaPro …` first line)")]
    NotSimaPro { file: String },
    #[error("{file}: not a regular file")]
    UnsupportedInput { file: String },
}

/// The reader's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
