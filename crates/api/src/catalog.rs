//! The releases the server knows: every snapshot under the snapshots directory, loaded (and verified) once, plus
//! the tags that point at them. A reload keeps every release whose `manifest.json` did not change and loads only
//! new or changed snapshots; a snapshot that fails to load is reported and left out, never half-served.

use crate::error::ApiError;
use crate::search::SearchIndex;
use ecoref_score::{Countries, LoadedRelease};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded release and what the API precomputes for it.
#[derive(Debug)]
pub(crate) struct Release {
    pub(crate) loaded: LoadedRelease,
    pub(crate) search: SearchIndex,
    /// True when any source of the release is restricted.
    pub(crate) any_restricted: bool,
    /// Names of the single scores, in result order (computed once, not per request).
    pub(crate) weighting_sets: Vec<String>,
}

impl Release {
    pub(crate) fn new(loaded: LoadedRelease) -> Release {
        let search = SearchIndex::new(&loaded);
        let any_restricted = loaded.manifest().sources.iter().any(|s| s.licence_class == "restricted");
        let weighting_sets = loaded.weighting_sets();
        Release { loaded, search, any_restricted, weighting_sets }
    }

    pub(crate) fn name(&self) -> &str {
        self.loaded.name()
    }
}

/// Releases by name and tags by name; immutable, replaced whole on reload.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    pub(crate) releases: BTreeMap<String, Arc<Release>>,
    pub(crate) tags: BTreeMap<String, String>,
}

/// A release as resolved from a path segment: the release, and the tag it was reached through, if any.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) release: Arc<Release>,
    pub(crate) via_tag: Option<String>,
}

impl Catalog {
    /// A release by name, else by tag; a miss names what exists.
    pub(crate) fn resolve(&self, name: &str) -> Result<Resolved, ApiError> {
        if let Some(release) = self.releases.get(name) {
            return Ok(Resolved { release: release.clone(), via_tag: None });
        }
        if let Some(target) = self.tags.get(name) {
            return match self.releases.get(target) {
                Some(release) => Ok(Resolved { release: release.clone(), via_tag: Some(name.to_owned()) }),
                None => Err(ApiError::NotFound(format!(
                    "tag {name} points to release {target}, which has no snapshot on this server"
                ))),
            };
        }
        let mut known: Vec<&str> = self.releases.keys().map(String::as_str).collect();
        known.extend(self.tags.keys().map(String::as_str));
        Err(ApiError::NotFound(format!(
            "no release or tag named {}; available: {}",
            truncate(name, 100),
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        )))
    }

    /// The tags that point at `release`, sorted.
    pub(crate) fn tags_of(&self, release: &str) -> Vec<String> {
        self.tags.iter().filter(|(_, r)| r.as_str() == release).map(|(t, _)| t.clone()).collect()
    }
}

/// `text` cut to at most `max` characters (client input echoed in messages stays short).
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// Loaded releases by name, each with the sha256 of its manifest bytes (what a reload compares).
pub(crate) type Loaded = BTreeMap<String, (Arc<Release>, String)>;

/// What a reload of the snapshots directory did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// Releases loaded now (new or changed snapshots).
    pub loaded: Vec<String>,
    /// Releases kept as they were (same manifest).
    pub kept: Vec<String>,
    /// Releases no longer in the directory.
    pub removed: Vec<String>,
    /// Snapshot directories that could not be loaded, with the reason (for the server log, not for clients).
    pub failed: Vec<(PathBuf, String)>,
}

impl ReloadReport {
    /// True when the set of served releases changed.
    pub fn changed(&self) -> bool {
        !self.loaded.is_empty() || !self.removed.is_empty()
    }
}

/// Loads every snapshot directory under `dir` (those holding a `manifest.json`; hidden and staging directories
/// are skipped), reusing the releases of `previous` whose manifest bytes did not change; new ones get the
/// country table. Blocking: run it off the async runtime.
pub(crate) fn load_dir(
    dir: &Path,
    previous: &Loaded,
    countries: Option<&Countries>,
) -> Result<(Loaded, ReloadReport), std::io::Error> {
    let mut report = ReloadReport::default();
    let mut by_dir: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') || !path.join(ecoref_snapshot::MANIFEST_FILE).is_file() {
            continue;
        }
        by_dir.insert(name, path);
    }
    let by_fingerprint: BTreeMap<&str, &Arc<Release>> =
        previous.values().map(|(release, fingerprint)| (fingerprint.as_str(), release)).collect();
    let mut releases = BTreeMap::new();
    for path in by_dir.into_values() {
        let fingerprint = match std::fs::read(path.join(ecoref_snapshot::MANIFEST_FILE)) {
            Ok(bytes) => hex_sha256(&bytes),
            Err(error) => {
                report.failed.push((path, format!("cannot read manifest.json: {error}")));
                continue;
            }
        };
        let (release, reused) = match by_fingerprint.get(fingerprint.as_str()) {
            Some(release) => (Arc::clone(release), true),
            None => match LoadedRelease::open(&path) {
                Ok(loaded) => {
                    let loaded = match countries {
                        Some(countries) => loaded.with_countries(countries.clone()),
                        None => loaded,
                    };
                    (Arc::new(Release::new(loaded)), false)
                }
                Err(error) => {
                    report.failed.push((path, error.to_string()));
                    continue;
                }
            },
        };
        let name = release.name().to_owned();
        if releases.contains_key(&name) {
            report.failed.push((path, format!("a second snapshot of release {name}: ignored")));
            continue;
        }
        if reused { &mut report.kept } else { &mut report.loaded }.push(name.clone());
        releases.insert(name, (release, fingerprint));
    }
    report.removed = previous.keys().filter(|name| !releases.contains_key(*name)).cloned().collect();
    Ok((releases, report))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
