//! Fuzz target: any bytes given to the Brightway reader as a workbook (or zip of JSON) give `Ok` or `Err`,
//! never a panic.
#![no_main]

use ecoref_extract_brightway::{ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_file_bytes: 1 << 20, max_uncompressed_bytes: 1 << 22 };
    let _ = read_bytes("fuzz.xlsx", data, &options);
    let _ = read_bytes("fuzz.zip", data, &options);
});
