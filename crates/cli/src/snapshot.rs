//! Snapshot commands: `snapshot write <release>` (Parquet tables + manifest of a published release) and
//! `snapshot verify <dir>` (every sha256 and row count against the manifest).

use crate::{JsonFlag, Outcome};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ecoref_store::Store;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum SnapshotCommand {
    /// Write a published release as `<out>/<release>/`: one Parquet file per table and manifest.json.
    Write(WriteArgs),
    /// Check every file of a snapshot against its manifest.json (sha256 and row count).
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct WriteArgs {
    /// The published release.
    release: String,
    /// The directory that receives `<release>/`.
    #[arg(long, default_value = "snapshots")]
    out: PathBuf,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A snapshot directory (the one holding manifest.json).
    dir: PathBuf,
    #[command(flatten)]
    json: JsonFlag,
}

/// `snapshot verify` needs no database, so it is run before connecting.
pub(crate) fn verify(args: &VerifyArgs) -> Result<Outcome> {
    let verified = ecoref_snapshot::verify_snapshot(&args.dir)
        .with_context(|| format!("snapshot {} is not valid", args.dir.display()))?;
    if args.json.json {
        let value = serde_json::json!({
            "dir": args.dir.display().to_string(),
            "release": verified.manifest.release.name,
            "manifest_sha256": verified.manifest_sha256,
            "files": verified.manifest.files,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!(
            "snapshot {} of release {}: ok ({} files verified, manifest sha256 {})",
            args.dir.display(),
            verified.manifest.release.name,
            verified.manifest.files.len(),
            verified.manifest_sha256
        );
    }
    Ok(Outcome::Ok)
}

pub(crate) async fn write(store: &Store, args: &WriteArgs) -> Result<Outcome> {
    let data = ecoref_snapshot::collect_release(store, &args.release)
        .await
        .with_context(|| format!("cannot snapshot release {}", args.release))?;
    // Built once; the release's data is dropped here, before the system is factorized.
    let mut data =
        data.into_tables().with_context(|| format!("cannot build the tables of release {}", args.release))?;
    let impacts = ecoref_score::add_process_impacts(&mut data)
        .with_context(|| format!("cannot compute the process impacts of release {}", args.release))?;
    let (dir, manifest) = ecoref_snapshot::write_snapshot(&data, &args.out)
        .with_context(|| format!("cannot write the snapshot of {} under {}", args.release, args.out.display()))?;
    if args.json.json {
        let value = serde_json::json!({ "dir": dir.display().to_string(), "manifest": manifest, "impacts": impacts });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("snapshot of {} written to {}", manifest.release.name, dir.display());
        for file in &manifest.files {
            println!("  {:<32} {:>9} rows  {}", file.name, file.rows, file.sha256);
        }
        match &impacts {
            Some(report) => {
                println!(
                    "process impacts: {} processes × {} indicators (build {:.3} s, factorize {:.3} s, all-process \
                     impacts {:.3} s; {} blocks, largest {}); matrix sha256 {}",
                    report.n_activities,
                    manifest.method.as_ref().map_or(0, |m| m.n_indicators),
                    report.seconds_build,
                    report.seconds_factorize,
                    report.seconds_all_process_impacts,
                    report.n_blocks,
                    report.largest_block,
                    report.matrix_hash
                );
                let b = &report.build;
                for (what, list) in [
                    ("processes without a reference product", &b.no_reference),
                    ("multi-output processes (first product only; allocate before release)", &b.multi_output),
                    ("exchanges whose unit does not convert (left out)", &b.unit_mismatches),
                    ("links to providers outside the release (left out)", &b.dangling_links),
                    ("weighting categories matching no indicator", &b.unresolved_weighting_categories),
                ] {
                    if !list.is_empty() {
                        let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
                        println!(
                            "  warning: {} {what}: {}{}",
                            list.len(),
                            shown.join(", "),
                            if list.len() > 5 { ", …" } else { "" }
                        );
                    }
                }
            }
            None => println!("process impacts: not computed (the release has no method)"),
        }
    }
    Ok(Outcome::Ok)
}
