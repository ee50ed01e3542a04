//! Load speed on a generated ecoinvent-shaped dataset (34 exchanges per process, like 850k / 25k).
//!
//! `cargo run --release -p ecoref-store --example load_bench -- <database-url> [n_processes]`
//! e.g. `sqlite:///tmp/bench.sqlite 25000` or `postgres://postgres@127.0.0.1:5432/bench 25000`.
//!
//! On PostgreSQL the same run measures the baseline: `psql \copy` of the same process and exchange rows (as CSV,
//! written before the clock starts) into two plain tables, and prints ecoref's time as a ratio of it.

use ecoref_model::{
    Dataset, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, Process, Reference, Uncertainty,
};
use ecoref_store::{InputFile, LoadOptions, NewRun, Store};
use std::time::Instant;

fn generate(n_processes: usize, salt: &str) -> Dataset {
    let n_flows = 5_000;
    let flows = (0..n_flows)
        .map(|i| Flow {
            id: EntityId::new(format!("{i:08x}-flow"), Some("01.00.000".into())),
            name: format!("flow {i}"),
            kind: Some(if i % 3 == 0 { FlowKind::Elementary } else { FlowKind::Product }),
            compartment: vec!["Emissions".into(), "Emissions to air".into()],
            reference_unit: Some("kg".into()),
            ..Flow::default()
        })
        .collect();
    let processes = (0..n_processes)
        .map(|p| Process {
            id: EntityId::new(format!("{p:08x}-{salt}"), Some("01.00.000".into())),
            name: format!("process {p}, market for something, {salt}"),
            location: Some("GLO".into()),
            process_type: Some("Unit process, single operation".into()),
            exchanges: (0..34)
                .map(|e| Exchange {
                    internal_id: e.to_string(),
                    flow: Reference::to(format!("{:08x}-flow", (p * 31 + e * 7) % n_flows)),
                    direction: Some(if e == 0 { Direction::Output } else { Direction::Input }),
                    kind: Some(if e == 0 { ExchangeKind::Production } else { ExchangeKind::Technosphere }),
                    is_reference: e == 0,
                    amount: Some(1.0 / (1.0 + (p * 34 + e) as f64)),
                    unit: Some("kg".into()),
                    uncertainty: (e % 2 == 0).then(|| Uncertainty {
                        distribution: "log-normal".into(),
                        parameters: [("mu".to_owned(), 0.1), ("variance".to_owned(), 0.02)].into(),
                        ..Uncertainty::default()
                    }),
                    provider: (e > 0).then(|| Reference::to(format!("{:08x}-{salt}", (p + e) % n_processes))),
                    ..Exchange::default()
                })
                .collect(),
            ..Process::default()
        })
        .collect();
    Dataset { processes, flows, ..Dataset::default() }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: load_bench <database-url> [n_processes]")?;
    let n_processes: usize = args.next().map_or(Ok(25_000), |n| n.parse())?;
    let store = Store::connect(&url).await?;
    let salt = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos());
    let dataset = generate(n_processes, &salt);
    let counts = dataset.counts();
    let run = store
        .start_run(&NewRun {
            source_name: "bench".into(),
            pipeline: None,
            reader_name: "load_bench".into(),
            reader_version: "0".into(),
            options: String::new(),
            inputs: vec![InputFile { name: salt.clone(), sha256: salt, size_bytes: 0, url: None, licence_class: None }],
        })
        .await?;
    let started = Instant::now();
    let hash_started = Instant::now();
    let hash = dataset.content_hash();
    let hash_seconds = hash_started.elapsed().as_secs_f64();
    let outcome = store.load(run, "bench", &dataset, &[], 0, &LoadOptions::default()).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let read_started = Instant::now();
    let read = store.load_dataset(outcome.dataset_version()).await?;
    let read_seconds = read_started.elapsed().as_secs_f64();
    assert_eq!(read.content_hash(), hash);
    let n_rows = counts.total_rows();
    let baseline = match &store {
        Store::Postgres(_) => Some(psql_copy_baseline(&url, &dataset)?),
        Store::Sqlite(_) => None,
    };
    println!(
        "{}: {n_rows} rows ({} processes, {} exchanges): load {load_seconds:.2} s ({:.0} rows/s, of which content \
         hash {hash_seconds:.2} s), read back {read_seconds:.2} s ({:.0} rows/s)",
        store.backend(),
        counts.processes,
        counts.exchanges,
        n_rows as f64 / load_seconds,
        n_rows as f64 / read_seconds,
    );
    if let Some((n_baseline_rows, seconds)) = baseline {
        println!(
            "baseline psql \\copy of {n_baseline_rows} process+exchange rows: {seconds:.2} s ({:.0} rows/s); \
             ecoref load / baseline = {:.2}",
            n_baseline_rows as f64 / seconds,
            load_seconds / seconds
        );
    }
    Ok(())
}

/// Writes the processes and exchanges as CSV (not timed), then times `psql \copy` of both into plain tables.
fn psql_copy_baseline(url: &str, dataset: &Dataset) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("ecoref-load-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let processes_csv = dir.join("processes.csv");
    let exchanges_csv = dir.join("exchanges.csv");
    let mut processes = std::io::BufWriter::new(std::fs::File::create(&processes_csv)?);
    let mut exchanges = std::io::BufWriter::new(std::fs::File::create(&exchanges_csv)?);
    let mut n_rows = 0u64;
    for (p, process) in dataset.processes.iter().enumerate() {
        writeln!(processes, "{p},{},{}", quote(&process.id.id), quote(&process.name))?;
        n_rows += 1;
        for (e, exchange) in process.exchanges.iter().enumerate() {
            let detail = serde_json::to_string(&exchange.uncertainty)?;
            writeln!(
                exchanges,
                "{p},{e},{},{},{},{},{},{}",
                quote(&exchange.flow.id),
                exchange.amount.map(|a| format!("{a:?}")).unwrap_or_default(),
                quote(exchange.unit.as_deref().unwrap_or("")),
                quote(exchange.provider.as_ref().map(|r| r.id.as_str()).unwrap_or("")),
                exchange.is_reference,
                quote(&detail),
            )?;
            n_rows += 1;
        }
    }
    processes.flush()?;
    exchanges.flush()?;
    let psql = |script: &str| -> Result<(), Box<dyn std::error::Error>> {
        let status =
            std::process::Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", script]).status()?;
        if status.success() { Ok(()) } else { Err(format!("psql failed: {script}").into()) }
    };
    psql(
        "DROP TABLE IF EXISTS bench_process, bench_exchange; \
         CREATE TABLE bench_process (ordinal bigint, id text, name text); \
         CREATE TABLE bench_exchange (process_ordinal bigint, ordinal bigint, flow_id text, amount float8, \
         unit text, provider_id text, is_reference boolean, detail json)",
    )?;
    let started = Instant::now();
    psql(&format!("\\copy bench_process FROM '{}' CSV", processes_csv.display()))?;
    psql(&format!("\\copy bench_exchange FROM '{}' CSV", exchanges_csv.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    psql("DROP TABLE bench_process, bench_exchange")?;
    std::fs::remove_dir_all(&dir)?;
    Ok((n_rows, seconds))
}
