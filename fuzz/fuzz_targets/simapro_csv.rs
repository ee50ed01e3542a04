//! Fuzz target: any bytes given to the SimaPro CSV reader give `Ok` or `Err`, never a panic.
#![no_main]

use ecoref_extract_simapro::{ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_line_bytes: 1 << 16, include_waste_scenarios: true };
    let _ = read_bytes("fuzz.csv", data, &options);
});
