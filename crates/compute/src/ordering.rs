//! Fill-reducing ordering of a diagonal block: approximate minimum degree (AMD, Amestoy, Davis & Duff) on the
//! pattern of `B + Bᵀ`, as KLU orders its diagonal blocks.
//!
//! AMD works on a quotient graph, so its cost stays near the number of entries even when hubs (electricity,
//! transport, markets bought by thousands of activities) sit in the block; rows denser than `10·√n` are ordered
//! last. The result is deterministic: it depends only on the pattern and its order. The block is then factored
//! with a symmetric permutation and diagonal-preferring pivots ([`crate::lu`]).
//!
//! No ordering keeps a loop held together by hubs sparse to the end: on the release-shaped loop of 24,996
//! activities (`examples/compute_bench.rs --markets`) the last ≈ 2,000 pivots fill up completely, whatever AMD's
//! dense-row threshold (1 to 30: 2,000–2,170 filled rows). The LU hands that trailing part to a dense factorization
//! instead of fighting the fill here.
//!
//! An exact minimum-degree ordering on an explicit elimination graph was used before: 36 s to order the
//! 24,996-activity block of the generated 25,000-activity release, whose factors then held 7.4 million entries.

/// Returns the elimination order (a permutation of `0..n`) for the square pattern given column by column:
/// `columns[j]` lists the rows of column `j` (duplicates and the diagonal allowed; `Bᵀ` is added by AMD).
pub(crate) fn approximate_minimum_degree(columns: &[Vec<usize>]) -> Vec<usize> {
    let n = columns.len();
    let mut pointers = Vec::with_capacity(n + 1);
    let mut indices = Vec::with_capacity(columns.iter().map(Vec::len).sum());
    pointers.push(0usize);
    for column in columns {
        let start = indices.len();
        indices.extend(column.iter().copied().filter(|&row| row < n));
        indices[start..].sort_unstable();
        let mut kept = start;
        for read in start..indices.len() {
            if read == start || indices[read] != indices[kept - 1] {
                indices[kept] = indices[read];
                kept += 1;
            }
        }
        indices.truncate(kept);
        pointers.push(indices.len());
    }
    match amd::order(n, &pointers, &indices, &amd::Control::default()) {
        Ok((order, _, _)) if is_permutation(&order, n) => order,
        // Sorted, in range and deduplicated input cannot be refused; should it be, the natural order still gives
        // a correct (only slower) factorization.
        _ => (0..n).collect(),
    }
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut seen = vec![false; n];
    order.len() == n && order.iter().all(|&k| k < n && !std::mem::replace(&mut seen[k], true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hub_is_eliminated_last() {
        // Node 0 is a hub: every other node buys from it and it buys from every other node.
        let n = 400;
        let mut columns = vec![Vec::new(); n];
        for leaf in 1..n {
            columns[0].push(leaf);
            columns[leaf].push(0);
            columns[leaf].push(leaf);
        }
        let order = approximate_minimum_degree(&columns);
        assert_eq!(order.last(), Some(&0), "{order:?}");
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn the_order_is_a_permutation_for_any_pattern() {
        for n in [1usize, 2, 3, 17] {
            let columns: Vec<Vec<usize>> =
                (0..n).map(|j| (0..n).filter(|&i| (i * 7 + j * 3) % 5 == 0 || i == j).collect()).collect();
            let order = approximate_minimum_degree(&columns);
            assert!(is_permutation(&order, n), "{n}: {order:?}");
            assert_eq!(approximate_minimum_degree(&columns), order, "deterministic");
        }
    }
}
