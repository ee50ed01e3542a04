//! Synthetic ecoinvent-scale LCA systems, deterministic by seed, written in the real interchange formats
//! (EcoSpold2 release, ILCD zip, SimaPro CSV, Brightway CSV) plus plain CSV rows for the `psql \copy` baseline,
//! so every reader and the whole pipeline can be measured on data of the real size and shape.
//!
//! The system is built once in memory ([`generate`]), then each writer streams it out with plain `write!` into
//! buffers (no DOM). Shape: one reference product per activity; one market per product (electricity has one per
//! large geography) fed by the product's producers and by transport; producers buy electricity, transport and
//! a skewed choice of other markets, which makes one strongly connected component of most activities, as in
//! ecoinvent; the electricity and transport markets are hubs used by thousands of activities. Technosphere
//! inputs of every activity sum to 0.2–0.8 for a production of 1, so the technosphere matrix is column-wise
//! diagonally dominant and always solves.

mod brightway;
mod copy;
mod ecospold2;
mod ilcd;
mod rng;
mod simapro;
mod system;
mod text;

pub use brightway::database_name as brightway_database_name;
pub use copy::TABLES as COPY_TABLES;
pub use rng::{Rng, Uid};
pub use system::{
    Activity, ActivityKind, BiosphereExchange, ElementaryFlow, Geography, Indicator, Lognormal, MIN_ACTIVITIES, Params,
    Product, Sizes, System, TechnosphereInput, Unit, generate,
};

use std::path::{Path, PathBuf};

/// Version of the generator's output: bumped whenever the same parameters give different files (benchmark
/// caches are keyed by it).
pub const GENERATOR_VERSION: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write the zip {}: {source}", path.display())]
    Zip { path: PathBuf, source: zip::result::ZipError },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An output format of the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `ecospold2/datasets/*.spold` + `ecospold2/MasterData/*.xml`.
    Ecospold2,
    /// `ilcd.zip`.
    Ilcd,
    /// `simapro/processes.csv` + `simapro/method.csv`.
    Simapro,
    /// `brightway/lci.csv` + `brightway/lcia/*.csv`.
    Brightway,
    /// `copy/{processes,exchanges,flows}.csv`, the `psql \copy` baseline input.
    Copy,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Ecospold2, Format::Ilcd, Format::Simapro, Format::Brightway, Format::Copy];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ecospold2 => "ecospold2",
            Format::Ilcd => "ilcd",
            Format::Simapro => "simapro",
            Format::Brightway => "brightway",
            Format::Copy => "copy",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Format::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Where the format's files go under an output directory (what a reader is pointed at).
    pub fn path_in(self, dir: &Path) -> PathBuf {
        match self {
            Format::Ecospold2 => dir.join("ecospold2"),
            Format::Ilcd => dir.join("ilcd.zip"),
            Format::Simapro => dir.join("simapro"),
            Format::Brightway => dir.join("brightway"),
            Format::Copy => dir.join("copy"),
        }
    }
}

/// Writes `system` in `format` under `dir` (see [`Format::path_in`]).
pub fn write_format(system: &System, format: Format, dir: &Path) -> Result<()> {
    let path = format.path_in(dir);
    match format {
        Format::Ecospold2 => ecospold2::write_release(system, &path),
        Format::Ilcd => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
            ilcd::write_zip(system, &path)
        }
        Format::Simapro => simapro::write_files(system, &path),
        Format::Brightway => brightway::write_files(system, &path),
        Format::Copy => copy::write_files(system, &path),
    }
}

/// Writes `dir/manifest.txt`: the parameters and the sizes every reader should find, one `key=value` a line.
pub fn write_manifest(system: &System, dir: &Path) -> Result<()> {
    let s = system.sizes();
    let p = &system.params;
    let text = format!(
        "generator_version={}\nkey={}\nseed={}\nn_activities={}\nn_production={}\nn_technosphere={}\nn_biosphere={}\nn_exchanges={}\n\
         n_elementary_flows={}\nn_products={}\nn_indicators={}\nn_characterization_factors={}\nbrightway_database={}\n",
        GENERATOR_VERSION,
        p.key(),
        p.seed,
        s.n_activities,
        s.n_production,
        s.n_technosphere,
        s.n_biosphere,
        s.n_exchanges(),
        s.n_elementary_flows,
        s.n_products,
        s.n_indicators,
        s.n_characterization_factors,
        brightway_database_name(system),
    );
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    write_file(&dir.join("manifest.txt"), text.as_bytes())
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// One data set of the EcoSpold2 release as text (for micro-benchmarks and tests).
pub fn ecospold2_dataset_text(system: &System, activity_idx: usize) -> String {
    let mut out = String::new();
    ecospold2::write_dataset(system, activity_idx, &mut out);
    out
}
