//! Throughput of the Brightway reader on the largest fixtures: the LCIA JSON (762 methods, 227,223 factors,
//! 40.8 MB of JSON in an LZMA zip) and the largest Excel workbook (premise hydrogen, 25 activities).
//! Run: `cargo bench -p ecoref-extract-brightway --bench read`; prints MB/s (input and uncompressed) and
//! entities/s (processes + exchanges + methods + factors + flows), best of 5.

use ecoref_extract_brightway::{ReadOptions, read_path};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/brightway"));
    let cases = [
        ("lcia_39_ecoinvent.zip", "bw2io_lcia_json/lcia_39_ecoinvent.zip", 40_759_215u64),
        ("lci-hydrogen-electrolysis.xlsx", "premise_inventories/lci-hydrogen-electrolysis.xlsx", 0),
        ("lci-ammonia.xlsx", "premise_inventories/lci-ammonia.xlsx", 0),
    ];
    for (label, rel, uncompressed) in cases {
        let path = root.join(rel);
        let n_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut best = f64::INFINITY;
        let mut n_entities = 0u64;
        for _ in 0..5 {
            let start = Instant::now();
            let out = match read_path(&path, &ReadOptions::default()) {
                Ok(out) => out,
                Err(e) => {
                    eprintln!("{label}: {e}");
                    return;
                }
            };
            best = best.min(start.elapsed().as_secs_f64());
            let c = out.dataset.counts();
            n_entities = c.processes + c.exchanges + c.lcia_methods + c.characterization_factors + c.flows;
        }
        let mb = n_bytes as f64 / 1e6;
        let uncompressed_mb = uncompressed as f64 / 1e6;
        println!(
            "{label}: {:.1} ms, {:.2} MB/s input ({mb:.2} MB){}, {:.0} entities/s ({n_entities} entities)",
            best * 1e3,
            mb / best,
            if uncompressed > 0 { format!(", {:.1} MB/s uncompressed", uncompressed_mb / best) } else { String::new() },
            n_entities as f64 / best
        );
    }
}
