//! Brightway JSON sources: the LCIA JSON list of methods (`lcia_39_ecoinvent.zip!data.json`) and
//! `.bw2package` files (bzip2 JSON with bw2io's `__dict__`/`__tuple__` encodings).

use crate::convert::{Builder, Located, MethodHeader};
use crate::error::{Error, Result};
use crate::value::{Val, from_json};
use ecoref_model::Metadata;

pub(crate) fn parse_json(file: &str, bytes: &[u8]) -> Result<serde_json::Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| Error::Json {
        file: file.to_owned(),
        line: e.line() as u64,
        column: e.column() as u64,
        message: e.to_string(),
    })
}

/// Reads a JSON document: a bw2package payload (objects with `class` and `data`) or an LCIA JSON list of
/// methods (objects with `name` and `exchanges`).
pub(crate) fn read_json_document(
    builder: &mut Builder,
    file: &str,
    json: serde_json::Value,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let items = match from_json(json) {
        Val::List(items) => items,
        single @ Val::Map(_) => vec![single],
        _ => {
            return Err(Error::Structure { file: file.to_owned(), message: "expected a list of objects".to_owned() });
        }
    };
    let total = items.len() as u64;
    for (idx, item) in items.iter().enumerate() {
        progress(idx as u64, total);
        let element = format!("[{idx}]");
        if item.get("class").is_some() && item.get("data").is_some() {
            read_package_object(builder, file, &element, item);
        } else if item.get("exchanges").is_some() || item.get("name").is_some() {
            read_lcia_method(builder, file, &element, item);
        } else {
            builder.reject(
                "brightway.unknown-object",
                format!("{file}: {element}: object is neither a method nor a bw2package object"),
                file,
                &element,
            );
        }
    }
    progress(total, total);
    Ok(())
}

fn method_metadata(item: &Val, skip: &[&str]) -> Metadata {
    let mut metadata = Metadata::new();
    if let Val::Map(entries) = item {
        for (k, v) in entries {
            let key = k.display();
            if !skip.contains(&key.as_str()) && !v.is_missing() {
                metadata.insert(key, v.display());
            }
        }
    }
    metadata
}

fn read_lcia_method(builder: &mut Builder, file: &str, element: &str, item: &Val) {
    let name = match item.get("name") {
        Some(Val::List(parts)) => parts.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    let unit = item.get("unit").and_then(Val::as_text).map(str::to_owned);
    let metadata = method_metadata(item, &["name", "unit", "exchanges"]);
    let factors = item.get("exchanges").and_then(Val::as_list).unwrap_or(&[]);
    builder.add_method(file, element, MethodHeader { name: &name, unit, metadata }, factors, &|_| None);
}

/// One object of a bw2package: a database (`data` = dict key → activity) or a method (`data` = list of CFs).
fn read_package_object(builder: &mut Builder, file: &str, element: &str, item: &Val) {
    let class = item.get("class").and_then(|c| c.get("name")).and_then(Val::as_text).unwrap_or("").to_owned();
    let name = item.get("name").cloned().unwrap_or(Val::Null);
    let data = item.get("data").cloned().unwrap_or(Val::Null);
    let is_method = matches!(class.as_str(), "Method" | "Weighting" | "Normalization")
        || (matches!(name, Val::List(_)) && matches!(data, Val::List(_)));
    if class == "Method" || (is_method && class.is_empty()) {
        let metadata_val = item.get("metadata").cloned().unwrap_or(Val::Null);
        let unit = metadata_val.get("unit").and_then(Val::as_text).map(str::to_owned);
        let mut metadata = method_metadata(&metadata_val, &["unit"]);
        metadata.insert("brightway.format".to_owned(), "bw2package".to_owned());
        let parts = match name {
            Val::List(parts) => parts,
            other => vec![other],
        };
        builder.add_method(
            file,
            element,
            MethodHeader { name: &parts, unit, metadata },
            data.as_list().unwrap_or(&[]),
            &|_| None,
        );
        return;
    }
    if is_method {
        builder.reject(
            "brightway.not-loaded",
            format!("{file}: {element}: bw2package object of class {class} is not loaded"),
            file,
            element,
        );
        return;
    }
    let db_name = name.as_text().unwrap_or("").to_owned();
    let Val::Map(entries) = data else {
        builder.reject(
            "brightway.invalid-database",
            format!("{file}: {element}: database {db_name:?} data is not a dict of activities"),
            file,
            element,
        );
        return;
    };
    for (key, activity) in entries {
        let mut activity = activity;
        // The dict key is the authoritative (database, code).
        if let (Some((db, code)), Val::Map(fields)) = (key.as_key(), &mut activity) {
            let has = |name: &str, fields: &Vec<(Val, Val)>| {
                fields.iter().any(|(k, _)| matches!(k, Val::Text(t) if t == name))
            };
            if !has("database", fields) {
                fields.push((Val::Text("database".to_owned()), Val::Text(db)));
            }
            if !has("code", fields) {
                fields.push((Val::Text("code".to_owned()), Val::Text(code)));
            }
        }
        let element = format!("{element}.data[{}]", key.display());
        builder.add_node(file, &db_name, &Located { val: activity, element }, None);
    }
}
