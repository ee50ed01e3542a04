//! Golden tests: the canonical dump of a few real inputs, compared exactly with files under tests/golden.

use crate::support::{check_golden, dump, fixture};
use ecoref_extract_ecospold2::{ReadOptions, read_path};

fn golden(rel: &str, name: &str) {
    let output = read_path(&fixture(rel), &ReadOptions::default()).expect("fixture reads");
    check_golden(name, &dump(&output));
}

#[test]
fn pyecospold_v2_2() {
    golden("pyecospold_ecoinvent/v2_2.spold", "pyecospold_v2_2.txt");
}

#[test]
fn fake_db_release() {
    golden("ecospold2matrix_fake_db", "fake_db.txt");
}

#[test]
fn volca_xml_edge() {
    golden("volca_synthetic_edge/xml-edge-uuid_xml-test-product-uuid.spold", "volca_xml_edge.txt");
}

#[test]
fn volca_unknown_units() {
    golden("volca_synthetic_edge/unknown-units-uuid_standard-product-uuid.spold", "volca_unknown_units.txt");
}
