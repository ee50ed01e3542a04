//! Property tests: residual of A·s = f, linearity in f, agreement with a dense solve.

use ecoref_compute::{System, factorize};
use proptest::prelude::*;

/// A random square system: sparse entries, a random activity order, and either a dominant
/// diagonal (the LCA case) or arbitrary values that need pivoting.
fn system_strategy() -> impl Strategy<Value = (System, Vec<f64>, Vec<f64>)> {
    (1usize..12).prop_flat_map(|n| {
        (
            proptest::collection::vec((0.0f64..1.0, -1.0f64..1.0), n * n),
            proptest::collection::vec(-10.0f64..10.0, n),
            proptest::collection::vec(-10.0f64..10.0, n),
            any::<bool>(),
            0.1f64..0.9,
        )
            .prop_map(move |(cells, f1, f2, dominant, density)| {
                let mut technosphere = Vec::new();
                for col in 0..n {
                    let mut off_sum = 0.0;
                    for row in 0..n {
                        let (keep, value) = cells[row * n + col];
                        if row != col && keep < density {
                            technosphere.push((row, col, value));
                            off_sum += value.abs();
                        }
                    }
                    let (keep, value) = cells[col * n + col];
                    let diagonal = if dominant {
                        1.0 + off_sum
                    } else if keep < density {
                        value
                    } else {
                        0.0
                    };
                    technosphere.push((col, col, diagonal));
                }
                let system = System {
                    activities: (0..n).map(|i| format!("a{i}")).collect(),
                    flows: vec!["f".into()],
                    categories: vec!["c".into()],
                    technosphere,
                    biosphere: (0..n).map(|j| (0, j, 1.0)).collect(),
                    characterization: vec![(0, 0, 1.0)],
                };
                (system, f1, f2)
            })
    })
}

fn dense(system: &System) -> Vec<Vec<f64>> {
    let n = system.activities.len();
    let mut a = vec![vec![0.0; n]; n];
    for &(row, col, value) in &system.technosphere {
        a[row][col] += value;
    }
    a
}

/// Gaussian elimination with partial pivoting; None when a pivot is tiny (ill-conditioned).
fn dense_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))?;
        if a[p][k].abs() <= 1e-3 * scale {
            return None;
        }
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
    Some(x)
}

fn close(a: &[f64], b: &[f64], tolerance: f64) -> bool {
    let scale = a.iter().chain(b).fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tolerance * scale)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn solve_matches_dense_and_is_linear((system, f1, f2) in system_strategy()) {
        let Some(expected) = dense_solve(dense(&system), f1.clone()) else {
            return Ok(()); // ill-conditioned or singular: nothing to compare
        };
        let factorized = factorize(&system).expect("non-singular by the dense check");
        let s1 = factorized.solve(&f1).unwrap();
        prop_assert!(close(&s1, &expected, 1e-8), "sparse {s1:?} dense {expected:?}");
        // Residual A·s − f.
        let residual = factorized.technosphere_times(&s1).unwrap();
        prop_assert!(close(&residual, &f1, 1e-9), "A·s {residual:?} f {f1:?}");
        // Linearity: s(2 f1 − 3 f2) = 2 s(f1) − 3 s(f2).
        let s2 = factorized.solve(&f2).unwrap();
        let combined: Vec<f64> = f1.iter().zip(&f2).map(|(a, b)| 2.0 * a - 3.0 * b).collect();
        let s12 = factorized.solve(&combined).unwrap();
        let expected12: Vec<f64> = s1.iter().zip(&s2).map(|(a, b)| 2.0 * a - 3.0 * b).collect();
        prop_assert!(close(&s12, &expected12, 1e-8));
        // Transposed solve: (Aᵀ x)·f = x·(A s) = x·f, and Aᵀ x = c against the dense transpose.
        let a = dense(&system);
        let n = f1.len();
        let at: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| a[j][i]).collect()).collect();
        if let Some(expected_t) = dense_solve(at, f2.clone()) {
            let x = factorized.solve_transposed(&f2).unwrap();
            prop_assert!(close(&x, &expected_t, 1e-8), "transposed {x:?} dense {expected_t:?}");
        }
        // The all-process matrix is the transposed solve of Q·B (= all ones here).
        let matrix = factorized.all_process_impacts();
        let impacts = factorized.impacts(&f1).unwrap();
        let via_matrix: f64 = f1.iter().enumerate().map(|(j, f)| f * matrix.get(0, j).unwrap()).sum();
        prop_assert!(close(&[via_matrix], &impacts, 1e-8));
        // Contributions add up to the impacts, by process and by flow; from a solved supply (or inventory) they
        // are the very numbers of the demand forms.
        let by_process = factorized.contributions_by_process(&f1).unwrap();
        let by_flow = factorized.contributions_by_flow(&f1).unwrap();
        for (c, impact) in impacts.iter().enumerate() {
            let process_sum: f64 = by_process.category(c).unwrap().iter().sum();
            let flow_sum: f64 = by_flow.category(c).unwrap().iter().sum();
            prop_assert!(close(&[process_sum, flow_sum], &[*impact, *impact], 1e-8));
        }
        let bits = |c: &ecoref_compute::Contributions| -> Vec<u64> {
            (0..c.n_categories()).flat_map(|k| c.category(k).unwrap().iter().map(|v| v.to_bits())).collect()
        };
        prop_assert_eq!(bits(&factorized.process_contributions(&s1).unwrap()), bits(&by_process));
        let inventory = factorized.lci(&s1).unwrap();
        prop_assert_eq!(bits(&factorized.flow_contributions(&inventory).unwrap()), bits(&by_flow));
    }
}
