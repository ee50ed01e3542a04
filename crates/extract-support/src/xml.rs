//! Hardening and position helpers for the XML readers: errors with a 1-based line and column, DTD refusal, and
//! the only entity references accepted (the five predefined ones and character references).
//!
//! The readers build their own trees (their node types differ); they report every failure as an [`XmlError`].

use quick_xml::events::BytesRef;

/// Why a document could not be parsed, with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: u64,
    pub column: u64,
    pub kind: XmlErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlErrorKind {
    /// A `<!DOCTYPE …>` declaration: refused outright (entity bombs, external entities).
    Dtd,
    Malformed(String),
}

/// A [`XmlErrorKind::Malformed`] with `message`.
pub fn malformed(message: &str) -> XmlErrorKind {
    XmlErrorKind::Malformed(message.to_owned())
}

/// Converts a byte offset into a 1-based line and column (column counted in characters); an offset past the end
/// is the end.
pub fn line_column(bytes: &[u8], offset: usize) -> (u64, u64) {
    let offset = offset.min(bytes.len());
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let column = before.get(line_start..).unwrap_or(&[]).iter().filter(|b| (**b & 0xC0) != 0x80).count() as u64 + 1;
    (line, column)
}

/// Incremental line counter: the offsets asked for must be non-decreasing.
#[derive(Debug, Clone)]
pub struct LineCounter {
    offset: usize,
    line: u64,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter { offset: 0, line: 1 }
    }
}

impl LineCounter {
    /// The 1-based line of byte `offset` of `bytes`.
    pub fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let offset = offset.min(bytes.len());
        if offset > self.offset {
            let slice = bytes.get(self.offset..offset).unwrap_or(&[]);
            // Lines are tens of bytes: memchr skips them a vector at a time.
            self.line += memchr::memchr_iter(b'\n', slice).count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// The lines of one document, found the first time one is asked for: a reader keeps each element's byte offset
/// and turns it into a line only for the rare diagnostic, instead of counting line breaks as it parses (1.4 % of
/// an EcoSpold2 read's instructions, docs/benchmarks.md).
#[derive(Debug, Default)]
pub struct LazyLines {
    /// Offsets of the document's line feeds, in order.
    newlines: std::cell::OnceCell<Vec<usize>>,
}

impl LazyLines {
    /// The 1-based line of byte `offset` of `bytes`; `bytes` must be the same document at every call.
    pub fn line_at(&self, bytes: &[u8], offset: usize) -> u64 {
        let newlines = self.newlines.get_or_init(|| memchr::memchr_iter(b'\n', bytes).collect());
        newlines.partition_point(|&at| at < offset) as u64 + 1
    }
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

/// The text of a general reference: a character reference or one of the five predefined entities. Any other
/// entity is malformed (`unknown entity &name;`): no DTD can define one.
pub fn resolve_reference(r: &BytesRef<'_>) -> Result<String, XmlErrorKind> {
    match r.resolve_char_ref() {
        Ok(Some(ch)) => Ok(ch.to_string()),
        Ok(None) => {
            let name = r.xml10_content();
            match predefined_entity(&name) {
                Some(text) => Ok(text.to_owned()),
                None => Err(malformed(&format!("unknown entity &{name};"))),
            }
        }
        Err(e) => Err(malformed(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx".as_bytes(), 0), (1, 1));
        assert_eq!(line_column("ab\ncéx".as_bytes(), 6), (2, 3));
        assert_eq!(line_column(b"ab", 99), (1, 3));
    }

    #[test]
    fn line_counter_is_incremental() {
        let text = b"a\nb\nc";
        let mut lines = LineCounter::default();
        assert_eq!(lines.line_at(text, 0), 1);
        assert_eq!(lines.line_at(text, 2), 2);
        assert_eq!(lines.line_at(text, 99), 3);
    }

    #[test]
    fn lazy_lines_agree_with_line_column_in_any_order() {
        let text = "\u{feff}<a>\n\n  <b x=\"é\n\"/>\r\n<c/>\n".as_bytes();
        let lines = LazyLines::default();
        // Asked backwards, as diagnostics may be; every offset, including the ones on a line feed and past the end.
        for offset in (0..text.len() + 3).rev() {
            assert_eq!(lines.line_at(text, offset), line_column(text, offset).0, "offset {offset}");
        }
        assert_eq!(LazyLines::default().line_at(b"", 0), 1);
    }
}
