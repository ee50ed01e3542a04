//! Walking a zip archive: entry count limit, unsafe entry names, one entry read at a time.

use crate::{ContainerError, Progress};
use std::io::{Read, Seek};

/// An entry name that could escape an extraction directory: absolute, a drive letter, a NUL byte or a `..`
/// component (with `/` or `\` as separator).
pub fn is_unsafe_entry_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\0')
        || (bytes.len() >= 2 && bytes.get(1) == Some(&b':') && bytes.first().is_some_and(u8::is_ascii_alphabetic))
        || name.split(['/', '\\']).any(|component| component == "..")
}

/// An open zip archive whose entry count is within `max_entries`.
#[derive(Debug)]
pub struct ZipContainer<R> {
    archive: zip::ZipArchive<R>,
    display_name: String,
}

impl<R: Read + Seek> ZipContainer<R> {
    /// Opens the archive `display_name` and checks its entry count against `max_entries`.
    pub fn open(display_name: &str, reader: R, max_entries: u64) -> Result<Self, ContainerError> {
        let archive = zip::ZipArchive::new(reader)
            .map_err(|source| ContainerError::Zip { file: display_name.to_owned(), source })?;
        let n_entries = archive.len() as u64;
        if n_entries > max_entries {
            return Err(ContainerError::TooManyEntries {
                input: display_name.to_owned(),
                n_entries,
                limit: max_entries,
            });
        }
        Ok(ZipContainer { archive, display_name: display_name.to_owned() })
    }

    /// The (index, name) of every file entry in archive order, directories (`…/`) left out. Fails on the first
    /// unreadable or unsafe name.
    pub fn file_entries(&self) -> Result<Vec<(usize, String)>, ContainerError> {
        let display_name = &self.display_name;
        let mut entries = Vec::new();
        for idx in 0..self.archive.len() {
            let name = match self.archive.name_for_index(idx) {
                Some(Ok(name)) => name.into_owned(),
                Some(Err(source)) => {
                    return Err(ContainerError::Zip { file: format!("{display_name} (entry {idx})"), source });
                }
                None => continue,
            };
            if is_unsafe_entry_name(&name) {
                return Err(ContainerError::UnsafeEntryName { archive: display_name.clone(), entry: name });
            }
            if !name.ends_with('/') {
                entries.push((idx, name));
            }
        }
        Ok(entries)
    }

    /// Visits the `selected` entries in order with their display name (`archive!name`), their name and a reader
    /// of their content; an entry whose declared size exceeds `max_entry_bytes` fails before it is read (the
    /// visitor still reads through a limit: declared sizes can lie).
    /// Progress is reported before each entry and once at the end (with the archive's name).
    pub fn for_each_entry<E: From<ContainerError>>(
        &mut self,
        selected: &[(usize, String)],
        max_entry_bytes: u64,
        progress: &mut dyn FnMut(Progress<'_>),
        mut visit: impl FnMut(&str, &str, &mut dyn Read) -> Result<(), E>,
    ) -> Result<(), E> {
        let entries_total = selected.len() as u64;
        for (done, (idx, name)) in selected.iter().enumerate() {
            let file = format!("{}!{name}", self.display_name);
            progress(Progress { entries_done: done as u64, entries_total, current: &file });
            let mut entry =
                self.archive.by_index(*idx).map_err(|source| ContainerError::Zip { file: file.clone(), source })?;
            if entry.size() > max_entry_bytes {
                return Err(ContainerError::EntryTooLarge { file, limit: max_entry_bytes }.into());
            }
            visit(&file, name, &mut entry)?;
        }
        progress(Progress { entries_done: entries_total, entries_total, current: &self.display_name });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_entry_names_are_recognized() {
        for name in ["../evil.xml", "a/../../x.xml", "/etc/passwd", "\\x.xml", "C:/x.xml", "a\\..\\b.xml", "a\0b"] {
            assert!(is_unsafe_entry_name(name), "{name}");
        }
        for name in ["a/processes/x.xml", "flows/..x.xml", "a/", "", "1:x"] {
            assert!(!is_unsafe_entry_name(name), "{name}");
        }
    }
}
