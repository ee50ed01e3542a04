//! `ecoref pipeline run|plan|list`: declarative pipelines (crates/pipeline) wired to this crate's import, link,
//! map, validate and release code.
//!
//! A run takes the database's pipeline lock (waiting or refusing, never interleaving), records a pipeline run,
//! then for each source fetches it into the cache (URL inputs, sha256 checked before use) and imports it through
//! the very `ecoref import <format>` code path (its arguments are parsed by the same clap definitions); then it
//! registers method versions, links, maps and validates each imported dataset version (reusing identical stored
//! sets), checks the thresholds and creates the release draft. Each import is one transaction, so a failure
//! leaves the database as it was before that import, plus the run records that say why. The report goes to
//! stdout (Markdown, or JSON with --json), to --report-dir, and into the pipeline run record.

use crate::import::{self, ImportContext, ImportDone};
use crate::inspect::resolve_dataset;
use crate::link::dataset_label;
use crate::link::{link_dataset, map_dataset, resolve_method_summary};
use crate::output::print_table;
use crate::readers::ImportFormat;
use crate::release::ByArg;
use crate::{JsonFlag, Outcome, connect};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use ecoref_model::{Diagnostic, Severity};
use ecoref_pipeline::report::{
    CodeCount, FetchReport, ImportReport, InputReport, LinkReport, MappingReport, MethodReport, Observed,
    ReleaseReport, ValidationSummary,
};
use ecoref_pipeline::spec::{DatasetRef, Fallback};
use ecoref_pipeline::{
    Cache, Fetched, Fetcher, Input, Pipeline, Report, Source, check_inputs, compute_plan, find_pipeline, input_path,
    list_pipelines, read_pipeline,
};
use ecoref_store::{
    DatasetVersionId, NewMethodVersion, NewPipelineRun, NewRelease, PipelineRunStatus, RegisterOutcome, Store,
};
use ecoref_transform::{LinkOptions, UnitTable, ValidationInputs, compute_validation_report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tracing::info;

#[derive(Debug, Subcommand)]
pub(crate) enum PipelineCommand {
    /// Run a pipeline: fetch, import, register methods, link, map, validate, create the release draft, report.
    /// Exit code 0 ok or unchanged, 1 finished with rejected data, 2 failed.
    Run(RunArgs),
    /// Check a pipeline file and print what a run would do (no download, no database).
    Plan(PlanArgs),
    /// List the pipelines of the pipelines directory with their last run.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Selector {
    /// A pipeline file, or the name of a pipeline in --pipelines-dir.
    pipeline: String,
    #[command(flatten)]
    dirs: Dirs,
}

#[derive(Debug, Args)]
pub(crate) struct Dirs {
    /// Where pipelines are found by name.
    #[arg(long, env = "ECOREF_PIPELINES_DIR", default_value = "pipelines")]
    pipelines_dir: PathBuf,
    /// The download cache (files by sha256).
    #[arg(long, env = "ECOREF_CACHE_DIR", default_value = ".ecoref/cache")]
    cache_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    selector: Selector,
    /// Also write the report to this directory, as `<pipeline>-<run>.md` and `.json`.
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Seconds to wait for another run on the same database (overrides the file's [lock] wait_secs; 0 refuses
    /// at once).
    #[arg(long)]
    wait: Option<u64>,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    selector: Selector,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Where the pipelines are.
    #[arg(long, env = "ECOREF_PIPELINES_DIR", default_value = "pipelines")]
    pipelines_dir: PathBuf,
    #[command(flatten)]
    json: JsonFlag,
}

/// `ecoref import …` as a pipeline step: the same clap definitions parse the arguments a source stands for.
#[derive(Debug, Parser)]
struct ImportCommandLine {
    #[command(subcommand)]
    format: ImportFormat,
}

pub(crate) async fn run(database_url: &str, command: PipelineCommand) -> Result<Outcome> {
    match command {
        PipelineCommand::Run(args) => run_pipeline(database_url, args).await,
        PipelineCommand::Plan(args) => plan(&args),
        PipelineCommand::List(args) => list(database_url, &args).await,
    }
}

fn load(selector: &Selector) -> Result<Pipeline> {
    let file = find_pipeline(&selector.dirs.pipelines_dir, &selector.pipeline)?;
    Ok(read_pipeline(&file)?)
}

/// The import subcommand of `source` reading `path` (and `impacts`), parsed as the CLI parses it.
fn import_format(source: &Source, path: &Path, impacts: Option<&Path>) -> Result<ImportFormat> {
    let argv = std::iter::once(OsString::from("import")).chain(source.import_args(path, impacts));
    ImportCommandLine::try_parse_from(argv)
        .map(|line| line.format)
        .map_err(|e| anyhow!("source {}: its import arguments do not parse: {}", source.dataset, e.render()))
}

fn plan(args: &PlanArgs) -> Result<Outcome> {
    let pipeline = load(&args.selector)?;
    let cache = Cache::new(&args.selector.dirs.cache_dir);
    let plan = compute_plan(&pipeline, &cache);
    let mut problems = check_inputs(&pipeline);
    for source in &pipeline.sources {
        let impacts = source.options.impacts.as_ref().map(|i| input_path(i, &cache));
        if let Err(error) = import_format(source, &input_path(&source.input, &cache), impacts.as_deref()) {
            problems.push(error.to_string());
        }
    }
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "plan": plan, "problems": problems }))?);
    } else {
        print!("{}", plan.to_text());
        for problem in &problems {
            println!("problem: {problem}");
        }
    }
    if problems.is_empty() {
        Ok(Outcome::Ok)
    } else {
        bail!("pipeline {} cannot run: {}", pipeline.name, problems.join("; "))
    }
}

async fn list(database_url: &str, args: &ListArgs) -> Result<Outcome> {
    let files = list_pipelines(&args.pipelines_dir)?;
    let store = connect(database_url).await?;
    let mut items = Vec::with_capacity(files.len());
    for file in &files {
        let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (datasets, problem) = match read_pipeline(file) {
            Ok(p) => (p.sources.iter().map(|s| format!("{} ({})", s.dataset, s.format)).collect::<Vec<_>>(), None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let last = store.list_pipeline_runs(Some(&name), 1).await?.into_iter().next();
        items.push(serde_json::json!({
            "pipeline": name,
            "file": file.display().to_string(),
            "datasets": datasets,
            "problem": problem,
            "last_run": last.as_ref().map(|r| serde_json::json!({
                "id": r.id, "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at,
            })),
        }));
    }
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(Outcome::Ok);
    }
    if items.is_empty() {
        println!("no pipelines in {}", args.pipelines_dir.display());
        return Ok(Outcome::Ok);
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("–").to_owned();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            let datasets: Vec<String> = item["datasets"].as_array().into_iter().flatten().map(text).collect();
            let last = &item["last_run"];
            vec![
                text(&item["pipeline"]),
                match item["problem"].as_str() {
                    Some(problem) => format!("invalid: {problem}"),
                    None => datasets.join(", "),
                },
                if last.is_null() { "never".to_owned() } else { format!("{} ({})", text(&last["status"]), last["id"]) },
                text(&last["started_at"]),
            ]
        })
        .collect();
    print_table(&["pipeline", "datasets", "last run", "started"], &rows);
    Ok(Outcome::Ok)
}

/// What the steps share.
struct Ctx<'a> {
    store: &'a Store,
    pipeline: &'a Pipeline,
    fetcher: &'a Fetcher,
    by: &'a str,
}

/// What the steps build up.
struct State {
    report: Report,
    /// The dataset versions this run imported (or found unchanged), in source order: (dataset, version, label).
    versions: Vec<(String, DatasetVersionId, String)>,
    /// Error diagnostics of each dataset's import, for `max_error_diagnostics`.
    n_errors: BTreeMap<String, u64>,
}

/// Runs `work` as the step `name`, recording its duration and how it ended in the report and the log.
async fn step<T>(
    report: &mut Report,
    name: String,
    work: impl Future<Output = Result<(T, &'static str)>>,
) -> Result<T> {
    let started = Instant::now();
    let result = work.await;
    let status = match &result {
        Ok((_, status)) => *status,
        Err(_) => "failed",
    };
    let seconds = started.elapsed().as_secs_f64();
    info!(pipeline = %report.pipeline, step = %name, status, seconds, "Pipeline step finished.");
    report.push_step(name, status, seconds);
    result.map(|(value, _)| value)
}

async fn run_pipeline(database_url: &str, args: RunArgs) -> Result<Outcome> {
    let started = Instant::now();
    let pipeline = load(&args.selector)?;
    let store = connect(database_url).await?;
    let holder = format!("ecoref pipeline {} (pid {}, by {})", pipeline.name, std::process::id(), args.by.by);
    let wait = args.wait.map_or(pipeline.lock.wait, Duration::from_secs);
    let lock = ecoref_pipeline::lock::acquire_lock(&store, &holder, wait)
        .await
        .with_context(|| format!("pipeline {} did not start", pipeline.name))?;
    let lock_seconds = started.elapsed().as_secs_f64();
    if let Err(error) = store.fail_abandoned_pipeline_runs(&holder).await {
        release_lock(lock).await;
        return Err(error).context("cannot close the pipeline runs a killed process left running");
    }
    let new_run = NewPipelineRun {
        pipeline: pipeline.name.clone(),
        file: pipeline.file.display().to_string(),
        spec_sha256: pipeline.spec_sha256.clone(),
        started_by: args.by.by.clone(),
    };
    let (run_id, started_at) = match store.start_pipeline_run(&new_run).await {
        Ok(started) => started,
        Err(error) => {
            release_lock(lock).await;
            return Err(error).context("cannot record the pipeline run");
        }
    };
    let mut state = State { report: Report::new(&pipeline), versions: Vec::new(), n_errors: BTreeMap::new() };
    state.report.pipeline_run = Some(run_id.0);
    state.report.started_at = Some(started_at);
    state.report.push_step("lock", "ok", lock_seconds);

    let result = match Fetcher::new(Cache::new(&args.selector.dirs.cache_dir), pipeline.fetch.clone()) {
        Ok(fetcher) => {
            let ctx = Ctx { store: &store, pipeline: &pipeline, fetcher: &fetcher, by: &args.by.by };
            execute(&ctx, &mut state).await
        }
        Err(error) => Err(error.into()),
    };
    let mut report = state.report;
    report.finish(result.err().map(|e| format!("{e:#}")), started.elapsed().as_secs_f64());
    let json = serde_json::to_value(&report)?;
    let recorded = store.finish_pipeline_run(run_id, report.status, report.error.as_deref(), &json).await;
    release_lock(lock).await;
    recorded.with_context(|| format!("cannot record the end of pipeline run {run_id}"))?;
    info!(pipeline = %pipeline.name, pipeline_run = run_id.0, status = %report.status, seconds = report.seconds,
          "Pipeline run finished.");

    let markdown = report.to_markdown();
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let base = dir.join(format!("{}-{}", pipeline.name, run_id));
        for (extension, text) in [("md", markdown.clone()), ("json", serde_json::to_string_pretty(&json)?)] {
            let path = base.with_extension(extension);
            std::fs::write(&path, text).with_context(|| format!("cannot write the report {}", path.display()))?;
        }
    }
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!("{markdown}");
    }
    match report.status {
        PipelineRunStatus::Failed => Err(anyhow!("pipeline {} (run {run_id}) {}", pipeline.name, report.message)),
        PipelineRunStatus::Rejected => Ok(Outcome::Rejected),
        PipelineRunStatus::Succeeded | PipelineRunStatus::Unchanged => Ok(Outcome::Ok),
    }
}

async fn release_lock(lock: ecoref_store::PipelineLock) {
    if let Err(error) = lock.release().await {
        // The lock dies with the connection or the process anyway.
        tracing::warn!(error = %error, "Cannot release the pipeline lock cleanly.");
    }
}

async fn execute(ctx: &Ctx<'_>, state: &mut State) -> Result<()> {
    for source in &ctx.pipeline.sources {
        import_source(ctx, state, source).await?;
    }
    for method in &ctx.pipeline.methods {
        register_method(ctx, state, method).await?;
    }
    link_map_validate(ctx, state).await?;
    create_release(ctx, state).await
}

/// The file an input is read from: a local file (its pin checked when it has one) or the verified cached copy
/// of a URL, with how it was fetched.
async fn obtain(
    ctx: &Ctx<'_>,
    state: &mut State,
    dataset: &str,
    role: &str,
    input: &Input,
) -> Result<(PathBuf, Option<Fetched>)> {
    match input {
        Input::Local { path, sha256: Some(sha256) } => {
            ecoref_pipeline::fetch::verify_local_file(path, sha256).await?;
            Ok((path.clone(), None))
        }
        Input::Local { path, sha256: None } => Ok((path.clone(), None)),
        Input::Url(url) => {
            let bar = download_bar(&url.file_name);
            let progress = {
                let bar = bar.clone();
                move |done: u64, total: Option<u64>| {
                    if let Some(total) = total {
                        bar.set_length(total);
                    }
                    bar.set_position(done);
                }
            };
            let what = format!("source {dataset}{role}");
            let fetched = step(&mut state.report, format!("fetch {dataset}{role}"), async {
                let fetched = ctx.fetcher.fetch(url, &what, &progress).await?;
                let status = if fetched.from_cache { "cached" } else { "ok" };
                Ok((fetched, status))
            })
            .await;
            bar.finish_and_clear();
            let fetched = fetched?;
            Ok((fetched.path.clone(), Some(fetched)))
        }
    }
}

fn download_bar(name: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} fetching {msg} {bytes}/{total_bytes} [{elapsed_precise}] {bytes_per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(name.to_owned());
    bar
}

async fn import_source(ctx: &Ctx<'_>, state: &mut State, source: &Source) -> Result<()> {
    let dataset = source.dataset.as_str();
    let (path, fetched) = obtain(ctx, state, dataset, "", &source.input).await?;
    let (impacts, impacts_fetched) = match &source.options.impacts {
        Some(input) => {
            let (path, fetched) = obtain(ctx, state, dataset, " (impacts)", input).await?;
            (Some(path), fetched)
        }
        None => (None, None),
    };
    let fetches: BTreeMap<String, Fetched> =
        fetched.into_iter().chain(impacts_fetched).map(|f| (f.sha256.clone(), f)).collect();
    let format = import_format(source, &path, impacts.as_deref())?;
    let context = ImportContext {
        pipeline: Some(ctx.pipeline.name.clone()),
        urls: fetches.iter().map(|(sha256, f)| (sha256.clone(), f.url.clone())).collect(),
    };
    let done: ImportDone = step(&mut state.report, format!("import {dataset}"), async {
        let (common, reader) = format.into_parts();
        let done = import::import_dataset(ctx.store, &common, reader, &context)
            .await
            .with_context(|| format!("source {dataset}: import failed"))?;
        let status = if done.report.status == "succeeded" { "ok" } else { "unchanged" };
        Ok((done, status))
    })
    .await?;

    let label = dataset_label(ctx.store, done.dataset_version).await?;
    let (diagnostics, from_run): (Vec<Diagnostic>, Option<i64>) = match (done.diagnostics, done.reused_run) {
        (Some(diagnostics), _) => (diagnostics, None),
        (None, Some(run)) => (ctx.store.run_diagnostics(run).await?, Some(run.0)),
        (None, None) => (Vec::new(), None),
    };
    let mut by_code: BTreeMap<(Severity, String), u64> = BTreeMap::new();
    for d in &diagnostics {
        *by_code.entry((d.severity, d.code.clone())).or_insert(0) += 1;
    }
    let n_errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count() as u64;
    state.n_errors.insert(dataset.to_owned(), n_errors);
    let mut diagnostics_by_code: Vec<CodeCount> = by_code
        .into_iter()
        .map(|((severity, code), count)| CodeCount { severity: severity.to_string(), code, count })
        .collect();
    // Errors first, then warnings, then the rest; by code within each.
    diagnostics_by_code.sort_by_key(|c| (std::cmp::Reverse(severity_rank(&c.severity)), c.code.clone()));
    for input in &done.inputs {
        let fetch = fetches.get(&input.sha256).map(|f| FetchReport {
            from_cache: f.from_cache,
            n_attempts: f.n_attempts,
            bytes_downloaded: f.bytes_downloaded,
            resumed_from: f.resumed_from,
        });
        state.report.inputs.push(InputReport {
            dataset: dataset.to_owned(),
            name: input.name.clone(),
            sha256: input.sha256.clone(),
            size_bytes: input.size_bytes,
            url: input.url.clone(),
            licence_class: input.licence_class.clone(),
            fetch,
        });
    }
    state.report.imports.push(ImportReport {
        dataset: dataset.to_owned(),
        format: source.format.to_string(),
        run: done.report.run,
        status: done.report.status.to_owned(),
        dataset_version: label.clone(),
        counts: done.report.counts,
        n_rejected: done.report.n_rejected,
        n_diagnostics: diagnostics.len() as u64,
        diagnostics_by_code,
        diagnostics_from_run: from_run,
        message: done.report.message,
    });
    state.versions.push((dataset.to_owned(), done.dataset_version, label));
    Ok(())
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

/// A dataset reference of the pipeline file: `name@N`; or `name`, the version this run has of one of its own
/// datasets, else the latest version of that source.
async fn resolve_ref(ctx: &Ctx<'_>, state: &State, text: &str) -> Result<(DatasetVersionId, String)> {
    match DatasetRef::parse(text) {
        Some(DatasetRef::Version { .. }) => {
            let dv = resolve_dataset(ctx.store, text).await?;
            Ok((dv, text.to_owned()))
        }
        Some(DatasetRef::Latest(name)) => {
            if let Some((_, dv, label)) = state.versions.iter().find(|(d, _, _)| *d == name) {
                return Ok((*dv, label.clone()));
            }
            ctx.store
                .list_dataset_versions()
                .await?
                .into_iter()
                .filter(|v| v.source_name == name)
                .max_by_key(|v| v.version_number)
                .map(|v| (v.id, format!("{}@{}", v.source_name, v.version_number)))
                .ok_or_else(|| anyhow!("no dataset version of source {name}: import it first, or write {name}@N"))
        }
        None => Err(anyhow!("{text:?} is not a dataset (write name or name@N)")),
    }
}

async fn register_method(ctx: &Ctx<'_>, state: &mut State, method: &ecoref_pipeline::spec::MethodStep) -> Result<()> {
    let (dataset, dataset_label) = resolve_ref(ctx, state, &method.dataset).await?;
    let weights = match &method.weights {
        Some(w) => Some(resolve_ref(ctx, state, w).await?.0),
        None => None,
    };
    let (name, version) = method
        .method
        .rsplit_once('@')
        .ok_or_else(|| anyhow!("a method is written name@version, not {:?}", method.method))?;
    let new = NewMethodVersion {
        name: name.to_owned(),
        version: version.to_owned(),
        methodology: method.methodology.clone(),
        dataset_version: dataset,
        weights,
        weight_sets: method.weight_sets.clone(),
        created_by: ctx.by.to_owned(),
    };
    let outcome = step(&mut state.report, format!("method {}", method.method), async {
        let outcome = ctx
            .store
            .register_method_version(&new)
            .await
            .with_context(|| format!("cannot register method {}", method.method))?;
        let status = if matches!(outcome, RegisterOutcome::Registered(_)) { "ok" } else { "unchanged" };
        Ok((outcome, status))
    })
    .await?;
    let m = outcome.method();
    state.report.methods.push(MethodReport {
        method: m.label(),
        dataset: dataset_label,
        status: if matches!(outcome, RegisterOutcome::Registered(_)) { "registered" } else { "unchanged" }.to_owned(),
        n_indicators: m.n_indicators,
        n_factors: m.n_factors,
    });
    Ok(())
}

fn link_options(pipeline: &Pipeline) -> LinkOptions {
    match pipeline.link.as_ref().and_then(|l| l.fallbacks.as_ref()) {
        None => LinkOptions::default(),
        Some(list) => LinkOptions {
            fallbacks: list
                .iter()
                .map(|f| match f {
                    Fallback::NameUnitLocation => ecoref_transform::Fallback::NameUnitLocation,
                    Fallback::NameUnit => ecoref_transform::Fallback::NameUnit,
                })
                .collect(),
        },
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

async fn link_map_validate(ctx: &Ctx<'_>, state: &mut State) -> Result<()> {
    let pipeline = ctx.pipeline;
    let linking = pipeline.link.is_some() || pipeline.validate.is_some();
    if !linking && pipeline.map.is_none() {
        return Ok(());
    }
    let method = match &pipeline.map {
        Some(map) => Some(resolve_method_summary(ctx.store, &map.method).await?),
        None => None,
    };
    let mut with = Vec::new();
    for spec in pipeline.link.iter().flat_map(|l| &l.with) {
        with.push(resolve_ref(ctx, state, spec).await?);
    }
    let options = link_options(pipeline);
    let versions = state.versions.clone();
    for (dataset, dv, label) in &versions {
        let data = ctx.store.load_dataset(*dv).await.with_context(|| format!("cannot read dataset version {label}"))?;
        let mut deps: Vec<DatasetVersionId> = versions.iter().filter(|v| v.1 != *dv).map(|v| v.1).collect();
        for (dep, dep_label) in &with {
            if dep == dv {
                bail!("link.with {dep_label}: a dataset version is not its own dependency");
            }
            if !deps.contains(dep) {
                deps.push(*dep);
            }
        }
        let link_set = if linking {
            let (set, stored) = step(&mut state.report, format!("link {dataset}"), async {
                let (set, stored) = link_dataset(ctx.store, *dv, Some(&data), &deps, &options, true, ctx.by).await?;
                Ok(((set, stored), if stored { "ok" } else { "unchanged" }))
            })
            .await?;
            let s = &set.summary;
            state.report.links.push(LinkReport {
                dataset: label.clone(),
                dependencies: s.dependencies.clone(),
                link_set: s.id.0,
                stored,
                n_technosphere: s.n_technosphere,
                n_linked: s.n_linked,
                n_unlinked: s.n_unlinked,
                n_ambiguous: s.n_ambiguous,
                linked_share: ratio(s.n_linked, s.n_technosphere),
            });
            Some(set)
        } else {
            None
        };
        let mapping = match &method {
            Some(method) => {
                let (set, stored) = step(&mut state.report, format!("map {dataset}"), async {
                    let (set, stored) = map_dataset(ctx.store, *dv, Some(&data), method, true, ctx.by).await?;
                    Ok(((set, stored), if stored { "ok" } else { "unchanged" }))
                })
                .await?;
                let s = &set.summary;
                let max_lost = s
                    .impact_losses
                    .iter()
                    .map(|l| l.share_lost)
                    .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
                state.report.mappings.push(MappingReport {
                    dataset: label.clone(),
                    method: s.method.clone(),
                    flow_mapping_set: s.id.0,
                    stored,
                    n_source_flows: s.n_source_flows,
                    n_mapped: s.n_mapped,
                    n_unmapped: s.n_unmapped,
                    mapped_share: ratio(s.n_mapped, s.n_source_flows),
                    max_impact_lost_share: max_lost,
                });
                Some(set)
            }
            None => None,
        };
        let (Some(thresholds), Some(link_set)) = (&pipeline.validate, &link_set) else {
            continue;
        };
        let n_errors = state.n_errors.get(dataset).copied().unwrap_or(0);
        let checks = step(&mut state.report, format!("validate {dataset}"), async {
            let units = UnitTable::from_dataset(&data);
            let report = compute_validation_report(
                &data,
                ValidationInputs {
                    links: Some(&link_set.output),
                    mapping: mapping.as_ref().map(|m| &m.mapping),
                    impact_losses: mapping.as_ref().map(|m| m.summary.impact_losses.as_slice()),
                    units: Some(&units),
                },
            );
            let observed = Observed {
                n_technosphere: report.n_technosphere,
                n_unresolved: report.n_unlinked + report.n_ambiguous,
                n_elementary_flows: mapping.as_ref().map(|m| m.summary.n_source_flows.max(0) as u64),
                n_unmapped: mapping.as_ref().map(|m| m.summary.n_unmapped.max(0) as u64),
                max_impact_lost_share: mapping
                    .as_ref()
                    .and_then(|m| m.summary.impact_losses.iter().map(|l| l.share_lost).reduce(f64::max)),
                n_unit_problems: report.unit_problems.len() as u64,
                n_cycles_without_production: report.cycles_without_production.len() as u64,
                n_error_diagnostics: n_errors,
            };
            let summary = ValidationSummary {
                dataset: label.clone(),
                n_unit_problems: report.unit_problems.len() as u64,
                n_reference_problems: report.reference_problems.len() as u64,
                n_cycles_without_production: report.cycles_without_production.len() as u64,
                n_not_allocatable: report.not_allocatable.len() as u64,
            };
            let checks = thresholds.check(label, &observed);
            let status = if checks.iter().all(|c| c.passed) { "ok" } else { "rejected" };
            Ok(((summary, checks), status))
        })
        .await?;
        state.report.validations.push(checks.0);
        state.report.checks.extend(checks.1);
    }
    Ok(())
}

async fn create_release(ctx: &Ctx<'_>, state: &mut State) -> Result<()> {
    let Some(release) = &ctx.pipeline.release else {
        return Ok(());
    };
    let mut members: Vec<(DatasetVersionId, String)> =
        state.versions.iter().map(|(_, dv, label)| (*dv, label.clone())).collect();
    for include in &release.include {
        let member = resolve_ref(ctx, state, include).await?;
        if !members.iter().any(|(dv, _)| *dv == member.0) {
            members.push(member);
        }
    }
    let labels: Vec<String> = members.iter().map(|(_, l)| l.clone()).collect();
    let rejections = state.report.rejections();
    if !rejections.is_empty() {
        state.report.push_step(format!("release {}", release.name), "skipped", 0.0);
        state.report.release = Some(ReleaseReport {
            name: release.name.clone(),
            status: "skipped".to_owned(),
            datasets: labels,
            method: release.method.clone(),
            reason: Some(format!("the run was rejected: {}", rejections.join("; "))),
        });
        return Ok(());
    }
    let method = match &release.method {
        Some(spec) => Some(resolve_method_summary(ctx.store, spec).await?),
        None => None,
    };
    let status = step(&mut state.report, format!("release {}", release.name), async {
        if let Some(existing) = ctx.store.read_release(&release.name).await? {
            let have: BTreeSet<DatasetVersionId> =
                existing.summary.datasets.iter().map(|d| d.dataset_version).collect();
            let want: BTreeSet<DatasetVersionId> = members.iter().map(|(dv, _)| *dv).collect();
            let same_method = existing.summary.method.as_ref().map(|m| m.id) == method.as_ref().map(|m| m.id);
            if have == want && same_method {
                return Ok(("unchanged", "unchanged"));
            }
            let existing_labels: Vec<String> = existing.summary.datasets.iter().map(|d| d.label()).collect();
            bail!(
                "release {} exists with other content ({}, method {}): this run would make it {} with method {}; \
                 give the pipeline's release a new name",
                release.name,
                existing_labels.join(", "),
                existing.summary.method.as_ref().map_or_else(|| "none".to_owned(), |m| m.label()),
                labels.join(", "),
                method.as_ref().map_or_else(|| "none".to_owned(), |m| m.label())
            );
        }
        let new = NewRelease {
            name: release.name.clone(),
            datasets: members.iter().map(|(dv, _)| *dv).collect(),
            method: method.as_ref().map(|m| m.id),
            notes: release.notes.clone(),
            created_by: ctx.by.to_owned(),
        };
        ctx.store.create_release(&new).await.with_context(|| format!("cannot create release {}", release.name))?;
        Ok(("created", "ok"))
    })
    .await?;
    state.report.release = Some(ReleaseReport {
        name: release.name.clone(),
        status: status.to_owned(),
        datasets: labels,
        method: method.map(|m| m.label()),
        reason: None,
    });
    Ok(())
}
