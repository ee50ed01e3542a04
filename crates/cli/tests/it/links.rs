//! End-to-end tests of `ecoref link`, `ecoref map`, `ecoref validate`, publish-time validation through the
//! transform crate, and methods with normalization-weighting sets from a second dataset.

use crate::support::{Db, TIANGONG, ecoref, repo_root};
use ecoref_store::Store;
use serde_json::Value;

fn fixture(rel: &str) -> String {
    repo_root().join("tests/fixtures").join(rel).to_str().expect("utf-8 path").to_owned()
}

fn golden(name: &str) -> String {
    let path = repo_root().join("crates/transform/tests/golden").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn ok(db: &Db, args: &[&str]) -> String {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out.stdout
}

fn json(db: &Db, args: &[&str]) -> Value {
    let stdout = ok(db, args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?} prints JSON ({e}): {stdout}"))
}

async fn count(db: &Db, table: &str) -> i64 {
    let store = Store::connect(&db.url).await.expect("open store");
    store.count_rows().await.expect("count rows")[table]
}

/// The acceptance releases imported through the CLI and linked: the stored link tables and unresolved exchanges
/// print exactly as the transform crate's golden files; linking again stores nothing new.
pub(crate) async fn check_link_tables_match_the_golden_files(db: &Db) {
    ok(db, &["import", "ilcd", TIANGONG, "--source", "tiangong"]);
    ok(db, &["import", "ecospold2", &fixture("ecospold2/ecospold2matrix_fake_db"), "--source", "fake-db"]);
    ok(db, &["import", "simapro", &fixture("simapro_csv/ecobalyse_export/simapro_export.csv"), "--source", "export"]);
    for (dataset, name) in
        [("tiangong@1", "tiangong_subset"), ("fake-db@1", "ecospold2matrix_fake_db"), ("export@1", "ecobalyse_export")]
    {
        let links = ok(db, &["link", dataset, "--tsv", "links"]);
        assert!(links == golden(&format!("{name}.links.tsv")), "{dataset}: stored link table differs from golden");
        let unresolved = ok(db, &["link", dataset, "--tsv", "unresolved"]);
        assert!(unresolved == golden(&format!("{name}.unresolved.tsv")), "{dataset}: unresolved differ from golden");
    }
    assert_eq!(count(db, "link_set").await, 3, "an identical link set is stored once");

    let report = json(db, &["link", "tiangong@1", "--json"]);
    assert_eq!(report["stored"], false);
    assert_eq!(report["link_set"]["dataset"], "tiangong@1");
    assert_eq!(report["linked_by_rule"]["reference-flow"], 1);
    assert_eq!(report["unresolved"].as_array().map(Vec::len), Some(183));
    assert!(report["diagnostics"].as_array().is_some_and(|d| d.iter().any(|d| d["code"] == "link.unlinked")));

    let summary = ok(db, &["link", "export@1", "--limit", "2"]);
    assert!(summary.contains("unchanged: identical to link set"), "{summary}");
    assert!(summary.contains("unlinked (first 2 of"), "{summary}");
    assert!(summary.contains("by reference-flow:"), "{summary}");

    // Other options, another link set; a dependency is recorded with it.
    let strict = ok(db, &["link", "export@1", "--no-fallback"]);
    assert!(strict.contains("stored link set"), "{strict}");
    assert!(strict.contains("fallbacks="), "{strict}");
    let with = json(db, &["link", "export@1", "--with", "tiangong@1", "--fallback", "name-unit", "--json"]);
    assert_eq!(with["link_set"]["dependencies"][0], "tiangong@1");
    assert_eq!(with["link_set"]["options"], "fallbacks=name-unit");
    assert_eq!(count(db, "link_set").await, 5);
    let out = ecoref(db, &["link", "export@1", "--with", "export@1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// `map`, `validate`, and a release validated through link sets and flow mapping sets, which it then references.
pub(crate) async fn check_map_validate_and_publish(db: &Db) {
    ok(db, &["import", "ilcd", TIANGONG, "--source", "tiangong"]);
    ok(db, &["import", "ecospold2", &fixture("ecospold2/ecospold2matrix_fake_db"), "--source", "fake-db"]);
    ok(db, &["method", "register", "tiangong-ef@1", "--dataset", "tiangong@1"]);

    let mapped = json(db, &["map", "tiangong@1", "--method", "tiangong-ef@1", "--json"]);
    assert_eq!(mapped["stored"], true);
    let set = &mapped["flow_mapping_set"];
    assert_eq!(set["method"], "tiangong-ef@1");
    assert!(set["n_mapped"].as_i64().is_some_and(|n| n > 0), "{set}");
    assert!(mapped["mapping"]["entries"].as_array().is_some_and(|e| e.iter().all(|e| e["rule"] == "same-id")));
    let text = ok(db, &["map", "tiangong@1", "--method", "tiangong-ef@1"]);
    assert!(text.contains("unchanged: identical to flow mapping set"), "{text}");
    assert!(text.contains("by same-id:"), "{text}");
    let tsv = ok(db, &["map", "tiangong@1", "--method", "tiangong-ef@1", "--tsv"]);
    assert!(tsv.starts_with("source_flow\ttarget_flow\trule\tconfidence\n"), "{tsv}");

    let markdown = ok(db, &["validate", "tiangong@1", "--method", "tiangong-ef@1"]);
    for needle in [
        "# Validation report",
        "| processes | 9 |",
        "184 technosphere exchanges: 1 linked, 183 unlinked, 0 ambiguous.",
        "## Unmapped elementary flows",
        "## Unit problems",
        "## Zero, negative or missing reference products",
        "## Cycles without production",
    ] {
        assert!(markdown.contains(needle), "{needle:?} in\n{markdown}");
    }
    let report = json(db, &["validate", "fake-db@1", "--json"]);
    assert_eq!((report["n_technosphere"].as_u64(), report["n_linked"].as_u64()), (Some(4), Some(4)));
    assert_eq!(count(db, "link_set").await, 2, "validate stores (or reuses) link sets");

    // A release of the fully linked fake database: elementary flows the method does not characterize must be
    // accepted explicitly, then it publishes and names the sets it was validated with.
    ok(db, &["release", "create", "fake-2026", "--dataset", "fake-db@1", "--method", "tiangong-ef@1"]);
    let out = ecoref(db, &["release", "check", "fake-2026", "--json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let check: Value = serde_json::from_str(&out.stdout).expect("json");
    assert!(check["validator"].as_str().is_some_and(|v| v.starts_with("ecoref-transform")), "{check}");
    assert_eq!(check["unlinked"].as_array().map(Vec::len), Some(0));
    let unmapped: Vec<String> = check["unmapped_flows"]
        .as_array()
        .expect("unmapped flows")
        .iter()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    assert!(!unmapped.is_empty(), "{check}");
    let text = ecoref(db, &["release", "check", "fake-2026"]);
    assert!(text.stdout.contains("# Validation report: fake-db@1"), "{}", text.stdout);
    assert!(text.stdout.contains("publishable: no"), "{}", text.stdout);
    let dir = tempfile::tempdir().expect("tempdir");
    let accept = dir.path().join("accept.txt");
    std::fs::write(&accept, format!("# reviewed\n{}\n", unmapped.join("\n"))).expect("write accept file");
    let accept = accept.to_str().expect("utf-8 path");
    let published = json(db, &["release", "publish", "fake-2026", "--accept-unmapped-file", accept, "--json"]);
    assert_eq!(published["status"], "published");
    let show = json(db, &["release", "show", "fake-2026", "--json"]);
    let with = &show["validated_with"][0];
    assert_eq!(with["dataset"], "fake-db@1");
    assert!(with["link_set"].is_i64() && with["flow_mapping_set"].is_i64(), "{show}");
    assert_eq!(show["validation"]["inputs"][0], *with);
    assert_eq!(show["validation"]["accepted_unmapped_flows"].as_array().map(Vec::len), Some(unmapped.len()));
    let store = Store::connect(&db.url).await.expect("open store");
    for sql in
        ["DELETE FROM release_validation_input", "UPDATE release_validation_input SET flow_mapping_set_id = NULL"]
    {
        let result = match &store {
            Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
            Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        };
        let error = result.expect_err(sql).to_string();
        assert!(error.contains("is published"), "{sql}: {error}");
    }

    // The TianGong release still cannot be published: unlinked exchanges.
    ok(db, &["release", "create", "tiangong-2026", "--dataset", "tiangong@1", "--method", "tiangong-ef@1"]);
    let out = ecoref(db, &["release", "publish", "tiangong-2026"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("183 unlinked technosphere exchanges"), "{}", out.stderr);
}

/// EF 3.1 climate change characterization from ILCD with Ecobalyse's `ecs` weights from impacts.json: one
/// method version; the same weights from a newer impacts file are unchanged, the PEF weights are refused.
pub(crate) async fn check_method_with_ecobalyse_weights(db: &Db) {
    ok(
        db,
        &[
            "import",
            "ilcd",
            &fixture("ilcd/tiangong_lciamethods/6209b35f-9447-40b5-b68c-a1099e3674a0.xml"),
            "--source",
            "ef-ilcd",
        ],
    );
    let processes = fixture("ecobalyse/processes_impacts-8-expected.json");
    for impacts in ["impacts.json", "impacts-with-pef-2025-12.json"] {
        let impacts = fixture(&format!("ecobalyse/{impacts}"));
        ok(db, &["import", "ecobalyse", &processes, "--impacts", &impacts, "--source", "ecobalyse"]);
    }
    let register = |weights: &'static str, set: &'static str| {
        ["method", "register", "ef31-ecs@1", "--dataset", "ef-ilcd@1", "--weights", weights, "--weights-set", set]
    };
    let registered = json(db, &[&register("ecobalyse@1", "ecs")[..], &["--json"]].concat());
    assert_eq!(registered["outcome"], "registered");
    let method = &registered["method"];
    assert_eq!((method["n_indicators"].as_i64(), method["n_nw_sets"].as_i64()), (Some(1), Some(1)));
    assert_eq!(method["n_factors"], 1099);
    assert_eq!(method["weights"], "ecobalyse@1");
    let text = ok(db, &register("ecobalyse@2", "ecs"));
    assert!(text.contains("unchanged"), "{text}");
    let out = ecoref(db, &register("ecobalyse@2", "pef"));
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("method ef31-ecs@1 is already registered with other content"), "{}", out.stderr);
    let out = ecoref(
        db,
        &["method", "register", "x@1", "--dataset", "ef-ilcd@1", "--weights", "ecobalyse@1", "--weights-set", "pef"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no normalization-weighting set named pef: available: ecs"), "{}", out.stderr);
    ok(
        db,
        &[
            "method",
            "register",
            "ef31-pef@1",
            "--dataset",
            "ef-ilcd@1",
            "--weights",
            "ecobalyse@2",
            "--weights-set",
            "pef",
        ],
    );
    let methods = ok(db, &["methods"]);
    assert!(methods.contains("ef31-pef@1"), "{methods}");
}

on_both_backends!({
    link_tables_match_the_golden_files => check_link_tables_match_the_golden_files;
    map_validate_and_publish => check_map_validate_and_publish;
    method_with_ecobalyse_weights => check_method_with_ecobalyse_weights;
});
