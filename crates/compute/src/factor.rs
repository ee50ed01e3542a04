//! Factorization of a system's technosphere (block-triangular form + per-block LU) and the solves on it.
//!
//! The technosphere is split into its strongly connected components ([`crate::btf`]); a component of one activity
//! is a division, a larger one is ordered by AMD ([`crate::ordering`]) and factored by [`crate::lu::BlockLu`]:
//! a sparse LU whose filled-up trailing part, if any, is factored densely ([`FactorStats::n_dense_pivots`]). Solves
//! run block by block in block-triangular order, the entries outside the diagonal blocks applied between blocks.

use crate::btf::strongly_connected_components;
use crate::lu::BlockLu;
use crate::ordering::approximate_minimum_degree;
use crate::results::{Contributions, ImpactMatrix};
use crate::sparse::Csc;
use crate::{Error, MatrixName, Result, System};

/// Sizes of a factorization, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorStats {
    pub n_activities: usize,
    /// Strongly connected components of the technosphere (diagonal blocks).
    pub n_blocks: usize,
    /// Blocks of one activity (solved by one division).
    pub n_scalar_blocks: usize,
    pub largest_block: usize,
    pub nnz_technosphere: usize,
    /// Entries of L and U over all blocks larger than one activity (a dense trailing part counts all its m²).
    pub nnz_factors: usize,
    /// Pivots eliminated densely (the trailing parts of blocks that filled up), over all blocks.
    pub n_dense_pivots: usize,
}

#[derive(Debug, Clone)]
enum Block {
    Scalar { activity_idx: usize, diagonal: f64 },
    Lu { members: Vec<usize>, lu: Box<BlockLu> },
}

/// A factorized system: solve any demand, compute inventories, impacts and contributions.
#[derive(Debug, Clone)]
pub struct Factorized {
    n_activities: usize,
    n_flows: usize,
    n_categories: usize,
    technosphere: Csc,
    /// Technosphere entries whose row lies in an earlier block than their column.
    off_block: Csc,
    blocks: Vec<Block>,
    biosphere: Csc,
    /// Q stored by flow: `characterization.column(flow)` yields `(category, factor)`.
    characterization: Csc,
    /// Q·B, category-major (`n_categories × n_activities`).
    qb: Vec<f64>,
    stats: FactorStats,
}

fn check_triplets(matrix: MatrixName, triplets: &[(usize, usize, f64)], n_rows: usize, n_cols: usize) -> Result<()> {
    for (entry, &(row, col, value)) in triplets.iter().enumerate() {
        if row >= n_rows || col >= n_cols {
            return Err(Error::IndexOutOfRange { matrix, entry, row, col, n_rows, n_cols });
        }
        if !value.is_finite() {
            return Err(Error::NotFinite { matrix, entry, value });
        }
    }
    Ok(())
}

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected { Ok(()) } else { Err(Error::LengthMismatch { what, got, expected }) }
}

impl Factorized {
    pub(crate) fn new(system: &System) -> Result<Self> {
        let n = system.activities.len();
        let n_flows = system.flows.len();
        let n_categories = system.categories.len();
        check_triplets(MatrixName::Technosphere, &system.technosphere, n, n)?;
        check_triplets(MatrixName::Biosphere, &system.biosphere, n_flows, n)?;
        check_triplets(MatrixName::Characterization, &system.characterization, n_categories, n_flows)?;

        let technosphere = Csc::from_triplets(n, n, system.technosphere.iter().copied());
        let name = |idx: usize| system.activities.get(idx).cloned().unwrap_or_default();
        if let Some(empty) = (0..n).find(|&j| technosphere.column_len(j) == 0) {
            return Err(Error::EmptyColumn { activity_idx: empty, activity: name(empty) });
        }

        let components = strongly_connected_components(&technosphere);
        let mut block_of = vec![0usize; n];
        for (block_idx, members) in components.iter().enumerate() {
            for &member in members {
                block_of[member] = block_idx;
            }
        }

        let mut local_of = vec![usize::MAX; n];
        let mut blocks = Vec::with_capacity(components.len());
        let mut nnz_factors = 0usize;
        let mut n_dense_pivots = 0usize;
        let mut largest_block = 0usize;
        for (block_idx, members) in components.iter().enumerate() {
            largest_block = largest_block.max(members.len());
            if let [activity_idx] = members[..] {
                let diagonal = technosphere
                    .column(activity_idx)
                    .find(|&(row, _)| row == activity_idx)
                    .map_or(0.0, |(_, value)| value);
                if diagonal == 0.0 {
                    return Err(Error::Singular { activity_idx, activity: name(activity_idx), n_block: 1 });
                }
                blocks.push(Block::Scalar { activity_idx, diagonal });
                continue;
            }
            // Pattern of the block (local indices) for the ordering.
            for (local, &member) in members.iter().enumerate() {
                local_of[member] = local;
            }
            let columns: Vec<Vec<usize>> = members
                .iter()
                .map(|&member| {
                    technosphere
                        .column(member)
                        .filter(|&(row, _)| block_of[row] == block_idx)
                        .map(|(row, _)| local_of[row])
                        .collect()
                })
                .collect();
            let order = approximate_minimum_degree(&columns);
            let ordered: Vec<usize> = order.iter().map(|&local| members[local]).collect();
            for (local, &member) in ordered.iter().enumerate() {
                local_of[member] = local;
            }
            let triplets = ordered.iter().enumerate().flat_map(|(col_local, &member)| {
                let block_of = &block_of;
                let local_of = &local_of;
                technosphere
                    .column(member)
                    .filter(move |&(row, _)| block_of[row] == block_idx)
                    .map(move |(row, value)| (local_of[row], col_local, value))
            });
            let block_matrix = Csc::from_triplets(ordered.len(), ordered.len(), triplets);
            let lu = BlockLu::factor(&block_matrix).map_err(|singular| {
                let activity_idx = ordered.get(singular.0).copied().unwrap_or(0);
                Error::Singular { activity_idx, activity: name(activity_idx), n_block: ordered.len() }
            })?;
            nnz_factors += lu.nnz();
            n_dense_pivots += lu.dense_size();
            blocks.push(Block::Lu { members: ordered, lu: Box::new(lu) });
        }

        let off_block = Csc::from_triplets(
            n,
            n,
            (0..n).flat_map(|col| {
                let block_of = &block_of;
                technosphere
                    .column(col)
                    .filter(move |&(row, _)| block_of[row] != block_of[col])
                    .map(move |(row, value)| (row, col, value))
            }),
        );
        let biosphere = Csc::from_triplets(n_flows, n, system.biosphere.iter().copied());
        let characterization = Csc::from_triplets(n_categories, n_flows, system.characterization.iter().copied());
        let mut qb = vec![0.0f64; n_categories * n];
        for activity_idx in 0..n {
            for (flow, amount) in biosphere.column(activity_idx) {
                for (category, factor) in characterization.column(flow) {
                    qb[category * n + activity_idx] += factor * amount;
                }
            }
        }
        let stats = FactorStats {
            n_activities: n,
            n_blocks: blocks.len(),
            n_scalar_blocks: blocks.iter().filter(|b| matches!(b, Block::Scalar { .. })).count(),
            largest_block,
            nnz_technosphere: technosphere.nnz(),
            nnz_factors,
            n_dense_pivots,
        };
        Ok(Factorized {
            n_activities: n,
            n_flows,
            n_categories,
            technosphere,
            off_block,
            blocks,
            biosphere,
            characterization,
            qb,
            stats,
        })
    }

    pub fn stats(&self) -> FactorStats {
        self.stats
    }

    pub fn n_activities(&self) -> usize {
        self.n_activities
    }

    pub fn n_flows(&self) -> usize {
        self.n_flows
    }

    pub fn n_categories(&self) -> usize {
        self.n_categories
    }

    /// Scaling vector `s = A⁻¹ f` for a final demand `f` (one amount per activity's product).
    pub fn solve(&self, demand: &[f64]) -> Result<Vec<f64>> {
        check_len("demand", demand.len(), self.n_activities)?;
        let mut rhs = demand.to_vec();
        let mut supply = vec![0.0f64; self.n_activities];
        let mut local: Vec<f64> = Vec::new();
        let mut work: Vec<f64> = Vec::new();
        for block in self.blocks.iter().rev() {
            match block {
                Block::Scalar { activity_idx, diagonal } => {
                    let value = rhs[*activity_idx] / diagonal;
                    supply[*activity_idx] = value;
                    self.propagate(*activity_idx, value, &mut rhs);
                }
                Block::Lu { members, lu } => {
                    local.clear();
                    local.extend(members.iter().map(|&m| rhs[m]));
                    work.clear();
                    work.resize(lu.n(), 0.0);
                    lu.solve_in_place(&mut local, &mut work);
                    for (&member, &value) in members.iter().zip(&local) {
                        supply[member] = value;
                    }
                    for (&member, &value) in members.iter().zip(&local) {
                        self.propagate(member, value, &mut rhs);
                    }
                }
            }
        }
        Ok(supply)
    }

    fn propagate(&self, col: usize, value: f64, rhs: &mut [f64]) {
        if value != 0.0 {
            for (row, a) in self.off_block.column(col) {
                rhs[row] -= a * value;
            }
        }
    }

    /// Solves `Aᵀ x = c`: `x[j]` is the sensitivity of `c·s` to the demand of product `j`.
    pub fn solve_transposed(&self, rhs: &[f64]) -> Result<Vec<f64>> {
        check_len("transposed right-hand side", rhs.len(), self.n_activities)?;
        Ok(self.solve_transposed_unchecked(rhs))
    }

    fn solve_transposed_unchecked(&self, rhs: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0f64; self.n_activities];
        let mut local: Vec<f64> = Vec::new();
        let mut work: Vec<f64> = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Scalar { activity_idx, diagonal } => {
                    let sum = self.gather(*activity_idx, rhs[*activity_idx], &x);
                    x[*activity_idx] = sum / diagonal;
                }
                Block::Lu { members, lu } => {
                    local.clear();
                    local.extend(members.iter().map(|&m| self.gather(m, rhs[m], &x)));
                    work.clear();
                    work.resize(lu.n(), 0.0);
                    lu.solve_transposed_in_place(&mut local, &mut work);
                    for (&member, &value) in members.iter().zip(&local) {
                        x[member] = value;
                    }
                }
            }
        }
        x
    }

    fn gather(&self, col: usize, start: f64, x: &[f64]) -> f64 {
        let mut sum = start;
        for (row, a) in self.off_block.column(col) {
            sum -= a * x[row];
        }
        sum
    }

    /// `A·s`, for residual checks.
    pub fn technosphere_times(&self, supply: &[f64]) -> Result<Vec<f64>> {
        check_len("supply", supply.len(), self.n_activities)?;
        let mut out = vec![0.0f64; self.n_activities];
        for (col, &s) in supply.iter().enumerate() {
            for (row, a) in self.technosphere.column(col) {
                out[row] += a * s;
            }
        }
        Ok(out)
    }

    /// Life cycle inventory `g = B s` (one amount per flow).
    pub fn lci(&self, supply: &[f64]) -> Result<Vec<f64>> {
        check_len("supply", supply.len(), self.n_activities)?;
        let mut inventory = vec![0.0f64; self.n_flows];
        for (col, &s) in supply.iter().enumerate() {
            for (flow, b) in self.biosphere.column(col) {
                inventory[flow] += b * s;
            }
        }
        Ok(inventory)
    }

    /// Impacts `h = Q g` (one score per category).
    pub fn lcia(&self, inventory: &[f64]) -> Result<Vec<f64>> {
        check_len("inventory", inventory.len(), self.n_flows)?;
        let mut impacts = vec![0.0f64; self.n_categories];
        for (flow, &g) in inventory.iter().enumerate() {
            for (category, q) in self.characterization.column(flow) {
                impacts[category] += q * g;
            }
        }
        Ok(impacts)
    }

    /// `h = Q B A⁻¹ f` for one demand.
    pub fn impacts(&self, demand: &[f64]) -> Result<Vec<f64>> {
        let supply = self.solve(demand)?;
        let inventory = self.lci(&supply)?;
        self.lcia(&inventory)
    }

    /// Impacts of many demands, in order.
    pub fn impacts_many(&self, demands: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        demands.iter().map(|demand| self.impacts(demand)).collect()
    }

    /// Q·B row of one category (direct impacts of one unit of each activity).
    fn qb_row(&self, category: usize) -> &[f64] {
        let n = self.n_activities;
        &self.qb[category * n..(category + 1) * n]
    }

    /// The aggregated impacts of every activity for every category, `M = Q B A⁻¹`, by one
    /// transposed solve per category, on as many threads as the machine offers.
    pub fn all_process_impacts(&self) -> ImpactMatrix {
        let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.all_process_impacts_with_threads(n_threads)
    }

    /// [`Factorized::all_process_impacts`] on `n_threads` threads (0 or 1: the calling thread).
    /// The result does not depend on `n_threads`: each category's solve is sequential.
    pub fn all_process_impacts_with_threads(&self, n_threads: usize) -> ImpactMatrix {
        let k = self.n_categories;
        let n_threads = n_threads.clamp(1, k.max(1));
        let rows: Vec<Vec<f64>> = if n_threads == 1 {
            (0..k).map(|c| self.solve_transposed_unchecked(self.qb_row(c))).collect()
        } else {
            let mut rows: Vec<Vec<f64>> = vec![Vec::new(); k];
            std::thread::scope(|scope| {
                let chunk = k.div_ceil(n_threads);
                for (chunk_idx, out) in rows.chunks_mut(chunk).enumerate() {
                    scope.spawn(move || {
                        for (offset, row) in out.iter_mut().enumerate() {
                            *row = self.solve_transposed_unchecked(self.qb_row(chunk_idx * chunk + offset));
                        }
                    });
                }
            });
            rows
        };
        ImpactMatrix::from_category_rows(self.n_activities, &rows)
    }

    /// Direct contribution of each activity to each category for `demand`: `Q B diag(s)`.
    pub fn contributions_by_process(&self, demand: &[f64]) -> Result<Contributions> {
        self.process_contributions(&self.solve(demand)?)
    }

    /// `Q B diag(supply)` for a supply already solved ([`Factorized::solve`]).
    pub fn process_contributions(&self, supply: &[f64]) -> Result<Contributions> {
        check_len("supply", supply.len(), self.n_activities)?;
        let n = self.n_activities;
        let mut values = vec![0.0f64; self.n_categories * n];
        for category in 0..self.n_categories {
            let qb = self.qb_row(category);
            for j in 0..n {
                values[category * n + j] = qb[j] * supply[j];
            }
        }
        Ok(Contributions::new(self.n_categories, n, values))
    }

    /// Contribution of each elementary flow to each category for `demand`: `Q diag(g)`.
    pub fn contributions_by_flow(&self, demand: &[f64]) -> Result<Contributions> {
        self.flow_contributions(&self.lci(&self.solve(demand)?)?)
    }

    /// `Q diag(inventory)` for an inventory already computed ([`Factorized::lci`]).
    pub fn flow_contributions(&self, inventory: &[f64]) -> Result<Contributions> {
        check_len("inventory", inventory.len(), self.n_flows)?;
        let n_flows = self.n_flows;
        let mut values = vec![0.0f64; self.n_categories * n_flows];
        for (flow, &g) in inventory.iter().enumerate() {
            for (category, q) in self.characterization.column(flow) {
                values[category * n_flows + flow] = q * g;
            }
        }
        Ok(Contributions::new(self.n_categories, n_flows, values))
    }
}
