//! Divan benches on the generated ecoinvent-shaped system (25,000 activities, 25 indicators):
//! factorization, one extra demand, the all-process matrix, and a 20-item product.
//!
//! `cargo bench -p ecoref-compute --bench compute`

use ecoref_compute::synthetic::{SyntheticConfig, generate};
use ecoref_compute::{Factorized, ImpactMatrix, System, factorize, score_product};
use std::sync::LazyLock;

static SYSTEM: LazyLock<System> = LazyLock::new(|| generate(&SyntheticConfig::ecoinvent_like(7)));
static FACTORIZED: LazyLock<Factorized> =
    LazyLock::new(|| factorize(&SYSTEM).expect("generated systems are non-singular"));
static MATRIX: LazyLock<ImpactMatrix> = LazyLock::new(|| FACTORIZED.all_process_impacts());

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn factorize_25k() -> Factorized {
    factorize(divan::black_box(&SYSTEM)).expect("non-singular")
}

#[divan::bench(sample_count = 50)]
fn new_demand_impacts_25k(bencher: divan::Bencher<'_, '_>) {
    let factorized = &*FACTORIZED;
    let n = factorized.n_activities();
    let mut demand = vec![0.0; n];
    demand[n / 3] = 1.0;
    bencher.bench(|| factorized.impacts(divan::black_box(&demand)).expect("lengths match"));
}

#[divan::bench(sample_count = 5, sample_size = 1, args = [1, 2])]
fn all_process_matrix_25k(threads: usize) -> ImpactMatrix {
    FACTORIZED.all_process_impacts_with_threads(threads)
}

#[divan::bench]
fn product_20_items(bencher: divan::Bencher<'_, '_>) {
    let matrix = &*MATRIX;
    let items: Vec<(usize, f64)> = (0..20).map(|i| ((i * 1237) % matrix.n_activities(), 0.5 + i as f64)).collect();
    bencher.bench(|| score_product(matrix, divan::black_box(&items)).expect("items in range"));
}
