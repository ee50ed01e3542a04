//! Units for scoring: the release's unit groups plus a built-in table of common SI and LCA units, so a bill in
//! grams scores a process in kilograms even when the source (Ecobalyse, SimaPro) ships no unit groups.

use crate::Result;
use crate::columns::{Table, Tables};
use ecoref_transform::UnitTable;

/// `(group, unit, factor to the group's reference unit)`: the units every LCA source uses.
const BUILTIN: &[(&str, &str, f64)] = &[
    ("builtin:mass", "kg", 1.0),
    ("builtin:mass", "g", 1e-3),
    ("builtin:mass", "mg", 1e-6),
    ("builtin:mass", "t", 1e3),
    ("builtin:mass", "ton", 1e3),
    ("builtin:mass", "tonne", 1e3),
    ("builtin:energy", "MJ", 1.0),
    ("builtin:energy", "kJ", 1e-3),
    ("builtin:energy", "J", 1e-6),
    ("builtin:energy", "GJ", 1e3),
    ("builtin:energy", "kWh", 3.6),
    ("builtin:energy", "Wh", 3.6e-3),
    ("builtin:energy", "MWh", 3600.0),
    ("builtin:volume", "m3", 1.0),
    ("builtin:volume", "L", 1e-3),
    ("builtin:volume", "l", 1e-3),
    ("builtin:volume", "dm3", 1e-3),
    ("builtin:volume", "ml", 1e-6),
    ("builtin:volume", "cm3", 1e-6),
    ("builtin:length", "m", 1.0),
    ("builtin:length", "km", 1e3),
    ("builtin:length", "cm", 1e-2),
    ("builtin:length", "mm", 1e-3),
    ("builtin:area", "m2", 1.0),
    ("builtin:area", "ha", 1e4),
    ("builtin:area", "km2", 1e6),
    ("builtin:transport", "t*km", 1.0),
    ("builtin:transport", "tkm", 1.0),
    ("builtin:transport", "t⋅km", 1.0),
    ("builtin:transport", "kg*km", 1e-3),
    ("builtin:transport", "kgkm", 1e-3),
    ("builtin:items", "item", 1.0),
    ("builtin:items", "items", 1.0),
    ("builtin:items", "p", 1.0),
    ("builtin:items", "pcs", 1.0),
    ("builtin:items", "unit", 1.0),
];

/// The release's units (every unit group of every dataset) and the built-in table.
pub(crate) fn unit_table(tables: &Tables) -> Result<UnitTable> {
    let units = Table::get(tables, "units")?;
    let group = units.strings("unit_group_id")?;
    let name = units.strings("name")?;
    let factor = units.opt_f64s("factor")?;
    let mut table = UnitTable::default();
    for row in 0..group.len() {
        if let Some(f) = factor[row].filter(|f| f.is_finite() && *f != 0.0) {
            table.add_unit(group[row], name[row], f);
        }
    }
    for (group, name, factor) in BUILTIN {
        table.add_unit(group, name, *factor);
    }
    Ok(table)
}
