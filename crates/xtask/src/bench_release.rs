//! The release half of `cargo xtask bench`: on the SQLite database the import step filled, import the generated
//! LCIA method (from the ILCD zip), register it, create and publish a release, write its snapshot (which builds
//! the system, factorizes it and computes every process's impacts), then time scoring on that snapshot with the
//! `score_bench` example. Each figure comes back as `(key, value)` pairs for the bench table.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// What the release steps measured (seconds unless the key says otherwise).
pub(crate) type Figures = BTreeMap<String, f64>;

fn run_json(command: &mut Command) -> Result<(f64, serde_like::Value), String> {
    let started = Instant::now();
    let out = crate::bench::output(command)?;
    Ok((started.elapsed().as_secs_f64(), serde_like::parse(&out)))
}

/// Runs the release steps and returns their figures; `dataset` is the imported dataset version (`synth@N`).
pub(crate) fn release_figures(ecoref: &Path, url: &str, data: &Path, bench_dir: &Path) -> Result<Figures, String> {
    let mut figures = Figures::new();
    let ecoref_cmd = || {
        let mut c = Command::new(ecoref);
        c.args(["--database-url", url, "--log-format", "json"]);
        c
    };
    let dataset = latest_version(ecoref, url, "synth")?;

    // The LCIA method: the same indicators, from the ILCD zip (same flow UUIDs as the EcoSpold2 release).
    let started = Instant::now();
    crate::bench::output(ecoref_cmd().args(["import", "ilcd"]).arg(data.join("ilcd.zip")).args([
        "--source",
        "synth-method",
        "--json",
    ]))?;
    figures.insert("method_import_s".into(), started.elapsed().as_secs_f64());
    let method_dataset = latest_version(ecoref, url, "synth-method")?;
    crate::bench::output(ecoref_cmd().args(["method", "register", "synth-lcia@1", "--dataset", &method_dataset]))?;

    // Release: create, check (links, maps, validates), publish with the unmapped flows accepted.
    let name = format!("bench-{}", std::process::id());
    let started = Instant::now();
    crate::bench::output(ecoref_cmd().args([
        "release",
        "create",
        &name,
        "--dataset",
        &dataset,
        "--method",
        "synth-lcia@1",
    ]))?;
    // Exit status 1 means "not publishable as is": here, the generated flows the method does not characterize.
    let check = crate::bench::output_accepting(ecoref_cmd().args(["release", "check", &name, "--json"]), &[0, 1])?;
    let unmapped = serde_like::parse(&check).strings("unmapped_flows");
    let accept = bench_dir.join("accept-unmapped.txt");
    std::fs::write(&accept, unmapped.join("\n")).map_err(|e| format!("{}: {e}", accept.display()))?;
    crate::bench::output(ecoref_cmd().args(["release", "publish", &name, "--accept-unmapped-file"]).arg(&accept))?;
    figures.insert("release_s".into(), started.elapsed().as_secs_f64());
    figures.insert("unmapped_flows".into(), unmapped.len() as f64);

    // Snapshot: tables + system + factorization + all-process impacts, under /usr/bin/time for the peak memory.
    let snapshots = bench_dir.join("snapshots");
    let _ = std::fs::remove_dir_all(&snapshots);
    let mut snapshot = Command::new("/usr/bin/time");
    snapshot.args(["-f", "MAXRSS_KB %M"]).arg(ecoref).args(["--database-url", url, "--log-format", "json"]);
    snapshot.args(["snapshot", "write", &name, "--out"]).arg(&snapshots).arg("--json");
    let started = Instant::now();
    let out = snapshot.output().map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    figures.insert("snapshot_s".into(), started.elapsed().as_secs_f64());
    if !out.status.success() {
        return Err(format!("snapshot write failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Some(kb) =
        stderr.lines().find_map(|l| l.strip_prefix("MAXRSS_KB ")).and_then(|v| v.trim().parse::<f64>().ok())
    {
        figures.insert("snapshot_peak_mib".into(), kb / 1024.0);
    }
    let written = serde_like::parse(&String::from_utf8_lossy(&out.stdout));
    for key in ["seconds_build", "seconds_factorize", "seconds_all_process_impacts", "n_blocks", "largest_block"] {
        if let Some(v) = written.number(&["impacts", key]) {
            figures.insert(key.into(), v);
        }
    }

    // Scoring on the snapshot (release build of the example).
    crate::run(crate::cargo().args(["build", "--release", "-p", "ecoref-score", "--example", "score_bench"]))?;
    let example = crate::bench::target_dir().join("release/examples/score_bench");
    let (_, scores) = run_json(Command::new(example).arg(snapshots.join(&name)).arg("20000"))?;
    for key in ["open_s", "score_20_items_us", "factorize_and_first_contributions_s", "demand_with_contributions_ms"] {
        if let Some(v) = scores.number(&[key]) {
            figures.insert(key.into(), v);
        }
    }
    Ok(figures)
}

/// `source@N` of the newest version of `source`.
fn latest_version(ecoref: &Path, url: &str, source: &str) -> Result<String, String> {
    let out = crate::bench::output(Command::new(ecoref).args(["--database-url", url, "datasets", "--json"]))?;
    let needle = format!("\"source_name\": \"{source}\"");
    let mut best: Option<u64> = None;
    for piece in out.split(&needle).skip(1) {
        if let Some(n) = serde_like::parse(piece).number(&["version_number"]) {
            best = best.max(Some(n as u64));
        }
    }
    best.map(|n| format!("{source}@{n}")).ok_or_else(|| format!("no dataset version of {source}"))
}

/// Just enough JSON reading for the figures (xtask has no dependencies): numbers and string arrays by key.
mod serde_like {
    #[derive(Debug, Clone)]
    pub(crate) struct Value(String);

    pub(crate) fn parse(text: &str) -> Value {
        Value(text.to_owned())
    }

    impl Value {
        /// The number after the last key of `path`, searched in order (each key after the previous one).
        pub(crate) fn number(&self, path: &[&str]) -> Option<f64> {
            let mut rest = self.0.as_str();
            for key in path {
                let at = rest.find(&format!("\"{key}\""))?;
                rest = &rest[at + key.len() + 2..];
            }
            let rest = rest.trim_start().strip_prefix(':')?.trim_start();
            let end = rest.find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c))).unwrap_or(rest.len());
            rest[..end].parse().ok()
        }

        /// The strings of the array under `key`.
        pub(crate) fn strings(&self, key: &str) -> Vec<String> {
            let Some(at) = self.0.find(&format!("\"{key}\"")) else { return Vec::new() };
            let rest = &self.0[at..];
            let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else { return Vec::new() };
            rest[open + 1..close]
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        }
    }
}
