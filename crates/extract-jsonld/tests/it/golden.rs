//! Golden canonical dumps of real packages, compared exactly (regenerate with `UPDATE_EXPECT=1`).

use crate::support::{BEEF_ZIP, IPCC_ZIP, V2_DIR, check_golden, dump, fixture};
use ecoref_extract_jsonld::{ReadOptions, read_path};

fn golden(rel: &str, name: &str) {
    let output = read_path(&fixture(rel), &ReadOptions::default()).expect("fixture reads");
    let root = fixture("").display().to_string();
    check_golden(name, &dump(&output).replace(&root, "<fixtures>/"));
}

#[test]
fn beef_cattle_finishing_golden() {
    golden(BEEF_ZIP, "beef_cattle_finishing.txt");
}

#[test]
fn ipcc_method_golden() {
    golden(IPCC_ZIP, "ipcc_method.txt");
}

#[test]
fn schema_v2_examples_golden() {
    golden(V2_DIR, "olca_schema_examples.txt");
}
