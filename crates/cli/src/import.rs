//! `ecoref import <format>`: hash the inputs, skip a run whose inputs were already imported, read, load in one
//! transaction, and record the run whatever happens.

use crate::Outcome;
use crate::output::{print_counts, print_diagnostic_summary};
use crate::readers::{Extracted, FormatReader};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use ecoref_model::Diagnostic;
use ecoref_model::Sha256Hex;
use ecoref_model::Sha256Writer;
use ecoref_store::{DatasetVersionId, InputFile, LoadOptions, LoadOutcome, NewRun, RunId, Store};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tracing::info;

/// Arguments every `ecoref import <format>` takes.
#[derive(Debug, Args, Clone)]
pub(crate) struct CommonArgs {
    /// The input: a file, an archive or a directory, as the format allows.
    pub(crate) path: PathBuf,
    /// Name of the dataset this import versions (e.g. `agribalyse`, `ef-3.1`).
    #[arg(long)]
    pub(crate) source: String,
    /// Import even when a previous run had the same inputs, reader and options.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Licence class of the data: `restricted` sources (ecoinvent, …) show detailed indicators only to token
    /// holders in the API; everyone sees their single scores.
    #[arg(long, value_enum, default_value_t = LicenceClass::Open)]
    pub(crate) licence_class: LicenceClass,
}

/// Who may see a source's detailed indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LicenceClass {
    Open,
    Restricted,
}

impl LicenceClass {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LicenceClass::Open => "open",
            LicenceClass::Restricted => "restricted",
        }
    }
}

/// What an import did, printed as text or JSON.
#[derive(Debug, serde::Serialize)]
pub(crate) struct ImportReport {
    pub(crate) run: i64,
    pub(crate) status: &'static str,
    pub(crate) source: String,
    pub(crate) dataset_version: Option<String>,
    pub(crate) counts: Option<ecoref_model::Counts>,
    pub(crate) n_diagnostics: usize,
    pub(crate) n_rejected: u64,
    pub(crate) seconds: f64,
    pub(crate) message: String,
}

/// Where a run comes from besides its files: the pipeline that started it, and the URL each fetched input was
/// downloaded from (by sha256), recorded with the run's inputs.
#[derive(Debug, Default)]
pub(crate) struct ImportContext {
    pub(crate) pipeline: Option<String>,
    pub(crate) urls: BTreeMap<String, String>,
}

/// What [`import_dataset`] did.
#[derive(Debug)]
pub(crate) struct ImportDone {
    pub(crate) report: ImportReport,
    pub(crate) dataset_version: DatasetVersionId,
    /// The inputs as recorded with the run.
    pub(crate) inputs: Vec<InputFile>,
    /// The diagnostics of this read; `None` when nothing was read (the inputs were those of `reused_run`).
    pub(crate) diagnostics: Option<Vec<Diagnostic>>,
    pub(crate) reused_run: Option<RunId>,
}

/// Hashes the inputs, skips a run already done, reads with `reader`, loads in one transaction, reports.
pub(crate) async fn run_import(store: &Store, args: &CommonArgs, reader: Box<dyn FormatReader>) -> Result<Outcome> {
    let done = import_dataset(store, args, reader, &ImportContext::default()).await?;
    print_report(&done.report, args.json)?;
    if !args.json
        && let Some(diagnostics) = &done.diagnostics
    {
        print_diagnostic_summary(diagnostics);
    }
    Ok(if done.report.n_rejected > 0 { Outcome::Rejected } else { Outcome::Ok })
}

/// [`run_import`] without printing: the run is recorded whatever happens (a failure marks it failed and is
/// returned as the error).
pub(crate) async fn import_dataset(
    store: &Store,
    args: &CommonArgs,
    reader: Box<dyn FormatReader>,
    context: &ImportContext,
) -> Result<ImportDone> {
    let started = Instant::now();
    // Runs a killed or crashed import left `running` hold no liveness lock: close them first.
    let finder = format!("ecoref import {} --source {} (pid {})", reader.name(), args.source, std::process::id());
    store.fail_abandoned_runs(&finder, abandoned_run_grace()?).await?;
    let mut inputs = hash_inputs(&args.path)?;
    for extra in reader.extra_inputs(&args.path) {
        inputs.extend(hash_inputs(&extra)?);
    }
    for input in &mut inputs {
        input.licence_class = Some(args.licence_class.as_str().to_owned());
        input.url = context.urls.get(&input.sha256).cloned();
    }
    let new_run = NewRun {
        source_name: args.source.clone(),
        pipeline: context.pipeline.clone(),
        reader_name: reader.name().to_string(),
        reader_version: reader.version().to_string(),
        options: reader.options(),
        inputs,
    };

    if !args.force
        && let Some(previous) = store.find_reusable_run(&new_run.idempotency_key()).await?
        && let Some(dataset_version) = previous.dataset_version
    {
        let run = store.start_run(&new_run).await?;
        let reason = format!("inputs, reader version and options are those of run {}", previous.id);
        store.finish_unchanged(run, dataset_version, &reason).await?;
        info!(run = %run, previous_run = %previous.id, "Import unchanged.");
        let report = ImportReport {
            run: run.0,
            status: "unchanged",
            source: args.source.clone(),
            dataset_version: Some(format!("{}#{}", args.source, dataset_version)),
            counts: None,
            n_diagnostics: 0,
            n_rejected: 0,
            seconds: started.elapsed().as_secs_f64(),
            message: format!("unchanged: {reason}; no rows written"),
        };
        return Ok(ImportDone {
            report,
            dataset_version,
            inputs: new_run.inputs,
            diagnostics: None,
            reused_run: Some(previous.id),
        });
    }

    let run = store.start_run(&new_run).await?;
    // Held until the run is finished: while it is, no other import takes this run for abandoned.
    let liveness = match store.hold_run(run, &finder).await {
        Ok(liveness) => liveness,
        Err(error) => {
            let message = format!("cannot take the run's liveness lock: {error}");
            store.fail_run(run, &message, &[]).await?;
            return Err(anyhow!(message).context(format!("import run {run} failed")));
        }
    };
    info!(run = %run, source = %args.source, path = %args.path.display(), "Import started.");

    let path = args.path.clone();
    let read = tokio::task::spawn_blocking(move || read_with_progress(reader.as_ref(), &path))
        .await
        .map_err(|join| anyhow!("the reader stopped unexpectedly: {join}"))?;
    let output = match read {
        Ok(output) => output,
        Err(error) => {
            // Reader errors carry their cause in their own message: print it once, not as a chain.
            let message = format!("cannot read {}: {error}", crate::display_path(&args.path));
            store.fail_run(run, &message, &[]).await?;
            return Err(anyhow!(message).context(format!("import run {run} failed")));
        }
    };

    let load_options = fault_injection_from_env()?;
    let outcome = match store
        .load(run, &args.source, &output.dataset, &output.diagnostics, output.n_rejected, &load_options)
        .await
    {
        Ok(outcome) => outcome,
        Err(error) => {
            let message = format!("cannot load into the database: {error}");
            store.fail_run(run, &message, &output.diagnostics).await?;
            return Err(anyhow!(message).context(format!("import run {run} failed")));
        }
    };

    // The run is finished (in the load's transaction): its lock has nothing left to prove.
    liveness.release().await?;
    let dataset_version_id = outcome.dataset_version();
    let (status, dataset_version, counts, message) = match outcome {
        LoadOutcome::Loaded { dataset_version, version_number, counts } => (
            "succeeded",
            format!("{}@{version_number} (#{dataset_version})", args.source),
            Some(counts),
            format!("loaded {} rows", counts.total_rows()),
        ),
        LoadOutcome::Unchanged { dataset_version, version_number } => (
            "unchanged",
            format!("{}@{version_number} (#{dataset_version})", args.source),
            None,
            "unchanged: identical content is already stored; no rows written".to_string(),
        ),
    };
    let report = ImportReport {
        run: run.0,
        status,
        source: args.source.clone(),
        dataset_version: Some(dataset_version),
        counts,
        n_diagnostics: output.diagnostics.len(),
        n_rejected: output.n_rejected,
        seconds: started.elapsed().as_secs_f64(),
        message,
    };
    info!(run = %run, status, n_diagnostics = report.n_diagnostics, n_rejected = report.n_rejected, "Import finished.");
    Ok(ImportDone {
        report,
        dataset_version: dataset_version_id,
        inputs: new_run.inputs,
        diagnostics: Some(output.diagnostics),
        reused_run: None,
    })
}

/// How old a `running` import run must be before an import may take it for abandoned when nobody holds its
/// liveness lock (a run takes its lock a few milliseconds after its row is committed): 60 s, or
/// `ECOREF_ABANDONED_RUN_GRACE_SECS`.
fn abandoned_run_grace() -> Result<Duration> {
    match std::env::var("ECOREF_ABANDONED_RUN_GRACE_SECS") {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| anyhow!("ECOREF_ABANDONED_RUN_GRACE_SECS must be a number of seconds, not {text:?}")),
        Err(_) => Ok(Duration::from_secs(60)),
    }
}

fn print_report(report: &ImportReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    println!("run {}: {} ({:.2} s)", report.run, report.status, report.seconds);
    if let Some(version) = &report.dataset_version {
        println!("dataset version: {version}");
    }
    println!("{}", report.message);
    if let Some(counts) = &report.counts {
        print_counts(counts);
    }
    if report.n_rejected > 0 {
        println!("rejected data sets: {}", report.n_rejected);
    }
    Ok(())
}

fn read_with_progress(reader: &dyn FormatReader, path: &Path) -> Result<Extracted> {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading {pos}/{len} [{elapsed_precise}] {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let result = reader.read(path, &mut |done, total, current| {
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(current.to_string());
    });
    bar.finish_and_clear();
    result
}

/// Hashes every input file: one for a zip or XML file, each file (sorted by relative path) for a directory.
pub(crate) fn hash_inputs(path: &Path) -> Result<Vec<InputFile>> {
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if metadata.is_dir() {
        let mut files = Vec::new();
        collect_files(path, &mut files)?;
        files.sort();
        // A release directory holds thousands of files (ecoinvent: 25,000, about 1 GB): hashed on every core,
        // in contiguous runs, joined in order.
        let hash = |file: &PathBuf| {
            let relative = file.strip_prefix(path).unwrap_or(file);
            hash_file(file, &relative.to_string_lossy())
        };
        let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let run = files.len().div_ceil(n_threads).max(1);
        let work = |chunk: &[PathBuf]| chunk.iter().map(hash).collect::<Vec<_>>();
        ecoref_extract_support::in_parallel(files.chunks(run), &work).into_iter().collect()
    } else {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(vec![hash_file(path, &name)?])
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let file_type = entry.file_type().with_context(|| format!("cannot stat {}", entry.path().display()))?;
        if file_type.is_dir() {
            collect_files(&entry.path(), files)?;
        } else if file_type.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

fn hash_file(path: &Path, name: &str) -> Result<InputFile> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut writer = Sha256Writer::new();
    // Large reads (io::copy's own buffer is 8 KiB): fewer system calls and hasher calls.
    let mut reader = io::BufReader::with_capacity(256 * 1024, file);
    io::copy(&mut reader, &mut writer).with_context(|| format!("cannot read {}", path.display()))?;
    let (sha256, size_bytes): (Sha256Hex, u64) = writer.finish();
    Ok(InputFile { name: name.to_string(), sha256: sha256.0, size_bytes, url: None, licence_class: None })
}

/// `ECOREF_FAULT=fail_after_rows=N` or `pause_after_rows=N:MILLISECONDS` injects a failure or a pause inside
/// the load transaction. Tests use it to prove that a failed or killed import leaves the database unchanged.
fn fault_injection_from_env() -> Result<LoadOptions> {
    let mut options = LoadOptions::default();
    let Ok(spec) = std::env::var("ECOREF_FAULT") else {
        return Ok(options);
    };
    let bad = || anyhow!("ECOREF_FAULT must be fail_after_rows=N or pause_after_rows=N:MS, not {spec:?}");
    let (key, value) = spec.split_once('=').ok_or_else(bad)?;
    match key {
        "fail_after_rows" => options.fail_after_rows = Some(value.parse().map_err(|_| bad())?),
        "pause_after_rows" => {
            let (rows, millis) = value.split_once(':').ok_or_else(bad)?;
            let rows = rows.parse().map_err(|_| bad())?;
            let millis = millis.parse().map_err(|_| bad())?;
            options.pause_after_rows = Some((rows, Duration::from_millis(millis)));
        }
        _ => return Err(bad()),
    }
    tracing::warn!(fault = %spec, "Fault injection enabled.");
    Ok(options)
}
