//! Compressed sparse column storage built from triplets, duplicates summed in input order.

/// A sparse matrix in compressed sparse column form with sorted, unique row indices per column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Csc {
    pub(crate) n_rows: usize,
    pub(crate) n_cols: usize,
    pub(crate) col_ptr: Vec<usize>,
    pub(crate) row_idx: Vec<usize>,
    pub(crate) values: Vec<f64>,
}

impl Csc {
    /// Builds from `(row, col, value)` triplets already checked to be in range. Duplicates are summed
    /// in the order they appear, so the result is bit-reproducible for a given input order.
    pub(crate) fn from_triplets(
        n_rows: usize,
        n_cols: usize,
        triplets: impl Iterator<Item = (usize, usize, f64)> + Clone,
    ) -> Self {
        // Counting sort by column (stable), then a stable sort by row inside each column.
        let mut counts = vec![0usize; n_cols + 1];
        for (_, col, _) in triplets.clone() {
            counts[col + 1] += 1;
        }
        for i in 0..n_cols {
            counts[i + 1] += counts[i];
        }
        let n_triplets = counts[n_cols];
        let mut next = counts.clone();
        let mut rows = vec![0usize; n_triplets];
        let mut vals = vec![0.0f64; n_triplets];
        for (row, col, value) in triplets {
            let pos = next[col];
            rows[pos] = row;
            vals[pos] = value;
            next[col] += 1;
        }
        let mut col_ptr = Vec::with_capacity(n_cols + 1);
        let mut row_idx = Vec::with_capacity(n_triplets);
        let mut values = Vec::with_capacity(n_triplets);
        col_ptr.push(0);
        let mut order: Vec<usize> = Vec::new();
        for col in 0..n_cols {
            let (start, end) = (counts[col], counts[col + 1]);
            order.clear();
            order.extend(start..end);
            order.sort_by_key(|&p| rows[p]); // stable: equal rows keep input order
            let mut last_row = usize::MAX;
            for &p in &order {
                if rows[p] == last_row {
                    if let Some(v) = values.last_mut() {
                        *v += vals[p];
                    }
                } else {
                    row_idx.push(rows[p]);
                    values.push(vals[p]);
                    last_row = rows[p];
                }
            }
            col_ptr.push(row_idx.len());
        }
        Csc { n_rows, n_cols, col_ptr, row_idx, values }
    }

    /// The `(row, value)` entries of one column.
    pub(crate) fn column(&self, col: usize) -> impl Iterator<Item = (usize, f64)> + Clone + '_ {
        let range = self.col_ptr[col]..self.col_ptr[col + 1];
        self.row_idx[range.clone()].iter().copied().zip(self.values[range].iter().copied())
    }

    pub(crate) fn column_len(&self, col: usize) -> usize {
        self.col_ptr[col + 1] - self.col_ptr[col]
    }

    pub(crate) fn nnz(&self) -> usize {
        self.row_idx.len()
    }
}
