//! Entities of the canonical model: processes, exchanges, flows, flow properties, unit groups, LCIA methods,
//! aggregated LCIA results, sources and contacts, gathered in a [`Dataset`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Free-form, format-specific metadata kept verbatim (ordered, so hashing is deterministic).
pub type Metadata = BTreeMap<String, String>;

/// Source-native identity of a data set: its id (ILCD UUID, ecoinvent activity id, …) and, where the format has
/// one, its version (ILCD `dataSetVersion`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityId {
    pub id: String,
    pub version: Option<String>,
}

impl EntityId {
    pub fn new(id: impl Into<String>, version: Option<String>) -> Self {
        EntityId { id: id.into(), version }
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}@{}", self.id, v),
            None => f.write_str(&self.id),
        }
    }
}

/// A reference from one entity to another, as written in the source: the target id, the version it pins (if
/// any) and the source's short description of the target. Resolution is by id; the version is informative.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Reference {
    pub id: String,
    pub version: Option<String>,
    pub description: Option<String>,
}

impl Reference {
    pub fn to(id: impl Into<String>) -> Self {
        Reference { id: id.into(), version: None, description: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "input" => Some(Direction::Input),
            "output" => Some(Direction::Output),
            _ => None,
        }
    }
}

/// The role of an exchange in the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeKind {
    /// A reference product (or reference waste) of the process.
    Production,
    /// A product or waste exchanged with another activity.
    Technosphere,
    /// An elementary flow exchanged with nature.
    Biosphere,
    /// The flow could not be resolved, so the role is unknown (a diagnostic says why).
    Unresolved,
}

impl ExchangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeKind::Production => "production",
            ExchangeKind::Technosphere => "technosphere",
            ExchangeKind::Biosphere => "biosphere",
            ExchangeKind::Unresolved => "unresolved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "production" => Some(ExchangeKind::Production),
            "technosphere" => Some(ExchangeKind::Technosphere),
            "biosphere" => Some(ExchangeKind::Biosphere),
            "unresolved" => Some(ExchangeKind::Unresolved),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowKind {
    Elementary,
    Product,
    Waste,
    /// A flow type the source names but the model does not distinguish (e.g. ILCD "Other flow").
    Other,
}

impl FlowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Elementary => "elementary",
            FlowKind::Product => "product",
            FlowKind::Waste => "waste",
            FlowKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "elementary" => Some(FlowKind::Elementary),
            "product" => Some(FlowKind::Product),
            "waste" => Some(FlowKind::Waste),
            "other" => Some(FlowKind::Other),
            _ => None,
        }
    }
}

/// A classification path in one classification system (`["Energy carriers", "Renewable fuels"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Classification {
    /// The system's name when the source gives one (ILCD `@name`, ecoinvent classification system).
    pub system: Option<String>,
    pub path: Vec<String>,
}

/// Uncertainty of an amount, as the source gives it.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Distribution name, lowercase as in the source (`log-normal`, `normal`, `triangular`, `uniform`, `undefined`).
    pub distribution: String,
    /// ILCD `relativeStandardDeviation95In` (percent).
    pub relative_sd95_percent: Option<f64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// Distribution parameters by name (e.g. `mu`, `variance`), for formats that give them.
    pub parameters: BTreeMap<String, f64>,
}

/// An amount for one life-cycle module of an EPD (EN 15804 `A1-A3`, `C4`, `D`, …).
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct ModuleAmount {
    pub module: String,
    pub scenario: Option<String>,
    /// `None` when the source declares the module without a value.
    pub amount: Option<f64>,
}

/// An input or output of a process.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Exchange {
    /// Id of the exchange inside its process (ILCD `dataSetInternalID`, EcoSpold2 exchange id).
    pub internal_id: String,
    pub flow: Reference,
    pub direction: Option<Direction>,
    pub kind: Option<ExchangeKind>,
    /// True for the process's reference flow(s) (quantitative reference).
    pub is_reference: bool,
    /// The amount after parameters are applied (ILCD `resultingAmount`, else `meanAmount`); `None` when the
    /// source gives none.
    pub amount: Option<f64>,
    /// The amount before parameters were applied, when the source gives both.
    pub mean_amount: Option<f64>,
    /// Unit of `amount`, resolved from the source (ILCD: flow → reference flow property → unit group).
    pub unit: Option<String>,
    /// Variable or mathematical relation that defines the amount.
    pub formula: Option<String>,
    pub uncertainty: Option<Uncertainty>,
    /// The process that provides this exchange, where the source names one.
    pub provider: Option<Reference>,
    pub location: Option<String>,
    pub data_derivation: Option<String>,
    pub comment: Option<String>,
    /// EPD per-module amounts.
    pub modules: Vec<ModuleAmount>,
    /// Properties of the exchanged product (EcoSpold2 `property`: dry mass, price, carbon content, …), the
    /// basis of physical and economic allocation.
    pub properties: Vec<PropertyValue>,
    pub metadata: Metadata,
}

/// The value of a property (dry mass, price, …) carried by one unit of an exchanged flow.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct PropertyValue {
    /// The property: its source id (EcoSpold2 `propertyId`) and name as description.
    pub property: Reference,
    pub amount: Option<f64>,
    pub unit: Option<String>,
    /// EcoSpold2 `isDefiningValue`: the property defines the exchange rather than derives from it.
    pub is_defining: bool,
}

/// How much of a multi-output process's burden goes to one of its products, as the source states it.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct AllocationFactor {
    /// The product: `internal_id` of the product exchange.
    pub product: String,
    /// Allocation method as the source names it ("physical", "economic", a SimaPro category…), if any.
    pub method: Option<String>,
    /// Share of the burden, as a fraction (SimaPro's 60 % is 0.6).
    pub fraction: f64,
}

/// A named parameter of a process (ILCD `mathematicalRelations/variableParameter`).
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub formula: Option<String>,
    pub value: Option<f64>,
    pub comment: Option<String>,
    pub uncertainty: Option<Uncertainty>,
}

/// An aggregated LCIA result carried by a process (ILCD `LCIAResults`, Ecobalyse indicators).
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct LciaResult {
    /// The LCIA method (indicator) data set.
    pub method: Reference,
    pub amount: Option<f64>,
    /// EPD: the unit group the module amounts are in.
    pub unit_group: Option<Reference>,
    pub modules: Vec<ModuleAmount>,
    pub uncertainty: Option<Uncertainty>,
}

/// A unit process, an LCI result or any other kind of process data set.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Process {
    pub id: EntityId,
    /// Display name (ILCD: non-empty name parts joined with ", ").
    pub name: String,
    pub location: Option<String>,
    /// Type as the source names it ("Unit process, single operation", "LCI result", …).
    pub process_type: Option<String>,
    pub reference_year: Option<String>,
    pub classifications: Vec<Classification>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub exchanges: Vec<Exchange>,
    pub lcia_results: Vec<LciaResult>,
    /// Allocation factors of a multi-output process, where the source gives them.
    pub allocation: Vec<AllocationFactor>,
    pub metadata: Metadata,
}

impl Process {
    pub fn reference_exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.iter().filter(|e| e.is_reference)
    }
}

/// How much of a flow property one unit of a flow carries (the conversion factor between its properties).
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct FlowPropertyFactor {
    pub internal_id: String,
    pub flow_property: Reference,
    pub mean_value: Option<f64>,
    pub is_reference: bool,
}

/// An elementary, product or waste flow.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Flow {
    pub id: EntityId,
    pub name: String,
    pub kind: Option<FlowKind>,
    /// Normalized CAS number (`71-41-0`, no zero padding).
    pub cas: Option<String>,
    pub formula: Option<String>,
    pub ec_number: Option<String>,
    pub synonyms: Vec<String>,
    /// Elementary-flow compartment path (`["Emissions", "Emissions to air", "…"]`).
    pub compartment: Vec<String>,
    pub classifications: Vec<Classification>,
    pub location: Option<String>,
    pub flow_properties: Vec<FlowPropertyFactor>,
    /// Name of the reference unit of the reference flow property, resolved by the reader.
    pub reference_unit: Option<String>,
    pub metadata: Metadata,
}

impl Flow {
    pub fn reference_flow_property(&self) -> Option<&FlowPropertyFactor> {
        self.flow_properties.iter().find(|p| p.is_reference)
    }
}

/// A physical quantity (mass, energy, area·time, …) measured in one unit group.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct FlowProperty {
    pub id: EntityId,
    pub name: String,
    pub unit_group: Option<Reference>,
    /// Name of the unit group's reference unit, resolved by the reader.
    pub reference_unit: Option<String>,
    pub classifications: Vec<Classification>,
    pub metadata: Metadata,
}

/// A unit inside a unit group.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Unit {
    pub internal_id: String,
    pub name: String,
    /// Factor to the group's reference unit (kg = 1, t = 1000).
    pub factor: Option<f64>,
    pub is_reference: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct UnitGroup {
    pub id: EntityId,
    pub name: String,
    pub units: Vec<Unit>,
    pub classifications: Vec<Classification>,
    pub metadata: Metadata,
}

impl UnitGroup {
    pub fn reference_unit(&self) -> Option<&Unit> {
        self.units.iter().find(|u| u.is_reference)
    }
}

/// One characterization factor: how much of the indicator one unit of the flow causes.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct CharacterizationFactor {
    pub flow: Reference,
    pub direction: Option<Direction>,
    pub value: f64,
    pub location: Option<String>,
    pub data_derivation: Option<String>,
}

/// An LCIA method data set: one impact indicator and its characterization factors (ILCD `LCIAMethodDataSet`).
/// Methodologies ("EF 3.1") group indicators into a method.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct LciaMethod {
    pub id: EntityId,
    pub name: String,
    pub methodologies: Vec<String>,
    pub impact_category: Option<String>,
    pub impact_indicator: Option<String>,
    /// The flow property that defines the indicator's unit.
    pub reference_quantity: Option<Reference>,
    /// The indicator unit, resolved by the reader when the reference quantity is in the input.
    pub unit: Option<String>,
    pub factors: Vec<CharacterizationFactor>,
    pub metadata: Metadata,
}

/// Metadata key of a [`NormalizationWeightingSet`]: the factor from points to the stored unit (Ecobalyse stores
/// µPt: `1000000`); absent means 1.
pub const SCORE_SCALE_KEY: &str = "score_scale";
/// Metadata key prefix of a [`NormalizationWeightingSet`]: `correction.<category>` = `sub*weight; sub*weight`, a
/// category computed from sub-indicators (Ecobalyse's corrected toxicities, e.g. `etf-o*2; etf-i*1`).
pub const CORRECTION_PREFIX: &str = "correction.";

/// A normalization and weighting set over impact categories (EF 3.1 PEF, Ecobalyse `ecs`, a SimaPro method's
/// "Normalization-Weighting set").
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct NormalizationWeightingSet {
    pub name: String,
    /// The method (methodology) whose categories the entries name.
    pub method: Option<String>,
    pub entries: Vec<NormalizationWeighting>,
    pub metadata: Metadata,
}

/// Normalization and weighting of one impact category: single score += amount / normalization × weighting
/// (or amount × normalization factor, as `normalization_is_factor` says).
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct NormalizationWeighting {
    /// The impact category, by the name or id the set uses.
    pub category: String,
    pub normalization: Option<f64>,
    /// True when `normalization` multiplies the amount (SimaPro), false when it divides it (EF reference values).
    pub normalization_is_factor: bool,
    pub weighting: Option<f64>,
}

/// A literature source, database or document.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Source {
    pub id: EntityId,
    pub name: String,
    pub citation: Option<String>,
    pub publication_type: Option<String>,
    pub metadata: Metadata,
}

/// A person or organisation.
#[derive(Debug, Clone, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Contact {
    pub id: EntityId,
    pub name: String,
    pub short_name: Option<String>,
    pub email: Option<String>,
    pub www: Option<String>,
    pub metadata: Metadata,
}

/// Everything one import produces: the content of a dataset version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub processes: Vec<Process>,
    pub flows: Vec<Flow>,
    pub flow_properties: Vec<FlowProperty>,
    pub unit_groups: Vec<UnitGroup>,
    pub lcia_methods: Vec<LciaMethod>,
    pub sources: Vec<Source>,
    pub contacts: Vec<Contact>,
    pub normalization_weighting_sets: Vec<NormalizationWeightingSet>,
}

/// Row counts of a dataset, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub processes: u64,
    pub exchanges: u64,
    pub lcia_results: u64,
    pub flows: u64,
    pub flow_properties: u64,
    pub unit_groups: u64,
    pub units: u64,
    pub lcia_methods: u64,
    pub characterization_factors: u64,
    pub sources: u64,
    pub contacts: u64,
    #[serde(default)]
    pub normalization_weighting_sets: u64,
}

impl Counts {
    pub fn total_rows(&self) -> u64 {
        self.processes
            + self.exchanges
            + self.lcia_results
            + self.flows
            + self.flow_properties
            + self.unit_groups
            + self.units
            + self.lcia_methods
            + self.characterization_factors
            + self.sources
            + self.contacts
            + self.normalization_weighting_sets
    }
}

impl Dataset {
    pub fn counts(&self) -> Counts {
        let n = |len: usize| len as u64;
        Counts {
            processes: n(self.processes.len()),
            exchanges: self.processes.iter().map(|p| n(p.exchanges.len())).sum(),
            lcia_results: self.processes.iter().map(|p| n(p.lcia_results.len())).sum(),
            flows: n(self.flows.len()),
            flow_properties: n(self.flow_properties.len()),
            unit_groups: n(self.unit_groups.len()),
            units: self.unit_groups.iter().map(|g| n(g.units.len())).sum(),
            lcia_methods: n(self.lcia_methods.len()),
            characterization_factors: self.lcia_methods.iter().map(|m| n(m.factors.len())).sum(),
            sources: n(self.sources.len()),
            contacts: n(self.contacts.len()),
            normalization_weighting_sets: n(self.normalization_weighting_sets.len()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts().total_rows() == 0
    }

    /// Sorts every entity list by id so that equal content has one representation, whatever order the source
    /// listed it in. Exchanges, factors and other children keep their source order: it is part of the content.
    pub fn canonicalize(&mut self) {
        self.processes.sort_by(|a, b| a.id.cmp(&b.id));
        self.flows.sort_by(|a, b| a.id.cmp(&b.id));
        self.flow_properties.sort_by(|a, b| a.id.cmp(&b.id));
        self.unit_groups.sort_by(|a, b| a.id.cmp(&b.id));
        self.lcia_methods.sort_by(|a, b| a.id.cmp(&b.id));
        self.sources.sort_by(|a, b| a.id.cmp(&b.id));
        self.contacts.sort_by(|a, b| a.id.cmp(&b.id));
        self.normalization_weighting_sets.sort_by(|a, b| (&a.name, &a.method).cmp(&(&b.name, &b.method)));
    }

    pub fn process(&self, id: &str) -> Option<&Process> {
        self.processes.iter().find(|p| p.id.id == id)
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id.id == id)
    }
}
