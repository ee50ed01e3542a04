//! Results are bit-identical across runs and thread counts; hashes and a canonical dump are golden.

use crate::support::{check_golden, read_system};
use ecoref_compute::{System, factorize, result_hash};
use std::fmt::Write as _;

#[test]
fn hashes_equal_across_thread_counts_and_runs() {
    let system = read_system("s2000");
    let first = factorize(&system).unwrap();
    let second = factorize(&system).unwrap();
    let reference = first.all_process_impacts_with_threads(1).hash();
    for threads in [0, 2, 3, 4, 8] {
        assert_eq!(first.all_process_impacts_with_threads(threads).hash(), reference, "{threads} threads");
    }
    assert_eq!(second.all_process_impacts().hash(), reference, "second factorization");
}

/// Canonical dump: sizes, block structure, result hashes for every system, and the full
/// all-process matrix of the smallest one (shortest round-trip exponent form).
#[test]
fn golden_results() {
    let mut text = String::new();
    for name in ["s50", "s500", "s2000"] {
        let system = read_system(name);
        let factorized = factorize(&system).unwrap();
        let stats = factorized.stats();
        let matrix = factorized.all_process_impacts();
        let mut demand = vec![0.0; system.activities.len()];
        demand[0] = 1.0;
        demand[system.activities.len() - 1] = 2.5;
        let supply = factorized.solve(&demand).unwrap();
        let impacts = factorized.impacts(&demand).unwrap();
        let _ = writeln!(
            text,
            "{name}: activities {} blocks {} scalar {} largest {} nnz_technosphere {} nnz_factors {}",
            stats.n_activities,
            stats.n_blocks,
            stats.n_scalar_blocks,
            stats.largest_block,
            stats.nnz_technosphere,
            stats.nnz_factors
        );
        let _ = writeln!(text, "  all-process matrix sha256 {}", matrix.hash());
        let _ = writeln!(text, "  supply sha256 {}", result_hash(&supply));
        let _ = writeln!(text, "  impacts {} sha256 {}", exp_list(&impacts), result_hash(&impacts));
        if name == "s50" {
            for activity in 0..matrix.n_activities() {
                let _ = writeln!(
                    text,
                    "  {}: {}",
                    system.activities[activity],
                    exp_list(matrix.activity(activity).unwrap())
                );
            }
        }
    }
    check_golden("tests/golden/results.txt", &text);
}

fn exp_list(values: &[f64]) -> String {
    let parts: Vec<String> = values.iter().map(|v| format!("{v:e}")).collect();
    format!("[{}]", parts.join(", "))
}

/// A loop of `n` activities tied together by `n_hubs` hubs, built with `+`, `*` and `/` only (no `powf` whose last
/// bit may depend on the platform's libm), so its golden hashes hold on every machine.
fn hub_system(n: usize, n_hubs: usize, seed: u64) -> System {
    let mut state = seed;
    let mut unit = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut technosphere: Vec<(usize, usize, f64)> = (0..n).map(|j| (j, j, 1.0 + unit())).collect();
    for j in 0..n {
        let n_inputs = if j < n_hubs { 30 } else { 5 };
        for input in 0..n_inputs {
            let supplier =
                if j >= n_hubs && input < 2 { (unit() * n_hubs as f64) as usize } else { (unit() * n as f64) as usize };
            if supplier != j {
                technosphere.push((supplier, j, -0.8 * unit() / n_inputs as f64));
            }
        }
    }
    let biosphere = (0..n)
        .flat_map(|j| (0..3).map(move |k| ((j * 7 + k * 13) % 50, j)))
        .map(|(flow, j)| (flow, j, unit()))
        .collect();
    let characterization = (0..3)
        .flat_map(|c| (0..50).filter(move |f| (f + c) % 3 != 0).map(move |f| (c, f)))
        .map(|(c, f)| (c, f, 1.0 + unit()))
        .collect();
    System {
        activities: (0..n).map(|i| format!("activity-{i}")).collect(),
        flows: (0..50).map(|i| format!("flow-{i}")).collect(),
        categories: (0..3).map(|i| format!("category-{i}")).collect(),
        technosphere,
        biosphere,
        characterization,
    }
}

/// A loop that fills up, so the end of its elimination runs in the dense LU: results pinned to the bit.
#[test]
fn golden_dense_trailing_part() {
    let system = hub_system(700, 25, 42);
    let factorized = factorize(&system).unwrap();
    let stats = factorized.stats();
    assert!(stats.n_dense_pivots > 0, "{stats:?}");
    let matrix = factorized.all_process_impacts();
    assert_eq!(factorize(&system).unwrap().all_process_impacts().hash(), matrix.hash(), "second factorization");
    let n = system.activities.len();
    let demand: Vec<f64> = (0..n).map(|j| if j % 97 == 0 { 1.0 + j as f64 } else { 0.0 }).collect();
    let supply = factorized.solve(&demand).unwrap();
    let residual = factorized.technosphere_times(&supply).unwrap();
    let scale = supply.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    assert!(residual.iter().zip(&demand).all(|(r, f)| (r - f).abs() <= 1e-12 * scale));
    let mut text = String::new();
    let _ = writeln!(
        text,
        "hub_system(700, 25, 42): blocks {} largest {} nnz_factors {} dense pivots {}",
        stats.n_blocks, stats.largest_block, stats.nnz_factors, stats.n_dense_pivots
    );
    let _ = writeln!(text, "  all-process matrix sha256 {}", matrix.hash());
    let _ = writeln!(text, "  supply sha256 {}", result_hash(&supply));
    let _ = writeln!(text, "  impacts {}", exp_list(&factorized.impacts(&demand).unwrap()));
    check_golden("tests/golden/dense_switch.txt", &text);
}
