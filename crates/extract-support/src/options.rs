//! The options and progress types every container reader shares.

/// What to do with a document that cannot be parsed (malformed XML or JSON, a DTD).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnInvalid {
    /// The whole read fails with an error.
    #[default]
    Fail,
    /// The document becomes an `Error` diagnostic and a rejected data set; the read goes on.
    Skip,
}

impl OnInvalid {
    pub fn as_str(self) -> &'static str {
        match self {
            OnInvalid::Fail => "fail",
            OnInvalid::Skip => "skip",
        }
    }
}

/// The size and count limits of one read of a container (archive, directory or single file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest uncompressed size of one document (archive entry or file).
    pub max_entry_bytes: u64,
    /// Largest uncompressed size of all documents read.
    pub max_total_bytes: u64,
    /// Most entries an archive (or files a directory) may hold.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_entry_bytes: 256 * 1024 * 1024, max_total_bytes: 8 * 1024 * 1024 * 1024, max_entries: 1_000_000 }
    }
}

impl Limits {
    /// Stable text of the limits (`max_entry_bytes=…;max_total_bytes=…;max_entries=…`), part of the readers'
    /// import idempotency keys: never change it.
    pub fn describe(&self) -> String {
        format!(
            "max_entry_bytes={};max_total_bytes={};max_entries={}",
            self.max_entry_bytes, self.max_total_bytes, self.max_entries
        )
    }
}

/// Progress of a read, reported before each document and once at the end. What an entry is depends on the
/// reader (a document, a sheet, a byte for the line-oriented readers).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub entries_done: u64,
    pub entries_total: u64,
    pub current: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_is_stable() {
        assert_eq!(
            Limits::default().describe(),
            "max_entry_bytes=268435456;max_total_bytes=8589934592;max_entries=1000000"
        );
        assert_eq!(OnInvalid::default().as_str(), "fail");
        assert_eq!(OnInvalid::Skip.as_str(), "skip");
    }
}
