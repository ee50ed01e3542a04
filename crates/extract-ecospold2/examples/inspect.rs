//! Prints the counts and diagnostic codes of one read: `cargo run --example inspect -- <path>`.

use ecoref_extract_ecospold2::{ReadOptions, read_path};
use std::collections::BTreeMap;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: inspect <path>");
        std::process::exit(2);
    };
    match read_path(std::path::Path::new(&path), &ReadOptions::default()) {
        Ok(out) => {
            println!("{:?}", out.dataset.counts());
            println!("rejected={} entries_read={}", out.n_rejected, out.n_entries_read);
            let mut codes: BTreeMap<(String, String), usize> = BTreeMap::new();
            for d in &out.diagnostics {
                *codes.entry((d.severity.to_string(), d.code.clone())).or_default() += 1;
            }
            for ((severity, code), n) in codes {
                println!("{severity} {code}: {n}");
            }
            if std::env::var_os("VERBOSE").is_some() {
                for d in &out.diagnostics {
                    println!("{d}");
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
