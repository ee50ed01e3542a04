//! Golden canonical dump of the 8 processes with detailed indicators (regenerate with `UPDATE_EXPECT=1`).

use crate::support::{EXPECTED_8, check_golden, dump, fixture};
use ecoref_extract_ecobalyse::{ReadOptions, read_path};

#[test]
fn processes_impacts_8_golden() {
    let output = read_path(&fixture(EXPECTED_8), &ReadOptions::default()).expect("reads");
    let root = fixture("").display().to_string();
    check_golden("processes_impacts_8.txt", &dump(&output).replace(&root, "<fixtures>/"));
}
