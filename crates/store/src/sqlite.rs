//! SQLite backend (the embedded default): connection, migrations, prepared multi-row inserts and typed reads.

use crate::FaultPlan;
use crate::error::{Context, Error, Result};
use crate::rows::{Cell, CellRows, EntityRows, Rows, next_row_unit};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, SqlitePool};
use std::path::{Path, PathBuf};
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("../../sql/sqlite");

/// SQLite's default bound-parameter limit (since 3.32).
const MAX_PARAMETERS: usize = 32_766;

/// Rows per multi-row INSERT; more gains little once the per-statement overhead is amortized.
const MAX_ROWS_PER_INSERT: usize = 256;

/// Page size of a new database file (SQLite's largest). An import writes every page twice, to the WAL and then
/// to the database at the checkpoint, one `pwrite` per page: with SQLite's default 4 KiB pages, 25,000 EcoSpold2
/// activities cost 900,000 system calls and a third of the import (docs/benchmarks.md, issue 3). A database that
/// exists keeps the page size it was made with (WAL mode cannot change it).
const PAGE_SIZE: u32 = 65_536;

/// How long a writer waits for another writer's transaction before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// Opens `sqlite://path` or `sqlite:path` (`sqlite::memory:` for a private in-memory database), creating the
/// file and its parent directories when missing; WAL journal, foreign keys on, [`PAGE_SIZE`] pages when new.
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
        // Before the journal mode: the first write (WAL's header) fixes a new file's page size.
        .page_size(PAGE_SIZE)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(connect_error)
}

/// The file of a pool's database; `None` for an in-memory one (which belongs to this process alone).
pub(crate) fn database_file(pool: &SqlitePool) -> Option<PathBuf> {
    let options = pool.connect_options();
    let database = options.get_filename();
    (!database.as_os_str().is_empty() && database != Path::new(":memory:")).then(|| database.to_path_buf())
}

/// `<database file name><suffix>` next to the database file (the lock files).
pub(crate) fn sibling_file(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    database.with_file_name(name)
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
    mut rows: Rows<'_>,
    fault: &mut FaultPlan,
) -> Result<u64> {
    insert_units(conn, table, columns, fault, |sink| next_row_unit(&mut rows, sink)).await
}

/// [`write_rows`] for the rows of an entity table.
pub(crate) async fn write_entity_rows(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[String],
    mut rows: EntityRows<'_>,
    fault: &mut FaultPlan,
) -> Result<u64> {
    insert_units(conn, table, columns, fault, |sink| rows.next_unit(sink)).await
}

/// Inserts the rows `next_unit` writes, a unit (one or more rows) at a time, until it returns `None`. Each batch
/// is built and bound while the previous one executes (SQLite runs on sqlx's worker thread), so both cores work.
async fn insert_units(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[String],
    fault: &mut FaultPlan,
    mut next_unit: impl FnMut(&mut CellRows) -> Result<Option<u64>>,
) -> Result<u64> {
    let rows_per_insert = rows_per_insert(columns.len(), MAX_ROWS_PER_INSERT);
    let mut pending = CellRows::default();
    let mut n_rows = 0;
    let mut done = fill(&mut pending, rows_per_insert, &mut next_unit, fault, &mut n_rows).await?;
    let mut next = take_batch(table, columns, &mut pending, rows_per_insert, done)?;
    while let Some(query) = next {
        let insert = query.execute(&mut *conn);
        let prepare = async {
            if !done {
                done = fill(&mut pending, rows_per_insert, &mut next_unit, fault, &mut n_rows).await?;
            }
            take_batch(table, columns, &mut pending, rows_per_insert, done)
        };
        let (inserted, prepared) = tokio::join!(insert, prepare);
        inserted.doing(|| format!("insert rows into {table}"))?;
        next = prepared?;
    }
    Ok(n_rows)
}

/// The INSERT of the next full batch of `pending`, or of what is left once the units are `done`; `None` when
/// nothing is left. ([`fill`] leaves either a full batch or `done`.)
fn take_batch(
    table: &str,
    columns: &[String],
    pending: &mut CellRows,
    rows_per_insert: usize,
    done: bool,
) -> Result<Option<sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>>> {
    if !done && pending.n_rows < rows_per_insert {
        // Never stop early on a short batch: that would drop the rows still to come.
        return Err(Error::Encode {
            table: table_name(table),
            detail: format!("a batch of {} rows before the last one", pending.n_rows),
        });
    }
    if pending.n_rows == 0 {
        return Ok(None);
    }
    let batch = pending.n_rows.min(rows_per_insert);
    batch_query(table, columns, pending, batch).map(Some)
}

/// Adds units to `sink` until it holds `target_rows` rows; true once `next_unit` has no more.
async fn fill(
    sink: &mut CellRows,
    target_rows: usize,
    next_unit: &mut impl FnMut(&mut CellRows) -> Result<Option<u64>>,
    fault: &mut FaultPlan,
    n_rows: &mut u64,
) -> Result<bool> {
    while sink.n_rows < target_rows {
        match next_unit(sink)? {
            None => return Ok(true),
            Some(n) => {
                *n_rows += n;
                fault.after_rows(n).await?;
            }
        }
    }
    Ok(false)
}

/// One INSERT of the first `n_rows` rows of `sink` (removed from it); statements of one shape are prepared once
/// (sqlx caches them by SQL text).
fn batch_query(
    table: &str,
    columns: &[String],
    sink: &mut CellRows,
    n_rows: usize,
) -> Result<sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>> {
    let n_cells = n_rows * columns.len();
    if sink.cells.len() < n_cells {
        return Err(Error::Encode {
            table: table_name(table),
            detail: format!("{} cells for {n_rows} rows of {} columns", sink.cells.len(), columns.len()),
        });
    }
    let mut query = sqlx::query(AssertSqlSafe(insert_sql(table, columns, n_rows)));
    for cell in sink.cells.drain(..n_cells) {
        query = match cell {
            Cell::Null => query.bind(None::<i64>),
            Cell::Int(n) => query.bind(n),
            Cell::Real(x) => query.bind(x),
            Cell::Bool(b) => query.bind(b),
            Cell::Text(text) => query.bind(text),
        };
    }
    sink.n_rows -= n_rows;
    Ok(query)
}

/// Rows per INSERT of `n_columns` columns: at most `max`, and within SQLite's limit of bound parameters.
pub(crate) fn rows_per_insert(n_columns: usize, max: usize) -> usize {
    (MAX_PARAMETERS / n_columns.max(1)).clamp(1, max)
}

/// The INSERT of `n_rows` rows of `columns` into `table`, every value a parameter.
pub(crate) fn insert_sql(table: &str, columns: &[String], n_rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![row; n_rows].join(", "))
}

/// The static name of a table for errors (tables are named in code, so this only falls back for odd input).
fn table_name(table: &str) -> &'static str {
    crate::rows::ALL_TABLES.iter().find(|t| **t == table).copied().unwrap_or("unknown table")
}
