//! Pipeline runs (`ecoref pipeline run`): their append-only records and the database's pipeline lock.
//!
//! Invariants (the database enforces the first two, see `sql/*/0005_pipeline.sql`):
//! - a pipeline run is inserted `running` and finished exactly once; its identity columns never change and rows
//!   are never deleted;
//! - a failed run carries its error;
//! - one pipeline lock per database: a PostgreSQL session advisory lock held on a connection of its own, or an
//!   exclusive OS lock on a file next to the SQLite database. Both die with the process that holds them, so a
//!   killed run never leaves a stale lock behind.

use crate::error::Context;
use crate::session_lock::{self, AdvisoryKey, Held};
use crate::{Dialect, Error, Result, Store, with_pool};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Connection};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Key of the session advisory lock a pipeline run holds for its whole duration (ASCII "ecoref" and a 2; loads
/// use the transaction lock "ecoref" and a 1).
const PIPELINE_LOCK_KEY: i64 = 0x6563_6f72_6566_0002;

/// Id of a `pipeline_run` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PipelineRunId(pub i64);

impl fmt::Display for PipelineRunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a pipeline run is, recorded by [`Store::start_pipeline_run`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPipelineRun {
    /// The pipeline's name (its file stem).
    pub pipeline: String,
    /// The pipeline file as given.
    pub file: String,
    /// Lowercase hex sha256 of the pipeline file's bytes.
    pub spec_sha256: String,
    /// Who started it.
    pub started_by: String,
}

/// How a pipeline run finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PipelineRunStatus {
    /// Something was imported, linked, mapped or created, and every check passed.
    Succeeded,
    /// Every step was a no-op: all inputs were imported before and every result was already stored.
    Unchanged,
    /// The run finished, but data sets were rejected or a validation threshold was exceeded.
    Rejected,
    /// A step failed; the run stopped there.
    Failed,
}

impl PipelineRunStatus {
    /// `succeeded`, `unchanged`, `rejected` or `failed`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineRunStatus::Succeeded => "succeeded",
            PipelineRunStatus::Unchanged => "unchanged",
            PipelineRunStatus::Rejected => "rejected",
            PipelineRunStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for PipelineRunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pipeline run as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineRunSummary {
    pub id: PipelineRunId,
    pub pipeline: String,
    pub file: String,
    pub spec_sha256: String,
    pub started_by: String,
    /// ISO-8601 UTC with milliseconds.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `running`, `succeeded`, `unchanged`, `rejected` or `failed`.
    pub status: String,
    pub error: Option<String>,
    /// The run report (JSON), once finished.
    pub report: Option<serde_json::Value>,
}

#[derive(Debug, sqlx::FromRow)]
struct PipelineRunRow {
    id: i64,
    pipeline: String,
    file: String,
    spec_sha256: String,
    started_by: String,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    error: Option<String>,
    report: Option<String>,
}

fn pipeline_run_columns(dialect: Dialect) -> String {
    format!(
        "id, pipeline, file, spec_sha256, started_by, {started} AS started_at, {finished} AS finished_at, status, \
         error, {report} AS report",
        started = dialect.time_text("started_at"),
        finished = dialect.time_text("finished_at"),
        report = dialect.json_text("report"),
    )
}

impl PipelineRunRow {
    fn into_summary(self) -> Result<PipelineRunSummary> {
        let report = match self.report.as_deref() {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| Error::Corrupt {
                table: "pipeline_run",
                detail: format!("report of run {}: {e}", self.id),
            })?),
            None => None,
        };
        Ok(PipelineRunSummary {
            id: PipelineRunId(self.id),
            pipeline: self.pipeline,
            file: self.file,
            spec_sha256: self.spec_sha256,
            started_by: self.started_by,
            started_at: self.started_at,
            finished_at: self.finished_at,
            status: self.status,
            error: self.error,
            report,
        })
    }
}

impl Store {
    /// Records a new pipeline run with status `running` (committed at once, so a crash leaves a trace) and
    /// returns its id and start time.
    pub async fn start_pipeline_run(&self, run: &NewPipelineRun) -> Result<(PipelineRunId, String)> {
        let (id, started_at): (i64, String) = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "INSERT INTO pipeline_run (pipeline, file, spec_sha256, started_by) VALUES ($1, $2, $3, $4) \
                 RETURNING id, {started} AS started_at",
                started = dialect.time_text("started_at")
            );
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(&run.pipeline)
                .bind(&run.file)
                .bind(&run.spec_sha256)
                .bind(&run.started_by)
                .fetch_one(pool)
                .await
                .doing(|| "insert into pipeline_run".to_owned())?
        });
        tracing::info!(pipeline_run = id, pipeline = %run.pipeline, "Pipeline run started.");
        Ok((PipelineRunId(id), started_at))
    }

    /// Marks `failed` every pipeline run still `running`: called by the holder of the pipeline lock, which no live
    /// run can be without, so those runs ended without finishing (killed, crashed, power lost). Returns their ids.
    pub async fn fail_abandoned_pipeline_runs(&self, holder: &str) -> Result<Vec<i64>> {
        let error = format!(
            "abandoned: the run ended without finishing (process killed or crashed); found by {}",
            holder.chars().take(200).collect::<String>()
        );
        let ids: Vec<i64> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "UPDATE pipeline_run SET status = 'failed', finished_at = {now}, error = $1 \
                 WHERE status = 'running' RETURNING id",
                now = dialect.now()
            );
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(&error)
                .fetch_all(pool)
                .await
                .doing(|| "mark abandoned pipeline runs failed".to_owned())?
        });
        for id in &ids {
            tracing::warn!(
                pipeline_run = id,
                "Pipeline run found abandoned (still running without the lock): marked failed."
            );
        }
        Ok(ids)
    }

    /// Finishes a running pipeline run with its status, error (required for `Failed`, else ignored) and report.
    pub async fn finish_pipeline_run(
        &self,
        run: PipelineRunId,
        status: PipelineRunStatus,
        error: Option<&str>,
        report: &serde_json::Value,
    ) -> Result<()> {
        let error = match status {
            PipelineRunStatus::Failed => Some(error.unwrap_or("failed without a message")),
            _ => None,
        };
        let report = serde_json::to_string(report)
            .map_err(|e| Error::Encode { table: "pipeline_run", detail: format!("report: {e}") })?;
        let n_updated = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "UPDATE pipeline_run SET status = $1, finished_at = {now}, error = $2, report = {report} \
                 WHERE id = $4 AND status = 'running'",
                now = dialect.now(),
                report = dialect.json_param(3)
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(status.as_str())
                .bind(error)
                .bind(&report)
                .bind(run.0)
                .execute(pool)
                .await
                .doing(|| format!("finish pipeline run {run}"))?
                .rows_affected()
        });
        if n_updated != 1 {
            return Err(Error::Corrupt { table: "pipeline_run", detail: format!("run {run} is not running") });
        }
        Ok(())
    }

    /// The latest `limit` pipeline runs (of `pipeline` only, when given), newest first.
    pub async fn list_pipeline_runs(&self, pipeline: Option<&str>, limit: u32) -> Result<Vec<PipelineRunSummary>> {
        let rows: Vec<PipelineRunRow> = with_pool!(self, |pool, dialect| {
            let sql = format!(
                "SELECT {columns} FROM pipeline_run WHERE ($1 IS NULL OR pipeline = $1) ORDER BY id DESC LIMIT $2",
                columns = pipeline_run_columns(dialect)
            );
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(pipeline)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .doing(|| "read pipeline_run".to_owned())?
        });
        rows.into_iter().map(PipelineRunRow::into_summary).collect()
    }

    /// Takes the database's pipeline lock if no other process holds it; never waits. `holder` (e.g. the pipeline
    /// name and process id) is what a refused run is told about the holder.
    pub async fn try_lock_pipeline(&self, holder: &str) -> Result<Option<PipelineLock>> {
        match self {
            Store::Postgres(pool) => {
                let key = AdvisoryKey::One(PIPELINE_LOCK_KEY);
                let conn = session_lock::try_advisory(pool, key, holder, "the pipeline lock").await?;
                Ok(conn.map(|conn| PipelineLock { held: Held::Postgres(conn) }))
            }
            Store::Sqlite(pool) => {
                let Some(database) = crate::sqlite::database_file(pool) else {
                    return Ok(Some(PipelineLock { held: Held::Memory }));
                };
                let path = lock_file_path(&database);
                let file = session_lock::try_lock_file(&path, holder)?;
                Ok(file.map(|file| PipelineLock { held: Held::File { file, path } }))
            }
        }
    }

    /// Who holds the pipeline lock, as far as the database can tell (the holder text given to
    /// [`Store::try_lock_pipeline`]); `None` when nobody does or it cannot be told.
    pub async fn pipeline_lock_holder(&self) -> Result<Option<String>> {
        match self {
            Store::Postgres(pool) => {
                let key = AdvisoryKey::One(PIPELINE_LOCK_KEY);
                let holder = session_lock::advisory_holder(pool, key, "the pipeline lock").await?;
                Ok(holder.filter(|h| !h.is_empty()))
            }
            Store::Sqlite(pool) => {
                let Some(database) = crate::sqlite::database_file(pool) else { return Ok(None) };
                let path = lock_file_path(&database);
                let mut text = String::new();
                match File::open(&path) {
                    Ok(mut file) => {
                        file.read_to_string(&mut text).map_err(|source| Error::LockFile { path, source })?;
                        Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
                    }
                    Err(_) => Ok(None),
                }
            }
        }
    }
}

/// `<database>.pipeline.lock`, next to the SQLite database file.
fn lock_file_path(database: &Path) -> PathBuf {
    crate::sqlite::sibling_file(database, ".pipeline.lock")
}

/// The database's pipeline lock, held until [`PipelineLock::release`] or until the process ends (dropping it
/// releases it too).
#[derive(Debug)]
pub struct PipelineLock {
    held: Held,
}

impl PipelineLock {
    /// Releases the lock.
    pub async fn release(self) -> Result<()> {
        match self.held {
            Held::Postgres(mut conn) => {
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(PIPELINE_LOCK_KEY)
                    .execute(&mut conn)
                    .await
                    .doing(|| "release the pipeline lock".to_owned())?;
                conn.close().await.doing(|| "close the pipeline lock's connection".to_owned())?;
            }
            Held::File { file, path } => {
                // The file stays (removing it would race with a process that opened it already); its holder text
                // goes, then the lock.
                file.set_len(0).map_err(|source| Error::LockFile { path: path.clone(), source })?;
                file.unlock().map_err(|source| Error::LockFile { path, source })?;
            }
            Held::Memory => {}
        }
        Ok(())
    }
}
