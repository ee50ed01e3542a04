//! Reads workbooks (calamine, cached formula values) and CSV files into [`Sheet`]s of trimmed cells.

use crate::error::{Error, Result};
use crate::table::Sheet;
use crate::value::Val;
use calamine::{Data, Reader};
use std::io::Cursor;

fn cell_of(data: &Data) -> Val {
    match data {
        Data::Int(i) => Val::Int(*i),
        Data::Float(x) => Val::Num(*x),
        Data::String(s) => Val::Text(s.trim().to_owned()),
        Data::Bool(b) => Val::Bool(*b),
        Data::DateTime(d) => Val::Num(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Val::Text(s.trim().to_owned()),
        Data::Error(_) | Data::Empty => Val::Null,
    }
}

/// Every sheet of an `.xlsx`/`.xlsm`/`.xls`/`.ods` workbook, in workbook order, cells placed from A1. Formula
/// cells hold the value Excel cached with the formula.
pub(crate) fn read_workbook(file: &str, bytes: &[u8]) -> Result<Vec<Sheet>> {
    let workbook_error = |e: calamine::Error| Error::Workbook { file: file.to_owned(), message: e.to_string() };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(workbook_error)?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).map_err(workbook_error)?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<Val>> = vec![Vec::new(); row0 as usize];
        for row in range.rows() {
            let mut cells = vec![Val::Null; col0 as usize];
            cells.extend(row.iter().map(cell_of));
            while cells.last().is_some_and(|c| matches!(c, Val::Null)) {
                cells.pop();
            }
            rows.push(cells);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

/// One CSV file as a sheet: comma-separated, RFC 4180 quoting (doubled quotes, quoted fields spanning
/// lines), any of CR, LF or CRLF line endings, an optional UTF-8 BOM. Empty lines are kept as empty rows (they
/// end sections). Invalid UTF-8 is replaced (lossy). Row `n` of the sheet is line `n` of the file, except after
/// a quoted field spanning lines.
pub(crate) fn read_csv(sheet_name: &str, bytes: &[u8]) -> Sheet {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut row: Vec<Val> = Vec::new();
    let mut field: Vec<u8> = Vec::new();
    let mut in_quotes = false;
    let mut idx = 0;
    let push_field = |row: &mut Vec<Val>, field: &mut Vec<u8>| {
        let text = String::from_utf8_lossy(field);
        let trimmed = text.trim();
        row.push(if trimmed.is_empty() { Val::Null } else { Val::Text(trimmed.to_owned()) });
        field.clear();
    };
    let end_row = |rows: &mut Vec<Vec<Val>>, row: &mut Vec<Val>| {
        while row.last().is_some_and(|c| matches!(c, Val::Null)) {
            row.pop();
        }
        rows.push(std::mem::take(row));
    };
    while let Some(&byte) = bytes.get(idx) {
        idx += 1;
        if in_quotes {
            if byte == b'"' {
                if bytes.get(idx) == Some(&b'"') {
                    field.push(b'"');
                    idx += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(byte);
            }
            continue;
        }
        match byte {
            b'"' if field.iter().all(u8::is_ascii_whitespace) => {
                field.clear();
                in_quotes = true;
            }
            b',' => push_field(&mut row, &mut field),
            b'\r' | b'\n' => {
                if byte == b'\r' && bytes.get(idx) == Some(&b'\n') {
                    idx += 1;
                }
                push_field(&mut row, &mut field);
                end_row(&mut rows, &mut row);
            }
            _ => field.push(byte),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        push_field(&mut row, &mut field);
        end_row(&mut rows, &mut row);
    }
    Sheet { name: sheet_name.to_owned(), rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_empty_lines_quotes_and_cr_endings() {
        let sheet = read_csv("s", b"a,\"b,\"\"c\"\"\"\r\r\n\"x\ry\"\nlast");
        assert_eq!(
            sheet.rows,
            vec![
                vec![Val::Text("a".into()), Val::Text("b,\"c\"".into())],
                vec![],
                vec![Val::Text("x\ry".into())],
                vec![Val::Text("last".into())],
            ]
        );
    }
}
