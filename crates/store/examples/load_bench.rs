//! Load speed on a generated ecoinvent-shaped dataset (34 exchanges per process, like 850k / 25k).
//!
//! `cargo run --release -p ecoref-store --example load_bench -- <database-url> [n_processes]`
//! e.g. `sqlite:///tmp/bench.sqlite 25000` or `postgres://postgres@127.0.0.1:5432/bench 25000`.

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
            inputs: vec![InputFile { name: salt.clone(), sha256: salt, size_bytes: 0 }],
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
    println!(
        "{}: {n_rows} rows ({} processes, {} exchanges): load {load_seconds:.2} s ({:.0} rows/s, of which content \
         hash {hash_seconds:.2} s), read back {read_seconds:.2} s ({:.0} rows/s)",
        store.backend(),
        counts.processes,
        counts.exchanges,
        n_rows as f64 / load_seconds,
        n_rows as f64 / read_seconds,
    );
    Ok(())
}
