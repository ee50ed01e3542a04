//! The run report: what a pipeline run read, imported, linked, mapped and checked, and how long each step took,
//! as JSON (for machines) and Markdown (for people). Pure: building, judging and rendering do no I/O.

use crate::spec::Thresholds;
use ecoref_model::Counts;
use ecoref_store::PipelineRunStatus;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Everything a pipeline run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub pipeline: String,
    pub file: String,
    pub spec_sha256: String,
    pub pipeline_run: Option<i64>,
    pub started_at: Option<String>,
    pub status: PipelineRunStatus,
    /// One line that says what happened (`unchanged: all 2 sources unchanged; nothing stored`).
    pub message: String,
    pub error: Option<String>,
    pub seconds: f64,
    pub inputs: Vec<InputReport>,
    pub imports: Vec<ImportReport>,
    pub methods: Vec<MethodReport>,
    pub links: Vec<LinkReport>,
    pub mappings: Vec<MappingReport>,
    pub validations: Vec<ValidationSummary>,
    pub checks: Vec<ThresholdCheck>,
    pub release: Option<ReleaseReport>,
    pub steps: Vec<StepReport>,
}

/// One input file, as hashed for its import run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    pub dataset: String,
    /// The file name recorded with the import run.
    pub name: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub url: Option<String>,
    pub licence_class: Option<String>,
    /// How it was fetched, for URL inputs.
    pub fetch: Option<FetchReport>,
}

/// How a URL input was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchReport {
    pub from_cache: bool,
    pub n_attempts: u32,
    pub bytes_downloaded: u64,
    pub resumed_from: Option<u64>,
}

/// One import run the pipeline started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub dataset: String,
    pub format: String,
    pub run: i64,
    /// `succeeded` or `unchanged`.
    pub status: String,
    /// `source@N`.
    pub dataset_version: String,
    /// Rows loaded (a fresh load only).
    pub counts: Option<Counts>,
    pub n_rejected: u64,
    /// Diagnostics of this run, or of the run whose result it reused (see `diagnostics_from_run`).
    pub n_diagnostics: u64,
    pub diagnostics_by_code: Vec<CodeCount>,
    /// The earlier run whose inputs were identical, when this one read nothing.
    pub diagnostics_from_run: Option<i64>,
    pub message: String,
}

/// How many diagnostics of one code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CodeCount {
    pub severity: String,
    pub code: String,
    pub count: u64,
}

/// A method version registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodReport {
    /// `name@version`.
    pub method: String,
    pub dataset: String,
    /// `registered` or `unchanged`.
    pub status: String,
    pub n_indicators: i64,
    pub n_factors: i64,
}

/// The link set of one dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkReport {
    pub dataset: String,
    pub dependencies: Vec<String>,
    pub link_set: i64,
    /// Stored by this run (else an identical set was stored before).
    pub stored: bool,
    pub n_technosphere: i64,
    pub n_linked: i64,
    pub n_unlinked: i64,
    pub n_ambiguous: i64,
    /// linked / technosphere exchanges; `None` without technosphere exchanges.
    pub linked_share: Option<f64>,
}

/// The flow mapping set of one dataset version onto a method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingReport {
    pub dataset: String,
    pub method: String,
    pub flow_mapping_set: i64,
    pub stored: bool,
    pub n_source_flows: i64,
    pub n_mapped: i64,
    pub n_unmapped: i64,
    /// mapped / elementary flows; `None` without elementary flows.
    pub mapped_share: Option<f64>,
    /// The largest estimated share of an indicator's impact missed by unmapped flows.
    pub max_impact_lost_share: Option<f64>,
}

/// What the validation of one dataset version found besides links and mappings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationSummary {
    pub dataset: String,
    pub n_unit_problems: u64,
    pub n_reference_problems: u64,
    pub n_cycles_without_production: u64,
    pub n_not_allocatable: u64,
}

/// One threshold of `[validate]` against what one dataset version shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCheck {
    pub dataset: String,
    pub threshold: String,
    pub limit: f64,
    pub value: f64,
    pub passed: bool,
}

/// The release draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseReport {
    pub name: String,
    /// `created`, `unchanged` (it exists with the same content) or `skipped`.
    pub status: String,
    pub datasets: Vec<String>,
    pub method: Option<String>,
    pub reason: Option<String>,
}

/// How long one step took and how it ended (`ok`, `unchanged`, `skipped`, `failed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: String,
    pub status: String,
    pub seconds: f64,
}

/// What the validation of one dataset version measured, for [`Thresholds::check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub n_technosphere: u64,
    /// Unlinked + ambiguous.
    pub n_unresolved: u64,
    /// With a mapping: elementary flows and how many stayed unmapped.
    pub n_elementary_flows: Option<u64>,
    pub n_unmapped: Option<u64>,
    pub max_impact_lost_share: Option<f64>,
    pub n_unit_problems: u64,
    pub n_cycles_without_production: u64,
    pub n_error_diagnostics: u64,
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

impl Thresholds {
    /// Each threshold set, against `observed`; a value equal to its limit passes.
    pub fn check(&self, dataset: &str, observed: &Observed) -> Vec<ThresholdCheck> {
        let shares = [
            (
                "max_unlinked_share",
                self.max_unlinked_share,
                Some(share(observed.n_unresolved, observed.n_technosphere)),
            ),
            (
                "max_unmapped_share",
                self.max_unmapped_share,
                observed.n_unmapped.zip(observed.n_elementary_flows).map(|(part, whole)| share(part, whole)),
            ),
            ("max_impact_lost_share", self.max_impact_lost_share, Some(observed.max_impact_lost_share.unwrap_or(0.0))),
        ];
        let counts = [
            ("max_unit_problems", self.max_unit_problems, observed.n_unit_problems),
            ("max_cycles_without_production", self.max_cycles_without_production, observed.n_cycles_without_production),
            ("max_error_diagnostics", self.max_error_diagnostics, observed.n_error_diagnostics),
        ];
        let mut checks = Vec::new();
        for (threshold, limit, value) in shares {
            if let (Some(limit), Some(value)) = (limit, value) {
                checks.push(ThresholdCheck {
                    dataset: dataset.to_owned(),
                    threshold: threshold.to_owned(),
                    limit,
                    value,
                    passed: value <= limit,
                });
            }
        }
        for (threshold, limit, value) in counts {
            if let Some(limit) = limit {
                checks.push(ThresholdCheck {
                    dataset: dataset.to_owned(),
                    threshold: threshold.to_owned(),
                    limit: limit as f64,
                    value: value as f64,
                    passed: value <= limit,
                });
            }
        }
        checks
    }
}

impl Report {
    /// An empty report of a run that is starting.
    pub fn new(pipeline: &crate::Pipeline) -> Report {
        Report {
            pipeline: pipeline.name.clone(),
            file: pipeline.file.display().to_string(),
            spec_sha256: pipeline.spec_sha256.clone(),
            pipeline_run: None,
            started_at: None,
            status: PipelineRunStatus::Succeeded,
            message: String::new(),
            error: None,
            seconds: 0.0,
            inputs: Vec::new(),
            imports: Vec::new(),
            methods: Vec::new(),
            links: Vec::new(),
            mappings: Vec::new(),
            validations: Vec::new(),
            checks: Vec::new(),
            release: None,
            steps: Vec::new(),
        }
    }

    /// Records a step.
    pub fn push_step(&mut self, step: impl Into<String>, status: &str, seconds: f64) {
        self.steps.push(StepReport { step: step.into(), status: status.to_owned(), seconds });
    }

    /// Whether the run was rejected so far: data sets rejected by a reader, or a threshold exceeded.
    pub fn rejections(&self) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .imports
            .iter()
            .filter(|i| i.n_rejected > 0)
            .map(|i| format!("{}: {} data sets rejected by the reader", i.dataset, i.n_rejected))
            .collect();
        reasons.extend(self.checks.iter().filter(|c| !c.passed).map(|c| {
            format!("{}: {} {} > {}", c.dataset, c.threshold, format_number(c.value), format_number(c.limit))
        }));
        reasons
    }

    /// Sets the final status and message from what the steps recorded and the error that stopped the run.
    pub fn finish(&mut self, error: Option<String>, seconds: f64) {
        self.seconds = seconds;
        let rejections = self.rejections();
        let n_sources = self.imports.len();
        let n_imported = self.imports.iter().filter(|i| i.status == "succeeded").count();
        let n_links = self.links.iter().filter(|l| l.stored).count();
        let n_mappings = self.mappings.iter().filter(|m| m.stored).count();
        let n_methods = self.methods.iter().filter(|m| m.status == "registered").count();
        let release_created = self.release.as_ref().is_some_and(|r| r.status == "created");
        let changed = n_imported + n_links + n_mappings + n_methods > 0 || release_created;
        (self.status, self.message) = if let Some(error) = &error {
            (PipelineRunStatus::Failed, format!("failed: {error}"))
        } else if !rejections.is_empty() {
            (PipelineRunStatus::Rejected, format!("rejected: {}", rejections.join("; ")))
        } else if !changed {
            (
                PipelineRunStatus::Unchanged,
                format!(
                    "unchanged: all {n_sources} sources unchanged and every result already stored; no rows written"
                ),
            )
        } else {
            let mut parts = Vec::new();
            if n_imported > 0 {
                parts.push(format!("{n_imported} of {n_sources} sources imported"));
            }
            for (n, what) in [
                (n_methods, "method versions registered"),
                (n_links, "link sets stored"),
                (n_mappings, "flow mapping sets stored"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            if let Some(release) = self.release.as_ref().filter(|_| release_created) {
                parts.push(format!("release {} created", release.name));
            }
            if n_imported == 0 {
                parts.push(format!("all {n_sources} sources unchanged"));
            }
            (PipelineRunStatus::Succeeded, format!("succeeded: {}", parts.join(", ")))
        };
        self.error = error;
    }

    /// The report as Markdown; sections without content are left out.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        // Writing into a String cannot fail.
        let _ = writeln!(w, "# Pipeline run: {}\n", self.pipeline);
        let _ = writeln!(w, "- status: **{}**", self.status);
        let _ = writeln!(w, "- {}", self.message);
        let _ = writeln!(w, "- file: `{}` (sha256 `{}`)", self.file, self.spec_sha256);
        if let Some(run) = self.pipeline_run {
            let _ = writeln!(w, "- pipeline run: {run}, started {}", self.started_at.as_deref().unwrap_or("?"));
        }
        let _ = writeln!(w, "- duration: {:.2} s", self.seconds);
        if !self.inputs.is_empty() {
            let _ = writeln!(w, "\n## Inputs\n");
            let _ = writeln!(w, "| dataset | file | sha256 | bytes | licence | from |");
            let _ = writeln!(w, "|---|---|---|---|---|---|");
            for i in &self.inputs {
                let from = match (&i.url, &i.fetch) {
                    (Some(url), Some(f)) if f.from_cache => format!("{url} (cache)"),
                    (Some(url), Some(f)) => format!(
                        "{url} ({} request{}{})",
                        f.n_attempts,
                        if f.n_attempts == 1 { "" } else { "s" },
                        f.resumed_from.map(|o| format!(", resumed at byte {o}")).unwrap_or_default()
                    ),
                    (Some(url), None) => url.clone(),
                    (None, _) => "local file".to_owned(),
                };
                let _ = writeln!(
                    w,
                    "| {} | `{}` | `{}` | {} | {} | {} |",
                    i.dataset,
                    i.name,
                    i.sha256,
                    i.size_bytes,
                    i.licence_class.as_deref().unwrap_or("–"),
                    from
                );
            }
        }
        if !self.imports.is_empty() {
            let _ = writeln!(w, "\n## Imports\n");
            let _ =
                writeln!(w, "| dataset | format | run | status | dataset version | rows | rejected | diagnostics |");
            let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
            for i in &self.imports {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} | {}{} |",
                    i.dataset,
                    i.format,
                    i.run,
                    i.status,
                    i.dataset_version,
                    i.counts.as_ref().map_or_else(|| "–".to_owned(), |c| c.total_rows().to_string()),
                    i.n_rejected,
                    i.n_diagnostics,
                    i.diagnostics_from_run.map(|r| format!(" (of run {r})")).unwrap_or_default()
                );
            }
            if self.imports.iter().any(|i| !i.diagnostics_by_code.is_empty()) {
                let _ = writeln!(w, "\n### Diagnostics by code\n");
                let _ = writeln!(w, "| dataset | severity | code | count |");
                let _ = writeln!(w, "|---|---|---|---|");
                for i in &self.imports {
                    for c in &i.diagnostics_by_code {
                        let _ = writeln!(w, "| {} | {} | `{}` | {} |", i.dataset, c.severity, c.code, c.count);
                    }
                }
            }
        }
        if !self.methods.is_empty() {
            let _ = writeln!(w, "\n## Methods\n");
            let _ = writeln!(w, "| method | from | status | indicators | factors |");
            let _ = writeln!(w, "|---|---|---|---|---|");
            for m in &self.methods {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} |",
                    m.method, m.dataset, m.status, m.n_indicators, m.n_factors
                );
            }
        }
        if !self.links.is_empty() {
            let _ = writeln!(w, "\n## Linking\n");
            let _ = writeln!(
                w,
                "| dataset | against | technosphere | linked | unlinked | ambiguous | linked share | link set |"
            );
            let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
            for l in &self.links {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} | {}{} |",
                    l.dataset,
                    if l.dependencies.is_empty() { "–".to_owned() } else { l.dependencies.join(", ") },
                    l.n_technosphere,
                    l.n_linked,
                    l.n_unlinked,
                    l.n_ambiguous,
                    format_share(l.linked_share),
                    l.link_set,
                    if l.stored { " (new)" } else { "" }
                );
            }
        }
        if !self.mappings.is_empty() {
            let _ = writeln!(w, "\n## Flow mapping\n");
            let _ = writeln!(
                w,
                "| dataset | method | elementary flows | mapped | unmapped | mapped share | largest impact lost | set |"
            );
            let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
            for m in &self.mappings {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} | {}{} |",
                    m.dataset,
                    m.method,
                    m.n_source_flows,
                    m.n_mapped,
                    m.n_unmapped,
                    format_share(m.mapped_share),
                    format_share(m.max_impact_lost_share),
                    m.flow_mapping_set,
                    if m.stored { " (new)" } else { "" }
                );
            }
        }
        if !self.validations.is_empty() || !self.checks.is_empty() {
            let _ = writeln!(w, "\n## Validation\n");
            if !self.validations.is_empty() {
                let _ = writeln!(
                    w,
                    "| dataset | unit problems | reference problems | cycles without production | not allocatable |"
                );
                let _ = writeln!(w, "|---|---|---|---|---|");
                for v in &self.validations {
                    let _ = writeln!(
                        w,
                        "| {} | {} | {} | {} | {} |",
                        v.dataset,
                        v.n_unit_problems,
                        v.n_reference_problems,
                        v.n_cycles_without_production,
                        v.n_not_allocatable
                    );
                }
            }
            if !self.checks.is_empty() {
                let _ = writeln!(w, "\n| dataset | threshold | limit | value | result |");
                let _ = writeln!(w, "|---|---|---|---|---|");
                for c in &self.checks {
                    let _ = writeln!(
                        w,
                        "| {} | {} | {} | {} | {} |",
                        c.dataset,
                        c.threshold,
                        format_number(c.limit),
                        format_number(c.value),
                        if c.passed { "pass" } else { "**exceeded**" }
                    );
                }
            }
        }
        if let Some(r) = &self.release {
            let _ = writeln!(w, "\n## Release\n");
            let _ = writeln!(
                w,
                "- {} {}: {} with method {}{}",
                r.name,
                r.status,
                if r.datasets.is_empty() { "–".to_owned() } else { r.datasets.join(", ") },
                r.method.as_deref().unwrap_or("none"),
                r.reason.as_ref().map(|reason| format!(" ({reason})")).unwrap_or_default()
            );
        }
        if !self.steps.is_empty() {
            let _ = writeln!(w, "\n## Steps\n");
            let _ = writeln!(w, "| step | status | seconds |");
            let _ = writeln!(w, "|---|---|---|");
            for s in &self.steps {
                let _ = writeln!(w, "| {} | {} | {:.3} |", s.step, s.status, s.seconds);
            }
        }
        if let Some(error) = &self.error {
            let _ = writeln!(w, "\n## Error\n\n```\n{error}\n```");
        }
        out
    }
}

/// `12.34 %`, or `–`.
fn format_share(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |s| format!("{:.2} %", s * 100.0))
}

/// Shortest text for a limit or a measured value (`0.05`, `3`, `0.9946`).
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{:.4}", x).trim_end_matches('0').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse_pipeline;
    use std::path::Path;

    fn report() -> Report {
        let pipeline = parse_pipeline(
            "[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\n",
            Path::new("pipelines/a.toml"),
        )
        .expect("valid");
        Report::new(&pipeline)
    }

    fn import(status: &str, n_rejected: u64) -> ImportReport {
        ImportReport {
            dataset: "a".into(),
            format: "ilcd".into(),
            run: 1,
            status: status.into(),
            dataset_version: "a@1".into(),
            counts: None,
            n_rejected,
            n_diagnostics: 0,
            diagnostics_by_code: vec![],
            diagnostics_from_run: None,
            message: String::new(),
        }
    }

    #[test]
    fn thresholds_pass_at_their_limit_and_fail_above() {
        let thresholds = Thresholds {
            max_unlinked_share: Some(0.5),
            max_unmapped_share: Some(0.1),
            max_unit_problems: Some(0),
            ..Thresholds::default()
        };
        let observed = Observed {
            n_technosphere: 4,
            n_unresolved: 2,
            n_elementary_flows: Some(10),
            n_unmapped: Some(2),
            n_unit_problems: 0,
            ..Observed::default()
        };
        let checks = thresholds.check("a", &observed);
        let results: Vec<(&str, f64, bool)> =
            checks.iter().map(|c| (c.threshold.as_str(), c.value, c.passed)).collect();
        assert_eq!(
            results,
            [("max_unlinked_share", 0.5, true), ("max_unmapped_share", 0.2, false), ("max_unit_problems", 0.0, true)]
        );
        // Without a mapping the unmapped share is not measured, so it is not checked.
        let checks = thresholds.check("a", &Observed { n_elementary_flows: None, n_unmapped: None, ..observed });
        assert!(checks.iter().all(|c| c.threshold != "max_unmapped_share"));
        // No technosphere exchange: nothing is unlinked.
        assert!(thresholds.check("a", &Observed::default()).iter().all(|c| c.passed));
    }

    #[test]
    fn status_follows_what_the_steps_did() {
        let mut r = report();
        r.imports.push(import("unchanged", 0));
        r.finish(None, 0.1);
        assert_eq!(r.status, PipelineRunStatus::Unchanged);
        assert!(r.message.starts_with("unchanged: all 1 sources unchanged"), "{}", r.message);

        let mut r = report();
        r.imports.push(import("succeeded", 0));
        r.finish(None, 0.1);
        assert_eq!(
            (r.status, r.message.as_str()),
            (PipelineRunStatus::Succeeded, "succeeded: 1 of 1 sources imported")
        );

        let mut r = report();
        r.imports.push(import("succeeded", 2));
        r.checks.push(ThresholdCheck {
            dataset: "a".into(),
            threshold: "max_unit_problems".into(),
            limit: 0.0,
            value: 3.0,
            passed: false,
        });
        r.finish(None, 0.1);
        assert_eq!(r.status, PipelineRunStatus::Rejected);
        assert_eq!(r.message, "rejected: a: 2 data sets rejected by the reader; a: max_unit_problems 3 > 0");

        let mut r = report();
        r.imports.push(import("succeeded", 2));
        r.finish(Some("cannot fetch x".into()), 0.1);
        assert_eq!((r.status, r.message.as_str()), (PipelineRunStatus::Failed, "failed: cannot fetch x"));
        let markdown = r.to_markdown();
        assert!(markdown.contains("- status: **failed**") && markdown.contains("## Error"), "{markdown}");
    }

    #[test]
    fn numbers_print_short() {
        assert_eq!(format_number(0.05), "0.05");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.994_565), "0.9946");
        assert_eq!(format_share(Some(0.5)), "50.00 %");
        assert_eq!(format_share(None), "–");
    }
}
