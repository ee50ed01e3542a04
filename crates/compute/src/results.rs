//! Result containers (impact matrix, contributions), single scores, product scoring and result hashes.

use crate::{Error, Result};
use ecoref_model::Sha256Hex;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Aggregated impacts `M = Q B A⁻¹` (categories × activities), stored activity-major so the
/// impacts of one activity are one contiguous slice.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactMatrix {
    n_categories: usize,
    n_activities: usize,
    values: Vec<f64>,
}

impl ImpactMatrix {
    pub(crate) fn from_category_rows(n_activities: usize, rows: &[Vec<f64>]) -> Self {
        let n_categories = rows.len();
        let mut values = vec![0.0f64; n_categories * n_activities];
        for (category, row) in rows.iter().enumerate() {
            for (activity, &value) in row.iter().enumerate() {
                values[activity * n_categories + category] = value;
            }
        }
        ImpactMatrix { n_categories, n_activities, values }
    }

    /// Rebuilds a matrix from its activity-major values (e.g. read back from a snapshot).
    pub fn from_activity_major(n_categories: usize, n_activities: usize, values: Vec<f64>) -> Result<Self> {
        let expected = n_categories.saturating_mul(n_activities);
        if values.len() != expected {
            return Err(Error::LengthMismatch { what: "impact matrix values", got: values.len(), expected });
        }
        Ok(ImpactMatrix { n_categories, n_activities, values })
    }

    pub fn n_categories(&self) -> usize {
        self.n_categories
    }

    pub fn n_activities(&self) -> usize {
        self.n_activities
    }

    /// Impacts of one unit of the product of `activity_idx`, one per category.
    pub fn activity(&self, activity_idx: usize) -> Option<&[f64]> {
        let start = activity_idx.checked_mul(self.n_categories)?;
        self.values.get(start..start + self.n_categories)
    }

    pub fn get(&self, category_idx: usize, activity_idx: usize) -> Option<f64> {
        self.activity(activity_idx)?.get(category_idx).copied()
    }

    /// All values, activity-major: `values[activity * n_categories + category]`.
    pub fn as_activity_major(&self) -> &[f64] {
        &self.values
    }

    /// sha256 of the activity-major values' little-endian bytes.
    pub fn hash(&self) -> Sha256Hex {
        result_hash(&self.values)
    }
}

/// Contributions (categories × processes or categories × flows), category-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    n_categories: usize,
    n_columns: usize,
    values: Vec<f64>,
}

impl Contributions {
    pub(crate) fn new(n_categories: usize, n_columns: usize, values: Vec<f64>) -> Self {
        Contributions { n_categories, n_columns, values }
    }

    pub fn n_categories(&self) -> usize {
        self.n_categories
    }

    /// Number of processes or flows.
    pub fn n_columns(&self) -> usize {
        self.n_columns
    }

    /// Contributions of every process (or flow) to one category.
    pub fn category(&self, category_idx: usize) -> Option<&[f64]> {
        let start = category_idx.checked_mul(self.n_columns)?;
        self.values.get(start..start + self.n_columns)
    }

    /// The `n` largest contributions to one category by absolute value, as `(column, value)`;
    /// ties keep the lower index first (deterministic).
    pub fn top(&self, category_idx: usize, n: usize) -> Vec<(usize, f64)> {
        let Some(row) = self.category(category_idx) else {
            return Vec::new();
        };
        let mut ranked: Vec<(usize, f64)> = row.iter().copied().enumerate().filter(|&(_, v)| v != 0.0).collect();
        ranked.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        ranked.truncate(n);
        ranked
    }
}

/// Normalization and weighting of categories into one score (e.g. Ecobalyse `ecs`, EF 3.1 PEF).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightingSet {
    pub name: String,
    /// `(category, normalization divisor, weighting factor)`.
    pub entries: Vec<(usize, f64, f64)>,
    /// Multiplier of the whole sum (1e6 for Ecobalyse `ecs`, in µPt).
    pub scale: f64,
}

/// `Σ scale · I_k / N_k · W_k` over the set's entries, summed in entry order. An entry whose
/// category is outside `impacts` counts as an impact of 0.
pub fn single_score(impacts: &[f64], set: &WeightingSet) -> f64 {
    set.entries
        .iter()
        .map(|&(category, normalization, weighting)| {
            let impact = impacts.get(category).copied().unwrap_or(0.0);
            set.scale * impact / normalization * weighting
        })
        .sum()
}

/// Impacts of a bill of items `(activity, amount)`: `Σ amount × M[:, activity]`, in item order.
pub fn score_product(matrix: &ImpactMatrix, items: &[(usize, f64)]) -> Result<Vec<f64>> {
    let mut total = vec![0.0f64; matrix.n_categories];
    for (item, &(activity_idx, amount)) in items.iter().enumerate() {
        let column = matrix.activity(activity_idx).ok_or(Error::ItemOutOfRange {
            item,
            activity_idx,
            n_activities: matrix.n_activities,
        })?;
        for (sum, &value) in total.iter_mut().zip(column) {
            *sum += amount * value;
        }
    }
    Ok(total)
}

/// sha256 of the values' exact little-endian bytes: equal hashes mean bit-identical results.
pub fn result_hash(values: &[f64]) -> Sha256Hex {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.to_le_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    Sha256Hex(hex)
}
