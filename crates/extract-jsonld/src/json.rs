//! Small total accessors over `serde_json::Value`: typed fields with v1/v2 aliases, references and category
//! paths, and the flattening of unread fields into metadata. None of them panics on any input.

use ecoref_model::{Metadata, Reference};
use serde_json::{Map, Value};

pub(crate) type Object = Map<String, Value>;

/// The first of `keys` present as a non-empty string.
pub(crate) fn str_of<'a>(obj: &'a Object, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| obj.get(*k).and_then(Value::as_str)).filter(|s| !s.is_empty())
}

pub(crate) fn string_of(obj: &Object, keys: &[&str]) -> Option<String> {
    str_of(obj, keys).map(str::to_owned)
}

/// The first of `keys` present as a number (exact: serde_json parses with `float_roundtrip`).
pub(crate) fn f64_of(obj: &Object, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| obj.get(*k).and_then(Value::as_f64))
}

/// The first of `keys` present as a boolean (v1 `input` / v2 `isInput`, …).
pub(crate) fn bool_of(obj: &Object, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| obj.get(*k).and_then(Value::as_bool))
}

pub(crate) fn object_of<'a>(obj: &'a Object, key: &str) -> Option<&'a Object> {
    obj.get(key).and_then(Value::as_object)
}

/// The objects of an array field; non-objects are skipped.
pub(crate) fn objects_of<'a>(obj: &'a Object, key: &str) -> impl Iterator<Item = &'a Object> + 'a {
    obj.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

/// A number or numeric string as text (internal ids are integers in JSON-LD).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A reference object (`{"@type", "@id", "name", …}`) as a model reference: id and name as description.
pub(crate) fn reference_of(obj: &Object, key: &str) -> Option<Reference> {
    let target = object_of(obj, key)?;
    let id = string_of(target, &["@id"])?;
    Some(Reference { id, version: None, description: string_of(target, &["name"]) })
}

/// A category as a path: v2 `"a/b"` strings; v1 reference objects as `categoryPath` + `name`. Returns the path
/// and, for a v1 reference without a name, the category id to resolve later.
pub(crate) fn category_of(obj: &Object) -> (Vec<String>, Option<String>) {
    match obj.get("category") {
        Some(Value::String(path)) => {
            (path.split('/').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect(), None)
        }
        Some(Value::Object(target)) => match str_of(target, &["name"]) {
            Some(name) => {
                let mut path = strings_of(target, "categoryPath");
                path.push(name.to_owned());
                (path, None)
            }
            None => (Vec::new(), string_of(target, &["@id"])),
        },
        _ => (Vec::new(), None),
    }
}

/// The strings of an array field, or a single string split on `/` (v2 `categoryPath` may be either).
pub(crate) fn strings_of(obj: &Object, key: &str) -> Vec<String> {
    match obj.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(path)) => path.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Copies the fields not in `consumed` into `metadata`: scalars as text, reference objects as
/// `name [@id]`, nested objects one level deep under `key.sub`, arrays of scalars joined with `; `.
pub(crate) fn flatten_into(metadata: &mut Metadata, obj: &Object, consumed: &[&str], prefix: &str, depth: u8) {
    for (key, value) in obj {
        if key.starts_with('@') || consumed.contains(&key.as_str()) {
            continue;
        }
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            Value::Null => {}
            Value::Object(inner) => {
                if let Some(id) = str_of(inner, &["@id"]) {
                    let text = match str_of(inner, &["name"]) {
                        Some(n) => format!("{n} [{id}]"),
                        None => id.to_owned(),
                    };
                    metadata.insert(name, text);
                } else if depth > 0 {
                    flatten_into(metadata, inner, &[], &name, depth - 1);
                }
            }
            Value::Array(items) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Object(inner) => str_of(inner, &["name", "@id"]).map(str::to_owned),
                        other => scalar_text(other),
                    })
                    .collect();
                if !texts.is_empty() {
                    metadata.insert(name, texts.join("; "));
                }
            }
            scalar => {
                if let Some(text) = scalar_text(scalar).filter(|t| !t.is_empty()) {
                    metadata.insert(name, text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Object {
        serde_json::from_str(text).expect("test json")
    }

    #[test]
    fn categories_of_both_generations() {
        let v1 = object(r#"{"category": {"@id": "c", "name": "b", "categoryPath": ["a"]}}"#);
        assert_eq!(category_of(&v1), (vec!["a".to_owned(), "b".to_owned()], None));
        let v2 = object(r#"{"category": "a/b"}"#);
        assert_eq!(category_of(&v2), (vec!["a".to_owned(), "b".to_owned()], None));
        let bare = object(r#"{"category": {"@id": "c"}}"#);
        assert_eq!(category_of(&bare), (Vec::new(), Some("c".to_owned())));
    }

    #[test]
    fn numbers_are_exact() {
        let o = object(r#"{"a": 0.1, "b": 1.0943318963E-9, "c": 3}"#);
        assert_eq!(f64_of(&o, &["a"]), "0.1".parse().ok());
        assert_eq!(f64_of(&o, &["b"]), "1.0943318963E-9".parse().ok());
        assert_eq!(f64_of(&o, &["c"]), Some(3.0));
    }
}
