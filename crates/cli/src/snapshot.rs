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
    let (dir, manifest) = ecoref_snapshot::write_snapshot(&data, &args.out)
        .with_context(|| format!("cannot write the snapshot of {} under {}", args.release, args.out.display()))?;
    if args.json.json {
        let value = serde_json::json!({ "dir": dir.display().to_string(), "manifest": manifest });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("snapshot of {} written to {}", manifest.release.name, dir.display());
        for file in &manifest.files {
            println!("  {:<32} {:>9} rows  {}", file.name, file.rows, file.sha256);
        }
    }
    Ok(Outcome::Ok)
}
