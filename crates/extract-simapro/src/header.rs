//! The file header: `{Key: value}` lines (possibly translated, quoted or padded with separators) or the legacy
//! `SimaPro 8.0.4.30;process;Date:;…` first line; gives the separator, decimal mark and libraries.

use crate::text::Line;
use ecoref_model::Metadata;

/// What the header says, with translated keys mapped to their English names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// `SimaPro 9.6.0.1`, as written.
    pub simapro_version: Option<String>,
    /// `processes`, `methods`, `product stages`, … (English, lowercase), when the header names it.
    pub kind: Option<String>,
    pub separator: char,
    pub decimal: char,
    pub project: Option<String>,
    pub date: Option<String>,
    pub short_date_format: Option<String>,
    pub csv_format_version: Option<String>,
    /// `{Open library: '…'}`, `{Open project: '…'}` and every `{Library '…'}`, in order.
    pub libraries: Vec<String>,
    /// True for the brace-less legacy header (bw2io's `SimaPro 8.0.4.30;process;…` and tab variants).
    pub legacy: bool,
    /// Every key and value, keys in English where the translation is known.
    pub entries: Metadata,
}

/// Translated header keys (French, German, Spanish, Dutch, Italian as seen in exports) → English.
const KEY_TRANSLATIONS: &[(&str, &str)] = &[
    ("projet", "Project"),
    ("projekt", "Project"),
    ("proyecto", "Project"),
    ("project", "Project"),
    ("progetto", "Project"),
    ("datum", "Date"),
    ("fecha", "Date"),
    ("data", "Date"),
    ("heure", "Time"),
    ("zeit", "Time"),
    ("hora", "Time"),
    ("séparateur csv", "CSV separator"),
    ("csv-trennzeichen", "CSV separator"),
    ("séparateur décimal", "Decimal separator"),
    ("dezimaltrennzeichen", "Decimal separator"),
    ("ouvrir bibliothèque", "Open library"),
    ("bibliothek öffnen", "Open library"),
    ("ouvrir projet", "Open project"),
    ("bibliothèque", "Library"),
];

/// Translated kinds (second header line) → English.
const KIND_TRANSLATIONS: &[(&str, &str)] = &[
    ("processus", "processes"),
    ("process", "processes"),
    ("prozesse", "processes"),
    ("procesos", "processes"),
    ("processen", "processes"),
    ("méthodes", "methods"),
    ("methoden", "methods"),
    ("métodos", "methods"),
    ("stades de produit", "product stages"),
    ("stages", "product stages"),
];

impl Header {
    fn empty() -> Self {
        Header { separator: ';', decimal: '.', ..Header::default() }
    }

    fn set(&mut self, key: &str, value: &str) {
        let english = translate_key(key);
        let value = value.trim().to_owned();
        match english.as_str() {
            "CSV separator" => {
                if let Some(sep) = separator_of(&value) {
                    self.separator = sep;
                }
            }
            "Decimal separator" => {
                if value.starts_with(',') || value.eq_ignore_ascii_case("comma") {
                    self.decimal = ',';
                } else if value.starts_with('.') {
                    self.decimal = '.';
                }
            }
            "Project" => self.project = Some(value.clone()),
            "Date" => self.date = Some(value.clone()),
            "Short date format" => self.short_date_format = Some(value.clone()),
            "CSV Format version" => self.csv_format_version = Some(value.clone()),
            "Open library" | "Open project" | "Library" => self.libraries.push(unquote(&value)),
            _ => {}
        }
        self.entries.insert(english, value);
    }
}

fn unquote(value: &str) -> String {
    value.trim().trim_matches('\'').to_owned()
}

fn translate_key(key: &str) -> String {
    let trimmed = key.trim();
    let lower = trimmed.to_lowercase();
    for (from, to) in KEY_TRANSLATIONS {
        if lower == *from {
            return (*to).to_owned();
        }
    }
    if lower.starts_with("csv separator") {
        return "CSV separator".to_owned();
    }
    if lower.starts_with("decimal separator") {
        return "Decimal separator".to_owned();
    }
    if lower.starts_with("csv format") {
        return "CSV Format version".to_owned();
    }
    trimmed.to_owned()
}

fn separator_of(value: &str) -> Option<char> {
    let lower = value.trim().to_lowercase();
    match lower.as_str() {
        ";" => Some(';'),
        "," => Some(','),
        "\t" | "" if value.contains('\t') => Some('\t'),
        _ if lower.starts_with("semi") || lower.starts_with("point-virgule") || lower.starts_with("punto y") => {
            Some(';')
        }
        _ if lower.starts_with("tab") => Some('\t'),
        _ if lower.starts_with("comma") || lower.starts_with("virgule") || lower.starts_with("komma") => Some(','),
        _ => None,
    }
}

/// The text inside `{…}` when the line is a braced header line (possibly quoted, padded with separators).
pub(crate) fn braced_content(line: &str) -> Option<&str> {
    let trimmed = line.trim_start_matches('\u{feff}').trim();
    let trimmed = trimmed.strip_prefix('"').unwrap_or(trimmed);
    if !trimmed.starts_with('{') {
        return None;
    }
    let end = trimmed.rfind('}')?;
    trimmed.get(1..end)
}

/// Whether the first line is a legacy header (`SimaPro …` without braces).
pub(crate) fn is_legacy_first_line(line: &str) -> bool {
    let trimmed = line.trim_start_matches('\u{feff}').trim().trim_start_matches('"');
    trimmed.len() >= 7 && trimmed.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("simapro"))
}

/// Parses the braced header lines.
pub(crate) fn parse_braced(lines: &[Line]) -> Header {
    let mut header = Header::empty();
    for (idx, line) in lines.iter().enumerate() {
        let Some(content) = braced_content(&line.text) else { continue };
        let content = content.trim();
        match content.split_once(':') {
            Some((key, value)) if !content.to_lowercase().starts_with("simapro") => header.set(key, value),
            _ => {
                let lower = content.to_lowercase();
                if lower.starts_with("simapro") {
                    header.simapro_version = Some(content.to_owned());
                } else if let Some(library) =
                    lower.strip_prefix("library").or_else(|| lower.strip_prefix("bibliothèque"))
                {
                    let start = content.len() - library.len();
                    header.libraries.push(unquote(content.get(start..).unwrap_or_default()));
                } else if idx <= 2 && header.kind.is_none() {
                    header.kind = Some(translate_kind(&lower));
                } else {
                    header.entries.insert(content.to_owned(), String::new());
                }
            }
        }
    }
    if header.separator == ',' && header.decimal == ',' {
        header.decimal = '.';
    }
    header
}

fn translate_kind(lower: &str) -> String {
    for (from, to) in KIND_TRANSLATIONS {
        if lower == *from {
            return (*to).to_owned();
        }
    }
    lower.to_owned()
}

/// Parses a legacy first line (`SimaPro 8.0.4.30;process;Date:;26.08.2016;Time:;15:28`) and the key/value lines
/// after it (`Project;Hydrogen book EI3`). The separator is the first of TAB, `;`, `,` found on the first line.
pub(crate) fn parse_legacy(first: &str, rest: &[Vec<String>]) -> Header {
    let mut header = Header::empty();
    header.legacy = true;
    header.separator = ['\t', ';', ','].into_iter().find(|c| first.contains(*c)).unwrap_or(';');
    let fields: Vec<&str> = first.split(header.separator).map(|f| f.trim().trim_matches('"')).collect();
    header.simapro_version = fields.first().map(|f| (*f).to_owned());
    if let Some(kind) = fields.get(1).filter(|k| !k.is_empty()) {
        header.kind = Some(translate_kind(&kind.to_lowercase()));
    }
    let mut idx = 2;
    while let Some(key) = fields.get(idx) {
        if let Some(key) = key.strip_suffix(':') {
            header.set(key, fields.get(idx + 1).copied().unwrap_or(""));
            idx += 2;
        } else {
            idx += 1;
        }
    }
    for row in rest {
        if let Some(key) = row.first().filter(|k| !k.is_empty()) {
            header.set(key.trim_end_matches(':'), row.get(1).map(String::as_str).unwrap_or(""));
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines().enumerate().map(|(i, t)| Line { number: i as u64 + 1, text: t.to_owned() }).collect()
    }

    #[test]
    fn braced_header_with_padding_quotes_and_libraries() {
        let header = parse_braced(&lines(
            "{SimaPro 8.5.0.0};;;;;\n{methods};;;;;\n{CSV separator: Tab}\n{Decimal separator: ,}\n\
             \"{Related objects (system descriptions, substances, units, etc.): Yes}\"\n\
             {Library 'ELCD'}\n{Open library: 'Methods'};;",
        ));
        assert_eq!(header.simapro_version.as_deref(), Some("SimaPro 8.5.0.0"));
        assert_eq!(header.kind.as_deref(), Some("methods"));
        assert_eq!((header.separator, header.decimal), ('\t', ','));
        assert_eq!(header.libraries, vec!["ELCD".to_owned(), "Methods".to_owned()]);
        assert_eq!(
            header.entries.get("Related objects (system descriptions, substances, units, etc.)").map(String::as_str),
            Some("Yes")
        );
    }

    #[test]
    fn translated_header() {
        let header = parse_braced(&lines(
            "{SimaPro 9.5.0.0}\n{processus}\n{Projet: AGRIBALYSE - Unit}\n{Decimal separator: ,}\n\
             {Ouvrir bibliothèque\u{a0}: 'AGRIBALYSE - Unit'}",
        ));
        assert_eq!(header.kind.as_deref(), Some("processes"));
        assert_eq!(header.project.as_deref(), Some("AGRIBALYSE - Unit"));
        assert_eq!(header.libraries, vec!["AGRIBALYSE - Unit".to_owned()]);
        assert_eq!(header.decimal, ',');
    }

    #[test]
    fn legacy_header() {
        let header = parse_legacy(
            "SimaPro 8.0.4.30;process;Date:;26.08.2016;Time:;15:28;;;",
            &[vec!["Project".into(), "Hydrogen book EI3".into()]],
        );
        assert!(header.legacy);
        assert_eq!(header.separator, ';');
        assert_eq!(header.kind.as_deref(), Some("processes"));
        assert_eq!(header.date.as_deref(), Some("26.08.2016"));
        assert_eq!(header.project.as_deref(), Some("Hydrogen book EI3"));
    }
}
