//! Reading through the entry limit and accounting for the total limit.

use crate::{ContainerError, Limits};
use std::io::Read;

/// Reads `source` to its end, taking at most `limit + 1` bytes: `Ok(None)` when it holds more than `limit`
/// bytes. An I/O error wins over the limit.
pub fn read_at_most(source: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_at_most_into(source, limit, Vec::new())
}

/// [`read_at_most`] into `bytes` (empty, with the capacity the caller expects to need).
fn read_at_most_into(source: impl Read, limit: u64, mut bytes: Vec<u8>) -> std::io::Result<Option<Vec<u8>>> {
    source.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The byte accounting of one read: every document goes through the entry limit and counts against the total
/// limit of the input it belongs to.
#[derive(Debug, Clone)]
pub struct ByteBudget {
    limits: Limits,
    input: String,
    n_total_bytes: u64,
}

impl ByteBudget {
    /// A budget for the read of `input` (the archive, directory or file named in errors).
    pub fn new(input: &str, limits: Limits) -> Self {
        ByteBudget { limits, input: input.to_owned(), n_total_bytes: 0 }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Reads one document through the entry limit and counts it against the total limit.
    pub fn read_limited(&mut self, file: &str, source: impl Read) -> Result<Vec<u8>, ContainerError> {
        self.read_limited_into(file, source, Vec::new())
    }

    /// [`ByteBudget::read_limited`] for a file on disk: the buffer is sized from the file's metadata, so a
    /// document takes two `read` calls instead of a dozen into a growing buffer (with no size known, the standard
    /// library probes with small reads and doubles).
    pub fn read_file_limited(&mut self, file: &str, handle: std::fs::File) -> Result<Vec<u8>, ContainerError> {
        // The size only sizes the buffer: the limit is still checked on the bytes read.
        let size = handle.metadata().map_err(ContainerError::io(file))?.len();
        let capacity = usize::try_from(size.min(self.limits.max_entry_bytes)).unwrap_or(0).saturating_add(1);
        self.read_limited_into(file, handle, Vec::with_capacity(capacity))
    }

    fn read_limited_into(&mut self, file: &str, source: impl Read, bytes: Vec<u8>) -> Result<Vec<u8>, ContainerError> {
        let limit = self.limits.max_entry_bytes;
        let Some(bytes) = read_at_most_into(source, limit, bytes).map_err(ContainerError::io(file))? else {
            return Err(ContainerError::EntryTooLarge { file: file.to_owned(), limit });
        };
        self.count_bytes(file, bytes.len() as u64)?;
        Ok(bytes)
    }

    /// Checks a document already in memory against the entry limit and counts it against the total limit.
    pub fn accept(&mut self, file: &str, bytes: &[u8]) -> Result<(), ContainerError> {
        self.check_entry_size(file, bytes.len() as u64)?;
        self.count_bytes(file, bytes.len() as u64)
    }

    /// Fails when a declared (not yet read) entry size exceeds the entry limit.
    pub fn check_entry_size(&self, file: &str, size: u64) -> Result<(), ContainerError> {
        if size > self.limits.max_entry_bytes {
            return Err(ContainerError::EntryTooLarge { file: file.to_owned(), limit: self.limits.max_entry_bytes });
        }
        Ok(())
    }

    /// Counts `n_bytes` of `file` against the total limit.
    pub fn count_bytes(&mut self, file: &str, n_bytes: u64) -> Result<(), ContainerError> {
        self.n_total_bytes = self.n_total_bytes.saturating_add(n_bytes);
        if self.n_total_bytes > self.limits.max_total_bytes {
            return Err(ContainerError::TotalTooLarge {
                input: self.input.clone(),
                file: file.to_owned(),
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_and_total_limits() {
        let limits = Limits { max_entry_bytes: 4, max_total_bytes: 6, max_entries: 10 };
        let mut budget = ByteBudget::new("in.zip", limits);
        assert_eq!(budget.read_limited("a", &b"abcd"[..]).expect("fits"), b"abcd");
        let too_large = budget.read_limited("b", &b"abcde"[..]).unwrap_err();
        assert!(matches!(too_large, ContainerError::EntryTooLarge { file, limit: 4 } if file == "b"));
        let total = budget.accept("c", b"abc").unwrap_err();
        assert!(matches!(
            total,
            ContainerError::TotalTooLarge { input, file, limit: 6 } if input == "in.zip" && file == "c"
        ));
        assert_eq!(read_at_most(&b"abc"[..], 2).expect("reads"), None);
    }

    #[test]
    fn files_are_read_whole_and_against_the_same_limits() {
        let dir = std::env::temp_dir().join(format!("ecoref-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let small = dir.join("small.xml");
        let large = dir.join("large.xml");
        std::fs::write(&small, b"abcd").expect("write");
        std::fs::write(&large, vec![b'x'; 70_000]).expect("write");
        let limits = Limits { max_entry_bytes: 65_536, max_total_bytes: 65_539, max_entries: 10 };
        let mut budget = ByteBudget::new("dir", limits);
        let open = |path: &std::path::Path| std::fs::File::open(path).expect("open");
        assert_eq!(budget.read_file_limited("small.xml", open(&small)).expect("fits"), b"abcd");
        let too_large = budget.read_file_limited("large.xml", open(&large)).unwrap_err();
        assert!(matches!(too_large, ContainerError::EntryTooLarge { file, limit: 65_536 } if file == "large.xml"));
        // The size only sizes the buffer: a file that grew after it was opened is still cut at the limit.
        std::fs::write(&large, vec![b'x'; 65_536]).expect("write");
        let handle = open(&large);
        std::fs::write(&large, vec![b'x'; 70_000]).expect("write");
        assert!(matches!(budget.read_file_limited("large.xml", handle), Err(ContainerError::EntryTooLarge { .. })));
        // 4 + 65,536 bytes: over the total.
        std::fs::write(&large, vec![b'x'; 65_536]).expect("write");
        let total = budget.read_file_limited("large.xml", open(&large)).unwrap_err();
        assert!(matches!(total, ContainerError::TotalTooLarge { limit: 65_539, .. }));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
