//! Fuzz target: any bytes given to the openLCA JSON-LD reader (a zip, or a single entity document) give `Ok` or
//! `Err`, never a panic.
#![no_main]

use ecoref_extract_jsonld::{OnInvalid, ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options =
        ReadOptions { max_entry_bytes: 1 << 20, max_total_bytes: 4 << 20, max_entries: 1_000, on_invalid: OnInvalid::Skip };
    let _ = read_bytes("fuzz.zip", data, &options);
    let fail = ReadOptions { on_invalid: OnInvalid::Fail, ..options };
    let _ = read_bytes("fuzz.json", data, &fail);
});
