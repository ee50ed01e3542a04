//! Hostile and broken inputs: malformed XML, DTDs, bombs, unsafe archive entries, limits, missing ids.

use crate::support::{build_zip, with_code};
use ecoref_extract_ecospold2::{Error, OnInvalid, ReadOptions, read_bytes, read_zip};
use ecoref_model::Severity;
use std::io::Cursor;

const MINIMAL: &str = r#"<ecoSpold xmlns="http://www.EcoInvent.org/EcoSpold02"><activityDataset><activityDescription>
<activity id="A"><activityName>a &amp; b</activityName></activity></activityDescription><flowData>
<intermediateExchange id="x" intermediateExchangeId="P" amount="1" unitId="u"><name>p</name><unitName>kg</unitName><outputGroup>0</outputGroup></intermediateExchange>
</flowData></activityDataset></ecoSpold>"#;

#[test]
fn malformed_xml_fails_or_is_skipped_with_a_position() {
    let broken = b"<ecoSpold xmlns=\"http://www.EcoInvent.org/EcoSpold02\">\n  <activityDataset>\n</ecoSpold>";
    let err = read_bytes("bad.spold", broken, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::MalformedXml { .. }), "{err}");
    assert!(err.to_string().starts_with("bad.spold:"), "{err}");
    let skip = ReadOptions { on_invalid: OnInvalid::Skip, ..ReadOptions::default() };
    let out = read_bytes("bad.spold", broken, &skip).expect("skips");
    assert_eq!(out.n_rejected, 1);
    let d = with_code(&out, "ecospold2.malformed-xml");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Error);
    assert!(d[0].location.line.is_some());
}

#[test]
fn dtd_and_entity_bombs_are_refused() {
    let bomb = b"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<ecoSpold>&lol2;</ecoSpold>";
    let err = read_bytes("bomb.spold", bomb, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Dtd { line: 2, .. }), "{err}");
    let entity = b"<ecoSpold>&ext;</ecoSpold>";
    assert!(read_bytes("e.spold", entity, &ReadOptions::default()).is_err());
}

#[test]
fn unsafe_zip_entries_and_limits_are_errors() {
    let zip = build_zip(&[("../evil.spold", MINIMAL.as_bytes())]);
    let err = read_zip("evil.zip", Cursor::new(zip), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::UnsafeEntryName { .. }), "{err}");
    let zip = build_zip(&[("datasets/a.spold", MINIMAL.as_bytes())]);
    let small = ReadOptions { max_entry_bytes: 100, ..ReadOptions::default() };
    let err = read_zip("big.zip", Cursor::new(zip.clone()), &small).unwrap_err();
    assert!(matches!(err, Error::EntryTooLarge { .. }), "{err}");
    let few = ReadOptions { max_entries: 0, ..ReadOptions::default() };
    assert!(matches!(read_zip("many.zip", Cursor::new(zip), &few), Err(Error::TooManyEntries { .. })));
    assert!(matches!(
        read_zip("junk.zip", Cursor::new(b"PK junk".to_vec()), &ReadOptions::default()),
        Err(Error::Zip { .. })
    ));
}

#[test]
fn entities_are_unescaped_and_ids_kept() {
    let out = read_bytes("m.spold", MINIMAL.as_bytes(), &ReadOptions::default()).expect("reads");
    let process = &out.dataset.processes[0];
    assert_eq!(process.name, "a & b");
    assert_eq!(process.id.id, "A_P");
    assert_eq!(out.dataset.flows[0].name, "p");
}

#[test]
fn data_sets_without_activity_id_and_unknown_documents_are_rejected() {
    let no_id = MINIMAL.replace("<activity id=\"A\">", "<activity>");
    let out = read_bytes("n.spold", no_id.as_bytes(), &ReadOptions::default()).expect("reads");
    assert_eq!((out.n_rejected, out.dataset.processes.len()), (1, 0));
    assert_eq!(with_code(&out, "ecospold2.missing-activity-id").len(), 1);
    let other = read_bytes("o.xml", b"<html/>", &ReadOptions::default()).expect("reads");
    assert_eq!(other.n_rejected, 1);
    assert_eq!(with_code(&other, "ecospold2.unknown-document").len(), 1);
    let empty_root =
        read_bytes("e.spold", b"<ecoSpold xmlns=\"http://www.EcoInvent.org/EcoSpold02\"/>", &ReadOptions::default())
            .expect("reads");
    assert_eq!(with_code(&empty_root, "ecospold2.no-data-set").len(), 1);
}

#[test]
fn bad_numbers_are_warnings_not_failures() {
    let bad = MINIMAL.replace("amount=\"1\"", "amount=\"1,5\"");
    let out = read_bytes("b.spold", bad.as_bytes(), &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.processes[0].exchanges[0].amount, None);
    assert_eq!(with_code(&out, "ecospold2.invalid-number").len(), 1);
    let nan = MINIMAL.replace("amount=\"1\"", "amount=\"NaN\"");
    let out = read_bytes("b.spold", nan.as_bytes(), &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.processes[0].exchanges[0].amount, None);
}

/// Documents are parsed on other threads while the next ones are read: a malformed document read early is still
/// the error when reading fails later (here the total size limit, 150 documents on), and under `Skip` every other
/// document is kept, in order.
#[test]
fn an_early_malformed_document_is_the_error_when_a_later_read_fails() {
    let docs: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            let name = format!("datasets/{i:03}.spold");
            let bytes = if i == 0 {
                b"<ecoSpold><activityDataset></ecoSpold>".to_vec()
            } else {
                MINIMAL.replace(r#"activity id="A""#, &format!(r#"activity id="A{i:03}""#)).into_bytes()
            };
            (name, bytes)
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = docs.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let zip = build_zip(&entries);
    let budget = docs.iter().take(150).map(|(_, b)| b.len() as u64).sum();
    let small = ReadOptions { max_total_bytes: budget, ..ReadOptions::default() };
    let err = read_zip("many.zip", Cursor::new(zip.clone()), &small).unwrap_err();
    assert!(matches!(err, Error::MalformedXml { .. }), "{err}");
    assert!(err.to_string().contains("datasets/000.spold"), "{err}");

    let skip = ReadOptions { on_invalid: OnInvalid::Skip, ..ReadOptions::default() };
    let out = read_zip("many.zip", Cursor::new(zip), &skip).expect("skips the malformed document");
    assert_eq!(out.n_rejected, 1);
    let ids: Vec<&str> = out.dataset.processes.iter().map(|p| p.id.id.as_str()).collect();
    let expected: Vec<String> = (1..300).map(|i| format!("A{i:03}_P")).collect();
    assert_eq!(ids, expected);
}

/// Of two malformed documents, the error is the first in input order, whichever thread parses it and whenever:
/// here the first is large (slow to parse) and the second small, 160 documents later.
#[test]
fn the_first_malformed_document_in_input_order_is_the_error() {
    let slow = format!("<ecoSpold>{}<activityDataset></ecoSpold>", "<x a=\"1\"/>".repeat(200_000));
    let docs: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            let bytes = match i {
                40 => slow.clone().into_bytes(),
                200 => b"<ecoSpold><activityDataset></ecoSpold>".to_vec(),
                _ => MINIMAL.replace(r#"activity id="A""#, &format!(r#"activity id="A{i:03}""#)).into_bytes(),
            };
            (format!("datasets/{i:03}.spold"), bytes)
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = docs.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let zip = build_zip(&entries);
    for _ in 0..3 {
        let err = read_zip("two.zip", Cursor::new(zip.clone()), &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("datasets/040.spold"), "{err}");
    }
}
