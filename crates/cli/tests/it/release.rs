//! End-to-end tests of the release commands: method versions, draft → published releases frozen by the
//! database, tags, and the diff of two imports of the TianGong sample with known edits.

use crate::support::{Db, TIANGONG, ecoref, repo_root, tiangong_entries, write_zip};
use ecoref_store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};

const NEW_AMOUNT: &str = "4242.5";

/// What [`edited_tiangong`] changed.
struct Edits {
    /// (process id, exchange amount before) of the three processes whose second `resultingAmount` changed.
    amounts: Vec<(String, f64)>,
    renamed: String,
    removed: String,
}

fn process_id(name: &str) -> String {
    name.trim_start_matches("ILCD/processes/").trim_end_matches(".xml").to_owned()
}

/// The TianGong sample with three `resultingAmount`s rewritten (the second exchange of the first three processes),
/// the English `baseName` of the fourth process changed and the last process file dropped.
fn edited_tiangong(dir: &Path) -> (PathBuf, Edits) {
    let mut entries = tiangong_entries();
    let mut processes: Vec<String> =
        entries.iter().map(|(n, _)| n.clone()).filter(|n| n.starts_with("ILCD/processes/")).collect();
    processes.sort();
    assert!(processes.len() >= 5, "{processes:?}");
    let removed = processes[processes.len() - 1].clone();
    let mut edits = Edits { amounts: Vec::new(), renamed: process_id(&processes[3]), removed: process_id(&removed) };
    entries.retain(|(n, _)| *n != removed);
    for (name, bytes) in &mut entries {
        let Some(index) = processes.iter().position(|p| p == name) else { continue };
        let mut text = String::from_utf8(std::mem::take(bytes)).expect("utf-8 data set");
        if index < 3 {
            let open = "<resultingAmount>";
            let first = text.find(open).expect("a resultingAmount");
            let start = first + open.len() + text[first + open.len()..].find(open).expect("a second one") + open.len();
            let end = start + text[start..].find("</resultingAmount>").expect("closed");
            let before: f64 = text[start..end].trim().parse().expect("a number");
            assert_ne!(before.to_string(), NEW_AMOUNT);
            text.replace_range(start..end, NEW_AMOUNT);
            edits.amounts.push((process_id(name), before));
        } else if index == 3 {
            let open = "<baseName xml:lang=\"en\">";
            assert!(text.contains(open), "{name} has an English baseName");
            text = text.replacen(open, &format!("{open}Renamed "), 1);
        }
        *bytes = text.into_bytes();
    }
    let path = dir.join("tiangong_edited.zip");
    write_zip(&path, &entries);
    edits.amounts.sort_by(|a, b| a.0.cmp(&b.0));
    (path, edits)
}

fn json(db: &Db, args: &[&str]) -> Value {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?} prints JSON ({e}): {}", out.stdout))
}

fn ok(db: &Db, args: &[&str]) -> String {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out.stdout
}

fn fails(db: &Db, args: &[&str], code: i32, needles: &[&str]) {
    let out = ecoref(db, args);
    assert_eq!(out.code, code, "{args:?}: {}{}", out.stdout, out.stderr);
    for needle in needles {
        assert!(out.stderr.contains(needle) || out.stdout.contains(needle), "{args:?}: {needle:?} in {}", out.stderr);
    }
}

pub(crate) async fn check_diff_lists_exactly_the_edits(db: &Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (edited, edits) = edited_tiangong(dir.path());
    ok(db, &["import", "ilcd", TIANGONG, "--source", "tiangong"]);
    ok(db, &["import", "ilcd", edited.to_str().expect("utf-8 path"), "--source", "tiangong"]);

    let diff = json(db, &["release", "diff", "tiangong@1", "tiangong@2", "--json"]);
    let summary = &diff["summary"];
    let counts: Vec<u64> = ["n_processes_a", "n_processes_b", "n_added", "n_removed", "n_renamed", "n_changed"]
        .iter()
        .map(|k| summary[k].as_u64().expect("count"))
        .collect();
    assert_eq!(counts, [9, 8, 0, 1, 1, 3], "{summary}");
    assert_eq!(summary["n_amounts_changed"], 3);
    assert_eq!(summary["n_impact_changes"], 0);
    assert_eq!(summary["method_changed"], false);
    assert_eq!(diff["removed"][0]["id"], edits.removed.as_str());
    let renamed = &diff["renamed"][0];
    assert_eq!(
        (renamed["old"]["id"].as_str(), renamed["new"]["id"].as_str()),
        (Some(edits.renamed.as_str()), Some(edits.renamed.as_str()))
    );
    assert_eq!(renamed["rule"], "same id, new name");
    assert!(renamed["new"]["name"].as_str().expect("name").starts_with("Renamed "), "{renamed}");
    let changed = diff["changed"].as_array().expect("changed");
    for (change, (id, before)) in changed.iter().zip(&edits.amounts) {
        assert_eq!(change["id"], id.as_str());
        let amounts = change["amounts_changed"].as_array().expect("amounts");
        assert_eq!(amounts.len(), 1, "{change}");
        assert_eq!(amounts[0]["old"].as_f64(), Some(*before));
        assert_eq!(amounts[0]["new"].as_f64(), Some(NEW_AMOUNT.parse::<f64>().expect("number")));
        for list in ["exchanges_added", "exchanges_removed", "exchanges_changed", "fields_changed"] {
            assert_eq!(change[list].as_array().map(Vec::len), Some(0), "{list} of {change}");
        }
    }
    assert_eq!(changed.len(), 3);
    // Deterministic: the same diff twice is the same text.
    let again = json(db, &["release", "diff", "tiangong@1", "tiangong@2", "--json"]);
    assert_eq!(again, diff);

    let report = ok(db, &["release", "diff", "tiangong@1", "tiangong@2"]);
    for needle in [
        "# Diff tiangong@1 → tiangong@2",
        "## Summary",
        "- removed: 1",
        "- renamed: 1",
        "- changed: 3 (3 amounts)",
        "## Renamed processes",
        "same id, new name",
        "## Changed processes",
        "→ 4242.5",
    ] {
        assert!(report.contains(needle), "{needle:?} in\n{report}");
    }
    assert!(report.find("## Summary") < report.find("## Removed processes"), "summary first");
}

/// Runs raw SQL with the store's own pool, as an operator with a SQL shell would.
async fn execute_raw(db: &Db, sql: &'static str) -> Result<u64, String> {
    let store = Store::connect(&db.url).await.expect("open store");
    let result = match &store {
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
    };
    result.map_err(|e| e.to_string())
}

fn method_file(n: usize) -> String {
    let dir = repo_root().join("tests/fixtures/ilcd/tiangong_lciamethods");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files[n].to_str().expect("utf-8 path").to_owned()
}

pub(crate) async fn check_methods_releases_and_tags(db: &Db) {
    ok(db, &["import", "ilcd", TIANGONG, "--source", "tiangong"]);
    ok(db, &["import", "ilcd", &method_file(0), "--source", "ef-methods"]);
    ok(db, &["import", "ilcd", &method_file(1), "--source", "ef-methods"]);

    // Method versions: registered once, the same content again is a no-op, other content is refused.
    let register = ["method", "register", "ef@3.1", "--dataset", "ef-methods@1", "--by", "alice"];
    let registered = json(db, &[&register[..], &["--json"]].concat());
    assert_eq!(registered["outcome"], "registered");
    assert_eq!(registered["method"]["n_indicators"], 1);
    assert!(ok(db, &register).contains("unchanged"));
    fails(
        db,
        &["method", "register", "ef@3.1", "--dataset", "ef-methods@2"],
        2,
        &["method ef@3.1 is already registered with other content", "needs a new version"],
    );
    ok(db, &["method", "register", "ef@3.2", "--dataset", "ef-methods@2"]);
    let tiangong_method = json(
        db,
        &[
            "method",
            "register",
            "tiangong-ef@1",
            "--dataset",
            "tiangong@1",
            "--methodology",
            "Environmental Footprint",
            "--json",
        ],
    );
    assert_eq!(tiangong_method["method"]["n_indicators"], 4);
    assert_eq!(json(db, &["methods", "--json"]).as_array().map(Vec::len), Some(3));

    // A release with unlinked exchanges cannot be published.
    ok(db, &["release", "create", "tiangong-2026", "--dataset", "tiangong@1", "--method", "tiangong-ef@1"]);
    let out = ecoref(db, &["release", "check", "tiangong-2026", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(report["n_processes"], 9);
    assert!(report["unlinked"].as_array().is_some_and(|u| !u.is_empty()), "{report}");
    fails(
        db,
        &["release", "publish", "tiangong-2026"],
        2,
        &["release tiangong-2026 cannot be published", "unlinked technosphere exchange"],
    );

    // A publishable release: drafts change, published ones do not.
    ok(db, &["release", "create", "ef-2026", "--dataset", "ef-methods@1", "--method", "ef@3.1", "--notes", "first"]);
    ok(db, &["release", "edit", "ef-2026", "--notes", "second"]);
    fails(db, &["tag", "set", "latest", "ef-2026"], 2, &["release ef-2026 is a draft"]);
    let published = json(db, &["release", "publish", "ef-2026", "--by", "bob", "--json"]);
    assert_eq!(published["status"], "published");
    assert_eq!(published["published_by"], "bob");
    assert_eq!(published["notes"], "second");
    let frozen = "release ef-2026 is published and cannot change";
    fails(db, &["release", "edit", "ef-2026", "--notes", "third"], 2, &[frozen]);
    fails(db, &["release", "edit", "ef-2026", "--add-dataset", "tiangong@1"], 2, &[frozen]);
    fails(db, &["release", "migrate", "ef-2026", "a", "b", "--reason", "x"], 2, &[frozen]);
    fails(db, &["release", "publish", "ef-2026"], 2, &[frozen]);
    for (sql, needle) in [
        ("UPDATE release SET notes = 'rewritten' WHERE name = 'ef-2026'", "update refused"),
        ("DELETE FROM release WHERE name = 'ef-2026'", "delete refused"),
        ("DELETE FROM release_dataset", "delete of its release_dataset rows refused"),
    ] {
        let error = execute_raw(db, sql).await.expect_err(sql);
        assert!(error.contains("is published") && error.contains(needle), "{sql}: {error}");
    }
    let show = json(db, &["release", "show", "ef-2026", "--json"]);
    assert_eq!(show["summary"]["notes"], "second");
    assert_eq!(show["validation"]["n_processes"], 0);

    // Tags move between published releases; every move is kept.
    ok(db, &["release", "create", "ef-2026b", "--dataset", "ef-methods@2", "--method", "ef@3.2"]);
    ok(db, &["release", "migrate", "ef-2026b", "old-process", "new-process", "--reason", "split upstream"]);
    ok(db, &["release", "publish", "ef-2026b"]);
    assert!(ok(db, &["tag", "set", "latest", "ef-2026"]).contains("tag latest set to ef-2026"));
    assert!(ok(db, &["tag", "set", "latest", "ef-2026"]).contains("already points to ef-2026"));
    assert!(ok(db, &["tag", "set", "latest", "ef-2026b"]).contains("tag latest moved from ef-2026 to ef-2026b"));
    let tags = json(db, &["tags", "--json"]);
    assert_eq!(tags[0]["tag"], "latest");
    assert_eq!(tags[0]["release"], "ef-2026b");
    assert_eq!(tags[0]["n_moves"], 2);
    let history = json(db, &["tags", "--history", "--json"]);
    let moves: Vec<&str> = history.as_array().expect("array").iter().filter_map(|e| e["release"].as_str()).collect();
    assert_eq!(moves, ["ef-2026", "ef-2026b"]);
    let error = execute_raw(db, "DELETE FROM release_tag_event").await.expect_err("tag history is append-only");
    assert!(error.contains("release_tag_event rows are insert-only"), "{error}");

    let releases = json(db, &["releases", "--json"]);
    let listed: Vec<(&str, &str)> = releases
        .as_array()
        .expect("array")
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or(""), r["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(listed, [("tiangong-2026", "draft"), ("ef-2026", "published"), ("ef-2026b", "published")]);
    let store = Store::connect(&db.url).await.expect("open store");
    assert_eq!(store.resolve_process_id("ef-2026b", "old-process").await.expect("resolve"), "new-process");

    // Two releases with different methods: the diff calls the method change out.
    let diff = json(db, &["release", "diff", "ef-2026", "ef-2026b", "--json"]);
    assert_eq!(diff["summary"]["method_changed"], true);
    assert_eq!(diff["method"]["a"], "ef@3.1");
    assert_eq!(diff["method"]["b"], "ef@3.2");
    let report = ok(db, &["release", "diff", "ef-2026", "ef-2026b"]);
    assert!(report.contains("## Method changes"), "{report}");
}

on_both_backends!({
    diff_lists_exactly_the_edits => check_diff_lists_exactly_the_edits;
    methods_releases_and_tags => check_methods_releases_and_tags;
});
