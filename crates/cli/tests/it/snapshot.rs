//! End-to-end tests of `ecoref snapshot write|verify`: a published release (a small process dataset and the
//! TianGong LCIA methods) written twice gives identical bytes, verifies, and a tampered file is refused.

use crate::support::{Db, ecoref, repo_root};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn ok(db: &Db, args: &[&str]) -> String {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out.stdout
}

/// sha256 of every file in `dir`, by name.
fn hash_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("snapshot dir")
        .map(|entry| {
            let entry = entry.expect("entry");
            let bytes = std::fs::read(entry.path()).expect("read file");
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            (entry.file_name().to_string_lossy().into_owned(), hash)
        })
        .collect()
}

pub(crate) async fn check_snapshot_write_verify_tamper(db: &Db) {
    let fixtures = repo_root().join("tests/fixtures/ilcd");
    let path = |p: &str| fixtures.join(p).to_str().expect("utf-8 path").to_owned();
    ok(db, &["import", "ilcd", &path("volca_synthetic"), "--source", "volca"]);
    ok(db, &["import", "ilcd", &path("tiangong_lciamethods"), "--source", "ef-methods"]);
    ok(db, &["method", "register", "ef@3.1", "--dataset", "ef-methods@1"]);
    ok(db, &["release", "create", "snap-1", "--dataset", "volca@1", "--dataset", "ef-methods@1", "--method", "ef@3.1"]);
    ok(db, &["release", "migrate", "snap-1", "old-process", "new-process", "--reason", "renamed upstream"]);

    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().to_str().expect("utf-8 path");
    // Only published releases.
    let draft = ecoref(db, &["snapshot", "write", "snap-1", "--out", out]);
    assert_eq!(draft.code, 2, "{}", draft.stdout);
    assert!(draft.stderr.contains("release snap-1 is a draft"), "{}", draft.stderr);
    let missing = ecoref(db, &["snapshot", "write", "nope", "--out", out]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no release named nope"), "{}", missing.stderr);

    ok(db, &["release", "publish", "snap-1", "--accept-unmapped", "aaaaaaaa-0000-0000-0000-000000000003"]);
    let written: Value =
        serde_json::from_str(&ok(db, &["snapshot", "write", "snap-1", "--out", out, "--json"])).expect("json");
    let manifest = &written["manifest"];
    assert_eq!(manifest["format_version"], 2);
    assert_eq!(manifest["release"]["name"], "snap-1");
    assert_eq!(manifest["method"]["label"], "ef@3.1");
    let sources: Vec<&str> =
        manifest["sources"].as_array().expect("sources").iter().filter_map(|s| s["dataset"].as_str()).collect();
    assert_eq!(sources, ["ef-methods@1", "volca@1"]);
    for source in manifest["sources"].as_array().expect("sources") {
        let inputs = source["import_run"]["inputs"].as_array().expect("inputs");
        assert!(!inputs.is_empty() && inputs.iter().all(|i| i["sha256"].as_str().map(str::len) == Some(64)));
        assert_eq!(source["content_hash"].as_str().map(str::len), Some(64));
    }
    let rows: BTreeMap<&str, u64> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (f["table"].as_str().expect("table"), f["rows"].as_u64().expect("rows")))
        .collect();
    assert_eq!(rows["processes"], 3, "{rows:?}");
    assert_eq!(rows["methods"], 3, "{rows:?}");
    assert_eq!(rows["factors"], manifest["method"]["n_factors"].as_u64().expect("n_factors"));
    assert_eq!(rows["id_migrations"], 1);
    assert!(rows["exchanges"] > 0 && rows["flows"] > 0 && rows["units"] > 0, "{rows:?}");

    // Deterministic: written again (in place, and elsewhere) gives the same bytes, file by file.
    let dir = out_dir.path().join("snap-1");
    let first = hash_files(&dir);
    assert_eq!(first.len(), 14, "12 data tables, process_impacts and manifest.json: {first:?}");
    ok(db, &["snapshot", "write", "snap-1", "--out", out]);
    assert_eq!(hash_files(&dir), first);
    let other = tempfile::tempdir().expect("tempdir");
    ok(db, &["snapshot", "write", "snap-1", "--out", other.path().to_str().expect("utf-8 path")]);
    assert_eq!(hash_files(&other.path().join("snap-1")), first);

    let dir_arg = dir.to_str().expect("utf-8 path");
    let verified = ok(db, &["snapshot", "verify", dir_arg]);
    assert!(verified.contains("ok (13 files verified"), "{verified}");

    // One byte changed: refused, naming the file, the expected and the actual hash.
    let victim = dir.join("exchanges.parquet");
    let mut bytes = std::fs::read(&victim).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&victim, &bytes).expect("write");
    let tampered = ecoref(db, &["snapshot", "verify", dir_arg]);
    assert_eq!(tampered.code, 2, "{}", tampered.stdout);
    let actual: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    for needle in ["exchanges.parquet", "sha256 mismatch", first["exchanges.parquet"].as_str(), actual.as_str()] {
        assert!(tampered.stderr.contains(needle), "{needle:?} in {}", tampered.stderr);
    }
}

on_both_backends!({
    snapshot_write_verify_tamper => check_snapshot_write_verify_tamper;
});
