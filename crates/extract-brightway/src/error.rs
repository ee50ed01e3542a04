//! The reader's error type: an unreadable file, container or database.

/// Everything that makes a read fail. Every variant names the file (`archive.zip!entry` inside archives).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read zip archive {file}: {source}")]
    Zip {
        file: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("cannot read workbook {file}: {message}")]
    Workbook { file: String, message: String },
    #[error("{file}: invalid json at line {line}, column {column}: {message}")]
    Json { file: String, line: u64, column: u64, message: String },
    #[error("cannot decompress bzip2 file {file}: {source}")]
    Bzip2 {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read sqlite database {file}: {source}")]
    Sqlite {
        file: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{file} is larger than {limit} bytes (uncompressed)")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}: unexpected content: {message}")]
    Structure { file: String, message: String },
    #[error(
        "{file}: not a brightway input (.xlsx, .csv, .bw2package, .json, lcia .zip, databases.db or project directory)"
    )]
    UnsupportedInput { file: String },
}

/// The reader's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
