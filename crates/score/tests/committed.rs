//! Every snapshot committed under `snapshots/` verifies, loads and scores the example bill: the repository's
//! published releases stay readable by this version.

use ecoref_score::{Countries, LoadedRelease, Product};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn committed_snapshots_verify_load_and_score() {
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("snapshots")).expect("snapshots/") {
        let dir = entry.expect("entry").path();
        if !dir.join("manifest.json").is_file() {
            continue;
        }
        let release = LoadedRelease::open(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(release.processes().len(), release.impact_matrix().n_activities());
        seen += 1;
        if release.name() != "ecobalyse-public-2025" {
            continue;
        }
        let countries =
            Countries::from_path(&repo().join("tests/fixtures/ecobalyse/countries.json")).expect("countries");
        let release = release.with_countries(countries);
        let bill = Product::from_path(&repo().join("docs/examples/tshirt.toml")).expect("bill");
        let result = release.score(&bill).expect("score");
        // 165 g of retted linen fibre (223.81 µPt/kg) and 0.8 kWh of French low-voltage electricity.
        let fibre = 0.165 * 223.81;
        let electricity = result.contributions[1].single_scores[0];
        assert_eq!(result.contributions[1].process_name, "Electricité basse tension, France");
        assert!((result.contributions[0].single_scores[0] - fibre).abs() < 1e-9, "{result:?}");
        assert!((result.single_scores[0].value - (fibre + electricity)).abs() < 1e-9);
    }
    assert!(seen >= 1, "no snapshot under snapshots/");
}
