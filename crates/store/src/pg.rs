//! PostgreSQL backend: connection, migrations, `COPY … FROM STDIN` bulk writes and typed reads.

use crate::FaultPlan;
use crate::error::{Context, Error, Result};
use crate::rows::{Cell, Rows};
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
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut copy = conn.copy_in_raw(&statement).await.doing(|| format!("start copying rows into {table}"))?;
    let mut n_rows = 0;
    match send_rows(&mut copy, table, rows, fault, &mut n_rows).await {
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

async fn send_rows(
    copy: &mut PgCopyIn<&mut PgConnection>,
    table: &str,
    rows: impl Iterator<Item = Result<Vec<Cell>>>,
    fault: &mut FaultPlan,
    n_rows: &mut u64,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(COPY_CHUNK_BYTES + 64 * 1024);
    for row in rows {
        encode_row(&mut buffer, &row?);
        *n_rows += 1;
        if buffer.len() >= COPY_CHUNK_BYTES {
            copy.send(buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
            buffer.clear();
        }
        fault.after_row().await?;
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
    }
    Ok(())
}

/// One line of COPY text format: tab-separated, `\N` for NULL, backslash escapes for `\`, tab, newline, CR.
fn encode_row(buffer: &mut Vec<u8>, row: &[Cell]) {
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            buffer.push(b'\t');
        }
        encode_cell(buffer, cell);
    }
    buffer.push(b'\n');
}

fn encode_cell(buffer: &mut Vec<u8>, cell: &Cell) {
    // Writing into a Vec cannot fail.
    match cell {
        Cell::Null => buffer.extend_from_slice(b"\\N"),
        Cell::Int(n) => write!(buffer, "{n}").expect("write to Vec"),
        Cell::Real(x) if x.is_nan() => buffer.extend_from_slice(b"NaN"),
        Cell::Real(x) if x.is_infinite() => buffer.extend_from_slice(if *x > 0.0 { b"Infinity" } else { b"-Infinity" }),
        // `{:?}` is the shortest text that parses back to the same bits (`0.1`, `1e-7`, `-0.0`).
        Cell::Real(x) => write!(buffer, "{x:?}").expect("write to Vec"),
        Cell::Bool(b) => buffer.push(if *b { b't' } else { b'f' }),
        Cell::Text(text) => escape_text(buffer, text),
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

    #[test]
    fn copy_text_escapes_control_characters_and_keeps_float_bits() {
        let mut buffer = Vec::new();
        encode_row(
            &mut buffer,
            &[
                Cell::Text("a\tb\nc\rd\\e".into()),
                Cell::Null,
                Cell::Real(-0.0),
                Cell::Real(0.1),
                Cell::Real(1e-300),
                Cell::Bool(true),
                Cell::Int(-7),
            ],
        );
        assert_eq!(String::from_utf8(buffer).unwrap(), "a\\tb\\nc\\rd\\\\e\t\\N\t-0.0\t0.1\t1e-300\tt\t-7\n");
    }

    #[test]
    fn redact_url_hides_the_password_only() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
