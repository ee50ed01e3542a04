//! `ecoref`: import LCA datasets into the reference database, inspect runs, datasets and processes.
//!
//! Exit codes (for schedulers): 0 ok, 1 finished but some data sets were rejected, 2 error.

/// mimalloc instead of glibc's allocator: readers and row builders allocate and free many small values on
/// several threads, where glibc's malloc and free were 13 % of an EcoSpold2 import (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod demo;
mod import;
mod inspect;
mod link;
mod logging;
mod output;
mod pipeline;
mod readers;
mod release;
mod score;
mod serve;
mod snapshot;
mod token;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ecoref_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

/// The default embedded database, relative to the working directory.
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite://.ecoref/ecoref.sqlite";

#[derive(Debug, Parser)]
#[command(name = "ecoref", version, about = "LCA reference data: import, version, inspect")]
pub(crate) struct Cli {
    /// Database URL: postgres://… for a team server, sqlite://path for a file.
    #[arg(long, global = true, env = "ECOREF_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,

    /// Log format; `auto` is text on a terminal and JSON otherwise.
    #[arg(long, global = true, value_enum, default_value_t = logging::LogFormat::Auto)]
    log_format: logging::LogFormat,

    /// More logs (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import a dataset from files.
    #[command(subcommand)]
    Import(readers::ImportFormat),
    /// List import runs, newest first, or show one run with its diagnostics.
    Runs(RunsArgs),
    /// List dataset versions.
    Datasets(JsonFlag),
    /// Show an entity.
    #[command(subcommand)]
    Show(ShowEntity),
    /// Import the bundled ILCD sample into the database and print what it loaded.
    Demo(demo::DemoArgs),
    #[command(flatten)]
    Release(release::ReleaseCommand),
    #[command(flatten)]
    Link(link::LinkCommand),
    /// Write or verify release snapshots (Parquet + manifest.json).
    #[command(subcommand)]
    Snapshot(snapshot::SnapshotCommand),
    /// Declarative import pipelines (pipelines/<name>.toml): run, plan, list.
    #[command(subcommand)]
    Pipeline(pipeline::PipelineCommand),
    /// Score a product (a bill of items, JSON or TOML) on a release's snapshot.
    Score(score::ScoreArgs),
    /// Every process × every indicator of a release's snapshot, as CSV or Parquet.
    Impacts(score::ImpactsArgs),
    /// Serve the HTTP JSON API over the snapshots of a directory (listens on $PORT).
    Serve(serve::ServeArgs),
    /// API tokens for the detailed indicators of restricted sources: create, revoke, list.
    #[command(subcommand)]
    Token(token::TokenCommand),
}

#[derive(Debug, Args)]
struct RunsArgs {
    /// Show this run in full, with its inputs and diagnostics.
    #[arg(long)]
    id: Option<i64>,
    /// How many runs to list.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Subcommand)]
enum ShowEntity {
    /// A process with its exchanges (amount, unit, flow) and aggregated LCIA results.
    Process(inspect::ShowProcessArgs),
}

#[derive(Debug, Args, Clone, Copy)]
pub(crate) struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// What a command reports back to `main`, which turns it into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Outcome {
    Ok,
    Rejected,
}

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    let cli = Cli::parse();
    // A server logs its requests (info) unless told otherwise.
    let verbose = if matches!(cli.command, Command::Serve(_)) { cli.verbose.max(1) } else { cli.verbose };
    logging::init(cli.log_format, verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(1),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "Command failed.");
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

pub(crate) async fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Import(format) => {
            let store = connect(&cli.database_url).await?;
            let (common, reader) = format.into_parts();
            import::run_import(&store, &common, reader).await
        }
        Command::Runs(args) => {
            let store = connect(&cli.database_url).await?;
            match args.id {
                Some(id) => inspect::show_run(&store, id, args.json.json).await,
                None => inspect::list_runs(&store, args.limit, args.json.json).await,
            }
        }
        Command::Datasets(json) => {
            let store = connect(&cli.database_url).await?;
            inspect::list_datasets(&store, json).await
        }
        Command::Show(ShowEntity::Process(args)) => {
            let store = connect(&cli.database_url).await?;
            inspect::show_process(&store, &args).await
        }
        Command::Demo(args) => demo::run_demo(&cli.database_url, &args).await,
        Command::Release(command) => release::run(&connect(&cli.database_url).await?, command).await,
        Command::Link(command) => link::run(&connect(&cli.database_url).await?, command).await,
        Command::Snapshot(snapshot::SnapshotCommand::Write(args)) => {
            snapshot::write(&connect(&cli.database_url).await?, &args).await
        }
        Command::Snapshot(snapshot::SnapshotCommand::Verify(args)) => snapshot::verify(&args),
        Command::Pipeline(command) => pipeline::run(&cli.database_url, command).await,
        Command::Score(args) => score::score(&args, &cli.database_url).await,
        Command::Impacts(args) => score::impacts(&args, &cli.database_url).await,
        Command::Serve(args) => serve::run(&cli.database_url, &args).await,
        Command::Token(command) => token::run(&connect(&cli.database_url).await?, command).await,
    }
}

pub(crate) async fn connect(database_url: &str) -> Result<Store> {
    Store::connect(database_url)
        .await
        .with_context(|| format!("cannot open the database {}", output::redact_url(database_url)))
}

/// Resolves a path given on the command line, for messages.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}

/// `ecoref runs | head` closes stdout early; `println!` then panics with a broken pipe. That is not an error of
/// ours: leave quietly, as Unix tools do, instead of printing a panic.
fn exit_quietly_on_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
