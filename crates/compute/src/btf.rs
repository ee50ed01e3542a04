//! Block-triangular form: strongly connected components of the technosphere graph (iterative Tarjan).
//!
//! The graph has an edge from activity `j` to activity `i` for every entry `A[i, j]` (activity `j`
//! uses the product of activity `i`). Tarjan emits a component only after every component it reaches,
//! so in emission order every off-diagonal entry `A[i, j]` has `block(i) <= block(j)`: the permuted
//! matrix is block upper triangular and only its diagonal blocks need factoring.

use crate::sparse::Csc;

const UNVISITED: usize = usize::MAX;

/// Components in emission order; members of each component sorted ascending (deterministic).
pub(crate) fn strongly_connected_components(a: &Csc) -> Vec<Vec<usize>> {
    let n = a.n_cols;
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    // Call stack of (node, next edge position).
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next_index = 0usize;
    let mut components = Vec::new();

    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        calls.push((root, a.col_ptr[root]));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;

        while let Some(&mut (node, ref mut pos)) = calls.last_mut() {
            let end = a.col_ptr[node + 1];
            if *pos < end {
                let child = a.row_idx[*pos];
                *pos += 1;
                if index[child] == UNVISITED {
                    index[child] = next_index;
                    low[child] = next_index;
                    next_index += 1;
                    stack.push(child);
                    on_stack[child] = true;
                    calls.push((child, a.col_ptr[child]));
                } else if on_stack[child] {
                    low[node] = low[node].min(index[child]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}
