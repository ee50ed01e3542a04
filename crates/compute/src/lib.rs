//! LCA compute kernels: block-triangular sparse LU, LCI/LCIA, all-process impacts, single scores.
//!
//! Pure and synchronous: plain vectors in, plain vectors out, no I/O. Indices are positions in the
//! vectors of a [`System`]. Results are deterministic to the bit: orderings are fixed, every
//! reduction runs in a fixed sequential order, and threads (in [`Factorized::all_process_impacts`])
//! only split independent solves, so the thread count never changes a result.
//!
//! Solver: the technosphere is permuted to block upper triangular form (Tarjan's strongly connected
//! components, as KLU does); 1×1 blocks are scalar divisions, larger blocks get an approximate minimum degree (AMD)
//! ordering and a left-looking sparse LU with diagonal-preferring threshold pivoting; once a block's elimination has
//! filled up (hub activities bought by thousands), the rest of it is factored by a dense LU with partial pivoting
//! whose entries go through the operations of plain elimination in a fixed order (`lu` module).

mod btf;
mod factor;
mod lu;
mod ordering;
mod results;
mod sparse;
pub mod synthetic;

pub use factor::{FactorStats, Factorized};
pub use results::{Contributions, ImpactMatrix, WeightingSet, result_hash, score_product, single_score};

/// Reader-style identity of this engine, part of every result's provenance.
pub const ENGINE_NAME: &str = "ecoref-compute";
pub const ENGINE_VERSION: &str = "0.1.0";

/// The matrices of an LCA system as triplets; indices are positions in the name vectors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct System {
    /// Activity names (or ids); activity `j` produces product row `j`.
    pub activities: Vec<String>,
    /// Elementary flow names (or ids).
    pub flows: Vec<String>,
    /// Impact category (indicator) names.
    pub categories: Vec<String>,
    /// A: `(product row = index of its producing activity, activity column, amount)`; production
    /// positive on the diagonal, inputs negative off the diagonal; duplicates are summed.
    pub technosphere: Vec<(usize, usize, f64)>,
    /// B: `(flow, activity, amount)`; duplicates are summed.
    pub biosphere: Vec<(usize, usize, f64)>,
    /// Q: `(category, flow, characterization factor)`; duplicates are summed.
    pub characterization: Vec<(usize, usize, f64)>,
}

/// Which matrix an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixName {
    Technosphere,
    Biosphere,
    Characterization,
}

impl std::fmt::Display for MatrixName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MatrixName::Technosphere => "technosphere",
            MatrixName::Biosphere => "biosphere",
            MatrixName::Characterization => "characterization",
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("{matrix} entry {entry}: index ({row}, {col}) outside a {n_rows}×{n_cols} matrix")]
    IndexOutOfRange { matrix: MatrixName, entry: usize, row: usize, col: usize, n_rows: usize, n_cols: usize },
    #[error("{matrix} entry {entry}: value {value} is not finite")]
    NotFinite { matrix: MatrixName, entry: usize, value: f64 },
    #[error("technosphere column of activity {activity_idx} ({activity:?}) is empty")]
    EmptyColumn { activity_idx: usize, activity: String },
    #[error(
        "technosphere matrix is singular at activity {activity_idx} ({activity:?}), in a loop of {n_block} activities"
    )]
    Singular { activity_idx: usize, activity: String, n_block: usize },
    #[error("{what} has length {got}, expected {expected}")]
    LengthMismatch { what: &'static str, got: usize, expected: usize },
    #[error("product item {item}: activity index {activity_idx} outside 0..{n_activities}")]
    ItemOutOfRange { item: usize, activity_idx: usize, n_activities: usize },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Factorizes the technosphere of `system` once; the result solves any number of demands.
pub fn factorize(system: &System) -> Result<Factorized> {
    Factorized::new(system)
}
