//! The bw2io Excel/CSV grammar over rows of cells: `Database`, `Project parameters`, `Database parameters`,
//! `Activity` blocks with `Parameters` and `Exchanges` sections, the `skip` and `cutoff` markers, and the LCIA
//! table (`name, categories, amount`). Mirrors bw2io's `ExcelImporter` so counts agree with Brightway.

use crate::convert::{Builder, Located, MethodHeader};
use crate::value::Val;
use ecoref_model::Metadata;

/// One worksheet (a CSV file is one sheet): rows of cells, text cells trimmed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    pub(crate) name: String,
    pub(crate) rows: Vec<Vec<Val>>,
}

fn first_text(row: &[Val]) -> Option<String> {
    row.first().and_then(Val::as_text).map(str::to_ascii_lowercase)
}

fn is_empty_row(row: &[Val]) -> bool {
    row.iter().all(Val::is_missing)
}

fn cell(row: &[Val], idx: usize) -> &Val {
    row.get(idx).unwrap_or(&Val::Null)
}

fn at(sheet: &Sheet, row_idx: usize) -> String {
    format!("sheet {:?}, row {}", sheet.name, row_idx + 1)
}

/// Reads the sheets of one workbook or CSV file into `builder`. `stem` names an LCIA table's method.
pub(crate) fn read_sheets(builder: &mut Builder, file: &str, stem: &str, sheets: Vec<Sheet>) {
    let mut sheets: Vec<Sheet> = sheets
        .into_iter()
        .filter(|s| {
            let skip = s.rows.first().and_then(|r| first_text(r)).is_some_and(|t| t == "skip");
            if skip {
                builder.info("brightway.sheet-skipped", format!("{file}: sheet {:?} is marked skip", s.name), file);
            }
            !skip
        })
        .collect();
    for sheet in &mut sheets {
        apply_cutoff(builder, file, sheet);
    }
    let mut database: Option<(String, usize, String)> = None;
    let mut n_project_parameters = 0usize;
    let mut n_database_parameters = 0usize;
    for sheet in &sheets {
        for (idx, row) in sheet.rows.iter().enumerate() {
            match first_text(row).as_deref() {
                Some("database") => {
                    let name = cell(row, 1).display();
                    if cell(row, 1).is_missing() {
                        builder.warn(
                            "brightway.missing-name",
                            format!("{file}: {}: database section without a name", at(sheet, idx)),
                            file,
                            &at(sheet, idx),
                        );
                    } else if let Some((first, _, first_sheet)) = &database {
                        builder.warn(
                            "brightway.multiple-database-sections",
                            format!(
                                "{file}: {}: second database section {name:?} ignored (the first, {first:?}, is in sheet {first_sheet:?})",
                                at(sheet, idx)
                            ),
                            file,
                            &at(sheet, idx),
                        );
                    } else {
                        database = Some((name, idx, sheet.name.clone()));
                    }
                }
                Some("project parameters") => n_project_parameters += labelled_section(&sheet.rows[idx + 1..]).len(),
                Some("database parameters") if row.iter().skip(1).all(Val::is_missing) => {
                    n_database_parameters += labelled_section(&sheet.rows[idx + 1..]).len();
                }
                _ => {}
            }
        }
    }
    if n_project_parameters + n_database_parameters > 0 {
        builder.info(
            "brightway.not-loaded",
            format!(
                "{file}: {n_project_parameters} project parameter(s) and {n_database_parameters} database parameter(s) not loaded (the model has no dataset-level parameters)"
            ),
            file,
        );
    }
    let Some((db_name, _, _)) = database else {
        if !read_lcia_tables(builder, file, stem, &sheets) {
            builder.warn(
                "brightway.no-database-section",
                format!("{file}: no `Database` section and no LCIA table (name, categories, amount): nothing read"),
                file,
                file,
            );
        }
        return;
    };
    for sheet in &sheets {
        for (idx, row) in sheet.rows.iter().enumerate() {
            let is_activity = first_text(row).as_deref() == Some("activity") && matches!(cell(row, 1), Val::Text(_));
            if is_activity {
                read_activity(builder, file, &db_name, sheet, idx);
            }
        }
    }
}

fn apply_cutoff(builder: &mut Builder, file: &str, sheet: &mut Sheet) {
    let Some(first) = sheet.rows.first() else { return };
    if first_text(first).as_deref() != Some("cutoff") {
        return;
    }
    match cell(first, 1).as_f64().filter(|x| x.fract() == 0.0 && *x >= 0.0) {
        Some(n) => {
            let n = n as usize;
            for row in &mut sheet.rows {
                row.truncate(n);
            }
        }
        None => builder.warn(
            "brightway.invalid-cutoff",
            format!(
                "{file}: {}: cutoff column {:?} is not a column number; ignored",
                at(sheet, 0),
                cell(first, 1).display()
            ),
            file,
            &at(sheet, 0),
        ),
    }
}

/// A labelled table: a header row, then one dict per row up to the first empty row. Returns (row offset, dict).
fn labelled_section(rows: &[Vec<Val>]) -> Vec<(usize, Val)> {
    let Some(header) = rows.first() else { return Vec::new() };
    let mut columns: Vec<Option<String>> = header.iter().map(|c| c.as_text().map(str::to_owned)).collect();
    while columns.last().is_some_and(Option::is_none) {
        columns.pop();
    }
    let mut out = Vec::new();
    for (offset, row) in rows.iter().enumerate().skip(1) {
        if is_empty_row(row) {
            break;
        }
        let entries = columns
            .iter()
            .zip(row.iter())
            .filter_map(|(c, v)| c.as_ref().map(|c| (Val::Text(c.clone()), v.clone())))
            .filter(|(_, v)| !v.is_missing())
            .collect();
        out.push((offset, Val::Map(entries)));
    }
    out
}

fn read_activity(builder: &mut Builder, file: &str, db_name: &str, sheet: &Sheet, start: usize) {
    let element = at(sheet, start);
    let mut end = sheet.rows.len();
    for (idx, row) in sheet.rows.iter().enumerate().skip(start + 1) {
        if matches!(first_text(row).as_deref(), Some("activity" | "database" | "project parameters")) {
            end = idx;
            break;
        }
    }
    let rows: Vec<(usize, &Vec<Val>)> =
        sheet.rows.iter().enumerate().take(end).skip(start).filter(|(_, r)| !is_empty_row(r)).collect();
    let mut param_idx = None;
    let mut exc_idx = None;
    for (pos, (_, row)) in rows.iter().enumerate() {
        let slot = match first_text(row).as_deref() {
            Some("parameters") => &mut param_idx,
            Some("exchanges") => &mut exc_idx,
            _ => continue,
        };
        if slot.is_some() {
            builder.reject(
                "brightway.duplicate-section",
                format!("{file}: {element}: activity has two {:?} sections", cell(row, 0).display()),
                file,
                &element,
            );
            return;
        }
        *slot = Some(pos);
    }
    let metadata_end = param_idx.or(exc_idx).unwrap_or(rows.len());
    let mut entries: Vec<(Val, Val)> = Vec::new();
    entries.push((Val::Text("name".to_owned()), cell(sheet.rows.get(start).map_or(&[][..], Vec::as_slice), 1).clone()));
    for (_, row) in rows.iter().take(metadata_end).skip(1) {
        let key = cell(row, 0);
        if key.is_missing() {
            continue;
        }
        entries.push((Val::Text(key.display()), cell(row, 1).clone()));
    }
    if let Some(p) = param_idx {
        let param_end = exc_idx.filter(|e| *e > p).unwrap_or(rows.len());
        let group = rows.get(p).map(|(_, r)| cell(r, 1).clone()).filter(|v| !v.is_missing());
        let table: Vec<Vec<Val>> = rows.iter().take(param_end).skip(p + 1).map(|(_, r)| (*r).clone()).collect();
        let mut params = Vec::new();
        for (_, mut param) in labelled_section(&table) {
            if let (Some(group), Val::Map(e)) = (&group, &mut param) {
                e.push((Val::Text("group".to_owned()), group.clone()));
            }
            params.push(param);
        }
        entries.push((Val::Text("parameters".to_owned()), Val::List(params)));
    }
    let mut exchanges = Vec::new();
    if let Some(e) = exc_idx {
        let table_rows: Vec<(usize, &Vec<Val>)> = rows.iter().skip(e + 1).copied().collect();
        let table: Vec<Vec<Val>> = table_rows.iter().map(|(_, r)| (*r).clone()).collect();
        let header_ok = table.first().is_some_and(|h| {
            let labels: Vec<bool> = h.iter().map(|c| !c.is_missing()).collect();
            let last = labels.iter().rposition(|l| *l).unwrap_or(0);
            labels.iter().take(last + 1).all(|l| *l)
        });
        if !header_ok && !table.is_empty() {
            builder.warn(
                "brightway.missing-column-label",
                format!("{file}: {element}: exchange table header has an empty column label; that column is dropped"),
                file,
                &element,
            );
        }
        for (offset, val) in labelled_section(&table) {
            let row_idx = table_rows.get(offset).map_or(start, |(i, _)| *i);
            exchanges.push(Located { val, element: at(sheet, row_idx) });
        }
    }
    entries.push((Val::Text("worksheet name".to_owned()), Val::Text(sheet.name.clone())));
    let node = Located { val: Val::Map(entries), element };
    builder.add_node(file, db_name, &node, Some(exchanges));
}

/// Sheets whose first non-empty row is a `name … amount` header are LCIA tables (ExcelLCIAImporter,
/// CSVLCIAImporter). Returns whether any was read.
fn read_lcia_tables(builder: &mut Builder, file: &str, stem: &str, sheets: &[Sheet]) -> bool {
    let mut found = false;
    let n_sheets = sheets.len();
    for sheet in sheets {
        let Some(start) = sheet.rows.iter().position(|r| !is_empty_row(r)) else { continue };
        let header: Vec<String> =
            sheet.rows[start].iter().map(|c| c.as_text().unwrap_or("").to_ascii_lowercase()).collect();
        if !(header.iter().any(|h| h == "name") && header.iter().any(|h| h == "amount")) {
            continue;
        }
        found = true;
        let factors: Vec<Val> = labelled_section(&sheet.rows[start..])
            .into_iter()
            .map(|(_, v)| match v {
                Val::Map(entries) => Val::Map(
                    entries.into_iter().map(|(k, v)| (Val::Text(k.display().to_ascii_lowercase()), v)).collect(),
                ),
                other => other,
            })
            .collect();
        let name = if n_sheets == 1 {
            vec![Val::Text(stem.to_owned())]
        } else {
            vec![Val::Text(stem.to_owned()), Val::Text(sheet.name.clone())]
        };
        let mut metadata = Metadata::new();
        metadata.insert("brightway.format".to_owned(), "lcia table".to_owned());
        let header = MethodHeader { name: &name, unit: None, metadata };
        builder.add_method(file, &at(sheet, start), header, &factors, &|_| None);
    }
    found
}
