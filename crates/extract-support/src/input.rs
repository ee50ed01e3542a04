//! Telling a directory from a file, and a file's first bytes and extension, before choosing how to read it.

use crate::ContainerError;
use std::fs;
use std::io::{Read, Seek};
use std::path::Path;

/// Longest magic prefix read by [`open_input`].
const MAGIC_LEN: usize = 8;

/// What a path given to a reader is.
#[derive(Debug)]
pub enum Input {
    Dir,
    File(InputFile),
    /// Neither a directory nor a regular file.
    Other,
}

/// A regular file, opened and rewound to its start, with its first bytes and lowercase extension.
#[derive(Debug)]
pub struct InputFile {
    pub file: fs::File,
    /// The lowercase extension, if any and if UTF-8.
    pub extension: Option<String>,
    magic: [u8; MAGIC_LEN],
    n_magic: usize,
}

impl InputFile {
    /// The file's first bytes (fewer when the file is shorter).
    pub fn magic(&self) -> &[u8] {
        self.magic.get(..self.n_magic).unwrap_or(&[])
    }

    pub fn extension_is(&self, extension: &str) -> bool {
        self.extension.as_deref() == Some(extension)
    }
}

/// Looks at `path` (named `display` in errors): a directory, or a regular file opened with its magic bytes read
/// and the position rewound to the start.
pub fn open_input(path: &Path, display: &str) -> Result<Input, ContainerError> {
    let metadata = fs::metadata(path).map_err(ContainerError::io(display))?;
    if metadata.is_dir() {
        return Ok(Input::Dir);
    }
    if !metadata.is_file() {
        return Ok(Input::Other);
    }
    let mut file = fs::File::open(path).map_err(ContainerError::io(display))?;
    let mut magic = [0u8; MAGIC_LEN];
    let n_magic = read_prefix(&mut file, &mut magic).map_err(ContainerError::io(display))?;
    file.rewind().map_err(ContainerError::io(display))?;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    Ok(Input::File(InputFile { file, extension, magic, n_magic }))
}

/// Fills `buf` from the start of `file` as far as the file goes.
fn read_prefix(file: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
        match file.read(rest)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
