//! Fuzz target: any bytes given to the EcoSpold2 document reader give `Ok` or `Err`, never a panic.
#![no_main]

use ecoref_extract_ecospold2::{OnInvalid, ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_entry_bytes: 1 << 20, ..ReadOptions::default() };
    let _ = read_bytes("fuzz.spold", data, &options);
    let skip = ReadOptions { on_invalid: OnInvalid::Skip, ..options };
    let _ = read_bytes("fuzz.spold", data, &skip);
});
