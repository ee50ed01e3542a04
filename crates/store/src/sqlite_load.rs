//! The load transaction of an SQLite database file, written through a connection of its own (rusqlite) on a
//! thread of its own.
//!
//! sqlx binds each value into an argument list of owned values that SQLite then copies again, and hands every
//! statement to its worker thread: for an ecoinvent-sized release that was half of the work of the thread that
//! bounds the load (docs/benchmarks.md, issue 3, fifth pass). Here the rows are built on the caller's task into
//! batches (typed cells and one text buffer), sent to the writer thread, and bound from there in place to
//! prepared multi-row INSERTs; the caller builds the next batch meanwhile. Everything else of the load
//! transaction runs on the same connection through [`Writer::call`], so the load is still one transaction.
//!
//! An in-memory database belongs to its one sqlx connection: it keeps the sqlx path (`load_in_transaction!`).

use crate::error::{Error, Result};
use crate::rows::{self, EntityRows, RowSink};
use crate::sqlite;
use crate::{DatasetVersionId, Dialect, FaultPlan, LoadArgs, LoadOutcome};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Rows per batch handed to the writer thread.
const BATCH_ROWS: usize = 512;

/// Rows per INSERT statement. A multi-row statement evaluates the once-per-statement parts of its program once
/// for all its rows: a CHECK with an `IN` list of more than two values builds an ephemeral index each time
/// (≈ 30,000 instructions), which single-row statements paid for every flow and diagnostic.
const ROWS_PER_INSERT: usize = 64;

/// Batches in flight between the row builder and the writer thread.
const BATCHES_IN_FLIGHT: usize = 4;

/// One value of a batch; text lies in the batch's text buffer.
#[derive(Debug, Clone, Copy)]
enum BatchCell {
    Null,
    Int(i64),
    Real(f64),
    Text { start: usize, end: usize },
}

/// Rows built for the writer thread: cells in column order, texts in one buffer.
#[derive(Debug, Default)]
struct Batch {
    cells: Vec<BatchCell>,
    text: String,
    n_rows: usize,
}

impl RowSink for Batch {
    fn null(&mut self) {
        self.cells.push(BatchCell::Null);
    }
    fn int(&mut self, n: i64) {
        self.cells.push(BatchCell::Int(n));
    }
    fn real(&mut self, x: f64) {
        self.cells.push(BatchCell::Real(x));
    }
    fn bool(&mut self, b: bool) {
        self.cells.push(BatchCell::Int(i64::from(b)));
    }
    fn text(&mut self, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.cells.push(BatchCell::Text { start, end: self.text.len() });
    }
    fn end_row(&mut self) {
        self.n_rows += 1;
    }
}

impl Batch {
    /// Splits off the rows after the first `keep` (of `n_columns` cells each) into a batch of their own.
    fn split_off_rows(&mut self, keep: usize, n_columns: usize) -> Batch {
        let tail_cells = self.cells.split_off(keep * n_columns);
        let text_start = tail_cells.iter().find_map(|cell| match *cell {
            BatchCell::Text { start, .. } => Some(start),
            _ => None,
        });
        let text = text_start.map(|at| self.text.split_off(at)).unwrap_or_default();
        let shift = text_start.unwrap_or(0);
        let cells = tail_cells
            .into_iter()
            .map(|cell| match cell {
                BatchCell::Text { start, end } => BatchCell::Text { start: start - shift, end: end - shift },
                other => other,
            })
            .collect();
        let tail = Batch { cells, text, n_rows: self.n_rows - keep };
        self.n_rows = keep;
        tail
    }
}

/// The writer thread's side: the connection and the first error of a batch, reported by the next call.
struct Session {
    conn: Connection,
    failed: Option<Error>,
    any_failed: Arc<AtomicBool>,
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// A connection to the database file on a thread of its own, running jobs in order. Dropping it ends the
/// thread, which rolls back a transaction left open (an error or a cancelled load: nothing is written).
struct Writer {
    jobs: mpsc::Sender<Job>,
    /// Set by the writer thread when a batch fails, so that the builder stops early.
    failed: Arc<AtomicBool>,
}

fn write_error(doing: String, source: rusqlite::Error) -> Error {
    Error::SqliteWrite { doing, source }
}

impl Writer {
    /// Opens `path` (which sqlx has created and migrated) with the pool's settings: foreign keys on, WAL's
    /// `synchronous = NORMAL`, and the same wait for another writer.
    fn open(path: &Path, busy_timeout: Duration) -> Result<Writer> {
        // Read-write, never create: the file is the one the pool opened (a file gone since is an error, not a new
        // empty database).
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| write_error(format!("open {}", path.display()), e))?;
        conn.busy_timeout(busy_timeout).map_err(|e| write_error("set the busy timeout".to_owned(), e))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|e| write_error("set up the load connection".to_owned(), e))?;
        let (jobs, mut queue) = mpsc::channel::<Job>(BATCHES_IN_FLIGHT);
        let failed = Arc::new(AtomicBool::new(false));
        let any_failed = failed.clone();
        std::thread::Builder::new()
            .name("sqlite-load".to_owned())
            .spawn(move || {
                let mut session = Session { conn, failed: None, any_failed };
                while let Some(job) = queue.blocking_recv() {
                    job(&mut session);
                }
                if !session.conn.is_autocommit() {
                    // Best effort: closing the connection rolls back too.
                    let _ = session.conn.execute_batch("ROLLBACK");
                }
            })
            .map_err(|e| Error::LoadThread(e.to_string()))?;
        Ok(Writer { jobs, failed })
    }

    /// Runs `f` on the writer thread and returns its result; an earlier batch's error comes first.
    async fn call<T: Send + 'static>(
        &self,
        doing: impl FnOnce() -> String + Send + 'static,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |session: &mut Session| {
            let result = match session.failed.take() {
                Some(error) => Err(error),
                None => f(&session.conn).map_err(|e| write_error(doing(), e)),
            };
            let _ = reply.send(result);
        });
        self.send(job).await?;
        answer.await.map_err(|_| Error::LoadThread("the load thread stopped".to_owned()))?
    }

    /// Queues `batch` for insertion with `insert`; a failure is kept for the
    /// next [`Writer::call`], and returned by the next `insert`.
    async fn insert(&self, insert: Arc<Insert>, batch: Batch) -> Result<()> {
        if self.failed.load(Ordering::Acquire) {
            // Returns the batch's error (unless a call has taken it already).
            self.call(String::new, |_| Ok(())).await?;
        }
        let job: Job = Box::new(move |session: &mut Session| {
            if session.failed.is_none()
                && let Err(e) = insert_batch(&session.conn, &insert, &batch)
            {
                session.failed = Some(write_error(format!("insert rows into {}", insert.table), e));
                session.any_failed.store(true, Ordering::Release);
            }
        });
        self.send(job).await
    }

    async fn send(&self, job: Job) -> Result<()> {
        self.jobs.send(job).await.map_err(|_| Error::LoadThread("the load thread stopped".to_owned()))
    }
}

/// The INSERTs of one table: the statement for [`ROWS_PER_INSERT`] rows, and the columns for a shorter one.
#[derive(Debug)]
struct Insert {
    table: &'static str,
    columns: Vec<String>,
    full: String,
    rows_per_insert: usize,
}

impl Insert {
    fn new(table: &'static str, columns: &[String]) -> Arc<Insert> {
        let rows_per_insert = sqlite::rows_per_insert(columns.len(), ROWS_PER_INSERT);
        let full = sqlite::insert_sql(table, columns, rows_per_insert);
        Arc::new(Insert { table, columns: columns.to_vec(), full, rows_per_insert })
    }
}

/// Inserts `batch`, [`Insert::rows_per_insert`] rows per statement (the statements are prepared once).
fn insert_batch(conn: &Connection, insert: &Insert, batch: &Batch) -> rusqlite::Result<()> {
    let n_columns = insert.columns.len();
    if n_columns == 0 || batch.cells.len() != batch.n_rows * n_columns {
        return Err(rusqlite::Error::InvalidParameterCount(batch.cells.len(), batch.n_rows * n_columns));
    }
    for rows in batch.cells.chunks(insert.rows_per_insert * n_columns) {
        let mut statement = if rows.len() == insert.rows_per_insert * n_columns {
            conn.prepare_cached(&insert.full)?
        } else {
            conn.prepare_cached(&sqlite::insert_sql(insert.table, &insert.columns, rows.len() / n_columns))?
        };
        for (i, cell) in rows.iter().enumerate() {
            match *cell {
                BatchCell::Null => statement.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
                BatchCell::Int(n) => statement.raw_bind_parameter(i + 1, n)?,
                BatchCell::Real(x) => statement.raw_bind_parameter(i + 1, x)?,
                BatchCell::Text { start, end } => statement.raw_bind_parameter(i + 1, &batch.text[start..end])?,
            }
        }
        statement.raw_execute()?;
    }
    Ok(())
}

/// Writes the rows `next_unit` produces (a unit of one or more rows at a time) into `table`, a batch at a time;
/// the next batch is built while the writer thread inserts the previous one.
async fn write_units(
    writer: &Writer,
    table: &'static str,
    columns: &[String],
    fault: &mut FaultPlan,
    mut next_unit: impl FnMut(&mut Batch) -> Result<Option<u64>>,
) -> Result<u64> {
    let insert = Insert::new(table, columns);
    let mut n_rows = 0;
    let mut batch = Batch::default();
    loop {
        let Some(n) = next_unit(&mut batch)? else { break };
        n_rows += n;
        fault.after_rows(n).await?;
        if batch.n_rows >= BATCH_ROWS {
            // Whole statements only: the rows past the last full one start the next batch, so that the short
            // statement (its own SQL, prepared again as its row count varies) is paid once per table.
            let keep = batch.n_rows / insert.rows_per_insert * insert.rows_per_insert;
            let rest = batch.split_off_rows(keep, insert.columns.len());
            writer.insert(insert.clone(), std::mem::replace(&mut batch, rest)).await?;
        }
    }
    if batch.n_rows > 0 {
        writer.insert(insert, batch).await?;
    }
    Ok(n_rows)
}

/// [`crate::Store::load`] into the SQLite database file at `path`: the steps of `load_in_transaction!`, on a
/// [`Writer`], with the same SQL (SQLite numbers `$1`, `$2`, … by first appearance, so positional binds fit).
pub(crate) async fn load(path: &Path, busy_timeout: Duration, args: LoadArgs<'_>) -> Result<LoadOutcome> {
    let LoadArgs { run, source_name, dataset, content_hash, diagnostics, n_rejected, options } = args;
    let dialect = Dialect::Sqlite;
    let writer = Writer::open(path, busy_timeout)?;
    writer.call(|| "begin the load transaction".to_owned(), move |c| c.execute_batch(dialect.begin_write())).await?;
    let status: Option<String> = writer
        .call(
            move || format!("read import run {run}"),
            move |c| c.query_row(crate::RUN_STATUS_SQL, [run.0], |row| row.get(0)).optional(),
        )
        .await?;
    crate::check_running(run, status)?;
    let n_diagnostics = diagnostics.len() as i64;
    let n_rejected = i64::try_from(n_rejected).unwrap_or(i64::MAX);

    let mut no_fault = FaultPlan::none();
    let mut diagnostic_rows = rows::diagnostic_rows(run.0, diagnostics);
    let columns = rows::DIAGNOSTIC_COLUMNS.map(String::from);
    write_units(&writer, "import_diagnostic", &columns, &mut no_fault, |batch| {
        rows::next_row_unit(&mut diagnostic_rows, batch)
    })
    .await?;

    let hash = content_hash.as_str().to_owned();
    let existing: Option<(i64, i64)> = writer
        .call(
            || "read dataset_version by content hash".to_owned(),
            move |c| c.query_row(crate::VERSION_BY_HASH_SQL, [hash], |row| Ok((row.get(0)?, row.get(1)?))).optional(),
        )
        .await?;
    let outcome = if let Some((id, version_number)) = existing {
        let note = format!("content identical to dataset version {id} ({source_name}@{version_number})");
        let sql = crate::finish_unchanged_sql(dialect);
        writer
            .call(
                move || format!("finish import run {run} as unchanged"),
                move |c| c.execute(&sql, rusqlite::params![id, n_diagnostics, n_rejected, note, run.0]),
            )
            .await?;
        LoadOutcome::Unchanged { dataset_version: DatasetVersionId(id), version_number }
    } else {
        let counts = dataset.counts();
        let counts_json = serde_json::to_string(&counts).expect("counts serialize to JSON");
        let source = source_name.to_owned();
        let hash = content_hash.as_str().to_owned();
        let counts_text = counts_json.clone();
        let sql = crate::insert_dataset_version_sql(dialect);
        let (id, version_number): (i64, i64) = writer
            .call(
                || "insert into dataset_version".to_owned(),
                move |c| {
                    let version_number: i64 =
                        c.query_row(crate::NEXT_VERSION_NUMBER_SQL, [&source], |row| row.get(0))?;
                    let id = c.query_row(
                        &sql,
                        rusqlite::params![source, version_number, hash, counts_text, run.0],
                        |row| row.get(0),
                    )?;
                    Ok((id, version_number))
                },
            )
            .await?;
        let mut fault = FaultPlan::from_options(options);
        fault.check().await?;
        for table in rows::ENTITY_TABLES {
            if rows::known_empty(table, &counts) {
                continue;
            }
            let mut entity_rows = EntityRows::new(table, dataset, id);
            let n = write_units(&writer, table.name, &table.column_names(), &mut fault, |batch| {
                entity_rows.next_unit(batch)
            })
            .await?;
            tracing::debug!(table = table.name, n_rows = n, "Rows written.");
        }
        let sql = crate::finish_succeeded_sql(dialect);
        writer
            .call(
                move || format!("finish import run {run} as succeeded"),
                move |c| c.execute(&sql, rusqlite::params![id, counts_json, n_diagnostics, n_rejected, run.0]),
            )
            .await?;
        LoadOutcome::Loaded { dataset_version: DatasetVersionId(id), version_number, counts }
    };
    writer.call(move || format!("commit the load of run {run}"), |c| c.execute_batch("COMMIT")).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(batch: &Batch) -> Vec<Option<&str>> {
        batch
            .cells
            .iter()
            .map(|cell| match *cell {
                BatchCell::Text { start, end } => Some(&batch.text[start..end]),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn rows_split_off_keep_their_cells_and_texts() {
        let mut batch = Batch::default();
        for row in 0..5_i64 {
            batch.int(row);
            if row == 3 {
                batch.null();
            } else {
                batch.text(&format!("row {row}"));
            }
            batch.end_row();
        }
        let tail = batch.split_off_rows(2, 2);
        assert_eq!((batch.n_rows, tail.n_rows), (2, 3));
        assert_eq!(texts(&batch), [None, Some("row 0"), None, Some("row 1")]);
        assert_eq!(texts(&tail), [None, Some("row 2"), None, None, None, Some("row 4")]);
        assert_eq!(batch.text, "row 0row 1");
        assert!(matches!(tail.cells[2], BatchCell::Int(3)));
        // A tail without text takes none of it.
        let mut head = Batch::default();
        head.text("kept");
        head.end_row();
        for row in 0..2 {
            head.int(row);
            head.end_row();
        }
        let tail = head.split_off_rows(1, 1);
        assert_eq!((head.text.as_str(), tail.text.as_str(), tail.n_rows), ("kept", "", 2));
    }
}
