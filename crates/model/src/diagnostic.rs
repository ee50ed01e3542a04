//! Diagnostics: bad input data described precisely enough to be found and fixed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a diagnostic is.
///
/// `Error` means the entity it names was rejected (not loaded); `Warning` means it was loaded but something is
/// off (a dangling reference, a missing amount); `Info` is for facts worth recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the input a diagnostic points: the file (or zip entry), a line and column or an element path, and
/// the entity (data set id) concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Input file, or `archive.zip!ILCD/processes/x.xml` for an entry inside an archive.
    pub file: Option<String>,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// Element path such as `processDataSet/exchanges/exchange[@dataSetInternalID=3]`.
    pub element: Option<String>,
    /// Source-native id of the entity concerned (UUID, activity id, …).
    pub entity: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            let mut p = file.clone();
            if let Some(line) = self.line {
                p.push_str(&format!(":{line}"));
                if let Some(column) = self.column {
                    p.push_str(&format!(":{column}"));
                }
            }
            parts.push(p);
        }
        if let Some(element) = &self.element {
            parts.push(element.clone());
        }
        if let Some(entity) = &self.entity {
            parts.push(format!("entity {entity}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One finding about the input data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable code, `<reader>.<what>` (e.g. `ilcd.dangling-reference`).
    pub code: String,
    pub message: String,
    pub location: Location,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity, code: code.into(), message: message.into(), location: Location::default() }
    }

    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn info(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.location.file = Some(file.into());
        self
    }

    pub fn at_line(mut self, line: u64, column: Option<u64>) -> Self {
        self.location.line = Some(line);
        self.location.column = column;
        self
    }

    pub fn at_element(mut self, element: impl Into<String>) -> Self {
        self.location.element = Some(element.into());
        self
    }

    pub fn for_entity(mut self, entity: impl Into<String>) -> Self {
        self.location.entity = Some(entity.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.severity, self.code, self.message)?;
        let location = self.location.to_string();
        if !location.is_empty() {
            write!(f, " ({location})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_element_and_entity() {
        let d = Diagnostic::warning("ilcd.dangling-reference", "flow catalyzer is not in the archive")
            .in_file("a.zip!ILCD/processes/p.xml")
            .at_line(12, Some(4))
            .at_element("processDataSet/exchanges/exchange[@dataSetInternalID=3]")
            .for_entity("p");
        assert_eq!(
            d.to_string(),
            "warning [ilcd.dangling-reference] flow catalyzer is not in the archive \
             (a.zip!ILCD/processes/p.xml:12:4, processDataSet/exchanges/exchange[@dataSetInternalID=3], entity p)"
        );
    }

    #[test]
    fn severity_round_trips_through_text() {
        for s in [Severity::Info, Severity::Warning, Severity::Error] {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("fatal"), None);
    }
}
