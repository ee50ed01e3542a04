//! The hardened container layer shared by the ecoref readers. It knows no format: it reads bytes out of files,
//! directories and zip archives under limits, and leaves parsing to the reader.
//!
//! Invariants:
//! - every byte read goes through a limit: one entry never exceeds `max_entry_bytes` (its declared size is checked
//!   before reading, and at most `max_entry_bytes + 1` bytes are ever taken from it), and all entries of one read
//!   never exceed `max_total_bytes` ([`ByteBudget`]);
//! - an archive or directory holding more than `max_entries` entries is refused before anything is read;
//! - a zip entry name that could escape an extraction directory ([`is_unsafe_entry_name`]) fails the whole read,
//!   even though nothing is ever extracted to disk;
//! - entries are read one at a time, in an order that does not depend on the file system (directory listings are
//!   sorted); progress is reported before each entry and once at the end ([`Progress`]);
//! - every failure is a [`ContainerError`] naming the file (`archive.zip!entry` inside archives); readers convert
//!   it into their own error type, keeping their own messages;
//! - entries left out on purpose are never silent: [`NotLoaded`] summarizes them as info diagnostics;
//! - nothing here panics on any input.

mod dir;
mod error;
mod input;
mod limit;
mod not_loaded;
mod options;
mod parallel;
#[cfg(feature = "testing")]
pub mod testing;
mod version;
pub mod xml;
mod zip_archive;

pub use dir::{WalkStep, for_each_file, walk_dir};
pub use error::ContainerError;
pub use input::{Input, InputFile, open_input};
pub use limit::{ByteBudget, read_at_most};
pub use not_loaded::NotLoaded;
pub use options::{Limits, OnInvalid, Progress};
pub use parallel::{in_parallel, map_in_order};
pub use version::compare_versions;
pub use zip_archive::{ZipContainer, is_unsafe_entry_name};
