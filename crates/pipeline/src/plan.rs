//! `ecoref pipeline plan`: what a run would do, step by step, with the equivalent `ecoref` commands, and what
//! would stop it (missing local inputs, unset credentials). Nothing is fetched, nothing touches the database.

use crate::fetch::Cache;
use crate::spec::{Input, Pipeline};
use serde::Serialize;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The steps of a run, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub pipeline: String,
    pub file: String,
    pub spec_sha256: String,
    pub description: Option<String>,
    pub lock_wait_secs: u64,
    pub steps: Vec<PlannedStep>,
}

/// One step: its name (as the run report names it) and what it does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedStep {
    pub step: String,
    pub detail: String,
}

/// Where the reader reads `input` from: the local path, or the file in the cache.
pub fn input_path(input: &Input, cache: &Cache) -> PathBuf {
    match input {
        Input::Local { path, .. } => path.clone(),
        Input::Url(url) => cache.path_of(&url.sha256, &url.file_name),
    }
}

/// The plan of `pipeline` with downloads going to `cache` (pure: no file is looked at).
pub fn compute_plan(pipeline: &Pipeline, cache: &Cache) -> Plan {
    let mut steps = Vec::new();
    let mut step = |step: String, detail: String| steps.push(PlannedStep { step, detail });
    let datasets: Vec<&str> = pipeline.sources.iter().map(|s| s.dataset.as_str()).collect();
    for source in &pipeline.sources {
        let inputs = std::iter::once(("", &source.input))
            .chain(source.options.impacts.as_ref().map(|impacts| (" (impacts)", impacts)));
        for (role, input) in inputs {
            if let Input::Url(url) = input {
                step(
                    format!("fetch {}{role}", source.dataset),
                    format!(
                        "GET {} → {} (sha256 {}{})",
                        url.url,
                        cache.path_of(&url.sha256, &url.file_name).display(),
                        url.sha256,
                        url.bearer_env.as_ref().map(|v| format!("; bearer token from ${v}")).unwrap_or_default()
                    ),
                );
            }
        }
        let path = input_path(&source.input, cache);
        let impacts = source.options.impacts.as_ref().map(|i| input_path(i, cache));
        let mut command = String::from("ecoref import");
        for arg in source.import_args(&path, impacts.as_deref()) {
            command.push(' ');
            command.push_str(&shell_word(&arg));
        }
        let pin = match source.input.sha256() {
            Some(sha256) => format!(" (sha256 {sha256} checked first)"),
            None => String::new(),
        };
        step(format!("import {}", source.dataset), format!("{command}{pin}"));
    }
    for m in &pipeline.methods {
        let weights = m
            .weights
            .as_ref()
            .map(|w| {
                let sets =
                    if m.weight_sets.is_empty() { String::new() } else { format!(" ({})", m.weight_sets.join(", ")) };
                format!(", normalization-weighting sets from {w}{sets}")
            })
            .unwrap_or_default();
        let methodology = m.methodology.as_ref().map(|x| format!(" of methodology {x:?}")).unwrap_or_default();
        step(format!("method {}", m.method), format!("register indicators{methodology} of {}{weights}", m.dataset));
    }
    let validate = pipeline.validate.as_ref();
    for dataset in &datasets {
        if pipeline.link.is_some() || validate.is_some() {
            let mut against: Vec<String> = datasets.iter().filter(|d| *d != dataset).map(|d| d.to_string()).collect();
            against.extend(pipeline.link.iter().flat_map(|l| l.with.iter().cloned()));
            let fallbacks = match pipeline.link.as_ref().and_then(|l| l.fallbacks.as_ref()) {
                None => "default fallbacks".to_owned(),
                Some(list) if list.is_empty() => "no fallback".to_owned(),
                Some(list) => format!(
                    "fallbacks {}",
                    list.iter()
                        .map(|f| serde_json::to_value(f)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            };
            let against = if against.is_empty() { "itself only".to_owned() } else { against.join(", ") };
            step(
                format!("link {dataset}"),
                format!("link against {against} ({fallbacks}); an identical link set is reused"),
            );
        }
        if let Some(map) = &pipeline.map {
            step(
                format!("map {dataset}"),
                format!("map elementary flows onto {}; an identical mapping is reused", map.method),
            );
        }
        if let Some(thresholds) = validate {
            let limits = serde_json::to_value(thresholds)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .map(|o| o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| format!("{k} ≤ {v}")).collect::<Vec<_>>())
                .unwrap_or_default();
            step(
                format!("validate {dataset}"),
                if limits.is_empty() { "report only (no threshold)".to_owned() } else { limits.join(", ") },
            );
        }
    }
    if let Some(release) = &pipeline.release {
        let mut members: Vec<String> = datasets.iter().map(|d| d.to_string()).collect();
        members.extend(release.include.iter().cloned());
        step(
            format!("release {}", release.name),
            format!(
                "create draft release {} of {} with method {} when every threshold passes (unchanged when it exists \
                 with the same content)",
                release.name,
                members.join(", "),
                release.method.as_deref().unwrap_or("none")
            ),
        );
    }
    Plan {
        pipeline: pipeline.name.clone(),
        file: pipeline.file.display().to_string(),
        spec_sha256: pipeline.spec_sha256.clone(),
        description: pipeline.description.clone(),
        lock_wait_secs: pipeline.lock.wait.as_secs(),
        steps,
    }
}

/// What would stop a run before it reads anything: local inputs that are missing, credentials that are not
/// set. Looks at the file system and the environment (never prints a credential's value).
pub fn check_inputs(pipeline: &Pipeline) -> Vec<String> {
    let mut problems = Vec::new();
    for source in &pipeline.sources {
        for input in std::iter::once(&source.input).chain(source.options.impacts.as_ref()) {
            match input {
                Input::Local { path, sha256 } => {
                    if !path.exists() {
                        problems.push(format!("{}: {} does not exist", source.dataset, path.display()));
                    } else if sha256.is_some() && !path.is_file() {
                        problems.push(format!(
                            "{}: {} is pinned by sha256 but is not a file",
                            source.dataset,
                            path.display()
                        ));
                    }
                }
                Input::Url(url) => {
                    if let Some(variable) = &url.bearer_env
                        && std::env::var(variable).map_or(true, |v| v.is_empty())
                    {
                        problems.push(format!("{}: the environment variable {variable} is not set", source.dataset));
                    }
                }
            }
        }
    }
    problems
}

impl Plan {
    /// The plan as numbered lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "pipeline {} ({}, sha256 {})", self.pipeline, self.file, self.spec_sha256);
        if let Some(description) = &self.description {
            let _ = writeln!(out, "  {description}");
        }
        let _ = writeln!(out, "  0. lock: wait up to {} s for another run on the same database", self.lock_wait_secs);
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}: {}", i + 1, step.step, step.detail);
        }
        out
    }
}

/// `arg` as one shell word (single-quoted when it holds anything but safe characters).
fn shell_word(arg: &OsStr) -> String {
    let text = arg.to_string_lossy();
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+' | '@' | ':' | '=' | ','));
    if safe { text.into_owned() } else { format!("'{}'", text.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse_pipeline;
    use std::path::Path;

    #[test]
    fn the_plan_lists_every_step_with_its_command() {
        let sha = "ab".repeat(32);
        let pipeline = parse_pipeline(
            &format!(
                r#"
                [[sources]]
                dataset = "ecobalyse"
                format = "ecobalyse"
                url = "https://example.org/processes_impacts.json"
                sha256 = "{sha}"
                bearer_env = "TOKEN"
                options = {{ impacts = {{ path = "my data/impacts.json" }} }}
                [[methods]]
                name = "ecs@1"
                dataset = "ecobalyse"
                [link]
                with = ["ecoinvent@3"]
                fallbacks = []
                [map]
                method = "ecs@1"
                [validate]
                max_unlinked_share = 0.25
                [release]
                name = "2026.2"
                "#
            ),
            Path::new("/p/eco.toml"),
        )
        .expect("valid");
        let plan = compute_plan(&pipeline, &Cache::new("/cache"));
        let names: Vec<&str> = plan.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            names,
            [
                "fetch ecobalyse",
                "import ecobalyse",
                "method ecs@1",
                "link ecobalyse",
                "map ecobalyse",
                "validate ecobalyse",
                "release 2026.2"
            ]
        );
        let text = plan.to_text();
        for needle in [
            format!("GET https://example.org/processes_impacts.json → /cache/sha256/{sha}/processes_impacts.json"),
            "bearer token from $TOKEN".to_owned(),
            format!(
                "ecoref import ecobalyse /cache/sha256/{sha}/processes_impacts.json --source ecobalyse \
                 --licence-class open --impacts '/p/my data/impacts.json'"
            ),
            "link against ecoinvent@3 (no fallback)".to_owned(),
            "max_unlinked_share ≤ 0.25".to_owned(),
            "create draft release 2026.2 of ecobalyse with method ecs@1".to_owned(),
        ] {
            assert!(text.contains(&needle), "{needle:?} not in\n{text}");
        }
        let problems = check_inputs(&pipeline);
        assert!(problems.iter().any(|p| p.contains("impacts.json does not exist")), "{problems:?}");
    }
}
