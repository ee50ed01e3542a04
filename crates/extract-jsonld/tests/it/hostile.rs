//! Hostile and broken inputs: each is a clear error naming the file or entry, or a diagnostic; never a panic.

use crate::support::{BEEF_ZIP, build_zip, fixture, with_code};
use ecoref_extract_jsonld::{OnInvalid, ReadOptions, read_bytes, read_path, read_zip};
use ecoref_model::Severity;
use std::io::Cursor;

const FLOW: &str = r#"{"@type": "Flow", "@id": "f1", "name": "ok", "flowType": "PRODUCT_FLOW"}"#;

#[test]
fn truncated_zip_names_the_file() {
    let bytes = std::fs::read(fixture(BEEF_ZIP)).expect("zip");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truncated.zip");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
    let message = read_path(&path, &ReadOptions::default()).expect_err("fails").to_string();
    assert!(message.starts_with("cannot read zip archive") && message.contains("truncated.zip"), "{message}");
}

#[test]
fn zip_slip_entry_is_refused() {
    let zip = build_zip(&[("flows/ok.json", FLOW.as_bytes()), ("../evil.json", FLOW.as_bytes())]);
    let err = read_zip("slip.zip", Cursor::new(zip), &ReadOptions::default()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "unsafe entry name in zip archive slip.zip: \"../evil.json\" (absolute or contains `..`)"
    );
}

#[test]
fn entry_above_max_entry_bytes_is_refused() {
    let big = format!("{{\"@type\": \"Flow\", \"@id\": \"x\", \"name\": \"{}\"}}", "a".repeat(10_000));
    let zip = build_zip(&[("flows/big.json", big.as_bytes())]);
    let options = ReadOptions { max_entry_bytes: 1_000, ..ReadOptions::default() };
    let err = read_zip("bomb.zip", Cursor::new(zip), &options).expect_err("refused");
    assert_eq!(err.to_string(), "bomb.zip!flows/big.json is larger than max_entry_bytes=1000 bytes uncompressed");
}

#[test]
fn malformed_json_fails_or_is_skipped_as_a_rejected_data_set() {
    let zip =
        build_zip(&[("flows/ok.json", FLOW.as_bytes()), ("flows/bad.json", b"{\"@type\": \"Flow\",\n  \"@id\": }")]);
    let err = read_zip("bad.zip", Cursor::new(zip.clone()), &ReadOptions::default()).expect_err("fails");
    assert!(err.to_string().starts_with("bad.zip!flows/bad.json:2:"), "{err}");
    let skip = ReadOptions { on_invalid: OnInvalid::Skip, ..ReadOptions::default() };
    let out = read_zip("bad.zip", Cursor::new(zip), &skip).expect("skips");
    assert_eq!((out.n_rejected, out.dataset.flows.len()), (1, 1));
    let d = with_code(&out, "jsonld.malformed-json").next().expect("diagnostic");
    assert_eq!((d.severity, d.location.line), (Severity::Error, Some(2)));
}

#[test]
fn entity_without_id_is_rejected_and_missing_last_change_is_fine() {
    let out =
        read_bytes("x.json", br#"{"@type": "Process", "name": "no id"}"#, &ReadOptions::default()).expect("reads");
    assert_eq!(out.n_rejected, 1);
    assert_eq!(with_code(&out, "jsonld.missing-id").count(), 1);
    let out = read_bytes("f.json", FLOW.as_bytes(), &ReadOptions::default()).expect("reads");
    assert_eq!((out.n_rejected, out.dataset.flows.len()), (0, 1));
}

#[test]
fn wrong_types_and_deep_nesting_are_diagnostics_or_errors_not_panics() {
    let weird = br#"{"@type": "Process", "@id": 5, "exchanges": "x"}"#;
    let out = read_bytes("w.json", weird, &ReadOptions::default()).expect("reads");
    assert_eq!(out.n_rejected, 1);
    let weird =
        br#"{"@type": "Process", "@id": "p", "exchanges": [1, {"flow": 2}, {"flow": {"@id": "f"}, "amount": "x"}]}"#;
    let out = read_bytes("w.json", weird, &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.processes[0].exchanges.len(), 1);
    let deep = "[".repeat(100_000);
    assert!(read_bytes("deep.json", deep.as_bytes(), &ReadOptions::default()).is_err());
}
