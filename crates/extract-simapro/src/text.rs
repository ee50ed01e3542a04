//! Lexical layer: bytes → decoded lines (CRLF, LF or CR; UTF-8 else Windows-1252) → records of fields
//! (separator-split, `"…"` quoting with doubled quotes, quoted fields spanning lines).

use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::io::BufRead;

/// Windows-1252 code points for bytes 0x80..=0x9F (the rest of the range is ISO-8859-1); undefined bytes map to
/// their C1 control code point, as WHATWG's decoder does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}',
    '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}', '\u{017D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}',
    '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
    '\u{0153}', '\u{9D}', '\u{017E}', '\u{0178}',
];

/// Decodes one line: UTF-8 when valid, else Windows-1252. Returns whether the fallback was used.
pub(crate) fn decode_line(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (bytes.iter().map(|&b| decode_cp1252_byte(b)).collect(), true),
    }
}

fn decode_cp1252_byte(byte: u8) -> char {
    match byte {
        0x80..=0x9F => CP1252_HIGH.get(usize::from(byte - 0x80)).copied().unwrap_or('\u{FFFD}'),
        _ => char::from(byte),
    }
}

/// One decoded physical line and its 1-based number.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) number: u64,
    pub(crate) text: String,
}

/// Physical lines of a byte stream, any line ending, with a push-back buffer.
pub(crate) struct LineSource<R> {
    inner: R,
    file: String,
    max_line_bytes: u64,
    skip_lf: bool,
    number: u64,
    pushed: VecDeque<Line>,
    pub(crate) n_bytes_read: u64,
    pub(crate) n_cp1252_lines: u64,
    pub(crate) first_cp1252_line: Option<u64>,
}

impl<R: BufRead> LineSource<R> {
    pub(crate) fn new(inner: R, file: &str, max_line_bytes: u64) -> Self {
        LineSource {
            inner,
            file: file.to_owned(),
            max_line_bytes,
            skip_lf: false,
            number: 0,
            pushed: VecDeque::new(),
            n_bytes_read: 0,
            n_cp1252_lines: 0,
            first_cp1252_line: None,
        }
    }

    pub(crate) fn push_back(&mut self, line: Line) {
        self.pushed.push_front(line);
    }

    pub(crate) fn next_line(&mut self) -> Result<Option<Line>> {
        if let Some(line) = self.pushed.pop_front() {
            return Ok(Some(line));
        }
        let Some(bytes) = self.next_raw()? else { return Ok(None) };
        self.number += 1;
        let bytes = if self.number == 1 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes) } else { &bytes };
        let (text, fallback) = decode_line(bytes);
        if fallback {
            self.n_cp1252_lines += 1;
            self.first_cp1252_line.get_or_insert(self.number);
        }
        Ok(Some(Line { number: self.number, text }))
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io { file: self.file.clone(), source }
    }

    fn next_raw(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io_error(e)),
            };
            if buf.is_empty() {
                return Ok(if any { Some(line) } else { None });
            }
            if self.skip_lf {
                self.skip_lf = false;
                if buf.first() == Some(&b'\n') {
                    self.inner.consume(1);
                    self.n_bytes_read += 1;
                    continue;
                }
            }
            any = true;
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(idx) => {
                    line.extend_from_slice(buf.get(..idx).unwrap_or_default());
                    if buf.get(idx) == Some(&b'\r') {
                        self.skip_lf = true;
                    }
                    self.inner.consume(idx + 1);
                    self.n_bytes_read += idx as u64 + 1;
                    self.check_len(&line)?;
                    return Ok(Some(line));
                }
                None => {
                    let n = buf.len();
                    line.extend_from_slice(buf);
                    self.inner.consume(n);
                    self.n_bytes_read += n as u64;
                    self.check_len(&line)?;
                }
            }
        }
    }

    fn check_len(&self, line: &[u8]) -> Result<()> {
        if line.len() as u64 > self.max_line_bytes {
            return Err(Error::LineTooLong {
                file: self.file.clone(),
                line: self.number + 1,
                limit: self.max_line_bytes,
            });
        }
        Ok(())
    }
}

/// One logical row: the fields (trimmed, SimaPro's in-field line break 0x7F turned into `\n`) and its first line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    pub(crate) line: u64,
    pub(crate) fields: Vec<String>,
}

impl Record {
    pub(crate) fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.is_empty())
    }

    pub(crate) fn field(&self, idx: usize) -> &str {
        self.fields.get(idx).map(String::as_str).unwrap_or("")
    }

    pub(crate) fn first(&self) -> &str {
        self.field(0)
    }

    /// Whether only the first field is non-empty (a keyword line padded with separators).
    pub(crate) fn is_single(&self) -> bool {
        self.fields.iter().skip(1).all(|f| f.is_empty())
    }
}

/// What went wrong while splitting, reported as a diagnostic by the caller.
#[derive(Debug, Clone)]
pub(crate) struct SplitProblem {
    pub(crate) line: u64,
    pub(crate) message: String,
}

/// Most physical lines one quoted field may span before its opening quote is taken literally.
const MAX_QUOTED_LINES: usize = 10_000;

/// Splits lines into records with a given separator.
pub(crate) struct RecordReader<R> {
    pub(crate) lines: LineSource<R>,
    pub(crate) separator: char,
    pub(crate) problems: Vec<SplitProblem>,
}

impl<R: BufRead> RecordReader<R> {
    pub(crate) fn new(lines: LineSource<R>, separator: char) -> Self {
        RecordReader { lines, separator, problems: Vec::new() }
    }

    pub(crate) fn next_record(&mut self) -> Result<Option<Record>> {
        let Some(first) = self.lines.next_line()? else { return Ok(None) };
        let mut buffered = vec![first];
        loop {
            let joined = join_lines(&buffered);
            match split_fields(&joined, self.separator, true) {
                Split::Complete(fields) => {
                    let line = buffered.first().map(|l| l.number).unwrap_or(0);
                    return Ok(Some(Record { line, fields }));
                }
                Split::OpenQuote => {
                    let at_limit = buffered.len() >= MAX_QUOTED_LINES;
                    let next = if at_limit { None } else { self.lines.next_line()? };
                    match next {
                        Some(line) => buffered.push(line),
                        None => {
                            // Unterminated quote: take the first line's quotes literally, replay the rest.
                            let mut rest = buffered.into_iter();
                            let Some(first) = rest.next() else { return Ok(None) };
                            let remaining: Vec<Line> = rest.collect();
                            for line in remaining.into_iter().rev() {
                                self.lines.push_back(line);
                            }
                            self.problems.push(SplitProblem {
                                line: first.number,
                                message: format!(
                                    "line {}: quoted field never closed{}; quotes taken literally",
                                    first.number,
                                    if at_limit { format!(" within {MAX_QUOTED_LINES} lines") } else { String::new() }
                                ),
                            });
                            let fields = match split_fields(&first.text, self.separator, false) {
                                Split::Complete(fields) => fields,
                                Split::OpenQuote => Vec::new(),
                            };
                            return Ok(Some(Record { line: first.number, fields }));
                        }
                    }
                }
            }
        }
    }
}

fn join_lines(lines: &[Line]) -> String {
    let mut text = String::new();
    for (idx, line) in lines.iter().enumerate() {
        if idx > 0 {
            text.push('\n');
        }
        text.push_str(&line.text);
    }
    text
}

enum Split {
    Complete(Vec<String>),
    OpenQuote,
}

/// Splits one logical line. A field that starts with `"` is quoted up to the next lone `"` (`""` is a quote);
/// text after the closing quote is kept literally. Fields are trimmed; 0x7F becomes a line break.
fn split_fields(text: &str, separator: char, quotes: bool) -> Split {
    let mut fields = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut field = String::new();
        while matches!(chars.peek(), Some(c) if *c == ' ' && *c != separator) {
            chars.next();
        }
        if quotes && chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    field.push(c);
                }
            }
            if !closed {
                return Split::OpenQuote;
            }
        }
        let mut ended = true;
        for c in chars.by_ref() {
            if c == separator {
                ended = false;
                break;
            }
            field.push(c);
        }
        fields.push(clean_field(&field));
        if ended {
            return Split::Complete(fields);
        }
    }
}

fn clean_field(field: &str) -> String {
    let trimmed = field.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\u{a0}');
    if trimmed.contains('\u{7f}') { trimmed.replace('\u{7f}', "\n").trim_end().to_owned() } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, separator: char) -> Vec<Vec<String>> {
        let mut reader = RecordReader::new(LineSource::new(text.as_bytes(), "t", 1 << 20), separator);
        let mut out = Vec::new();
        while let Some(record) = reader.next_record().expect("read") {
            out.push(record.fields);
        }
        out
    }

    #[test]
    fn line_endings_crlf_lf_and_cr_are_all_line_breaks() {
        assert_eq!(records("a;b\r\nc\rd\n\ne", ';'), vec![vec!["a", "b"], vec!["c"], vec!["d"], vec![""], vec!["e"]]);
    }

    #[test]
    fn quoted_fields_span_lines_and_double_quotes() {
        assert_eq!(records("\"x;\"\"y\"\"\nz\";w\nnext", ';'), vec![vec!["x;\"y\"\nz", "w"], vec!["next"]]);
    }

    #[test]
    fn unterminated_quote_is_taken_literally() {
        assert_eq!(records("\"a;b\nc;d", ';'), vec![vec!["\"a", "b"], vec!["c", "d"]]);
    }

    #[test]
    fn windows_1252_is_the_fallback() {
        assert_eq!(decode_line(b"biblioth\xe8que \x80"), ("bibliothèque €".to_owned(), true));
        assert_eq!(decode_line("µg".as_bytes()), ("µg".to_owned(), false));
    }

    #[test]
    fn delete_char_is_a_line_break_inside_fields() {
        assert_eq!(records("a\u{7f}b\u{7f};c", ';'), vec![vec!["a\nb", "c"]]);
    }
}
