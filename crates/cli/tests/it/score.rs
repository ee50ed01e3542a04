//! End-to-end tests of computing from snapshots: `snapshot write` computes every process's impacts, `score`
//! scores bills (JSON and TOML, ids and names, units, sub-assemblies, country substitution), `impacts` exports the
//! matrix; Ecobalyse's published `ecs` is recomputed, and a generated ecoinvent-shaped system imported from its
//! EcoSpold2 files gives the impacts the compute engine gives on the generator's own matrices.

use crate::support::{Db, ecoref, repo_root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn ok(db: &Db, args: &[&str]) -> String {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out.stdout
}

fn fails(db: &Db, args: &[&str], needles: &[&str]) {
    let out = ecoref(db, args);
    assert_eq!(out.code, 2, "{args:?} should fail: {}{}", out.stdout, out.stderr);
    for needle in needles {
        assert!(out.stderr.contains(needle), "{args:?}: {needle:?} not in {}", out.stderr);
    }
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

const ELASTHANE: &str = "b2340802-bde9-56e4-984f-37110706225e";

/// Whether `recomputed` equals `stored` (rounded by Ecobalyse to 5 significant digits) to that precision.
fn same_to_5_digits(recomputed: f64, stored: f64) -> bool {
    let magnitude = stored.abs().log10().floor();
    let unit = 10f64.powf(magnitude - 4.0);
    (recomputed - stored).abs() <= unit
}

pub(crate) async fn check_ecobalyse_release_scores(db: &Db) {
    let fixtures = repo_root().join("tests/fixtures/ecobalyse");
    let processes = fixtures.join("processes_impacts-8-expected.json");
    ok(db, &["import", "ecobalyse", path_str(&processes), "--source", "eco8", "--licence-class", "restricted"]);
    ok(db, &["method", "register", "ecobalyse@2025", "--dataset", "eco8@1"]);
    ok(db, &["release", "create", "eco-1", "--dataset", "eco8@1", "--method", "ecobalyse@2025"]);
    ok(db, &["release", "publish", "eco-1"]);
    let snapshots = tempfile::tempdir().expect("tempdir");
    let out = path_str(snapshots.path());
    let written: Value =
        serde_json::from_str(&ok(db, &["snapshot", "write", "eco-1", "--out", out, "--json"])).unwrap();
    let manifest = &written["manifest"];
    assert_eq!(manifest["format_version"], 2);
    assert_eq!(manifest["sources"][0]["licence_class"], "restricted");
    let tables: Vec<&str> =
        manifest["files"].as_array().unwrap().iter().map(|f| f["table"].as_str().unwrap()).collect();
    assert!(tables.contains(&"process_impacts") && tables.contains(&"links") && tables.contains(&"lcia_results"));
    assert_eq!(written["impacts"]["build"]["n_result_only_processes"], 8);

    // Every process alone: the single score recomputed from its 16 weighted indicators is Ecobalyse's stored
    // `ecs` to its 5 significant digits.
    let expected: Vec<Value> = serde_json::from_slice(&std::fs::read(&processes).unwrap()).unwrap();
    let bills = tempfile::tempdir().expect("tempdir");
    for process in &expected {
        let id = process["id"].as_str().unwrap();
        let stored = process["impacts"]["ecs"].as_f64().unwrap();
        let bill = bills.path().join(format!("{id}.json"));
        std::fs::write(&bill, format!(r#"{{"items": [{{"process": "{id}"}}]}}"#)).unwrap();
        let result: Value = serde_json::from_str(&ok(
            db,
            &["score", "--release", "eco-1", "--snapshots", out, path_str(&bill), "--json"],
        ))
        .unwrap();
        let ecs = result["single_scores"][0]["value"].as_f64().unwrap();
        assert_eq!(result["single_scores"][0]["name"], "ecs");
        assert!(same_to_5_digits(ecs, stored), "{id}: recomputed ecs {ecs}, stored {stored}");
        assert_eq!(result["restricted"], true);
    }

    // A TOML bill: grams into a kg process, a name lookup, a sub-assembly of 3 × 0.1 kg.
    let bill = bills.path().join("bill.toml");
    std::fs::write(
        &bill,
        format!(
            "name = \"jacket\"\n\
             [[items]]\nprocess = \"{ELASTHANE}\"\namount = 500\nunit = \"g\"\n\
             [[items]]\nname = \"Elasthane (Lycra)\"\namount = 2\n\
             [[items]]\nname = \"lining\"\namount = 3\nitems = [{{ process = \"{ELASTHANE}\", amount = 0.1 }}]\n"
        ),
    )
    .unwrap();
    let args = ["score", "--release", "eco-1", "--snapshots", out, path_str(&bill), "--json"];
    let first: Value = serde_json::from_str(&ok(db, &args)).unwrap();
    let amounts: Vec<f64> =
        first["contributions"].as_array().unwrap().iter().map(|c| c["amount"].as_f64().unwrap()).collect();
    assert_eq!(amounts, [0.5, 2.0, 0.30000000000000004]);
    assert_eq!(first["contributions"][2]["path"], "items[2].items[0]");
    let cch: f64 =
        first["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "cch").unwrap()["value"].as_f64().unwrap();
    assert!((cch - 5.2347 * 2.8).abs() < 1e-12, "{cch}");
    // Same bill, same release: the same bits.
    let second: Value = serde_json::from_str(&ok(db, &args)).unwrap();
    assert_eq!(first["result_hash"], second["result_hash"]);
    assert_eq!(first["manifest_sha256"].as_str().unwrap().len(), 64);

    // Tags resolve like release names.
    ok(db, &["tag", "set", "latest", "eco-1"]);
    let tagged: Value =
        serde_json::from_str(&ok(db, &["score", "--release", "latest", "--snapshots", out, path_str(&bill), "--json"]))
            .unwrap();
    assert_eq!(tagged["result_hash"], first["result_hash"]);

    // Mistakes are errors that name the item and suggest the closest processes.
    let bad = bills.path().join("bad.json");
    std::fs::write(&bad, r#"{"items": [{"process": "b2340802"}]}"#).unwrap();
    fails(db, &["score", "--release", "eco-1", "--snapshots", out, path_str(&bad)], &["items[0]", ELASTHANE]);
    std::fs::write(&bad, r#"{"items": [{"name": "Elastane"}]}"#).unwrap();
    fails(db, &["score", "--release", "eco-1", "--snapshots", out, path_str(&bad)], &["closest: Elasthane (Lycra)"]);
    std::fs::write(&bad, format!(r#"{{"items": [{{"process": "{ELASTHANE}", "unit": "kWh"}}]}}"#)).unwrap();
    fails(db, &["score", "--release", "eco-1", "--snapshots", out, path_str(&bad)], &["cannot convert kWh to kg"]);
    std::fs::write(&bad, r#"{"items": [{"process": "x", "colour": "red"}]}"#).unwrap();
    fails(db, &["score", "--release", "eco-1", "--snapshots", out, path_str(&bad)], &["unknown field `colour`"]);
    fails(db, &["score", "--release", "nope", "--snapshots", out, path_str(&bill)], &["no snapshot of nope"]);

    // Ecobalyse weights (keyed by code: cch, fwe, …) on the EF 3.1 methods read from ILCD (keyed by UUID, named in
    // English): the codes resolve through the EF 3.1 names; the indicators this method lacks are reported.
    let ilcd = repo_root().join("tests/fixtures/ilcd");
    ok(db, &["import", "ilcd", path_str(&ilcd.join("volca_synthetic")), "--source", "volca"]);
    ok(db, &["import", "ilcd", path_str(&ilcd.join("tiangong_lciamethods")), "--source", "ef"]);
    ok(db, &["method", "register", "ef-ecs@3.1", "--dataset", "ef@1", "--weights", "eco8@1", "--weights-set", "ecs"]);
    ok(db, &["release", "create", "ef-ecs", "--dataset", "volca@1", "--method", "ef-ecs@3.1"]);
    ok(db, &["release", "publish", "ef-ecs", "--accept-unmapped", "aaaaaaaa-0000-0000-0000-000000000003"]);
    let written: Value =
        serde_json::from_str(&ok(db, &["snapshot", "write", "ef-ecs", "--out", out, "--json"])).unwrap();
    let unresolved: Vec<&str> = written["impacts"]["build"]["unresolved_weighting_categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(unresolved.len(), 14, "{unresolved:?}");
    assert!(!unresolved.contains(&"ecs: cch") && !unresolved.contains(&"ecs: fwe"), "{unresolved:?}");

    // The matrix export: CSV values read back bit-exactly, Parquet written.
    let csv = snapshots.path().join("impacts.csv");
    ok(db, &["impacts", "--release", "eco-1", "--snapshots", out, "--out", path_str(&csv)]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(header.last(), Some(&"score:ecs"));
    assert_eq!(text.lines().count(), 9);
    // Its provenance: release, snapshot manifest, and the hash of exactly the numbers written.
    let sidecar: Value =
        serde_json::from_slice(&std::fs::read(snapshots.path().join("impacts.csv.provenance.json")).unwrap()).unwrap();
    let manifest = std::fs::read(snapshots.path().join("eco-1/manifest.json")).unwrap();
    assert_eq!(sidecar["release"], "eco-1");
    assert_eq!(sidecar["snapshot_manifest_sha256"], ecoref_model::Sha256Hex::of_bytes(&manifest).0.as_str());
    // The numbers are the last fields (names before them may hold quoted commas).
    let per_row = header.len() - 5;
    let numbers: Vec<f64> = text
        .lines()
        .skip(1)
        .flat_map(|line| {
            let mut fields: Vec<f64> = line.rsplit(',').take(per_row).map(|v| v.parse().unwrap()).collect();
            fields.reverse();
            fields
        })
        .collect();
    assert_eq!(numbers.len(), 8 * per_row);
    let result_sha256 = ecoref_compute::result_hash(&numbers).0;
    assert_eq!(sidecar["result_sha256"], result_sha256.as_str());
    let parquet = snapshots.path().join("impacts.parquet");
    ok(db, &["impacts", "--release", "eco-1", "--snapshots", out, "--out", path_str(&parquet)]);
    let bytes = std::fs::read(&parquet).unwrap();
    assert!(bytes.starts_with(b"PAR1"));
    // The same provenance, as the file's key-value metadata (plain strings in the footer).
    let footer = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(64 * 1024)..]).into_owned();
    for needle in ["ecoref.release", "ecoref.snapshot_manifest_sha256", "ecoref.result_sha256", result_sha256.as_str()]
    {
        assert!(footer.contains(needle), "{needle} not in the Parquet footer");
    }
}

/// Country substitution on Ecobalyse's real country table: the Indian medium-voltage electricity of the
/// published processes becomes France's when the item (or the product) says `country = "FR"`.
pub(crate) async fn check_country_substitution(db: &Db) {
    let fixtures = repo_root().join("tests/fixtures/ecobalyse");
    ok(db, &["import", "ecobalyse", path_str(&fixtures.join("processes.json")), "--source", "ecobalyse"]);
    ok(db, &["method", "register", "ecobalyse@2025", "--dataset", "ecobalyse@1"]);
    ok(db, &["release", "create", "eco-all", "--dataset", "ecobalyse@1", "--method", "ecobalyse@2025"]);
    ok(db, &["release", "publish", "eco-all"]);
    let snapshots = tempfile::tempdir().expect("tempdir");
    let out = path_str(snapshots.path());
    ok(db, &["snapshot", "write", "eco-all", "--out", out]);
    let countries: Vec<Value> =
        serde_json::from_slice(&std::fs::read(fixtures.join("countries.json")).unwrap()).unwrap();
    let electricity = |code: &str| {
        countries.iter().find(|c| c["code"] == code).unwrap()["electricityProcessId"].as_str().unwrap().to_owned()
    };
    let (india, france) = (electricity("IN"), electricity("FR"));
    assert_ne!(india, france);
    let bills = tempfile::tempdir().expect("tempdir");
    let bill = bills.path().join("bill.json");
    std::fs::write(
        &bill,
        format!(
            r#"{{"country": "FR", "items": [
                {{"process": "{india}", "amount": 2, "unit": "kWh"}},
                {{"energy": "electricity", "amount": 3600, "unit": "kJ", "country": "IN"}},
                {{"energy": "heat", "amount": 1, "unit": "MJ"}}
            ]}}"#
        ),
    )
    .unwrap();
    let countries_file = fixtures.join("countries.json");
    let result: Value = serde_json::from_str(&ok(
        db,
        &[
            "score",
            "--release",
            "eco-all",
            "--snapshots",
            out,
            path_str(&bill),
            "--countries",
            path_str(&countries_file),
            "--json",
        ],
    ))
    .unwrap();
    let items = result["contributions"].as_array().unwrap();
    assert_eq!(items[0]["process_id"], france.as_str());
    assert_eq!(items[0]["substituted_from"], india.as_str());
    assert_eq!(items[1]["process_id"], india.as_str());
    assert_eq!(items[1]["amount"], 1.0);
    assert!(items[2]["process_name"].as_str().unwrap().to_lowercase().contains("chaleur"), "{}", items[2]);
    assert_eq!(result["countries_sha256"].as_str().unwrap().len(), 64);
    // Ecobalyse's own textile examples as bills (material process × mass × share, in grams while the processes
    // are in kg): every material resolves, and the `ecs` indicator is the sum of the published per-kg values.
    let processes: Vec<Value> =
        serde_json::from_slice(&std::fs::read(fixtures.join("processes.json")).unwrap()).unwrap();
    let ecs_of = |id: &str| processes.iter().find(|p| p["id"] == id).unwrap()["impacts"]["ecs"].as_f64().unwrap();
    let materials: Vec<Value> =
        serde_json::from_slice(&std::fs::read(fixtures.join("textile-materials.json")).unwrap()).unwrap();
    let process_of = |material: &Value| {
        materials.iter().find(|m| m["id"] == *material).unwrap()["processId"].as_str().unwrap().to_owned()
    };
    let examples: Vec<Value> =
        serde_json::from_slice(&std::fs::read(fixtures.join("textile-examples.json")).unwrap()).unwrap();
    for example in &examples {
        let query = &example["query"];
        let mass_g = query["mass"].as_f64().unwrap() * 1000.0;
        let mut items = Vec::new();
        let mut expected = 0.0;
        for material in query["materials"].as_array().unwrap() {
            let (id, share) = (process_of(&material["id"]), material["share"].as_f64().unwrap());
            items.push(serde_json::json!({"process": id, "amount": mass_g * share, "unit": "g"}));
            expected += mass_g * share / 1000.0 * ecs_of(&id);
        }
        let bill = bills.path().join("garment.json");
        std::fs::write(&bill, serde_json::json!({"name": example["name"], "items": items}).to_string()).unwrap();
        let result: Value = serde_json::from_str(&ok(
            db,
            &["score", "--release", "eco-all", "--snapshots", out, path_str(&bill), "--json"],
        ))
        .unwrap();
        let ecs = result["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "ecs").unwrap()["value"]
            .as_f64()
            .unwrap();
        assert!((ecs - expected).abs() <= 1e-12 * expected.abs(), "{}: {ecs} vs {expected}", example["name"]);
        // The public processes publish `ecs` but hide the detailed indicators: the single score is the published one.
        let single = result["single_scores"][0]["value"].as_f64().unwrap();
        assert!((single - expected).abs() <= 1e-12 * expected.abs(), "{}: {single} vs {expected}", example["name"]);
    }
    assert_eq!(examples.len(), 25);

    // Without a country table, `energy` items are an error that says what is missing.
    fails(db, &["score", "--release", "eco-all", "--snapshots", out, path_str(&bill)], &["items[1]", "--countries"]);
}

/// The compute engine's own all-process impacts of a generator system, keyed by (process id, indicator id).
fn direct_impacts(system: &ecoref_synth::System) -> BTreeMap<(String, String), f64> {
    let mut technosphere = Vec::new();
    let mut biosphere = Vec::new();
    for (j, activity) in system.activities.iter().enumerate() {
        technosphere.push((j, j, 1.0));
        for input in &activity.technosphere {
            technosphere.push((input.provider as usize, j, -input.amount));
        }
        for exchange in &activity.biosphere {
            biosphere.push((exchange.flow as usize, j, exchange.amount));
        }
    }
    let characterization = system
        .indicators
        .iter()
        .enumerate()
        .flat_map(|(k, i)| i.factors.iter().map(move |&(flow, value)| (k, flow as usize, value)))
        .collect();
    let compute_system = ecoref_compute::System {
        activities: system.activities.iter().map(|a| system.dataset_id(a)).collect(),
        flows: system.elementary_flows.iter().map(|f| f.id.to_string()).collect(),
        categories: system.indicators.iter().map(|i| i.id.to_string()).collect(),
        technosphere,
        biosphere,
        characterization,
    };
    let matrix = ecoref_compute::factorize(&compute_system).expect("solvable").all_process_impacts();
    let mut out = BTreeMap::new();
    for (j, activity) in compute_system.activities.iter().enumerate() {
        for (k, category) in compute_system.categories.iter().enumerate() {
            out.insert((activity.clone(), category.clone()), matrix.get(k, j).unwrap());
        }
    }
    out
}

pub(crate) async fn check_generated_system_matches_direct_compute(db: &Db) {
    let system = ecoref_synth::generate(&ecoref_synth::Params::with_size(150, 11));
    let data = tempfile::tempdir().expect("tempdir");
    for format in [ecoref_synth::Format::Ecospold2, ecoref_synth::Format::Ilcd] {
        ecoref_synth::write_format(&system, format, data.path()).expect("generator writes");
    }
    let ecospold2 = ecoref_synth::Format::Ecospold2.path_in(data.path());
    let ilcd = ecoref_synth::Format::Ilcd.path_in(data.path());
    ok(db, &["import", "ecospold2", path_str(&ecospold2), "--source", "gen"]);
    ok(db, &["import", "ilcd", path_str(&ilcd), "--source", "gen-method"]);
    ok(db, &["method", "register", "gen@1", "--dataset", "gen-method@1"]);
    ok(db, &["release", "create", "gen-1", "--dataset", "gen@1", "--method", "gen@1"]);
    // Elementary flows no indicator characterizes are unmapped: accept them (their factor is 0 either way).
    let check: Value = serde_json::from_str(&ok(db, &["release", "check", "gen-1", "--json"])).unwrap();
    let unmapped: Vec<String> = check["unmapped_flows"]
        .as_array()
        .unwrap_or_else(|| panic!("release check --json: {check}"))
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    let mut publish = vec!["release", "publish", "gen-1"];
    for flow in &unmapped {
        publish.extend(["--accept-unmapped", flow.as_str()]);
    }
    ok(db, &publish);
    let snapshots = tempfile::tempdir().expect("tempdir");
    let out = path_str(snapshots.path());
    ok(db, &["snapshot", "write", "gen-1", "--out", out]);
    let first = std::fs::read(snapshots.path().join("gen-1/process_impacts.parquet")).unwrap();
    ok(db, &["snapshot", "write", "gen-1", "--out", out]);
    assert_eq!(first, std::fs::read(snapshots.path().join("gen-1/process_impacts.parquet")).unwrap());

    let csv = snapshots.path().join("impacts.csv");
    ok(db, &["impacts", "--release", "gen-1", "--snapshots", out, "--out", path_str(&csv)]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let expected = direct_impacts(&system);
    let mut compared = 0;
    for line in lines {
        // Names are quoted and may hold commas: the id is first, the numbers are the last columns.
        let id = line.split(',').next().unwrap();
        let fields: Vec<&str> = line.rsplitn(header.len() - 5 + 1, ',').collect();
        for (offset, indicator) in header[5..].iter().enumerate() {
            let value: f64 = fields[header.len() - 5 - 1 - offset].parse().unwrap();
            let truth = expected[&(id.to_owned(), (*indicator).to_owned())];
            let tolerance = 1e-9 * truth.abs().max(1e-300);
            assert!((value - truth).abs() <= tolerance, "{id} × {indicator}: snapshot {value}, direct {truth}");
            compared += 1;
        }
    }
    assert_eq!(compared, 150 * 25);
}
