//! Times factorization, one demand and the all-process matrix on a generated ecoinvent-shaped system.
//!
//! `cargo run --release -p ecoref-compute --example compute_bench -- [--seed N] [--activities N] [--threads N]
//! [--core-fraction F | --markets] [--write-dir DIR]` prints one JSON object; with `--write-dir` it also writes the
//! system as raw little-endian arrays for `benches/compare.py`.
//!
//! Systems: by default `SyntheticConfig::ecoinvent_like` with 23 % of the activities in the core loop
//! (`--core-fraction` changes that share). `--markets` builds the shape of the `ecoref-synth` release generator
//! instead: one market per product, producers that all buy electricity and transport and a tiered choice of
//! upstream markets, so nearly every activity sits in one loop with hubs used by thousands (the 24,996-activity
//! block of the generated 25,000-activity release, whose factors fill up).

use ecoref_compute::synthetic::{SyntheticConfig, generate, generate_markets};
use ecoref_compute::{System, factorize, score_product};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let seed: u64 = value_of("--seed").map_or(Ok(7), |s| s.parse())?;
    let n_activities: usize = value_of("--activities").map_or(Ok(25_000), |s| s.parse())?;
    let threads: usize = value_of("--threads").map_or(Ok(2), |s| s.parse())?;
    let mut config = SyntheticConfig::ecoinvent_like(seed);
    config.n_activities = n_activities;
    let core_fraction: f64 = value_of("--core-fraction").map_or(Ok(0.23), |s| s.parse())?;
    config.n_core = ((n_activities as f64 * core_fraction.clamp(0.0, 1.0)) as usize).min(n_activities);

    let markets = args.iter().any(|a| a == "--markets");

    let started = Instant::now();
    let system = if markets { generate_markets(n_activities, seed) } else { generate(&config) };
    let generate_s = started.elapsed().as_secs_f64();
    if let Some(dir) = value_of("--write-dir") {
        write_system(std::path::Path::new(dir), &system)?;
    }

    let started = Instant::now();
    let factorized = factorize(&system)?;
    let factorize_s = started.elapsed().as_secs_f64();
    let stats = factorized.stats();

    let n = system.activities.len();
    let mut demand_times = Vec::new();
    let mut checksum = 0.0;
    for d in 0..20 {
        let mut demand = vec![0.0; n];
        demand[(d * 7919) % n] = 1.0;
        let started = Instant::now();
        let impacts = factorized.impacts(&demand)?;
        demand_times.push(started.elapsed().as_secs_f64());
        checksum += impacts.iter().sum::<f64>();
    }
    demand_times.sort_by(f64::total_cmp);
    let demand_median_s = demand_times[demand_times.len() / 2];
    // What the scoring API does for a new demand's contributions: the supply, then the contributions by process.
    let mut contribution_times = Vec::new();
    for d in 0..20 {
        let mut demand = vec![0.0; n];
        demand[(d * 104_729) % n] = 1.0;
        let started = Instant::now();
        let supply = factorized.solve(&demand)?;
        let contributions = factorized.contributions_by_process(&demand)?;
        contribution_times.push(started.elapsed().as_secs_f64());
        checksum += supply[0] + contributions.category(0).map_or(0.0, |row| row[0]);
    }
    contribution_times.sort_by(f64::total_cmp);
    let demand_with_contributions_median_s = contribution_times[contribution_times.len() / 2];

    let started = Instant::now();
    let matrix = factorized.all_process_impacts_with_threads(threads);
    let all_process_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let matrix_1t = factorized.all_process_impacts_with_threads(1);
    let all_process_1t_s = started.elapsed().as_secs_f64();

    let items: Vec<(usize, f64)> = (0..20).map(|i| ((i * 1237) % n, 0.5 + i as f64)).collect();
    let started = Instant::now();
    let rounds = 10_000;
    let mut product_sum = 0.0;
    for _ in 0..rounds {
        product_sum += score_product(&matrix, &items)?[0];
    }
    let product_s = started.elapsed().as_secs_f64() / rounds as f64;

    let peak_kib = read_vm_hwm_kib();
    let shape = if markets { "markets".to_owned() } else { format!("core-{:.3}", config.n_core as f64 / n as f64) };
    println!(
        "{{\"shape\": \"{shape}\", \"seed\": {seed}, \"n_activities\": {n}, \"nnz_technosphere\": {}, \"nnz_biosphere\": {}, \"n_flows\": {}, \"n_categories\": {}, \
\"n_blocks\": {}, \"n_scalar_blocks\": {}, \"largest_block\": {}, \"nnz_factors\": {}, \"n_dense_pivots\": {}, \
\"generate_s\": {generate_s:.4}, \"factorize_s\": {factorize_s:.4}, \"demand_median_s\": {demand_median_s:.6}, \
\"demand_with_contributions_median_s\": {demand_with_contributions_median_s:.6}, \
\"all_process_s\": {all_process_s:.4}, \"all_process_threads\": {threads}, \"all_process_1thread_s\": {all_process_1t_s:.4}, \
\"product_20_items_s\": {product_s:.9}, \"peak_rss_mib\": {:.1}, \"matrix_hash\": \"{}\", \"hash_equal_across_threads\": {}, \"checksum\": {:e}}}",
        system.technosphere.len(),
        system.biosphere.len(),
        system.flows.len(),
        system.categories.len(),
        stats.n_blocks,
        stats.n_scalar_blocks,
        stats.largest_block,
        stats.nnz_factors,
        stats.n_dense_pivots,
        peak_kib as f64 / 1024.0,
        matrix.hash(),
        matrix.hash() == matrix_1t.hash(),
        checksum + product_sum,
    );
    Ok(())
}

/// Peak resident set size of this process (VmHWM), in KiB; 0 where /proc is unavailable.
fn read_vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmHWM:").and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// Writes `<name>_rows.i64`, `<name>_cols.i64`, `<name>_vals.f64` (little-endian) per matrix and `shape.txt`.
fn write_system(dir: &std::path::Path, system: &System) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let matrices = [
        ("technosphere", &system.technosphere),
        ("biosphere", &system.biosphere),
        ("characterization", &system.characterization),
    ];
    for (name, triplets) in matrices {
        let mut rows = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}_rows.i64")))?);
        let mut cols = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}_cols.i64")))?);
        let mut vals = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}_vals.f64")))?);
        for &(row, col, value) in triplets.iter() {
            rows.write_all(&(row as i64).to_le_bytes())?;
            cols.write_all(&(col as i64).to_le_bytes())?;
            vals.write_all(&value.to_le_bytes())?;
        }
    }
    std::fs::write(
        dir.join("shape.txt"),
        format!("{} {} {}\n", system.activities.len(), system.flows.len(), system.categories.len()),
    )
}
