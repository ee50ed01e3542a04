//! LU of one diagonal block: a left-looking sparse LU (Gilbert–Peierls, as in KLU) with threshold partial pivoting
//! that prefers the diagonal, handing the rest of the block to a dense LU once the elimination has filled up.
//!
//! Factors `P B = L U` (L unit lower, U upper) where `B` is the block already permuted by the fill-reducing
//! ordering; row indices of `L` and `U` are pivot positions. On LCA blocks with hubs (markets bought by thousands)
//! the ordering leaves a trailing part that fills up, where a scalar sparse LU spends its time on indirect indexing.
//! So once the `L` column just computed holds at least [`DenseSwitch::min_fill`] of the `m` rows left (with `m` in
//! the switch's size range), the `s` pivots chosen so far stay sparse and the rest of the block is eliminated
//! densely:
//!
//! ```text
//! P B = [ L11   0  ] [ U11  U12 ]    L11, L21, U11: the sparse LU of the first s columns
//!       [ L21  L22 ] [  0   U22 ]    U12 = L11⁻¹ B12 (sparse); S = B22 - L21 U12 = L22 U22 (dense, m × m)
//! ```
//!
//! Each remaining column is solved against `L11` in pivot order (a topological order of `L11`, so no reach is
//! needed): its pivotal rows give the column of `U12`, its other rows the column of the Schur complement `S`, kept in
//! a dense column-major matrix that [`dense::DenseLu`] factors with partial pivoting (recursive and cache-blocked,
//! every entry going through the operations of plain Gaussian elimination). The trailing rows then take pivot
//! positions `s + i` in the dense pivot order, so `L21`'s row indices stay pivot positions. A solve applies `L11`
//! (whose columns reach the trailing rows), `L22`, `U22`, `U12`, then `U11`; a transposed solve `U11ᵀ`, `U12ᵀ`,
//! `U22ᵀ`, `L22ᵀ`, then `L11ᵀ` (whose columns gather from the trailing rows). Every sum runs in an order fixed by the
//! structure of the block: results are bit-identical across runs, machines and builds.

mod dense;

use crate::sparse::Csc;
use dense::{DenseLu, ZeroPivot};

/// A diagonal entry is kept as pivot when `|diag| >= PIVOT_TOLERANCE * max |column|`.
const PIVOT_TOLERANCE: f64 = 1e-3;
const NONE: usize = usize::MAX;

/// When the sparse elimination of a block hands the rest to the dense LU: before column `j`, with `m = n - j` rows
/// left, if `m` is in `min_size..=√max_entries` and column `j - 1` put at least `min_fill · m` entries in `L`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DenseSwitch {
    /// Share of the rows left that the last `L` column must reach.
    pub(crate) min_fill: f64,
    /// Fewest rows left for a dense part.
    pub(crate) min_size: usize,
    /// Most entries (`m²`, 8 bytes each) of a dense part: the memory cap.
    pub(crate) max_entries: usize,
}

impl DenseSwitch {
    /// Measured with `examples/compute_bench.rs` (25,000 activities, 2-core machine). On the 24,996-activity loop
    /// with hubs (`--markets`) the `L` columns stay below 10 % of the rows left until the last ≈ 2,200 rows, then
    /// reach 60–100 % within a few hundred columns: shares from 0.1 to 0.6 all switch there (2,000–2,250 dense rows,
    /// factorization 0.78–0.82 s); from 0.8 on the switch comes later and the dense columns before it cost 1.4–1.5 s
    /// in sparse form. On the default system (largest block 5,647) a band of ≈ 300 hub rows makes the share grow
    /// steadily: 0.1 gives 2,700 dense rows and 0.8 s, 0.3–0.5 give 650–1,030 rows and 0.26–0.28 s. 0.4 is in both
    /// good ranges and 4× the largest share of an isolated column seen before the filled part (0.09). 64 rows
    /// (not tuned): a smaller dense part could save little. The cap, 32 M entries (256 MiB, m ≤ 5,792, ≈ 6 s of dense LU at
    /// the measured 20 GFlop/s), bounds the cost of a wrong switch.
    pub(crate) const DEFAULT: DenseSwitch = DenseSwitch { min_fill: 0.4, min_size: 64, max_entries: 1 << 25 };

    /// Never switches: the whole block is factored sparsely.
    #[cfg(test)]
    pub(crate) const NEVER: DenseSwitch = DenseSwitch { min_fill: f64::INFINITY, min_size: usize::MAX, max_entries: 0 };

    /// Switches exactly when `m` rows are left (`m == n`: the whole block dense), whatever the fill.
    #[cfg(test)]
    pub(crate) fn at_size(m: usize) -> DenseSwitch {
        DenseSwitch { min_fill: 0.0, min_size: m, max_entries: m * m }
    }

    fn applies(&self, n_last_column: usize, n_left: usize) -> bool {
        n_left >= self.min_size
            && n_left.checked_mul(n_left).is_some_and(|entries| entries <= self.max_entries)
            && n_last_column as f64 >= self.min_fill * n_left as f64
    }
}

/// Columns of a sparse triangular factor, stored one after the other.
#[derive(Debug, Clone)]
struct SparseColumns {
    ptr: Vec<usize>,
    idx: Vec<usize>,
    val: Vec<f64>,
}

impl SparseColumns {
    fn new() -> Self {
        SparseColumns { ptr: vec![0], idx: Vec::new(), val: Vec::new() }
    }

    fn push(&mut self, idx: usize, val: f64) {
        self.idx.push(idx);
        self.val.push(val);
    }

    fn end_column(&mut self) {
        self.ptr.push(self.idx.len());
    }

    fn column(&self, k: usize) -> (&[usize], &[f64]) {
        let range = self.ptr[k]..self.ptr[k + 1];
        (&self.idx[range.clone()], &self.val[range])
    }

    fn nnz(&self) -> usize {
        self.idx.len()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct BlockLu {
    n: usize,
    /// Pivots `0..n_sparse` come from the sparse LU, `n_sparse..n` from the dense LU of the Schur complement.
    n_sparse: usize,
    /// `L` columns `0..n_sparse` below the (unit) diagonal, rows as pivot positions in `0..n`.
    l: SparseColumns,
    /// `U` columns `0..n` above the diagonal, rows as pivot positions below `min(j, n_sparse)`.
    u: SparseColumns,
    /// Diagonal of `U` for the sparse pivots.
    u_diag: Vec<f64>,
    /// `L22 U22` of the trailing `n - n_sparse` pivots (empty when the block never filled up).
    dense: DenseLu,
    /// `row_of_pivot[k]` is the block row chosen as pivot `k`.
    row_of_pivot: Vec<usize>,
}

/// A zero pivot: the block is structurally or numerically singular at this column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SingularColumn(pub(crate) usize);

/// The sparse elimination's state: pivot of each row, the work column, the reach and `L` by block row.
#[derive(Debug)]
struct Elimination {
    /// Pivot position of each block row, `NONE` while not pivotal.
    pinv: Vec<usize>,
    x: Vec<f64>,
    /// `mark[row] == j` once the reach of column `j` visited `row`.
    mark: Vec<usize>,
    /// Rows reached by the current column, in post-order (reverse topological order).
    topo: Vec<usize>,
    dfs: Vec<(usize, usize)>,
    /// `L` with block rows as row indices (mapped to pivot positions at the end).
    l: SparseColumns,
}

impl Elimination {
    /// Sparse triangular solve of column `j` of `b` with the pivots chosen so far: leaves the result in `x` on the
    /// rows listed in `topo` (pivotal rows: `U` entries; other rows: candidates for the pivot and `L`).
    fn solve_column(&mut self, b: &Csc, j: usize) {
        // Symbolic: rows reachable from the pattern of column j through the graph of L.
        self.topo.clear();
        for (start, _) in b.column(j) {
            if self.mark[start] == j {
                continue;
            }
            self.mark[start] = j;
            self.dfs.push((start, 0));
            while let Some(&mut (row, ref mut child)) = self.dfs.last_mut() {
                let k = self.pinv[row];
                if k != NONE {
                    let (begin, end) = (self.l.ptr[k], self.l.ptr[k + 1]);
                    if begin + *child < end {
                        let next = self.l.idx[begin + *child];
                        *child += 1;
                        if self.mark[next] != j {
                            self.mark[next] = j;
                            self.dfs.push((next, 0));
                        }
                        continue;
                    }
                }
                self.dfs.pop();
                self.topo.push(row);
            }
        }
        // Numeric: in topological order (reverse post-order).
        for (row, value) in b.column(j) {
            self.x[row] = value;
        }
        for &row in self.topo.iter().rev() {
            let k = self.pinv[row];
            if k == NONE {
                continue;
            }
            let xk = self.x[row];
            if xk != 0.0 {
                let (rows, values) = self.l.column(k);
                for (&i, &value) in rows.iter().zip(values) {
                    self.x[i] -= value * xk;
                }
            }
        }
    }

    /// Pivots the columns `n_sparse..n` of `b` densely: `U12` into `u`, the Schur complement into a dense LU. Sets
    /// the pivot of every trailing row (appended to `row_of_pivot`).
    fn factor_trailing(
        &mut self,
        b: &Csc,
        n_sparse: usize,
        u: &mut SparseColumns,
        row_of_pivot: &mut Vec<usize>,
    ) -> Result<DenseLu, SingularColumn> {
        let n = b.n_cols;
        let m = n - n_sparse;
        // The rows left, in block order, are the rows of the Schur complement. Work positions: pivot positions for
        // the pivotal rows, then the trailing rows.
        let trailing_rows: Vec<usize> = (0..n).filter(|&row| self.pinv[row] == NONE).collect();
        let mut position = self.pinv.clone();
        for (local, &row) in trailing_rows.iter().enumerate() {
            position[row] = n_sparse + local;
        }
        let l_position: Vec<usize> = self.l.idx.iter().map(|&row| position[row]).collect();
        let y = &mut self.x;
        let mut schur = vec![0.0f64; m * m];
        for (j, schur_column) in (n_sparse..n).zip(schur.chunks_exact_mut(m)) {
            for (row, value) in b.column(j) {
                y[position[row]] = value;
            }
            for k in 0..n_sparse {
                let yk = y[k];
                if yk != 0.0 {
                    let range = self.l.ptr[k]..self.l.ptr[k + 1];
                    for (&i, &value) in l_position[range.clone()].iter().zip(&self.l.val[range]) {
                        y[i] -= value * yk;
                    }
                    u.push(k, yk);
                    y[k] = 0.0;
                }
            }
            u.end_column();
            schur_column.copy_from_slice(&y[n_sparse..]);
            y[n_sparse..].fill(0.0);
        }
        let (dense, dense_row_of_pivot) =
            DenseLu::factor(m, schur).map_err(|ZeroPivot(column)| SingularColumn(n_sparse + column))?;
        for (i, &local) in dense_row_of_pivot.iter().enumerate() {
            let row = trailing_rows[local];
            self.pinv[row] = n_sparse + i;
            row_of_pivot.push(row);
        }
        Ok(dense)
    }
}

impl BlockLu {
    pub(crate) fn factor(b: &Csc) -> Result<Self, SingularColumn> {
        Self::factor_with(b, DenseSwitch::DEFAULT)
    }

    pub(crate) fn factor_with(b: &Csc, switch: DenseSwitch) -> Result<Self, SingularColumn> {
        let n = b.n_cols;
        let mut e = Elimination {
            pinv: vec![NONE; n],
            x: vec![0.0; n],
            mark: vec![NONE; n],
            topo: Vec::with_capacity(n),
            dfs: Vec::new(),
            l: SparseColumns::new(),
        };
        let mut u = SparseColumns::new();
        let mut u_diag: Vec<f64> = Vec::with_capacity(n);
        let mut row_of_pivot: Vec<usize> = Vec::with_capacity(n);

        let mut n_sparse = n;
        let mut n_last_column = 0usize;
        for j in 0..n {
            if switch.applies(n_last_column, n - j) {
                n_sparse = j;
                break;
            }
            e.solve_column(b, j);
            // Pivot choice among the rows not yet pivotal.
            let mut max_abs = 0.0f64;
            let mut max_row = NONE;
            for &row in e.topo.iter().rev() {
                if e.pinv[row] == NONE && e.x[row].abs() > max_abs {
                    max_abs = e.x[row].abs();
                    max_row = row;
                }
            }
            if max_row == NONE || !max_abs.is_finite() {
                return Err(SingularColumn(j));
            }
            let pivot_row = if e.pinv[j] == NONE && e.mark[j] == j && e.x[j].abs() >= PIVOT_TOLERANCE * max_abs {
                j
            } else {
                max_row
            };
            let pivot = e.x[pivot_row];
            // Store U (pivotal rows, by pivot position) and L (other rows, scaled).
            for &row in e.topo.iter().rev() {
                let k = e.pinv[row];
                if k != NONE {
                    if e.x[row] != 0.0 {
                        u.push(k, e.x[row]);
                    }
                } else if row != pivot_row && e.x[row] != 0.0 {
                    e.l.push(row, e.x[row] / pivot);
                }
                e.x[row] = 0.0;
            }
            e.pinv[pivot_row] = j;
            row_of_pivot.push(pivot_row);
            u_diag.push(pivot);
            u.end_column();
            e.l.end_column();
            n_last_column = e.l.nnz() - e.l.ptr[j];
        }
        let dense =
            if n_sparse < n { e.factor_trailing(b, n_sparse, &mut u, &mut row_of_pivot)? } else { DenseLu::default() };
        // Rows of L as pivot positions (every row is pivotal now).
        let Elimination { pinv, mut l, .. } = e;
        for row in &mut l.idx {
            *row = pinv[*row];
        }
        Ok(BlockLu { n, n_sparse, l, u, u_diag, dense, row_of_pivot })
    }

    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Rows of the dense trailing part (0 when the block never filled up).
    pub(crate) fn dense_size(&self) -> usize {
        self.dense.size()
    }

    /// Entries stored in L and U (diagonal included; the dense part counts all its `m²` entries).
    pub(crate) fn nnz(&self) -> usize {
        let m = self.dense.size();
        self.l.nnz() + self.u.nnz() + self.n_sparse + m * m
    }

    /// Solves `B y = rhs` in place: `rhs` indexed by block row on entry, by block column on exit.
    /// `work` must have length `n`.
    pub(crate) fn solve_in_place(&self, rhs: &mut [f64], work: &mut [f64]) {
        let s = self.n_sparse;
        for k in 0..self.n {
            work[k] = rhs[self.row_of_pivot[k]];
        }
        for k in 0..s {
            let wk = work[k];
            if wk != 0.0 {
                let (rows, values) = self.l.column(k);
                for (&i, &value) in rows.iter().zip(values) {
                    work[i] -= value * wk;
                }
            }
        }
        self.dense.solve_lower(&mut work[s..]);
        self.dense.solve_upper(&mut work[s..]);
        for j in (0..self.n).rev() {
            let yj = if j < s { work[j] / self.u_diag[j] } else { work[j] };
            work[j] = yj;
            if yj != 0.0 {
                let (rows, values) = self.u.column(j);
                for (&i, &value) in rows.iter().zip(values) {
                    work[i] -= value * yj;
                }
            }
        }
        rhs.copy_from_slice(work);
    }

    /// Solves `Bᵀ y = rhs` in place: `rhs` indexed by block column on entry, by block row on exit.
    pub(crate) fn solve_transposed_in_place(&self, rhs: &mut [f64], work: &mut [f64]) {
        let s = self.n_sparse;
        for j in 0..self.n {
            let mut sum = rhs[j];
            let (rows, values) = self.u.column(j);
            for (&i, &value) in rows.iter().zip(values) {
                sum -= value * work[i];
            }
            work[j] = if j < s { sum / self.u_diag[j] } else { sum };
        }
        self.dense.solve_upper_transposed(&mut work[s..]);
        self.dense.solve_lower_transposed(&mut work[s..]);
        for k in (0..s).rev() {
            let mut sum = work[k];
            let (rows, values) = self.l.column(k);
            for (&i, &value) in rows.iter().zip(values) {
                sum -= value * work[i];
            }
            work[k] = sum;
        }
        for k in 0..self.n {
            rhs[self.row_of_pivot[k]] = work[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A deterministic random sparse matrix, column by column, with options for the LCA shape.
    #[derive(Debug, Clone, Copy)]
    struct Shape {
        n: usize,
        density: f64,
        /// Column-diagonally dominant (the LCA case); otherwise arbitrary values and a diagonal often zero.
        dominant: bool,
        /// Rows reversed in the last `n_hubs` columns' diagonal region: pivots must come off the diagonal there.
        scrambled_tail: usize,
        /// Rows and columns `n - n_hubs..n` are dense (hubs bought by and buying from everyone).
        n_hubs: usize,
    }

    fn lcg(state: &mut u64) -> f64 {
        *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    fn random_dense(shape: Shape, seed: u64) -> Vec<Vec<f64>> {
        let Shape { n, density, dominant, scrambled_tail, n_hubs } = shape;
        let mut state = seed.wrapping_add(1);
        let mut a = vec![vec![0.0f64; n]; n];
        for col in 0..n {
            let mut off_sum = 0.0;
            for (row, a_row) in a.iter_mut().enumerate() {
                let hub = row >= n - n_hubs || col >= n - n_hubs;
                if row != col && (hub || lcg(&mut state) < density) {
                    let value = (lcg(&mut state) - 0.5) * 10f64.powf(2.0 * lcg(&mut state) - 1.0);
                    a_row[col] = value;
                    off_sum += value.abs();
                }
            }
            a[col][col] = if dominant {
                1.0 + off_sum
            } else if lcg(&mut state) < 0.5 {
                lcg(&mut state) - 0.5
            } else {
                0.0
            };
        }
        // Reverse the order of the last rows: their dominant entries leave the diagonal, where a zero is left (a
        // small off-diagonal value there would pass the sparse LU's threshold and make it lose digits).
        a[n - scrambled_tail..].reverse();
        for (k, row) in a.iter_mut().enumerate().skip(n - scrambled_tail) {
            if k != 2 * n - scrambled_tail - 1 - k {
                row[k] = 0.0;
            }
        }
        a
    }

    fn csc(a: &[Vec<f64>]) -> Csc {
        let n = a.len();
        let triplets: Vec<(usize, usize, f64)> = (0..n)
            .flat_map(|col| (0..n).filter(move |&row| a[row][col] != 0.0).map(move |row| (row, col, a[row][col])))
            .collect();
        Csc::from_triplets(n, n, triplets.into_iter())
    }

    /// `L` and `U` as dense matrices (rows and columns by pivot position).
    fn dense_factors(lu: &BlockLu) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let (n, s) = (lu.n, lu.n_sparse);
        let mut l = vec![vec![0.0f64; n]; n];
        let mut u = vec![vec![0.0f64; n]; n];
        for (k, row) in l.iter_mut().enumerate() {
            row[k] = 1.0;
        }
        for (k, &diagonal) in lu.u_diag.iter().enumerate() {
            u[k][k] = diagonal;
            let (rows, values) = lu.l.column(k);
            for (&i, &value) in rows.iter().zip(values) {
                l[i][k] = value;
            }
        }
        for (j, (rows, values)) in (0..n).map(|j| (j, lu.u.column(j))) {
            for (&i, &value) in rows.iter().zip(values) {
                u[i][j] = value;
            }
        }
        let m = lu.dense_size();
        let factors = lu.dense.factors();
        for c in 0..m {
            for r in 0..m {
                let value = factors[c * m + r];
                if r > c {
                    l[s + r][s + c] = value;
                } else {
                    u[s + r][s + c] = value;
                }
            }
        }
        (l, u)
    }

    fn max_abs(values: impl IntoIterator<Item = f64>) -> f64 {
        values.into_iter().fold(0.0f64, |m, v| m.max(v.abs()))
    }

    /// `max |P B - L U| / max |B|`.
    fn factor_residual(a: &[Vec<f64>], lu: &BlockLu) -> f64 {
        let n = a.len();
        let (l, u) = dense_factors(lu);
        let mut worst = 0.0f64;
        for k in 0..n {
            for j in 0..n {
                let product: f64 = (0..n).map(|p| l[k][p] * u[p][j]).sum();
                worst = worst.max((a[lu.row_of_pivot[k]][j] - product).abs());
            }
        }
        worst / max_abs(a.iter().flatten().copied())
    }

    fn solve(lu: &BlockLu, rhs: &[f64], transposed: bool) -> Vec<f64> {
        let mut y = rhs.to_vec();
        let mut work = vec![0.0; lu.n];
        if transposed {
            lu.solve_transposed_in_place(&mut y, &mut work);
        } else {
            lu.solve_in_place(&mut y, &mut work);
        }
        y
    }

    /// `max |A y - rhs| / (max |A| · max |y|)` (or with `Aᵀ`).
    fn solve_residual(a: &[Vec<f64>], y: &[f64], rhs: &[f64], transposed: bool) -> f64 {
        let n = a.len();
        let entry = |i: usize, j: usize| if transposed { a[j][i] } else { a[i][j] };
        let worst = max_abs((0..n).map(|i| (0..n).map(|j| entry(i, j) * y[j]).sum::<f64>() - rhs[i]));
        worst / (max_abs(a.iter().flatten().copied()) * max_abs(y.iter().copied())).max(f64::MIN_POSITIVE)
    }

    /// Gaussian elimination with partial pivoting on a dense copy: the reference solution.
    fn reference_solve(a: &[Vec<f64>], rhs: &[f64], transposed: bool) -> Vec<f64> {
        let n = a.len();
        let mut a: Vec<Vec<f64>> =
            (0..n).map(|i| (0..n).map(|j| if transposed { a[j][i] } else { a[i][j] }).collect()).collect();
        let mut b = rhs.to_vec();
        for k in 0..n {
            let p = (k..n).max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs())).unwrap_or(k);
            a.swap(k, p);
            b.swap(k, p);
            for i in k + 1..n {
                let factor = a[i][k] / a[k][k];
                let (top, bottom) = a.split_at_mut(i);
                for (target, &pivot_row) in bottom[0][k..].iter_mut().zip(&top[k][k..]) {
                    *target -= factor * pivot_row;
                }
                b[i] -= factor * b[k];
            }
        }
        let mut x = vec![0.0; n];
        for k in (0..n).rev() {
            let sum: f64 = (k + 1..n).map(|j| a[k][j] * x[j]).sum();
            x[k] = (b[k] - sum) / a[k][k];
        }
        x
    }

    fn relative_difference(x: &[f64], y: &[f64]) -> f64 {
        max_abs(x.iter().zip(y).map(|(a, b)| a - b)) / max_abs(x.iter().chain(y).copied()).max(f64::MIN_POSITIVE)
    }

    fn rhs(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n).map(|_| lcg(&mut state) * 4.0 - 2.0).collect()
    }

    #[test]
    fn forced_dense_parts_factor_and_solve() {
        let shapes = [
            Shape { n: 6, density: 0.5, dominant: true, scrambled_tail: 0, n_hubs: 0 },
            Shape { n: 30, density: 0.2, dominant: true, scrambled_tail: 10, n_hubs: 2 },
            Shape { n: 80, density: 0.05, dominant: true, scrambled_tail: 40, n_hubs: 5 },
            Shape { n: 120, density: 0.1, dominant: false, scrambled_tail: 0, n_hubs: 0 },
            Shape { n: 150, density: 0.03, dominant: true, scrambled_tail: 70, n_hubs: 8 },
        ];
        for (shape_idx, &shape) in shapes.iter().enumerate() {
            let a = random_dense(shape, shape_idx as u64);
            let b = csc(&a);
            let n = shape.n;
            for m in [n, n / 2 + 1, 3, 1] {
                let lu = BlockLu::factor_with(&b, DenseSwitch::at_size(m)).unwrap();
                assert_eq!(lu.dense_size(), m, "shape {shape_idx}");
                // Threshold pivoting in the sparse part allows some growth: a bug shows as O(1), not 1e-13.
                let residual = factor_residual(&a, &lu);
                assert!(residual <= 1e-11, "shape {shape_idx} m {m}: |PB - LU| / |B| = {residual:e}");
                for transposed in [false, true] {
                    let f = rhs(n, m as u64);
                    let y = solve(&lu, &f, transposed);
                    let residual = solve_residual(&a, &y, &f, transposed);
                    assert!(residual <= 1e-12, "shape {shape_idx} m {m} transposed {transposed}: {residual:e}");
                    let difference = relative_difference(&y, &reference_solve(&a, &f, transposed));
                    assert!(difference <= 1e-9, "shape {shape_idx} m {m} transposed {transposed}: {difference:e}");
                }
            }
        }
    }

    #[test]
    fn the_dense_part_pivots_off_the_diagonal_when_it_must() {
        // The last 40 rows are reversed: on the diagonal of the trailing part sit small off-diagonal entries.
        let shape = Shape { n: 100, density: 0.05, dominant: true, scrambled_tail: 40, n_hubs: 0 };
        let a = random_dense(shape, 11);
        let lu = BlockLu::factor_with(&csc(&a), DenseSwitch::at_size(40)).unwrap();
        let trailing = &lu.row_of_pivot[60..];
        assert!(trailing.windows(2).any(|pair| pair[0] > pair[1]), "no row exchange in the dense part: {trailing:?}");
        assert!(factor_residual(&a, &lu) <= 1e-13);
        let f = rhs(100, 5);
        for transposed in [false, true] {
            let y = solve(&lu, &f, transposed);
            assert!(relative_difference(&y, &reference_solve(&a, &f, transposed)) <= 1e-10);
        }
    }

    #[test]
    fn hubs_switch_to_dense_with_the_default_thresholds() {
        // Hubs ordered last (as AMD orders them) fill the trailing columns of L.
        let shape = Shape { n: 400, density: 0.004, dominant: true, scrambled_tail: 0, n_hubs: 40 };
        let a = random_dense(shape, 3);
        let b = csc(&a);
        let lu = BlockLu::factor(&b).unwrap();
        assert!(lu.dense_size() >= 64, "dense part of {} rows", lu.dense_size());
        let sparse = BlockLu::factor_with(&b, DenseSwitch::NEVER).unwrap();
        assert_eq!(sparse.dense_size(), 0);
        let f = rhs(400, 1);
        for transposed in [false, true] {
            let difference = relative_difference(&solve(&lu, &f, transposed), &solve(&sparse, &f, transposed));
            assert!(difference <= 1e-12, "transposed {transposed}: {difference:e}");
        }
    }

    /// Every stored number, as bits.
    fn fingerprint(lu: &BlockLu) -> Vec<u64> {
        let integers = [&lu.l.ptr, &lu.l.idx, &lu.u.ptr, &lu.u.idx, &lu.row_of_pivot].into_iter().flatten();
        let floats = [&lu.l.val, &lu.u.val, &lu.u_diag].into_iter().flatten().chain(lu.dense.factors());
        integers.map(|&i| i as u64).chain(floats.map(|v| v.to_bits())).collect()
    }

    #[test]
    fn factoring_twice_gives_bit_identical_factors_and_solutions() {
        let shape = Shape { n: 300, density: 0.01, dominant: true, scrambled_tail: 50, n_hubs: 30 };
        let a = random_dense(shape, 8);
        let b = csc(&a);
        for switch in [DenseSwitch::DEFAULT, DenseSwitch::at_size(120), DenseSwitch::at_size(300)] {
            let first = BlockLu::factor_with(&b, switch).unwrap();
            let second = BlockLu::factor_with(&b.clone(), switch).unwrap();
            assert!(first.dense_size() > 0);
            assert_eq!(fingerprint(&first), fingerprint(&second), "{switch:?}");
            let f = rhs(300, 2);
            for transposed in [false, true] {
                let bits = |lu: &BlockLu| solve(lu, &f, transposed).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&first), bits(&second), "{switch:?} transposed {transposed}");
            }
        }
    }

    #[test]
    fn a_zero_pivot_in_the_dense_part_names_its_block_column() {
        // The last two columns are proportional by powers of two: the last pivot cancels exactly.
        let n = 12;
        let mut a = vec![vec![0.0f64; n]; n];
        for (k, row) in a.iter_mut().enumerate() {
            row[k] = 1.0 + k as f64;
        }
        a[n - 2][n - 2] = 2.0;
        a[n - 1][n - 2] = 1.0;
        a[n - 2][n - 1] = 4.0;
        a[n - 1][n - 1] = 2.0;
        a[0][n - 1] = 8.0; // the trailing columns also reach the sparse part
        a[0][n - 2] = 4.0;
        let b = csc(&a);
        for switch in [DenseSwitch::NEVER, DenseSwitch::at_size(4), DenseSwitch::at_size(n)] {
            assert_eq!(BlockLu::factor_with(&b, switch).unwrap_err(), SingularColumn(n - 1), "{switch:?}");
        }
        // An empty column in the dense part.
        a[3][3] = 0.0;
        assert_eq!(BlockLu::factor_with(&csc(&a), DenseSwitch::at_size(10)).unwrap_err(), SingularColumn(3));
    }

    /// Sizes up to 59; arbitrary values only up to 8 (larger random matrices are too often ill-conditioned); rows
    /// scrambled in half the cases; the dense part of any size.
    fn shape_strategy() -> impl Strategy<Value = (Shape, u64, usize)> {
        let sizes = (1usize..60, 0.0f64..0.4, any::<bool>(), any::<bool>(), 0usize..60, 0usize..6);
        (sizes, any::<u64>(), 0usize..=60).prop_map(|((n, density, dominant, scramble, tail, hubs), seed, m)| {
            let scrambled_tail = if scramble { tail.min(n) } else { 0 };
            let shape = Shape { n, density, dominant: dominant || n > 8, scrambled_tail, n_hubs: hubs.min(n) };
            (shape, seed, m.min(n))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// On LCA-shaped systems (column-dominant, pivots on the diagonal) the sparse LU alone is accurate: with
        /// and without a dense part the solutions agree to 1e-10. Elsewhere (rows scrambled, or values arbitrary)
        /// the sparse LU's threshold pivoting may itself lose digits (growth up to 1/`PIVOT_TOLERANCE` a step), so
        /// the two must agree where the sparse LU alone matches the dense reference solve, and a dense part must
        /// never be much further from that reference than the sparse LU it replaces.
        #[test]
        fn solves_agree_with_and_without_the_dense_part((shape, seed, m) in shape_strategy()) {
            let a = random_dense(shape, seed);
            let b = csc(&a);
            let Ok(sparse) = BlockLu::factor_with(&b, DenseSwitch::NEVER) else {
                return Ok(()); // singular: nothing to compare
            };
            if reference_solve(&a, &vec![1.0; shape.n], false).iter().any(|v| !v.is_finite() || v.abs() > 1e3) {
                return Ok(()); // ill-conditioned: the pivot orders may legitimately disagree
            }
            let dense = BlockLu::factor_with(&b, DenseSwitch::at_size(m)).expect("non-singular by the sparse LU");
            prop_assert_eq!(dense.dense_size(), m);
            let lca_shaped = shape.dominant && shape.scrambled_tail == 0;
            for transposed in [false, true] {
                let f = rhs(shape.n, seed ^ 1);
                let (x, y) = (solve(&sparse, &f, transposed), solve(&dense, &f, transposed));
                let reference = reference_solve(&a, &f, transposed);
                let (error_sparse, error_dense) = (relative_difference(&x, &reference), relative_difference(&y, &reference));
                if lca_shaped || error_sparse <= 1e-11 {
                    let difference = relative_difference(&x, &y);
                    prop_assert!(difference <= 1e-10, "transposed {}: {:e}", transposed, difference);
                }
                prop_assert!(
                    error_dense <= 10.0 * error_sparse + 1e-10,
                    "transposed {}: error {:e} with a dense part, {:e} without", transposed, error_dense, error_sparse
                );
            }
        }
    }
}
