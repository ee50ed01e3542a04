//! Hand-built bad inputs: never a panic, bad data as diagnostics, unreadable containers as errors.

use ecoref_extract_brightway::{Error, ReadOptions, read_bytes};
use ecoref_model::Severity;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn activity_without_name_and_bad_amounts_are_diagnostics() {
    let csv = b"Database,db\n\nActivity,\ncode,x\n\nActivity,ok\ncode,y\nExchanges\nname,amount,type\nok,abc,production\nz,1,weird\n";
    let out = read_bytes("bad.csv", csv, &opts()).expect("reads");
    assert_eq!(out.dataset.processes.len(), 1);
    let codes: Vec<&str> = out.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"brightway.invalid-amount"), "{codes:?}");
    assert!(codes.contains(&"brightway.unknown-exchange-type"), "{codes:?}");
    let d = out.diagnostics.iter().find(|d| d.code == "brightway.invalid-amount").expect("diagnostic");
    assert_eq!(d.location.file.as_deref(), Some("bad.csv"));
    assert_eq!(d.location.entity.as_deref(), Some("db/y"));
    assert!(d.location.element.as_deref().is_some_and(|e| e.contains("row 10")), "{:?}", d.location);
}

#[test]
fn duplicate_sections_reject_the_activity() {
    let csv = b"Database,db\nActivity,a\nExchanges\nname,amount\nExchanges\nname,amount\n";
    let out = read_bytes("dup.csv", csv, &opts()).expect("reads");
    assert_eq!(out.n_rejected, 1);
    assert!(out.diagnostics.iter().any(|d| d.severity == Severity::Error && d.code == "brightway.duplicate-section"));
}

#[test]
fn garbage_containers_are_errors_not_panics() {
    assert!(matches!(read_bytes("x.bw2package", b"BZh9garbage", &opts()), Err(Error::Bzip2 { .. })));
    assert!(matches!(read_bytes("x.json", b"[{", &opts()), Err(Error::Json { .. })));
    assert!(read_bytes("x.xlsx", b"PK\x03\x04nonsense", &opts()).is_err());
    assert!(read_bytes("x.zip", b"PK\x05\x06", &opts()).is_err());
}

#[test]
fn json_of_wrong_shapes_is_diagnosed() {
    let json = br#"[1, {"foo": 2}, {"name": ["m"], "exchanges": [{"amount": "x"}, [1], {"name": "a", "amount": 2}]}]"#;
    let out = read_bytes("x.json", json, &opts()).expect("reads");
    assert_eq!(out.dataset.lcia_methods.len(), 1);
    assert_eq!(out.dataset.lcia_methods[0].factors.len(), 1);
    assert_eq!(out.n_rejected, 2);
}

#[test]
fn bzip2_bombs_hit_the_limit() {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    std::io::Write::write_all(&mut encoder, &vec![b' '; 1 << 20]).expect("compress");
    let bytes = encoder.finish().expect("finish");
    let small = ReadOptions { max_uncompressed_bytes: 1000, ..ReadOptions::default() };
    assert!(matches!(read_bytes("bomb.bw2package", &bytes, &small), Err(Error::TooLarge { .. })));
}

#[test]
fn invalid_utf8_csv_is_read_lossily() {
    let out = read_bytes("x.csv", b"Database,d\xff\nActivity,a\xfe\n", &opts()).expect("reads");
    assert_eq!(out.dataset.processes.len(), 1);
}
