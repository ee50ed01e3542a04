//! Single scores: the 8 Ecobalyse reference processes' `ecs` recomputes from their indicators.

use crate::support::crate_dir;
use ecoref_compute::{WeightingSet, single_score};
use serde_json::Value;

fn read_json(name: &str) -> Value {
    let path = crate_dir().join("tests/data/ecobalyse").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json")
}

/// Indicator keys in file order and the weighting set of one block (`ecoscore` or `pef`).
fn weighting_set(definitions: &Value, block: &str) -> (Vec<String>, WeightingSet) {
    let object = definitions.as_object().expect("object");
    let keys: Vec<String> = object.keys().cloned().collect();
    let entries = keys
        .iter()
        .enumerate()
        .filter_map(|(k, key)| {
            let b = object[key].get(block)?;
            Some((k, b["normalization"].as_f64()?, b["weighting"].as_f64()?))
        })
        .collect();
    (keys, WeightingSet { name: block.into(), entries, scale: 1e6 })
}

fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 {
        return 0.0;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits - 1 - magnitude);
    (value * factor).round() / factor
}

#[test]
fn ecobalyse_ecs_recomputes_to_five_significant_digits() {
    let (keys, set) = weighting_set(&read_json("impacts.json"), "ecoscore");
    assert_eq!(set.entries.len(), 16);
    let processes = read_json("processes_impacts-8-expected.json");
    let processes = processes.as_array().expect("array");
    assert_eq!(processes.len(), 8);
    let mut n_nonzero = 0;
    for process in processes {
        let stored = &process["impacts"];
        let impacts: Vec<f64> = keys.iter().map(|k| stored[k].as_f64().unwrap_or(0.0)).collect();
        let expected = stored["ecs"].as_f64().expect("ecs");
        let score = single_score(&impacts, &set);
        // Stored indicators and score are both rounded to 5 significant digits, so the recomputed
        // score can differ from the stored one by a unit in the 5th digit (14.6685 vs 14.669).
        assert!(
            (score - expected).abs() <= 1e-4 * expected.abs(),
            "{}: recomputed {score} ({}), stored {expected}",
            process["displayName"],
            round_significant(score, 5)
        );
        n_nonzero += usize::from(expected != 0.0);
    }
    assert!(n_nonzero >= 4, "most reference processes have a score");
}

#[test]
fn elasthane_ecs_and_pef() {
    let processes = read_json("processes_impacts-8-expected.json");
    let elasthane = &processes[0]["impacts"];
    let (keys, ecs) = weighting_set(&read_json("impacts.json"), "ecoscore");
    let impacts: Vec<f64> = keys.iter().map(|k| elasthane[k].as_f64().unwrap_or(0.0)).collect();
    let score = single_score(&impacts, &ecs);
    assert!((score - 1042.6).abs() < 0.05, "{score}");
    // EF 3.1 PEF weighting set (16 indicators, uncorrected toxicities): computed, positive.
    let (pef_keys, pef) = weighting_set(&read_json("impacts-with-pef-2025-12.json"), "pef");
    assert_eq!(pef.entries.len(), 16);
    let impacts: Vec<f64> = pef_keys.iter().map(|k| elasthane[k].as_f64().unwrap_or(0.0)).collect();
    assert!(single_score(&impacts, &pef) > 0.0);
}
