//! Fuzz target: any bytes given to the Ecobalyse processes reader give `Ok` or `Err`, never a panic.
#![no_main]

use ecoref_extract_ecobalyse::{ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_bytes: 1 << 20, ..ReadOptions::default() };
    let _ = read_bytes("fuzz.json", data, &options);
});
