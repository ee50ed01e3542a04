//! A dynamic value shared by every Brightway source (table cells, JSON, pickles), so one converter builds
//! processes from all of them.

use std::fmt::Write as _;

/// A Brightway value: what a Python dict field can hold once decoded (tuples are lists).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Text(String),
    List(Vec<Val>),
    /// A dict, in source order; keys are usually text but Brightway also keys by tuples.
    Map(Vec<(Val, Val)>),
}

/// Text values that bw2io treats as missing (`csv_drop_unknown`).
const UNKNOWN: &str = "(Unknown)";

impl Val {
    /// The value of a text key of a dict.
    pub(crate) fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Val::Text(t) if t == key))
                .map(|(_, v)| v)
                .filter(|v| !v.is_missing()),
            _ => None,
        }
    }

    /// Missing: `None`, an empty text or bw2io's `(Unknown)`.
    pub(crate) fn is_missing(&self) -> bool {
        match self {
            Val::Null => true,
            Val::Text(t) => t.trim().is_empty() || t.trim() == UNKNOWN,
            _ => false,
        }
    }

    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Val::Text(t) if !self.is_missing() => Some(t.trim()),
            _ => None,
        }
    }

    /// The value as a number: numbers, and texts that parse as one (bit-exact `str::parse::<f64>`).
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Num(x) => Some(*x),
            Val::Int(i) => Some(*i as f64),
            Val::Bool(_) | Val::Null | Val::List(_) | Val::Map(_) => None,
            Val::Text(t) => t.trim().parse::<f64>().ok(),
        }
    }

    pub(crate) fn as_list(&self) -> Option<&[Val]> {
        match self {
            Val::List(items) => Some(items),
            _ => None,
        }
    }

    /// A scalar shown as text (numbers in shortest round-trip form); lists and dicts as JSON-like text.
    pub(crate) fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out);
        out
    }

    fn write_display(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Num(x) => {
                let _ = write!(out, "{x:?}");
            }
            Val::Text(t) => out.push_str(t),
            Val::List(items) => {
                out.push('[');
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        out.push_str(", ");
                    }
                    item.write_display(out);
                }
                out.push(']');
            }
            Val::Map(entries) => {
                out.push('{');
                for (idx, (k, v)) in entries.iter().enumerate() {
                    if idx > 0 {
                        out.push_str(", ");
                    }
                    k.write_display(out);
                    out.push_str(": ");
                    v.write_display(out);
                }
                out.push('}');
            }
        }
    }

    /// A Brightway key `(database, code)`: a 2-list of texts, or a text `('db', 'code')` as bw2io writes tuples
    /// into spreadsheets.
    pub(crate) fn as_key(&self) -> Option<(String, String)> {
        match self {
            Val::List(items) => match items.as_slice() {
                [db, code] => Some((db.as_text()?.to_owned(), key_part(code)?)),
                _ => None,
            },
            Val::Text(t) => parse_tuple_text(t),
            _ => None,
        }
    }
}

fn key_part(v: &Val) -> Option<String> {
    match v {
        Val::Text(_) => v.as_text().map(str::to_owned),
        Val::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Parses `('db', 'code')` (either quote style) into a key.
fn parse_tuple_text(text: &str) -> Option<(String, String)> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let quote = rest.chars().next()?;
        if quote != '\'' && quote != '"' {
            return None;
        }
        let body = &rest[1..];
        let end = body.find(quote)?;
        parts.push(body[..end].to_owned());
        rest = body[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    match <[String; 2]>::try_from(parts) {
        Ok([db, code]) => Some((db, code)),
        Err(_) => None,
    }
}

/// Decodes JSON as written by bw2io's `JsonWrapper` (`{"__dict__": true, "keys": […], "values": […]}` and
/// `{"__tuple__": true, "data": […]}`), and plain JSON.
pub(crate) fn from_json(value: serde_json::Value) -> Val {
    use serde_json::Value as J;
    match value {
        J::Null => Val::Null,
        J::Bool(b) => Val::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Val::Int(i),
            _ => n.as_f64().map_or(Val::Null, Val::Num),
        },
        J::String(s) => Val::Text(s),
        J::Array(items) => Val::List(items.into_iter().map(from_json).collect()),
        J::Object(mut map) => {
            if map.get("__tuple__").and_then(J::as_bool) == Some(true) {
                return match map.remove("data") {
                    Some(J::Array(items)) => Val::List(items.into_iter().map(from_json).collect()),
                    _ => Val::List(Vec::new()),
                };
            }
            if map.get("__dict__").and_then(J::as_bool) == Some(true) {
                let keys = match map.remove("keys") {
                    Some(J::Array(keys)) => keys,
                    _ => Vec::new(),
                };
                let values = match map.remove("values") {
                    Some(J::Array(values)) => values,
                    _ => Vec::new(),
                };
                return Val::Map(keys.into_iter().zip(values).map(|(k, v)| (from_json(k), from_json(v))).collect());
            }
            Val::Map(map.into_iter().map(|(k, v)| (Val::Text(k), from_json(v))).collect())
        }
    }
}

/// Converts a decoded pickle.
pub(crate) fn from_pickle(value: serde_pickle::Value) -> Val {
    use serde_pickle::Value as P;
    match value {
        P::None => Val::Null,
        P::Bool(b) => Val::Bool(b),
        P::I64(i) => Val::Int(i),
        P::Int(big) => Val::Text(big.to_string()),
        P::F64(x) => Val::Num(x),
        P::Bytes(bytes) => Val::Text(String::from_utf8_lossy(&bytes).into_owned()),
        P::String(s) => Val::Text(s),
        P::List(items) | P::Tuple(items) => Val::List(items.into_iter().map(from_pickle).collect()),
        P::Set(items) | P::FrozenSet(items) => {
            Val::List(items.into_iter().map(|h| from_pickle(h.into_value())).collect())
        }
        P::Dict(map) => Val::Map(map.into_iter().map(|(k, v)| (from_pickle(k.into_value()), from_pickle(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_text_is_a_key() {
        assert_eq!(Val::Text("('biosphere3', 'abc')".into()).as_key(), Some(("biosphere3".into(), "abc".into())));
        assert_eq!(Val::Text("(\"a\",\"b\")".into()).as_key(), Some(("a".into(), "b".into())));
        assert_eq!(Val::Text("('a')".into()).as_key(), None);
        assert_eq!(Val::Text("(".into()).as_key(), None);
    }

    #[test]
    fn bw2_json_encodings_decode() {
        let json: serde_json::Value = serde_json::from_str(
            r#"{"__dict__": true, "keys": [{"__tuple__": true, "data": ["a", "b"]}], "values": [1.5]}"#,
        )
        .unwrap_or_default();
        let val = from_json(json);
        assert_eq!(val, Val::Map(vec![(Val::List(vec![Val::Text("a".into()), Val::Text("b".into())]), Val::Num(1.5))]));
    }
}
