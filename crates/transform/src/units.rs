//! Unit conversion through the dataset's unit groups (ILCD unit groups, EcoSpold2 units, SimaPro `Units` blocks
//! as read into unit groups) and, across quantities, through a flow's flow-property factors. An unknown
//! conversion is an [`Error`], never a factor of 1.

use crate::error::{Error, Result};
use crate::text::normalize_unit;
use ecoref_model::{Dataset, Exchange, Flow, Process};
use std::collections::{BTreeMap, HashMap};

/// One unit known to the table: its group and its factor to the group's reference unit.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    group: String,
    factor: f64,
}

/// Conversion factors between units, keyed by normalized unit name (see [`normalize_unit`]).
#[derive(Debug, Clone, Default)]
pub struct UnitTable {
    /// Every (group, factor) a unit name has; a name in several groups converts only within a shared group.
    units: BTreeMap<String, Vec<Known>>,
    /// Flow property id → unit group id.
    property_groups: HashMap<String, String>,
}

impl UnitTable {
    /// The units of every unit group of the dataset that has a factor (units without a factor are skipped: they
    /// cannot be converted).
    pub fn from_dataset(dataset: &Dataset) -> Self {
        let mut table = UnitTable::default();
        table.add_dataset(dataset);
        table
    }

    /// Adds the unit groups and flow properties of another dataset (a dependency, a MasterData set).
    pub fn add_dataset(&mut self, dataset: &Dataset) {
        for group in &dataset.unit_groups {
            for unit in &group.units {
                let Some(factor) = unit.factor.filter(|f| f.is_finite() && *f != 0.0) else { continue };
                self.add_unit(&group.id.id, &unit.name, factor);
            }
        }
        for property in &dataset.flow_properties {
            if let Some(group) = &property.unit_group {
                self.property_groups.insert(property.id.id.clone(), group.id.clone());
            }
        }
    }

    /// Adds a unit: `factor` reference units make one `name` (t = 1000 in a kg group).
    pub fn add_unit(&mut self, group: &str, name: &str, factor: f64) {
        let known = self.units.entry(normalize_unit(name)).or_default();
        if !known.iter().any(|k| k.group == group) {
            known.push(Known { group: group.to_owned(), factor });
        }
    }

    /// Number of unit names known.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The factor `f` with `amount_in_to = amount_in_from × f`, when both units share a group (or are equal);
    /// `None` when no group holds both, or when they share several groups that disagree.
    pub fn factor(&self, from: &str, to: &str) -> Option<f64> {
        let (from_key, to_key) = (normalize_unit(from), normalize_unit(to));
        if from_key == to_key {
            return Some(1.0);
        }
        let (from_known, to_known) = (self.units.get(&from_key)?, self.units.get(&to_key)?);
        let mut found: Option<f64> = None;
        for f in from_known {
            for t in to_known.iter().filter(|t| t.group == f.group) {
                let factor = f.factor / t.factor;
                match found {
                    None => found = Some(factor),
                    Some(previous) if !same(previous, factor) => return None,
                    Some(_) => {}
                }
            }
        }
        found
    }

    /// The factor between two units of one unit group (by group id).
    pub fn factor_in_group(&self, group: &str, from: &str, to: &str) -> Option<f64> {
        let find =
            |unit: &str| self.units.get(&normalize_unit(unit))?.iter().find(|k| k.group == group).map(|k| k.factor);
        Some(find(from)? / find(to)?)
    }

    /// The group a unit name belongs to, when exactly one.
    fn group_of(&self, unit: &str) -> Option<&Known> {
        match self.units.get(&normalize_unit(unit))?.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Converts an amount of `flow` from one unit to another, across quantities through the flow's flow-property
    /// factors when the units are in different groups (1 unit of the flow carries `mean_value` of each property).
    /// The flow's own flow properties are tried first (reference property first), so a unit name that several
    /// groups define differently converts in the group the flow is measured in.
    pub fn convert_flow_amount(&self, flow: Option<&Flow>, amount: f64, from: &str, to: &str) -> Option<f64> {
        if let Some(flow) = flow {
            let mut properties: Vec<_> = flow.flow_properties.iter().collect();
            properties.sort_by_key(|p| !p.is_reference);
            for property in properties {
                let Some(group) = self.property_groups.get(&property.flow_property.id) else { continue };
                if let Some(factor) = self.factor_in_group(group, from, to) {
                    return Some(amount * factor);
                }
            }
        }
        if let Some(factor) = self.factor(from, to) {
            return Some(amount * factor);
        }
        let flow = flow?;
        let (from_unit, to_unit) = (self.group_of(from)?, self.group_of(to)?);
        let carried = |group: &str| {
            flow.flow_properties.iter().find_map(|p| {
                let property_group = self.property_groups.get(&p.flow_property.id)?;
                (property_group == group).then_some(p.mean_value).flatten().filter(|v| *v != 0.0 && v.is_finite())
            })
        };
        let (from_per_flow, to_per_flow) = (carried(&from_unit.group)?, carried(&to_unit.group)?);
        // amount [from] → reference unit of from's group → flow units → reference unit of to's group → [to].
        let in_flow_units = amount * from_unit.factor / from_per_flow;
        Some(in_flow_units * to_per_flow / to_unit.factor)
    }

    /// The amount of an exchange of `process` in unit `to`, or an [`Error`] naming the exchange.
    pub fn convert_exchange(&self, dataset: &Dataset, process: &Process, exchange: &Exchange, to: &str) -> Result<f64> {
        let Some(from) = exchange.unit.as_deref() else {
            return Err(Error::MissingUnit { process: process.id.to_string(), exchange: exchange.internal_id.clone() });
        };
        let amount = exchange.amount.unwrap_or(0.0);
        self.convert_flow_amount(dataset.flow(&exchange.flow.id), amount, from, to).ok_or_else(|| {
            Error::UnknownConversion {
                process: process.id.to_string(),
                exchange: exchange.internal_id.clone(),
                from: from.to_owned(),
                to: to.to_owned(),
            }
        })
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}
