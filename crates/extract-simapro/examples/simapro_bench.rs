//! Throughput bench: the ecobalyse export replicated N times (processes renamed `… #i`) read end to end.
//! `cargo run --release -p ecoref-extract-simapro --example simapro_bench -- [N=200]`

use ecoref_extract_simapro::{ReadOptions, read_path};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n_copies: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/simapro_csv/ecobalyse_export/simapro_export.csv");
    let text = std::fs::read_to_string(fixture)?;
    let split = text.find("\r\nProcess\r\n").ok_or("no Process block")?;
    let (header, body) = text.split_at(split);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("replicated.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    file.write_all(header.as_bytes())?;
    for i in 0..n_copies {
        file.write_all(body.replace("constructed by Ecobalyse", &format!("constructed by Ecobalyse #{i}")).as_bytes())?;
    }
    file.flush()?;
    drop(file);
    let n_bytes = std::fs::metadata(&path)?.len();
    let start = Instant::now();
    let output = read_path(&path, &ReadOptions::default())?;
    let seconds = start.elapsed().as_secs_f64();
    let counts = output.dataset.counts();
    println!(
        "{n_copies} copies: {:.1} MB, {} processes, {} exchanges, {} flows in {seconds:.2} s: {:.1} MB/s, {:.0} processes/s, {:.0} exchanges/s",
        n_bytes as f64 / 1e6,
        counts.processes,
        counts.exchanges,
        counts.flows,
        n_bytes as f64 / 1e6 / seconds,
        counts.processes as f64 / seconds,
        counts.exchanges as f64 / seconds,
    );
    Ok(())
}
