//! Every process × category of the all-process matrix agrees with bw2calc to 1e-9 relative.

use crate::support::{crate_dir, read_system};
use ecoref_compute::factorize;

const RELATIVE_TOLERANCE: f64 = 1e-9;
/// Absolute agreement relative to the largest |value| of the category.
const NOISE_FLOOR: f64 = 1e-12;

/// Elementwise relative check; with `normwise`, relative to the largest |value| of the category
/// instead (for systems with waste treatment, where an element can be a sum that cancels).
fn check_against_bw2calc(name: &str) {
    check(name, false);
}

fn check(name: &str, normwise: bool) {
    let system = read_system(name);
    let factorized = factorize(&system).expect("factorize");
    let matrix = factorized.all_process_impacts();
    let path = crate_dir().join("tests/bw2calc/expected").join(format!("{name}.csv"));
    let text = std::fs::read_to_string(&path).expect("expected csv");
    let category_max: Vec<f64> = (0..matrix.n_categories())
        .map(|c| (0..matrix.n_activities()).fold(0.0f64, |m, j| m.max(matrix.get(c, j).unwrap_or(0.0).abs())))
        .collect();
    let mut n_checked = 0usize;
    let mut n_noise = 0usize;
    let mut n_exact_zero = 0usize;
    let mut worst = 0.0f64;
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [category, activity, value] = fields[..] else { panic!("bad line {line:?}") };
        let (category, activity): (usize, usize) = (category.parse().unwrap(), activity.parse().unwrap());
        let expected: f64 = value.parse().unwrap();
        let actual = matrix.get(category, activity).expect("in range");
        let scale = if normwise { category_max[category] } else { expected.abs().max(actual.abs()) };
        let difference = (actual - expected).abs();
        let relative = if scale == 0.0 { 0.0 } else { difference / scale };
        worst = worst.max(relative);
        // bw2calc solves each process with a full LU, so a cell that is exactly 0 (no path to a
        // characterized flow) or tiny next to the category's other cells carries its round-off
        // (e.g. -4.8e-15 where ours is exactly 0): such cells are held to the category's scale.
        let in_noise = difference <= NOISE_FLOOR * category_max[category];
        n_noise += usize::from(relative > RELATIVE_TOLERANCE && in_noise && actual != 0.0);
        n_exact_zero += usize::from(relative > RELATIVE_TOLERANCE && actual == 0.0);
        assert!(
            relative <= RELATIVE_TOLERANCE || in_noise,
            "{name}: category {category}, activity {activity}: ours {actual:e}, bw2calc {expected:e} (relative {relative:e})"
        );
        n_checked += 1;
    }
    assert_eq!(n_checked, matrix.n_categories() * matrix.n_activities(), "{name}: every cell checked");
    eprintln!(
        "{name}: {n_checked} values, worst relative difference {worst:e}, {n_exact_zero} exact zeros of ours where bw2calc has round-off, {n_noise} other cells within the noise floor only"
    );
    assert!(n_noise * 20 <= n_checked, "{name}: {n_noise} cells agree only at the noise floor");
}

#[test]
fn s50_matches_bw2calc() {
    check_against_bw2calc("s50");
}

#[test]
fn s500_matches_bw2calc() {
    check_against_bw2calc("s500");
}

#[test]
fn s2000_matches_bw2calc() {
    check_against_bw2calc("s2000");
}

#[test]
fn s500_with_waste_treatment_matches_bw2calc_normwise() {
    check("s500w", true);
}
