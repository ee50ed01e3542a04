//! Structural layer: records → blocks (`Process` … `End`) → sections (a keyword line and its rows).

use crate::error::Result;
use crate::text::{Record, RecordReader};
use std::io::BufRead;

/// Top-level block keywords whose content is made of sections.
pub(crate) const SECTIONED_BLOCKS: &[&str] =
    &["process", "product stage", "waste scenario", "method", "system description", "literature reference"];

/// Top-level block keywords whose content is rows only.
pub(crate) const ROW_BLOCKS: &[&str] = &[
    "quantities",
    "units",
    "raw materials",
    "airborne emissions",
    "waterborne emissions",
    "emissions to soil",
    "final waste flows",
    "non material emissions",
    "social issues",
    "economic issues",
    "database input parameters",
    "database calculated parameters",
    "project input parameters",
    "project calculated parameters",
];

/// Sections whose rows are tables (never single values).
pub(crate) const TABLE_SECTIONS: &[&str] = &[
    "products",
    "avoided products",
    "waste treatment",
    "waste scenario",
    "materials/fuels",
    "electricity/heat",
    "waste to treatment",
    "resources",
    "emissions to air",
    "emissions to water",
    "emissions to soil",
    "final waste flows",
    "non material emissions",
    "non material emission",
    "social issues",
    "economic issues",
    "input parameters",
    "calculated parameters",
    "separated waste",
    "remaining waste",
    "materials/assemblies",
    "processes",
    "reference assembly",
    "waste scenarios",
    "disassemblies",
    "reuses",
    "disposal scenarios",
    "additional life cycles",
    "substances",
    "impact categories",
    "normalization",
    "weighting",
];

/// Sections holding one value (or a few `name;comment` rows).
const VALUE_SECTIONS: &[&str] = &[
    "platformid",
    "category type",
    "process identifier",
    "type",
    "process name",
    "status",
    "time period",
    "geography",
    "technology",
    "representativeness",
    "multiple output allocation",
    "substitution allocation",
    "waste treatment allocation",
    "cut off rules",
    "capital goods",
    "boundary with nature",
    "infrastructure",
    "date",
    "record",
    "generator",
    "literature references",
    "external documents",
    "collection method",
    "data treatment",
    "verification",
    "comment",
    "allocation rules",
    "system description",
    "name",
    "version",
    "category",
    "use damage assessment",
    "use normalization",
    "use weighting",
    "use addition",
    "weighting unit",
    "impact category",
    "damage category",
    "normalization-weighting set",
    "description",
    "sub-systems",
    "cut-off rules",
    "energy model",
    "transport model",
    "waste model",
    "other assumptions",
    "other information",
    "documentation link",
    "author",
];

pub(crate) fn is_table_section(keyword: &str) -> bool {
    TABLE_SECTIONS.contains(&keyword.to_lowercase().as_str())
}

fn is_known_section(lower: &str) -> bool {
    TABLE_SECTIONS.contains(&lower) || VALUE_SECTIONS.contains(&lower)
}

/// A section: its keyword (as written), line, values given on the keyword line (legacy files) and rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Section {
    pub(crate) keyword: String,
    pub(crate) inline: Vec<String>,
    pub(crate) rows: Vec<Record>,
}

impl Section {
    pub(crate) fn key(&self) -> String {
        self.keyword.to_lowercase()
    }

    /// The section's text: inline values, then each row's fields joined by `;`, rows by line breaks.
    pub(crate) fn text(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        let join = |fields: &[String]| {
            let last = fields.iter().rposition(|f| !f.is_empty()).map_or(0, |i| i + 1);
            fields.get(..last).unwrap_or_default().join(";")
        };
        if !self.inline.is_empty() {
            lines.push(join(&self.inline));
        }
        lines.extend(self.rows.iter().map(|r| join(&r.fields)));
        lines.join("\n")
    }
}

/// What a top-level record starts.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Keyword lowercased (`process`, `units`, …).
    pub(crate) keyword: String,
    pub(crate) line: u64,
    pub(crate) sections: Vec<Section>,
    /// True when the input ended before `End`.
    pub(crate) unterminated: bool,
}

/// A top-level item of the file.
#[derive(Debug)]
pub(crate) enum Item {
    Block(Block),
    /// A line outside blocks that starts no known block; the block it starts is skipped to its `End`.
    Unknown(Record),
}

fn is_end(record: &Record) -> bool {
    record.first().eq_ignore_ascii_case("end") && record.is_single()
}

/// Reads blocks one at a time.
pub(crate) struct BlockReader<R> {
    pub(crate) records: RecordReader<R>,
    pending: Option<Record>,
    pub(crate) legacy: bool,
}

impl<R: BufRead> BlockReader<R> {
    pub(crate) fn new(records: RecordReader<R>, legacy: bool) -> Self {
        BlockReader { records, pending: None, legacy }
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        match self.pending.take() {
            Some(record) => Ok(Some(record)),
            None => self.records.next_record(),
        }
    }

    pub(crate) fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            let Some(record) = self.next_record()? else { return Ok(None) };
            if record.is_blank() || is_end(&record) {
                continue;
            }
            let lower = record.first().to_lowercase();
            if SECTIONED_BLOCKS.contains(&lower.as_str()) {
                return self.read_sectioned(lower, record.line).map(|b| Some(Item::Block(b)));
            }
            if ROW_BLOCKS.contains(&lower.as_str()) {
                return self.read_rows(lower, record.line).map(|b| Some(Item::Block(b)));
            }
            // Unknown: skip to its End so its rows are not taken for blocks.
            self.read_rows(lower, record.line)?;
            return Ok(Some(Item::Unknown(record)));
        }
    }

    fn read_rows(&mut self, keyword: String, line: u64) -> Result<Block> {
        let mut section = Section { keyword: keyword.clone(), ..Section::default() };
        let mut unterminated = true;
        while let Some(record) = self.next_record()? {
            if is_end(&record) {
                unterminated = false;
                break;
            }
            if !record.is_blank() {
                section.rows.push(record);
            }
        }
        Ok(Block { keyword, line, sections: vec![section], unterminated })
    }

    fn read_sectioned(&mut self, keyword: String, line: u64) -> Result<Block> {
        let mut sections: Vec<Section> = Vec::new();
        let mut after_blank = true;
        let mut unterminated = true;
        while let Some(record) = self.next_record()? {
            if is_end(&record) {
                unterminated = false;
                break;
            }
            if record.is_blank() {
                after_blank = true;
                continue;
            }
            let lower = record.first().to_lowercase();
            if after_blank && record.is_single() && matches!(lower.as_str(), "process" | "method" | "product stage") {
                // A new block without `End` before it.
                self.pending = Some(record);
                break;
            }
            let current_is_table = sections.last().is_some_and(|s| is_table_section(&s.keyword));
            let known = is_known_section(&lower);
            let legacy_inline = self.legacy && !record.first().is_empty() && !current_is_table && !known;
            let starts_section = (known && (record.is_single() || !TABLE_SECTIONS.contains(&lower.as_str())))
                || (after_blank && (!current_is_table || record.is_single()))
                || legacy_inline;
            if starts_section && !record.first().is_empty() {
                let inline: Vec<String> = record.fields.get(1..).unwrap_or_default().to_vec();
                let inline = if inline.iter().all(|f| f.is_empty()) { Vec::new() } else { inline };
                sections.push(Section { keyword: record.first().to_owned(), inline, rows: Vec::new() });
            } else if let Some(section) = sections.last_mut() {
                section.rows.push(record);
            } else {
                sections.push(Section { keyword: String::new(), inline: Vec::new(), rows: vec![record] });
            }
            after_blank = false;
        }
        Ok(Block { keyword, line, sections, unterminated })
    }
}
