//! Pure helpers on SimaPro names: ecoinvent/Agribalyse name splitting, CAS normalization, elementary-flow keys
//! and synthesized ids.

use ecoref_model::Sha256Hex;

/// Parts of a name like `Electricity, low voltage {FR}| market for | Cut-off, S - Copied from Ecoinvent U` or
/// `Broiler, organic, at farm gate {FR} U [fr-organic] (variant 0)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameParts {
    pub(crate) product: String,
    pub(crate) location: String,
    /// The activity between the first and second `|` (`market for`).
    pub(crate) activity: Option<String>,
    /// `Cut-off, S` (text before ` - ` in the last `|` part).
    pub(crate) system_model: Option<String>,
    /// Whatever follows: `Copied from Ecoinvent U`, `U [fr-organic] (variant 0)`.
    pub(crate) suffix: Option<String>,
}

/// Splits a name with a `{LOCATION}` marker; `None` when there is none.
pub(crate) fn split_name(name: &str) -> Option<NameParts> {
    let open = name.find('{')?;
    let close = open + name.get(open..)?.find('}')?;
    let location = name.get(open + 1..close)?.trim();
    let product = name.get(..open)?.trim();
    if location.is_empty() || product.is_empty() {
        return None;
    }
    let rest = name.get(close + 1..)?.trim();
    let mut parts = NameParts { product: product.to_owned(), location: location.to_owned(), ..NameParts::default() };
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(after_bar) = rest.strip_prefix('|') {
        let pieces: Vec<&str> = after_bar.split('|').collect();
        match pieces.as_slice() {
            [activity, model, ..] => {
                parts.activity = non_empty(activity);
                let model = model.trim();
                match model.split_once(" - ") {
                    Some((system_model, suffix)) => {
                        parts.system_model = non_empty(system_model);
                        parts.suffix = non_empty(suffix);
                    }
                    None => parts.system_model = non_empty(model),
                }
            }
            [activity] => parts.activity = non_empty(activity),
            [] => {}
        }
    } else {
        parts.suffix = non_empty(rest);
    }
    Some(parts)
}

/// Result of reading a CAS field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cas {
    None,
    Valid(String),
    /// Well-formed but its check digit is wrong (kept, with a warning).
    BadCheckDigit(String),
    /// Not a CAS number at all (Excel turned it into a date or a number).
    Corrupted,
}

/// Normalizes `000124-38-9` to `124-38-9` and checks the check digit.
pub(crate) fn normalize_cas(raw: &str) -> Cas {
    let raw = raw.trim();
    if raw.is_empty() {
        return Cas::None;
    }
    let groups: Vec<&str> = raw.split('-').collect();
    let [first, second, check] = groups.as_slice() else { return Cas::Corrupted };
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(first) || second.len() != 2 || !all_digits(second) || check.len() != 1 || !all_digits(check) {
        return Cas::Corrupted;
    }
    let first = first.trim_start_matches('0');
    if first.len() < 2 || first.len() > 7 {
        return Cas::Corrupted;
    }
    let normalized = format!("{first}-{second}-{check}");
    let digits: Vec<u32> = format!("{first}{second}").chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits.iter().rev().enumerate().map(|(i, d)| (i as u32 + 1) * d).sum();
    if Some(sum % 10) == check.chars().next().and_then(|c| c.to_digit(10)) {
        Cas::Valid(normalized)
    } else {
        Cas::BadCheckDigit(normalized)
    }
}

/// Canonical compartment name for a process biosphere section or a method compartment.
pub(crate) fn canonical_compartment(text: &str) -> Option<&'static str> {
    let lower = text.trim().to_lowercase();
    Some(match lower.as_str() {
        "resources" | "raw" | "raw materials" => "Raw",
        "emissions to air" | "air" | "airborne emissions" => "Air",
        "emissions to water" | "water" | "waterborne emissions" => "Water",
        "emissions to soil" | "soil" => "Soil",
        "final waste flows" | "waste" => "Waste",
        "non material emissions" | "non material emission" | "non mat." | "non mat" => "Non mat.",
        "social issues" | "social" => "Social",
        "economic issues" | "economic" => "Economic",
        _ => return None,
    })
}

/// The subcompartment as keyed: trimmed, lowercase, empty → `(unspecified)`.
pub(crate) fn canonical_subcompartment(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() { "(unspecified)".to_owned() } else { trimmed.to_lowercase() }
}

/// The id of an elementary flow: `simapro-elementary-` + the first 32 hex digits of
/// sha256(`name` 0x1F `compartment` 0x1F `subcompartment`), with the name trimmed, the compartment canonical
/// (`Air`, `Water`, `Soil`, `Raw`, `Waste`, `Non mat.`, `Social`, `Economic`) and the subcompartment lowercase,
/// `(unspecified)` when empty. Process exchanges and method factors naming the same substance meet on it.
pub(crate) fn elementary_flow_id(name: &str, compartment: &str, subcompartment: &str) -> String {
    let key = format!("{}\u{1f}{}\u{1f}{}", name.trim(), compartment, canonical_subcompartment(subcompartment));
    format!("simapro-elementary-{}", short_hash(&key))
}

pub(crate) fn short_hash(text: &str) -> String {
    let hex = Sha256Hex::of_bytes(text.as_bytes()).0;
    hex.get(..32).unwrap_or(&hex).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecoinvent_style_names_split() {
        let parts = split_name("Electricity, low voltage {FR}| market for | Cut-off, S - Copied from Ecoinvent U")
            .expect("parts");
        assert_eq!(parts.product, "Electricity, low voltage");
        assert_eq!(parts.location, "FR");
        assert_eq!(parts.activity.as_deref(), Some("market for"));
        assert_eq!(parts.system_model.as_deref(), Some("Cut-off, S"));
        assert_eq!(parts.suffix.as_deref(), Some("Copied from Ecoinvent U"));
        let agb = split_name("Broiler, organic, at farm gate {FR} U [fr-organic] (variant 0)").expect("parts");
        assert_eq!((agb.product.as_str(), agb.location.as_str()), ("Broiler, organic, at farm gate", "FR"));
        assert_eq!(agb.suffix.as_deref(), Some("U [fr-organic] (variant 0)"));
        assert_eq!(split_name("Wool, at field/US"), None);
    }

    #[test]
    fn cas_numbers() {
        assert_eq!(normalize_cas("000124-38-9"), Cas::Valid("124-38-9".into()));
        assert_eq!(normalize_cas("7732-18-5"), Cas::Valid("7732-18-5".into()));
        assert_eq!(normalize_cas("014255-04-1"), Cas::BadCheckDigit("14255-04-1".into()));
        assert_eq!(normalize_cas("10/8/5595"), Cas::Corrupted);
        assert_eq!(normalize_cas("2-Jan-1900"), Cas::Corrupted);
        assert_eq!(normalize_cas("0"), Cas::Corrupted);
        assert_eq!(normalize_cas(""), Cas::None);
    }

    #[test]
    fn elementary_ids_ignore_case_of_subcompartment_and_empty_means_unspecified() {
        assert_eq!(elementary_flow_id("Acids", "Raw", ""), elementary_flow_id("Acids", "Raw", "(unspecified)"));
        assert_eq!(elementary_flow_id("X", "Air", "Low. pop."), elementary_flow_id("X", "Air", "low. pop."));
        assert_ne!(elementary_flow_id("X", "Air", ""), elementary_flow_id("X", "Water", ""));
    }
}
