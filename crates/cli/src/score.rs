//! `ecoref score --release <r> <bill>` and `ecoref impacts --release <r>`: computing from a snapshot, with no
//! database needed (a tag is resolved through the database only when no snapshot has that name).

use crate::Outcome;
use crate::output::print_table;
use anyhow::{Context, Result, bail};
use clap::Args;
use ecoref_score::{Countries, LoadedRelease, Product};
use std::path::{Path, PathBuf};

/// Where a release's snapshot is found.
#[derive(Debug, Args, Clone)]
pub(crate) struct ReleaseArgs {
    /// A release (or tag) name, looked up as `<snapshots>/<name>/`, or a snapshot directory.
    #[arg(long)]
    release: String,
    /// The directory holding snapshots.
    #[arg(long, default_value = "snapshots")]
    snapshots: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    #[command(flatten)]
    release: ReleaseArgs,
    /// The product: a bill of items as a .json or .toml file.
    bill: PathBuf,
    /// Country table for electricity and heat substitution (Ecobalyse countries.json, or a JSON/TOML table
    /// `{ FR = { electricity = "<id>", heat = "<id>" } }`).
    #[arg(long)]
    countries: Option<PathBuf>,
    /// Print the whole result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ImpactsArgs {
    #[command(flatten)]
    release: ReleaseArgs,
    /// Output file: `.csv` or `.parquet`; default CSV on standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The snapshot directory of `--release`: a directory given directly, `<snapshots>/<name>`, or the release a
/// tag of that name points to (through the database).
async fn snapshot_dir(args: &ReleaseArgs, database_url: &str) -> Result<PathBuf> {
    let direct = PathBuf::from(&args.release);
    if direct.join(ecoref_snapshot::MANIFEST_FILE).is_file() {
        return Ok(direct);
    }
    let named = args.snapshots.join(&args.release);
    if named.join(ecoref_snapshot::MANIFEST_FILE).is_file() {
        return Ok(named);
    }
    if let Ok(store) = crate::connect(database_url).await
        && let Ok(tags) = store.list_tags().await
        && let Some(tag) = tags.iter().find(|t| t.tag == args.release)
    {
        let tagged = args.snapshots.join(&tag.release);
        if tagged.join(ecoref_snapshot::MANIFEST_FILE).is_file() {
            return Ok(tagged);
        }
        bail!(
            "tag {} points to release {}, which has no snapshot under {} (run: ecoref snapshot write {})",
            args.release,
            tag.release,
            args.snapshots.display(),
            tag.release
        );
    }
    bail!(
        "no snapshot of {} under {} (run: ecoref snapshot write {} --out {})",
        args.release,
        args.snapshots.display(),
        args.release,
        args.snapshots.display()
    )
}

fn open(dir: &Path) -> Result<LoadedRelease> {
    LoadedRelease::open(dir).with_context(|| format!("cannot load the snapshot {}", dir.display()))
}

pub(crate) async fn score(args: &ScoreArgs, database_url: &str) -> Result<Outcome> {
    let dir = snapshot_dir(&args.release, database_url).await?;
    let product = Product::from_path(&args.bill)?;
    let mut release = open(&dir)?;
    if let Some(path) = &args.countries {
        release = release.with_countries(Countries::from_path(path)?);
    }
    let result = release.score(&product).with_context(|| format!("cannot score {}", args.bill.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(Outcome::Ok);
    }
    println!(
        "{} on release {} (snapshot manifest {})",
        result.product.as_deref().unwrap_or("product"),
        result.release,
        &result.manifest_sha256
    );
    for score in &result.single_scores {
        println!("{:>16}  {}", format_value(score.value), score.name);
    }
    println!();
    let rows: Vec<Vec<String>> = result
        .indicators
        .iter()
        .map(|i| vec![i.id.clone(), format_value(i.value), i.unit.clone().unwrap_or_default(), i.name.clone()])
        .collect();
    print_table(&["indicator", "value", "unit", "name"], &rows);
    println!();
    let rows: Vec<Vec<String>> = result
        .contributions
        .iter()
        .map(|c| {
            vec![
                c.path.clone(),
                format_value(c.amount),
                c.unit.clone().unwrap_or_default(),
                c.single_scores.first().map(|v| format_value(*v)).unwrap_or_default(),
                format!("{}{}", c.process_name, c.location.as_ref().map(|l| format!(" [{l}]")).unwrap_or_default()),
            ]
        })
        .collect();
    let first = result.single_scores.first().map_or("score", |s| s.name.as_str());
    print_table(&["item", "amount", "unit", first, "process"], &rows);
    println!("\nresult hash {}", result.result_hash);
    Ok(Outcome::Ok)
}

fn format_value(value: f64) -> String {
    format!("{value:.6e}")
}

pub(crate) async fn impacts(args: &ImpactsArgs, database_url: &str) -> Result<Outcome> {
    let dir = snapshot_dir(&args.release, database_url).await?;
    let release = open(&dir)?;
    // Every result names its release and snapshot and hashes its numbers: Parquet carries them as file metadata,
    // a CSV file in a `<file>.provenance.json` beside it, and stderr always says them.
    let result_sha256 = ecoref_score::impacts_export_hash(&release);
    let provenance = [
        ("ecoref.release", release.name()),
        ("ecoref.snapshot_manifest_sha256", release.manifest_sha256()),
        ("ecoref.result_sha256", result_sha256.as_str()),
        ("ecoref.result_sha256_of", ecoref_score::IMPACTS_EXPORT_HASH_OF),
    ];
    let shape = format!("{} processes × {} indicators", release.processes().len(), release.indicators().len());
    match &args.out {
        Some(path) if path.extension().and_then(|e| e.to_str()) == Some("parquet") => {
            let name = path.display().to_string();
            let batch = ecoref_score::impacts_wide_batch(&release)?;
            let bytes = ecoref_snapshot::encode_parquet(&name, &batch, &provenance)?;
            std::fs::write(path, bytes).with_context(|| format!("cannot write {name}"))?;
            eprintln!("{shape} written to {name}");
        }
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write_csv(&mut out, &release)?;
            let sidecar = provenance_path(path);
            let mut json: serde_json::Map<String, serde_json::Value> =
                provenance.iter().map(|(k, v)| (k.trim_start_matches("ecoref.").to_owned(), (*v).into())).collect();
            json.insert("file".to_owned(), path.display().to_string().into());
            let text = serde_json::to_string_pretty(&json)? + "\n";
            std::fs::write(&sidecar, text).with_context(|| format!("cannot write {}", sidecar.display()))?;
            eprintln!("{shape} written to {} (provenance in {})", path.display(), sidecar.display());
        }
        None => {
            if let Err(error) = write_csv(&mut std::io::stdout().lock(), &release) {
                // `ecoref impacts | head` closes the pipe early: not an error of ours.
                let broken_pipe =
                    error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
                if !broken_pipe {
                    return Err(error);
                }
            }
        }
    }
    eprintln!(
        "release {} · snapshot manifest sha256 {} · result sha256 {result_sha256}",
        release.name(),
        release.manifest_sha256()
    );
    Ok(Outcome::Ok)
}

/// `<file>.provenance.json` beside an exported file.
fn provenance_path(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".provenance.json");
    path.with_file_name(name)
}

/// CSV with a header; values in shortest round-trip form so they read back bit-exactly.
fn write_csv(out: &mut impl std::io::Write, release: &LoadedRelease) -> Result<()> {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
    };
    let mut header =
        vec!["process_id", "dataset", "name", "location", "unit"].into_iter().map(str::to_owned).collect::<Vec<_>>();
    header.extend(release.indicators().iter().map(|i| i.id.clone()));
    header.extend(release.weighting_sets().iter().map(|s| format!("score:{s}")));
    writeln!(out, "{}", header.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","))?;
    for (j, p) in release.processes().iter().enumerate() {
        let mut row = vec![
            quote(&p.id),
            quote(&p.dataset),
            quote(&p.name),
            quote(p.location.as_deref().unwrap_or("")),
            quote(p.unit.as_deref().unwrap_or("")),
        ];
        row.extend(release.process_impacts(j).iter().map(|v| format!("{v:?}")));
        row.extend(release.process_single_scores(j).iter().map(|(_, v)| format!("{v:?}")));
        writeln!(out, "{}", row.join(","))?;
    }
    out.flush()?;
    Ok(())
}
