//! `ecoref demo`: import the bundled ILCD sample (TianGong subset) and print what was loaded; then the whole
//! release path on Ecobalyse's published processes: import, method, release, publish, snapshot, score a bill.

use crate::import::{CommonArgs, run_import};
use crate::inspect::{ShowProcessArgs, list_datasets, show_process};
use crate::output::{print_table, redact_url};
use crate::readers::{IlcdArgs, IlcdReader, OnInvalidArg};
use crate::{JsonFlag, Outcome};
use anyhow::{Result, bail};
use clap::Args;
use std::path::PathBuf;

const SAMPLE: &str = "tests/fixtures/ilcd/tiangong_subset/tiangong_subset_ILCD.zip";
const ECOBALYSE: &str = "tests/fixtures/ecobalyse/processes.json";
const COUNTRIES: &str = "tests/fixtures/ecobalyse/countries.json";
const BILL: &str = "docs/examples/tshirt.toml";
const DEMO_RELEASE: &str = "ecobalyse-demo";
const DEMO_SNAPSHOTS: &str = ".ecoref/snapshots";

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The ILCD input; default the bundled TianGong sample.
    #[arg(long)]
    path: Option<PathBuf>,
}

/// A file of the repository, from the working directory or from the source tree.
fn repo_file(relative: &str) -> Option<PathBuf> {
    let candidates =
        [PathBuf::from(relative), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(relative)];
    candidates.into_iter().find(|p| p.is_file())
}

fn sample_path() -> Option<PathBuf> {
    repo_file(SAMPLE)
}

/// Runs one `ecoref` command line through the same parser and dispatch as the binary.
async fn ecoref(database_url: &str, args: &[&str]) -> Result<Outcome> {
    let mut argv = vec!["ecoref", "--database-url", database_url];
    argv.extend_from_slice(args);
    println!("\n$ ecoref {}", args.join(" "));
    let cli = <crate::Cli as clap::Parser>::try_parse_from(argv)?;
    Box::pin(crate::run(cli)).await
}

/// Import → method → release → publish → snapshot → score, on Ecobalyse's 1,145 published processes.
async fn release_and_score(database_url: &str) -> Result<()> {
    let (Some(processes), Some(countries), Some(bill)) = (repo_file(ECOBALYSE), repo_file(COUNTRIES), repo_file(BILL))
    else {
        bail!("the bundled Ecobalyse files are not here: run the demo from the repository root");
    };
    let path = |p: &PathBuf| p.display().to_string();
    ecoref(database_url, &["import", "ecobalyse", &path(&processes), "--source", "ecobalyse"]).await?;
    ecoref(database_url, &["method", "register", "ecobalyse@2025", "--dataset", "ecobalyse@1"]).await?;
    let store = crate::connect(database_url).await?;
    if store.read_release(DEMO_RELEASE).await?.is_none() {
        ecoref(
            database_url,
            &["release", "create", DEMO_RELEASE, "--dataset", "ecobalyse@1", "--method", "ecobalyse@2025"],
        )
        .await?;
        ecoref(database_url, &["release", "publish", DEMO_RELEASE]).await?;
    }
    ecoref(database_url, &["snapshot", "write", DEMO_RELEASE, "--out", DEMO_SNAPSHOTS]).await?;
    ecoref(
        database_url,
        &[
            "score",
            "--release",
            DEMO_RELEASE,
            "--snapshots",
            DEMO_SNAPSHOTS,
            &path(&bill),
            "--countries",
            &path(&countries),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn run_demo(database_url: &str, args: &DemoArgs) -> Result<Outcome> {
    let Some(path) = args.path.clone().or_else(sample_path) else {
        bail!("the bundled sample {SAMPLE} is not here: run the demo from the repository root or pass --path");
    };
    println!("ecoref demo: importing {} into {}\n", path.display(), redact_url(database_url));
    let store = crate::connect(database_url).await?;
    let import = IlcdArgs {
        common: CommonArgs {
            path,
            source: "tiangong-sample".into(),
            force: false,
            json: false,
            licence_class: crate::import::LicenceClass::Open,
        },
        on_invalid: OnInvalidArg::Fail,
        max_entry_mib: 256,
    };
    let outcome = run_import(&store, &import.common, Box::new(IlcdReader::from(&import))).await?;

    println!("\ndataset versions in the database:");
    list_datasets(&store, JsonFlag { json: false }).await?;

    let versions = store.list_dataset_versions().await?;
    let Some(version) =
        versions.iter().filter(|v| v.source_name == import.common.source).max_by_key(|v| v.version_number)
    else {
        bail!("the demo import produced no dataset version");
    };
    let dataset = store.load_dataset(version.id).await?;
    println!("\nprocesses in {}@{}:", version.source_name, version.version_number);
    let rows: Vec<Vec<String>> = dataset
        .processes
        .iter()
        .map(|p| {
            vec![
                p.id.id.chars().take(8).collect(),
                p.location.clone().unwrap_or_default(),
                p.process_type.clone().unwrap_or_default(),
                p.exchanges.len().to_string(),
                p.reference_exchanges().count().to_string(),
                p.name.chars().take(70).collect(),
            ]
        })
        .collect();
    print_table(&["id", "location", "type", "exchanges", "ref. flows", "name"], &rows);

    // The smallest process with a reference flow shows the resolved units without a wall of text.
    if let Some(process) = dataset
        .processes
        .iter()
        .filter(|p| p.reference_exchanges().count() > 0)
        .min_by_key(|p| (p.exchanges.len(), p.id.id.clone()))
    {
        println!();
        let show = ShowProcessArgs {
            id: process.id.id.clone(),
            dataset: Some(format!("{}@{}", version.source_name, version.version_number)),
            json: false,
        };
        show_process(&store, &show).await?;
    }
    println!("\n--- a release, its snapshot and a product score ---");
    release_and_score(database_url).await?;
    println!(
        "\nnext: ecoref runs · ecoref datasets · ecoref releases · ecoref impacts --release {DEMO_RELEASE} \
         --snapshots {DEMO_SNAPSHOTS} · docs/scoring.md"
    );
    Ok(outcome)
}
