//! Fuzz target: any bytes given to the EcoSpold2 zip and 7z readers give `Ok` or `Err`, never a panic.
#![no_main]

use ecoref_extract_ecospold2::{OnInvalid, ReadOptions, read_7z, read_zip};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_entries: 1_000,
        on_invalid: OnInvalid::Skip,
    };
    let _ = read_zip("fuzz.zip", Cursor::new(data), &options);
    let _ = read_7z("fuzz.7z", Cursor::new(data), &options);
});
