//! Text normalization shared by linking and mapping: names, units, CAS numbers, compartments across
//! nomenclatures (ILCD/EF, ecoinvent, SimaPro) and ILCD reference short descriptions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A name as compared: lowercase, `"x (y)"` written `"x, y"` (a leading `"(z)-"` loses its parentheses), `sulphur` spelled `sulfur`, runs of whitespace,
/// hyphen-breaks (`"Hep- tadecafluoro"`) and trailing punctuation removed.
pub fn normalize_name(name: &str) -> String {
    let lower = name.trim().to_lowercase().replace("- ", "-").replace("sulphur", "sulfur");
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            '(' => {
                while out.ends_with(' ') {
                    out.pop();
                }
                if !out.is_empty() && !out.ends_with(',') {
                    out.push_str(", ");
                }
            }
            ')' => {}
            c if c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => out.push(c),
        }
    }
    out.trim_end_matches([' ', ',', '.']).to_owned()
}

/// A code-like synonym key: lowercase with spaces and hyphens removed (`Halon 1211` = `halon-1211`).
pub fn code_key(text: &str) -> String {
    text.to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

/// The last comma-separated part of an ecoinvent-style name when it looks like a substance code
/// (`Ethane, 1,1,1,2-tetrafluoro-, HFC-134a` → `HFC-134a`): letters then a hyphen or space then a digit.
pub fn trailing_code(name: &str) -> Option<&str> {
    let last = name.rsplit(',').next()?.trim();
    let has_letter = last.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let has_digit = last.chars().any(|c| c.is_ascii_digit());
    let separated = last.contains('-') || last.contains(' ');
    (last != name.trim() && has_letter && has_digit && separated && last.len() <= 24).then_some(last)
}

/// A unit as compared: trimmed, lowercase, with the common long names of the reference units folded onto their
/// symbols (`kilogram` → `kg`, `cubic meter` → `m3`, `kilo becquerel` → `kbq`).
pub fn normalize_unit(unit: &str) -> String {
    let lower = unit.trim().to_lowercase();
    let folded = match lower.as_str() {
        "kilogram" | "kilograms" => "kg",
        "gram" | "grams" => "g",
        "cubic meter" | "cubic metre" | "m³" => "m3",
        "square meter" | "square metre" | "m²" => "m2",
        "square meter-year" | "m2*a" | "m2 a" | "m2year" => "m2a",
        "kilo becquerel" | "kilobecquerel" => "kbq",
        "megajoule" => "mj",
        "kilowatt hour" | "kilowatt-hour" => "kwh",
        "unit" | "item" | "items" | "piece" | "pieces" => "p",
        "ton kilometer" | "metric ton*km" | "t*km" => "tkm",
        "person kilometer" | "person*km" => "personkm",
        other => other,
    };
    folded.to_owned()
}

/// Normalizes a CAS number: digits and hyphens only, leading zeros of the first group removed
/// (`000071-41-0` → `71-41-0`); `None` when the text is not shaped like a CAS number.
pub fn normalize_cas(raw: &str) -> Option<String> {
    let mut groups = raw.trim().split('-');
    let (first, second, check) = (groups.next()?, groups.next()?, groups.next()?);
    if groups.next().is_some() {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(first) || !digits(second) || !digits(check) || second.len() != 2 || check.len() != 1 {
        return None;
    }
    let first = first.trim_start_matches('0');
    (!first.is_empty()).then(|| format!("{first}-{second}-{check}"))
}

/// The environmental medium of an elementary flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Medium {
    Air,
    Water,
    Soil,
    Resource,
    Other,
}

/// A compartment in a nomenclature-neutral form: medium and canonical subcompartment.
///
/// Correspondence table (subcompartment ← ILCD/EF category; ecoinvent; SimaPro):
///
/// | medium/sub | ILCD/EF | ecoinvent | SimaPro |
/// |---|---|---|---|
/// | air/unspecified | Emissions to air, unspecified | air, air/unspecified | Air/(unspecified) |
/// | air/urban | Emissions to urban air close to ground | air/urban air close to ground | Air/high. pop. |
/// | air/non-urban | Emissions to non-urban air or from high stacks | air/non-urban air or from high stacks | Air/low. pop. |
/// | air/stratosphere | Emissions to lower stratosphere and upper troposphere | air/lower stratosphere + upper troposphere | Air/stratosphere + troposphere |
/// | air/long-term | Emissions to air, unspecified (long-term) | air/low population density, long-term | Air/low. pop., long-term |
/// | air/indoor | Emissions to air, indoor | air/indoor | Air/indoor |
/// | water/fresh | Emissions to fresh water | water/surface water | Water/river, lake |
/// | water/sea | Emissions to sea water | water/ocean | Water/ocean |
/// | water/ground | — | water/ground- | Water/groundwater |
/// | water/ground-long-term | Emissions to water, unspecified (long-term) | water/ground-, long-term | Water/groundwater, long-term |
/// | soil/agricultural | Emissions to agricultural soil | soil/agricultural | Soil/agricultural |
/// | soil/industrial, soil/forestry | — | soil/industrial, soil/forestry | Soil/industrial, Soil/forestry |
/// | soil/non-agricultural | Emissions to non-agricultural soil | — | — |
/// | resource/in-ground, in-water, in-air, biotic, land | Resources from ground, from water, from air, biotic, Land use | natural resource/… | Raw/… |
///
/// Anything else keeps medium and `unspecified`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Compartment {
    pub medium: Medium,
    pub sub: String,
}

impl fmt::Display for Compartment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let medium = match self.medium {
            Medium::Air => "air",
            Medium::Water => "water",
            Medium::Soil => "soil",
            Medium::Resource => "resource",
            Medium::Other => "other",
        };
        write!(f, "{medium}/{}", self.sub)
    }
}

impl Compartment {
    pub fn is_unspecified(&self) -> bool {
        self.sub == "unspecified"
    }
}

/// The canonical compartment of a compartment path in any of the nomenclatures (see [`Compartment`]);
/// `None` for an empty path or a medium not recognized.
pub fn canonical_compartment(path: &[String]) -> Option<Compartment> {
    let joined = path.iter().map(|p| p.trim().to_lowercase()).collect::<Vec<_>>().join("/");
    if joined.is_empty() {
        return None;
    }
    let has = |needle: &str| joined.contains(needle);
    let medium = if has("resource") || has("raw") || has("land use") || joined.starts_with("natural") {
        Medium::Resource
    } else if has("air") || has("stratosphere") {
        Medium::Air
    } else if has("water") || has("ocean") || has("river") || has("lake") {
        Medium::Water
    } else if has("soil") {
        Medium::Soil
    } else {
        Medium::Other
    };
    let sub = match medium {
        Medium::Air => {
            if has("indoor") {
                "indoor"
            } else if has("long-term") {
                "long-term"
            } else if has("stratosphere") {
                "stratosphere"
            } else if has("non-urban") || has("low. pop") || has("low population") || has("high stack") {
                "non-urban"
            } else if has("urban") || has("high. pop") || has("high population") {
                "urban"
            } else {
                "unspecified"
            }
        }
        Medium::Water => {
            if has("ground") && has("long-term") {
                "ground-long-term"
            } else if has("long-term") {
                "long-term"
            } else if has("ground") {
                "ground"
            } else if has("sea") || has("ocean") {
                "sea"
            } else if has("fresh") || has("surface") || has("river") || has("lake") {
                "fresh"
            } else if has("fossil well") {
                "fossil-well"
            } else {
                "unspecified"
            }
        }
        Medium::Soil => {
            if has("non-agricultural") {
                "non-agricultural"
            } else if has("industrial") {
                "industrial"
            } else if has("forestry") {
                "forestry"
            } else if has("agricultural") {
                "agricultural"
            } else {
                "unspecified"
            }
        }
        Medium::Resource => {
            if has("in ground") || has("from ground") || has("fossil well") {
                "in-ground"
            } else if has("in water") || has("from water") {
                "in-water"
            } else if has("in air") || has("from air") {
                "in-air"
            } else if has("biotic") {
                "biotic"
            } else if has("land") {
                "land"
            } else {
                "unspecified"
            }
        }
        Medium::Other => "unspecified",
    };
    Some(Compartment { medium, sub: sub.to_owned() })
}

/// Parts of an ILCD reference short description `name (flow property, unit, category)`, e.g.
/// `methane (fossil) (Mass, kg, Emissions to air, unspecified (long-term))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortDescription {
    pub name: String,
    pub unit: Option<String>,
    pub category: Option<String>,
}

/// Splits an ILCD short description; a text without the trailing `(property, unit, category)` group is all name.
pub fn parse_short_description(text: &str) -> ShortDescription {
    let trimmed = text.trim();
    let whole = ShortDescription { name: trimmed.to_owned(), unit: None, category: None };
    if !trimmed.ends_with(')') {
        return whole;
    }
    let mut depth = 0i32;
    let mut open = None;
    for (i, c) in trimmed.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(open) = open else { return whole };
    let (Some(name), Some(inner)) = (trimmed.get(..open), trimmed.get(open + 1..trimmed.len() - 1)) else {
        return whole;
    };
    let mut parts = inner.splitn(3, ", ");
    let (Some(_property), Some(unit), Some(category)) = (parts.next(), parts.next(), parts.next()) else {
        return whole;
    };
    if name.trim().is_empty() {
        return whole;
    }
    ShortDescription {
        name: name.trim().to_owned(),
        unit: Some(unit.trim().to_owned()),
        category: Some(category.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_fold_parentheses_and_spelling() {
        assert_eq!(normalize_name("Carbon dioxide (fossil)"), "carbon dioxide, fossil");
        assert_eq!(normalize_name("Carbon dioxide, fossil"), "carbon dioxide, fossil");
        assert_eq!(normalize_name("sulphur hexafluoride"), "sulfur hexafluoride");
        assert_eq!(normalize_name("(Z)-HFC-1234ze"), "z-hfc-1234ze");
        assert_eq!(normalize_name("Hep- tadecafluorodec-1-ene"), "hep-tadecafluorodec-1-ene");
    }

    #[test]
    fn codes_are_found_at_the_end_of_ecoinvent_names() {
        assert_eq!(trailing_code("Ethane, 1,1,1,2-tetrafluoro-, HFC-134a"), Some("HFC-134a"));
        assert_eq!(trailing_code("Methane, bromotrifluoro-, Halon 1301"), Some("Halon 1301"));
        assert_eq!(trailing_code("Methane, fossil"), None);
        assert_eq!(code_key("Halon 1301"), code_key("Halon-1301"));
    }

    #[test]
    fn compartments_meet_across_nomenclatures() {
        let ilcd =
            canonical_compartment(&path(&["Emissions", "Emissions to air", "Emissions to urban air close to ground"]));
        let ecoinvent = canonical_compartment(&path(&["air", "urban air close to ground"]));
        let simapro = canonical_compartment(&path(&["Air", "high. pop."]));
        assert_eq!(ilcd, ecoinvent);
        assert_eq!(ecoinvent, simapro);
        let long_term = canonical_compartment(&path(&["Emissions to air, unspecified (long-term)"]));
        assert_eq!(long_term, canonical_compartment(&path(&["air", "low population density, long-term"])));
        assert_eq!(
            canonical_compartment(&path(&["Emissions to non-urban air or from high stacks"])),
            canonical_compartment(&path(&["Air", "low. pop."]))
        );
        assert_eq!(
            canonical_compartment(&path(&["air"])),
            canonical_compartment(&path(&["Emissions to air, unspecified"]))
        );
        assert_eq!(canonical_compartment(&[]), None);
    }

    #[test]
    fn short_descriptions_split_name_unit_and_category() {
        let d = parse_short_description("methane (fossil) (Mass, kg, Emissions to air, unspecified (long-term))");
        assert_eq!(d.name, "methane (fossil)");
        assert_eq!(d.unit.as_deref(), Some("kg"));
        assert_eq!(d.category.as_deref(), Some("Emissions to air, unspecified (long-term)"));
        assert_eq!(parse_short_description("Steel").name, "Steel");
        assert_eq!(parse_short_description("x (y)").category, None);
    }

    #[test]
    fn cas_numbers_lose_zero_padding() {
        assert_eq!(normalize_cas("000071-41-0").as_deref(), Some("71-41-0"));
        assert_eq!(normalize_cas("10/8/5595"), None);
        assert_eq!(normalize_cas("0-00-0"), None);
    }
}
