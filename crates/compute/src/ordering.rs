//! Fill-reducing ordering of a diagonal block: minimum degree on the pattern of `B + Bᵀ`.
//!
//! An explicit elimination graph with deterministic tie-breaking (lowest degree, then lowest index).
//! LCA blocks are sparse with a few hubs; minimum degree eliminates the hubs last, which keeps the
//! fill small. The block is then factored with a symmetric permutation and diagonal-preferring pivots.

use std::collections::BTreeSet;

/// Returns the elimination order (a permutation of `0..n`) for the symmetric pattern given as
/// adjacency lists (each list may contain duplicates and the node itself; both are ignored).
pub(crate) fn minimum_degree(mut adjacency: Vec<Vec<usize>>) -> Vec<usize> {
    let n = adjacency.len();
    for (node, list) in adjacency.iter_mut().enumerate() {
        list.sort_unstable();
        list.dedup();
        list.retain(|&other| other != node);
    }
    let mut queue: BTreeSet<(usize, usize)> =
        adjacency.iter().enumerate().map(|(node, list)| (list.len(), node)).collect();
    let mut eliminated = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut merged: Vec<usize> = Vec::new();
    while let Some((_, node)) = queue.pop_first() {
        eliminated[node] = true;
        order.push(node);
        let neighbours = std::mem::take(&mut adjacency[node]);
        for &other in &neighbours {
            let list = &adjacency[other];
            queue.remove(&(list.len(), other));
            merged.clear();
            merge_excluding(list, &neighbours, other, node, &mut merged);
            let list = &mut adjacency[other];
            list.clear();
            list.extend_from_slice(&merged);
            queue.insert((list.len(), other));
        }
    }
    debug_assert!(eliminated.iter().all(|&done| done));
    order
}

/// Sorted union of two sorted lists, without `skip_a` and `skip_b`.
fn merge_excluding(a: &[usize], b: &[usize], skip_a: usize, skip_b: usize, out: &mut Vec<usize>) {
    let (mut i, mut j) = (0, 0);
    loop {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => {
                if x < y {
                    i += 1;
                    x
                } else if y < x {
                    j += 1;
                    y
                } else {
                    i += 1;
                    j += 1;
                    x
                }
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        if next != skip_a && next != skip_b {
            out.push(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_eliminates_hub_last() {
        // Node 0 is a hub linked to every other node.
        let mut adjacency = vec![vec![]; 5];
        for leaf in 1..5 {
            adjacency[0].push(leaf);
            adjacency[leaf].push(0);
        }
        let order = minimum_degree(adjacency);
        // Once only one leaf is left the hub ties with it; before that it is never chosen.
        assert!(order.iter().position(|&node| node == 0) >= Some(3), "{order:?}");
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
    }
}
