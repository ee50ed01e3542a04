//! SQLite backend (the embedded default): connection, migrations, prepared multi-row inserts and typed reads.

use crate::FaultPlan;
use crate::error::{Context, Error, Result};
use crate::rows::{Cell, Rows};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, SqlitePool};
use std::path::Path;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("../../sql/sqlite");

/// SQLite's default bound-parameter limit (since 3.32).
const MAX_PARAMETERS: usize = 32_766;

/// Rows per multi-row INSERT; more gains little once the per-statement overhead is amortized.
const MAX_ROWS_PER_INSERT: usize = 256;

/// How long a writer waits for another writer's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// Opens `sqlite://path` or `sqlite:path` (`sqlite::memory:` for a private in-memory database), creating the
/// file and its parent directories when missing; WAL journal, foreign keys on.
pub(crate) async fn connect(url: &str) -> Result<SqlitePool> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    let connect_error = |source| Error::Connect { backend: "sqlite", target: url.to_owned(), source };
    if path.is_empty() || path == ":memory:" {
        let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
        // One connection that never closes: every connection to :memory: is a database of its own.
        return SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(connect_error);
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|source| Error::CreateDirectory { path: parent.to_path_buf(), source })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(connect_error)
}

pub(crate) async fn migrate(pool: &SqlitePool) -> Result<()> {
    MIGRATOR.run(pool).await.map_err(|source| Error::Migrate { backend: "sqlite", source })
}

/// Inserts `rows` into `table` with one prepared multi-row INSERT reused for every full batch (sqlx caches
/// prepared statements by SQL text), plus one for the remainder.
pub(crate) async fn write_rows(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[String],
    rows: Rows<'_>,
    fault: &mut FaultPlan,
) -> Result<u64> {
    let rows_per_insert = (MAX_PARAMETERS / columns.len().max(1)).clamp(1, MAX_ROWS_PER_INSERT);
    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(rows_per_insert);
    let mut n_rows = 0;
    for row in rows {
        batch.push(row?);
        n_rows += 1;
        if batch.len() == rows_per_insert {
            insert_batch(conn, table, columns, &mut batch).await?;
        }
        fault.after_row().await?;
    }
    if !batch.is_empty() {
        insert_batch(conn, table, columns, &mut batch).await?;
    }
    Ok(n_rows)
}

async fn insert_batch(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[String],
    batch: &mut Vec<Vec<Cell>>,
) -> Result<()> {
    let placeholders = format!("({})", vec!["?"; columns.len()].join(", "));
    let sql =
        format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![placeholders; batch.len()].join(", "));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for row in batch.drain(..) {
        for cell in row {
            query = match cell {
                Cell::Null => query.bind(None::<i64>),
                Cell::Int(n) => query.bind(n),
                Cell::Real(x) => query.bind(x),
                Cell::Bool(b) => query.bind(b),
                Cell::Text(text) => query.bind(text),
            };
        }
    }
    query.execute(&mut *conn).await.doing(|| format!("insert rows into {table}"))?;
    Ok(())
}
