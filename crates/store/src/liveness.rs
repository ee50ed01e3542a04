//! Liveness of import runs. A running import holds a lock of its own for as long as it runs: a PostgreSQL session
//! advisory lock keyed by its run id, or an exclusive OS lock on `<database>.run-<id>.lock` next to the SQLite
//! database. Both die with the process, so a run still `running` whose lock nobody holds ended without finishing
//! (killed, crashed, power lost); [`Store::fail_abandoned_runs`] marks such runs failed.
//!
//! A run takes its lock right after its row is committed; runs younger than the caller's grace are left alone,
//! so a run caught between the two is never taken for dead.

use crate::error::Context;
use crate::session_lock::{self, AdvisoryKey, Held};
use crate::{Dialect, Error, Result, RunId, Store, with_pool};
use sqlx::{AssertSqlSafe, Connection};
use std::fs::{OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// First key of the two-key advisory locks of import runs (ASCII "erf1"); the second is the run id.
const RUN_LOCK_CLASS: i32 = 0x6572_6631;

/// The lock a running import holds: dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunLiveness {
    held: Held,
}

impl RunLiveness {
    /// Releases the lock now (dropping it does too, but a dropped PostgreSQL connection lets the server notice
    /// later). A lock file is unlocked and removed by the drop at the end.
    pub async fn release(mut self) -> Result<()> {
        match std::mem::replace(&mut self.held, Held::Memory) {
            Held::Postgres(conn) => conn.close().await.doing(|| "close the run lock's connection".to_owned())?,
            other => self.held = other,
        }
        Ok(())
    }
}

impl Drop for RunLiveness {
    fn drop(&mut self) {
        if let Held::File { file, path } = &self.held {
            // Best effort: a file left behind is only a file (a checker finds it unlocked and removes it).
            let _ = file.unlock();
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The lock file of run `run` of the SQLite database at `database`.
fn run_lock_path(database: &Path, run: RunId) -> PathBuf {
    crate::sqlite::sibling_file(database, &format!(".run-{run}.lock"))
}

/// The second advisory-lock key of a run (ids beyond 2³¹ wrap; two runs so far apart are never both running).
fn run_key(run: RunId) -> i32 {
    run.0 as i32
}

impl Store {
    /// Takes the liveness lock of `run` (just started by [`Store::start_run`]); hold it until the run is finished.
    /// `holder` is written into the lock (the PostgreSQL `application_name`, the SQLite lock file).
    pub async fn hold_run(&self, run: RunId, holder: &str) -> Result<RunLiveness> {
        match self {
            Store::Postgres(pool) => {
                let key = AdvisoryKey::Two(RUN_LOCK_CLASS, run_key(run));
                match session_lock::try_advisory(pool, key, holder, &format!("the lock of import run {run}")).await? {
                    Some(conn) => Ok(RunLiveness { held: Held::Postgres(conn) }),
                    None => Err(Error::RunLock { run, detail: "another session holds it".to_owned() }),
                }
            }
            Store::Sqlite(pool) => {
                let Some(database) = crate::sqlite::database_file(pool) else {
                    return Ok(RunLiveness { held: Held::Memory });
                };
                let path = run_lock_path(&database, run);
                match session_lock::try_lock_file(&path, holder)? {
                    // The file goes when the run ends (see Drop).
                    Some(file) => Ok(RunLiveness { held: Held::File { file, path } }),
                    None => Err(Error::RunLock { run, detail: format!("another process holds {}", path.display()) }),
                }
            }
        }
    }

    /// Marks `failed` every import run still `running`, started at least `grace` ago, whose liveness lock
    /// nobody holds ([`Store::hold_run`]): it ended without finishing. `finder` is named in the error. Returns
    /// the runs so marked.
    pub async fn fail_abandoned_runs(&self, finder: &str, grace: Duration) -> Result<Vec<RunId>> {
        let candidates: Vec<i64> = with_pool!(self, |pool, dialect| {
            let age = match dialect {
                Dialect::Postgres => "EXTRACT(EPOCH FROM (clock_timestamp() - started_at))::float8",
                Dialect::Sqlite => "(julianday('now') - julianday(started_at)) * 86400.0",
            };
            // `>=`: with no grace, a run started within the same millisecond is a candidate too.
            let sql = format!("SELECT id FROM import_run WHERE status = 'running' AND {age} >= $1 ORDER BY id");
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(grace.as_secs_f64())
                .fetch_all(pool)
                .await
                .doing(|| "read running import runs".to_owned())?
        });
        let error = format!(
            "abandoned: the import ended without finishing (process killed or crashed); found by {}",
            finder.chars().take(200).collect::<String>()
        );
        let mut failed = Vec::new();
        for id in candidates {
            let run = RunId(id);
            if self.run_is_alive(run).await? {
                continue;
            }
            match self.fail_run(run, &error, &[]).await {
                Ok(()) => {
                    tracing::warn!(run = id, "Import run found abandoned (running without its lock): marked failed.");
                    failed.push(run);
                }
                // It finished between the two reads: nothing to do.
                Err(Error::RunNotRunning { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(failed)
    }

    /// Whether some process holds the liveness lock of `run`.
    async fn run_is_alive(&self, run: RunId) -> Result<bool> {
        match self {
            Store::Postgres(pool) => {
                let key = AdvisoryKey::Two(RUN_LOCK_CLASS, run_key(run));
                let what = format!("the lock of import run {run}");
                let held = session_lock::advisory_holder(pool, key, &what).await?.is_some();
                Ok(held)
            }
            Store::Sqlite(pool) => {
                let Some(database) = crate::sqlite::database_file(pool) else {
                    // Only this process sees an in-memory database: its running runs are its own, alive.
                    return Ok(true);
                };
                let path = run_lock_path(&database, run);
                let file = match OpenOptions::new().write(true).open(&path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                    Err(source) => return Err(Error::LockFile { path, source }),
                };
                match file.try_lock() {
                    Ok(()) => {
                        let _ = file.unlock();
                        let _ = std::fs::remove_file(&path);
                        Ok(false)
                    }
                    Err(TryLockError::WouldBlock) => Ok(true),
                    Err(TryLockError::Error(source)) => Err(Error::LockFile { path, source }),
                }
            }
        }
    }
}
