//! Writes the generated systems compared against bw2calc as plain CSV arrays.
//!
//! `cargo run -p ecoref-compute --example write_test_systems` → `tests/bw2calc/systems/<name>/`
//! (`technosphere.csv`, `biosphere.csv`, `characterization.csv`: `row,col,value` with the value in
//! shortest round-trip exponent form, so Rust and Python read the same f64 bits; `shape.csv`).

use ecoref_compute::System;
use ecoref_compute::synthetic::{SyntheticConfig, generate};
use std::fmt::Write as _;
use std::path::Path;

/// Name, activities, seed, waste-treatment share (negative production: sums with cancellation).
const SYSTEMS: [(&str, usize, u64, f64); 4] =
    [("s50", 50, 50, 0.0), ("s500", 500, 500, 0.0), ("s2000", 2_000, 2_000, 0.0), ("s500w", 500, 501, 0.05)];

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bw2calc/systems");
    for (name, n_activities, seed, waste_share) in SYSTEMS {
        let config = SyntheticConfig { waste_share, ..SyntheticConfig::small(n_activities, seed) };
        let system = generate(&config);
        write_system(&root.join(name), &system)?;
        println!(
            "{name}: {} technosphere, {} biosphere, {} characterization entries",
            system.technosphere.len(),
            system.biosphere.len(),
            system.characterization.len()
        );
    }
    Ok(())
}

fn write_system(dir: &Path, system: &System) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let matrices = [
        ("technosphere", &system.technosphere),
        ("biosphere", &system.biosphere),
        ("characterization", &system.characterization),
    ];
    for (name, triplets) in matrices {
        let mut text = String::from("row,col,value\n");
        for &(row, col, value) in triplets.iter() {
            let _ = writeln!(text, "{row},{col},{value:e}");
        }
        std::fs::write(dir.join(format!("{name}.csv")), text)?;
    }
    std::fs::write(
        dir.join("shape.csv"),
        format!(
            "n_activities,n_flows,n_categories\n{},{},{}\n",
            system.activities.len(),
            system.flows.len(),
            system.categories.len()
        ),
    )
}
