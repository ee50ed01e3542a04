//! Ecobalyse indicator definitions (`impacts.json`) → one `LciaMethod` per indicator and the `ecs` / PEF
//! normalization-weighting sets; and [`compute_single_score`], the pure recomputation of a single score.

use ecoref_model::{EntityId, LciaMethod, Metadata, NormalizationWeighting, NormalizationWeightingSet};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The methodology every Ecobalyse indicator belongs to.
pub const METHODOLOGY: &str = "EF 3.1 (Ecobalyse)";
pub use ecoref_model::{CORRECTION_PREFIX, SCORE_SCALE_KEY};

/// What `impacts.json` defines.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Definitions {
    pub(crate) methods: Vec<LciaMethod>,
    pub(crate) sets: Vec<NormalizationWeightingSet>,
}

/// Reads the parsed `impacts.json` object; `None` when it is not an object of indicator definitions.
pub(crate) fn read_definitions(value: &Value) -> Option<Definitions> {
    let indicators = value.as_object()?;
    let mut definitions = Definitions::default();
    let mut corrections: Vec<(String, String)> = Vec::new();
    let mut set_entries: BTreeMap<&str, Vec<NormalizationWeighting>> = BTreeMap::new();
    for (code, definition) in indicators {
        let Some(definition) = definition.as_object() else { continue };
        let text = |key: &str| definition.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut metadata = Metadata::new();
        for (key, v) in definition {
            match v {
                Value::String(s) if key != "label_en" && key != "unit_en" => {
                    metadata.insert(key.clone(), s.clone());
                }
                Value::Number(n) => {
                    metadata.insert(key.clone(), n.to_string());
                }
                _ => {}
            }
        }
        let correction = correction_text(definition);
        if let Some(correction) = &correction {
            metadata.insert("correction".to_owned(), correction.clone());
            corrections.push((code.clone(), correction.clone()));
        }
        for (block, set) in [("ecoscore", "ecs"), ("pef", "pef")] {
            let Some(block) = definition.get(block).and_then(Value::as_object) else { continue };
            let number = |key: &str| block.get(key).and_then(Value::as_f64);
            set_entries.entry(set).or_default().push(NormalizationWeighting {
                category: code.clone(),
                normalization: number("normalization"),
                normalization_is_factor: false,
                weighting: number("weighting"),
            });
        }
        let name = text("label_en").unwrap_or_else(|| code.clone());
        definitions.methods.push(LciaMethod {
            id: EntityId::new(code.clone(), None),
            name: name.clone(),
            methodologies: vec![METHODOLOGY.to_owned()],
            impact_category: Some(name),
            impact_indicator: Some(code.clone()),
            reference_quantity: None,
            unit: text("unit_en"),
            factors: Vec::new(),
            metadata,
        });
    }
    for (set, entries) in set_entries {
        let mut metadata = Metadata::new();
        metadata.insert(SCORE_SCALE_KEY.to_owned(), "1000000".to_owned());
        metadata.insert("score_unit".to_owned(), "µPt".to_owned());
        metadata.insert("indicator".to_owned(), set.to_owned());
        for (code, correction) in &corrections {
            metadata.insert(format!("{CORRECTION_PREFIX}{code}"), correction.clone());
        }
        definitions.sets.push(NormalizationWeightingSet {
            name: set.to_owned(),
            method: Some(METHODOLOGY.to_owned()),
            entries,
            metadata,
        });
    }
    Some(definitions)
}

/// `correction: [{"sub-impact": "etf-o", "weighting": 2}, …]` as `etf-o*2; etf-i*1`.
fn correction_text(definition: &Map<String, Value>) -> Option<String> {
    let parts: Vec<String> = definition
        .get("correction")?
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|c| {
            let sub = c.get("sub-impact")?.as_str()?;
            let weighting = c.get("weighting")?;
            weighting.as_f64()?;
            Some(format!("{sub}*{weighting}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The single score of a set of indicator values, as Ecobalyse computes it:
///
/// `score = scale × Σ_k amount_k / normalization_k × weighting_k` over the set's entries (`amount × normalization`
/// when `normalization_is_factor`), where `scale` is the set's `score_scale` metadata (1e6 for Ecobalyse's µPt,
/// 1 when absent). An indicator missing from `impacts` is derived from its sub-indicators when the set carries a
/// `correction.<indicator>` (`etf-c = 2 × etf-o + 1 × etf-i`), else it contributes nothing; entries without a
/// usable normalization contribute nothing; a missing weighting counts as 1.
pub fn compute_single_score(impacts: &BTreeMap<String, f64>, set: &NormalizationWeightingSet) -> f64 {
    let scale = set.metadata.get(SCORE_SCALE_KEY).and_then(|s| s.trim().parse::<f64>().ok()).unwrap_or(1.0);
    let mut score = 0.0;
    for entry in &set.entries {
        let amount = impacts.get(&entry.category).copied().or_else(|| {
            let correction = set.metadata.get(&format!("{CORRECTION_PREFIX}{}", entry.category))?;
            corrected_amount(impacts, correction)
        });
        let (Some(amount), Some(normalization)) = (amount, entry.normalization) else { continue };
        let normalized = if entry.normalization_is_factor {
            amount * normalization
        } else if normalization != 0.0 {
            amount / normalization
        } else {
            continue;
        };
        score += normalized * entry.weighting.unwrap_or(1.0);
    }
    score * scale
}

/// `Σ weight × sub-indicator` for a correction text `sub*weight; …`; `None` when no sub-indicator is present.
fn corrected_amount(impacts: &BTreeMap<String, f64>, correction: &str) -> Option<f64> {
    let mut total = None;
    for part in correction.split(';') {
        let Some((sub, weight)) = part.trim().rsplit_once('*') else { continue };
        let (Some(value), Ok(weight)) = (impacts.get(sub.trim()), weight.trim().parse::<f64>()) else { continue };
        total = Some(total.unwrap_or(0.0) + value * weight);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[(&str, f64, f64)]) -> NormalizationWeightingSet {
        let mut metadata = Metadata::new();
        metadata.insert(SCORE_SCALE_KEY.to_owned(), "1000000".to_owned());
        metadata.insert(format!("{CORRECTION_PREFIX}etf-c"), "etf-o*2; etf-i*1".to_owned());
        NormalizationWeightingSet {
            name: "ecs".to_owned(),
            method: None,
            entries: entries
                .iter()
                .map(|(c, n, w)| NormalizationWeighting {
                    category: (*c).to_owned(),
                    normalization: Some(*n),
                    normalization_is_factor: false,
                    weighting: Some(*w),
                })
                .collect(),
            metadata,
        }
    }

    #[test]
    fn score_is_scaled_weighted_sum_of_normalized_amounts() {
        let impacts: BTreeMap<String, f64> = [("cch".to_owned(), 2.0), ("acd".to_owned(), 1.0)].into();
        let score = compute_single_score(&impacts, &set(&[("cch", 4.0, 0.5), ("acd", 2.0, 0.1)]));
        assert!((score - 1e6 * (0.25 + 0.05)).abs() < 1e-6, "{score}");
    }

    #[test]
    fn corrected_toxicity_is_derived_from_sub_indicators_when_absent() {
        let impacts: BTreeMap<String, f64> = [("etf-o".to_owned(), 3.0), ("etf-i".to_owned(), 5.0)].into();
        let score = compute_single_score(&impacts, &set(&[("etf-c", 1e6, 1.0)]));
        assert!((score - 11.0).abs() < 1e-9, "{score}");
        let direct: BTreeMap<String, f64> = [("etf-c".to_owned(), 7.0)].into();
        assert!((compute_single_score(&direct, &set(&[("etf-c", 1e6, 1.0)])) - 7.0).abs() < 1e-9);
    }

    #[test]
    fn zero_normalization_and_missing_indicators_contribute_nothing() {
        let impacts: BTreeMap<String, f64> = [("cch".to_owned(), 2.0)].into();
        assert_eq!(compute_single_score(&impacts, &set(&[("cch", 0.0, 1.0), ("ldu", 1.0, 1.0)])), 0.0);
    }
}
