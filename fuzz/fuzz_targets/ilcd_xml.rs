//! Fuzz target: any bytes given to the ILCD document reader give `Ok` or `Err`, never a panic.
#![no_main]

use ecoref_extract_ilcd::{OnInvalid, ReadOptions, read_xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_entry_bytes: 1 << 20, ..ReadOptions::default() };
    let _ = read_xml("fuzz.xml", data, &options);
    let skip = ReadOptions { on_invalid: OnInvalid::Skip, ..options };
    let _ = read_xml("fuzz.xml", data, &skip);
});
