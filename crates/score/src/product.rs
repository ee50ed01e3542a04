//! Products: a bill of items (JSON or TOML), each a process by id or by name + location, an amount in any unit
//! that converts to the process's, nested sub-assemblies, and country substitution for electricity and heat.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A product to score: a bill of items.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    #[serde(default)]
    pub name: Option<String>,
    /// Country for electricity and heat of every item below that does not name its own (ISO code as in the
    /// country table: `FR`, `CN`, …).
    #[serde(default)]
    pub country: Option<String>,
    pub items: Vec<Item>,
}

/// What an item's energy is, when it names the country's electricity or heat instead of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Energy {
    Electricity,
    Heat,
}

/// One line of a bill: a process (by `process` id, or by `name` and optional `location`), the country's
/// electricity or heat (`energy`), or a sub-assembly (`items`, multiplied by `amount`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default)]
    pub process: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub energy: Option<Energy>,
    /// Amount in `unit` (default: the process's own unit); for a sub-assembly, how many of it.
    #[serde(default = "one")]
    pub amount: f64,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub items: Vec<Item>,
}

fn one() -> f64 {
    1.0
}

impl Product {
    /// Reads a bill from JSON or TOML text (`format`: `json` or `toml`).
    pub fn parse(text: &str, format: BillFormat) -> Result<Product, ProductError> {
        match format {
            BillFormat::Json => serde_json::from_str(text).map_err(|e| ProductError::Parse(format!("JSON: {e}"))),
            BillFormat::Toml => toml::from_str(text).map_err(|e| ProductError::Parse(format!("TOML: {e}"))),
        }
    }

    /// Reads a bill from a `.json` or `.toml` file.
    pub fn from_path(path: &Path) -> Result<Product, ProductError> {
        let format = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("toml") => BillFormat::Toml,
            Some("json") => BillFormat::Json,
            _ => return Err(ProductError::Parse(format!("{}: a bill is a .json or .toml file", path.display()))),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProductError::Parse(format!("cannot read {}: {e}", path.display())))?;
        Product::parse(&text, format).map_err(|e| match e {
            ProductError::Parse(message) => ProductError::Parse(format!("{}: {message}", path.display())),
            other => other,
        })
    }

    /// Number of items at every level.
    pub fn n_items(&self) -> usize {
        fn count(items: &[Item]) -> usize {
            items.iter().map(|i| 1 + count(&i.items)).sum()
        }
        count(&self.items)
    }

    /// Nesting depth: 1 for a flat bill, 0 for an empty one.
    pub fn depth(&self) -> usize {
        fn depth(items: &[Item]) -> usize {
            items.iter().map(|i| 1 + depth(&i.items)).max().unwrap_or(0)
        }
        depth(&self.items)
    }
}

/// The text format of a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillFormat {
    Json,
    Toml,
}

/// Electricity and heat processes by country, for substitution.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Countries {
    /// Country code → (electricity process id, heat process id).
    pub by_code: BTreeMap<String, (Option<String>, Option<String>)>,
    /// sha256 of the file it was read from (results cite it).
    pub sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EcobalyseCountry {
    code: String,
    electricity_process_id: Option<String>,
    heat_process_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryEnergy {
    electricity: Option<String>,
    heat: Option<String>,
}

impl Countries {
    /// Reads Ecobalyse's `countries.json` (a list of `{code, electricityProcessId, heatProcessId, …}`) or a
    /// JSON/TOML table `{ FR = { electricity = "<id>", heat = "<id>" } }`.
    pub fn from_path(path: &Path) -> Result<Countries, ProductError> {
        let bytes =
            std::fs::read(path).map_err(|e| ProductError::Parse(format!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8_lossy(&bytes);
        let bad = |e: String| ProductError::Parse(format!("{}: {e}", path.display()));
        let is_toml = path.extension().and_then(|e| e.to_str()) == Some("toml");
        let by_code: BTreeMap<String, (Option<String>, Option<String>)> = if is_toml {
            let table: BTreeMap<String, CountryEnergy> = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
            table.into_iter().map(|(code, e)| (code, (e.electricity, e.heat))).collect()
        } else if text.trim_start().starts_with('[') {
            let list: Vec<EcobalyseCountry> = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            list.into_iter().map(|c| (c.code, (c.electricity_process_id, c.heat_process_id))).collect()
        } else {
            let table: BTreeMap<String, CountryEnergy> = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            table.into_iter().map(|(code, e)| (code, (e.electricity, e.heat))).collect()
        };
        Ok(Countries { by_code, sha256: Some(ecoref_model::Sha256Hex::of_bytes(&bytes).0) })
    }

    /// The country's electricity or heat process id.
    pub fn energy(&self, country: &str, energy: Energy) -> Option<&str> {
        let (electricity, heat) = self.by_code.get(country)?;
        match energy {
            Energy::Electricity => electricity.as_deref(),
            Energy::Heat => heat.as_deref(),
        }
    }

    /// Whether `process` is some country's electricity (or heat) process, and which.
    pub fn energy_of(&self, process: &str) -> Option<Energy> {
        self.by_code.values().find_map(|(electricity, heat)| {
            if electricity.as_deref() == Some(process) {
                Some(Energy::Electricity)
            } else if heat.as_deref() == Some(process) {
                Some(Energy::Heat)
            } else {
                None
            }
        })
    }
}

/// Why a bill cannot be scored. Every message names the item by its path (`items[2].items[0]`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProductError {
    #[error("invalid bill: {0}")]
    Parse(String),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: no process {reference} in release {release}{}", suggest(.suggestions))]
    Unknown { path: String, reference: String, release: String, suggestions: Vec<String> },
    #[error("{path}: {reference} matches {} processes: {}; give `process` (an id) or a `location`", .candidates.len(), .candidates.join("; "))]
    Ambiguous { path: String, reference: String, candidates: Vec<String> },
    #[error("{path}: cannot convert {from} to {to}, the unit of process {process}")]
    Unit { path: String, from: String, to: String, process: String },
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() { String::new() } else { format!("; closest: {}", suggestions.join("; ")) }
}

impl ProductError {
    /// A stable code for APIs (`invalid-bill`, `unknown-process`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ProductError::Parse(_) => "invalid-bill",
            ProductError::Invalid { .. } => "invalid-item",
            ProductError::Unknown { .. } => "unknown-process",
            ProductError::Ambiguous { .. } => "ambiguous-process",
            ProductError::Unit { .. } => "unit-mismatch",
        }
    }
}
