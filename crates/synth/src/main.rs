//! `ecoref-synth`: generate a synthetic system in every format, or time one ecoref reader on generated files.
//!
//! ```text
//! ecoref-synth generate [--size N] [--seed S] [--out DIR] [--formats ecospold2,ilcd,simapro,brightway,copy]
//! ecoref-synth read <ecospold2|ilcd|simapro|simapro-method|brightway> <PATH>
//! ecoref-synth version     (the generator version that keys caches)
//! ```

/// mimalloc instead of glibc's allocator: readers and row builders allocate and free many small values on
/// several threads, where glibc's malloc and free were 13 % of an EcoSpold2 import (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ecoref_model::Dataset;
use ecoref_synth::{Format, Params, generate, write_format, write_manifest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: ecoref-synth generate [--size N] [--seed S] [--out DIR] [--formats a,b,…] | \
                     ecoref-synth read <ecospold2|ilcd|simapro|simapro-method|brightway> <PATH> | \
                     ecoref-synth version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => run_generate(&args[1..]),
        Some("read") => run_read(&args[1..]),
        Some("version") => {
            println!("{}", ecoref_synth::GENERATOR_VERSION);
            Ok(())
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ecoref-synth: {message}");
            ExitCode::from(2)
        }
    }
}

fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// Refuses anything but `--flag value` pairs of the known flags: a mistyped flag must not start a 25,000-activity
/// generation with the defaults.
fn check_flags(args: &[String], known: &[&str]) -> Result<(), String> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if !known.contains(&arg.as_str()) {
            return Err(format!("unknown argument {arg:?}\n{USAGE}"));
        }
        if rest.next().is_none() {
            return Err(format!("{arg} needs a value"));
        }
    }
    Ok(())
}

fn run_generate(args: &[String]) -> Result<(), String> {
    check_flags(args, &["--size", "--seed", "--out", "--formats"])?;
    let size: usize = value(args, "--size").unwrap_or("25000").parse().map_err(|e| format!("--size: {e}"))?;
    let seed: u64 = value(args, "--seed").unwrap_or("1").parse().map_err(|e| format!("--seed: {e}"))?;
    let out = PathBuf::from(value(args, "--out").unwrap_or("synth-out"));
    let formats: Vec<Format> = match value(args, "--formats") {
        None => Format::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|f| Format::parse(f.trim()).ok_or_else(|| format!("unknown format {f:?}")))
            .collect::<Result<_, _>>()?,
    };
    let started = Instant::now();
    let system = generate(&Params::with_size(size, seed));
    let sizes = system.sizes();
    println!(
        "generated {} in {:.2} s: {} activities, {} technosphere, {} biosphere exchanges, {} elementary flows, \
         {} products, {} indicators with {} factors",
        system.params.key(),
        started.elapsed().as_secs_f64(),
        sizes.n_activities,
        sizes.n_technosphere,
        sizes.n_biosphere,
        sizes.n_elementary_flows,
        sizes.n_products,
        sizes.n_indicators,
        sizes.n_characterization_factors
    );
    for format in formats {
        let started = Instant::now();
        write_format(&system, format, &out).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let bytes = disk_size(&format.path_in(&out));
        println!(
            "wrote {:<10} {:>9.1} MB in {seconds:.2} s ({:.0} MB/s) -> {}",
            format.as_str(),
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / seconds.max(1e-9),
            format.path_in(&out).display()
        );
    }
    write_manifest(&system, &out).map_err(|e| e.to_string())
}

fn disk_size(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            std::fs::read_dir(path).map(|entries| entries.flatten().map(|e| disk_size(&e.path())).sum()).unwrap_or(0)
        }
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// What `read` prints: the counts every reader is compared on.
fn print_read(format: &str, path: &Path, seconds: f64, read: &Read) {
    let Read { counts: c, n_production, n_diagnostics, n_rejected } = *read;
    let mb = disk_size(path) as f64 / 1e6;
    println!(
        "read format={format} seconds={seconds:.3} mb={mb:.1} mb_per_s={:.1} entities_per_s={:.0} processes={} \
         exchanges={} production={n_production} flows={} lcia_methods={} characterization_factors={} \
         diagnostics={n_diagnostics} rejected={n_rejected}",
        mb / seconds.max(1e-9),
        (c.processes + c.exchanges + c.flows + c.characterization_factors) as f64 / seconds.max(1e-9),
        c.processes,
        c.exchanges,
        c.flows,
        c.lcia_methods,
        c.characterization_factors,
    );
}

/// The counts of one read.
#[derive(Debug, Clone, Copy)]
struct Read {
    counts: ecoref_model::Counts,
    n_production: usize,
    n_diagnostics: usize,
    n_rejected: u64,
}

impl Read {
    fn of(dataset: &Dataset, n_diagnostics: usize, n_rejected: u64) -> Self {
        let n_production =
            dataset.processes.iter().map(|p| p.exchanges.iter().filter(|e| e.is_reference).count()).sum();
        Read { counts: dataset.counts(), n_production, n_diagnostics, n_rejected }
    }
}

/// Reference exchanges of a packed dataset, counted on the packed records.
fn packed_production(dataset: &ecoref_model::PackedDataset) -> Result<usize, String> {
    use ecoref_model::packed::Item;
    let mut n = 0;
    for packed in dataset.packed_processes() {
        let record = packed.record();
        let exchanges = record.root().get("exchanges").and_then(|e| e.as_seq()).ok_or("a process without exchanges")?;
        n += exchanges.filter(|e| matches!(e.get("is_reference").map(|v| v.item()), Some(Item::Bool(true)))).count();
    }
    Ok(n)
}

fn run_read(args: &[String]) -> Result<(), String> {
    let (Some(format), Some(path)) = (args.first(), args.get(1)) else {
        return Err("read needs a format and a path".to_owned());
    };
    let path = PathBuf::from(path);
    let started = Instant::now();
    if format == "ecospold2" {
        // What `ecoref import ecospold2` reads: parsed, linked, processes packed (and hashed).
        let o = ecoref_extract_ecospold2::read_path_packed(&path, &Default::default()).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let read = Read {
            counts: o.dataset.counts(),
            n_production: packed_production(&o.dataset)?,
            n_diagnostics: o.diagnostics.len(),
            n_rejected: o.n_rejected,
        };
        print_read(format, &path, seconds, &read);
        return Ok(());
    }
    let (dataset, n_diagnostics, n_rejected) = match format.as_str() {
        "ilcd" => {
            let o = ecoref_extract_ilcd::read_path(&path, &Default::default()).map_err(|e| e.to_string())?;
            (o.dataset, o.diagnostics.len(), o.n_rejected)
        }
        "simapro" | "simapro-method" => {
            let o = ecoref_extract_simapro::read_path(&path, &Default::default()).map_err(|e| e.to_string())?;
            (o.dataset, o.diagnostics.len(), o.n_rejected)
        }
        "brightway" => {
            let o = ecoref_extract_brightway::read_path(&path, &Default::default()).map_err(|e| e.to_string())?;
            (o.dataset, o.diagnostics.len(), o.n_rejected)
        }
        other => return Err(format!("unknown format {other:?}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    print_read(format, &path, seconds, &Read::of(&dataset, n_diagnostics, n_rejected));
    Ok(())
}
