//! Pipeline files: parsed with `deny_unknown_fields` (a misspelt key is an error naming it and the file), then
//! validated without I/O into a [`Pipeline`] whose paths are resolved against the file's directory.
//!
//! docs/pipelines.md is the reference of every key; keep the two in step.

use crate::error::{Error, Result};
use ecoref_model::Sha256Hex;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A validated pipeline, ready to plan or run.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The file stem: `pipelines/agribalyse.toml` is the pipeline `agribalyse`.
    pub name: String,
    /// The file as given.
    pub file: PathBuf,
    /// The directory relative paths in the file are resolved against.
    pub dir: PathBuf,
    /// Lowercase hex sha256 of the file's bytes (recorded with every run).
    pub spec_sha256: String,
    pub description: Option<String>,
    /// The datasets to import, each from one input, in file order.
    pub sources: Vec<Source>,
    /// LCIA method versions to register (after the imports).
    pub methods: Vec<MethodStep>,
    pub link: Option<LinkStep>,
    pub map: Option<MapStep>,
    pub validate: Option<Thresholds>,
    pub release: Option<ReleaseStep>,
    pub fetch: FetchSettings,
    pub lock: LockSettings,
}

/// One dataset to import: `ecoref import <format> <input> --source <dataset>` with the given options.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The dataset (source) name: its versions are `<dataset>@1`, `@2`, …
    pub dataset: String,
    pub format: Format,
    pub input: Input,
    pub licence_class: LicenceClass,
    pub options: ReaderOptions,
}

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A local file or directory (resolved against the pipeline file's directory), optionally pinned.
    Local { path: PathBuf, sha256: Option<String> },
    /// A file fetched over HTTP(S) into the download cache, always pinned.
    Url(UrlInput),
}

/// A pinned download.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlInput {
    /// http or https, without credentials.
    pub url: reqwest::Url,
    /// Lowercase hex sha256 the downloaded bytes must have.
    pub sha256: String,
    /// The name the file is read under (readers look at extensions): `file_name`, else the URL's last segment.
    pub file_name: String,
    /// The environment variable holding a bearer token, sent as `Authorization: Bearer …`.
    pub bearer_env: Option<String>,
}

impl Input {
    /// The sha256 the input is pinned to, if any.
    pub fn sha256(&self) -> Option<&str> {
        match self {
            Input::Local { sha256, .. } => sha256.as_deref(),
            Input::Url(url) => Some(&url.sha256),
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Local { path, .. } => write!(f, "{}", path.display()),
            Input::Url(url) => write!(f, "{}", url.url),
        }
    }
}

/// The reader of a source: one `ecoref import` subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Ilcd,
    Ecospold2,
    Simapro,
    Brightway,
    Jsonld,
    Ecobalyse,
}

impl Format {
    /// The `ecoref import` subcommand.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ilcd => "ilcd",
            Format::Ecospold2 => "ecospold2",
            Format::Simapro => "simapro",
            Format::Brightway => "brightway",
            Format::Jsonld => "jsonld",
            Format::Ecobalyse => "ecobalyse",
        }
    }

    /// The reader options this format takes.
    fn allowed_options(self) -> &'static [&'static str] {
        match self {
            Format::Ilcd => &["on_invalid", "max_entry_mib"],
            Format::Ecospold2 | Format::Jsonld => &["on_invalid"],
            Format::Simapro => &["include_waste_scenarios"],
            Format::Brightway => &[],
            Format::Ecobalyse => &["impacts"],
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may see a source's detailed indicators (recorded per input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenceClass {
    #[default]
    Open,
    Restricted,
}

impl LicenceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceClass::Open => "open",
            LicenceClass::Restricted => "restricted",
        }
    }
}

/// What a reader does with a data set it cannot parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnInvalid {
    /// Fail the whole import.
    Fail,
    /// Skip it and go on; the run finishes with rejected data (exit code 1).
    Skip,
}

impl OnInvalid {
    pub fn as_str(self) -> &'static str {
        match self {
            OnInvalid::Fail => "fail",
            OnInvalid::Skip => "skip",
        }
    }
}

/// Reader options; each format takes only some (checked when the file is read). `None`: the reader's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReaderOptions {
    /// ilcd, ecospold2, jsonld.
    pub on_invalid: Option<OnInvalid>,
    /// ilcd: largest uncompressed data set, in MiB.
    pub max_entry_mib: Option<u64>,
    /// simapro.
    pub include_waste_scenarios: Option<bool>,
    /// ecobalyse: the indicator definitions (`impacts.json`), local or fetched.
    pub impacts: Option<Input>,
}

/// A method version to register from an imported dataset (`ecoref method register`).
#[derive(Debug, Clone, PartialEq)]
pub struct MethodStep {
    /// `name@version`.
    pub method: String,
    /// The dataset holding the indicators (a dataset reference, see [`DatasetRef`]).
    pub dataset: String,
    pub methodology: Option<String>,
    /// The dataset holding the normalization-weighting sets, when another one.
    pub weights: Option<String>,
    pub weight_sets: Vec<String>,
}

/// Linking options (`ecoref link`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkStep {
    /// Dependency datasets searched after the pipeline's own datasets, in order.
    pub with: Vec<String>,
    /// Fallback rules; `None`: the linker's defaults; empty: none.
    pub fallbacks: Option<Vec<Fallback>>,
}

/// A linking fallback rule after the source-defined ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    NameUnitLocation,
    NameUnit,
}

/// Flow mapping onto a method version (`ecoref map`).
#[derive(Debug, Clone, PartialEq)]
pub struct MapStep {
    /// `name@version`.
    pub method: String,
}

/// Validation thresholds: a value above its limit makes the run `rejected` (exit code 1) and skips the release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// (unlinked + ambiguous technosphere exchanges) / technosphere exchanges, 0–1.
    pub max_unlinked_share: Option<f64>,
    /// unmapped elementary flows / elementary flows, 0–1 (needs `[map]`).
    pub max_unmapped_share: Option<f64>,
    /// The largest estimated share of an indicator's impact that unmapped flows miss, 0–1 (needs `[map]`).
    pub max_impact_lost_share: Option<f64>,
    /// Exchanges whose unit cannot be converted to their flow's reference unit.
    pub max_unit_problems: Option<u64>,
    /// Link cycles in which no process produces anything.
    pub max_cycles_without_production: Option<u64>,
    /// Error diagnostics of the reader.
    pub max_error_diagnostics: Option<u64>,
}

/// A draft release to create when every threshold passes (`ecoref release create`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseStep {
    pub name: String,
    /// `name@version`; default: the `[map]` method.
    pub method: Option<String>,
    /// Datasets besides the pipeline's own.
    pub include: Vec<String>,
    pub notes: Option<String>,
}

/// Download behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSettings {
    /// Attempts after the first one, on 5xx/408/429 answers, timeouts and connection errors.
    pub retries: u32,
    /// The wait before the first retry; it doubles for each next one (at most 60 s).
    pub backoff: Duration,
    pub connect_timeout: Duration,
    /// An attempt fails when no byte arrives for this long.
    pub read_timeout: Duration,
    /// Largest file a download may write: a server that announces or sends more is refused (the disk is not
    /// filled by a wrong URL or a hostile server).
    pub max_bytes: u64,
}

/// The default [`FetchSettings::max_bytes`]: 16 GiB, the EcoSpold2 reader's total (an ecoinvent release's
/// `.7z` is ≈ 1 GB).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 16 * 1024 * 1024 * 1024;

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            retries: 4,
            backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            max_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
        }
    }
}

/// Run lock behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockSettings {
    /// How long a run waits for another run of the same database to finish; zero refuses at once.
    pub wait: Duration,
}

impl Default for LockSettings {
    fn default() -> Self {
        LockSettings { wait: Duration::from_secs(600) }
    }
}

/// A dataset reference in a pipeline: `name@N` (that version), or `name`: the version this run imported when
/// `name` is one of the pipeline's datasets, else the latest version of that source in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetRef {
    Version { source: String, number: i64 },
    Latest(String),
}

impl DatasetRef {
    /// Parses `name` or `name@N`.
    pub fn parse(text: &str) -> Option<DatasetRef> {
        match text.rsplit_once('@') {
            Some((source, number)) => {
                let number: i64 = number.parse().ok().filter(|n| *n >= 1)?;
                is_valid_name(source).then(|| DatasetRef::Version { source: source.to_owned(), number })
            }
            None => is_valid_name(text).then(|| DatasetRef::Latest(text.to_owned())),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The file as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    description: Option<String>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    methods: Vec<RawMethod>,
    link: Option<RawLink>,
    map: Option<RawMap>,
    validate: Option<Thresholds>,
    release: Option<RawRelease>,
    fetch: Option<RawFetch>,
    lock: Option<RawLock>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    dataset: String,
    format: Format,
    path: Option<String>,
    url: Option<String>,
    sha256: Option<String>,
    file_name: Option<String>,
    bearer_env: Option<String>,
    #[serde(default)]
    licence_class: LicenceClass,
    #[serde(default)]
    options: RawOptions,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    on_invalid: Option<OnInvalid>,
    max_entry_mib: Option<u64>,
    include_waste_scenarios: Option<bool>,
    impacts: Option<RawFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    path: Option<String>,
    url: Option<String>,
    sha256: Option<String>,
    file_name: Option<String>,
    bearer_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethod {
    name: String,
    dataset: String,
    methodology: Option<String>,
    weights: Option<String>,
    #[serde(default)]
    weight_sets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    #[serde(default)]
    with: Vec<String>,
    fallbacks: Option<Vec<Fallback>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    method: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    name: String,
    method: Option<String>,
    #[serde(default)]
    include: Vec<String>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    retries: Option<u32>,
    backoff_ms: Option<u64>,
    connect_timeout_secs: Option<u64>,
    read_timeout_secs: Option<u64>,
    max_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    wait_secs: Option<u64>,
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and validation.

/// Reads and validates a pipeline file.
pub fn read_pipeline(file: &Path) -> Result<Pipeline> {
    let bytes = std::fs::read(file).map_err(|source| Error::ReadSpec { path: file.to_path_buf(), source })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Spec { path: file.to_path_buf(), message: "not UTF-8 text".to_owned() })?;
    parse_pipeline(&text, file)
}

/// Validates the text of the pipeline file `file` (which names the pipeline and anchors its relative paths).
pub fn parse_pipeline(text: &str, file: &Path) -> Result<Pipeline> {
    let spec_error = |message: String| Error::Spec { path: file.to_path_buf(), message };
    let raw: RawPipeline = toml::from_str(text).map_err(|e| spec_error(e.to_string().trim_end().to_owned()))?;
    let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    if !is_valid_name(&name) {
        return Err(spec_error(format!(
            "the file name makes the pipeline name {name:?}: use letters, digits and . _ - + (start with a letter \
             or digit)"
        )));
    }
    let dir = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut problems = Vec::new();
    let pipeline = validate(raw, &name, file, &dir, text, &mut problems);
    if problems.is_empty() { Ok(pipeline) } else { Err(spec_error(problems.join("; "))) }
}

fn validate(raw: RawPipeline, name: &str, file: &Path, dir: &Path, text: &str, problems: &mut Vec<String>) -> Pipeline {
    if raw.sources.is_empty() {
        problems.push("no [[sources]]: a pipeline imports at least one dataset".to_owned());
    }
    let mut sources = Vec::with_capacity(raw.sources.len());
    for (i, source) in raw.sources.into_iter().enumerate() {
        let at = format!("sources[{i}] ({})", source.dataset);
        if let Some(source) = validate_source(source, &at, dir, problems) {
            if sources.iter().any(|s: &Source| s.dataset == source.dataset) {
                problems.push(format!("{at}: dataset {} is imported twice", source.dataset));
            }
            sources.push(source);
        }
    }
    let check_dataset_ref = |problems: &mut Vec<String>, at: &str, text: &str| {
        if DatasetRef::parse(text).is_none() {
            problems.push(format!("{at}: {text:?} is not a dataset (write name or name@N)"));
        }
    };
    let check_method_ref = |problems: &mut Vec<String>, at: &str, text: &str| {
        let valid = text.rsplit_once('@').is_some_and(|(n, v)| !n.is_empty() && !v.is_empty());
        if !valid {
            problems.push(format!("{at}: {text:?} is not a method version (write name@version, e.g. ef@3.1)"));
        }
    };
    let methods: Vec<MethodStep> = raw
        .methods
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let at = format!("methods[{i}] ({})", m.name);
            check_method_ref(problems, &at, &m.name);
            check_dataset_ref(problems, &format!("{at}.dataset"), &m.dataset);
            if let Some(weights) = &m.weights {
                check_dataset_ref(problems, &format!("{at}.weights"), weights);
            } else if !m.weight_sets.is_empty() {
                problems.push(format!("{at}: weight_sets needs weights (the dataset holding the sets)"));
            }
            MethodStep {
                method: m.name,
                dataset: m.dataset,
                methodology: m.methodology,
                weights: m.weights,
                weight_sets: m.weight_sets,
            }
        })
        .collect();
    let link = raw.link.map(|l| {
        for with in &l.with {
            check_dataset_ref(problems, "link.with", with);
        }
        LinkStep { with: l.with, fallbacks: l.fallbacks }
    });
    let map = raw.map.map(|m| {
        check_method_ref(problems, "map.method", &m.method);
        MapStep { method: m.method }
    });
    if let Some(thresholds) = &raw.validate {
        for (key, value) in [
            ("max_unlinked_share", thresholds.max_unlinked_share),
            ("max_unmapped_share", thresholds.max_unmapped_share),
            ("max_impact_lost_share", thresholds.max_impact_lost_share),
        ] {
            if let Some(value) = value
                && !(0.0..=1.0).contains(&value)
            {
                problems.push(format!("validate.{key}: a share between 0 and 1, not {value}"));
            }
        }
        if map.is_none() {
            for (key, value) in [
                ("max_unmapped_share", thresholds.max_unmapped_share),
                ("max_impact_lost_share", thresholds.max_impact_lost_share),
            ] {
                if value.is_some() {
                    problems.push(format!("validate.{key} needs a [map] method to map flows onto"));
                }
            }
        }
    }
    let release = raw.release.map(|r| {
        if !is_valid_name(&r.name) {
            problems.push(format!(
                "release.name {:?}: use letters, digits and . _ - + (start with a letter or digit)",
                r.name
            ));
        }
        if let Some(method) = &r.method {
            check_method_ref(problems, "release.method", method);
        }
        for include in &r.include {
            check_dataset_ref(problems, "release.include", include);
        }
        let mut step = r.into_step();
        if step.method.is_none() {
            step.method = map.as_ref().map(|m| m.method.clone());
        }
        step
    });
    let fetch = raw.fetch.map_or_else(FetchSettings::default, |f| {
        let default = FetchSettings::default();
        if f.retries.is_some_and(|r| r > 20) {
            problems.push("fetch.retries: at most 20".to_owned());
        }
        if f.read_timeout_secs == Some(0) || f.connect_timeout_secs == Some(0) {
            problems.push("fetch: a timeout of 0 s would fail every download".to_owned());
        }
        if f.max_bytes == Some(0) {
            problems.push("fetch.max_bytes: 0 would refuse every download".to_owned());
        }
        FetchSettings {
            retries: f.retries.unwrap_or(default.retries),
            backoff: f.backoff_ms.map_or(default.backoff, Duration::from_millis),
            connect_timeout: f.connect_timeout_secs.map_or(default.connect_timeout, Duration::from_secs),
            read_timeout: f.read_timeout_secs.map_or(default.read_timeout, Duration::from_secs),
            max_bytes: f.max_bytes.unwrap_or(default.max_bytes),
        }
    });
    let lock = raw.lock.map_or_else(LockSettings::default, |l| LockSettings {
        wait: l.wait_secs.map_or(LockSettings::default().wait, Duration::from_secs),
    });
    Pipeline {
        name: name.to_owned(),
        file: file.to_path_buf(),
        dir: dir.to_path_buf(),
        spec_sha256: Sha256Hex::of_bytes(text.as_bytes()).0,
        description: raw.description,
        sources,
        methods,
        link,
        map,
        validate: raw.validate,
        release,
        fetch,
        lock,
    }
}

impl RawRelease {
    fn into_step(self) -> ReleaseStep {
        ReleaseStep { name: self.name, method: self.method, include: self.include, notes: self.notes }
    }
}

fn validate_source(raw: RawSource, at: &str, dir: &Path, problems: &mut Vec<String>) -> Option<Source> {
    let n_problems = problems.len();
    if !is_valid_name(&raw.dataset) {
        problems.push(format!(
            "{at}: dataset {:?}: use letters, digits and . _ - + (start with a letter or digit)",
            raw.dataset
        ));
    }
    let input = validate_input(
        RawFile {
            path: raw.path,
            url: raw.url,
            sha256: raw.sha256,
            file_name: raw.file_name,
            bearer_env: raw.bearer_env,
        },
        at,
        dir,
        problems,
    );
    let o = raw.options;
    let given: Vec<&str> = [
        ("on_invalid", o.on_invalid.is_some()),
        ("max_entry_mib", o.max_entry_mib.is_some()),
        ("include_waste_scenarios", o.include_waste_scenarios.is_some()),
        ("impacts", o.impacts.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect();
    let allowed = raw.format.allowed_options();
    for key in given.iter().filter(|key| !allowed.contains(key)) {
        problems.push(format!(
            "{at}: options.{key} does not apply to format {} (its options: {})",
            raw.format,
            if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
        ));
    }
    if o.max_entry_mib == Some(0) {
        problems.push(format!("{at}: options.max_entry_mib must be at least 1"));
    }
    let impacts = o.impacts.and_then(|file| validate_input(file, &format!("{at}: options.impacts"), dir, problems));
    let input = input?;
    (problems.len() == n_problems).then_some(Source {
        dataset: raw.dataset,
        format: raw.format,
        input,
        licence_class: raw.licence_class,
        options: ReaderOptions {
            on_invalid: o.on_invalid,
            max_entry_mib: o.max_entry_mib,
            include_waste_scenarios: o.include_waste_scenarios,
            impacts,
        },
    })
}

fn validate_input(raw: RawFile, at: &str, dir: &Path, problems: &mut Vec<String>) -> Option<Input> {
    let sha256 = match raw.sha256.as_deref().map(normalize_sha256) {
        Some(Some(hex)) => Some(hex),
        Some(None) => {
            problems.push(format!(
                "{at}: sha256 must be 64 hexadecimal digits, not {:?}",
                raw.sha256.as_deref().unwrap_or_default()
            ));
            return None;
        }
        None => None,
    };
    match (raw.path, raw.url) {
        (Some(_), Some(_)) => {
            problems.push(format!("{at}: give path or url, not both"));
            None
        }
        (None, None) => {
            problems.push(format!("{at}: missing path or url"));
            None
        }
        (Some(path), None) => {
            for (key, given) in [("file_name", raw.file_name.is_some()), ("bearer_env", raw.bearer_env.is_some())] {
                if given {
                    problems.push(format!("{at}: {key} applies to url inputs only"));
                }
            }
            if path.is_empty() {
                problems.push(format!("{at}: path is empty"));
                return None;
            }
            Some(Input::Local { path: dir.join(path), sha256 })
        }
        (None, Some(text)) => {
            let url = match reqwest::Url::parse(&text) {
                Ok(url) => url,
                Err(e) => {
                    problems.push(format!("{at}: url {text:?}: {e}"));
                    return None;
                }
            };
            if !matches!(url.scheme(), "http" | "https") {
                problems.push(format!("{at}: url {text:?}: only http and https are fetched"));
                return None;
            }
            if !url.username().is_empty() || url.password().is_some() {
                // Never print the credentials back.
                problems.push(format!(
                    "{at}: the url carries credentials: put a token in an environment variable and name it with \
                     bearer_env"
                ));
                return None;
            }
            let Some(sha256) = sha256 else {
                problems.push(format!("{at}: a url input must be pinned with sha256"));
                return None;
            };
            let file_name = match raw.file_name {
                Some(name) => name,
                None => url.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default().to_owned(),
            };
            if !is_safe_file_name(&file_name) {
                problems.push(format!(
                    "{at}: {file_name:?} cannot name the downloaded file: set file_name (letters, digits, . _ - +)"
                ));
                return None;
            }
            if let Some(variable) = &raw.bearer_env
                && (variable.is_empty() || !variable.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                problems.push(format!("{at}: bearer_env {variable:?} is not an environment variable name"));
                return None;
            }
            Some(Input::Url(UrlInput { url, sha256, file_name, bearer_env: raw.bearer_env }))
        }
    }
}

/// Lowercase hex of a 64-digit sha256, or `None`.
fn normalize_sha256(text: &str) -> Option<String> {
    (text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())).then(|| text.to_ascii_lowercase())
}

/// Letters, digits and `. _ - +`, starting with a letter or digit, at most 100 bytes (the store's rule for names).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
}

fn is_safe_file_name(name: &str) -> bool {
    is_valid_name(name) && name.len() <= 200
}

impl Source {
    /// The arguments of `ecoref import` that read this source from `path`, with `impacts` for Ecobalyse (the
    /// local or cached file). The pipeline runs exactly this command's code path, so a step can be repeated by
    /// hand.
    pub fn import_args(&self, path: &Path, impacts: Option<&Path>) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            self.format.as_str().into(),
            path.as_os_str().to_owned(),
            "--source".into(),
            self.dataset.clone().into(),
            "--licence-class".into(),
            self.licence_class.as_str().into(),
        ];
        let o = &self.options;
        if let Some(on_invalid) = o.on_invalid {
            args.extend(["--on-invalid".into(), on_invalid.as_str().into()]);
        }
        if let Some(mib) = o.max_entry_mib {
            args.extend(["--max-entry-mib".into(), mib.to_string().into()]);
        }
        if o.include_waste_scenarios == Some(true) {
            args.push("--include-waste-scenarios".into());
        }
        if let Some(impacts) = impacts {
            args.extend(["--impacts".into(), impacts.as_os_str().to_owned()]);
        }
        args
    }
}

/// The pipeline file for `selector`: a path to a file (anything with a `/` or ending in `.toml`), else the name
/// of a pipeline in `dir` (`dir/<name>.toml`).
pub fn find_pipeline(dir: &Path, selector: &str) -> Result<PathBuf> {
    if selector.contains(std::path::MAIN_SEPARATOR) || selector.contains('/') || selector.ends_with(".toml") {
        return Ok(PathBuf::from(selector));
    }
    let path = dir.join(format!("{selector}.toml"));
    if path.is_file() {
        return Ok(path);
    }
    let known: Vec<String> = list_pipelines(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    Err(Error::NotFound {
        name: selector.to_owned(),
        dir: dir.to_path_buf(),
        known: if known.is_empty() { "none".to_owned() } else { known.join(", ") },
    })
}

/// The pipeline files (`*.toml`) in `dir`, sorted.
pub fn list_pipelines(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::ListDir { dir: dir.to_path_buf(), source })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| Error::ListDir { dir: dir.to_path_buf(), source })?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parse(text: &str) -> Result<Pipeline> {
        parse_pipeline(text, Path::new("/srv/pipelines/nightly.toml"))
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_full_pipeline_reads_with_paths_resolved_against_its_directory() {
        let p = parse(&format!(
            r#"
            description = "nightly"
            [[sources]]
            dataset = "ef-3.1"
            format = "ilcd"
            path = "../data/EF3.1.zip"
            sha256 = "{}"
            options = {{ on_invalid = "skip", max_entry_mib = 64 }}
            [[sources]]
            dataset = "ecoinvent"
            format = "ecospold2"
            url = "https://example.org/files/ecoinvent%203.10.7z?sig=1"
            file_name = "ecoinvent-3.10.7z"
            sha256 = "{SHA}"
            bearer_env = "ECOINVENT_TOKEN"
            licence_class = "restricted"
            [[methods]]
            name = "ef@3.1"
            dataset = "ef-3.1"
            [link]
            with = ["agribalyse@2"]
            fallbacks = ["name-unit"]
            [map]
            method = "ef@3.1"
            [validate]
            max_unlinked_share = 0.05
            max_unit_problems = 0
            [release]
            name = "2026.2"
            include = ["agribalyse"]
            [fetch]
            retries = 2
            backoff_ms = 10
            [lock]
            wait_secs = 0
            "#,
            SHA.to_uppercase()
        ))
        .expect("valid");
        assert_eq!(p.name, "nightly");
        assert_eq!(p.spec_sha256.len(), 64);
        assert_eq!(p.sources.len(), 2);
        assert_eq!(
            p.sources[0].input,
            Input::Local { path: PathBuf::from("/srv/pipelines/../data/EF3.1.zip"), sha256: Some(SHA.to_owned()) }
        );
        assert_eq!(p.sources[0].options.on_invalid, Some(OnInvalid::Skip));
        let Input::Url(url) = &p.sources[1].input else { panic!("a url input") };
        assert_eq!(url.file_name, "ecoinvent-3.10.7z");
        assert_eq!(url.bearer_env.as_deref(), Some("ECOINVENT_TOKEN"));
        assert_eq!(p.sources[1].licence_class, LicenceClass::Restricted);
        assert_eq!(p.release.as_ref().and_then(|r| r.method.as_deref()), Some("ef@3.1"), "defaults to [map]");
        assert_eq!(p.fetch.retries, 2);
        assert_eq!(p.fetch.backoff, Duration::from_millis(10));
        assert_eq!(p.lock.wait, Duration::ZERO);
        assert_eq!(
            p.sources[0].import_args(Path::new("x.zip"), None),
            ["ilcd", "x.zip", "--source", "ef-3.1", "--licence-class", "open", "--on-invalid", "skip"]
                .iter()
                .map(OsString::from)
                .chain(["--max-entry-mib", "64"].iter().map(OsString::from))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key_and_the_file() {
        for (text, key) in [
            ("[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\nsha265 = \"x\"\n", "sha265"),
            ("colour = 1\n[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\n", "colour"),
            (
                "[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\noptions = { on_error = \"skip\" }\n",
                "on_error",
            ),
            (
                "[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\n[validate]\nmax_unlinked = 0.1\n",
                "max_unlinked",
            ),
            ("[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\n[lock]\nwait = 1\n", "wait"),
        ] {
            let message = error(text);
            assert!(message.starts_with("/srv/pipelines/nightly.toml: "), "{message}");
            assert!(message.contains(&format!("unknown field `{key}`")), "{key}: {message}");
            assert!(message.contains("line "), "{key}: no position in {message}");
        }
    }

    #[test]
    fn missing_fields_are_errors_naming_the_field() {
        let message = error("[[sources]]\ndataset = \"a\"\npath = \"a.zip\"\n");
        assert!(message.contains("missing field `format`"), "{message}");
        let message = error("[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\n");
        assert!(message.contains("sources[0] (a): missing path or url"), "{message}");
        let message = error("description = \"nothing\"\n");
        assert!(message.contains("no [[sources]]"), "{message}");
        let message =
            error("[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\n[[methods]]\ndataset = \"a\"\n");
        assert!(message.contains("missing field `name`"), "{message}");
    }

    #[test]
    fn bad_sha256_pins_are_refused() {
        for bad in ["abc", &SHA[..63], &format!("{}g", &SHA[..63]), &format!("{SHA}0")] {
            let message = error(&format!(
                "[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"a.zip\"\nsha256 = \"{bad}\"\n"
            ));
            assert!(message.contains("sha256 must be 64 hexadecimal digits"), "{bad}: {message}");
        }
        let message = error("[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\nurl = \"https://example.org/a.zip\"\n");
        assert!(message.contains("a url input must be pinned with sha256"), "{message}");
    }

    #[test]
    fn values_that_cannot_work_are_refused_with_their_place() {
        let source = |extra: &str| format!("[[sources]]\ndataset = \"a\"\nformat = \"simapro\"\n{extra}\n");
        for (text, expected) in [
            (
                source("path = \"a.csv\"\noptions = { on_invalid = \"skip\" }"),
                "options.on_invalid does not apply to format simapro",
            ),
            (source("url = \"ftp://example.org/a.csv\""), "only http and https"),
            (
                source(&format!("url = \"https://user:hunter2@example.org/a.csv\"\nsha256 = \"{SHA}\"")),
                "the url carries credentials",
            ),
            (source(&format!("url = \"https://example.org/\"\nsha256 = \"{SHA}\"")), "set file_name"),
            (source("path = \"a.csv\"\nbearer_env = \"TOKEN\""), "bearer_env applies to url inputs only"),
            (source("path = \"a.csv\"\nurl = \"https://example.org/a.csv\""), "give path or url, not both"),
            (source("path = \"a.csv\"\n[map]\nmethod = \"ef\""), "not a method version"),
            (source("path = \"a.csv\"\n[link]\nwith = [\"ecoinvent@three\"]"), "is not a dataset"),
            (source("path = \"a.csv\"\n[validate]\nmax_unlinked_share = 1.5"), "a share between 0 and 1"),
            (source("path = \"a.csv\"\n[validate]\nmax_unmapped_share = 0.1"), "needs a [map] method"),
            (
                source("path = \"a.csv\"\n[[sources]]\ndataset = \"a\"\nformat = \"ilcd\"\npath = \"b.zip\""),
                "imported twice",
            ),
            (source("path = \"a.csv\"\nformat = \"csv\""), "duplicate key"),
            (source("path = \"a.csv\"\n[fetch]\nmax_bytes = 0"), "fetch.max_bytes: 0 would refuse every download"),
        ] {
            let message = error(&text);
            assert!(message.contains(expected), "{expected:?} not in {message}");
            assert!(!message.contains("hunter2"), "a credential was printed: {message}");
        }
        let message = error(&source("path = \"a.csv\"").replace("simapro", "csv"));
        assert!(message.contains("unknown variant `csv`"), "{message}");
    }

    #[test]
    fn dataset_references() {
        assert_eq!(
            DatasetRef::parse("ecoinvent@3"),
            Some(DatasetRef::Version { source: "ecoinvent".into(), number: 3 })
        );
        assert_eq!(DatasetRef::parse("ef-3.1"), Some(DatasetRef::Latest("ef-3.1".into())));
        for bad in ["", "@1", "x@0", "x@", "x@one", "a b"] {
            assert_eq!(DatasetRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pipelines_are_found_by_name_or_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("b.toml"), "").expect("write");
        std::fs::write(dir.path().join("a.toml"), "").expect("write");
        std::fs::write(dir.path().join("notes.md"), "").expect("write");
        let listed = list_pipelines(dir.path()).expect("list");
        assert_eq!(listed, [dir.path().join("a.toml"), dir.path().join("b.toml")]);
        assert_eq!(find_pipeline(dir.path(), "b").expect("found"), dir.path().join("b.toml"));
        assert_eq!(find_pipeline(dir.path(), "x/y.toml").expect("a path"), PathBuf::from("x/y.toml"));
        let message = find_pipeline(dir.path(), "c").expect_err("missing").to_string();
        assert!(message.contains("no pipeline \"c\"") && message.contains("known: a, b"), "{message}");
    }
}
