//! Locks that die with the process holding them, shared by the pipeline lock and the import runs' liveness locks:
//! a PostgreSQL session advisory lock on a connection of its own (out of the pool), or an exclusive OS lock on a
//! file next to the SQLite database.

use crate::error::Context;
use crate::{Error, Result};
use sqlx::postgres::{PgConnection, PgPool};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A lock taken by [`try_advisory`] or [`try_lock_file`] (or none needed: an in-memory database).
#[derive(Debug)]
pub(crate) enum Held {
    /// The connection holding the session advisory lock: closing it releases the lock.
    Postgres(PgConnection),
    /// The lock file, locked exclusively: closing it releases the lock.
    File { file: File, path: PathBuf },
    /// An in-memory database belongs to this process alone.
    Memory,
}

/// The key of a session advisory lock: PostgreSQL's one-`bigint` or two-`integer` form.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AdvisoryKey {
    One(i64),
    Two(i32, i32),
}

/// Takes the session advisory lock `key` if no other session holds it, on a connection taken out of the pool
/// (a session lock must not come back to the pool with it) and named `holder` (`application_name`, which others
/// read in `pg_stat_activity`). `what` names the lock in errors.
pub(crate) async fn try_advisory(
    pool: &PgPool,
    key: AdvisoryKey,
    holder: &str,
    what: &str,
) -> Result<Option<PgConnection>> {
    let mut pooled = pool.acquire().await.doing(|| format!("open a connection for {what}"))?;
    let query = match key {
        AdvisoryKey::One(key) => sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key),
        AdvisoryKey::Two(class, id) => sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)").bind(class).bind(id),
    };
    let locked: bool = query.fetch_one(&mut *pooled).await.doing(|| format!("take {what}"))?;
    if !locked {
        return Ok(None);
    }
    let mut conn = pooled.detach();
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(holder.chars().take(60).collect::<String>())
        .execute(&mut conn)
        .await
        .doing(|| format!("name the connection of {what}"))?;
    Ok(Some(conn))
}

/// Takes an exclusive OS lock on `path` (created if missing) if no other process holds it, then writes `holder`
/// into it (the file is emptied only once locked: another holder's text is never cut).
pub(crate) fn try_lock_file(path: &Path, holder: &str) -> Result<Option<File>> {
    let lock_error = |source| Error::LockFile { path: path.to_path_buf(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(lock_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(source)) => return Err(lock_error(source)),
    }
    file.set_len(0).map_err(lock_error)?;
    file.seek(SeekFrom::Start(0)).map_err(lock_error)?;
    file.write_all(holder.as_bytes()).and_then(|()| file.flush()).map_err(lock_error)?;
    Ok(Some(file))
}

/// The `application_name` of the session of this database that holds the advisory lock `key` (empty when it
/// cannot be read), `None` when no session holds it. Advisory locks are per database: a lock of another database
/// on the same server is not this one.
pub(crate) async fn advisory_holder(pool: &PgPool, key: AdvisoryKey, what: &str) -> Result<Option<String>> {
    // pg_locks keeps a one-bigint key as (classid, objid) = (high, low) 32 bits with objsubid 1, a two-integer
    // key as (first, second) with objsubid 2, both as unsigned oids.
    let (class, id, subid) = match key {
        AdvisoryKey::One(key) => (key >> 32, key & 0xffff_ffff, 1),
        AdvisoryKey::Two(class, id) => (i64::from(class as u32), i64::from(id as u32), 2),
    };
    sqlx::query_scalar(
        "SELECT COALESCE(a.application_name, '') FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = $3 \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.classid::bigint = $1 AND l.objid::bigint = $2 LIMIT 1",
    )
    .bind(class)
    .bind(id)
    .bind(subid)
    .fetch_optional(pool)
    .await
    .doing(|| format!("read who holds {what}"))
}
