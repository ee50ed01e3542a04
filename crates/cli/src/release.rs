//! Release commands: LCIA method versions (`method register`, `methods`), releases (`release create|edit|show|
//! check|publish|migrate|diff`, `releases`) and tags (`tag set`, `tags`).
//!
//! Publish-time validation goes through the transform crate ([`crate::link::validate_release`]): each dataset
//! version's stored (or freshly computed) link set against the release's other dataset versions and its flow
//! mapping set onto the release's method; the published release records which sets it was validated with.

use crate::inspect::resolve_dataset;
use crate::link::DatasetValidation;
use crate::output::{format_amount, print_listing, print_table};
use crate::{JsonFlag, Outcome};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use ecoref_store::{
    DatasetVersionId, DiffOptions, DiffTarget, IdMigration, MethodVersionId, NewMethodVersion, NewRelease,
    RegisterOutcome, ReleaseDiff, ReleaseEdit, ReleaseSummary, Store, ValidationReport, compute_diff,
};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum ReleaseCommand {
    /// Register LCIA method versions.
    #[command(subcommand)]
    Method(MethodCommand),
    /// List LCIA method versions.
    Methods(JsonFlag),
    /// Create, edit, validate, publish and compare releases.
    #[command(subcommand)]
    Release(ReleaseSub),
    /// List releases.
    Releases(JsonFlag),
    /// Point a tag at a published release.
    #[command(subcommand)]
    Tag(TagCommand),
    /// List tags (or their history).
    Tags(TagsArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum MethodCommand {
    /// Record `name@version` as the LCIA methods (indicators) and NW sets of a dataset version.
    Register(RegisterArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// `name@version`, e.g. `ef@3.1`.
    method: String,
    /// The dataset version holding the indicators, `source@N`.
    #[arg(long)]
    dataset: String,
    /// Only indicators of this methodology (`EF 3.1`) and NW sets of this method; default all.
    #[arg(long)]
    methodology: Option<String>,
    /// Take the normalization-weighting sets from this dataset version instead, `source@N` (e.g. Ecobalyse's
    /// impacts.json over EF 3.1 characterization from ILCD).
    #[arg(long)]
    weights: Option<String>,
    /// With --weights: only the set with this name (`ecs`, `pef`); repeat for several; default all.
    #[arg(long = "weights-set", requires = "weights")]
    weight_sets: Vec<String>,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct ByArg {
    /// Who does it (recorded).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub(crate) by: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReleaseSub {
    /// Create a draft release.
    Create(CreateArgs),
    /// Change a draft release.
    Edit(EditArgs),
    /// Show a release.
    Show(NameArgs),
    /// Validate a release as publishing would (exit code 1 when it is not publishable).
    Check(PublishArgs),
    /// Validate and freeze a release.
    Publish(PublishArgs),
    /// Record that a process id became another in a draft release.
    Migrate(MigrateArgs),
    /// Compare two releases or two dataset versions (`source@N`).
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    name: String,
    /// A dataset version `source@N`; repeat for several.
    #[arg(long = "dataset", required = true)]
    datasets: Vec<String>,
    /// The LCIA method version, `name@version`.
    #[arg(long)]
    method: Option<String>,
    #[arg(long)]
    notes: Option<String>,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct EditArgs {
    name: String,
    #[arg(long = "add-dataset")]
    add_datasets: Vec<String>,
    #[arg(long = "remove-dataset")]
    remove_datasets: Vec<String>,
    /// Use this method version, `name@version`.
    #[arg(long, conflicts_with = "no_method")]
    method: Option<String>,
    /// Remove the method.
    #[arg(long)]
    no_method: bool,
    #[arg(long)]
    notes: Option<String>,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct NameArgs {
    name: String,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    name: String,
    /// Accept this unmapped elementary flow (id); repeat for several.
    #[arg(long = "accept-unmapped")]
    accept_unmapped: Vec<String>,
    /// Accept the unmapped elementary flows listed in this file (one id a line, `#` comments).
    #[arg(long)]
    accept_unmapped_file: Option<PathBuf>,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    release: String,
    old_id: String,
    new_id: String,
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    by: ByArg,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The older side: a release name or a dataset version `source@N`.
    a: String,
    /// The newer side.
    b: String,
    /// Report aggregated LCIA results that moved by more than this fraction (0.01 = 1 %).
    #[arg(long, default_value_t = 0.01)]
    threshold: f64,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TagCommand {
    /// Point `tag` at a published release (the move is recorded).
    Set(TagSetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TagSetArgs {
    tag: String,
    release: String,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct TagsArgs {
    /// Every move, oldest first, instead of where each tag points now.
    #[arg(long)]
    history: bool,
    #[command(flatten)]
    json: JsonFlag,
}

pub(crate) async fn run(store: &Store, command: ReleaseCommand) -> Result<Outcome> {
    match command {
        ReleaseCommand::Method(MethodCommand::Register(args)) => register_method(store, args).await,
        ReleaseCommand::Methods(json) => list_methods(store, json).await,
        ReleaseCommand::Release(sub) => match sub {
            ReleaseSub::Create(args) => create(store, args).await,
            ReleaseSub::Edit(args) => edit(store, args).await,
            ReleaseSub::Show(args) => show(store, args).await,
            ReleaseSub::Check(args) => check(store, args).await,
            ReleaseSub::Publish(args) => publish(store, args).await,
            ReleaseSub::Migrate(args) => migrate(store, args).await,
            ReleaseSub::Diff(args) => diff(store, args).await,
        },
        ReleaseCommand::Releases(json) => list_releases(store, json).await,
        ReleaseCommand::Tag(TagCommand::Set(args)) => set_tag(store, args).await,
        ReleaseCommand::Tags(args) => list_tags(store, args).await,
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn split_method(spec: &str) -> Result<(&str, &str)> {
    spec.rsplit_once('@')
        .filter(|(name, version)| !name.is_empty() && !version.is_empty())
        .ok_or_else(|| anyhow!("a method is written name@version (e.g. ef@3.1), not {spec:?}"))
}

async fn resolve_method(store: &Store, spec: &str) -> Result<MethodVersionId> {
    let (name, version) = split_method(spec)?;
    match store.find_method_version(name, version).await? {
        Some(method) => Ok(method.id),
        None => {
            let known: Vec<String> = store.list_method_versions().await?.iter().map(|m| m.label()).collect();
            bail!(
                "no method version {spec}; known: {}",
                if known.is_empty() { "none".into() } else { known.join(", ") }
            )
        }
    }
}

async fn resolve_datasets(store: &Store, specs: &[String]) -> Result<Vec<DatasetVersionId>> {
    let mut ids = Vec::with_capacity(specs.len());
    for spec in specs {
        ids.push(resolve_dataset(store, spec).await?);
    }
    Ok(ids)
}

async fn register_method(store: &Store, args: RegisterArgs) -> Result<Outcome> {
    let (name, version) = split_method(&args.method)?;
    let dataset_version = resolve_dataset(store, &args.dataset).await?;
    let new = NewMethodVersion {
        name: name.to_owned(),
        version: version.to_owned(),
        methodology: args.methodology.clone(),
        dataset_version,
        weights: match &args.weights {
            Some(spec) => Some(resolve_dataset(store, spec).await?),
            None => None,
        },
        weight_sets: args.weight_sets.clone(),
        created_by: args.by.by.clone(),
    };
    let outcome = store.register_method_version(&new).await?;
    if args.json.json {
        print_json(&outcome)?;
        return Ok(Outcome::Ok);
    }
    let m = outcome.method();
    match &outcome {
        RegisterOutcome::Registered(_) => println!("registered method {}", m.label()),
        RegisterOutcome::Unchanged(_) => println!("method {} unchanged: same content already registered", m.label()),
    }
    println!("  from: {}", m.dataset);
    if let Some(weights) = &m.weights {
        println!("  NW sets from: {weights}");
    }
    println!("  indicators: {}  factors: {}  NW sets: {}", m.n_indicators, m.n_factors, m.n_nw_sets);
    println!("  content hash: {}", m.content_hash);
    Ok(Outcome::Ok)
}

async fn list_methods(store: &Store, json: JsonFlag) -> Result<Outcome> {
    let methods = store.list_method_versions().await?;
    print_listing(
        &methods,
        json.json,
        "no method versions yet (try: ecoref method register ef@3.1 --dataset <source@N>)",
        &["method", "methodology", "dataset", "indicators", "factors", "NW sets", "content hash", "by", "created"],
        |m| {
            vec![
                m.label(),
                m.methodology.clone().unwrap_or_else(|| "–".into()),
                m.dataset.clone(),
                m.n_indicators.to_string(),
                m.n_factors.to_string(),
                m.n_nw_sets.to_string(),
                m.content_hash.chars().take(16).collect(),
                m.created_by.clone(),
                m.created_at.clone(),
            ]
        },
    )
}

async fn create(store: &Store, args: CreateArgs) -> Result<Outcome> {
    let datasets = resolve_datasets(store, &args.datasets).await?;
    let method = match &args.method {
        Some(spec) => Some(resolve_method(store, spec).await?),
        None => None,
    };
    let new = NewRelease { name: args.name.clone(), datasets, method, notes: args.notes, created_by: args.by.by };
    let release = store.create_release(&new).await?;
    print_release(&release, args.json.json, "created draft release")
}

async fn edit(store: &Store, args: EditArgs) -> Result<Outcome> {
    let method = match (&args.method, args.no_method) {
        (Some(spec), _) => Some(Some(resolve_method(store, spec).await?)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let edit = ReleaseEdit {
        add_datasets: resolve_datasets(store, &args.add_datasets).await?,
        remove_datasets: resolve_datasets(store, &args.remove_datasets).await?,
        method,
        notes: args.notes.map(Some),
    };
    let release = store.edit_release(&args.name, &edit).await?;
    print_release(&release, args.json.json, "edited draft release")
}

fn print_release(release: &ReleaseSummary, json: bool, what: &str) -> Result<Outcome> {
    if json {
        print_json(release)?;
        return Ok(Outcome::Ok);
    }
    println!("{what} {}", release.name);
    print_release_lines(release);
    Ok(Outcome::Ok)
}

fn print_release_lines(release: &ReleaseSummary) {
    println!("  status: {}", release.status);
    let datasets: Vec<String> = release.datasets.iter().map(|d| d.label()).collect();
    println!("  datasets: {}", if datasets.is_empty() { "–".into() } else { datasets.join(", ") });
    println!("  method: {}", release.method.as_ref().map_or_else(|| "–".into(), |m| m.label()));
    if let Some(notes) = &release.notes {
        println!("  notes: {notes}");
    }
    println!("  created: {} by {}", release.created_at, release.created_by);
    if let (Some(at), Some(by)) = (&release.published_at, &release.published_by) {
        println!("  published: {at} by {by}");
    }
    if !release.tags.is_empty() {
        println!("  tags: {}", release.tags.join(", "));
    }
}

async fn show(store: &Store, args: NameArgs) -> Result<Outcome> {
    let detail = store.read_release(&args.name).await?.ok_or_else(|| anyhow!("no release {}", args.name))?;
    if args.json.json {
        print_json(&detail)?;
        return Ok(Outcome::Ok);
    }
    println!("release {}", detail.summary.name);
    print_release_lines(&detail.summary);
    println!("id migrations: {}", detail.id_migrations.len());
    for m in &detail.id_migrations {
        println!("  {} → {}  ({}, by {})", m.old_id, m.new_id, m.reason, m.created_by);
    }
    if let Some(report) = &detail.validation {
        print_validation(report);
    }
    Ok(Outcome::Ok)
}

async fn validate(store: &Store, args: &PublishArgs) -> Result<(ValidationReport, Vec<DatasetValidation>)> {
    let detail = store.read_release(&args.name).await?.ok_or_else(|| anyhow!("no release {}", args.name))?;
    let mut accepted: BTreeSet<String> = args.accept_unmapped.iter().cloned().collect();
    if let Some(path) = &args.accept_unmapped_file {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        accepted
            .extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned));
    }
    crate::link::validate_release(store, &detail, &accepted, &args.by.by).await
}

fn print_validation(report: &ValidationReport) {
    println!("validation ({})", report.validator);
    println!("  processes: {}", report.n_processes);
    println!("  technosphere exchanges: {}, unlinked: {}", report.n_technosphere_exchanges, report.unlinked.len());
    for u in report.unlinked.iter().take(10) {
        println!(
            "    process {} exchange {} flow {} {}",
            u.process_id,
            u.exchange,
            u.flow_id,
            u.flow_name.as_deref().unwrap_or("")
        );
    }
    if report.unlinked.len() > 10 {
        println!("    … {} more (--json lists all)", report.unlinked.len() - 10);
    }
    let unaccepted = report.unaccepted_unmapped_flows();
    println!(
        "  elementary flows: {}, unmapped: {} ({} accepted)",
        report.n_elementary_flows,
        report.unmapped_flows.len(),
        report.accepted_unmapped_flows.len()
    );
    for flow in unaccepted.iter().take(10) {
        println!("    {flow}");
    }
    if unaccepted.len() > 10 {
        println!("    … {} more (--json lists all)", unaccepted.len() - 10);
    }
    for input in &report.inputs {
        println!(
            "  {}: link set {}{}",
            input.dataset,
            input.link_set,
            input.flow_mapping_set.map(|s| format!(", flow mapping set {s}")).unwrap_or_default()
        );
    }
    let problems = report.problems();
    if problems.is_empty() {
        println!("  publishable: yes");
    } else {
        println!("  publishable: no: {}", problems.join("; "));
    }
}

async fn check(store: &Store, args: PublishArgs) -> Result<Outcome> {
    let (report, validations) = validate(store, &args).await?;
    if args.json.json {
        print_json(&report)?;
    } else {
        for v in &validations {
            println!("{}", v.sets_comment());
            println!(
                "{}",
                v.report.to_markdown().replacen("# Validation report", &format!("# Validation report: {}", v.label), 1)
            );
        }
        print_validation(&report);
    }
    Ok(if report.is_publishable() { Outcome::Ok } else { Outcome::Rejected })
}

async fn publish(store: &Store, args: PublishArgs) -> Result<Outcome> {
    let (report, _) = validate(store, &args).await?;
    if !args.json.json && !report.is_publishable() {
        print_validation(&report);
    }
    let release = store.publish_release(&args.name, &report, &args.by.by).await?;
    print_release(&release, args.json.json, "published release")
}

async fn migrate(store: &Store, args: MigrateArgs) -> Result<Outcome> {
    let migration =
        IdMigration { old_id: args.old_id, new_id: args.new_id, reason: args.reason, created_by: args.by.by };
    store.add_id_migration(&args.release, &migration).await?;
    println!("release {}: {} → {} ({})", args.release, migration.old_id, migration.new_id, migration.reason);
    Ok(Outcome::Ok)
}

async fn diff_target(store: &Store, spec: &str) -> Result<DiffTarget> {
    if spec.contains('@') {
        Ok(DiffTarget::Dataset(resolve_dataset(store, spec).await?))
    } else {
        Ok(DiffTarget::Release(spec.to_owned()))
    }
}

async fn diff(store: &Store, args: DiffArgs) -> Result<Outcome> {
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        bail!("--threshold must be a non-negative number, not {}", args.threshold);
    }
    let a = store.load_diff_side(&diff_target(store, &args.a).await?).await?;
    let b = store.load_diff_side(&diff_target(store, &args.b).await?).await?;
    let diff = compute_diff(&a, &b, &DiffOptions { threshold: args.threshold });
    if args.json.json {
        print_json(&diff)?;
    } else {
        print!("{}", render_diff(&diff));
    }
    Ok(Outcome::Ok)
}

fn percent(relative: Option<f64>) -> String {
    match relative {
        Some(r) => format!("{:+.2} %", r * 100.0),
        None => "n/a".to_owned(),
    }
}

/// The diff as Markdown: summary counts first, then one section per kind of change (empty ones left out).
pub(crate) fn render_diff(diff: &ReleaseDiff) -> String {
    const MAX_FACTORS: usize = 20;
    let s = &diff.summary;
    let mut out = String::new();
    let w = &mut out;
    // Writing into a String cannot fail.
    let _ = writeln!(w, "# Diff {} → {}\n", diff.a, diff.b);
    let _ = writeln!(w, "## Summary\n");
    let _ = writeln!(w, "- processes: {} → {}", s.n_processes_a, s.n_processes_b);
    let _ = writeln!(w, "- added: {}", s.n_added);
    let _ = writeln!(w, "- removed: {}", s.n_removed);
    let _ = writeln!(w, "- renamed: {}", s.n_renamed);
    let _ = writeln!(w, "- changed: {} ({} amounts)", s.n_changed, s.n_amounts_changed);
    let _ = writeln!(w, "- impact changes above {}: {}", percent(Some(diff.threshold)), s.n_impact_changes);
    let method = if s.method_changed {
        format!(
            "changed ({} indicators added, {} removed, {} changed; {} factor changes; {} NW set changes)",
            s.n_indicators_added,
            s.n_indicators_removed,
            s.n_indicators_changed,
            s.n_factors_changed,
            s.n_nw_sets_changed
        )
    } else {
        "unchanged".to_owned()
    };
    let _ = writeln!(
        w,
        "- method: {} → {}: {method}",
        diff.method.a.as_deref().unwrap_or("none"),
        diff.method.b.as_deref().unwrap_or("none")
    );
    let process_line = |p: &ecoref_store::ProcessRef| {
        format!("`{}` {}{}", p.id, p.name, p.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default())
    };
    if !diff.added.is_empty() {
        let _ = writeln!(w, "\n## Added processes\n");
        for p in &diff.added {
            let _ = writeln!(w, "- {}", process_line(p));
        }
    }
    if !diff.removed.is_empty() {
        let _ = writeln!(w, "\n## Removed processes\n");
        for p in &diff.removed {
            let _ = writeln!(w, "- {}", process_line(p));
        }
    }
    if !diff.renamed.is_empty() {
        let _ = writeln!(w, "\n## Renamed processes\n");
        for r in &diff.renamed {
            let _ = writeln!(w, "- {} → {} — {}", process_line(&r.old), process_line(&r.new), r.rule);
        }
    }
    if !diff.changed.is_empty() {
        let _ = writeln!(w, "\n## Changed processes");
        for c in &diff.changed {
            let _ = writeln!(w, "\n### {} (`{}`)\n", c.name, c.id);
            for a in &c.amounts_changed {
                let _ = writeln!(
                    w,
                    "- amount of {} (`{}`, exchange {}): {} → {} ({})",
                    a.flow.as_deref().unwrap_or("?"),
                    a.flow_id,
                    a.internal_id,
                    format_amount(a.old),
                    format_amount(a.new),
                    percent(a.relative)
                );
            }
            for (what, exchanges) in [("added", &c.exchanges_added), ("removed", &c.exchanges_removed)] {
                for e in exchanges {
                    let _ = writeln!(
                        w,
                        "- exchange {what}: {} (`{}`) {}",
                        e.flow.as_deref().unwrap_or("?"),
                        e.flow_id,
                        format_amount(e.amount)
                    );
                }
            }
            for e in &c.exchanges_changed {
                let _ = writeln!(w, "- exchange {} (`{}`) changed: {}", e.internal_id, e.flow_id, e.fields.join(", "));
            }
            for f in &c.fields_changed {
                let _ = writeln!(w, "- {}: {} → {}", f.field, f.old, f.new);
            }
        }
    }
    if !diff.impacts.is_empty() {
        let _ = writeln!(w, "\n## Impact changes above {}\n", percent(Some(diff.threshold)));
        let _ = writeln!(w, "| process | indicator | old | new | change |");
        let _ = writeln!(w, "|---|---|---|---|---|");
        for i in &diff.impacts {
            let _ = writeln!(
                w,
                "| {} (`{}`) | {} | {} | {} | {} |",
                i.process,
                i.process_id,
                i.indicator.as_deref().unwrap_or(&i.indicator_id),
                format_amount(i.old),
                format_amount(i.new),
                percent(i.relative)
            );
        }
    }
    let m = &diff.method;
    if s.method_changed {
        let _ = writeln!(w, "\n## Method changes\n");
        for i in &m.indicators_added {
            let _ = writeln!(w, "- indicator added: {} (`{}`), {} factors", i.name, i.id, i.n_factors);
        }
        for i in &m.indicators_removed {
            let _ = writeln!(w, "- indicator removed: {} (`{}`), {} factors", i.name, i.id, i.n_factors);
        }
        for c in &m.indicators_changed {
            let _ = writeln!(
                w,
                "\n### {} (`{}`): {} factors added, {} removed, {} changed\n",
                c.name,
                c.id,
                c.factors_added.len(),
                c.factors_removed.len(),
                c.factors_changed.len()
            );
            if c.unit_old != c.unit_new {
                let _ = writeln!(w, "- unit: {:?} → {:?}", c.unit_old, c.unit_new);
            }
            for f in c.factors_changed.iter().take(MAX_FACTORS) {
                let _ = writeln!(
                    w,
                    "- {} (`{}`): {} → {}",
                    f.flow.as_deref().unwrap_or("?"),
                    f.flow_id,
                    format_amount(Some(f.old)),
                    format_amount(Some(f.new))
                );
            }
            for f in c.factors_added.iter().take(MAX_FACTORS) {
                let _ = writeln!(
                    w,
                    "- added {} (`{}`): {}",
                    f.flow.as_deref().unwrap_or("?"),
                    f.flow_id,
                    format_amount(Some(f.value))
                );
            }
            for f in c.factors_removed.iter().take(MAX_FACTORS) {
                let _ = writeln!(
                    w,
                    "- removed {} (`{}`): {}",
                    f.flow.as_deref().unwrap_or("?"),
                    f.flow_id,
                    format_amount(Some(f.value))
                );
            }
            let shown = c.factors_changed.len().min(MAX_FACTORS)
                + c.factors_added.len().min(MAX_FACTORS)
                + c.factors_removed.len().min(MAX_FACTORS);
            let total = c.factors_changed.len() + c.factors_added.len() + c.factors_removed.len();
            if total > shown {
                let _ = writeln!(w, "- … {} more (--json lists all)", total - shown);
            }
        }
        for name in &m.nw_sets_added {
            let _ = writeln!(w, "- NW set added: {name}");
        }
        for name in &m.nw_sets_removed {
            let _ = writeln!(w, "- NW set removed: {name}");
        }
        for c in &m.nw_sets_changed {
            let _ = writeln!(w, "\n### NW set {}\n", c.name);
            for e in &c.entries_changed {
                let _ = writeln!(
                    w,
                    "- {}: normalization {} → {}, weighting {} → {}",
                    e.category,
                    format_amount(e.normalization_old),
                    format_amount(e.normalization_new),
                    format_amount(e.weighting_old),
                    format_amount(e.weighting_new)
                );
            }
            for category in &c.categories_added {
                let _ = writeln!(w, "- category added: {category}");
            }
            for category in &c.categories_removed {
                let _ = writeln!(w, "- category removed: {category}");
            }
        }
    }
    if !diff.proposed_migrations.is_empty() {
        let _ = writeln!(w, "\n## Proposed id migrations\n");
        for p in &diff.proposed_migrations {
            let _ = writeln!(
                w,
                "- `ecoref release migrate {} {} {} --reason \"{}\"`",
                diff.b, p.old_id, p.new_id, p.reason
            );
        }
    }
    out
}

async fn list_releases(store: &Store, json: JsonFlag) -> Result<Outcome> {
    let releases = store.list_releases().await?;
    print_listing(
        &releases,
        json.json,
        "no releases yet (try: ecoref release create <name> --dataset <source@N> --method <name@version>)",
        &["release", "status", "datasets", "method", "tags", "published", "notes"],
        |r| {
            vec![
                r.name.clone(),
                r.status.clone(),
                r.datasets.iter().map(|d| d.label()).collect::<Vec<_>>().join(" "),
                r.method.as_ref().map_or_else(|| "–".into(), |m| m.label()),
                r.tags.join(" "),
                r.published_at.clone().unwrap_or_else(|| "–".into()),
                r.notes.clone().unwrap_or_default(),
            ]
        },
    )
}

async fn set_tag(store: &Store, args: TagSetArgs) -> Result<Outcome> {
    let moved = store.set_tag(&args.tag, &args.release, &args.by.by).await?;
    if args.json.json {
        print_json(&moved)?;
        return Ok(Outcome::Ok);
    }
    match (&moved.previous, moved.moved) {
        (_, false) => println!("tag {} already points to {}", moved.tag, moved.release),
        (Some(previous), true) => println!("tag {} moved from {previous} to {}", moved.tag, moved.release),
        (None, true) => println!("tag {} set to {}", moved.tag, moved.release),
    }
    Ok(Outcome::Ok)
}

async fn list_tags(store: &Store, args: TagsArgs) -> Result<Outcome> {
    if args.history {
        let history = store.tag_history(None).await?;
        if args.json.json {
            print_json(&history)?;
            return Ok(Outcome::Ok);
        }
        let rows: Vec<Vec<String>> = history
            .iter()
            .map(|e| vec![e.tag.clone(), e.release.clone(), e.set_by.clone(), e.set_at.clone()])
            .collect();
        print_table(&["tag", "release", "by", "at"], &rows);
        return Ok(Outcome::Ok);
    }
    let tags = store.list_tags().await?;
    if args.json.json {
        print_json(&tags)?;
        return Ok(Outcome::Ok);
    }
    if tags.is_empty() {
        println!("no tags yet (try: ecoref tag set latest <release>)");
        return Ok(Outcome::Ok);
    }
    let rows: Vec<Vec<String>> = tags
        .iter()
        .map(|t| vec![t.tag.clone(), t.release.clone(), t.set_by.clone(), t.set_at.clone(), t.n_moves.to_string()])
        .collect();
    print_table(&["tag", "release", "by", "set", "moves"], &rows);
    Ok(Outcome::Ok)
}
