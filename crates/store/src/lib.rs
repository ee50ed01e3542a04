//! The reference database: migrations, import runs, dataset versions and bulk load, on PostgreSQL or SQLite.
//!
//! Invariants:
//! - this is the only crate that speaks SQL; callers see model types and the summaries below;
//! - the schema lives in `sql/postgres` and `sql/sqlite` (same logical schema), embedded and forward-only;
//! - dataset versions and their entity rows are insert-only and import runs append-only, enforced by the
//!   database itself (triggers), not only by this crate;
//! - a load is one transaction: a dataset version is visible entirely or not at all, and the run's status
//!   changes in that same transaction;
//! - releases ([`release`]): method versions are insert-only, a published release and its membership never
//!   change, tags keep every move — enforced by triggers too; diffs ([`diff`]) are pure functions;
//! - link sets and flow mapping sets ([`links`]) are insert-only and content-hashed; a published release names
//!   the ones it was validated with;
//! - the dataset is turned into rows once ([`rows`]); PostgreSQL consumes them with `COPY`, SQLite with
//!   prepared multi-row inserts. Nothing goes through sqlx's `Any` driver. A packed dataset
//!   ([`ecoref_model::PackedDataset`]) is loaded process by process from its packed records.

mod diff;
mod error;
mod links;
mod liveness;
mod pg;
mod pipeline;
mod release;
mod rows;
mod session_lock;
mod sqlite;
mod sqlite_load;
mod tokens;
mod types;

pub use diff::{
    AmountChange, DiffOptions, DiffSide, DiffSummary, ExchangeFieldsChange, ExchangeRef, FactorChange, FactorRef,
    FieldChange, ImpactChange, IndicatorChange, IndicatorRef, MethodDiff, NwEntryChange, NwSetChange, ProcessChange,
    ProcessRef, ProposedMigration, ReleaseDiff, Rename, compute_diff,
};
pub use error::{Error, Result};
pub use links::{
    FlowMappingSetId, FlowMappingSetSummary, LinkSetId, LinkSetSummary, NewFlowMappingSet, NewLinkSet, SaveOutcome,
    StoredFlowMappingSet, StoredLinkSet, flow_mapping_set_inputs_key, link_set_inputs_key,
};
pub use liveness::RunLiveness;
pub use pipeline::{NewPipelineRun, PipelineLock, PipelineRunId, PipelineRunStatus, PipelineRunSummary};
pub use release::{
    DiffTarget, IdMigration, MethodContent, MethodVersionId, MethodVersionSummary, NewMethodVersion, NewRelease,
    RegisterOutcome, ReleaseDataset, ReleaseDetail, ReleaseEdit, ReleaseId, ReleaseSummary, TagEvent, TagMove,
    TagSummary, UnlinkedExchange, ValidationInput, ValidationReport, resolve_id,
};
pub use tokens::{ApiTokenId, ApiTokenRef, ApiTokenSummary};
pub use types::{
    DatasetVersionId, DatasetVersionSummary, ExchangeCells, ExchangeRow, InputFile, LoadOptions, LoadOutcome, NewRun,
    ProcessDetail, ProcessSummary, RunId, RunSummary,
};

use crate::error::Context;
pub use crate::rows::DatasetRef;
use crate::rows::{Cell, ColumnType, ReadEntity, Table};
use ecoref_model::{Counts, Dataset, Diagnostic, Exchange, Flow, Process};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// A connection pool to the reference database.
#[derive(Debug, Clone)]
pub enum Store {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The SQL differences between the backends that shared queries need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// Statement that opens a transaction which will write.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Postgres => "BEGIN",
            // Take the write lock up front: writers queue on busy_timeout instead of failing on lock upgrade.
            Dialect::Sqlite => "BEGIN IMMEDIATE",
        }
    }

    fn now(self) -> &'static str {
        match self {
            Dialect::Postgres => "clock_timestamp()",
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        }
    }

    /// A timestamp column as ISO-8601 UTC text with milliseconds, the same on both backends.
    fn time_text(self, column: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
            }
            Dialect::Sqlite => column.to_owned(),
        }
    }

    pub(crate) fn json_text(self, column: &str) -> String {
        match self {
            Dialect::Postgres => format!("{column}::text"),
            Dialect::Sqlite => column.to_owned(),
        }
    }

    fn json_param(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}::jsonb"),
            Dialect::Sqlite => format!("${n}"),
        }
    }
}

/// Runs `$body` with `$pool` bound to the backend's pool and `$dialect` to its [`Dialect`]; the body is
/// type-checked once per backend, so shared SQL stays shared without the `Any` driver.
/// With a third name, `$write` is bound to the backend's bulk writer (`pg::write_rows` or `sqlite::write_rows`).
macro_rules! with_pool {
    ($store:expr, |$pool:ident, $dialect:ident| $body:expr) => {
        match $store {
            Store::Postgres($pool) => {
                let $dialect = Dialect::Postgres;
                $body
            }
            Store::Sqlite($pool) => {
                let $dialect = Dialect::Sqlite;
                $body
            }
        }
    };
    ($store:expr, |$pool:ident, $dialect:ident, $write:ident| $body:expr) => {
        match $store {
            Store::Postgres($pool) => {
                let $dialect = Dialect::Postgres;
                let $write = $crate::pg::write_rows;
                $body
            }
            Store::Sqlite($pool) => {
                let $dialect = Dialect::Sqlite;
                let $write = $crate::sqlite::write_rows;
                $body
            }
        }
    };
    // With a fourth name, `$write_entities` is bound to the backend's entity-table writer.
    ($store:expr, |$pool:ident, $dialect:ident, $write:ident, $write_entities:ident| $body:expr) => {
        match $store {
            Store::Postgres($pool) => {
                let $dialect = Dialect::Postgres;
                let $write = $crate::pg::write_rows;
                let $write_entities = $crate::pg::write_entity_rows;
                $body
            }
            Store::Sqlite($pool) => {
                let $dialect = Dialect::Sqlite;
                let $write = $crate::sqlite::write_rows;
                let $write_entities = $crate::sqlite::write_entity_rows;
                $body
            }
        }
    };
}

pub(crate) use with_pool;

/// On PostgreSQL, takes the transaction-scoped advisory lock that serializes loads and set saves; on SQLite the
/// write transaction (`BEGIN IMMEDIATE`) already holds the database's single write lock.
macro_rules! lock_writers {
    ($tx:ident, $dialect:ident, $doing:expr) => {
        if $dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind($crate::pg::LOAD_LOCK_KEY)
                .execute(&mut *$tx)
                .await
                .doing(|| $doing.to_owned())?;
        }
    };
}

pub(crate) use lock_writers;

/// Fails with [`Error::RunNotFound`] or [`Error::RunNotRunning`] unless the run is running.
macro_rules! require_running {
    ($tx:ident, $run:expr) => {{
        let run: RunId = $run;
        let status: Option<String> = sqlx::query_scalar(RUN_STATUS_SQL)
            .bind(run.0)
            .fetch_optional(&mut *$tx)
            .await
            .doing(|| format!("read import run {run}"))?;
        check_running(run, status)?;
    }};
}

/// The status of an import run: binds the run id.
pub(crate) const RUN_STATUS_SQL: &str = "SELECT status FROM import_run WHERE id = $1";

/// The dataset version holding some content: binds the content hash.
pub(crate) const VERSION_BY_HASH_SQL: &str = "SELECT id, version_number FROM dataset_version WHERE content_hash = $1";

/// The next version number of a source: binds the source name.
pub(crate) const NEXT_VERSION_NUMBER_SQL: &str =
    "SELECT COALESCE(MAX(version_number), 0) + 1 FROM dataset_version WHERE source_name = $1";

/// Fails with [`Error::RunNotFound`] or [`Error::RunNotRunning`] unless `status`, the run's, is `running`.
pub(crate) fn check_running(run: RunId, status: Option<String>) -> Result<()> {
    match status.as_deref() {
        None => Err(Error::RunNotFound(run)),
        Some("running") => Ok(()),
        Some(status) => Err(Error::RunNotRunning { run, status: status.to_owned() }),
    }
}

/// Finishes a run as `unchanged`: binds dataset version id, diagnostics, rejected, note, run id.
pub(crate) fn finish_unchanged_sql(dialect: Dialect) -> String {
    format!(
        "UPDATE import_run SET status = 'unchanged', finished_at = {now}, dataset_version_id = $1, \
         n_diagnostics = $2, n_rejected = $3, note = $4 WHERE id = $5",
        now = dialect.now()
    )
}

/// Inserts a dataset version and returns its id: binds source, version number, content hash, counts, run id.
pub(crate) fn insert_dataset_version_sql(dialect: Dialect) -> String {
    format!(
        "INSERT INTO dataset_version (source_name, version_number, content_hash, counts, created_by_run) \
         VALUES ($1, $2, $3, {counts}, $5) RETURNING id",
        counts = dialect.json_param(4)
    )
}

/// Finishes a run as `succeeded`: binds dataset version id, counts, diagnostics, rejected, run id.
pub(crate) fn finish_succeeded_sql(dialect: Dialect) -> String {
    format!(
        "UPDATE import_run SET status = 'succeeded', finished_at = {now}, dataset_version_id = $1, \
         counts = {counts}, n_diagnostics = $3, n_rejected = $4 WHERE id = $5",
        now = dialect.now(),
        counts = dialect.json_param(2)
    )
}

macro_rules! finish_failed {
    ($tx:ident, $dialect:ident, $run:expr, $error:expr, $n_diagnostics:expr) => {{
        let run: RunId = $run;
        let sql = format!(
            "UPDATE import_run SET status = 'failed', finished_at = {now}, error = $1, n_diagnostics = $2 \
             WHERE id = $3",
            now = $dialect.now()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind($error)
            .bind($n_diagnostics)
            .bind(run.0)
            .execute(&mut *$tx)
            .await
            .doing(|| format!("finish import run {run} as failed"))?;
    }};
}

/// Writes rows with the backend's bulk path: `$write` is `pg::write_rows` or `sqlite::write_rows`,
/// `$write_entities` `pg::write_entity_rows` or `sqlite::write_entity_rows`.
macro_rules! load_in_transaction {
    ($tx:ident, $dialect:ident, $write:path, $write_entities:path, $args:expr) => {{
        let LoadArgs { run, source_name, dataset, content_hash, diagnostics, n_rejected, options } = $args;
        require_running!($tx, run);
        let n_diagnostics = diagnostics.len() as i64;
        let n_rejected = i64::try_from(n_rejected).unwrap_or(i64::MAX);
        let mut no_fault = FaultPlan::none();
        $write(
            &mut *$tx,
            "import_diagnostic",
            &rows::DIAGNOSTIC_COLUMNS.map(String::from),
            rows::diagnostic_rows(run.0, diagnostics),
            &mut no_fault,
        )
        .await?;

        let existing: Option<(i64, i64)> = sqlx::query_as(VERSION_BY_HASH_SQL)
            .bind(content_hash.as_str())
            .fetch_optional(&mut *$tx)
            .await
            .doing(|| "read dataset_version by content hash".to_owned())?;
        let outcome = if let Some((id, version_number)) = existing {
            sqlx::query(AssertSqlSafe(finish_unchanged_sql($dialect)))
                .bind(id)
                .bind(n_diagnostics)
                .bind(n_rejected)
                .bind(format!("content identical to dataset version {id} ({source_name}@{version_number})"))
                .bind(run.0)
                .execute(&mut *$tx)
                .await
                .doing(|| format!("finish import run {run} as unchanged"))?;
            LoadOutcome::Unchanged { dataset_version: DatasetVersionId(id), version_number }
        } else {
            let counts = dataset.counts();
            let counts_json = serde_json::to_string(&counts).expect("counts serialize to JSON");
            let version_number: i64 = sqlx::query_scalar(NEXT_VERSION_NUMBER_SQL)
                .bind(source_name)
                .fetch_one(&mut *$tx)
                .await
                .doing(|| "read the next dataset version number".to_owned())?;
            let id: i64 = sqlx::query_scalar(AssertSqlSafe(insert_dataset_version_sql($dialect)))
                .bind(source_name)
                .bind(version_number)
                .bind(content_hash.as_str())
                .bind(&counts_json)
                .bind(run.0)
                .fetch_one(&mut *$tx)
                .await
                .doing(|| "insert into dataset_version".to_owned())?;
            let mut fault = FaultPlan::from_options(options);
            fault.check().await?;
            for table in rows::ENTITY_TABLES {
                if rows::known_empty(table, &counts) {
                    // Finding out would mean walking every parent (every packed process for lcia_result).
                    continue;
                }
                let n = $write_entities(
                    &mut *$tx,
                    table.name,
                    &table.column_names(),
                    rows::EntityRows::new(table, dataset, id),
                    &mut fault,
                )
                .await?;
                tracing::debug!(table = table.name, n_rows = n, "Rows written.");
            }
            sqlx::query(AssertSqlSafe(finish_succeeded_sql($dialect)))
                .bind(id)
                .bind(&counts_json)
                .bind(n_diagnostics)
                .bind(n_rejected)
                .bind(run.0)
                .execute(&mut *$tx)
                .await
                .doing(|| format!("finish import run {run} as succeeded"))?;
            LoadOutcome::Loaded { dataset_version: DatasetVersionId(id), version_number, counts }
        };
        outcome
    }};
}

/// Everything [`Store::load`] passes to the backend's transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadArgs<'a> {
    pub(crate) run: RunId,
    pub(crate) source_name: &'a str,
    pub(crate) dataset: DatasetRef<'a>,
    pub(crate) content_hash: &'a ecoref_model::ContentHash,
    pub(crate) diagnostics: &'a [Diagnostic],
    pub(crate) n_rejected: u64,
    pub(crate) options: &'a LoadOptions,
}

/// Fault injection for tests ([`LoadOptions`]): counts entity rows, fails or pauses after the configured number.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    n_rows: u64,
    fail_after_rows: Option<u64>,
    pause_after_rows: Option<(u64, Duration)>,
}

impl FaultPlan {
    pub(crate) fn none() -> Self {
        FaultPlan { n_rows: 0, fail_after_rows: None, pause_after_rows: None }
    }

    fn from_options(options: &LoadOptions) -> Self {
        FaultPlan { n_rows: 0, fail_after_rows: options.fail_after_rows, pause_after_rows: options.pause_after_rows }
    }

    /// Call after each unit of `n` rows written; fires when the configured count is reached within it.
    pub(crate) async fn after_rows(&mut self, n: u64) -> Result<()> {
        let before = self.n_rows;
        self.n_rows += n;
        let reached = |limit: u64| before < limit && limit <= self.n_rows;
        if let Some(limit) = self.fail_after_rows
            && reached(limit)
        {
            return Err(Error::InjectedFault(limit));
        }
        if let Some((limit, pause)) = self.pause_after_rows
            && reached(limit)
        {
            tracing::warn!(
                n_rows = limit,
                pause_ms = pause.as_millis() as u64,
                "Fault injection: pausing inside the load transaction."
            );
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }

    async fn check(&mut self) -> Result<()> {
        if self.fail_after_rows == Some(self.n_rows) {
            return Err(Error::InjectedFault(self.n_rows));
        }
        if let Some((n, pause)) = self.pause_after_rows
            && n == self.n_rows
        {
            tracing::warn!(
                n_rows = self.n_rows,
                pause_ms = pause.as_millis() as u64,
                "Fault injection: pausing inside the load transaction."
            );
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }
}

#[derive(Debug, sqlx::FromRow)]
struct RunRow {
    id: i64,
    source_name: String,
    pipeline: Option<String>,
    reader_name: String,
    reader_version: String,
    idempotency_key: String,
    status: String,
    started_at: String,
    finished_at: Option<String>,
    counts: Option<String>,
    n_diagnostics: i64,
    n_rejected: i64,
    error: Option<String>,
    note: Option<String>,
    dataset_version_id: Option<i64>,
}

fn run_columns(dialect: Dialect) -> String {
    format!(
        "r.id, r.source_name, r.pipeline, r.reader_name, r.reader_version, r.idempotency_key, r.status, \
         {started} AS started_at, {finished} AS finished_at, {counts} AS counts, r.n_diagnostics, r.n_rejected, \
         r.error, r.note, r.dataset_version_id",
        started = dialect.time_text("r.started_at"),
        finished = dialect.time_text("r.finished_at"),
        counts = dialect.json_text("r.counts"),
    )
}

#[derive(Debug, sqlx::FromRow)]
struct DatasetVersionRow {
    id: i64,
    source_name: String,
    version_number: i64,
    content_hash: String,
    counts: String,
    created_at: String,
    created_by_run: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct ProcessSummaryRow {
    dataset_version_id: i64,
    source_name: String,
    version_number: i64,
    ordinal: i64,
    id: String,
    version: Option<String>,
    name: String,
    location: Option<String>,
    process_type: Option<String>,
    n_exchanges: i64,
}

impl ProcessSummaryRow {
    fn into_summary(self) -> ProcessSummary {
        ProcessSummary {
            dataset_version: DatasetVersionId(self.dataset_version_id),
            source_name: self.source_name,
            version_number: self.version_number,
            id: self.id,
            version: self.version,
            name: self.name,
            location: self.location,
            process_type: self.process_type,
            n_exchanges: self.n_exchanges,
        }
    }
}

const PROCESS_SUMMARY_COLUMNS: &str = "p.dataset_version_id, d.source_name, d.version_number, p.ordinal, p.id, \
     p.version, p.name, p.location, p.process_type, \
     (SELECT COUNT(*) FROM exchange e WHERE e.dataset_version_id = p.dataset_version_id \
      AND e.process_ordinal = p.ordinal) AS n_exchanges";

/// Which rows of an entity table to read, besides the dataset version.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowFilter {
    All,
    Parent(i64),
    /// Children of the parents with ordinals in `start..end`.
    Parents(i64, i64),
    Ordinal(i64),
}

/// `(start, end)` ranges of at most `size` (at least 1) that cover `0..n`, in order.
fn chunks(n: i64, size: i64) -> impl Iterator<Item = (i64, i64)> {
    let size = size.max(1);
    (0..n)
        .step_by(usize::try_from(size).unwrap_or(usize::MAX))
        .map(move |start| (start, start.saturating_add(size).min(n)))
}

fn parse_counts(table: &'static str, json: &str) -> Result<Counts> {
    serde_json::from_str(json).map_err(|e| Error::Corrupt { table, detail: format!("counts: {e}") })
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://path` / `sqlite:path` (the file and its parent directories are
    /// created when missing) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = pg::connect(url).await?;
            Store::from_pg_pool(pool).await
        } else if url.starts_with("sqlite:") {
            let pool = sqlite::connect(url).await?;
            Store::from_sqlite_pool(pool).await
        } else {
            let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
            Err(Error::UnsupportedUrl(format!("{scheme}:…")))
        }
    }

    /// Wraps an existing PostgreSQL pool and applies pending migrations (idempotent).
    pub async fn from_pg_pool(pool: PgPool) -> Result<Store> {
        pg::migrate(&pool).await?;
        Ok(Store::Postgres(pool))
    }

    /// Wraps an existing SQLite pool and applies pending migrations (idempotent).
    pub async fn from_sqlite_pool(pool: SqlitePool) -> Result<Store> {
        sqlite::migrate(&pool).await?;
        Ok(Store::Sqlite(pool))
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "postgres",
            Store::Sqlite(_) => "sqlite",
        }
    }

    /// Records a new run with status `running`, committed at once so that a crash leaves a trace.
    pub async fn start_run(&self, run: &NewRun) -> Result<RunId> {
        let inputs_hash = run.inputs_hash();
        let options_hash = run.options_hash();
        let idempotency_key = run.idempotency_key();
        with_pool!(self, |pool, dialect, write_rows| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO import_run (source_name, pipeline, reader_name, reader_version, options, options_hash, \
                 inputs_hash, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&run.source_name)
            .bind(&run.pipeline)
            .bind(&run.reader_name)
            .bind(&run.reader_version)
            .bind(&run.options)
            .bind(&options_hash)
            .bind(&inputs_hash)
            .bind(&idempotency_key)
            .fetch_one(&mut *tx)
            .await
            .doing(|| "insert into import_run".to_owned())?;
            let mut no_fault = FaultPlan::none();
            write_rows(
                &mut tx,
                "import_input",
                &rows::INPUT_COLUMNS.map(String::from),
                rows::input_rows(id, &run.inputs),
                &mut no_fault,
            )
            .await?;
            tx.commit().await.doing(|| "commit the new import run".to_owned())?;
            tracing::info!(run = id, source = %run.source_name, "Import run started.");
            Ok(RunId(id))
        })
    }

    /// The latest succeeded or unchanged run with this idempotency key whose dataset version exists: a re-run
    /// with the same inputs, reader and options can stop here.
    pub async fn find_reusable_run(&self, idempotency_key: &str) -> Result<Option<RunSummary>> {
        let row: Option<RunRow> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT {columns} FROM import_run r JOIN dataset_version d ON d.id = r.dataset_version_id \
                 WHERE r.idempotency_key = $1 AND r.status IN ('succeeded', 'unchanged') ORDER BY r.id DESC LIMIT 1",
                columns = run_columns(dialect)
            );
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(idempotency_key)
                .fetch_optional(pool)
                .await
                .doing(|| "read import_run by idempotency key".to_owned())?
        });
        match row {
            Some(row) => Ok(Some(self.read_run_summary(row).await?)),
            None => Ok(None),
        }
    }

    /// Finishes a running run as `unchanged`, pointing at an existing dataset version (e.g. the one a reusable
    /// run produced), with `reason` recorded as the run's note.
    pub async fn finish_unchanged(&self, run: RunId, dataset_version: DatasetVersionId, reason: &str) -> Result<()> {
        with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM dataset_version WHERE id = $1")
                .bind(dataset_version.0)
                .fetch_optional(&mut *tx)
                .await
                .doing(|| format!("read dataset version {dataset_version}"))?;
            if exists.is_none() {
                return Err(Error::DatasetVersionNotFound(dataset_version));
            }
            require_running!(tx, run);
            let sql = format!(
                "UPDATE import_run SET status = 'unchanged', finished_at = {now}, dataset_version_id = $1, \
                 note = $2 WHERE id = $3",
                now = dialect.now()
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(dataset_version.0)
                .bind(reason)
                .bind(run.0)
                .execute(&mut *tx)
                .await
                .doing(|| format!("finish import run {run} as unchanged"))?;
            tx.commit().await.doing(|| format!("commit import run {run}"))?;
            Ok(())
        })
    }

    /// Loads `dataset` (a [`Dataset`], a packed one or a reader's [`ecoref_model::DatasetContent`]) as the
    /// content of `run`, in one transaction. Identical content (same content hash) is not stored again: the run
    /// then finishes `unchanged` and points at the existing version. Otherwise a new dataset version (next
    /// version number for `source_name`) is inserted with all its rows, and the run finishes `succeeded`.
    /// Diagnostics are recorded either way. On error nothing is written and the run stays `running`: call
    /// [`Store::fail_run`].
    pub async fn load<'d>(
        &self,
        run: RunId,
        source_name: &str,
        dataset: impl Into<DatasetRef<'d>>,
        diagnostics: &[Diagnostic],
        n_rejected: u64,
        options: &LoadOptions,
    ) -> Result<LoadOutcome> {
        let dataset: DatasetRef<'d> = dataset.into();
        let started = std::time::Instant::now();
        let content_hash = dataset.content_hash();
        let args =
            LoadArgs { run, source_name, dataset, content_hash: &content_hash, diagnostics, n_rejected, options };
        // One transaction; loads (and every other writer) queue behind each other on the write lock.
        if let Store::Sqlite(pool) = self
            && let Some(path) = sqlite::database_file(pool)
        {
            let outcome = sqlite_load::load(&path, sqlite::BUSY_TIMEOUT, args).await?;
            return Ok(self.loaded(args, outcome, started));
        }
        let outcome = with_pool!(self, |pool, dialect, write_rows, write_entity_rows| {
            let mut tx =
                pool.begin_with(dialect.begin_write()).await.doing(|| "begin the load transaction".to_owned())?;
            lock_writers!(tx, dialect, "take the load lock");
            let outcome = load_in_transaction!(tx, dialect, write_rows, write_entity_rows, args);
            tx.commit().await.doing(|| format!("commit the load of run {}", args.run))?;
            outcome
        });
        Ok(self.loaded(args, outcome, started))
    }

    /// Logs a finished load and returns its outcome.
    fn loaded(&self, args: LoadArgs<'_>, outcome: LoadOutcome, started: std::time::Instant) -> LoadOutcome {
        let n_rows = match &outcome {
            LoadOutcome::Loaded { counts, .. } => counts.total_rows(),
            LoadOutcome::Unchanged { .. } => 0,
        };
        let seconds = started.elapsed().as_secs_f64();
        tracing::info!(
            run = args.run.0,
            source = args.source_name,
            content_hash = %args.content_hash,
            backend = self.backend(),
            n_rows,
            seconds,
            rows_per_second = (n_rows as f64 / seconds.max(1e-9)).round(),
            "Dataset loaded."
        );
        outcome
    }

    /// Finishes a running run as `failed` with `error` and its diagnostics, in a transaction of its own.
    pub async fn fail_run(&self, run: RunId, error: &str, diagnostics: &[Diagnostic]) -> Result<()> {
        let n_diagnostics = diagnostics.len() as i64;
        with_pool!(self, |pool, dialect, write_rows| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            require_running!(tx, run);
            let mut no_fault = FaultPlan::none();
            write_rows(
                &mut tx,
                "import_diagnostic",
                &rows::DIAGNOSTIC_COLUMNS.map(String::from),
                rows::diagnostic_rows(run.0, diagnostics),
                &mut no_fault,
            )
            .await?;
            finish_failed!(tx, dialect, run, error, n_diagnostics);
            tx.commit().await.doing(|| format!("commit import run {run}"))?;
        });
        tracing::warn!(run = run.0, error, "Import run failed.");
        Ok(())
    }

    /// The latest `limit` runs, newest first.
    pub async fn list_runs(&self, limit: u32) -> Result<Vec<RunSummary>> {
        let rows: Vec<RunRow> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT {columns} FROM import_run r ORDER BY r.id DESC LIMIT $1",
                columns = run_columns(dialect)
            );
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .doing(|| "read import_run".to_owned())?
        });
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            runs.push(self.read_run_summary(row).await?);
        }
        Ok(runs)
    }

    /// One import run, with its inputs.
    pub async fn find_run(&self, run: RunId) -> Result<Option<RunSummary>> {
        let row: Option<RunRow> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {columns} FROM import_run r WHERE r.id = $1", columns = run_columns(dialect));
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(run.0)
                .fetch_optional(pool)
                .await
                .doing(|| format!("read import_run {run}"))?
        });
        match row {
            Some(row) => Ok(Some(self.read_run_summary(row).await?)),
            None => Ok(None),
        }
    }

    async fn read_run_summary(&self, row: RunRow) -> Result<RunSummary> {
        type InputRow = (String, String, i64, Option<String>, Option<String>);
        let inputs: Vec<InputRow> = with_pool!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT name, sha256, size_bytes, url, licence FROM import_input WHERE run_id = $1 ORDER BY seq",
            )
            .bind(row.id)
            .fetch_all(pool)
            .await
            .doing(|| format!("read import_input of run {}", row.id))?
        });
        let counts = row.counts.as_deref().map(|json| parse_counts("import_run", json)).transpose()?;
        Ok(RunSummary {
            id: RunId(row.id),
            source_name: row.source_name,
            pipeline: row.pipeline,
            reader_name: row.reader_name,
            reader_version: row.reader_version,
            idempotency_key: row.idempotency_key,
            status: row.status,
            started_at: row.started_at,
            finished_at: row.finished_at,
            counts,
            n_diagnostics: row.n_diagnostics,
            n_rejected: row.n_rejected,
            error: row.error,
            note: row.note,
            dataset_version: row.dataset_version_id.map(DatasetVersionId),
            inputs: inputs
                .into_iter()
                .map(|(name, sha256, size_bytes, url, licence_class)| InputFile {
                    name,
                    sha256,
                    size_bytes: u64::try_from(size_bytes).unwrap_or(0),
                    url,
                    licence_class,
                })
                .collect(),
        })
    }

    /// The diagnostics recorded for a run, in the order they were given.
    pub async fn run_diagnostics(&self, run: RunId) -> Result<Vec<Diagnostic>> {
        let sql = format!(
            "SELECT {} FROM import_diagnostic WHERE run_id = $1 ORDER BY seq",
            rows::DIAGNOSTIC_COLUMNS.join(", ")
        );
        let rows = self.read_cells(&sql, &[run.0], &rows::DIAGNOSTIC_TYPES, "read import_diagnostic").await?;
        rows.into_iter().map(rows::diagnostic_from_row).collect()
    }

    /// Every dataset version, oldest first.
    pub async fn list_dataset_versions(&self) -> Result<Vec<DatasetVersionSummary>> {
        let rows: Vec<DatasetVersionRow> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT id, source_name, version_number, content_hash, {counts} AS counts, {created} AS created_at, \
                 created_by_run FROM dataset_version ORDER BY id",
                counts = dialect.json_text("counts"),
                created = dialect.time_text("created_at"),
            );
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await.doing(|| "read dataset_version".to_owned())?
        });
        rows.into_iter()
            .map(|row| {
                Ok(DatasetVersionSummary {
                    id: DatasetVersionId(row.id),
                    source_name: row.source_name,
                    version_number: row.version_number,
                    content_hash: row.content_hash,
                    counts: parse_counts("dataset_version", &row.counts)?,
                    created_at: row.created_at,
                    created_by_run: RunId(row.created_by_run),
                })
            })
            .collect()
    }

    /// Processes whose id is `id_or_prefix`, or starts with it when it has at least 4 characters; in one dataset
    /// version or all, latest version first, then by id.
    pub async fn find_processes(
        &self,
        id_or_prefix: &str,
        dataset_version: Option<DatasetVersionId>,
    ) -> Result<Vec<ProcessSummary>> {
        let is_prefix = id_or_prefix.chars().count() >= 4;
        // Ids compare bytewise on both backends (COLLATE "C" on PostgreSQL, BINARY on SQLite), so every id
        // starting with the prefix sorts in [prefix, prefix + U+10FFFF).
        let upper = format!("{id_or_prefix}\u{10FFFF}");
        let version_clause = if dataset_version.is_some() { " AND p.dataset_version_id = $3" } else { "" };
        let sql = format!(
            "SELECT {PROCESS_SUMMARY_COLUMNS} FROM process p JOIN dataset_version d ON d.id = p.dataset_version_id \
             WHERE p.id >= $1 AND p.id < $2{version_clause} ORDER BY p.dataset_version_id DESC, p.id, p.ordinal"
        );
        let upper_bound = if is_prefix { upper } else { format!("{id_or_prefix}\u{1}") };
        let rows: Vec<ProcessSummaryRow> = with_pool!(self, |pool, _dialect| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql.clone())).bind(id_or_prefix).bind(&upper_bound);
            if let Some(dv) = dataset_version {
                query = query.bind(dv.0);
            }
            query.fetch_all(pool).await.doing(|| "read process by id".to_owned())?
        });
        Ok(rows
            .into_iter()
            .filter(|row| if is_prefix { row.id.starts_with(id_or_prefix) } else { row.id == id_or_prefix })
            .map(ProcessSummaryRow::into_summary)
            .collect())
    }

    /// One process of a dataset version with its exchanges in source order (each with the flow's name, kind and
    /// unit, the unit taken from the flow when the exchange has none) and its LCIA results.
    pub async fn load_process(
        &self,
        dataset_version: DatasetVersionId,
        process_id: &str,
    ) -> Result<Option<ProcessDetail>> {
        let sql = format!(
            "SELECT {PROCESS_SUMMARY_COLUMNS} FROM process p JOIN dataset_version d ON d.id = p.dataset_version_id \
             WHERE p.dataset_version_id = $1 AND p.id = $2 ORDER BY p.ordinal LIMIT 1"
        );
        let row: Option<ProcessSummaryRow> = with_pool!(self, |pool, _dialect| {
            sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(dataset_version.0)
                .bind(process_id)
                .fetch_optional(pool)
                .await
                .doing(|| "read process by id".to_owned())?
        });
        let Some(row) = row else { return Ok(None) };
        let ordinal = row.ordinal;
        let mut process: Process = self
            .read_entities(&rows::PROCESS, dataset_version, RowFilter::Ordinal(ordinal))
            .await?
            .into_iter()
            .next()
            .map(|read| read.entity)
            .ok_or(Error::Corrupt { table: "process", detail: "process row vanished".to_owned() })?;
        let exchanges: Vec<ReadEntity<Exchange>> =
            self.read_entities(&rows::EXCHANGE, dataset_version, RowFilter::Parent(ordinal)).await?;
        process.lcia_results = self
            .read_entities(&rows::LCIA_RESULT, dataset_version, RowFilter::Parent(ordinal))
            .await?
            .into_iter()
            .map(|read| read.entity)
            .collect();

        // The flows these exchanges name: id → (version, name, kind, reference unit).
        let flow_sql = "SELECT id, version, name, kind, reference_unit FROM flow WHERE dataset_version_id = $1 \
             AND id IN (SELECT flow_id FROM exchange WHERE dataset_version_id = $1 AND process_ordinal = $2) \
             ORDER BY ordinal";
        type FlowRow = (String, Option<String>, String, Option<String>, Option<String>);
        let flow_rows: Vec<FlowRow> = with_pool!(self, |pool, _dialect| {
            sqlx::query_as(flow_sql)
                .bind(dataset_version.0)
                .bind(ordinal)
                .fetch_all(pool)
                .await
                .doing(|| "read flow of exchanges".to_owned())?
        });
        let mut flows: HashMap<String, Vec<FlowRow>> = HashMap::new();
        for flow in flow_rows {
            flows.entry(flow.0.clone()).or_default().push(flow);
        }
        let rows = exchanges
            .into_iter()
            .map(|read| {
                let exchange = read.entity;
                // Prefer the flow version the exchange pins; else the first flow with that id.
                let flow = flows.get(&exchange.flow.id).and_then(|candidates| {
                    candidates.iter().find(|f| f.1 == exchange.flow.version).or_else(|| candidates.first())
                });
                ExchangeRow {
                    flow_name: flow.map(|f| f.2.clone()),
                    flow_kind: flow.and_then(|f| f.3.clone()),
                    unit: exchange.unit.clone().or_else(|| flow.and_then(|f| f.4.clone())),
                    exchange,
                }
            })
            .collect::<Vec<_>>();
        process.exchanges = rows.iter().map(|row| row.exchange.clone()).collect();
        Ok(Some(ProcessDetail { summary: row.into_summary(), process, exchanges: rows }))
    }

    /// Reads a whole dataset version back into the model; its content hash equals the one it was loaded with.
    pub async fn load_dataset(&self, dataset_version: DatasetVersionId) -> Result<Dataset> {
        let mut dataset = self.load_dataset_without_exchanges(dataset_version).await?;
        // A chunk of processes at a time: the rows of one query are held twice (driver rows, then cells) before
        // they become exchanges, which for 850,000 exchanges at once was over a gigabyte on top of the dataset.
        let n_processes = i64::try_from(dataset.processes.len()).unwrap_or(i64::MAX);
        for (start, end) in chunks(n_processes, Self::EXCHANGE_CELLS_CHUNK) {
            let filter = RowFilter::Parents(start, end);
            let exchanges = self.read_entities(&rows::EXCHANGE, dataset_version, filter).await?;
            rows::attach(&rows::EXCHANGE, &mut dataset.processes, exchanges, |p, e| p.exchanges.push(e))?;
        }
        Ok(dataset)
    }

    /// Processes per query when reading exchanges ([`Store::load_dataset`], [`Store::read_exchange_cells`]):
    /// bounds the rows held at once (≈ 35 exchanges each in ecoinvent).
    const EXCHANGE_CELLS_CHUNK: i64 = 2_000;

    /// The exchanges of a dataset version as [`ExchangeCells`], one list per process in process order (the
    /// order of [`Store::load_dataset`]'s `processes`, each list in exchange order). Reads the plain columns
    /// only, a chunk of processes at a time, so memory stays proportional to the cells.
    pub async fn read_exchange_cells(&self, dataset_version: DatasetVersionId) -> Result<Vec<Vec<ExchangeCells>>> {
        self.read_exchange_cells_by(dataset_version, Self::EXCHANGE_CELLS_CHUNK).await
    }

    /// [`Store::read_exchange_cells`] with `processes_per_query` processes per query (tests use 1 to cross every
    /// chunk boundary).
    #[doc(hidden)]
    pub async fn read_exchange_cells_by(
        &self,
        dataset_version: DatasetVersionId,
        processes_per_query: i64,
    ) -> Result<Vec<Vec<ExchangeCells>>> {
        let dv = dataset_version;
        self.require_dataset_version(dv).await?;
        let n_processes: i64 = with_pool!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT COUNT(*) FROM process WHERE dataset_version_id = $1")
                .bind(dv.0)
                .fetch_one(pool)
                .await
                .doing(|| "count processes".to_owned())?
        });
        let sql = "SELECT process_ordinal, internal_id, flow_id, flow_version, direction, kind, is_reference, amount, \
                   unit, provider_id, location FROM exchange WHERE dataset_version_id = $1 AND process_ordinal >= $2 \
                   AND process_ordinal < $3 ORDER BY process_ordinal, ordinal";
        use rows::ColumnType::{Bool, Int, Real, Text};
        let types = [Int, Text, Text, Text, Text, Text, Bool, Real, Text, Text, Text];
        let mut cells: Vec<Vec<ExchangeCells>> = vec![Vec::new(); usize::try_from(n_processes).unwrap_or(0)];
        for (start, end) in chunks(n_processes, processes_per_query) {
            let rows = self.read_cells(sql, &[dv.0, start, end], &types, "read exchange").await?;
            for row in rows {
                let (ordinal, exchange) = rows::exchange_cells(row)?;
                let list = usize::try_from(ordinal).ok().and_then(|o| cells.get_mut(o)).ok_or_else(|| {
                    Error::Corrupt { table: "exchange", detail: format!("parent ordinal {ordinal} has no parent row") }
                })?;
                list.push(exchange);
            }
        }
        Ok(cells)
    }

    /// Reads a dataset version back into the model, every process without its exchanges (see
    /// [`Store::read_exchange_cells`] for a lean form of those).
    pub async fn load_dataset_without_exchanges(&self, dataset_version: DatasetVersionId) -> Result<Dataset> {
        self.require_dataset_version(dataset_version).await?;
        let dv = dataset_version;
        let all = RowFilter::All;
        let mut dataset = Dataset {
            unit_groups: self.read_top_level(&rows::UNIT_GROUP, dv).await?,
            flow_properties: self.read_top_level(&rows::FLOW_PROPERTY, dv).await?,
            flows: self.read_top_level(&rows::FLOW, dv).await?,
            processes: self.read_top_level(&rows::PROCESS, dv).await?,
            lcia_methods: self.read_top_level(&rows::LCIA_METHOD, dv).await?,
            sources: self.read_top_level(&rows::SOURCE, dv).await?,
            contacts: self.read_top_level(&rows::CONTACT, dv).await?,
            normalization_weighting_sets: self.read_top_level(&rows::NORMALIZATION_WEIGHTING_SET, dv).await?,
        };
        let units = self.read_entities(&rows::UNIT, dv, all).await?;
        rows::attach(&rows::UNIT, &mut dataset.unit_groups, units, |g, u| g.units.push(u))?;
        let factors = self.read_entities(&rows::FLOW_FLOW_PROPERTY, dv, all).await?;
        rows::attach(&rows::FLOW_FLOW_PROPERTY, &mut dataset.flows, factors, |f: &mut Flow, p| {
            f.flow_properties.push(p)
        })?;
        let results = self.read_entities(&rows::LCIA_RESULT, dv, all).await?;
        rows::attach(&rows::LCIA_RESULT, &mut dataset.processes, results, |p, r| p.lcia_results.push(r))?;
        let cfs = self.read_entities(&rows::CHARACTERIZATION_FACTOR, dv, all).await?;
        rows::attach(&rows::CHARACTERIZATION_FACTOR, &mut dataset.lcia_methods, cfs, |m, f| m.factors.push(f))?;
        Ok(dataset)
    }

    /// Rows per table, every table of the schema.
    pub async fn count_rows(&self) -> Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        for table in rows::ALL_TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = with_pool!(self, |pool, _dialect| {
                sqlx::query_scalar(AssertSqlSafe(sql.clone()))
                    .fetch_one(pool)
                    .await
                    .doing(|| format!("count rows of {table}"))?
            });
            counts.insert(table.to_owned(), n);
        }
        Ok(counts)
    }

    async fn read_top_level<T: DeserializeOwned>(&self, table: &'static Table, dv: DatasetVersionId) -> Result<Vec<T>> {
        Ok(self.read_entities(table, dv, RowFilter::All).await?.into_iter().map(|read| read.entity).collect())
    }

    async fn read_entities<T: DeserializeOwned>(
        &self,
        table: &'static Table,
        dv: DatasetVersionId,
        filter: RowFilter,
    ) -> Result<Vec<ReadEntity<T>>> {
        let dialect = match self {
            Store::Postgres(_) => Dialect::Postgres,
            Store::Sqlite(_) => Dialect::Sqlite,
        };
        let columns = table.columns();
        let select = columns
            .iter()
            .map(|(name, ty)| if *ty == ColumnType::Json { dialect.json_text(name) } else { name.clone() })
            .collect::<Vec<_>>()
            .join(", ");
        let types = columns.iter().map(|(_, ty)| *ty).collect::<Vec<_>>();
        let order = match table.parent_column {
            Some(parent) => format!("{parent}, ordinal"),
            None => "ordinal".to_owned(),
        };
        let (condition, binds) = match (filter, table.parent_column) {
            (RowFilter::All, _) => (String::new(), vec![dv.0]),
            (RowFilter::Parent(parent), Some(column)) => (format!(" AND {column} = $2"), vec![dv.0, parent]),
            (RowFilter::Parents(start, end), Some(column)) => {
                (format!(" AND {column} >= $2 AND {column} < $3"), vec![dv.0, start, end])
            }
            (RowFilter::Parent(_) | RowFilter::Parents(..), None) => unreachable!("{} has no parent", table.name),
            (RowFilter::Ordinal(ordinal), _) => (" AND ordinal = $2".to_owned(), vec![dv.0, ordinal]),
        };
        let sql =
            format!("SELECT {select} FROM {} WHERE dataset_version_id = $1{condition} ORDER BY {order}", table.name);
        let rows = self.read_cells(&sql, &binds, &types, &format!("read {}", table.name)).await?;
        rows::entities_from_rows(table, rows)
    }

    async fn read_cells(&self, sql: &str, binds: &[i64], types: &[ColumnType], doing: &str) -> Result<Vec<Vec<Cell>>> {
        with_pool!(self, |pool, _dialect| {
            let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
            for bind in binds {
                query = query.bind(*bind);
            }
            let rows = query.fetch_all(pool).await.doing(|| doing.to_owned())?;
            rows.iter()
                .map(|row| rows::decode_row(row, types))
                .collect::<std::result::Result<Vec<_>, _>>()
                .doing(|| doing.to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_the_range_in_order() {
        assert_eq!(chunks(5, 2).collect::<Vec<_>>(), [(0, 2), (2, 4), (4, 5)]);
        assert_eq!(chunks(4, 2).collect::<Vec<_>>(), [(0, 2), (2, 4)]);
        assert_eq!(chunks(3, 0).collect::<Vec<_>>(), [(0, 1), (1, 2), (2, 3)]);
        assert_eq!(chunks(0, 2000).count(), 0);
        assert_eq!(chunks(3, i64::MAX).collect::<Vec<_>>(), [(0, 3)]);
    }
}
