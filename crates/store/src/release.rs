//! Releases: LCIA method versions, draft and published releases, id migrations and tags.
//!
//! Invariants (the database enforces them too, see `sql/*/0002_releases.sql`):
//! - a method version (`name@version`) is insert-only and identified by the content hash of its indicators'
//!   factors and normalization-weighting sets: the same content again is a no-op, other content is refused;
//! - a release is a draft until published; a published release, its dataset membership and its id migrations
//!   never change again; tags only point to published releases and every move is kept.

use crate::error::Context;
use crate::links::{FlowMappingSetId, LinkSetId};
use crate::rows;
use crate::{DatasetVersionId, Dialect, Error, Result, RowFilter, Store, with_pool};
use ecoref_model::{Dataset, LciaMethod, NormalizationWeightingSet, Process, Sha256Hex};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Id of an `lcia_method_version` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MethodVersionId(pub i64);

impl fmt::Display for MethodVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Id of a `release` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReleaseId(pub i64);

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The content of a method: its indicators (LCIA method data sets with their factors) and its
/// normalization-weighting sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodContent {
    pub indicators: Vec<LciaMethod>,
    pub nw_sets: Vec<NormalizationWeightingSet>,
}

impl MethodContent {
    /// The indicators of `dataset` whose methodologies include `methodology` (all when `None`), and the
    /// normalization-weighting sets whose method is `methodology` (all when `None`); names compare
    /// case-insensitively. With each entity, its ordinal in the dataset.
    pub fn select(dataset: &Dataset, methodology: Option<&str>) -> (MethodContent, Vec<i64>, Vec<i64>) {
        let matches = |name: &str| methodology.is_none_or(|m| m.eq_ignore_ascii_case(name.trim()));
        let mut content = MethodContent::default();
        let mut indicator_ordinals = Vec::new();
        let mut nw_ordinals = Vec::new();
        for (ordinal, method) in dataset.lcia_methods.iter().enumerate() {
            if methodology.is_none() || method.methodologies.iter().any(|m| matches(m)) {
                content.indicators.push(method.clone());
                indicator_ordinals.push(ordinal as i64);
            }
        }
        for (ordinal, set) in dataset.normalization_weighting_sets.iter().enumerate() {
            if methodology.is_none() || set.method.as_deref().is_some_and(matches) {
                content.nw_sets.push(set.clone());
                nw_ordinals.push(ordinal as i64);
            }
        }
        (content, indicator_ordinals, nw_ordinals)
    }

    /// sha256 over what computes impacts: each indicator's id, unit and factors (in source order), each
    /// normalization-weighting set in full; indicators sorted by id, sets by name. Names, descriptions and
    /// metadata do not count.
    pub fn content_hash(&self) -> Sha256Hex {
        #[derive(Serialize)]
        struct Indicator<'a> {
            id: &'a str,
            version: &'a Option<String>,
            unit: &'a Option<String>,
            factors: &'a [ecoref_model::CharacterizationFactor],
        }
        #[derive(Serialize)]
        struct Canonical<'a> {
            indicators: Vec<Indicator<'a>>,
            nw_sets: Vec<&'a NormalizationWeightingSet>,
        }
        let mut indicators: Vec<Indicator<'_>> = self
            .indicators
            .iter()
            .map(|m| Indicator { id: &m.id.id, version: &m.id.version, unit: &m.unit, factors: &m.factors })
            .collect();
        indicators.sort_by(|a, b| (a.id, a.version).cmp(&(b.id, b.version)));
        let mut nw_sets: Vec<&NormalizationWeightingSet> = self.nw_sets.iter().collect();
        nw_sets.sort_by(|a, b| (&a.name, &a.method).cmp(&(&b.name, &b.method)));
        let text = serde_json::to_vec(&Canonical { indicators, nw_sets }).expect("method content serializes to JSON");
        Sha256Hex::of_bytes(&text)
    }

    pub fn n_factors(&self) -> u64 {
        self.indicators.iter().map(|m| m.factors.len() as u64).sum()
    }
}

/// What [`Store::register_method_version`] records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMethodVersion {
    pub name: String,
    pub version: String,
    /// Only indicators (and NW sets) of this methodology (`EF 3.1`); all of the dataset when `None`.
    pub methodology: Option<String>,
    pub dataset_version: DatasetVersionId,
    /// Take the normalization-weighting sets from this dataset version instead (e.g. Ecobalyse's `ecs` weights
    /// over EF 3.1 characterization from ILCD).
    #[serde(default)]
    pub weights: Option<DatasetVersionId>,
    /// With `weights`: only the sets with these names (case-insensitive); all of them when empty.
    #[serde(default)]
    pub weight_sets: Vec<String>,
    pub created_by: String,
}

/// One registered method version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodVersionSummary {
    pub id: MethodVersionId,
    pub name: String,
    pub version: String,
    pub methodology: Option<String>,
    pub dataset_version: DatasetVersionId,
    /// `source@N` of the dataset version the indicators come from.
    pub dataset: String,
    /// `source@N` of the dataset version the NW sets come from, when not `dataset`.
    pub weights: Option<String>,
    pub content_hash: String,
    pub n_indicators: i64,
    pub n_factors: i64,
    pub n_nw_sets: i64,
    pub created_by: String,
    pub created_at: String,
}

impl MethodVersionSummary {
    /// `name@version`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// What [`Store::register_method_version`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "method", rename_all = "snake_case")]
pub enum RegisterOutcome {
    Registered(MethodVersionSummary),
    /// The same name, version and content was already registered: nothing written.
    Unchanged(MethodVersionSummary),
}

impl RegisterOutcome {
    pub fn method(&self) -> &MethodVersionSummary {
        match self {
            RegisterOutcome::Registered(m) | RegisterOutcome::Unchanged(m) => m,
        }
    }
}

/// A new draft release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRelease {
    pub name: String,
    pub datasets: Vec<DatasetVersionId>,
    pub method: Option<MethodVersionId>,
    pub notes: Option<String>,
    pub created_by: String,
}

/// Changes to a draft release; empty fields change nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseEdit {
    pub add_datasets: Vec<DatasetVersionId>,
    pub remove_datasets: Vec<DatasetVersionId>,
    /// `Some(None)` removes the method.
    pub method: Option<Option<MethodVersionId>>,
    /// `Some(None)` clears the notes.
    pub notes: Option<Option<String>>,
}

/// A dataset version as a release names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReleaseDataset {
    pub dataset_version: DatasetVersionId,
    pub source_name: String,
    pub version_number: i64,
}

impl ReleaseDataset {
    /// `source@N`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.source_name, self.version_number)
    }
}

/// One release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseSummary {
    pub id: ReleaseId,
    pub name: String,
    /// `draft` or `published`.
    pub status: String,
    pub datasets: Vec<ReleaseDataset>,
    pub method: Option<MethodVersionSummary>,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_by: Option<String>,
    pub published_at: Option<String>,
    /// Tags that point to this release now.
    pub tags: Vec<String>,
    pub n_id_migrations: i64,
}

impl ReleaseSummary {
    pub fn is_published(&self) -> bool {
        self.status == "published"
    }
}

/// A release with its id migrations and the validation it was published with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseDetail {
    pub summary: ReleaseSummary,
    pub id_migrations: Vec<IdMigration>,
    pub validation: Option<ValidationReport>,
    /// The link sets and flow mapping sets it was validated with, as the database records them.
    pub validated_with: Vec<ValidationInput>,
}

/// A process id that changed: scoring an old product against this release follows `old_id → new_id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdMigration {
    pub old_id: String,
    pub new_id: String,
    pub reason: String,
    #[serde(default)]
    pub created_by: String,
}

/// A technosphere exchange that no process of the release provides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnlinkedExchange {
    pub process_id: String,
    /// The exchange's internal id in its process.
    pub exchange: String,
    pub flow_id: String,
    pub flow_name: Option<String>,
}

/// The publish-time validation of a release, computed by the caller (linking and flow mapping live outside the
/// store) and recorded with the release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// What computed it (`ecoref-cli direct check 0.1.0`, later the transform crate).
    pub validator: String,
    pub n_processes: u64,
    pub n_technosphere_exchanges: u64,
    /// Technosphere exchanges without a provider, sorted.
    pub unlinked: Vec<UnlinkedExchange>,
    /// Distinct elementary flows the release's processes exchange.
    pub n_elementary_flows: u64,
    /// Elementary flows (ids) the release's method does not characterize, sorted.
    pub unmapped_flows: Vec<String>,
    /// Unmapped flows (ids) the publisher accepted explicitly.
    pub accepted_unmapped_flows: Vec<String>,
    /// The stored link set and flow mapping set each dataset version was validated with (empty for a validator
    /// that stores none); publishing records them in `release_validation_input` too.
    #[serde(default)]
    pub inputs: Vec<ValidationInput>,
}

/// What one dataset version of a release was validated with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValidationInput {
    pub dataset_version: DatasetVersionId,
    /// `source@N`.
    pub dataset: String,
    pub link_set: LinkSetId,
    /// `None` when the release has no method.
    pub flow_mapping_set: Option<FlowMappingSetId>,
}

impl ValidationReport {
    /// Unmapped flows that were not accepted.
    pub fn unaccepted_unmapped_flows(&self) -> Vec<&str> {
        let accepted: BTreeSet<&str> = self.accepted_unmapped_flows.iter().map(String::as_str).collect();
        self.unmapped_flows.iter().map(String::as_str).filter(|f| !accepted.contains(f)).collect()
    }

    /// Why the release cannot be published; empty when it can.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.unlinked.is_empty() {
            let first = &self.unlinked[0];
            problems.push(format!(
                "{} unlinked technosphere exchange{} (first: process {} exchange {} flow {})",
                self.unlinked.len(),
                if self.unlinked.len() == 1 { "" } else { "s" },
                first.process_id,
                first.exchange,
                first.flow_id
            ));
        }
        let unaccepted = self.unaccepted_unmapped_flows();
        if let Some(first) = unaccepted.first() {
            problems.push(format!(
                "{} elementary flow{} neither mapped nor accepted (first: {first})",
                unaccepted.len(),
                if unaccepted.len() == 1 { "" } else { "s" }
            ));
        }
        problems
    }

    pub fn is_publishable(&self) -> bool {
        self.problems().is_empty()
    }
}

/// A tag and the release it points to now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagSummary {
    pub tag: String,
    pub release: String,
    pub set_by: String,
    pub set_at: String,
    /// How many times the tag was set, this time included.
    pub n_moves: i64,
}

/// One move of a tag, as kept in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagEvent {
    pub tag: String,
    pub release: String,
    pub set_by: String,
    pub set_at: String,
}

/// What [`Store::set_tag`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagMove {
    pub tag: String,
    pub release: String,
    /// The release the tag pointed to before, if any.
    pub previous: Option<String>,
    /// False when the tag already pointed to this release (nothing recorded).
    pub moved: bool,
}

/// One side of a diff: a release or a dataset version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffTarget {
    Release(String),
    Dataset(DatasetVersionId),
}

#[derive(Debug, sqlx::FromRow)]
struct MethodVersionRow {
    id: i64,
    name: String,
    version: String,
    methodology: Option<String>,
    dataset_version_id: i64,
    source_name: String,
    version_number: i64,
    content_hash: String,
    n_indicators: i64,
    n_factors: i64,
    n_nw_sets: i64,
    created_by: String,
    created_at: String,
    weights_source: Option<String>,
    weights_number: Option<i64>,
}

impl From<MethodVersionRow> for MethodVersionSummary {
    fn from(row: MethodVersionRow) -> Self {
        MethodVersionSummary {
            id: MethodVersionId(row.id),
            name: row.name,
            version: row.version,
            methodology: row.methodology,
            dataset_version: DatasetVersionId(row.dataset_version_id),
            dataset: format!("{}@{}", row.source_name, row.version_number),
            weights: row.weights_source.map(|source| format!("{source}@{}", row.weights_number.unwrap_or(0))),
            content_hash: row.content_hash,
            n_indicators: row.n_indicators,
            n_factors: row.n_factors,
            n_nw_sets: row.n_nw_sets,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

fn method_columns(dialect: Dialect) -> String {
    format!(
        "m.id, m.name, m.version, m.methodology, m.dataset_version_id, d.source_name, d.version_number, \
         m.content_hash, m.n_indicators, m.n_factors, m.n_nw_sets, m.created_by, {created} AS created_at, \
         w.source_name AS weights_source, w.version_number AS weights_number",
        created = dialect.time_text("m.created_at")
    )
}

#[derive(Debug, sqlx::FromRow)]
struct ReleaseRow {
    id: i64,
    name: String,
    status: String,
    method_version_id: Option<i64>,
    notes: Option<String>,
    created_by: String,
    created_at: String,
    updated_at: String,
    published_by: Option<String>,
    published_at: Option<String>,
    validation: Option<String>,
}

fn release_columns(dialect: Dialect) -> String {
    format!(
        "r.id, r.name, r.status, r.method_version_id, r.notes, r.created_by, {created} AS created_at, \
         {updated} AS updated_at, r.published_by, {published} AS published_at, {validation} AS validation",
        created = dialect.time_text("r.created_at"),
        updated = dialect.time_text("r.updated_at"),
        published = dialect.time_text("r.published_at"),
        validation = dialect.json_text("r.validation"),
    )
}

/// Release and tag names: letters, digits and `._-+`, 1 to 100 characters, starting with a letter or digit.
pub(crate) fn check_name(kind: &'static str, name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 100
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if valid { Ok(()) } else { Err(Error::InvalidName { kind, name: name.to_owned() }) }
}

impl Store {
    /// The LCIA methods (with their factors) and normalization-weighting sets of a dataset version, in source
    /// order; nothing else is read.
    pub async fn load_method_entities(&self, dataset_version: DatasetVersionId) -> Result<Dataset> {
        self.require_dataset_version(dataset_version).await?;
        let mut dataset = Dataset {
            lcia_methods: self.read_top_level(&rows::LCIA_METHOD, dataset_version).await?,
            normalization_weighting_sets: self
                .read_top_level(&rows::NORMALIZATION_WEIGHTING_SET, dataset_version)
                .await?,
            ..Dataset::default()
        };
        let cfs = self.read_entities(&rows::CHARACTERIZATION_FACTOR, dataset_version, RowFilter::All).await?;
        rows::attach(&rows::CHARACTERIZATION_FACTOR, &mut dataset.lcia_methods, cfs, |m, f| m.factors.push(f))?;
        Ok(dataset)
    }

    pub(crate) async fn require_dataset_version(&self, dataset_version: DatasetVersionId) -> Result<()> {
        let exists: Option<i64> = with_pool!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT id FROM dataset_version WHERE id = $1")
                .bind(dataset_version.0)
                .fetch_optional(pool)
                .await
                .doing(|| format!("read dataset version {dataset_version}"))?
        });
        match exists {
            Some(_) => Ok(()),
            None => Err(Error::DatasetVersionNotFound(dataset_version)),
        }
    }

    /// Registers `name@version` as the indicators (and NW sets) of a dataset version, selected by methodology.
    /// The same content under the same name and version again is [`RegisterOutcome::Unchanged`]; other content
    /// is refused with [`Error::MethodVersionConflict`].
    pub async fn register_method_version(&self, new: &NewMethodVersion) -> Result<RegisterOutcome> {
        check_name("method", &new.name)?;
        check_name("method version", &new.version)?;
        let dataset = self.load_method_entities(new.dataset_version).await?;
        let (mut content, indicator_ordinals, mut nw_ordinals) =
            MethodContent::select(&dataset, new.methodology.as_deref());
        if content.indicators.is_empty() {
            return Err(Error::EmptyMethod {
                dataset_version: new.dataset_version,
                methodology: new.methodology.clone().unwrap_or_default(),
            });
        }
        let nw_dataset_version = new.weights.unwrap_or(new.dataset_version);
        if let Some(weights) = new.weights {
            let weights_dataset = self.load_method_entities(weights).await?;
            content.nw_sets.clear();
            nw_ordinals.clear();
            for (ordinal, set) in weights_dataset.normalization_weighting_sets.iter().enumerate() {
                if new.weight_sets.is_empty()
                    || new.weight_sets.iter().any(|n| n.trim().eq_ignore_ascii_case(&set.name))
                {
                    content.nw_sets.push(set.clone());
                    nw_ordinals.push(ordinal as i64);
                }
            }
            if content.nw_sets.is_empty() {
                let available: Vec<&str> =
                    weights_dataset.normalization_weighting_sets.iter().map(|s| s.name.as_str()).collect();
                return Err(Error::NoWeights {
                    dataset_version: weights,
                    wanted: new.weight_sets.join(", "),
                    available: available.join(", "),
                });
            }
        }
        let hash = content.content_hash().0;
        let id: Option<i64> = with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let existing: Option<(i64, String)> =
                sqlx::query_as("SELECT id, content_hash FROM lcia_method_version WHERE name = $1 AND version = $2")
                    .bind(&new.name)
                    .bind(&new.version)
                    .fetch_optional(&mut *tx)
                    .await
                    .doing(|| "read lcia_method_version".to_owned())?;
            let inserted = match existing {
                Some((_, existing_hash)) if existing_hash != hash => {
                    return Err(Error::MethodVersionConflict {
                        method: format!("{}@{}", new.name, new.version),
                        existing_hash,
                        new_hash: hash,
                    });
                }
                Some(_) => None,
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO lcia_method_version (name, version, methodology, dataset_version_id, \
                         content_hash, n_indicators, n_factors, n_nw_sets, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(&new.name)
                    .bind(&new.version)
                    .bind(&new.methodology)
                    .bind(new.dataset_version.0)
                    .bind(&hash)
                    .bind(content.indicators.len() as i64)
                    .bind(content.n_factors() as i64)
                    .bind(content.nw_sets.len() as i64)
                    .bind(&new.created_by)
                    .fetch_one(&mut *tx)
                    .await
                    .doing(|| "insert into lcia_method_version".to_owned())?;
                    let members = [
                        (
                            "lcia_method_version_indicator",
                            "lcia_method_ordinal",
                            new.dataset_version,
                            &indicator_ordinals,
                        ),
                        ("lcia_method_version_nw_set", "nw_set_ordinal", nw_dataset_version, &nw_ordinals),
                    ];
                    for (table, ordinal_column, dv, ordinals) in members {
                        let sql = format!(
                            "INSERT INTO {table} (method_version_id, ordinal, dataset_version_id, {ordinal_column}) \
                             VALUES ($1, $2, $3, $4)"
                        );
                        for (i, ordinal) in ordinals.iter().enumerate() {
                            sqlx::query(AssertSqlSafe(sql.clone()))
                                .bind(id)
                                .bind(i as i64)
                                .bind(dv.0)
                                .bind(*ordinal)
                                .execute(&mut *tx)
                                .await
                                .doing(|| format!("insert into {table}"))?;
                        }
                    }
                    Some(id)
                }
            };
            tx.commit().await.doing(|| "commit the method version".to_owned())?;
            inserted
        });
        let summary = self
            .find_method_version(&new.name, &new.version)
            .await?
            .ok_or_else(|| Error::MethodVersionNotFound(format!("{}@{}", new.name, new.version)))?;
        match id {
            Some(_) => {
                tracing::info!(method = %summary.label(), n_indicators = summary.n_indicators, "Method registered.");
                Ok(RegisterOutcome::Registered(summary))
            }
            None => Ok(RegisterOutcome::Unchanged(summary)),
        }
    }

    /// Every method version, oldest first.
    pub async fn list_method_versions(&self) -> Result<Vec<MethodVersionSummary>> {
        let rows: Vec<MethodVersionRow> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT {columns} FROM lcia_method_version m JOIN dataset_version d ON d.id = m.dataset_version_id \
                 LEFT JOIN dataset_version w ON w.id = (SELECT MIN(n.dataset_version_id) \
                 FROM lcia_method_version_nw_set n WHERE n.method_version_id = m.id \
                 AND n.dataset_version_id <> m.dataset_version_id) ORDER BY m.id",
                columns = method_columns(dialect)
            );
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await.doing(|| "read lcia_method_version".to_owned())?
        });
        Ok(rows.into_iter().map(MethodVersionSummary::from).collect())
    }

    pub async fn find_method_version(&self, name: &str, version: &str) -> Result<Option<MethodVersionSummary>> {
        Ok(self.list_method_versions().await?.into_iter().find(|m| m.name == name && m.version == version))
    }

    pub(crate) async fn method_version_by_id(&self, id: MethodVersionId) -> Result<MethodVersionSummary> {
        self.list_method_versions()
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::MethodVersionNotFound(format!("#{id}")))
    }

    /// The indicators and NW sets of a method version, in registration order.
    pub async fn load_method_content(&self, id: MethodVersionId) -> Result<MethodContent> {
        let summary = self.method_version_by_id(id).await?;
        let dataset = self.load_method_entities(summary.dataset_version).await?;
        type Member = (i64,);
        let (indicators, nw_sets): (Vec<Member>, Vec<(i64, i64)>) = with_pool!(self, |pool, _dialect| {
            let indicators = sqlx::query_as(
                "SELECT lcia_method_ordinal FROM lcia_method_version_indicator WHERE method_version_id = $1 \
                 ORDER BY ordinal",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
            .doing(|| "read lcia_method_version_indicator".to_owned())?;
            let nw_sets = sqlx::query_as(
                "SELECT dataset_version_id, nw_set_ordinal FROM lcia_method_version_nw_set \
                 WHERE method_version_id = $1 ORDER BY ordinal",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
            .doing(|| "read lcia_method_version_nw_set".to_owned())?;
            (indicators, nw_sets)
        });
        let pick = |table: &'static str, ordinal: i64, len: usize| {
            usize::try_from(ordinal).ok().filter(|i| *i < len).ok_or_else(|| Error::Corrupt {
                table,
                detail: format!("method version {id} names missing ordinal {ordinal}"),
            })
        };
        let mut content = MethodContent::default();
        for (ordinal,) in indicators {
            let i = pick("lcia_method_version_indicator", ordinal, dataset.lcia_methods.len())?;
            content.indicators.push(dataset.lcia_methods[i].clone());
        }
        let mut weights: BTreeMap<i64, Dataset> = BTreeMap::new();
        for (dv, ordinal) in nw_sets {
            let source = if dv == summary.dataset_version.0 {
                &dataset
            } else {
                if let std::collections::btree_map::Entry::Vacant(slot) = weights.entry(dv) {
                    slot.insert(self.load_method_entities(DatasetVersionId(dv)).await?);
                }
                weights.get(&dv).unwrap_or(&dataset)
            };
            let i = pick("lcia_method_version_nw_set", ordinal, source.normalization_weighting_sets.len())?;
            content.nw_sets.push(source.normalization_weighting_sets[i].clone());
        }
        Ok(content)
    }

    /// Creates a draft release.
    pub async fn create_release(&self, new: &NewRelease) -> Result<ReleaseSummary> {
        check_name("release", &new.name)?;
        self.check_release_datasets(&new.name, &new.datasets).await?;
        if let Some(method) = new.method {
            self.method_version_by_id(method).await?;
        }
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM release WHERE name = $1")
                .bind(&new.name)
                .fetch_optional(&mut *tx)
                .await
                .doing(|| "read release".to_owned())?;
            if existing.is_some() {
                return Err(Error::ReleaseExists(new.name.clone()));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO release (name, method_version_id, notes, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&new.name)
            .bind(new.method.map(|m| m.0))
            .bind(&new.notes)
            .bind(&new.created_by)
            .fetch_one(&mut *tx)
            .await
            .doing(|| "insert into release".to_owned())?;
            for dv in new.datasets.iter().collect::<BTreeSet<_>>() {
                sqlx::query("INSERT INTO release_dataset (release_id, dataset_version_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(dv.0)
                    .execute(&mut *tx)
                    .await
                    .doing(|| "insert into release_dataset".to_owned())?;
            }
            tx.commit().await.doing(|| "commit the new release".to_owned())?;
        });
        tracing::info!(release = %new.name, n_datasets = new.datasets.len(), "Release created.");
        self.require_release(&new.name).await
    }

    /// Every dataset version exists, and no source appears twice.
    async fn check_release_datasets(&self, release: &str, datasets: &[DatasetVersionId]) -> Result<()> {
        let versions = self.list_dataset_versions().await?;
        let mut sources: BTreeMap<&str, DatasetVersionId> = BTreeMap::new();
        for dv in datasets.iter().collect::<BTreeSet<_>>() {
            let version = versions.iter().find(|v| v.id == *dv).ok_or(Error::DatasetVersionNotFound(*dv))?;
            if sources.insert(version.source_name.as_str(), *dv).is_some() {
                return Err(Error::SourceTwice {
                    release: release.to_owned(),
                    source_name: version.source_name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Changes a draft release; a published one is refused with [`Error::ReleasePublished`].
    pub async fn edit_release(&self, name: &str, edit: &ReleaseEdit) -> Result<ReleaseSummary> {
        let current = self.require_release(name).await?;
        if current.is_published() {
            return Err(Error::ReleasePublished(name.to_owned()));
        }
        let mut datasets: BTreeSet<DatasetVersionId> = current.datasets.iter().map(|d| d.dataset_version).collect();
        for dv in &edit.remove_datasets {
            if !datasets.remove(dv) {
                return Err(Error::NotInRelease { release: name.to_owned(), dataset_version: *dv });
            }
        }
        datasets.extend(edit.add_datasets.iter().copied());
        self.check_release_datasets(name, &datasets.iter().copied().collect::<Vec<_>>()).await?;
        if let Some(Some(method)) = edit.method {
            self.method_version_by_id(method).await?;
        }
        let id = current.id.0;
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            // Lock the release row (PostgreSQL) and re-check: a publish may have won the race.
            let lock = match dialect {
                Dialect::Postgres => "SELECT status FROM release WHERE id = $1 FOR UPDATE",
                Dialect::Sqlite => "SELECT status FROM release WHERE id = $1",
            };
            let status: Option<String> = sqlx::query_scalar(lock)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .doing(|| format!("read release {name}"))?;
            match status.as_deref() {
                None => return Err(Error::ReleaseNotFound(name.to_owned())),
                Some("draft") => {}
                Some(_) => return Err(Error::ReleasePublished(name.to_owned())),
            }
            for dv in &edit.remove_datasets {
                sqlx::query("DELETE FROM release_dataset WHERE release_id = $1 AND dataset_version_id = $2")
                    .bind(id)
                    .bind(dv.0)
                    .execute(&mut *tx)
                    .await
                    .doing(|| "delete from release_dataset".to_owned())?;
            }
            let present: Vec<i64> =
                sqlx::query_scalar("SELECT dataset_version_id FROM release_dataset WHERE release_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .doing(|| "read release_dataset".to_owned())?;
            for dv in edit.add_datasets.iter().collect::<BTreeSet<_>>() {
                if present.contains(&dv.0) {
                    continue;
                }
                sqlx::query("INSERT INTO release_dataset (release_id, dataset_version_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(dv.0)
                    .execute(&mut *tx)
                    .await
                    .doing(|| "insert into release_dataset".to_owned())?;
            }
            let method = match edit.method {
                Some(method) => method.map(|m| m.0),
                None => current.method.as_ref().map(|m| m.id.0),
            };
            let notes = match &edit.notes {
                Some(notes) => notes.clone(),
                None => current.notes.clone(),
            };
            let sql = format!(
                "UPDATE release SET method_version_id = $1, notes = $2, updated_at = {now} WHERE id = $3",
                now = dialect.now()
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(method)
                .bind(notes)
                .bind(id)
                .execute(&mut *tx)
                .await
                .doing(|| format!("update release {name}"))?;
            tx.commit().await.doing(|| format!("commit the edit of release {name}"))?;
        });
        tracing::info!(release = name, "Release edited.");
        self.require_release(name).await
    }

    /// Publishes a draft: refused unless `report` is publishable and the release has a method and a dataset.
    /// The report is recorded with the release, which never changes again.
    pub async fn publish_release(&self, name: &str, report: &ValidationReport, by: &str) -> Result<ReleaseSummary> {
        let current = self.require_release(name).await?;
        if current.is_published() {
            return Err(Error::ReleasePublished(name.to_owned()));
        }
        let mut problems = Vec::new();
        if current.datasets.is_empty() {
            problems.push("no dataset".to_owned());
        }
        if current.method.is_none() {
            problems.push("no LCIA method".to_owned());
        }
        problems.extend(report.problems());
        if !report.inputs.is_empty() {
            let members: BTreeSet<DatasetVersionId> = current.datasets.iter().map(|d| d.dataset_version).collect();
            let validated: BTreeSet<DatasetVersionId> = report.inputs.iter().map(|i| i.dataset_version).collect();
            if members != validated || validated.len() != report.inputs.len() {
                problems.push("the validation does not cover exactly the release's dataset versions".to_owned());
            }
            for input in &report.inputs {
                let link_set = self.link_set_summary(input.link_set).await?;
                if link_set.dataset_version != input.dataset_version {
                    problems.push(format!("link set {} is not of dataset version {}", input.link_set, input.dataset));
                }
                match (input.flow_mapping_set, &current.method) {
                    (Some(set), Some(method)) => {
                        let mapping = self.flow_mapping_set_summary(set).await?;
                        if mapping.method_version != method.id || mapping.dataset_version != input.dataset_version {
                            problems.push(format!(
                                "flow mapping set {set} maps {} onto {}, not {} onto {}",
                                mapping.dataset,
                                mapping.method,
                                input.dataset,
                                method.label()
                            ));
                        }
                    }
                    (None, Some(method)) => problems.push(format!(
                        "dataset version {} was validated without a flow mapping onto {}",
                        input.dataset,
                        method.label()
                    )),
                    _ => {}
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::ReleaseInvalid { release: name.to_owned(), problems });
        }
        let report_json = serde_json::to_string(report).expect("validation report serializes to JSON");
        let id = current.id.0;
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            sqlx::query("DELETE FROM release_validation_input WHERE release_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .doing(|| "clear release_validation_input".to_owned())?;
            for input in &report.inputs {
                sqlx::query(
                    "INSERT INTO release_validation_input (release_id, dataset_version_id, link_set_id, \
                     flow_mapping_set_id) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(input.dataset_version.0)
                .bind(input.link_set.0)
                .bind(input.flow_mapping_set.map(|s| s.0))
                .execute(&mut *tx)
                .await
                .doing(|| "insert into release_validation_input".to_owned())?;
            }
            let sql = format!(
                "UPDATE release SET status = 'published', published_at = {now}, updated_at = {now}, \
                 published_by = $1, validation = {validation} WHERE id = $3 AND status = 'draft'",
                now = dialect.now(),
                validation = dialect.json_param(2),
            );
            let n = sqlx::query(AssertSqlSafe(sql))
                .bind(by)
                .bind(&report_json)
                .bind(id)
                .execute(&mut *tx)
                .await
                .doing(|| format!("publish release {name}"))?
                .rows_affected();
            if n != 1 {
                return Err(Error::ReleasePublished(name.to_owned()));
            }
            // The membership validated is the membership published: an edit that slipped in since is caught here.
            let members: Vec<i64> =
                sqlx::query_scalar("SELECT dataset_version_id FROM release_dataset WHERE release_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .doing(|| "read release_dataset".to_owned())?;
            let method: Option<i64> = sqlx::query_scalar("SELECT method_version_id FROM release WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .doing(|| format!("read release {name}"))?;
            let validated: BTreeSet<i64> = current.datasets.iter().map(|d| d.dataset_version.0).collect();
            if members.into_iter().collect::<BTreeSet<_>>() != validated
                || method != current.method.as_ref().map(|m| m.id.0)
            {
                return Err(Error::ReleaseInvalid {
                    release: name.to_owned(),
                    problems: vec!["its datasets or method changed during validation: validate again".to_owned()],
                });
            }
            tx.commit().await.doing(|| format!("commit the publication of release {name}"))?;
        });
        tracing::info!(release = name, by, "Release published.");
        self.require_release(name).await
    }

    /// Every release, oldest first.
    pub async fn list_releases(&self) -> Result<Vec<ReleaseSummary>> {
        let rows: Vec<ReleaseRow> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {columns} FROM release r ORDER BY r.id", columns = release_columns(dialect));
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await.doing(|| "read release".to_owned())?
        });
        let mut releases = Vec::with_capacity(rows.len());
        for row in rows {
            releases.push(self.release_summary(row).await?.0);
        }
        Ok(releases)
    }

    /// A release with its id migrations and validation report, `None` when there is no such release.
    pub async fn read_release(&self, name: &str) -> Result<Option<ReleaseDetail>> {
        let row: Option<ReleaseRow> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {columns} FROM release r WHERE r.name = $1", columns = release_columns(dialect));
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(name)
                .fetch_optional(pool)
                .await
                .doing(|| format!("read release {name}"))?
        });
        let Some(row) = row else { return Ok(None) };
        let (summary, validation) = self.release_summary(row).await?;
        let id_migrations = self.id_migrations(name).await?;
        let validated_with = self.validation_inputs(&summary).await?;
        Ok(Some(ReleaseDetail { summary, id_migrations, validation, validated_with }))
    }

    async fn require_release(&self, name: &str) -> Result<ReleaseSummary> {
        self.read_release(name).await?.map(|d| d.summary).ok_or_else(|| Error::ReleaseNotFound(name.to_owned()))
    }

    async fn release_summary(&self, row: ReleaseRow) -> Result<(ReleaseSummary, Option<ValidationReport>)> {
        let (datasets, tags, n_id_migrations): (Vec<(i64, String, i64)>, Vec<String>, i64) =
            with_pool!(self, |pool, _dialect| {
                let datasets = sqlx::query_as(
                    "SELECT d.id, d.source_name, d.version_number FROM release_dataset rd \
                     JOIN dataset_version d ON d.id = rd.dataset_version_id WHERE rd.release_id = $1 \
                     ORDER BY d.source_name, d.version_number",
                )
                .bind(row.id)
                .fetch_all(pool)
                .await
                .doing(|| "read release_dataset".to_owned())?;
                let tags = sqlx::query_scalar(
                    "SELECT e.tag FROM release_tag_event e WHERE e.release_id = $1 \
                     AND e.id = (SELECT MAX(l.id) FROM release_tag_event l WHERE l.tag = e.tag) ORDER BY e.tag",
                )
                .bind(row.id)
                .fetch_all(pool)
                .await
                .doing(|| "read release_tag_event".to_owned())?;
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM release_id_migration WHERE release_id = $1")
                    .bind(row.id)
                    .fetch_one(pool)
                    .await
                    .doing(|| "count release_id_migration".to_owned())?;
                (datasets, tags, n)
            });
        let method = match row.method_version_id {
            Some(id) => Some(self.method_version_by_id(MethodVersionId(id)).await?),
            None => None,
        };
        let validation = row
            .validation
            .as_deref()
            .map(serde_json::from_str::<ValidationReport>)
            .transpose()
            .map_err(|e| Error::Corrupt { table: "release", detail: format!("validation: {e}") })?;
        let summary = ReleaseSummary {
            id: ReleaseId(row.id),
            name: row.name,
            status: row.status,
            datasets: datasets
                .into_iter()
                .map(|(id, source_name, version_number)| ReleaseDataset {
                    dataset_version: DatasetVersionId(id),
                    source_name,
                    version_number,
                })
                .collect(),
            method,
            notes: row.notes,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            published_by: row.published_by,
            published_at: row.published_at,
            tags,
            n_id_migrations,
        };
        Ok((summary, validation))
    }

    /// What a release was validated with, by dataset version.
    async fn validation_inputs(&self, summary: &ReleaseSummary) -> Result<Vec<ValidationInput>> {
        let rows: Vec<(i64, i64, Option<i64>)> = with_pool!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT dataset_version_id, link_set_id, flow_mapping_set_id FROM release_validation_input \
                 WHERE release_id = $1 ORDER BY dataset_version_id",
            )
            .bind(summary.id.0)
            .fetch_all(pool)
            .await
            .doing(|| "read release_validation_input".to_owned())?
        });
        Ok(rows
            .into_iter()
            .map(|(dv, link_set, mapping)| ValidationInput {
                dataset_version: DatasetVersionId(dv),
                dataset: summary
                    .datasets
                    .iter()
                    .find(|d| d.dataset_version.0 == dv)
                    .map_or_else(|| format!("#{dv}"), ReleaseDataset::label),
                link_set: LinkSetId(link_set),
                flow_mapping_set: mapping.map(FlowMappingSetId),
            })
            .collect())
    }

    /// Records `old_id → new_id` in a draft release.
    pub async fn add_id_migration(&self, release: &str, migration: &IdMigration) -> Result<()> {
        let current = self.require_release(release).await?;
        if current.is_published() {
            return Err(Error::ReleasePublished(release.to_owned()));
        }
        if migration.old_id == migration.new_id || migration.old_id.is_empty() || migration.new_id.is_empty() {
            return Err(Error::InvalidName {
                kind: "id migration",
                name: format!("{} → {}", migration.old_id, migration.new_id),
            });
        }
        let existing = self.id_migrations(release).await?;
        if let Some(same) = existing.iter().find(|m| m.old_id == migration.old_id) {
            if same.new_id == migration.new_id {
                return Ok(());
            }
            return Err(Error::IdMigrationConflict {
                release: release.to_owned(),
                old_id: migration.old_id.clone(),
                new_id: same.new_id.clone(),
            });
        }
        let id = current.id.0;
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            sqlx::query(
                "INSERT INTO release_id_migration (release_id, seq, old_id, new_id, reason, created_by) \
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM release_id_migration WHERE release_id = $1), \
                 $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&migration.old_id)
            .bind(&migration.new_id)
            .bind(&migration.reason)
            .bind(&migration.created_by)
            .execute(&mut *tx)
            .await
            .doing(|| "insert into release_id_migration".to_owned())?;
            tx.commit().await.doing(|| "commit the id migration".to_owned())?;
        });
        tracing::info!(release, old_id = %migration.old_id, new_id = %migration.new_id, "Id migration recorded.");
        Ok(())
    }

    /// The id migrations of a release, in the order recorded.
    pub async fn id_migrations(&self, release: &str) -> Result<Vec<IdMigration>> {
        let rows: Vec<(String, String, String, String)> = with_pool!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT m.old_id, m.new_id, m.reason, m.created_by FROM release_id_migration m \
                 JOIN release r ON r.id = m.release_id WHERE r.name = $1 ORDER BY m.seq",
            )
            .bind(release)
            .fetch_all(pool)
            .await
            .doing(|| "read release_id_migration".to_owned())?
        });
        Ok(rows
            .into_iter()
            .map(|(old_id, new_id, reason, created_by)| IdMigration { old_id, new_id, reason, created_by })
            .collect())
    }

    /// The id a process has in `release`: `id` followed through the release's id migrations (chains included,
    /// cycles stopped), `id` itself when none applies.
    pub async fn resolve_process_id(&self, release: &str, id: &str) -> Result<String> {
        self.require_release(release).await?;
        Ok(resolve_id(&self.id_migrations(release).await?, id))
    }

    /// Points `tag` at a published release; every move is kept. Pointing it where it already points is a no-op.
    pub async fn set_tag(&self, tag: &str, release: &str, by: &str) -> Result<TagMove> {
        check_name("tag", tag)?;
        let target = self.require_release(release).await?;
        if !target.is_published() {
            return Err(Error::ReleaseNotPublished(release.to_owned()));
        }
        let previous = self.list_tags().await?.into_iter().find(|t| t.tag == tag).map(|t| t.release);
        if previous.as_deref() == Some(release) {
            return Ok(TagMove { tag: tag.to_owned(), release: release.to_owned(), previous, moved: false });
        }
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            sqlx::query("INSERT INTO release_tag_event (tag, release_id, set_by) VALUES ($1, $2, $3)")
                .bind(tag)
                .bind(target.id.0)
                .bind(by)
                .execute(&mut *tx)
                .await
                .doing(|| "insert into release_tag_event".to_owned())?;
            tx.commit().await.doing(|| format!("commit tag {tag}"))?;
        });
        tracing::info!(tag, release, previous = previous.as_deref().unwrap_or(""), "Tag set.");
        Ok(TagMove { tag: tag.to_owned(), release: release.to_owned(), previous, moved: true })
    }

    /// Every tag and the release it points to now, by tag.
    pub async fn list_tags(&self) -> Result<Vec<TagSummary>> {
        let history = self.tag_history(None).await?;
        let mut tags: BTreeMap<&str, TagSummary> = BTreeMap::new();
        for event in &history {
            let n_moves = tags.get(event.tag.as_str()).map_or(0, |t| t.n_moves) + 1;
            tags.insert(
                &event.tag,
                TagSummary {
                    tag: event.tag.clone(),
                    release: event.release.clone(),
                    set_by: event.set_by.clone(),
                    set_at: event.set_at.clone(),
                    n_moves,
                },
            );
        }
        Ok(tags.into_values().collect())
    }

    /// The moves of one tag (or of all), oldest first.
    pub async fn tag_history(&self, tag: Option<&str>) -> Result<Vec<TagEvent>> {
        let rows: Vec<(String, String, String, String)> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT e.tag, r.name, e.set_by, {set_at} FROM release_tag_event e JOIN release r ON r.id = e.release_id \
                 WHERE $1 IS NULL OR e.tag = $1 ORDER BY e.id",
                set_at = dialect.time_text("e.set_at")
            );
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(tag)
                .fetch_all(pool)
                .await
                .doing(|| "read release_tag_event".to_owned())?
        });
        Ok(rows.into_iter().map(|(tag, release, set_by, set_at)| TagEvent { tag, release, set_by, set_at }).collect())
    }

    /// One side of a diff: the processes of a release's datasets (or of one dataset version), its method (a
    /// dataset version's own LCIA methods and NW sets) and its id migrations.
    pub async fn load_diff_side(&self, target: &DiffTarget) -> Result<crate::diff::DiffSide> {
        match target {
            DiffTarget::Dataset(dv) => {
                let label = self
                    .list_dataset_versions()
                    .await?
                    .into_iter()
                    .find(|v| v.id == *dv)
                    .map(|v| format!("{}@{}", v.source_name, v.version_number))
                    .ok_or(Error::DatasetVersionNotFound(*dv))?;
                let dataset = self.load_dataset(*dv).await?;
                Ok(crate::diff::DiffSide {
                    label: label.clone(),
                    processes: dataset.processes,
                    method_label: Some(format!("LCIA methods of {label}")),
                    method: MethodContent {
                        indicators: dataset.lcia_methods,
                        nw_sets: dataset.normalization_weighting_sets,
                    },
                    migrations: Vec::new(),
                })
            }
            DiffTarget::Release(name) => {
                let summary = self.require_release(name).await?;
                let mut processes: Vec<Process> = Vec::new();
                for dataset in &summary.datasets {
                    processes.extend(self.load_dataset(dataset.dataset_version).await?.processes);
                }
                let (method_label, method) = match &summary.method {
                    Some(m) => (Some(m.label()), self.load_method_content(m.id).await?),
                    None => (None, MethodContent::default()),
                };
                Ok(crate::diff::DiffSide {
                    label: name.clone(),
                    processes,
                    method_label,
                    method,
                    migrations: self.id_migrations(name).await?,
                })
            }
        }
    }
}

/// `id` followed through `migrations` until no migration applies or an id repeats.
pub fn resolve_id(migrations: &[IdMigration], id: &str) -> String {
    let map: BTreeMap<&str, &str> = migrations.iter().map(|m| (m.old_id.as_str(), m.new_id.as_str())).collect();
    let mut seen = BTreeSet::new();
    let mut current = id;
    while let Some(next) = map.get(current) {
        if !seen.insert(current) {
            break;
        }
        current = next;
    }
    current.to_owned()
}
