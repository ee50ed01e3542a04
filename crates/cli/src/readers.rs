//! The registry of format readers: each `ecoref import <format>` subcommand is one variant of [`ImportFormat`]
//! and one small adapter from the reader crate's API to [`FormatReader`].

use crate::import::CommonArgs;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use ecoref_model::{Dataset, Diagnostic};
use std::path::Path;

/// What every reader produces, whatever its crate's own output type.
#[derive(Debug)]
pub(crate) struct Extracted {
    pub(crate) dataset: Dataset,
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
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportFormat {
    /// ILCD: a zip, a directory of data sets, or a single data set XML file.
    Ilcd(IlcdArgs),
    /// SimaPro CSV export: processes, methods (impact categories, damage categories, normalization-weighting).
    Simapro(SimaproArgs),
}

impl ImportFormat {
    /// The common arguments and the configured reader of this subcommand.
    pub(crate) fn into_parts(self) -> (CommonArgs, Box<dyn FormatReader>) {
        match self {
            ImportFormat::Ilcd(args) => (args.common.clone(), Box::new(IlcdReader::from(&args))),
            ImportFormat::Simapro(args) => (args.common.clone(), Box::new(SimaproReader::from(&args))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnInvalidArg {
    Fail,
    Skip,
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
        use ecoref_extract_ilcd::{OnInvalid, ReadOptions};
        IlcdReader(ReadOptions {
            max_entry_bytes: args.max_entry_mib.saturating_mul(1024 * 1024),
            on_invalid: match args.on_invalid {
                OnInvalidArg::Fail => OnInvalid::Fail,
                OnInvalidArg::Skip => OnInvalid::Skip,
            },
            ..ReadOptions::default()
        })
    }
}

impl FormatReader for IlcdReader {
    fn name(&self) -> &'static str {
        ecoref_extract_ilcd::READER_NAME
    }

    fn version(&self) -> &'static str {
        ecoref_extract_ilcd::READER_VERSION
    }

    fn options(&self) -> String {
        self.0.describe()
    }

    fn read(&self, path: &Path, progress: &mut ProgressFn<'_>) -> Result<Extracted> {
        let output = ecoref_extract_ilcd::read_path_with_progress(path, &self.0, &mut |p| {
            progress(p.entries_done, p.entries_total, p.current)
        })?;
        Ok(Extracted { dataset: output.dataset, diagnostics: output.diagnostics, n_rejected: output.n_rejected })
    }
}

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

impl FormatReader for SimaproReader {
    fn name(&self) -> &'static str {
        ecoref_extract_simapro::READER_NAME
    }

    fn version(&self) -> &'static str {
        ecoref_extract_simapro::READER_VERSION
    }

    fn options(&self) -> String {
        self.0.describe()
    }

    fn read(&self, path: &Path, progress: &mut ProgressFn<'_>) -> Result<Extracted> {
        let output = ecoref_extract_simapro::read_path_with_progress(path, &self.0, &mut |p| {
            progress(p.entries_done, p.entries_total, p.current)
        })?;
        Ok(Extracted { dataset: output.dataset, diagnostics: output.diagnostics, n_rejected: output.n_rejected })
    }
}
