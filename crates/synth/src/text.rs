//! Text helpers shared by the writers: XML escaping, CSV quoting and the one number format every file uses.

use std::borrow::Cow;
use std::fmt;

/// Escapes XML text and attribute values.
pub(crate) fn esc(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Quotes a CSV field when it holds the separator, a quote or a line break.
pub(crate) fn csv(text: &str, separator: char) -> Cow<'_, str> {
    if text.contains([separator, '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// A number written as the shortest text that reads back to the same `f64` (`1.0`, `0.25`, `1.2345e-9`), so
/// every format carries bit-identical amounts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub(crate) f64);

pub(crate) fn num(x: f64) -> Num {
    Num(x)
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for x in [1.0, 0.25, 1.2345e-9, 123456.0, 6.02e23, -3.5e-7] {
            assert_eq!(num(x).to_string().parse::<f64>().ok(), Some(x));
        }
        assert_eq!(num(1.2345e-9).to_string(), "1.2345e-9");
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a & <b>"), "a &amp; &lt;b&gt;");
        assert_eq!(csv("a, b", ','), "\"a, b\"");
        assert_eq!(csv("a \"b\"", ';'), "\"a \"\"b\"\"\"");
    }
}
