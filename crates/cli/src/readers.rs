//! The registry of format readers: each `ecoref import <format>` subcommand is one variant of [`ImportFormat`]
//! and one small adapter from the reader crate's API to [`FormatReader`].

use crate::import::CommonArgs;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use ecoref_model::{DatasetContent, Diagnostic};
use std::path::Path;

/// What every reader produces, whatever its crate's own output type.
#[derive(Debug)]
pub(crate) struct Extracted {
    /// The dataset, whole or (large inputs) with packed processes; the store loads either.
    pub(crate) dataset: DatasetContent,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) n_rejected: u64,
}

/// Progress callback: entries done, entries in all, what is being read now.
pub(crate) type ProgressFn<'a> = dyn FnMut(u64, u64, &str) + 'a;

/// One configured reader, ready to run on a path (sync, called off the async runtime).
pub(crate) trait FormatReader: Send + std::fmt::Debug {
    fn name(&self) -> &'static str;
    fn version(&self) -> &'static str;
    /// Stable text of every option, part of the idempotency key.
    fn options(&self) -> String;
    fn read(&self, path: &Path, progress: &mut ProgressFn<'_>) -> Result<Extracted>;
    /// Files the reader reads besides `path` (hashed into the run's inputs, so a change in them is a change).
    fn extra_inputs(&self, _path: &Path) -> Vec<std::path::PathBuf> {
        Vec::new()
    }
}

/// Implements [`FormatReader`] for `$reader(ReadOptions)` over a reader crate with the common API
/// (`READER_NAME`, `READER_VERSION`, `ReadOptions::describe`, `read_path_with_progress`, `ReadOutput`).
macro_rules! reader_adapter {
    ($reader:ident, $krate:ident) => {
        reader_adapter!($reader, $krate, |_reader: &$reader, _path: &Path| Vec::new());
    };
    ($reader:ident, $krate:ident, $extra_inputs:expr) => {
        impl FormatReader for $reader {
            fn name(&self) -> &'static str {
                $krate::READER_NAME
            }

            fn version(&self) -> &'static str {
                $krate::READER_VERSION
            }

            fn options(&self) -> String {
                self.0.describe()
            }

            fn read(&self, path: &Path, progress: &mut ProgressFn<'_>) -> Result<Extracted> {
                let output = $krate::read_path_with_progress(path, &self.0, &mut |p| {
                    progress(p.entries_done, p.entries_total, p.current)
                })?;
                Ok(Extracted {
                    dataset: output.dataset.into(),
                    diagnostics: output.diagnostics,
                    n_rejected: output.n_rejected,
                })
            }

            fn extra_inputs(&self, path: &Path) -> Vec<std::path::PathBuf> {
                let extra: fn(&$reader, &Path) -> Vec<std::path::PathBuf> = $extra_inputs;
                extra(self, path)
            }
        }
    };
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportFormat {
    /// ILCD: a zip, a directory of data sets, or a single data set XML file.
    Ilcd(IlcdArgs),
    /// SimaPro CSV export: processes, methods (impact categories, damage categories, normalization-weighting).
    Simapro(SimaproArgs),
    /// Brightway: Excel/CSV LCI or LCIA tables, .bw2package, LCIA JSON (zip), or a bw2data project directory.
    Brightway(BrightwayArgs),
    /// EcoSpold2 (ecoinvent): a release (datasets/ + MasterData/) as a directory, .zip or .7z, or one .spold file.
    Ecospold2(Ecospold2Args),
    /// openLCA JSON-LD (schema v1 and v2): a zip or a directory.
    Jsonld(JsonldArgs),
    /// Ecobalyse processes JSON (processes.json / processes_impacts.json) with its impacts.json.
    Ecobalyse(EcobalyseArgs),
}

impl ImportFormat {
    /// The common arguments and the configured reader of this subcommand.
    pub(crate) fn into_parts(self) -> (CommonArgs, Box<dyn FormatReader>) {
        match self {
            ImportFormat::Ilcd(args) => (args.common.clone(), Box::new(IlcdReader::from(&args))),
            ImportFormat::Simapro(args) => (args.common.clone(), Box::new(SimaproReader::from(&args))),
            ImportFormat::Brightway(args) => {
                (args.common.clone(), Box::new(BrightwayReader(ecoref_extract_brightway::ReadOptions::default())))
            }
            ImportFormat::Ecospold2(args) => (args.common.clone(), Box::new(Ecospold2Reader::from(&args))),
            ImportFormat::Jsonld(args) => (args.common.clone(), Box::new(JsonldReader::from(&args))),
            ImportFormat::Ecobalyse(args) => (args.common.clone(), Box::new(EcobalyseReader::from(&args))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnInvalidArg {
    Fail,
    Skip,
}

/// The readers share one `OnInvalid` (from ecoref-extract-support, re-exported by each).
impl From<OnInvalidArg> for ecoref_extract_support::OnInvalid {
    fn from(arg: OnInvalidArg) -> Self {
        match arg {
            OnInvalidArg::Fail => ecoref_extract_support::OnInvalid::Fail,
            OnInvalidArg::Skip => ecoref_extract_support::OnInvalid::Skip,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct IlcdArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    /// What to do with a data set that cannot be parsed: fail the whole import, or skip it (exit code 1).
    #[arg(long, value_enum, default_value_t = OnInvalidArg::Fail)]
    pub(crate) on_invalid: OnInvalidArg,
    /// Largest uncompressed data set accepted, in MiB (zip-bomb guard).
    #[arg(long, default_value_t = 256)]
    pub(crate) max_entry_mib: u64,
}

#[derive(Debug)]
pub(crate) struct IlcdReader(ecoref_extract_ilcd::ReadOptions);

impl From<&IlcdArgs> for IlcdReader {
    fn from(args: &IlcdArgs) -> Self {
        use ecoref_extract_ilcd::ReadOptions;
        IlcdReader(ReadOptions {
            max_entry_bytes: args.max_entry_mib.saturating_mul(1024 * 1024),
            on_invalid: args.on_invalid.into(),
            ..ReadOptions::default()
        })
    }
}

reader_adapter!(IlcdReader, ecoref_extract_ilcd);

#[derive(Debug, Args)]
pub(crate) struct SimaproArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    /// Import waste scenarios as processes too (skipped by default, as Brightway does).
    #[arg(long)]
    pub(crate) include_waste_scenarios: bool,
}

#[derive(Debug)]
pub(crate) struct SimaproReader(ecoref_extract_simapro::ReadOptions);

impl From<&SimaproArgs> for SimaproReader {
    fn from(args: &SimaproArgs) -> Self {
        SimaproReader(ecoref_extract_simapro::ReadOptions {
            include_waste_scenarios: args.include_waste_scenarios,
            ..ecoref_extract_simapro::ReadOptions::default()
        })
    }
}

reader_adapter!(SimaproReader, ecoref_extract_simapro);

#[derive(Debug, Args)]
pub(crate) struct BrightwayArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug)]
pub(crate) struct BrightwayReader(ecoref_extract_brightway::ReadOptions);

reader_adapter!(BrightwayReader, ecoref_extract_brightway);

#[derive(Debug, Args)]
pub(crate) struct JsonldArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    /// What to do with a document that cannot be parsed: fail the whole import, or skip it (exit code 1).
    #[arg(long, value_enum, default_value_t = OnInvalidArg::Fail)]
    pub(crate) on_invalid: OnInvalidArg,
}

#[derive(Debug)]
pub(crate) struct JsonldReader(ecoref_extract_jsonld::ReadOptions);

impl From<&JsonldArgs> for JsonldReader {
    fn from(args: &JsonldArgs) -> Self {
        use ecoref_extract_jsonld::ReadOptions;
        JsonldReader(ReadOptions { on_invalid: args.on_invalid.into(), ..ReadOptions::default() })
    }
}

reader_adapter!(JsonldReader, ecoref_extract_jsonld);

#[derive(Debug, Args)]
pub(crate) struct EcobalyseArgs {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    /// The indicator definitions (normalization, weighting); default `impacts.json` next to the input.
    #[arg(long)]
    pub(crate) impacts: Option<std::path::PathBuf>,
}

#[derive(Debug)]
pub(crate) struct EcobalyseReader(ecoref_extract_ecobalyse::ReadOptions);

impl From<&EcobalyseArgs> for EcobalyseReader {
    fn from(args: &EcobalyseArgs) -> Self {
        EcobalyseReader(ecoref_extract_ecobalyse::ReadOptions {
            impacts_path: args.impacts.clone(),
            ..ecoref_extract_ecobalyse::ReadOptions::default()
        })
    }
}

reader_adapter!(EcobalyseReader, ecoref_extract_ecobalyse, |reader: &EcobalyseReader, path: &Path| {
    let impacts = match &reader.0.impacts_path {
        Some(impacts) => impacts.clone(),
        None => path.with_file_name("impacts.json"),
    };
    if impacts.is_file() { vec![impacts] } else { Vec::new() }
});

#[derive(Debug, Args)]
pub(crate) struct Ecospold2Args {
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    /// What to do with a data set that cannot be parsed: fail the whole import, or skip it (exit code 1).
    #[arg(long, value_enum, default_value_t = OnInvalidArg::Fail)]
    pub(crate) on_invalid: OnInvalidArg,
}

#[derive(Debug)]
pub(crate) struct Ecospold2Reader(ecoref_extract_ecospold2::ReadOptions);

impl From<&Ecospold2Args> for Ecospold2Reader {
    fn from(args: &Ecospold2Args) -> Self {
        use ecoref_extract_ecospold2::ReadOptions;
        Ecospold2Reader(ReadOptions { on_invalid: args.on_invalid.into(), ..ReadOptions::default() })
    }
}

/// EcoSpold2 keeps its processes packed (an ecoinvent release: 850,000 exchanges in a few hundred MB).
impl FormatReader for Ecospold2Reader {
    fn name(&self) -> &'static str {
        ecoref_extract_ecospold2::READER_NAME
    }

    fn version(&self) -> &'static str {
        ecoref_extract_ecospold2::READER_VERSION
    }

    fn options(&self) -> String {
        self.0.describe()
    }

    fn read(&self, path: &Path, progress: &mut ProgressFn<'_>) -> Result<Extracted> {
        let output = ecoref_extract_ecospold2::read_path_packed_with_progress(path, &self.0, &mut |p| {
            progress(p.entries_done, p.entries_total, p.current)
        })?;
        Ok(Extracted { dataset: output.dataset.into(), diagnostics: output.diagnostics, n_rejected: output.n_rejected })
    }
}
