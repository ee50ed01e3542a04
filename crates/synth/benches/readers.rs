//! divan micro-benchmarks of every ecoref reader on one generated system (and of the generator itself):
//! `cargo bench -p ecoref-synth --bench readers`. Size with `SYNTH_BENCH_SIZE` (default 1,000 activities).
//! The solver has its own: `cargo bench -p ecoref-compute --bench compute`.

use ecoref_synth::{Format, Params, System, generate, write_format};
use std::path::PathBuf;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

fn size() -> usize {
    std::env::var("SYNTH_BENCH_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000)
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn system() -> &'static System {
    static SYSTEM: OnceLock<System> = OnceLock::new();
    SYSTEM.get_or_init(|| generate(&Params::with_size(size(), 1)))
}

fn fixture() -> &'static PathBuf {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    &FIXTURE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            for format in Format::ALL {
                write_format(system(), format, dir.path()).expect("generated files");
            }
            let root = dir.path().to_path_buf();
            Fixture { _dir: dir, root }
        })
        .root
}

#[divan::bench(sample_count = 10)]
fn generate_system() -> System {
    generate(&Params::with_size(size(), 1))
}

#[divan::bench(sample_count = 10)]
fn write_ecospold2_dataset(bencher: divan::Bencher) {
    let system = system();
    bencher.bench(|| ecoref_synth::ecospold2_dataset_text(system, system.activities.len() / 2));
}

#[divan::bench(sample_count = 10)]
fn read_ecospold2_release(bencher: divan::Bencher) {
    let path = Format::Ecospold2.path_in(fixture());
    bencher.bench(|| ecoref_extract_ecospold2::read_path(&path, &Default::default()).map(|o| o.dataset.counts()));
}

#[divan::bench(sample_count = 10)]
fn read_ilcd_zip(bencher: divan::Bencher) {
    let path = Format::Ilcd.path_in(fixture());
    bencher.bench(|| ecoref_extract_ilcd::read_path(&path, &Default::default()).map(|o| o.dataset.counts()));
}

#[divan::bench(sample_count = 10)]
fn read_simapro_csv(bencher: divan::Bencher) {
    let path = Format::Simapro.path_in(fixture()).join("processes.csv");
    bencher.bench(|| ecoref_extract_simapro::read_path(&path, &Default::default()).map(|o| o.dataset.counts()));
}

#[divan::bench(sample_count = 10)]
fn read_brightway_csv(bencher: divan::Bencher) {
    let path = Format::Brightway.path_in(fixture()).join("lci.csv");
    bencher.bench(|| ecoref_extract_brightway::read_path(&path, &Default::default()).map(|o| o.dataset.counts()));
}
