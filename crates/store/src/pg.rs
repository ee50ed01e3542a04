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

/// Streams `rows` into `table` with one `COPY … FROM STDIN` (binary format, or text; see [`copy_units`]). On any error the COPY is aborted,
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

/// One COPY of the rows `next_unit` writes, a unit (one or more rows) at a time, until it returns `None`. Binary
/// format when every column has a type [`BinaryType`] knows (the server parses it a fifth faster than text: no
/// delimiters or escapes to scan), else text.
async fn copy_units(
    conn: &mut PgConnection,
    table: &str,
    columns: &[String],
    fault: &mut FaultPlan,
    next_unit: impl FnMut(&mut CopySink) -> Result<Option<u64>>,
) -> Result<u64> {
    let types = binary_types(conn, table, columns).await?;
    tracing::debug!(table, binary = types.is_some(), "COPY started.");
    let (statement, mut sink) = match types {
        Some(types) => {
            (format!("COPY {table} ({}) FROM STDIN (FORMAT binary)", columns.join(", ")), CopySink::binary(types))
        }
        None => (format!("COPY {table} ({}) FROM STDIN", columns.join(", ")), CopySink::text()),
    };
    let mut copy = conn.copy_in_raw(&statement).await.doing(|| format!("start copying rows into {table}"))?;
    let mut n_rows = 0;
    match send_units(&mut copy, table, &mut sink, next_unit, fault, &mut n_rows).await {
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
    sink: &mut CopySink,
    mut next_unit: impl FnMut(&mut CopySink) -> Result<Option<u64>>,
    fault: &mut FaultPlan,
    n_rows: &mut u64,
) -> Result<()> {
    while let Some(n) = next_unit(sink)? {
        if let Some(detail) = sink.error.take() {
            return Err(Error::CopyCell { table: table.to_owned(), detail });
        }
        *n_rows += n;
        if sink.buffer.len() >= COPY_CHUNK_BYTES {
            copy.send(sink.buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
            sink.buffer.clear();
        }
        fault.after_rows(n).await?;
    }
    sink.finish();
    copy.send(sink.buffer.as_slice()).await.doing(|| format!("copy rows into {table}"))?;
    Ok(())
}

/// A column type COPY's binary format is written for here (every type the bulk-loaded tables use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryType {
    Int8,
    Float8,
    Bool,
    Text,
    Json,
    Jsonb,
}

/// The binary types of `columns` of `table`, from the catalog; `None` when one has another type (written as text).
async fn binary_types(conn: &mut PgConnection, table: &str, columns: &[String]) -> Result<Option<Vec<BinaryType>>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT attname::text, format_type(atttypid, NULL) FROM pg_attribute \
         WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .doing(|| format!("read the column types of {table}"))?;
    let type_of = |column: &str| rows.iter().find(|(name, _)| name == column).map(|(_, t)| t.as_str());
    Ok(columns
        .iter()
        .map(|column| match type_of(column)? {
            "bigint" => Some(BinaryType::Int8),
            "double precision" => Some(BinaryType::Float8),
            "boolean" => Some(BinaryType::Bool),
            "text" => Some(BinaryType::Text),
            "json" => Some(BinaryType::Json),
            "jsonb" => Some(BinaryType::Jsonb),
            _ => None,
        })
        .collect())
}

/// Rows in COPY's text format (tab-separated, `\N` for NULL, backslash escapes for `\`, tab, newline, CR) or its
/// binary format (a header, then per row the field count and each field as its length and bytes in the column
/// type's binary form, network byte order; a trailer). A cell that does not fit its column in binary is noted in
/// `error`, read after each unit of rows.
#[derive(Debug)]
struct CopySink {
    buffer: Vec<u8>,
    /// Binary format: the column types; text format: `None`.
    binary: Option<Vec<BinaryType>>,
    /// Index of the next cell in its row.
    column: usize,
    error: Option<String>,
}

/// The signature, flags and header extension length that start a binary COPY stream.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

impl CopySink {
    fn text() -> Self {
        CopySink { buffer: Vec::with_capacity(COPY_CHUNK_BYTES + 64 * 1024), binary: None, column: 0, error: None }
    }

    fn binary(types: Vec<BinaryType>) -> Self {
        let mut sink = CopySink { binary: Some(types), ..CopySink::text() };
        sink.buffer.extend_from_slice(BINARY_HEADER);
        sink
    }

    /// Ends the stream (the binary trailer).
    fn finish(&mut self) {
        if self.binary.is_some() {
            self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
        }
    }

    /// Starts the next cell: in text, the separator; in binary, the row's field count before its first cell.
    /// Returns the cell's binary type.
    fn next_cell(&mut self) -> Option<BinaryType> {
        let column = self.column;
        self.column += 1;
        match &self.binary {
            None => {
                if column > 0 {
                    self.buffer.push(b'\t');
                }
                None
            }
            Some(types) => {
                if column == 0 {
                    // At most 1,600 columns in a PostgreSQL table.
                    self.buffer.extend_from_slice(&(types.len() as i16).to_be_bytes());
                }
                match types.get(column) {
                    Some(&t) => Some(t),
                    None => {
                        self.mismatch(format!("more cells than the {} columns", types.len()));
                        Some(BinaryType::Text)
                    }
                }
            }
        }
    }

    /// Writes a field: its length, then `prefix` and `bytes`.
    fn field_with(&mut self, prefix: &[u8], bytes: &[u8]) {
        // PostgreSQL refuses values over 1 GB anyway; a length i32 cannot hold is an error, not a wrapped number.
        match i32::try_from(prefix.len() + bytes.len()) {
            Ok(len) => {
                self.buffer.extend_from_slice(&len.to_be_bytes());
                self.buffer.extend_from_slice(prefix);
                self.buffer.extend_from_slice(bytes);
            }
            Err(_) => {
                let detail = format!("a value of {} bytes in column {}", bytes.len(), self.column);
                self.mismatch(detail);
            }
        }
    }

    fn field(&mut self, bytes: &[u8]) {
        self.field_with(&[], bytes);
    }

    fn mismatch(&mut self, detail: String) {
        self.error.get_or_insert(detail);
    }
}

impl RowSink for CopySink {
    fn null(&mut self) {
        match self.next_cell() {
            None => self.buffer.extend_from_slice(b"\\N"),
            Some(_) => self.buffer.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }

    fn int(&mut self, n: i64) {
        match self.next_cell() {
            // Writing into a Vec cannot fail.
            None => write!(self.buffer, "{n}").expect("write to Vec"),
            Some(BinaryType::Int8) => self.field(&n.to_be_bytes()),
            Some(other) => self.mismatch(format!("integer {n} for column {}, of type {other:?}", self.column)),
        }
    }

    fn real(&mut self, x: f64) {
        match self.next_cell() {
            None if x.is_nan() => self.buffer.extend_from_slice(b"NaN"),
            None if x.is_infinite() => self.buffer.extend_from_slice(if x > 0.0 { b"Infinity" } else { b"-Infinity" }),
            // `{:?}` is the shortest text that parses back to the same bits (`0.1`, `1e-7`, `-0.0`).
            None => write!(self.buffer, "{x:?}").expect("write to Vec"),
            // The bits themselves: exact for every value, NaN and infinities included.
            Some(BinaryType::Float8) => self.field(&x.to_bits().to_be_bytes()),
            Some(other) => self.mismatch(format!("number {x} for column {}, of type {other:?}", self.column)),
        }
    }

    fn bool(&mut self, b: bool) {
        match self.next_cell() {
            None => self.buffer.push(if b { b't' } else { b'f' }),
            Some(BinaryType::Bool) => self.field(&[u8::from(b)]),
            Some(other) => self.mismatch(format!("boolean {b} for column {}, of type {other:?}", self.column)),
        }
    }

    fn text(&mut self, text: &str) {
        match self.next_cell() {
            None => escape_text(&mut self.buffer, text),
            Some(BinaryType::Text | BinaryType::Json) => self.field(text.as_bytes()),
            // jsonb's binary form: a version byte (1), then the JSON text.
            Some(BinaryType::Jsonb) => self.field_with(&[1], text.as_bytes()),
            Some(other) => self.mismatch(format!("text for column {}, of type {other:?}", self.column)),
        }
    }

    fn end_row(&mut self) {
        if let Some(types) = &self.binary
            && self.column != types.len()
        {
            let detail = format!("{} cells for {} columns", self.column, types.len());
            self.mismatch(detail);
        }
        if self.binary.is_none() {
            self.buffer.push(b'\n');
        }
        self.column = 0;
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
        let mut sink = CopySink::text();
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
    fn copy_binary_writes_each_cell_in_its_column_type() {
        use BinaryType::*;
        let mut sink = CopySink::binary(vec![Int8, Float8, Bool, Text, Json, Jsonb]);
        for cell in [
            Cell::Int(-2),
            Cell::Real(-0.0),
            Cell::Bool(true),
            Cell::Text("a\tb".into()),
            Cell::Null,
            Cell::Text("{}".into()),
        ] {
            sink.cell(&cell);
        }
        sink.end_row();
        sink.finish();
        assert_eq!(sink.error, None);
        let mut expected = BINARY_HEADER.to_vec();
        expected.extend_from_slice(&6i16.to_be_bytes());
        for (len, bytes) in [
            (8, (-2i64).to_be_bytes().to_vec()),
            (8, (-0.0f64).to_bits().to_be_bytes().to_vec()),
            (1, vec![1]),
            (3, b"a\tb".to_vec()),
            (-1, vec![]),
            (3, b"\x01{}".to_vec()),
        ] {
            expected.extend_from_slice(&i32::to_be_bytes(len));
            expected.extend_from_slice(&bytes);
        }
        expected.extend_from_slice(&(-1i16).to_be_bytes());
        assert_eq!(sink.buffer, expected);
        assert_eq!(&BINARY_HEADER[..11], b"PGCOPY\n\xff\r\n\0");
        assert_eq!(BINARY_HEADER.len(), 19);

        // A cell that does not fit its column, or a row of the wrong width, is an error, not a wrong value.
        let mut sink = CopySink::binary(vec![Int8, Text]);
        sink.text("5");
        sink.int(5);
        sink.end_row();
        assert_eq!(sink.error.as_deref(), Some("text for column 1, of type Int8"));
        let mut sink = CopySink::binary(vec![Int8]);
        sink.int(1);
        sink.int(2);
        sink.end_row();
        assert_eq!(sink.error.as_deref(), Some("more cells than the 1 columns"));
    }

    #[test]
    fn redact_url_hides_the_password_only() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
