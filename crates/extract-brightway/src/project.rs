//! A bw2data (≥ 4) project directory read without Python: `lci/databases.db` (SQLite tables `activitydataset`
//! and `exchangedataset`, each row's `data` a pickled dict), `methods.json` (the method registry: name tuple →
//! metadata with the file `abbreviation`) and `intermediate/<abbreviation>.pickle` (the list of
//! characterization factors, keyed by activity id in bw2data 4 or by `(database, code)` before).
//!
//! Activities and exchanges are merge-joined in key order, so only one activity's exchanges are in memory.

use crate::ReadOptions;
use crate::convert::{Builder, Located, MethodHeader};
use crate::error::{Error, Result};
use crate::value::{Val, from_pickle};
use ecoref_model::Metadata;
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

fn decode_pickle(bytes: &[u8]) -> std::result::Result<Val, serde_pickle::Error> {
    let options = serde_pickle::DeOptions::new().replace_unresolved_globals().replace_recursive_structures();
    serde_pickle::value_from_slice(bytes, options).map(from_pickle)
}

/// Whether `dir` looks like a Brightway project directory.
pub(crate) fn is_project_dir(dir: &Path) -> bool {
    dir.join("lci").join("databases.db").is_file()
}

struct ActivityRow {
    id: i64,
    data: Vec<u8>,
    code: String,
    database: String,
}

struct ExchangeRow {
    id: i64,
    data: Vec<u8>,
    output: (String, String),
    input: (String, String),
    kind: String,
}

/// Reads the activities and exchanges of a `databases.db`; returns activity id → key for method factors.
pub(crate) fn read_databases_db(
    builder: &mut Builder,
    path: &Path,
    progress: &mut dyn FnMut(u64, u64, &str),
) -> Result<HashMap<i64, (String, String)>> {
    let file = path.display().to_string();
    let sql_error = |source| Error::Sqlite { file: file.clone(), source };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sql_error)?;
    let n_activities: i64 =
        conn.query_row("SELECT count(*) FROM activitydataset", [], |r| r.get(0)).map_err(sql_error)?;
    let mut activities = conn
        .prepare("SELECT id, data, code, database FROM activitydataset ORDER BY database, code, id")
        .map_err(sql_error)?;
    let mut exchanges = conn
        .prepare(
            "SELECT id, data, output_database, output_code, input_database, input_code, type FROM exchangedataset \
             ORDER BY output_database, output_code, id",
        )
        .map_err(sql_error)?;
    let mut activity_rows = activities
        .query_map([], |r| Ok(ActivityRow { id: r.get(0)?, data: r.get(1)?, code: r.get(2)?, database: r.get(3)? }))
        .map_err(sql_error)?;
    let mut exchange_rows = exchanges
        .query_map([], |r| {
            Ok(ExchangeRow {
                id: r.get(0)?,
                data: r.get(1)?,
                output: (r.get(2)?, r.get(3)?),
                input: (r.get(4)?, r.get(5)?),
                kind: r.get(6)?,
            })
        })
        .map_err(sql_error)?;
    let mut ids = HashMap::new();
    let mut pending: Option<ExchangeRow> = exchange_rows.next().transpose().map_err(sql_error)?;
    let mut n_orphans = 0u64;
    let mut done = 0u64;
    while let Some(row) = activity_rows.next().transpose().map_err(sql_error)? {
        let key = (row.database.clone(), row.code.clone());
        progress(done, n_activities.max(0) as u64, &format!("{}/{}", row.database, row.code));
        done += 1;
        ids.insert(row.id, key.clone());
        let mut own = Vec::new();
        while let Some(ex) = pending.take() {
            if ex.output < key {
                n_orphans += 1;
            } else if ex.output == key {
                own.push(ex);
            } else {
                pending = Some(ex);
                break;
            }
            pending = exchange_rows.next().transpose().map_err(sql_error)?;
        }
        let element = format!("activitydataset id {}", row.id);
        let mut data = match decode_pickle(&row.data) {
            Ok(data @ Val::Map(_)) => data,
            Ok(_) | Err(_) => {
                builder.reject(
                    "brightway.invalid-pickle",
                    format!("{file}: {element}: data is not a pickled dict"),
                    &file,
                    &element,
                );
                continue;
            }
        };
        if let Val::Map(fields) = &mut data {
            fields.retain(|(k, _)| !matches!(k, Val::Text(t) if t == "database" || t == "code"));
            fields.push((Val::Text("database".to_owned()), Val::Text(row.database.clone())));
            fields.push((Val::Text("code".to_owned()), Val::Text(row.code.clone())));
        }
        let mut located = Vec::with_capacity(own.len());
        for ex in own {
            let ex_element = format!("exchangedataset id {}", ex.id);
            match decode_pickle(&ex.data) {
                Ok(Val::Map(mut fields)) => {
                    let has = |name: &str, fields: &Vec<(Val, Val)>| {
                        fields.iter().any(|(k, v)| matches!(k, Val::Text(t) if t == name) && !v.is_missing())
                    };
                    if !has("input", &fields) {
                        fields.push((
                            Val::Text("input".to_owned()),
                            Val::List(vec![Val::Text(ex.input.0.clone()), Val::Text(ex.input.1.clone())]),
                        ));
                    }
                    if !has("type", &fields) {
                        fields.push((Val::Text("type".to_owned()), Val::Text(ex.kind.clone())));
                    }
                    located.push(Located { val: Val::Map(fields), element: ex_element });
                }
                Ok(_) | Err(_) => builder.warn(
                    "brightway.invalid-pickle",
                    format!("{file}: {ex_element}: data is not a pickled dict; exchange dropped"),
                    &file,
                    &ex_element,
                ),
            }
        }
        builder.add_node(&file, &row.database, &Located { val: data, element }, Some(located));
    }
    while pending.is_some() {
        n_orphans += 1;
        pending = exchange_rows.next().transpose().map_err(sql_error)?;
    }
    if n_orphans > 0 {
        builder.warn(
            "brightway.orphan-exchange",
            format!("{file}: {n_orphans} exchange(s) whose output activity is not in activitydataset dropped"),
            &file,
            "exchangedataset",
        );
    }
    Ok(ids)
}

/// Reads a project directory: its databases, then the methods registered in `methods.json`.
pub(crate) fn read_project(
    builder: &mut Builder,
    dir: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64, u64, &str),
) -> Result<()> {
    let ids = read_databases_db(builder, &dir.join("lci").join("databases.db"), progress)?;
    let methods_path = dir.join("methods.json");
    if !methods_path.is_file() {
        return Ok(());
    }
    let methods_file = methods_path.display().to_string();
    let bytes = crate::read_file_limited(&methods_path, options)?;
    let registry = crate::value::from_json(crate::json::parse_json(&methods_file, &bytes)?);
    let entries: Vec<(Val, Val)> = match registry {
        Val::List(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Val::List(mut pair) if pair.len() == 2 => {
                    let metadata = pair.pop()?;
                    let name = pair.pop()?;
                    Some((name, metadata))
                }
                _ => None,
            })
            .collect(),
        Val::Map(entries) => entries,
        _ => {
            return Err(Error::Structure { file: methods_file, message: "expected a list of [name, metadata]".into() });
        }
    };
    let resolve = |id: i64| ids.get(&id).cloned();
    for (idx, (name, meta)) in entries.into_iter().enumerate() {
        let element = format!("methods.json[{idx}]");
        let parts = match name {
            Val::List(parts) => parts,
            other => vec![other],
        };
        let Some(abbreviation) = meta.get("abbreviation").and_then(Val::as_text).map(str::to_owned) else {
            builder.reject(
                "brightway.missing-method-file",
                format!("{methods_file}: {element}: method has no abbreviation (file name)"),
                &methods_file,
                &element,
            );
            continue;
        };
        let pickle_path = dir.join("intermediate").join(format!("{abbreviation}.pickle"));
        let pickle_file = pickle_path.display().to_string();
        if abbreviation.contains(['/', '\\']) || abbreviation.contains("..") || !pickle_path.is_file() {
            builder.reject(
                "brightway.missing-method-file",
                format!("{methods_file}: {element}: method data {pickle_file} not found"),
                &methods_file,
                &element,
            );
            continue;
        }
        let bytes = fs::read(&pickle_path).map_err(|source| Error::Io { file: pickle_file.clone(), source })?;
        let factors = match decode_pickle(&bytes) {
            Ok(Val::List(factors)) => factors,
            Ok(_) | Err(_) => {
                builder.reject(
                    "brightway.invalid-pickle",
                    format!("{pickle_file}: not a pickled list of characterization factors"),
                    &pickle_file,
                    &element,
                );
                continue;
            }
        };
        let unit = meta.get("unit").and_then(Val::as_text).map(str::to_owned);
        let mut metadata = Metadata::new();
        if let Val::Map(fields) = &meta {
            for (k, v) in fields {
                let key = k.display();
                if key != "unit" && !v.is_missing() {
                    metadata.insert(key, v.display());
                }
            }
        }
        builder.add_method(&pickle_file, &element, MethodHeader { name: &parts, unit, metadata }, &factors, &resolve);
    }
    Ok(())
}
