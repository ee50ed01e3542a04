//! Prints counts and diagnostics for each SimaPro CSV file given: `cargo run --example simapro_summary -- FILES…`.

use ecoref_extract_simapro::{ReadOptions, read_path};
use std::path::Path;

fn main() {
    let verbose = std::env::var_os("VERBOSE").is_some();
    for arg in std::env::args().skip(1) {
        match read_path(Path::new(&arg), &ReadOptions::default()) {
            Ok(out) => {
                let c = out.dataset.counts();
                println!(
                    "{arg}: processes={} exchanges={} flows={} unit_groups={} methods={} factors={} nw_sets={} sources={} rejected={} diagnostics={}",
                    c.processes,
                    c.exchanges,
                    c.flows,
                    c.unit_groups,
                    c.lcia_methods,
                    c.characterization_factors,
                    c.normalization_weighting_sets,
                    c.sources,
                    out.n_rejected,
                    out.diagnostics.len()
                );
                if verbose {
                    for d in &out.diagnostics {
                        println!("  {d}");
                    }
                }
            }
            Err(e) => println!("{arg}: error: {e}"),
        }
    }
}
