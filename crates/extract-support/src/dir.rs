//! Walking a directory tree: entry count limit, name-ordered listing, one file read at a time.

use crate::{ContainerError, Progress};
use std::fs;
use std::path::{Path, PathBuf};

/// What to do with one directory entry met by [`walk_dir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkStep {
    /// Walk into it (a directory).
    Descend,
    /// Read it (a file).
    Take,
    /// Leave it out (the classifier records why, if it wants to).
    Skip,
}

/// Walks the directory tree below `root` (named `display_name` in errors), counting every entry met against
/// `max_entries`. Each directory's entries are listed in file-name order and shown to `classify` (path, file name,
/// file type); returns the files it took, sorted by path.
pub fn walk_dir(
    root: &Path,
    display_name: &str,
    max_entries: u64,
    mut classify: impl FnMut(&Path, &str, fs::FileType) -> WalkStep,
) -> Result<Vec<PathBuf>, ContainerError> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    let mut n_entries: u64 = 0;
    while let Some(dir) = pending.pop() {
        let io_error = |source| ContainerError::Io { file: dir.display().to_string(), source };
        let mut children = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error)? {
            children.push(entry.map_err(io_error)?);
        }
        children.sort_by_key(|e| e.file_name());
        for entry in children {
            n_entries += 1;
            if n_entries > max_entries {
                return Err(ContainerError::TooManyEntries {
                    input: display_name.to_owned(),
                    n_entries,
                    limit: max_entries,
                });
            }
            let path = entry.path();
            let file_type = entry.file_type().map_err(ContainerError::io(path.display().to_string()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            match classify(&path, &name, file_type) {
                WalkStep::Descend => pending.push(path),
                WalkStep::Take => files.push(path),
                WalkStep::Skip => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Opens `files` one at a time and visits each with its display name and handle. Progress is reported before each
/// file and once at the end (with `display_name`).
pub fn for_each_file<E: From<ContainerError>>(
    files: &[PathBuf],
    display_name: &str,
    progress: &mut dyn FnMut(Progress<'_>),
    mut visit: impl FnMut(&str, &Path, fs::File) -> Result<(), E>,
) -> Result<(), E> {
    let entries_total = files.len() as u64;
    for (done, path) in files.iter().enumerate() {
        let file = path.display().to_string();
        progress(Progress { entries_done: done as u64, entries_total, current: &file });
        let handle = fs::File::open(path).map_err(ContainerError::io(file.clone()))?;
        visit(&file, path, handle)?;
    }
    progress(Progress { entries_done: entries_total, entries_total, current: display_name });
    Ok(())
}
