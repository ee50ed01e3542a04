//! Link sets and flow mapping sets: the outputs of the transform crate's technosphere linking and elementary-flow
//! mapping, stored as versioned, insert-only data.
//!
//! Invariants (the database enforces insert-only with triggers, see `sql/*/0003_links_mappings.sql`):
//! - a set is identified by the sha256 of its inputs (dataset version, dependencies or method version, options,
//!   transform version: the `inputs_key`) and of its output: identical sets are never stored twice;
//! - a set is written in one transaction (header, rows) and never changes; a release names the sets it was
//!   validated with ([`crate::ValidationInput`]).

use crate::error::Context;
use crate::rows::{Cell, Rows};
use crate::{DatasetVersionId, Dialect, Error, FaultPlan, MethodVersionId, Result, Store, lock_writers, with_pool};
use ecoref_model::{Diagnostic, EntityId, Sha256Hex};
use ecoref_transform::{
    Candidate, ExchangeLink, FlowMapping, FlowMappingEntry, ImpactLoss, LinkOutput, LinkRule, LinkTable, MappingRule,
    UnmappedFlow, UnresolvedExchange,
};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Id of a `link_set` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinkSetId(pub i64);

impl fmt::Display for LinkSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Id of a `flow_mapping_set` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlowMappingSetId(pub i64);

impl fmt::Display for FlowMappingSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a save did: `inserted` is false when an identical set was already stored (`summary` is that one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaveOutcome<T> {
    pub inserted: bool,
    pub summary: T,
}

/// A link set to store: the output of `compute_links` on `dataset_version` against `dependencies` (searched in
/// this order; the output names them by label `source@N`).
#[derive(Debug, Clone)]
pub struct NewLinkSet<'a> {
    pub dataset_version: DatasetVersionId,
    pub dependencies: Vec<DatasetVersionId>,
    /// `LinkOptions::describe()`.
    pub options: String,
    pub transform_version: String,
    pub output: &'a LinkOutput,
    pub created_by: String,
}

/// One stored link set, without its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkSetSummary {
    pub id: LinkSetId,
    pub dataset_version: DatasetVersionId,
    /// `source@N`.
    pub dataset: String,
    /// `source@N` of each dependency, in search order.
    pub dependencies: Vec<String>,
    pub inputs_key: String,
    pub content_hash: String,
    pub transform_version: String,
    pub options: String,
    pub n_technosphere: i64,
    pub n_linked: i64,
    pub n_unlinked: i64,
    pub n_ambiguous: i64,
    pub created_by: String,
    pub created_at: String,
}

/// A stored link set with its rows, as the transform crate's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLinkSet {
    pub summary: LinkSetSummary,
    pub output: LinkOutput,
}

/// A flow mapping set to store: the output of `compute_flow_mapping` of `dataset_version`'s elementary flows
/// onto the flows `method_version` characterizes, and of `compute_unmapped_shares`.
#[derive(Debug, Clone)]
pub struct NewFlowMappingSet<'a> {
    pub dataset_version: DatasetVersionId,
    pub method_version: MethodVersionId,
    /// `MappingOptions::describe()`.
    pub options: String,
    pub transform_version: String,
    pub mapping: &'a FlowMapping,
    pub impact_losses: &'a [ImpactLoss],
    /// Elementary flows of the dataset that were mapped (source side).
    pub n_source_flows: u64,
    /// Flows of the method (target side), of which `n_target_synthesized` were synthesized from the factors'
    /// flow references because the method's dataset does not hold them.
    pub n_target_flows: u64,
    pub n_target_synthesized: u64,
    pub created_by: String,
}

/// One stored flow mapping set, without its rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowMappingSetSummary {
    pub id: FlowMappingSetId,
    pub dataset_version: DatasetVersionId,
    pub dataset: String,
    pub method_version: MethodVersionId,
    /// `name@version`.
    pub method: String,
    pub inputs_key: String,
    pub content_hash: String,
    pub transform_version: String,
    pub options: String,
    pub n_source_flows: i64,
    pub n_target_flows: i64,
    pub n_target_synthesized: i64,
    pub n_mapped: i64,
    pub n_unmapped: i64,
    pub impact_losses: Vec<ImpactLoss>,
    pub created_by: String,
    pub created_at: String,
}

/// A stored flow mapping set with its entries and unmapped flows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFlowMappingSet {
    pub summary: FlowMappingSetSummary,
    pub mapping: FlowMapping,
}

fn sha256_json(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).expect("plain data serializes to JSON");
    Sha256Hex::of_bytes(&bytes).0
}

/// The key of a linking run's inputs: the same key means the same link set (linking is deterministic).
pub fn link_set_inputs_key(
    dataset_version: DatasetVersionId,
    dependencies: &[DatasetVersionId],
    options: &str,
    transform_version: &str,
) -> String {
    let deps: Vec<i64> = dependencies.iter().map(|d| d.0).collect();
    sha256_json(&("link_set", dataset_version.0, deps, options, transform_version))
}

/// The key of a flow mapping run's inputs.
pub fn flow_mapping_set_inputs_key(
    dataset_version: DatasetVersionId,
    method_version: MethodVersionId,
    options: &str,
    transform_version: &str,
) -> String {
    sha256_json(&("flow_mapping_set", dataset_version.0, method_version.0, options, transform_version))
}

/// A [`LinkRule`] or [`MappingRule`] from its stored name.
fn rule_from_str<R: serde::de::DeserializeOwned>(table: &'static str, text: &str) -> Result<R> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| Error::Corrupt { table, detail: format!("rule {text:?}: {e}") })
}

fn parse_json<T: serde::de::DeserializeOwned>(table: &'static str, what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt { table, detail: format!("{what}: {e}") })
}

fn to_json(table: &'static str, value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Encode { table, detail: e.to_string() })
}

fn text_or_null(text: Option<&str>) -> Cell {
    text.map_or(Cell::Null, |t| Cell::Text(t.to_owned()))
}

const LINK_COLUMNS: [&str; 10] = [
    "link_set_id",
    "seq",
    "process_id",
    "process_version",
    "exchange",
    "flow_id",
    "provider_id",
    "provider_version",
    "provider_dataset_version_id",
    "rule",
];

const UNRESOLVED_COLUMNS: [&str; 10] = [
    "link_set_id",
    "seq",
    "process_id",
    "process_version",
    "exchange",
    "flow_id",
    "flow_name",
    "ambiguous",
    "rule",
    "candidates",
];

const ENTRY_COLUMNS: [&str; 6] = ["flow_mapping_set_id", "seq", "source_flow", "target_flow", "rule", "confidence"];

const UNMAPPED_COLUMNS: [&str; 7] =
    ["flow_mapping_set_id", "seq", "flow", "name", "compartment", "reason", "candidates"];

fn link_rows(id: i64, links: &[ExchangeLink], labels: &HashMap<String, i64>) -> Result<Vec<Vec<Cell>>> {
    links
        .iter()
        .enumerate()
        .map(|(seq, link)| {
            let provider_dv = match &link.provider_dataset {
                None => Cell::Null,
                Some(label) => Cell::Int(*labels.get(label).ok_or_else(|| Error::Encode {
                    table: "link_set_link",
                    detail: format!("provider dataset {label:?} is not a dependency of the link set"),
                })?),
            };
            Ok(vec![
                Cell::Int(id),
                Cell::Int(seq as i64),
                Cell::Text(link.process.id.clone()),
                text_or_null(link.process.version.as_deref()),
                Cell::Text(link.exchange.clone()),
                Cell::Text(link.flow.clone()),
                Cell::Text(link.provider.id.clone()),
                text_or_null(link.provider.version.as_deref()),
                provider_dv,
                Cell::Text(link.rule.as_str().to_owned()),
            ])
        })
        .collect()
}

fn unresolved_rows(id: i64, unresolved: &[UnresolvedExchange]) -> Result<Vec<Vec<Cell>>> {
    unresolved
        .iter()
        .enumerate()
        .map(|(seq, u)| {
            Ok(vec![
                Cell::Int(id),
                Cell::Int(seq as i64),
                Cell::Text(u.process.id.clone()),
                text_or_null(u.process.version.as_deref()),
                Cell::Text(u.exchange.clone()),
                Cell::Text(u.flow.clone()),
                Cell::Text(u.flow_name.clone()),
                Cell::Bool(u.ambiguous),
                text_or_null(u.rule.map(LinkRule::as_str)),
                Cell::Text(to_json("link_set_unresolved", &u.candidates)?),
            ])
        })
        .collect()
}

fn entry_rows(id: i64, entries: &[FlowMappingEntry]) -> Vec<Vec<Cell>> {
    entries
        .iter()
        .enumerate()
        .map(|(seq, e)| {
            vec![
                Cell::Int(id),
                Cell::Int(seq as i64),
                Cell::Text(e.source_flow.clone()),
                Cell::Text(e.target_flow.clone()),
                Cell::Text(e.rule.as_str().to_owned()),
                Cell::Real(e.confidence),
            ]
        })
        .collect()
}

fn unmapped_rows(id: i64, unmapped: &[UnmappedFlow]) -> Result<Vec<Vec<Cell>>> {
    unmapped
        .iter()
        .enumerate()
        .map(|(seq, u)| {
            Ok(vec![
                Cell::Int(id),
                Cell::Int(seq as i64),
                Cell::Text(u.flow.clone()),
                Cell::Text(u.name.clone()),
                text_or_null(u.compartment.as_deref()),
                Cell::Text(u.reason.clone()),
                Cell::Text(to_json("flow_mapping_unmapped", &u.candidates)?),
            ])
        })
        .collect()
}

fn boxed(rows: Vec<Vec<Cell>>) -> Rows<'static> {
    Box::new(rows.into_iter().map(Ok))
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| (*c).to_owned()).collect()
}

/// Runs `$save!` (a macro like [`save_link_set_in`], evaluating to `(id, inserted)`) on `$w` in one write
/// transaction that holds the writers' lock, and commits it.
macro_rules! save_in_transaction {
    ($store:expr, $save:ident, $w:expr, $commit:expr) => {
        with_pool!($store, |pool, dialect, write_rows| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            lock_writers!(tx, dialect, "take the write lock");
            let saved = $save!(tx, dialect, write_rows, $w);
            tx.commit().await.doing(|| $commit.to_owned())?;
            saved
        })
    };
}

/// Everything a link set save writes, prepared before the transaction.
struct LinkSetWrite {
    dataset_version: i64,
    dependencies: Vec<i64>,
    inputs_key: String,
    content_hash: String,
    transform_version: String,
    options: String,
    counts: [i64; 4],
    diagnostics: String,
    created_by: String,
    links: Vec<ExchangeLink>,
    unresolved: Vec<UnresolvedExchange>,
    labels: HashMap<String, i64>,
}

/// Inserts a link set unless its content hash exists; evaluates to `(id, inserted)`.
macro_rules! save_link_set_in {
    ($tx:ident, $dialect:ident, $write:path, $w:expr) => {{
        let w: &LinkSetWrite = $w;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM link_set WHERE content_hash = $1")
            .bind(&w.content_hash)
            .fetch_optional(&mut *$tx)
            .await
            .doing(|| "read link_set by content hash".to_owned())?;
        if let Some(id) = existing {
            (id, false)
        } else {
            let sql = format!(
                "INSERT INTO link_set (dataset_version_id, inputs_key, content_hash, transform_version, options, \
                 n_technosphere, n_linked, n_unlinked, n_ambiguous, diagnostics, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {diagnostics}, $11) RETURNING id",
                diagnostics = $dialect.json_param(10)
            );
            let id: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(w.dataset_version)
                .bind(&w.inputs_key)
                .bind(&w.content_hash)
                .bind(&w.transform_version)
                .bind(&w.options)
                .bind(w.counts[0])
                .bind(w.counts[1])
                .bind(w.counts[2])
                .bind(w.counts[3])
                .bind(&w.diagnostics)
                .bind(&w.created_by)
                .fetch_one(&mut *$tx)
                .await
                .doing(|| "insert into link_set".to_owned())?;
            for (seq, dv) in w.dependencies.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO link_set_dependency (link_set_id, seq, dataset_version_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(seq as i64)
                .bind(*dv)
                .execute(&mut *$tx)
                .await
                .doing(|| "insert into link_set_dependency".to_owned())?;
            }
            let mut no_fault = FaultPlan::none();
            let links = link_rows(id, &w.links, &w.labels)?;
            $write(&mut *$tx, "link_set_link", &columns(&LINK_COLUMNS), boxed(links), &mut no_fault).await?;
            let unresolved = unresolved_rows(id, &w.unresolved)?;
            $write(&mut *$tx, "link_set_unresolved", &columns(&UNRESOLVED_COLUMNS), boxed(unresolved), &mut no_fault)
                .await?;
            (id, true)
        }
    }};
}

/// Everything a flow mapping set save writes, prepared before the transaction.
struct FlowMappingWrite {
    dataset_version: i64,
    method_version: i64,
    inputs_key: String,
    content_hash: String,
    transform_version: String,
    options: String,
    counts: [i64; 5],
    impact_losses: String,
    created_by: String,
    entries: Vec<FlowMappingEntry>,
    unmapped: Vec<UnmappedFlow>,
}

macro_rules! save_flow_mapping_set_in {
    ($tx:ident, $dialect:ident, $write:path, $w:expr) => {{
        let w: &FlowMappingWrite = $w;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM flow_mapping_set WHERE content_hash = $1")
            .bind(&w.content_hash)
            .fetch_optional(&mut *$tx)
            .await
            .doing(|| "read flow_mapping_set by content hash".to_owned())?;
        if let Some(id) = existing {
            (id, false)
        } else {
            let sql = format!(
                "INSERT INTO flow_mapping_set (dataset_version_id, method_version_id, inputs_key, content_hash, \
                 transform_version, options, n_source_flows, n_target_flows, n_target_synthesized, n_mapped, \
                 n_unmapped, impact_losses, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, {losses}, $13) RETURNING id",
                losses = $dialect.json_param(12)
            );
            let id: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(w.dataset_version)
                .bind(w.method_version)
                .bind(&w.inputs_key)
                .bind(&w.content_hash)
                .bind(&w.transform_version)
                .bind(&w.options)
                .bind(w.counts[0])
                .bind(w.counts[1])
                .bind(w.counts[2])
                .bind(w.counts[3])
                .bind(w.counts[4])
                .bind(&w.impact_losses)
                .bind(&w.created_by)
                .fetch_one(&mut *$tx)
                .await
                .doing(|| "insert into flow_mapping_set".to_owned())?;
            let mut no_fault = FaultPlan::none();
            $write(
                &mut *$tx,
                "flow_mapping_entry",
                &columns(&ENTRY_COLUMNS),
                boxed(entry_rows(id, &w.entries)),
                &mut no_fault,
            )
            .await?;
            let unmapped = unmapped_rows(id, &w.unmapped)?;
            $write(&mut *$tx, "flow_mapping_unmapped", &columns(&UNMAPPED_COLUMNS), boxed(unmapped), &mut no_fault)
                .await?;
            (id, true)
        }
    }};
}

#[derive(Debug, sqlx::FromRow)]
struct LinkSetRow {
    id: i64,
    dataset_version_id: i64,
    inputs_key: String,
    content_hash: String,
    transform_version: String,
    options: String,
    n_technosphere: i64,
    n_linked: i64,
    n_unlinked: i64,
    n_ambiguous: i64,
    created_by: String,
    created_at: String,
}

#[derive(Debug, sqlx::FromRow)]
struct FlowMappingSetRow {
    id: i64,
    dataset_version_id: i64,
    method_version_id: i64,
    inputs_key: String,
    content_hash: String,
    transform_version: String,
    options: String,
    n_source_flows: i64,
    n_target_flows: i64,
    n_target_synthesized: i64,
    n_mapped: i64,
    n_unmapped: i64,
    impact_losses: String,
    created_by: String,
    created_at: String,
}

type LinkRow = (String, Option<String>, String, String, String, Option<String>, Option<i64>, String);
type UnresolvedRow = (String, Option<String>, String, String, String, bool, Option<String>, String);

/// Which headers of a set table to read.
#[derive(Debug, Clone, Copy)]
enum SetFilter<'a> {
    Id(i64),
    InputsKey(&'a str),
    DatasetVersion(DatasetVersionId),
    All,
}

/// What link sets and flow mapping sets share: a header table, read into a row and then into a summary.
trait SetKind {
    type Row: for<'r> sqlx::FromRow<'r, PgRow> + for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin;
    type Summary;
    /// The header table.
    const TABLE: &'static str;
    /// The header columns `Row` reads.
    fn columns(dialect: Dialect) -> String;
    async fn summaries(store: &Store, rows: Vec<Self::Row>) -> Result<Vec<Self::Summary>>;
}

/// Link sets ([`LinkSetSummary`]).
struct LinkSets;

impl SetKind for LinkSets {
    type Row = LinkSetRow;
    type Summary = LinkSetSummary;
    const TABLE: &'static str = "link_set";

    fn columns(dialect: Dialect) -> String {
        format!(
            "id, dataset_version_id, inputs_key, content_hash, transform_version, options, n_technosphere, \
             n_linked, n_unlinked, n_ambiguous, created_by, {created} AS created_at",
            created = dialect.time_text("created_at")
        )
    }

    async fn summaries(store: &Store, rows: Vec<LinkSetRow>) -> Result<Vec<LinkSetSummary>> {
        let labels = store.dataset_labels().await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let deps: Vec<i64> = with_pool!(store, |pool, _dialect| {
                sqlx::query_scalar(
                    "SELECT dataset_version_id FROM link_set_dependency WHERE link_set_id = $1 ORDER BY seq",
                )
                .bind(row.id)
                .fetch_all(pool)
                .await
                .doing(|| "read link_set_dependency".to_owned())?
            });
            let label = |dv: i64| labels.get(&dv).cloned().unwrap_or_else(|| format!("#{dv}"));
            out.push(LinkSetSummary {
                id: LinkSetId(row.id),
                dataset_version: DatasetVersionId(row.dataset_version_id),
                dataset: label(row.dataset_version_id),
                dependencies: deps.into_iter().map(label).collect(),
                inputs_key: row.inputs_key,
                content_hash: row.content_hash,
                transform_version: row.transform_version,
                options: row.options,
                n_technosphere: row.n_technosphere,
                n_linked: row.n_linked,
                n_unlinked: row.n_unlinked,
                n_ambiguous: row.n_ambiguous,
                created_by: row.created_by,
                created_at: row.created_at,
            });
        }
        Ok(out)
    }
}

/// Flow mapping sets ([`FlowMappingSetSummary`]).
struct FlowMappingSets;

impl SetKind for FlowMappingSets {
    type Row = FlowMappingSetRow;
    type Summary = FlowMappingSetSummary;
    const TABLE: &'static str = "flow_mapping_set";

    fn columns(dialect: Dialect) -> String {
        format!(
            "id, dataset_version_id, method_version_id, inputs_key, content_hash, transform_version, options, \
             n_source_flows, n_target_flows, n_target_synthesized, n_mapped, n_unmapped, \
             {losses} AS impact_losses, created_by, {created} AS created_at",
            losses = dialect.json_text("impact_losses"),
            created = dialect.time_text("created_at")
        )
    }

    async fn summaries(store: &Store, rows: Vec<FlowMappingSetRow>) -> Result<Vec<FlowMappingSetSummary>> {
        let labels = store.dataset_labels().await?;
        let methods: BTreeMap<i64, String> =
            store.list_method_versions().await?.into_iter().map(|m| (m.id.0, m.label())).collect();
        rows.into_iter()
            .map(|row| {
                Ok(FlowMappingSetSummary {
                    id: FlowMappingSetId(row.id),
                    dataset_version: DatasetVersionId(row.dataset_version_id),
                    dataset: labels
                        .get(&row.dataset_version_id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", row.dataset_version_id)),
                    method_version: MethodVersionId(row.method_version_id),
                    method: methods
                        .get(&row.method_version_id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", row.method_version_id)),
                    inputs_key: row.inputs_key,
                    content_hash: row.content_hash,
                    transform_version: row.transform_version,
                    options: row.options,
                    n_source_flows: row.n_source_flows,
                    n_target_flows: row.n_target_flows,
                    n_target_synthesized: row.n_target_synthesized,
                    n_mapped: row.n_mapped,
                    n_unmapped: row.n_unmapped,
                    impact_losses: parse_json("flow_mapping_set", "impact_losses", &row.impact_losses)?,
                    created_by: row.created_by,
                    created_at: row.created_at,
                })
            })
            .collect()
    }
}

impl Store {
    /// The headers of the sets of kind `K` that `filter` selects, oldest first (the latest is last).
    async fn set_summaries<K: SetKind>(&self, filter: SetFilter<'_>) -> Result<Vec<K::Summary>> {
        let condition = match filter {
            SetFilter::Id(_) => "WHERE id = $1",
            SetFilter::InputsKey(_) => "WHERE inputs_key = $1",
            SetFilter::DatasetVersion(_) => "WHERE dataset_version_id = $1",
            SetFilter::All => "",
        };
        let rows: Vec<K::Row> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {} FROM {} {condition} ORDER BY id", K::columns(dialect), K::TABLE);
            let query = sqlx::query_as(AssertSqlSafe(sql));
            let query = match filter {
                SetFilter::Id(id) | SetFilter::DatasetVersion(DatasetVersionId(id)) => query.bind(id),
                SetFilter::InputsKey(key) => query.bind(key.to_owned()),
                SetFilter::All => query,
            };
            query.fetch_all(pool).await.doing(|| format!("read {}", K::TABLE))?
        });
        K::summaries(self, rows).await
    }

    /// `source@N` of every dataset version, by id.
    async fn dataset_labels(&self) -> Result<BTreeMap<i64, String>> {
        Ok(self
            .list_dataset_versions()
            .await?
            .into_iter()
            .map(|v| (v.id.0, format!("{}@{}", v.source_name, v.version_number)))
            .collect())
    }

    /// Stores a link set unless an identical one (same inputs and output) is stored already.
    pub async fn save_link_set(&self, new: &NewLinkSet<'_>) -> Result<SaveOutcome<LinkSetSummary>> {
        let labels = self.dataset_labels().await?;
        let label_of = |dv: DatasetVersionId| labels.get(&dv.0).cloned().ok_or(Error::DatasetVersionNotFound(dv));
        label_of(new.dataset_version)?;
        let mut dependency_labels = HashMap::new();
        for dv in &new.dependencies {
            dependency_labels.insert(label_of(*dv)?, dv.0);
        }
        let inputs_key =
            link_set_inputs_key(new.dataset_version, &new.dependencies, &new.options, &new.transform_version);
        let content_hash = sha256_json(&(&inputs_key, new.output));
        let output = new.output;
        let write = LinkSetWrite {
            dataset_version: new.dataset_version.0,
            dependencies: new.dependencies.iter().map(|d| d.0).collect(),
            inputs_key,
            content_hash,
            transform_version: new.transform_version.clone(),
            options: new.options.clone(),
            counts: [
                output.n_technosphere as i64,
                output.n_linked() as i64,
                output.n_unlinked() as i64,
                output.n_ambiguous() as i64,
            ],
            diagnostics: to_json("link_set", &output.diagnostics)?,
            created_by: new.created_by.clone(),
            links: output.table.links.clone(),
            unresolved: output.unresolved.clone(),
            labels: dependency_labels,
        };
        let (id, inserted) = save_in_transaction!(self, save_link_set_in, &write, "commit the link set");
        let summary = self.link_set_summary(LinkSetId(id)).await?;
        if inserted {
            tracing::info!(
                link_set = id,
                dataset = %summary.dataset,
                n_linked = summary.n_linked,
                n_unlinked = summary.n_unlinked,
                n_ambiguous = summary.n_ambiguous,
                "Link set stored."
            );
        }
        Ok(SaveOutcome { inserted, summary })
    }

    /// One link set's header.
    pub async fn link_set_summary(&self, id: LinkSetId) -> Result<LinkSetSummary> {
        self.set_summaries::<LinkSets>(SetFilter::Id(id.0)).await?.pop().ok_or(Error::LinkSetNotFound(id))
    }

    /// The latest link set computed from these inputs ([`link_set_inputs_key`]), if any.
    pub async fn find_link_set(&self, inputs_key: &str) -> Result<Option<LinkSetSummary>> {
        Ok(self.set_summaries::<LinkSets>(SetFilter::InputsKey(inputs_key)).await?.pop())
    }

    /// Every link set (of one dataset version), oldest first.
    pub async fn list_link_sets(&self, dataset_version: Option<DatasetVersionId>) -> Result<Vec<LinkSetSummary>> {
        self.set_summaries::<LinkSets>(dataset_version.map_or(SetFilter::All, SetFilter::DatasetVersion)).await
    }

    /// A link set with its rows, as `compute_links` returned it.
    pub async fn load_link_set(&self, id: LinkSetId) -> Result<StoredLinkSet> {
        let summary = self.link_set_summary(id).await?;
        let labels = self.dataset_labels().await?;
        let (links, unresolved, diagnostics): (Vec<LinkRow>, Vec<UnresolvedRow>, String) =
            with_pool!(self, |pool, dialect| {
                let links = sqlx::query_as(
                    "SELECT process_id, process_version, exchange, flow_id, provider_id, provider_version, \
                     provider_dataset_version_id, rule FROM link_set_link WHERE link_set_id = $1 ORDER BY seq",
                )
                .bind(id.0)
                .fetch_all(pool)
                .await
                .doing(|| "read link_set_link".to_owned())?;
                let sql = format!(
                    "SELECT process_id, process_version, exchange, flow_id, flow_name, ambiguous, rule, {candidates} \
                     FROM link_set_unresolved WHERE link_set_id = $1 ORDER BY seq",
                    candidates = dialect.json_text("candidates")
                );
                let unresolved = sqlx::query_as(AssertSqlSafe(sql))
                    .bind(id.0)
                    .fetch_all(pool)
                    .await
                    .doing(|| "read link_set_unresolved".to_owned())?;
                let sql = format!("SELECT {} FROM link_set WHERE id = $1", dialect.json_text("diagnostics"));
                let diagnostics = sqlx::query_scalar(AssertSqlSafe(sql))
                    .bind(id.0)
                    .fetch_one(pool)
                    .await
                    .doing(|| "read link_set diagnostics".to_owned())?;
                (links, unresolved, diagnostics)
            });
        let mut output = LinkOutput {
            table: LinkTable::default(),
            unresolved: Vec::with_capacity(unresolved.len()),
            diagnostics: parse_json::<Vec<Diagnostic>>("link_set", "diagnostics", &diagnostics)?,
            n_technosphere: u64::try_from(summary.n_technosphere).unwrap_or(0),
        };
        for (process_id, process_version, exchange, flow, provider_id, provider_version, provider_dv, rule) in links {
            let provider_dataset = match provider_dv {
                None => None,
                Some(dv) => Some(labels.get(&dv).cloned().ok_or(Error::Corrupt {
                    table: "link_set_link",
                    detail: format!("provider dataset version {dv} does not exist"),
                })?),
            };
            output.table.links.push(ExchangeLink {
                process: EntityId::new(process_id, process_version),
                exchange,
                flow,
                provider: EntityId::new(provider_id, provider_version),
                provider_dataset,
                rule: rule_from_str::<LinkRule>("link_set_link", &rule)?,
            });
        }
        for (process_id, process_version, exchange, flow, flow_name, ambiguous, rule, candidates) in unresolved {
            output.unresolved.push(UnresolvedExchange {
                process: EntityId::new(process_id, process_version),
                exchange,
                flow,
                flow_name,
                ambiguous,
                rule: rule.as_deref().map(|r| rule_from_str::<LinkRule>("link_set_unresolved", r)).transpose()?,
                candidates: parse_json::<Vec<Candidate>>("link_set_unresolved", "candidates", &candidates)?,
            });
        }
        Ok(StoredLinkSet { summary, output })
    }

    /// Stores a flow mapping set unless an identical one is stored already.
    pub async fn save_flow_mapping_set(
        &self,
        new: &NewFlowMappingSet<'_>,
    ) -> Result<SaveOutcome<FlowMappingSetSummary>> {
        self.require_dataset_version(new.dataset_version).await?;
        self.method_version_by_id(new.method_version).await?;
        let inputs_key =
            flow_mapping_set_inputs_key(new.dataset_version, new.method_version, &new.options, &new.transform_version);
        let content_hash = sha256_json(&(
            &inputs_key,
            new.mapping,
            new.impact_losses,
            new.n_source_flows,
            new.n_target_flows,
            new.n_target_synthesized,
        ));
        let write = FlowMappingWrite {
            dataset_version: new.dataset_version.0,
            method_version: new.method_version.0,
            inputs_key,
            content_hash,
            transform_version: new.transform_version.clone(),
            options: new.options.clone(),
            counts: [
                new.n_source_flows as i64,
                new.n_target_flows as i64,
                new.n_target_synthesized as i64,
                new.mapping.entries.len() as i64,
                new.mapping.unmapped.len() as i64,
            ],
            impact_losses: to_json("flow_mapping_set", &new.impact_losses)?,
            created_by: new.created_by.clone(),
            entries: new.mapping.entries.clone(),
            unmapped: new.mapping.unmapped.clone(),
        };
        let (id, inserted) =
            save_in_transaction!(self, save_flow_mapping_set_in, &write, "commit the flow mapping set");
        let summary = self.flow_mapping_set_summary(FlowMappingSetId(id)).await?;
        if inserted {
            tracing::info!(
                flow_mapping_set = id,
                dataset = %summary.dataset,
                method = %summary.method,
                n_mapped = summary.n_mapped,
                n_unmapped = summary.n_unmapped,
                "Flow mapping set stored."
            );
        }
        Ok(SaveOutcome { inserted, summary })
    }

    /// One flow mapping set's header.
    pub async fn flow_mapping_set_summary(&self, id: FlowMappingSetId) -> Result<FlowMappingSetSummary> {
        self.set_summaries::<FlowMappingSets>(SetFilter::Id(id.0)).await?.pop().ok_or(Error::FlowMappingSetNotFound(id))
    }

    /// The latest flow mapping set computed from these inputs ([`flow_mapping_set_inputs_key`]), if any.
    pub async fn find_flow_mapping_set(&self, inputs_key: &str) -> Result<Option<FlowMappingSetSummary>> {
        Ok(self.set_summaries::<FlowMappingSets>(SetFilter::InputsKey(inputs_key)).await?.pop())
    }

    /// Every flow mapping set (of one dataset version), oldest first.
    pub async fn list_flow_mapping_sets(
        &self,
        dataset_version: Option<DatasetVersionId>,
    ) -> Result<Vec<FlowMappingSetSummary>> {
        self.set_summaries::<FlowMappingSets>(dataset_version.map_or(SetFilter::All, SetFilter::DatasetVersion)).await
    }

    /// A flow mapping set with its entries and unmapped flows, as `compute_flow_mapping` returned them.
    pub async fn load_flow_mapping_set(&self, id: FlowMappingSetId) -> Result<StoredFlowMappingSet> {
        let summary = self.flow_mapping_set_summary(id).await?;
        type EntryRow = (String, String, String, f64);
        type UnmappedRow = (String, String, Option<String>, String, String);
        let (entries, unmapped): (Vec<EntryRow>, Vec<UnmappedRow>) = with_pool!(self, |pool, dialect| {
            let entries = sqlx::query_as(
                "SELECT source_flow, target_flow, rule, confidence FROM flow_mapping_entry \
                 WHERE flow_mapping_set_id = $1 ORDER BY seq",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
            .doing(|| "read flow_mapping_entry".to_owned())?;
            let sql = format!(
                "SELECT flow, name, compartment, reason, {candidates} FROM flow_mapping_unmapped \
                 WHERE flow_mapping_set_id = $1 ORDER BY seq",
                candidates = dialect.json_text("candidates")
            );
            let unmapped = sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_all(pool)
                .await
                .doing(|| "read flow_mapping_unmapped".to_owned())?;
            (entries, unmapped)
        });
        let mut mapping = FlowMapping::default();
        for (source_flow, target_flow, rule, confidence) in entries {
            mapping.entries.push(FlowMappingEntry {
                source_flow,
                target_flow,
                rule: rule_from_str::<MappingRule>("flow_mapping_entry", &rule)?,
                confidence,
            });
        }
        for (flow, name, compartment, reason, candidates) in unmapped {
            mapping.unmapped.push(UnmappedFlow {
                flow,
                name,
                compartment,
                reason,
                candidates: parse_json("flow_mapping_unmapped", "candidates", &candidates)?,
            });
        }
        Ok(StoredFlowMappingSet { summary, mapping })
    }
}
