//! Fuzz target: any bytes given as a pipeline file either parse into a validated pipeline or give an error that
//! names the problem, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = ecoref_pipeline::parse_pipeline(text, Path::new("/fuzz/pipelines/fuzz.toml"));
});
