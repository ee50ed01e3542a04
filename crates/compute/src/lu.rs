//! Left-looking sparse LU (Gilbert–Peierls, as in KLU) of one diagonal block, with threshold partial
//! pivoting that prefers the diagonal.
//!
//! Factors `P B = L U` (L unit lower, U upper) where `B` is the block already permuted by the
//! fill-reducing ordering; row indices of `L` and `U` are pivot positions.

use crate::sparse::Csc;

/// A diagonal entry is kept as pivot when `|diag| >= PIVOT_TOLERANCE * max |column|`.
const PIVOT_TOLERANCE: f64 = 1e-3;
const NONE: usize = usize::MAX;

#[derive(Debug, Clone)]
pub(crate) struct BlockLu {
    n: usize,
    l_ptr: Vec<usize>,
    l_idx: Vec<usize>,
    l_val: Vec<f64>,
    u_ptr: Vec<usize>,
    u_idx: Vec<usize>,
    u_val: Vec<f64>,
    u_diag: Vec<f64>,
    /// `row_of_pivot[k]` is the block row chosen as pivot `k`.
    row_of_pivot: Vec<usize>,
}

/// A zero pivot: the block is structurally or numerically singular at this column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SingularColumn(pub(crate) usize);

impl BlockLu {
    pub(crate) fn factor(b: &Csc) -> Result<Self, SingularColumn> {
        let n = b.n_cols;
        let mut pinv = vec![NONE; n];
        let mut x = vec![0.0f64; n];
        let mut mark = vec![NONE; n];
        let mut topo: Vec<usize> = Vec::with_capacity(n);
        let mut dfs: Vec<(usize, usize)> = Vec::new();
        let mut l_ptr = vec![0usize];
        let mut l_idx: Vec<usize> = Vec::new();
        let mut l_val: Vec<f64> = Vec::new();
        let mut u_ptr = vec![0usize];
        let mut u_idx: Vec<usize> = Vec::new();
        let mut u_val: Vec<f64> = Vec::new();
        let mut u_diag = vec![0.0f64; n];
        let mut row_of_pivot = vec![NONE; n];

        for j in 0..n {
            // Symbolic: rows reachable from the pattern of column j through the graph of L.
            topo.clear();
            for (start, _) in b.column(j) {
                if mark[start] == j {
                    continue;
                }
                mark[start] = j;
                dfs.push((start, 0));
                while let Some(&mut (row, ref mut child)) = dfs.last_mut() {
                    let k = pinv[row];
                    if k != NONE {
                        let (begin, end) = (l_ptr[k], l_ptr[k + 1]);
                        if begin + *child < end {
                            let next = l_idx[begin + *child];
                            *child += 1;
                            if mark[next] != j {
                                mark[next] = j;
                                dfs.push((next, 0));
                            }
                            continue;
                        }
                    }
                    dfs.pop();
                    topo.push(row);
                }
            }
            // Numeric: sparse triangular solve in topological order (reverse post-order).
            for (row, value) in b.column(j) {
                x[row] = value;
            }
            for &row in topo.iter().rev() {
                let k = pinv[row];
                if k == NONE {
                    continue;
                }
                let xk = x[row];
                if xk != 0.0 {
                    for p in l_ptr[k]..l_ptr[k + 1] {
                        x[l_idx[p]] -= l_val[p] * xk;
                    }
                }
            }
            // Pivot choice among the rows not yet pivotal.
            let mut max_abs = 0.0f64;
            let mut max_row = NONE;
            for &row in topo.iter().rev() {
                if pinv[row] == NONE && x[row].abs() > max_abs {
                    max_abs = x[row].abs();
                    max_row = row;
                }
            }
            if max_row == NONE || !max_abs.is_finite() {
                return Err(SingularColumn(j));
            }
            let pivot_row =
                if pinv[j] == NONE && mark[j] == j && x[j].abs() >= PIVOT_TOLERANCE * max_abs { j } else { max_row };
            let pivot = x[pivot_row];
            // Store U (pivotal rows, by pivot position) and L (other rows, scaled).
            for &row in topo.iter().rev() {
                let k = pinv[row];
                if k != NONE {
                    if x[row] != 0.0 {
                        u_idx.push(k);
                        u_val.push(x[row]);
                    }
                } else if row != pivot_row && x[row] != 0.0 {
                    l_idx.push(row);
                    l_val.push(x[row] / pivot);
                }
                x[row] = 0.0;
            }
            pinv[pivot_row] = j;
            row_of_pivot[j] = pivot_row;
            u_diag[j] = pivot;
            u_ptr.push(u_idx.len());
            l_ptr.push(l_idx.len());
        }
        // Rows of L as pivot positions (every row is pivotal now).
        for row in &mut l_idx {
            *row = pinv[*row];
        }
        Ok(BlockLu { n, l_ptr, l_idx, l_val, u_ptr, u_idx, u_val, u_diag, row_of_pivot })
    }

    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Entries stored in L and U (diagonal included).
    pub(crate) fn nnz(&self) -> usize {
        self.l_idx.len() + self.u_idx.len() + self.n
    }

    /// Solves `B y = rhs` in place: `rhs` indexed by block row on entry, by block column on exit.
    /// `work` must have length `n`.
    pub(crate) fn solve_in_place(&self, rhs: &mut [f64], work: &mut [f64]) {
        for k in 0..self.n {
            work[k] = rhs[self.row_of_pivot[k]];
        }
        for k in 0..self.n {
            let wk = work[k];
            if wk != 0.0 {
                for p in self.l_ptr[k]..self.l_ptr[k + 1] {
                    work[self.l_idx[p]] -= self.l_val[p] * wk;
                }
            }
        }
        for j in (0..self.n).rev() {
            let yj = work[j] / self.u_diag[j];
            work[j] = yj;
            if yj != 0.0 {
                for p in self.u_ptr[j]..self.u_ptr[j + 1] {
                    work[self.u_idx[p]] -= self.u_val[p] * yj;
                }
            }
        }
        rhs.copy_from_slice(work);
    }

    /// Solves `Bᵀ y = rhs` in place: `rhs` indexed by block column on entry, by block row on exit.
    pub(crate) fn solve_transposed_in_place(&self, rhs: &mut [f64], work: &mut [f64]) {
        for j in 0..self.n {
            let mut sum = rhs[j];
            for p in self.u_ptr[j]..self.u_ptr[j + 1] {
                sum -= self.u_val[p] * work[self.u_idx[p]];
            }
            work[j] = sum / self.u_diag[j];
        }
        for k in (0..self.n).rev() {
            let mut sum = work[k];
            for p in self.l_ptr[k]..self.l_ptr[k + 1] {
                sum -= self.l_val[p] * work[self.l_idx[p]];
            }
            work[k] = sum;
        }
        for k in 0..self.n {
            rhs[self.row_of_pivot[k]] = work[k];
        }
    }
}
