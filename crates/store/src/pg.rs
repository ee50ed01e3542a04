//! PostgreSQL backend: connection, migrations, `COPY … FROM STDIN` bulk writes and typed reads.

use crate::FaultPlan;
use crate::error::{Context, Error, Result};
use crate::rows::{EntityRows, RowSink, Rows, next_row_unit};
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgCopyIn, PgPoolOptions};
use std::io::Write;

static MIGRATOR: Migrator = sqlx::migrate!("../../sql/postgres");

/// Key of the advisory lock that serializes loads (ASCII "ecoref" and a 1).
pub(crate) const LOAD_LOCK_KEY: i64 = 0x6563_6f72_6566_0001;

/// Bytes buffered before a `CopyData` message is sent.
const COPY_CHUNK_BYTES: usize = 1 << 20;

pub(crate) async fn connect(url: &str) -> Result<PgPool> {
    PgPoolOptions::new().max_connections(8).connect(url).await.map_err(|source| Error::Connect {
        backend: "postgres",
        target: redact_url(url),
        source,
    })
}

pub(crate) async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await.map_err(|source| Error::Migrate { backend: "postgres", source })
}

/// Streams `rows` into `table` with one `COPY … FROM STDIN` (text format). On any error the COPY is aborted,
/// so the connection stays usable and the surrounding transaction rolls back.
pub(crate) async fn write_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &[String],
    rows: Rows<'_>,
    fault: &mut FaultPlan,
) -> Result<u64> {
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        return Ok(0);
    }
    copy_units(conn, table, columns, fault, |sink| next_row_unit(&mut rows, sink)).await
}

/// [`write_rows`] for the rows of an entity table, built straight into the COPY buffer.
pub(crate) async fn write_entity_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &[String],
    mut rows: EntityRows<'_>,
    fault: &mut FaultPlan,
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    copy_units(conn, table, columns, fault, |sink| rows.next_unit(sink)).await
}

/// One COPY of the rows `next_unit` writes, a unit (one or more rows) at a time, until it returns `None`.
async fn copy_units(
    conn: &mut PgConnection,
    table: &str,
    columns: &[String],
    fault: &mut FaultPlan,
    next_unit: impl FnMut(&mut CopyText) -> Result<Option<u64>>,
) -> Result<u64> {
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut copy = conn.copy_in_raw(&statement).await.doing(|| format!("start copying rows into {table}"))?;
    let mut n_rows = 0;
    match send_units(&mut copy, table, next_unit, fault, &mut n_rows).await {
        Ok(()) => {
            copy.finish().await.doing(|| format!("copy rows into {table}"))?;
            Ok(n_rows)
        }
        Err(error) => {
            if let Err(abort_error) = copy.abort("ecoref load aborted").await {
                tracing::warn!(table, error = %abort_error, "Aborting COPY failed.");
            }
            Err(error)
        }
    }
}

async fn send_units(
    copy: &mut PgCopyIn<&mut PgConnection>,
    table: &str,
    mut next_unit: impl FnMut(&mut CopyText) -> Result<Option<u64>>,
    fault: &mut FaultPlan,
    n_rows: &mut u64,
) -> Result<()> {
    let mut sink = CopyText { buffer: Vec::with_capacity(COPY_CHUNK_BYTES + 64 * 1024), at_row_start: true };
    while let Some(n) = next_unit(&mut sink)? {
        *n_rows += n;
        if sink.buffer.len() >= COPY_CHUNK_BYTES {
            copy.send(sink.buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
            sink.buffer.clear();
        }
        fault.after_rows(n).await?;
    }
    if !sink.buffer.is_empty() {
        copy.send(sink.buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
    }
    Ok(())
}

/// Rows in COPY text format: tab-separated, `\N` for NULL, backslash escapes for `\`, tab, newline, CR.
#[derive(Debug)]
struct CopyText {
    buffer: Vec<u8>,
    at_row_start: bool,
}

impl CopyText {
    fn separate(&mut self) {
        if !self.at_row_start {
            self.buffer.push(b'\t');
        }
        self.at_row_start = false;
    }
}

impl RowSink for CopyText {
    fn null(&mut self) {
        self.separate();
        self.buffer.extend_from_slice(b"\\N");
    }

    fn int(&mut self, n: i64) {
        self.separate();
        // Writing into a Vec cannot fail.
        write!(self.buffer, "{n}").expect("write to Vec");
    }

    fn real(&mut self, x: f64) {
        self.separate();
        if x.is_nan() {
            self.buffer.extend_from_slice(b"NaN");
        } else if x.is_infinite() {
            self.buffer.extend_from_slice(if x > 0.0 { b"Infinity" } else { b"-Infinity" });
        } else {
            // `{:?}` is the shortest text that parses back to the same bits (`0.1`, `1e-7`, `-0.0`).
            write!(self.buffer, "{x:?}").expect("write to Vec");
        }
    }

    fn bool(&mut self, b: bool) {
        self.separate();
        self.buffer.push(if b { b't' } else { b'f' });
    }

    fn text(&mut self, text: &str) {
        self.separate();
        escape_text(&mut self.buffer, text);
    }

    fn end_row(&mut self) {
        self.buffer.push(b'\n');
        self.at_row_start = true;
    }
}

fn escape_text(buffer: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        buffer.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => buffer.extend_from_slice(b"\\\\"),
            b'\t' => buffer.extend_from_slice(b"\\t"),
            b'\n' => buffer.extend_from_slice(b"\\n"),
            b'\r' => buffer.extend_from_slice(b"\\r"),
            _ => buffer.push(b),
        }
    }
}

/// The url without its password, for error messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
            let masked = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{masked}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rows::Cell;

    #[test]
    fn copy_text_escapes_control_characters_and_keeps_float_bits() {
        let mut sink = CopyText { buffer: Vec::new(), at_row_start: true };
        for cell in [
            Cell::Text("a\tb\nc\rd\\e".into()),
            Cell::Null,
            Cell::Real(-0.0),
            Cell::Real(0.1),
            Cell::Real(1e-300),
            Cell::Bool(true),
            Cell::Int(-7),
        ] {
            sink.cell(&cell);
        }
        sink.end_row();
        sink.cell(&Cell::Null);
        sink.end_row();
        assert_eq!(String::from_utf8(sink.buffer).unwrap(), "a\\tb\\nc\\rd\\\\e\t\\N\t-0.0\t0.1\t1e-300\tt\t-7\n\\N\n");
    }

    #[test]
    fn redact_url_hides_the_password_only() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
