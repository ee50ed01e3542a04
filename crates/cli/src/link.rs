//! Link tables, flow mappings and validation reports of dataset versions: `ecoref link`, `ecoref map`,
//! `ecoref validate`, and the publish-time validation of releases built on them.
//!
//! The transform crate computes (pure), the store keeps the results as insert-only, content-hashed link sets and
//! flow mapping sets; this module loads the dataset versions, runs the transforms and stores what they return. A
//! validation reuses the stored set computed from the same inputs (same dataset versions, options and transform
//! version), else computes and stores it.

use crate::inspect::resolve_dataset;
use crate::output::print_table;
use crate::{JsonFlag, Outcome};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use ecoref_model::{Dataset, ExchangeKind, Flow, FlowKind};
use ecoref_store::{
    DatasetVersionId, MethodVersionSummary, NewFlowMappingSet, NewLinkSet, ReleaseDetail, Store, StoredFlowMappingSet,
    StoredLinkSet, UnlinkedExchange, ValidationInput, ValidationReport, flow_mapping_set_inputs_key,
    link_set_inputs_key,
};
use ecoref_transform::{
    Fallback, LinkOptions, MappingOptions, TRANSFORM_VERSION, UnitTable, ValidationInputs, compute_flow_mapping,
    compute_links, compute_unmapped_shares, compute_validation_report, flows_from_factor_references,
};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

#[derive(Debug, Subcommand)]
pub(crate) enum LinkCommand {
    /// Link the technosphere exchanges of a dataset version to their providers and store the link table.
    Link(LinkArgs),
    /// Map the elementary flows of a dataset version onto the flows of an LCIA method version and store it.
    Map(MapArgs),
    /// Print the validation report of a dataset version (links, unmapped flows, units, reference products, cycles).
    Validate(ValidateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FallbackArg {
    NameUnitLocation,
    NameUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LinkTsv {
    /// The link table (process, exchange, flow, provider, provider dataset, rule), as stored.
    Links,
    /// The unlinked and ambiguous exchanges with their candidates, as stored.
    Unresolved,
}

#[derive(Debug, Args)]
pub(crate) struct LinkArgs {
    /// The dataset version to link, `source@N`.
    dataset: String,
    /// A dependency dataset version searched after the dataset itself, `source@N`; repeat for several (in order).
    #[arg(long = "with")]
    with: Vec<String>,
    /// Fallback rules after the source-defined ones, in order (default: name-unit-location,name-unit).
    #[arg(long, value_enum, value_delimiter = ',', conflicts_with = "no_fallback")]
    fallback: Option<Vec<FallbackArg>>,
    /// No fallback rule: link only by what the source names.
    #[arg(long)]
    no_fallback: bool,
    /// How many unlinked and ambiguous exchanges the summary lists (--json lists all).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print the stored link table or unresolved exchanges as TSV instead of a summary.
    #[arg(long, value_enum, conflicts_with = "json")]
    tsv: Option<LinkTsv>,
    #[command(flatten)]
    by: crate::release::ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct MapArgs {
    /// The dataset version whose elementary flows are mapped, `source@N`.
    dataset: String,
    /// The LCIA method version whose flows are the targets, `name@version`.
    #[arg(long)]
    method: String,
    /// How many unmapped flows the summary lists (--json lists all).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print the stored mapping as TSV instead of a summary.
    #[arg(long, conflicts_with = "json")]
    tsv: bool,
    #[command(flatten)]
    by: crate::release::ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The dataset version, `source@N`.
    dataset: String,
    /// Map the elementary flows onto this LCIA method version, `name@version` (unmapped flows, impact lost).
    #[arg(long)]
    method: Option<String>,
    /// Markdown (the default).
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    #[command(flatten)]
    by: crate::release::ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

pub(crate) async fn run(store: &Store, command: LinkCommand) -> Result<Outcome> {
    match command {
        LinkCommand::Link(args) => link(store, args).await,
        LinkCommand::Map(args) => map(store, args).await,
        LinkCommand::Validate(args) => validate(store, args).await,
    }
}

/// `source@N` of a dataset version.
pub(crate) async fn dataset_label(store: &Store, dv: DatasetVersionId) -> Result<String> {
    store
        .list_dataset_versions()
        .await?
        .into_iter()
        .find(|v| v.id == dv)
        .map(|v| format!("{}@{}", v.source_name, v.version_number))
        .ok_or_else(|| anyhow!("dataset version {dv} does not exist"))
}

async fn load_dataset(store: &Store, dv: DatasetVersionId, label: &str) -> Result<Dataset> {
    store.load_dataset(dv).await.with_context(|| format!("cannot read dataset version {label}"))
}

/// The label of `dv` and its dataset: `given` when the caller has it loaded already, else read from the store.
async fn label_and_dataset<'a>(
    store: &Store,
    dv: DatasetVersionId,
    given: Option<&'a Dataset>,
) -> Result<(String, Cow<'a, Dataset>)> {
    let label = dataset_label(store, dv).await?;
    let dataset = match given {
        Some(d) => Cow::Borrowed(d),
        None => Cow::Owned(load_dataset(store, dv, &label).await?),
    };
    Ok((label, dataset))
}

/// Links `dv` against `deps` (in order) and stores the link set; with `reuse`, a link set stored from the same
/// inputs is returned without computing.
pub(crate) async fn link_dataset(
    store: &Store,
    dv: DatasetVersionId,
    dataset: Option<&Dataset>,
    deps: &[DatasetVersionId],
    options: &LinkOptions,
    reuse: bool,
    by: &str,
) -> Result<(StoredLinkSet, bool)> {
    let describe = options.describe();
    if reuse {
        let key = link_set_inputs_key(dv, deps, &describe, TRANSFORM_VERSION);
        if let Some(found) = store.find_link_set(&key).await? {
            return Ok((store.load_link_set(found.id).await?, false));
        }
    }
    let (label, dataset) = label_and_dataset(store, dv, dataset).await?;
    let dataset = dataset.as_ref();
    let mut dependencies = Vec::with_capacity(deps.len());
    for dep in deps {
        let dep_label = dataset_label(store, *dep).await?;
        let dep_dataset = load_dataset(store, *dep, &dep_label).await?;
        dependencies.push((dep_label, dep_dataset));
    }
    let refs: Vec<(&str, &Dataset)> = dependencies.iter().map(|(l, d)| (l.as_str(), d)).collect();
    let started = std::time::Instant::now();
    let output = compute_links(dataset, &refs, options);
    tracing::info!(
        dataset = %label,
        n_technosphere = output.n_technosphere,
        n_linked = output.n_linked(),
        seconds = started.elapsed().as_secs_f64(),
        "Linked."
    );
    let saved = store
        .save_link_set(&NewLinkSet {
            dataset_version: dv,
            dependencies: deps.to_vec(),
            options: describe,
            transform_version: TRANSFORM_VERSION.to_owned(),
            output: &output,
            created_by: by.to_owned(),
        })
        .await?;
    Ok((store.load_link_set(saved.summary.id).await?, saved.inserted))
}

fn is_elementary(flow: &Flow) -> bool {
    !matches!(flow.kind, Some(FlowKind::Product | FlowKind::Waste))
}

/// Maps the elementary flows of `dv` onto the flows `method` characterizes (those of its dataset, else
/// synthesized from the factors' flow references) and stores the set; with `reuse`, a set stored from the same
/// inputs is returned without computing.
pub(crate) async fn map_dataset(
    store: &Store,
    dv: DatasetVersionId,
    dataset: Option<&Dataset>,
    method: &MethodVersionSummary,
    reuse: bool,
    by: &str,
) -> Result<(StoredFlowMappingSet, bool)> {
    let options = MappingOptions::default();
    let describe = options.describe();
    if reuse {
        let key = flow_mapping_set_inputs_key(dv, method.id, &describe, TRANSFORM_VERSION);
        if let Some(found) = store.find_flow_mapping_set(&key).await? {
            return Ok((store.load_flow_mapping_set(found.id).await?, false));
        }
    }
    let (_, dataset) = label_and_dataset(store, dv, dataset).await?;
    let dataset = dataset.as_ref();
    let content = store.load_method_content(method.id).await?;
    let factor_flows: HashSet<&str> =
        content.indicators.iter().flat_map(|m| &m.factors).map(|f| f.flow.id.as_str()).collect();
    // Only the method dataset's flows are used: its exchanges (850,000 when an ILCD release carries its
    // processes along with the method) are not read.
    let method_dataset = if method.dataset_version == dv {
        None
    } else {
        let read = store.load_dataset_without_exchanges(method.dataset_version).await;
        Some(read.with_context(|| format!("cannot read dataset version {}", method.dataset))?)
    };
    let mut targets: Vec<Flow> = method_dataset
        .as_ref()
        .unwrap_or(dataset)
        .flows
        .iter()
        .filter(|f| factor_flows.contains(f.id.id.as_str()))
        .cloned()
        .collect();
    let synthesized = flows_from_factor_references(&content.indicators, &targets);
    targets.extend(synthesized.iter().cloned());
    let mapping = compute_flow_mapping(&dataset.flows, &targets, &options);
    let losses = compute_unmapped_shares(dataset, &mapping, &content.indicators, &targets);
    let saved = store
        .save_flow_mapping_set(&NewFlowMappingSet {
            dataset_version: dv,
            method_version: method.id,
            options: describe,
            transform_version: TRANSFORM_VERSION.to_owned(),
            mapping: &mapping,
            impact_losses: &losses,
            n_source_flows: dataset.flows.iter().filter(|f| is_elementary(f)).count() as u64,
            n_target_flows: targets.len() as u64,
            n_target_synthesized: synthesized.len() as u64,
            created_by: by.to_owned(),
        })
        .await?;
    Ok((store.load_flow_mapping_set(saved.summary.id).await?, saved.inserted))
}

fn link_options(args: &LinkArgs) -> LinkOptions {
    if args.no_fallback {
        return LinkOptions { fallbacks: Vec::new() };
    }
    match &args.fallback {
        None => LinkOptions::default(),
        Some(list) => LinkOptions {
            fallbacks: list
                .iter()
                .map(|f| match f {
                    FallbackArg::NameUnitLocation => Fallback::NameUnitLocation,
                    FallbackArg::NameUnit => Fallback::NameUnit,
                })
                .collect(),
        },
    }
}

#[derive(Debug, Serialize)]
struct LinkReport<'a> {
    stored: bool,
    link_set: &'a ecoref_store::LinkSetSummary,
    linked_by_rule: BTreeMap<&'static str, u64>,
    links: &'a [ecoref_transform::ExchangeLink],
    unresolved: &'a [ecoref_transform::UnresolvedExchange],
    diagnostics: &'a [ecoref_model::Diagnostic],
}

async fn link(store: &Store, args: LinkArgs) -> Result<Outcome> {
    let dv = resolve_dataset(store, &args.dataset).await?;
    let mut deps = Vec::with_capacity(args.with.len());
    for spec in &args.with {
        let dep = resolve_dataset(store, spec).await?;
        if dep == dv {
            return Err(anyhow!("--with {spec}: a dataset version is not its own dependency"));
        }
        deps.push(dep);
    }
    let options = link_options(&args);
    let (stored, inserted) = link_dataset(store, dv, None, &deps, &options, false, &args.by.by).await?;
    let output = &stored.output;
    let mut by_rule: BTreeMap<&'static str, u64> = BTreeMap::new();
    for link in &output.table.links {
        *by_rule.entry(link.rule.as_str()).or_insert(0) += 1;
    }
    match args.tsv {
        Some(LinkTsv::Links) => {
            print!("{}", output.table.to_tsv());
            return Ok(Outcome::Ok);
        }
        Some(LinkTsv::Unresolved) => {
            print!("{}", output.unresolved_to_tsv());
            return Ok(Outcome::Ok);
        }
        None => {}
    }
    if args.json.json {
        let report = LinkReport {
            stored: inserted,
            link_set: &stored.summary,
            linked_by_rule: by_rule,
            links: &output.table.links,
            unresolved: &output.unresolved,
            diagnostics: &output.diagnostics,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(Outcome::Ok);
    }
    let s = &stored.summary;
    println!(
        "{} link set {} of {}{}",
        if inserted { "stored" } else { "unchanged: identical to" },
        s.id,
        s.dataset,
        if s.dependencies.is_empty() { String::new() } else { format!(" with {}", s.dependencies.join(", ")) }
    );
    println!("  options: {}  transform: {}", s.options, s.transform_version);
    println!(
        "  technosphere exchanges: {}  linked: {}  unlinked: {}  ambiguous: {}",
        s.n_technosphere, s.n_linked, s.n_unlinked, s.n_ambiguous
    );
    for (rule, n) in &by_rule {
        println!("    by {rule}: {n}");
    }
    print_unresolved(output, args.limit);
    println!("  content hash: {}", s.content_hash);
    Ok(Outcome::Ok)
}

fn print_unresolved(output: &ecoref_transform::LinkOutput, limit: usize) {
    for (what, ambiguous) in [("ambiguous", true), ("unlinked", false)] {
        let list: Vec<_> = output.unresolved.iter().filter(|u| u.ambiguous == ambiguous).collect();
        if list.is_empty() {
            continue;
        }
        println!("  {what} (first {} of {}):", limit.min(list.len()), list.len());
        for u in list.iter().take(limit) {
            let candidates: Vec<String> = u
                .candidates
                .iter()
                .map(|c| match &c.dataset {
                    Some(d) => format!("{d}:{}", c.process),
                    None => c.process.to_string(),
                })
                .collect();
            let listed = if candidates.is_empty() {
                String::new()
            } else if ambiguous {
                format!(" — candidates: {}", candidates.join(", "))
            } else {
                format!(" — same name, other unit or location: {}", candidates.join(", "))
            };
            println!("    {} / {}: {}{listed}", u.process, u.exchange, u.flow_name);
        }
    }
}

pub(crate) async fn resolve_method_summary(store: &Store, spec: &str) -> Result<MethodVersionSummary> {
    let (name, version) = spec
        .rsplit_once('@')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .ok_or_else(|| anyhow!("a method is written name@version (e.g. ef@3.1), not {spec:?}"))?;
    store.find_method_version(name, version).await?.ok_or_else(|| anyhow!("no method version {spec}"))
}

async fn map(store: &Store, args: MapArgs) -> Result<Outcome> {
    let dv = resolve_dataset(store, &args.dataset).await?;
    let method = resolve_method_summary(store, &args.method).await?;
    let (stored, inserted) = map_dataset(store, dv, None, &method, false, &args.by.by).await?;
    if args.tsv {
        print!("{}", stored.mapping.to_tsv());
        return Ok(Outcome::Ok);
    }
    if args.json.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "stored": inserted, "flow_mapping_set": stored.summary, "mapping": stored.mapping })
            )?
        );
        return Ok(Outcome::Ok);
    }
    let s = &stored.summary;
    println!(
        "{} flow mapping set {} of {} onto {}",
        if inserted { "stored" } else { "unchanged: identical to" },
        s.id,
        s.dataset,
        s.method
    );
    println!(
        "  elementary flows: {}  mapped: {}  unmapped: {}  (method flows: {}, {} synthesized from factor references)",
        s.n_source_flows, s.n_mapped, s.n_unmapped, s.n_target_flows, s.n_target_synthesized
    );
    for (rule, n) in stored.mapping.counts_by_rule() {
        println!("    by {rule}: {n}");
    }
    if !stored.mapping.unmapped.is_empty() {
        println!("  unmapped (first {} of {}):", args.limit.min(s.n_unmapped as usize), s.n_unmapped);
        for u in stored.mapping.unmapped.iter().take(args.limit) {
            println!("    {} {} [{}]: {}", u.flow, u.name, u.compartment.as_deref().unwrap_or("?"), u.reason);
        }
    }
    if !s.impact_losses.is_empty() {
        println!("  impact missed by unmapped flows:");
        let rows: Vec<Vec<String>> = s
            .impact_losses
            .iter()
            .map(|l| {
                vec![
                    l.method_name.clone(),
                    format!("{:.2} %", l.share_lost * 100.0),
                    l.n_flows_lost.to_string(),
                    l.n_flows_without_estimate.to_string(),
                ]
            })
            .collect();
        print_table(&["indicator", "share lost (estimate)", "flows lost", "flows without estimate"], &rows);
    }
    println!("  content hash: {}", s.content_hash);
    Ok(Outcome::Ok)
}

/// The transform validation report of one dataset version, from its link set (against `deps`) and, given a
/// method, its flow mapping set.
pub(crate) struct DatasetValidation {
    pub(crate) label: String,
    pub(crate) dataset: Dataset,
    pub(crate) link_set: StoredLinkSet,
    pub(crate) mapping: Option<StoredFlowMappingSet>,
    pub(crate) report: ecoref_transform::ValidationReport,
}

impl DatasetValidation {
    /// `<!-- label: link set N, flow mapping set M onto method -->`, the line before a validation report.
    pub(crate) fn sets_comment(&self) -> String {
        format!(
            "<!-- {}: link set {}{} -->",
            self.label,
            self.link_set.summary.id,
            match &self.mapping {
                Some(m) => format!(", flow mapping set {} onto {}", m.summary.id, m.summary.method),
                None => String::new(),
            }
        )
    }
}

impl std::fmt::Debug for DatasetValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetValidation").field("label", &self.label).finish_non_exhaustive()
    }
}

pub(crate) async fn validate_dataset(
    store: &Store,
    dv: DatasetVersionId,
    deps: &[DatasetVersionId],
    method: Option<&MethodVersionSummary>,
    by: &str,
) -> Result<DatasetValidation> {
    let label = dataset_label(store, dv).await?;
    let dataset = load_dataset(store, dv, &label).await?;
    let (link_set, _) = link_dataset(store, dv, Some(&dataset), deps, &LinkOptions::default(), true, by).await?;
    let mapping = match method {
        Some(m) => Some(map_dataset(store, dv, Some(&dataset), m, true, by).await?.0),
        None => None,
    };
    let units = UnitTable::from_dataset(&dataset);
    let report = compute_validation_report(
        &dataset,
        ValidationInputs {
            links: Some(&link_set.output),
            mapping: mapping.as_ref().map(|m| &m.mapping),
            impact_losses: mapping.as_ref().map(|m| m.summary.impact_losses.as_slice()),
            units: Some(&units),
        },
    );
    Ok(DatasetValidation { label, dataset, link_set, mapping, report })
}

/// What the validator records with a release.
fn validator() -> String {
    format!(
        "ecoref-transform {TRANSFORM_VERSION} (links: {}; flow mapping: {})",
        LinkOptions::default().describe(),
        MappingOptions::default().describe()
    )
}

/// The publish-time validation of a release: each dataset version linked against the others (in release order)
/// and mapped onto the release's method, through stored link sets and flow mapping sets.
pub(crate) async fn validate_release(
    store: &Store,
    detail: &ReleaseDetail,
    accepted: &BTreeSet<String>,
    by: &str,
) -> Result<(ValidationReport, Vec<DatasetValidation>)> {
    let members: Vec<DatasetVersionId> = detail.summary.datasets.iter().map(|d| d.dataset_version).collect();
    let method = detail.summary.method.as_ref();
    let mut report = ValidationReport { validator: validator(), ..ValidationReport::default() };
    let mut validations = Vec::with_capacity(members.len());
    let mut elementary: BTreeSet<String> = BTreeSet::new();
    let mut unmapped: BTreeSet<String> = BTreeSet::new();
    for &dv in &members {
        let deps: Vec<DatasetVersionId> = members.iter().copied().filter(|d| *d != dv).collect();
        let v = validate_dataset(store, dv, &deps, method, by).await?;
        report.n_processes += v.dataset.processes.len() as u64;
        report.n_technosphere_exchanges += v.link_set.output.n_technosphere;
        report.unlinked.extend(v.link_set.output.unresolved.iter().map(|u| UnlinkedExchange {
            process_id: u.process.id.clone(),
            exchange: u.exchange.clone(),
            flow_id: u.flow.clone(),
            flow_name: Some(u.flow_name.clone()),
        }));
        for exchange in v.dataset.processes.iter().flat_map(|p| &p.exchanges) {
            if exchange.kind != Some(ExchangeKind::Biosphere) {
                continue;
            }
            let flow = exchange.flow.id.as_str();
            elementary.insert(flow.to_owned());
            let mapped = v.mapping.as_ref().is_some_and(|m| m.mapping.target_of(flow).is_some());
            if !mapped {
                unmapped.insert(flow.to_owned());
            }
        }
        report.inputs.push(ValidationInput {
            dataset_version: dv,
            dataset: v.label.clone(),
            link_set: v.link_set.summary.id,
            flow_mapping_set: v.mapping.as_ref().map(|m| m.summary.id),
        });
        validations.push(v);
    }
    report.unlinked.sort();
    report.n_elementary_flows = elementary.len() as u64;
    report.unmapped_flows = unmapped.into_iter().collect();
    report.accepted_unmapped_flows = report.unmapped_flows.iter().filter(|f| accepted.contains(*f)).cloned().collect();
    Ok((report, validations))
}

async fn validate(store: &Store, args: ValidateArgs) -> Result<Outcome> {
    let dv = resolve_dataset(store, &args.dataset).await?;
    let method = match &args.method {
        Some(spec) => Some(resolve_method_summary(store, spec).await?),
        None => None,
    };
    let v = validate_dataset(store, dv, &[], method.as_ref(), &args.by.by).await?;
    if args.json.json {
        println!("{}", v.report.to_json()?);
    } else {
        println!("{}", v.sets_comment());
        print!("{}", v.report.to_markdown());
    }
    Ok(Outcome::Ok)
}
