//! Hostile and broken inputs: each is a clear error naming the file or entry, never a panic.

use crate::support::{TIANGONG_ZIP, build_zip, fixture};
use ecoref_extract_ilcd::{OnInvalid, ReadOptions, read_path, read_xml, read_zip};
use ecoref_model::Severity;
use std::io::Cursor;

const FLOW: &str = r#"<?xml version="1.0"?>
<flowDataSet xmlns="http://lca.jrc.it/ILCD/Flow" xmlns:common="http://lca.jrc.it/ILCD/Common">
  <flowInformation><dataSetInformation><common:UUID>11111111-2222-3333-4444-555555555555</common:UUID>
  <name><baseName>ok</baseName></name></dataSetInformation></flowInformation>
</flowDataSet>"#;

const MALFORMED: &str =
    "<?xml version=\"1.0\"?>\n<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\">\n  <a>\n    </b>\n</flowDataSet>\n";

#[test]
fn truncated_zip_names_the_file() {
    let bytes = std::fs::read(fixture(TIANGONG_ZIP)).expect("zip");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truncated.zip");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
    let err = read_path(&path, &ReadOptions::default()).expect_err("truncated zip fails");
    let message = err.to_string();
    assert!(message.contains("truncated.zip"), "{message}");
    assert!(message.starts_with("cannot read zip archive"), "{message}");
}

#[test]
fn zip_slip_entry_is_refused() {
    let zip = build_zip(&[("ILCD/flows/ok.xml", FLOW.as_bytes()), ("../evil.xml", FLOW.as_bytes())]);
    let err = read_zip("slip.zip", Cursor::new(zip), &ReadOptions::default()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "unsafe entry name in zip archive slip.zip: \"../evil.xml\" (absolute or contains `..`)"
    );
}

#[test]
fn zip_bomb_entry_above_max_entry_bytes() {
    let big = vec![b' '; 10 * 1024 * 1024];
    let zip = build_zip(&[("ILCD/flows/bomb.xml", &big)]);
    assert!(zip.len() < 100 * 1024, "compresses well: {}", zip.len());
    let options = ReadOptions { max_entry_bytes: 1024 * 1024, ..ReadOptions::default() };
    let err = read_zip("bomb.zip", Cursor::new(zip), &options).expect_err("too large");
    assert_eq!(
        err.to_string(),
        "bomb.zip!ILCD/flows/bomb.xml is larger than max_entry_bytes=1048576 bytes uncompressed"
    );
}

#[test]
fn many_entries_above_max_total_bytes() {
    let padded = format!("{FLOW}<!--{}-->", " ".repeat(64 * 1024));
    let names: Vec<String> = (0..40).map(|i| format!("ILCD/flows/{i:02}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), padded.as_bytes())).collect();
    let zip = build_zip(&entries);
    let options = ReadOptions { max_total_bytes: 1024 * 1024, ..ReadOptions::default() };
    let err = read_zip("many.zip", Cursor::new(zip), &options).expect_err("too much in total");
    let message = err.to_string();
    assert!(message.starts_with("many.zip holds more than max_total_bytes=1048576 bytes uncompressed"), "{message}");
    assert!(message.contains("many.zip!ILCD/flows/"), "{message}");

    let zip = build_zip(&entries[..3]);
    let options = ReadOptions { max_entries: 2, ..ReadOptions::default() };
    let err = read_zip("count.zip", Cursor::new(zip), &options).expect_err("too many entries");
    assert_eq!(err.to_string(), "count.zip holds 3 entries, more than max_entries=2");
}

#[test]
fn malformed_xml_names_entry_line_and_column() {
    let err = read_xml("bad.xml", MALFORMED.as_bytes(), &ReadOptions::default()).expect_err("malformed");
    let message = err.to_string();
    assert!(message.starts_with("bad.xml:4:5: malformed xml:"), "{message}");

    let zip = build_zip(&[("ILCD/flows/ok.xml", FLOW.as_bytes()), ("ILCD/flows/bad.xml", MALFORMED.as_bytes())]);
    let err = read_zip("pkg.zip", Cursor::new(zip.clone()), &ReadOptions::default()).expect_err("malformed");
    assert!(err.to_string().starts_with("pkg.zip!ILCD/flows/bad.xml:4:5: malformed xml:"), "{err}");

    let options = ReadOptions { on_invalid: OnInvalid::Skip, ..ReadOptions::default() };
    let out = read_zip("pkg.zip", Cursor::new(zip), &options).expect("skip goes on");
    assert_eq!(out.n_rejected, 1);
    assert_eq!(out.dataset.flows.len(), 1);
    let errors: Vec<_> = out.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "ilcd.malformed-xml");
    assert_eq!(errors[0].location.file.as_deref(), Some("pkg.zip!ILCD/flows/bad.xml"));
    assert_eq!((errors[0].location.line, errors[0].location.column), (Some(4), Some(5)));
}

#[test]
fn billion_laughs_is_refused_at_the_doctype() {
    let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    bomb.push_str(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..10 {
        let prev = format!("&lol{};", i - 1);
        bomb.push_str(&format!(" <!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    bomb.push_str("]>\n<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\">&lol9;</flowDataSet>\n");
    let err = read_xml("lolz.xml", bomb.as_bytes(), &ReadOptions::default()).expect_err("refused");
    assert_eq!(err.to_string(), "lolz.xml:2:1: document type declarations (dtd) are refused");
}

#[test]
fn external_entity_is_refused() {
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\">&x;</flowDataSet>";
    let err = read_xml("xxe.xml", xxe.as_bytes(), &ReadOptions::default()).expect_err("refused");
    assert_eq!(err.to_string(), "xxe.xml:2:1: document type declarations (dtd) are refused");
    // Without a DOCTYPE, an undeclared entity is an error, not an expansion.
    let bare = "<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\">&x;</flowDataSet>";
    let err = read_xml("bare.xml", bare.as_bytes(), &ReadOptions::default()).expect_err("refused");
    assert!(err.to_string().starts_with("bare.xml:1:50: malformed xml: unknown entity &x;"), "{err}");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bytes in [&b""[..], b"\x00\xff\xfe", b"<", b"<a", b"<a b='&#xFFFFFFFF;'/>", b"PK\x03\x04junk"] {
        let _ = read_xml("x.xml", bytes, &ReadOptions::default());
        let _ = read_zip("x.zip", Cursor::new(bytes.to_vec()), &ReadOptions::default());
    }
}

#[test]
fn data_set_without_uuid_is_rejected_with_an_error_diagnostic() {
    let doc = "<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\"><flowInformation/></flowDataSet>";
    let out = read_xml("nouuid.xml", doc.as_bytes(), &ReadOptions::default()).expect("reads");
    assert_eq!(out.n_rejected, 1);
    assert!(out.dataset.is_empty());
    assert_eq!(out.diagnostics[0].code, "ilcd.missing-uuid");
}
