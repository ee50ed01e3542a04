//! Fuzz target: any bytes given as a product bill (JSON, or TOML when the input starts with `#`) either fail to
//! parse or score against the committed Ecobalyse snapshot with a result or an error, never a panic. This is what
//! `POST /releases/{r}/score` does with a request body.
#![no_main]

use ecoref_score::{BillFormat, Countries, LoadedRelease, Product};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn release() -> &'static LoadedRelease {
    static RELEASE: OnceLock<LoadedRelease> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let countries = Countries::from_path(&root.join("tests/fixtures/ecobalyse/countries.json")).expect("countries");
        LoadedRelease::open(&root.join("snapshots/ecobalyse-public-2025")).expect("snapshot").with_countries(countries)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let format = if text.starts_with('#') { BillFormat::Toml } else { BillFormat::Json };
    if let Ok(product) = Product::parse(text, format) {
        if product.n_items() <= 1000 && product.depth() <= 16 {
            let _ = release().score(&product);
        }
    }
});
