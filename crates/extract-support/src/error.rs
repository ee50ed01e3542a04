//! The container layer's error type.

/// Why a container could not be read. Every variant names the file (`archive.zip!entry` inside archives).
///
/// It has no message of its own: each reader converts it into its own error type, variant by variant
/// ([`impl_from_container_error!`](crate::impl_from_container_error)), so that each reader keeps its own
/// variants and its own messages (tests and users match on both). Not `non_exhaustive`: a new variant must make
/// every reader's conversion fail to compile until the reader has a variant for it.
#[derive(Debug)]
pub enum ContainerError {
    Io {
        file: String,
        source: std::io::Error,
    },
    Zip {
        file: String,
        source: zip::result::ZipError,
    },
    /// An entry name that could escape an extraction directory ([`is_unsafe_entry_name`](crate::is_unsafe_entry_name)).
    UnsafeEntryName {
        archive: String,
        entry: String,
    },
    /// One document is larger than `max_entry_bytes` (`limit`).
    EntryTooLarge {
        file: String,
        limit: u64,
    },
    /// The documents of `input` read so far are larger than `max_total_bytes` (`limit`), reached at `file`.
    TotalTooLarge {
        input: String,
        file: String,
        limit: u64,
    },
    /// `input` holds more than `max_entries` (`limit`) entries.
    TooManyEntries {
        input: String,
        n_entries: u64,
        limit: u64,
    },
}

/// Implements `From<ContainerError>` for a reader's error type that has a variant of the same name and fields for
/// every [`ContainerError`] variant (`Io`, `Zip`, `UnsafeEntryName`, `EntryTooLarge`, `TotalTooLarge`,
/// `TooManyEntries`), so that the reader's own messages are kept.
#[macro_export]
macro_rules! impl_from_container_error {
    ($error:ty) => {
        impl ::std::convert::From<$crate::ContainerError> for $error {
            fn from(e: $crate::ContainerError) -> Self {
                match e {
                    $crate::ContainerError::Io { file, source } => Self::Io { file, source },
                    $crate::ContainerError::Zip { file, source } => Self::Zip { file, source },
                    $crate::ContainerError::UnsafeEntryName { archive, entry } => {
                        Self::UnsafeEntryName { archive, entry }
                    }
                    $crate::ContainerError::EntryTooLarge { file, limit } => Self::EntryTooLarge { file, limit },
                    $crate::ContainerError::TotalTooLarge { input, file, limit } => {
                        Self::TotalTooLarge { input, file, limit }
                    }
                    $crate::ContainerError::TooManyEntries { input, n_entries, limit } => {
                        Self::TooManyEntries { input, n_entries, limit }
                    }
                }
            }
        }
    };
}

impl ContainerError {
    pub(crate) fn io(file: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContainerError {
        let file = file.into();
        move |source| ContainerError::Io { file, source }
    }
}
