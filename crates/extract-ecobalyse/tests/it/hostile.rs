//! Broken inputs: each is a clear error naming the file, or a diagnostic; never a panic.

use ecoref_extract_ecobalyse::{ReadOptions, read_bytes};
use ecoref_model::Severity;

#[test]
fn malformed_json_names_file_line_and_column() {
    let err = read_bytes("p.json", b"[{\"id\": \"a\",\n ]", &ReadOptions::default()).expect_err("fails");
    assert!(err.to_string().starts_with("p.json:2:"), "{err}");
}

#[test]
fn a_non_array_is_not_a_process_list() {
    let err = read_bytes("impacts.json", b"{\"acd\": {}}", &ReadOptions::default()).expect_err("fails");
    assert_eq!(err.to_string(), "impacts.json: not an Ecobalyse processes file (expected a JSON array of processes)");
}

#[test]
fn bad_elements_are_rejected_or_warned() {
    let text = br#"[1, {"displayName": "no id"}, {"id": "x", "impacts": {"ecs": "high", "cch": 1.5}},
        {"id": "y", "displayName": "ok", "unit": "kg", "impacts": {"ecs": 2}}]"#;
    let out = read_bytes("p.json", text, &ReadOptions::default()).expect("reads");
    assert_eq!((out.n_rejected, out.dataset.processes.len()), (2, 2));
    let codes: Vec<(&str, Severity)> = out.diagnostics.iter().map(|d| (d.code.as_str(), d.severity)).collect();
    for expected in [
        ("ecobalyse.not-an-object", Severity::Error),
        ("ecobalyse.missing-id", Severity::Error),
        ("ecobalyse.invalid-indicator", Severity::Warning),
        ("ecobalyse.missing-unit", Severity::Warning),
        ("ecobalyse.missing-name", Severity::Warning),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
}

#[test]
fn size_limit_and_deep_nesting_are_errors() {
    let options = ReadOptions { max_bytes: 10, ..ReadOptions::default() };
    assert_eq!(
        read_bytes("p.json", b"[1, 2, 3, 4, 5, 6]", &options).expect_err("too large").to_string(),
        "p.json is larger than max_bytes=10 bytes"
    );
    let deep = format!("[{}", "[".repeat(100_000));
    assert!(read_bytes("deep.json", deep.as_bytes(), &ReadOptions::default()).is_err());
}
