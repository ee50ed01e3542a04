//! The reader's error type: an unreadable container, a hostile archive or an unparsable document.

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
    #[error("cannot read 7z archive {file}: {message}")]
    SevenZip { file: String, message: String },
    #[error("unsafe entry name in archive {archive}: {entry:?} (absolute or contains `..`)")]
    UnsafeEntryName { archive: String, entry: String },
    #[error("{file} is larger than max_entry_bytes={limit} bytes uncompressed")]
    EntryTooLarge { file: String, limit: u64 },
    #[error("{input} holds more than max_total_bytes={limit} bytes uncompressed (limit reached at {file})")]
    TotalTooLarge { input: String, file: String, limit: u64 },
    #[error("{input} holds {n_entries} entries, more than max_entries={limit}")]
    TooManyEntries { input: String, n_entries: u64, limit: u64 },
    #[error("{file}:{line}:{column}: malformed xml: {message}")]
    MalformedXml { file: String, line: u64, column: u64, message: String },
    #[error("{file}:{line}:{column}: document type declarations (dtd) are refused")]
    Dtd { file: String, line: u64, column: u64 },
    #[error("{file}: not a zip or 7z archive, a directory or an .spold/.xml file")]
    UnsupportedInput { file: String },
    /// A data set could not be held packed in memory (a record over 4 GiB).
    #[error("cannot hold the data read in memory: {message}")]
    Pack { message: String },
    /// The thread that parses a batch of documents could not be started (the system's thread limit).
    #[error("cannot start a thread to parse documents: {message}")]
    Thread { message: String },
}

ecoref_extract_support::impl_from_container_error!(Error);

/// The reader's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
