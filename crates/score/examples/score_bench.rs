//! Times scoring on a written snapshot: opening it (read, verify, index, read the impacts), one product of 20
//! items from the stored matrix, and one new demand solved on the factorized technosphere (with contributions).
//! Prints one JSON object; `cargo xtask bench` runs it on the generated ecoinvent-sized release.
//!
//!     cargo run --release -p ecoref-score --example score_bench -- <snapshot dir> [repetitions]

use ecoref_score::{Item, LoadedRelease, Product};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: score_bench <snapshot dir> [repetitions]")?;
    let repetitions: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100_000);

    let started = Instant::now();
    let release = LoadedRelease::open(std::path::Path::new(&dir))?;
    let open_seconds = started.elapsed().as_secs_f64();

    // 20 items spread over the release, by id, with amounts in the processes' own units.
    let n = release.processes().len();
    let items: Vec<Item> = (0..20)
        .map(|i| Item {
            process: Some(release.processes()[(i * 7919) % n].id.clone()),
            name: None,
            location: None,
            energy: None,
            amount: 0.1 + i as f64,
            unit: None,
            country: None,
            items: Vec::new(),
        })
        .collect();
    let product = Product { name: Some("bench".to_owned()), country: None, items };
    let first = release.score(&product)?;
    let started = Instant::now();
    for _ in 0..repetitions {
        let result = release.score(&product)?;
        assert_eq!(result.result_hash, first.result_hash, "scores must be bit-identical");
    }
    let per_score = started.elapsed().as_secs_f64() / repetitions as f64;

    // Contributions need the factorized technosphere: the first call factorizes, later calls only solve.
    let started = Instant::now();
    release.top_contributions(0, 10)?;
    let first_contributions = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let solves = 20;
    for j in 0..solves {
        release.top_contributions((j * 104_729) % n, 10)?;
    }
    let per_solve = started.elapsed().as_secs_f64() / solves as f64;

    println!(
        "{{\"processes\": {n}, \"indicators\": {}, \"open_s\": {open_seconds:.4}, \"score_20_items_us\": {:.3}, \
         \"factorize_and_first_contributions_s\": {first_contributions:.4}, \"demand_with_contributions_ms\": {:.3}, \
         \"result_hash\": \"{}\"}}",
        release.indicators().len(),
        per_score * 1e6,
        per_solve * 1e3,
        first.result_hash
    );
    Ok(())
}
