//! The canonical LCA model: what every reader produces and every other crate consumes.
//!
//! Invariants:
//! - every entity keeps its source-native id (ILCD UUID + dataSetVersion, ecoinvent ids, …), names and units;
//! - the model knows nothing about files, SQL or HTTP: it is plain data plus pure functions
//!   (canonical ordering, content hashing);
//! - bad source data is described by [`Diagnostic`]s next to the data, never by panics.

mod diagnostic;
mod entities;
mod hash;
pub mod packed;
mod packed_dataset;

pub use diagnostic::{Diagnostic, Location, Severity};
pub use entities::*;
pub use hash::{ContentHash, Sha256Hex, Sha256Writer};
pub use packed_dataset::{DatasetContent, PackedDataset, PackedDatasetBuilder, PreparedProcess};
