//! Results are bit-identical across runs and thread counts; hashes and a canonical dump are golden.

use crate::support::{check_golden, read_system};
use ecoref_compute::{factorize, result_hash};
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
