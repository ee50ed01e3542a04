//! Dense LU with partial pivoting of the trailing Schur complement of a block, where the sparse elimination
//! has filled up: a recursive (Toledo) LU whose work runs in a register-tiled, cache-blocked matrix product.
//!
//! Every entry goes through the operations of textbook right-looking Gaussian elimination, in the same order:
//! multipliers `l[i][k] = a[i][k] / a[k][k]` by division, then `a[i][j] = a[i][j] - l[i][p] * u[p][j]` one
//! product at a time for `p = 0, 1, …`. The recursion, the packing and the register tiles only change *when* an
//! entry is updated, never the sequence of operations on it, so the factors do not depend on the block sizes; with
//! no FMA (Rust never fuses `a - b * c`), no reassociation and no threads they are the same on every machine.
//! Solves use column operations (`axpy`), or dot products with a fixed lane split for the transposed factors.

/// Column-major `m × m` LU factors: `L` (unit diagonal implied) strictly below the diagonal, `U` on and above,
/// rows in pivot order.
#[derive(Debug, Clone, Default)]
pub(crate) struct DenseLu {
    m: usize,
    lu: Vec<f64>,
}

/// A pivot column with no nonzero finite entry left: the matrix is singular at this column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ZeroPivot(pub(crate) usize);

/// Columns of a panel factored by plain elimination at the bottom of the recursion.
const LEAF_WIDTH: usize = 16;
/// Rows of a triangular solve done by plain substitution at the bottom of its recursion.
const SOLVE_LEAF: usize = 32;
/// Register tile of the matrix product: `MR` rows × `NR` columns of the updated matrix.
const MR: usize = 8;
const NR: usize = 2;
/// Cache blocks of the matrix product: `KC` deep (inner dimension), `MC` rows, `NC` columns.
const KC: usize = 256;
const MC: usize = 128;
const NC: usize = 1024;
/// Independent accumulators of the dot products in the transposed solves.
const DOT_LANES: usize = 8;

impl DenseLu {
    /// Factors the column-major `m × m` matrix `a` with partial pivoting (the largest magnitude, the first one on
    /// ties). Returns the factors and `row_of_pivot[i]`, the row of `a` that became pivot row `i`.
    pub(crate) fn factor(m: usize, mut a: Vec<f64>) -> Result<(Self, Vec<usize>), ZeroPivot> {
        debug_assert_eq!(a.len(), m * m);
        let mut swaps = vec![0usize; m];
        let mut packs = Packs::default();
        factor_columns(&mut a, m, 0, m, &mut swaps, &mut packs)?;
        let mut row_of_pivot: Vec<usize> = (0..m).collect();
        for (k, &other) in swaps.iter().enumerate() {
            row_of_pivot.swap(k, other);
        }
        Ok((DenseLu { m, lu: a }, row_of_pivot))
    }

    pub(crate) fn size(&self) -> usize {
        self.m
    }

    /// The factors, column-major (`L` strictly below the diagonal, `U` on and above).
    #[cfg(test)]
    pub(crate) fn factors(&self) -> &[f64] {
        &self.lu
    }

    fn column(&self, j: usize) -> &[f64] {
        &self.lu[j * self.m..(j + 1) * self.m]
    }

    /// `x ← L⁻¹ x`, `x` in pivot order.
    pub(crate) fn solve_lower(&self, x: &mut [f64]) {
        for k in 0..self.m {
            let xk = x[k];
            if xk != 0.0 {
                axpy_sub(&mut x[k + 1..], &self.column(k)[k + 1..], xk);
            }
        }
    }

    /// `x ← U⁻¹ x`.
    pub(crate) fn solve_upper(&self, x: &mut [f64]) {
        for j in (0..self.m).rev() {
            let column = self.column(j);
            let xj = x[j] / column[j];
            x[j] = xj;
            if xj != 0.0 {
                axpy_sub(&mut x[..j], &column[..j], xj);
            }
        }
    }

    /// `x ← U⁻ᵀ x`.
    pub(crate) fn solve_upper_transposed(&self, x: &mut [f64]) {
        for j in 0..self.m {
            let column = self.column(j);
            x[j] = (x[j] - dot(&column[..j], &x[..j])) / column[j];
        }
    }

    /// `x ← L⁻ᵀ x`, `x` in pivot order on exit.
    pub(crate) fn solve_lower_transposed(&self, x: &mut [f64]) {
        for k in (0..self.m).rev() {
            let sum = dot(&self.column(k)[k + 1..], &x[k + 1..]);
            x[k] -= sum;
        }
    }
}

/// `y ← y - a·x`, element by element.
fn axpy_sub(y: &mut [f64], a: &[f64], x: f64) {
    for (yi, &ai) in y.iter_mut().zip(a) {
        *yi -= ai * x;
    }
}

/// `Σ a[i]·b[i]` summed in `DOT_LANES` interleaved partial sums combined pairwise, then the tail in order: a fixed
/// order, whatever the vector width of the machine.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a_chunks, a_tail) = a.as_chunks::<DOT_LANES>();
    let (b_chunks, b_tail) = b.as_chunks::<DOT_LANES>();
    let mut lanes = [0.0f64; DOT_LANES];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for lane in 0..DOT_LANES {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    let mut width = DOT_LANES;
    while width > 1 {
        width /= 2;
        for lane in 0..width {
            lanes[lane] += lanes[lane + width];
        }
    }
    let mut sum = lanes[0];
    for (x, y) in a_tail.iter().zip(b_tail) {
        sum += x * y;
    }
    sum
}

/// Packing buffers of the matrix product, reused across calls.
#[derive(Debug, Default)]
struct Packs {
    a: Vec<[f64; MR]>,
    b: Vec<[f64; NR]>,
}

/// Factors columns `c0..c1` on rows `c0..m` (the earlier columns' updates already applied to them), recording in
/// `swaps[k]` the row exchanged with row `k`; every swap ends up applied to all columns `c0..c1`.
fn factor_columns(
    a: &mut [f64],
    m: usize,
    c0: usize,
    c1: usize,
    swaps: &mut [usize],
    packs: &mut Packs,
) -> Result<(), ZeroPivot> {
    let width = c1 - c0;
    if width <= LEAF_WIDTH {
        return factor_leaf(a, m, c0, c1, swaps);
    }
    let mid = c0 + (width / 2).next_multiple_of(LEAF_WIDTH).min(width - 1);
    factor_columns(a, m, c0, mid, swaps, packs)?;
    apply_swaps(a, m, c0..mid, mid..c1, swaps);
    solve_unit_lower(a, m, c0, mid, mid, c1, packs);
    multiply_subtract(a, m, Product { rows: mid..m, inner: c0..mid, columns: mid..c1 }, packs);
    factor_columns(a, m, mid, c1, swaps, packs)?;
    apply_swaps(a, m, mid..c1, c0..mid, swaps);
    Ok(())
}

/// Plain right-looking elimination of the panel of columns `c0..c1`, rows `c0..m`.
fn factor_leaf(a: &mut [f64], m: usize, c0: usize, c1: usize, swaps: &mut [usize]) -> Result<(), ZeroPivot> {
    for k in c0..c1 {
        let column = &a[k * m..(k + 1) * m];
        let mut max_abs = 0.0f64;
        let mut pivot_row = k;
        for (i, value) in column.iter().enumerate().skip(k) {
            if value.abs() > max_abs {
                max_abs = value.abs();
                pivot_row = i;
            }
        }
        if max_abs == 0.0 || !max_abs.is_finite() {
            return Err(ZeroPivot(k));
        }
        swaps[k] = pivot_row;
        if pivot_row != k {
            for j in c0..c1 {
                a.swap(j * m + k, j * m + pivot_row);
            }
        }
        let (left, right) = a.split_at_mut((k + 1) * m);
        let column = &mut left[k * m..];
        let pivot = column[k];
        for value in &mut column[k + 1..] {
            *value /= pivot;
        }
        let multipliers = &column[k + 1..];
        for target in right.chunks_exact_mut(m).take(c1 - k - 1) {
            let ukj = target[k];
            axpy_sub(&mut target[k + 1..], multipliers, ukj);
        }
    }
    Ok(())
}

/// Applies the row exchanges recorded for `steps` to the columns `columns`.
fn apply_swaps(
    a: &mut [f64],
    m: usize,
    steps: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
    swaps: &[usize],
) {
    for column in a.chunks_exact_mut(m).skip(columns.start).take(columns.len()) {
        for k in steps.clone() {
            column.swap(k, swaps[k]);
        }
    }
}

/// Overwrites the columns `c0..c1` of rows `r0..r1` with `L⁻¹` times them, `L` the unit lower triangle of rows and
/// columns `r0..r1` (`r1 <= c0`).
fn solve_unit_lower(a: &mut [f64], m: usize, r0: usize, r1: usize, c0: usize, c1: usize, packs: &mut Packs) {
    if r1 - r0 <= SOLVE_LEAF {
        let (left, right) = a.split_at_mut(c0 * m);
        for column in right.chunks_exact_mut(m).take(c1 - c0) {
            for p in r0..r1 {
                let xp = column[p];
                axpy_sub(&mut column[p + 1..r1], &left[p * m + p + 1..p * m + r1], xp);
            }
        }
        return;
    }
    let mid = r0 + (r1 - r0) / 2;
    solve_unit_lower(a, m, r0, mid, c0, c1, packs);
    multiply_subtract(a, m, Product { rows: mid..r1, inner: r0..mid, columns: c0..c1 }, packs);
    solve_unit_lower(a, m, mid, r1, c0, c1, packs);
}

/// `C ← C - A·B` inside one column-major matrix: `C` = rows × columns, `A` = rows × inner, `B` = inner × columns.
/// `A` lies left of `C` (`inner.end <= columns.start`) and `B` above it (`inner.end <= rows.start`).
#[derive(Debug)]
struct Product {
    rows: std::ops::Range<usize>,
    inner: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
}

fn multiply_subtract(a: &mut [f64], m: usize, product: Product, packs: &mut Packs) {
    let Product { rows, inner, columns } = product;
    debug_assert!(inner.end <= columns.start && inner.end <= rows.start);
    if rows.is_empty() || inner.is_empty() || columns.is_empty() {
        return;
    }
    let (left, right) = a.split_at_mut(columns.start * m);
    for jc in (0..columns.len()).step_by(NC) {
        let nc = NC.min(columns.len() - jc);
        for pc in (inner.start..inner.end).step_by(KC) {
            let kc = KC.min(inner.end - pc);
            pack_b(&mut packs.b, right, m, pc..pc + kc, jc..jc + nc);
            for ic in (rows.start..rows.end).step_by(MC) {
                let mc = MC.min(rows.end - ic);
                pack_a(&mut packs.a, left, m, ic..ic + mc, pc..pc + kc);
                for (tile_col, b_sliver) in packs.b.chunks_exact(kc).enumerate() {
                    let col0 = jc + tile_col * NR;
                    let n_cols = NR.min(jc + nc - col0);
                    for (tile_row, a_sliver) in packs.a.chunks_exact(kc).enumerate() {
                        let row0 = ic + tile_row * MR;
                        let n_rows = MR.min(ic + mc - row0);
                        let mut tile = [[0.0f64; MR]; NR];
                        for (c, tile_column) in tile.iter_mut().enumerate().take(n_cols) {
                            let start = (col0 + c) * m + row0;
                            copy_short(&mut tile_column[..n_rows], &right[start..start + n_rows]);
                        }
                        tile = kernel(tile, a_sliver, b_sliver);
                        for (c, tile_column) in tile.iter().enumerate().take(n_cols) {
                            let start = (col0 + c) * m + row0;
                            copy_short(&mut right[start..start + n_rows], &tile_column[..n_rows]);
                        }
                    }
                }
            }
        }
    }
}

/// Copies a few values with a loop (`copy_from_slice` calls `memmove` for a length unknown at compile time).
#[inline(always)]
fn copy_short(target: &mut [f64], source: &[f64]) {
    for (t, &s) in target.iter_mut().zip(source) {
        *t = s;
    }
}

/// `tile[c][r] -= a[p][r] * b[p][c]` for `p` in order.
#[inline(always)]
fn kernel(mut tile: [[f64; MR]; NR], a: &[[f64; MR]], b: &[[f64; NR]]) -> [[f64; MR]; NR] {
    for (ap, bp) in a.iter().zip(b) {
        for c in 0..NR {
            for r in 0..MR {
                tile[c][r] -= ap[r] * bp[c];
            }
        }
    }
    tile
}

/// Packs rows × inner of `left` (columns counted from 0) in slivers of `MR` rows, `kc` steps each, zero-padded.
fn pack_a(
    pack: &mut Vec<[f64; MR]>,
    left: &[f64],
    m: usize,
    rows: std::ops::Range<usize>,
    inner: std::ops::Range<usize>,
) {
    pack.clear();
    for row0 in rows.clone().step_by(MR) {
        let n_rows = MR.min(rows.end - row0);
        for p in inner.clone() {
            let mut values = [0.0f64; MR];
            values[..n_rows].copy_from_slice(&left[p * m + row0..p * m + row0 + n_rows]);
            pack.push(values);
        }
    }
}

/// Packs inner × columns of `right` (columns counted from the start of `right`) in slivers of `NR` columns.
fn pack_b(
    pack: &mut Vec<[f64; NR]>,
    right: &[f64],
    m: usize,
    inner: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
) {
    pack.clear();
    for col0 in columns.clone().step_by(NR) {
        let n_cols = NR.min(columns.end - col0);
        for p in inner.clone() {
            let mut values = [0.0f64; NR];
            for (c, value) in values.iter_mut().enumerate().take(n_cols) {
                *value = right[(col0 + c) * m + p];
            }
            pack.push(values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Textbook right-looking elimination with partial pivoting, the operations the blocked code must reproduce.
    fn reference_factor(m: usize, mut a: Vec<f64>) -> Result<(Vec<f64>, Vec<usize>), ZeroPivot> {
        let mut row_of_pivot: Vec<usize> = (0..m).collect();
        for k in 0..m {
            let mut pivot_row = k;
            let mut max_abs = 0.0f64;
            for i in k..m {
                if a[k * m + i].abs() > max_abs {
                    max_abs = a[k * m + i].abs();
                    pivot_row = i;
                }
            }
            if max_abs == 0.0 {
                return Err(ZeroPivot(k));
            }
            for j in 0..m {
                a.swap(j * m + k, j * m + pivot_row);
            }
            row_of_pivot.swap(k, pivot_row);
            for i in k + 1..m {
                a[k * m + i] /= a[k * m + k];
            }
            for j in k + 1..m {
                for i in k + 1..m {
                    a[j * m + i] -= a[k * m + i] * a[j * m + k];
                }
            }
        }
        Ok((a, row_of_pivot))
    }

    fn random_matrix(m: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..m * m)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10f64.powi((state % 5) as i32 - 2)
            })
            .collect()
    }

    #[test]
    fn blocked_factors_are_bit_identical_to_plain_elimination() {
        for m in [1usize, 2, 5, 16, 17, 33, 70, 131, 300] {
            let a = random_matrix(m, m as u64);
            let (dense, row_of_pivot) = DenseLu::factor(m, a.clone()).unwrap();
            let (expected, expected_rows) = reference_factor(m, a).unwrap();
            assert_eq!(row_of_pivot, expected_rows, "m {m}");
            let same = dense.lu.iter().zip(&expected).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "m {m}: factors differ from plain elimination");
        }
    }

    #[test]
    fn solves_invert_the_matrix_and_its_transpose() {
        let m = 150;
        let a = random_matrix(m, 3);
        let (dense, row_of_pivot) = DenseLu::factor(m, a.clone()).unwrap();
        let b: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).sin()).collect();
        // A x = b: permute b to pivot order, then L, then U.
        let mut x: Vec<f64> = row_of_pivot.iter().map(|&row| b[row]).collect();
        dense.solve_lower(&mut x);
        dense.solve_upper(&mut x);
        let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs())) * x.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        for i in 0..m {
            let ax: f64 = (0..m).map(|j| a[j * m + i] * x[j]).sum();
            assert!((ax - b[i]).abs() <= 1e-10 * scale, "row {i}: {ax} vs {}", b[i]);
        }
        // Aᵀ y = b: Uᵀ, then Lᵀ, then undo the permutation.
        let mut z = b.clone();
        dense.solve_upper_transposed(&mut z);
        dense.solve_lower_transposed(&mut z);
        let mut y = vec![0.0; m];
        for (k, &row) in row_of_pivot.iter().enumerate() {
            y[row] = z[k];
        }
        for j in 0..m {
            let aty: f64 = (0..m).map(|i| a[j * m + i] * y[i]).sum();
            assert!((aty - b[j]).abs() <= 1e-10 * scale, "column {j}: {aty} vs {}", b[j]);
        }
    }

    #[test]
    fn a_zero_pivot_names_its_column() {
        // Columns 0 and 1 are exactly proportional (powers of two): the second pivot cancels to zero.
        let m = 40;
        let mut a = random_matrix(m, 9);
        a[m..2 * m].fill(0.0);
        a[0] = 2.0;
        a[1] = 1.0;
        a[m] = 4.0;
        a[m + 1] = 2.0;
        a[2..m].fill(0.0);
        assert_eq!(DenseLu::factor(m, a).unwrap_err(), ZeroPivot(1));
    }

    #[test]
    fn dot_sums_in_a_fixed_order() {
        let a: Vec<f64> = (0..37).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let b: Vec<f64> = (0..37).map(|i| (i as f64).sqrt()).collect();
        let expected: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - expected).abs() <= 1e-14 * expected.abs());
        assert_eq!(dot(&a, &b).to_bits(), dot(&a, &b).to_bits());
    }
}
