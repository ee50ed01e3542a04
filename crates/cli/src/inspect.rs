//! Read-only commands: `runs`, `datasets`, `show process`.

use crate::output::{format_amount, one_line, print_counts, print_listing, print_table};
use crate::{JsonFlag, Outcome};
use anyhow::{Result, anyhow, bail};
use clap::Args;
use ecoref_store::{DatasetVersionId, ProcessSummary, RunId, Store};

pub(crate) async fn list_runs(store: &Store, limit: u32, json: bool) -> Result<Outcome> {
    let runs = store.list_runs(limit).await?;
    print_listing(
        &runs,
        json,
        "no import runs yet (try: ecoref import ilcd <path> --source <name>)",
        &[
            "run",
            "status",
            "source",
            "reader",
            "started",
            "processes",
            "flows",
            "diagnostics",
            "rejected",
            "dataset",
            "error",
        ],
        |run| {
            vec![
                run.id.to_string(),
                run.status.clone(),
                run.source_name.clone(),
                format!("{}@{}", run.reader_name, run.reader_version),
                run.started_at.clone(),
                run.counts.map(|c| c.processes.to_string()).unwrap_or_default(),
                run.counts.map(|c| c.flows.to_string()).unwrap_or_default(),
                run.n_diagnostics.to_string(),
                run.n_rejected.to_string(),
                run.dataset_version.map(|v| format!("#{v}")).unwrap_or_default(),
                run.error.clone().unwrap_or_default(),
            ]
        },
    )
}

pub(crate) async fn show_run(store: &Store, id: i64, json: bool) -> Result<Outcome> {
    let run = store.find_run(RunId(id)).await?.ok_or_else(|| anyhow!("no import run {id}"))?;
    let diagnostics = store.run_diagnostics(RunId(id)).await?;
    if json {
        let value = serde_json::json!({ "run": run, "diagnostics": diagnostics });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(Outcome::Ok);
    }
    println!("run {}: {}", run.id, run.status);
    println!("source: {}", run.source_name);
    println!("reader: {}@{}", run.reader_name, run.reader_version);
    println!("started: {}", run.started_at);
    println!("finished: {}", run.finished_at.as_deref().unwrap_or("–"));
    if let Some(version) = run.dataset_version {
        println!("dataset version: #{version}");
    }
    if let Some(error) = &run.error {
        println!("error: {error}");
    }
    println!("inputs:");
    for input in &run.inputs {
        println!("  {}  {} bytes  sha256 {}", input.name, input.size_bytes, input.sha256);
    }
    if let Some(counts) = &run.counts {
        print_counts(counts);
    }
    println!("diagnostics: {}", diagnostics.len());
    for d in &diagnostics {
        println!("  {} [{}] {}", d.severity, d.code, one_line(d));
    }
    Ok(Outcome::Ok)
}

pub(crate) async fn list_datasets(store: &Store, json: JsonFlag) -> Result<Outcome> {
    let versions = store.list_dataset_versions().await?;
    print_listing(
        &versions,
        json.json,
        "no dataset versions yet",
        &["dataset", "id", "content hash", "processes", "exchanges", "flows", "methods", "factors", "created", "run"],
        |v| {
            vec![
                format!("{}@{}", v.source_name, v.version_number),
                format!("#{}", v.id),
                v.content_hash.chars().take(16).collect(),
                v.counts.processes.to_string(),
                v.counts.exchanges.to_string(),
                v.counts.flows.to_string(),
                v.counts.lcia_methods.to_string(),
                v.counts.characterization_factors.to_string(),
                v.created_at.clone(),
                v.created_by_run.to_string(),
            ]
        },
    )
}

#[derive(Debug, Args)]
pub(crate) struct ShowProcessArgs {
    /// The process id (ILCD UUID, …) or a prefix of at least 4 characters.
    pub(crate) id: String,
    /// Dataset version as `source@N`; default the newest version holding the process.
    #[arg(long)]
    pub(crate) dataset: Option<String>,
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) async fn show_process(store: &Store, args: &ShowProcessArgs) -> Result<Outcome> {
    let dataset_version = match &args.dataset {
        Some(spec) => Some(resolve_dataset(store, spec).await?),
        None => None,
    };
    let matches = store.find_processes(&args.id, dataset_version).await?;
    let summary = pick_process(&args.id, &matches)?;
    let mut detail = store
        .load_process(summary.dataset_version, &summary.id)
        .await?
        .ok_or_else(|| anyhow!("process {} vanished from dataset version #{}", summary.id, summary.dataset_version))?;
    if args.json {
        // The exchanges are printed once, with their resolved flow names and units.
        detail.process.exchanges.clear();
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(Outcome::Ok);
    }
    let process = &detail.process;
    println!("{}", process.name);
    println!("  id: {}", process.id);
    println!("  dataset: {}@{} (#{})", summary.source_name, summary.version_number, summary.dataset_version);
    println!("  type: {}", process.process_type.as_deref().unwrap_or("–"));
    println!("  location: {}", process.location.as_deref().unwrap_or("–"));
    if let Some(year) = &process.reference_year {
        println!("  reference year: {year}");
    }
    for classification in &process.classifications {
        println!("  classification: {}", classification.path.join(" / "));
    }
    println!("exchanges: {}", detail.exchanges.len());
    let rows: Vec<Vec<String>> = detail
        .exchanges
        .iter()
        .map(|row| {
            let e = &row.exchange;
            vec![
                e.internal_id.clone(),
                e.direction.map(|d| d.as_str().to_string()).unwrap_or_else(|| "–".into()),
                e.kind.map(|k| k.as_str().to_string()).unwrap_or_else(|| "–".into()),
                if e.is_reference { "ref".into() } else { String::new() },
                format_amount(e.amount),
                row.unit.clone().unwrap_or_else(|| "–".into()),
                row.flow_name.clone().or_else(|| e.flow.description.clone()).unwrap_or_else(|| "?".into()),
                e.flow.id.clone(),
            ]
        })
        .collect();
    print_table(&["#", "direction", "kind", "", "amount", "unit", "flow", "flow id"], &rows);
    if !process.lcia_results.is_empty() {
        println!("aggregated LCIA results: {}", process.lcia_results.len());
        let rows: Vec<Vec<String>> = process
            .lcia_results
            .iter()
            .map(|r| {
                let modules = r
                    .modules
                    .iter()
                    .filter_map(|m| m.amount.map(|a| format!("{}={}", m.module, format_amount(Some(a)))))
                    .collect::<Vec<_>>()
                    .join(" ");
                vec![
                    r.method.description.clone().unwrap_or_else(|| r.method.id.clone()),
                    format_amount(r.amount),
                    modules,
                ]
            })
            .collect();
        print_table(&["indicator", "amount", "modules"], &rows);
    }
    Ok(Outcome::Ok)
}

fn pick_process<'a>(query: &str, matches: &'a [ProcessSummary]) -> Result<&'a ProcessSummary> {
    let Some(first) = matches.first() else {
        bail!("no process matches {query:?} (give a full id or a prefix of at least 4 characters)");
    };
    let distinct: std::collections::BTreeSet<&str> = matches.iter().map(|m| m.id.as_str()).collect();
    if distinct.len() > 1 {
        let candidates: Vec<String> = matches
            .iter()
            .take(10)
            .map(|m| format!("{} {} ({}@{})", m.id, m.name, m.source_name, m.version_number))
            .collect();
        bail!("{query:?} matches {} processes; candidates:\n  {}", distinct.len(), candidates.join("\n  "));
    }
    Ok(first)
}

/// `source@N` → the dataset version id.
pub(crate) async fn resolve_dataset(store: &Store, spec: &str) -> Result<DatasetVersionId> {
    let (source, number) = spec
        .rsplit_once('@')
        .ok_or_else(|| anyhow!("a dataset is written source@N (e.g. tiangong@1), not {spec:?}"))?;
    let number: i64 = number.parse().map_err(|_| anyhow!("{spec:?}: the version after @ must be a number"))?;
    let versions = store.list_dataset_versions().await?;
    versions.iter().find(|v| v.source_name == source && v.version_number == number).map(|v| v.id).ok_or_else(|| {
        let known: Vec<String> = versions.iter().map(|v| format!("{}@{}", v.source_name, v.version_number)).collect();
        anyhow!("no dataset version {spec}; known: {}", if known.is_empty() { "none".into() } else { known.join(", ") })
    })
}
