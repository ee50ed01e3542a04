//! `cargo xtask bench`: the full-pipeline benchmark of issue 5. Generates one ecoinvent-scale system (cached by
//! seed and size), then measures in one run ecoref's readers, `ecoref import` on SQLite and PostgreSQL, the raw
//! `psql \copy` of the same rows, and Brightway (bw2io import, bw2calc LCA and MultiLCA, scipy SuperLU) in a venv
//! this task creates; prints every figure with its ratio to the baseline and appends them to docs/benchmarks.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const DOC: &str = "docs/benchmarks.md";
const DOC_HEADING: &str = "## Full pipeline benchmark (issue 5)";
const DEFAULT_BASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const BENCH_DATABASE: &str = "ecoref_bench";

#[derive(Debug, Default)]
struct Options {
    size: usize,
    seed: u64,
    skip_brightway: bool,
    /// Brightway without its CSV importer (11–17 minutes of the run at 25,000 activities).
    skip_brightway_csv: bool,
    skip_postgres: bool,
    no_doc: bool,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options { size: 25_000, seed: 1, ..Options::default() };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--size" => options.size = iter.next().and_then(|v| v.parse().ok()).ok_or("--size needs a number")?,
            "--seed" => options.seed = iter.next().and_then(|v| v.parse().ok()).ok_or("--seed needs a number")?,
            "--skip-brightway" => options.skip_brightway = true,
            "--skip-brightway-csv" => options.skip_brightway_csv = true,
            "--skip-postgres" => options.skip_postgres = true,
            "--no-doc" => options.no_doc = true,
            other => {
                return Err(format!(
                    "bench: unknown argument {other:?} (--size N --seed S --skip-brightway --skip-brightway-csv \
                     --skip-postgres --no-doc)"
                ));
            }
        }
    }
    Ok(options)
}

/// One line of the result table.
#[derive(Debug)]
struct Row {
    step: String,
    ecoref: String,
    baseline_name: String,
    baseline: String,
    ratio: String,
}

fn row(step: &str, ecoref: Option<f64>, baseline_name: &str, baseline: Option<f64>) -> Row {
    let fmt = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |s| format!("{s:.2} s"));
    Row {
        step: step.to_owned(),
        ecoref: fmt(ecoref),
        baseline_name: baseline_name.to_owned(),
        baseline: fmt(baseline),
        ratio: match (ecoref, baseline) {
            (Some(e), Some(b)) if b > 0.0 => format!("{:.2}", e / b),
            _ => "–".to_owned(),
        },
    }
}

/// A row whose figures may be microseconds or minutes: each shown in the unit that reads best.
fn scaled_row(step: &str, ecoref: Option<f64>, baseline_name: &str, baseline: Option<f64>) -> Row {
    let fmt = |v: Option<f64>| match v {
        None => "–".to_owned(),
        Some(s) if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        Some(s) if s < 1.0 => format!("{:.2} ms", s * 1e3),
        Some(s) => format!("{s:.2} s"),
    };
    Row {
        step: step.to_owned(),
        ecoref: fmt(ecoref),
        baseline_name: baseline_name.to_owned(),
        baseline: fmt(baseline),
        ratio: match (ecoref, baseline) {
            (Some(e), Some(b)) if b > 0.0 => format!("{:.2e}", e / b),
            _ => "–".to_owned(),
        },
    }
}

pub(crate) fn output(command: &mut Command) -> Result<String, String> {
    output_accepting(command, &[0])
}

/// [`output`], accepting any of `codes` as the exit status (e.g. `release check`'s 1: "not publishable as is").
pub(crate) fn output_accepting(command: &mut Command, codes: &[i32]) -> Result<String, String> {
    eprintln!("xtask: running {command:?}");
    let out = command.output().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if !out.status.code().is_some_and(|code| codes.contains(&code)) {
        return Err(format!(
            "{command:?} failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().rev().take(15).collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn timed(command: &mut Command) -> Result<(f64, String), String> {
    let started = Instant::now();
    let out = output(command)?;
    Ok((started.elapsed().as_secs_f64(), out))
}

/// GNU time, which reports a child's peak resident set size (`wait4` rusage).
const GNU_TIME: &str = "/usr/bin/time";
const MAXRSS_PREFIX: &str = "ECOREF_BENCH_MAXRSS_KB=";

/// [`timed`], with the command's peak resident set size in MiB when GNU time is installed (`/usr/bin/time`).
fn timed_with_peak_memory(program: &Path, args: &[String]) -> Result<(f64, String, Option<f64>), String> {
    if !Path::new(GNU_TIME).is_file() {
        let (seconds, out) = timed(Command::new(program).args(args))?;
        return Ok((seconds, out, None));
    }
    let mut command = Command::new(GNU_TIME);
    command.arg("-f").arg(format!("{MAXRSS_PREFIX}%M")).arg(program).args(args);
    eprintln!("xtask: running {command:?}");
    let started = Instant::now();
    let out = command.output().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed with {}: {}",
            out.status,
            stderr.lines().rev().take(15).collect::<Vec<_>>().join("\n")
        ));
    }
    let peak_mib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix(MAXRSS_PREFIX))
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    Ok((seconds, String::from_utf8_lossy(&out.stdout).into_owned(), peak_mib))
}

/// The 1 GiB memory target of issue 3 for the ecoinvent-sized import.
const MEMORY_TARGET_MIB: f64 = 1024.0;

fn memory_row(step: &str, peak_mib: Option<f64>) -> Row {
    Row {
        step: step.to_owned(),
        ecoref: peak_mib.map_or_else(|| format!("not measured (no {GNU_TIME})"), |m| format!("{m:.0} MiB")),
        baseline_name: "target (issue 3)".to_owned(),
        baseline: format!("{MEMORY_TARGET_MIB:.0} MiB"),
        ratio: peak_mib.map_or_else(|| "–".to_owned(), |m| format!("{:.2}", m / MEMORY_TARGET_MIB)),
    }
}

/// `key=value` pairs of a line.
fn pairs(line: &str) -> BTreeMap<String, String> {
    line.split_whitespace().filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

fn number(map: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    map.get(key).and_then(|v| v.parse().ok())
}

fn machine() -> (String, String) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    (format!("{cpus} CPUs (nproc), {mem_gib:.1} GiB memory, {model}"), load_average())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn commit() -> String {
    let head = output(Command::new("git").args(["rev-parse", "--short", "HEAD"])).unwrap_or_default();
    let dirty = output(Command::new("git").args(["status", "--porcelain"])).is_ok_and(|s| !s.trim().is_empty());
    format!("{}{}", head.trim(), if dirty { " + uncommitted changes" } else { "" })
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    let options = parse_options(args)?;
    let command_line = format!("cargo xtask bench {}", args.join(" ")).trim().to_owned();
    let (machine, load_before) = machine();
    // The binaries are built from the tree as it is now: the heading names this commit, not the one at the end.
    let measured_commit = commit();
    let target = target_dir();
    let bench_dir = target.join("ecoref-bench");
    std::fs::create_dir_all(&bench_dir).map_err(|e| format!("cannot create {}: {e}", bench_dir.display()))?;

    crate::run(crate::cargo().args(["build", "--release", "-p", "ecoref-synth"]))?;
    let synth = target.join("release/ecoref-synth");
    let ecoref = target.join("release/ecoref");
    // the CLI is shared with parallel work: when it does not build right now, measure the last release binary
    let mut notes = Vec::new();
    if let Err(e) = crate::run(crate::cargo().args(["build", "--release", "-p", "ecoref-cli"])) {
        if !ecoref.is_file() {
            return Err(e);
        }
        eprintln!("xtask: ecoref-cli does not build ({e}); measuring the previous release binary");
        notes.push(format!(
            "ecoref-cli did not compile at this commit (work in progress in the tree); `ecoref` is the previous \
             release binary, built {}",
            output(Command::new("date").args(["-u", "-r"]).arg(&ecoref).arg("+%Y-%m-%d %H:%M UTC"))
                .unwrap_or_default()
                .trim()
        ));
    }

    // 1. the generated system, cached by seed and size
    let generator = output(Command::new(&synth).arg("version"))?.trim().to_owned();
    let data = bench_dir.join(format!("data-g{generator}-s{}-n{}", options.seed, options.size));
    let mut generate_seconds = None;
    if !data.join("manifest.txt").is_file() {
        let partial = bench_dir.join(format!("data-g{generator}-s{}-n{}.partial", options.seed, options.size));
        let _ = std::fs::remove_dir_all(&partial);
        let (seconds, out) =
            timed(Command::new(&synth).args(["generate", "--size", &options.size.to_string()]).args([
                "--seed",
                &options.seed.to_string(),
                "--out",
                &partial.display().to_string(),
            ]))?;
        print!("{out}");
        std::fs::rename(&partial, &data).map_err(|e| format!("cannot rename {}: {e}", partial.display()))?;
        generate_seconds = Some(seconds);
    } else {
        eprintln!("xtask: reusing the generated system in {}", data.display());
    }
    let manifest = std::fs::read_to_string(data.join("manifest.txt")).map_err(|e| format!("manifest: {e}"))?;
    let manifest: BTreeMap<String, String> =
        manifest.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let expected = |k: &str| manifest.get(k).cloned().unwrap_or_default();

    // 2. every reader alone (parse, and link where the reader links)
    let mut reads: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for (format, path) in [
        ("ecospold2", data.join("ecospold2")),
        ("ilcd", data.join("ilcd.zip")),
        ("simapro", data.join("simapro/processes.csv")),
        ("simapro-method", data.join("simapro/method.csv")),
        ("brightway", data.join("brightway/lci.csv")),
    ] {
        match output(Command::new(&synth).arg("read").arg(format).arg(&path)) {
            Ok(out) => {
                let line = out.lines().find(|l| l.starts_with("read ")).unwrap_or_default();
                println!("{line}");
                reads.push((format.to_owned(), pairs(line)));
            }
            Err(e) => {
                eprintln!("xtask: reader {format} failed: {e}");
                reads.push((format.to_owned(), BTreeMap::new()));
            }
        }
    }
    let read = |f: &str| reads.iter().find(|(n, _)| n == f).map(|(_, m)| m);

    // 3. ecoref import on SQLite and PostgreSQL
    let help = output(Command::new(&ecoref).args(["import", "--help"])).unwrap_or_default();
    let (import_format, import_path) = if help.contains("ecospold2") {
        ("ecospold2", data.join("ecospold2"))
    } else {
        ("ilcd", data.join("ilcd.zip"))
    };
    let sqlite_file = bench_dir.join("bench.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_file.display()));
    }
    let import = |url: &str| -> Result<(f64, String, Option<f64>), String> {
        let mut args: Vec<String> =
            ["--database-url", url, "--log-format", "json", "import", import_format].map(String::from).into();
        args.push(import_path.display().to_string());
        args.extend(["--source", "synth", "--force", "--json"].map(String::from));
        timed_with_peak_memory(&ecoref, &args)
    };
    let (sqlite_seconds, sqlite_report, sqlite_peak_mib) = import(&format!("sqlite://{}", sqlite_file.display()))?;
    println!("ecoref import {import_format} on SQLite: {sqlite_seconds:.2} s {}", sqlite_report.trim());

    // 3b. release, snapshot and scoring on that database
    let release = match crate::bench_release::release_figures(
        &ecoref,
        &format!("sqlite://{}", sqlite_file.display()),
        &data,
        &bench_dir,
    ) {
        Ok(figures) => {
            println!("release, snapshot and scoring: {figures:?}");
            figures
        }
        Err(e) => {
            eprintln!("xtask: the release steps failed: {e}");
            notes.push(format!("the release steps failed: {e}"));
            BTreeMap::new()
        }
    };
    let r = |k: &str| release.get(k).copied();

    let base_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned());
    let mut postgres_seconds = None;
    let mut postgres_peak_mib = None;
    let mut copy_seconds = None;
    let mut copy_rows = 0u64;
    if !options.skip_postgres {
        match crate::postgres_reachable(&base_url) {
            Err(why) => eprintln!("xtask: PostgreSQL not reachable ({why}): PostgreSQL rows skipped"),
            Ok(()) => {
                let admin = with_database(&base_url, "postgres");
                output(
                    Command::new("psql")
                        .args([&admin, "-q", "-v", "ON_ERROR_STOP=1", "-c"])
                        .arg(format!("DROP DATABASE IF EXISTS {BENCH_DATABASE}")),
                )?;
                output(
                    Command::new("psql")
                        .args([&admin, "-q", "-v", "ON_ERROR_STOP=1", "-c"])
                        .arg(format!("CREATE DATABASE {BENCH_DATABASE}")),
                )?;
                let url = with_database(&base_url, BENCH_DATABASE);
                let (seconds, report, peak_mib) = import(&url)?;
                println!("ecoref import {import_format} on PostgreSQL: {seconds:.2} s {}", report.trim());
                postgres_seconds = Some(seconds);
                postgres_peak_mib = peak_mib;

                // the loading baseline: psql \copy of the same rows into plain tables
                let copy_dir = data.join("copy");
                let ddl = "CREATE TABLE baseline_processes (ordinal bigint, id text, name text, location text, unit text); \
                    CREATE TABLE baseline_exchanges (process_ordinal bigint, ordinal bigint, flow_id text, kind text, \
                    amount float8, unit text, provider_id text, is_reference boolean, uncertainty json); \
                    CREATE TABLE baseline_flows (id text, name text, kind text, compartment text, unit text, cas text)";
                output(Command::new("psql").args([&url, "-q", "-v", "ON_ERROR_STOP=1", "-c", ddl]))?;
                let mut psql = Command::new("psql");
                psql.args([&url, "-q", "-v", "ON_ERROR_STOP=1"]);
                for table in ["processes", "exchanges", "flows"] {
                    psql.arg("-c").arg(format!(
                        "\\copy baseline_{table} FROM '{}' CSV",
                        copy_dir.join(format!("{table}.csv")).display()
                    ));
                    copy_rows += std::fs::read(copy_dir.join(format!("{table}.csv")))
                        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count() as u64);
                }
                let (seconds, _) = timed(&mut psql)?;
                println!("psql \\copy of {copy_rows} rows: {seconds:.2} s");
                copy_seconds = Some(seconds);
            }
        }
    }

    // 4. Brightway in its own venv
    let mut bw: BTreeMap<String, String> = BTreeMap::new();
    if !options.skip_brightway {
        let venv = bench_dir.join("venv");
        let python = venv.join("bin/python");
        let requirements = Path::new("benches/brightway/requirements.txt");
        let stamp = venv.join("ecoref-requirements.txt");
        let wanted = std::fs::read_to_string(requirements).map_err(|e| format!("{}: {e}", requirements.display()))?;
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            if !python.is_file() {
                crate::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
            }
            crate::run(Command::new(venv.join("bin/pip")).args(["install", "-q", "-r"]).arg(requirements))?;
            std::fs::write(&stamp, &wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
        }
        let projects = bench_dir.join("brightway-projects");
        std::fs::create_dir_all(&projects).map_err(|e| format!("cannot create {}: {e}", projects.display()))?;
        let mut script = Command::new(&python);
        script.arg("benches/brightway/bench.py").arg(&data).args(["--project", "ecoref-bench"]);
        if options.skip_brightway_csv {
            script.arg("--skip-csv");
        }
        let out = output(script.env("BRIGHTWAY2_DIR", &projects))?;
        for line in out.lines().filter_map(|l| l.strip_prefix("RESULT ")) {
            if let Some((k, v)) = line.split_once(' ') {
                println!("brightway {k} = {v}");
                bw.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    let b = |k: &str| bw.get(k).and_then(|v| v.parse::<f64>().ok());

    // 5. the table
    let solver = bw.get("bw_solver").map_or("?", String::as_str);
    let es2_read = read("ecospold2").and_then(|m| number(m, "seconds"));
    let mut rows = vec![
        row(
            "parse + link EcoSpold2 release (ecoref reader) vs bw2io extract + strategies",
            es2_read,
            "bw2io extract + strategies",
            match (b("bw_es2_extract_s"), b("bw_es2_strategies_s")) {
                (Some(x), Some(y)) => Some(x + y),
                _ => None,
            },
        ),
        row(
            &format!("ecoref import {import_format} → SQLite (parse, link, load) vs bw2io full import"),
            Some(sqlite_seconds),
            "bw2io SingleOutputEcospold2Importer (extract + strategies + write)",
            b("bw_es2_total_s"),
        ),
        row(
            &format!("ecoref import {import_format} → PostgreSQL (parse, link, load) vs bw2io full import"),
            postgres_seconds,
            "bw2io SingleOutputEcospold2Importer (extract + strategies + write)",
            b("bw_es2_total_s"),
        ),
        row(
            &format!("ecoref import {import_format} → PostgreSQL vs raw load"),
            postgres_seconds,
            &format!("psql \\copy of the same {copy_rows} rows"),
            copy_seconds,
        ),
        memory_row(&format!("peak memory of ecoref import {import_format} → SQLite (max RSS)"), sqlite_peak_mib),
        memory_row(&format!("peak memory of ecoref import {import_format} → PostgreSQL (max RSS)"), postgres_peak_mib),
        row("parse ILCD zip (ecoref reader)", read("ilcd").and_then(|m| number(m, "seconds")), "–", None),
        row(
            "parse SimaPro CSV processes (ecoref reader)",
            read("simapro").and_then(|m| number(m, "seconds")),
            "–",
            None,
        ),
        row(
            "parse SimaPro CSV method (ecoref reader)",
            read("simapro-method").and_then(|m| number(m, "seconds")),
            "–",
            None,
        ),
        row(
            "parse Brightway CSV (ecoref reader) vs bw2io CSVImporter extract + strategies",
            read("brightway").and_then(|m| number(m, "seconds")),
            "bw2io CSVImporter extract + strategies",
            b("bw_csv_extract_link_s"),
        ),
        scaled_row("release create + check + publish (link, map, validate, freeze)", r("release_s"), "–", None),
        scaled_row(
            "snapshot write (tables, system build, factorization, all-process impacts)",
            r("snapshot_s"),
            "–",
            None,
        ),
        scaled_row(
            "technosphere factorization (block-triangular LU)",
            r("seconds_factorize"),
            "scipy SuperLU splu (MMD_AT_PLUS_A)",
            b("superlu_factorize_s"),
        ),
        scaled_row(
            "all-process impact matrix (one transposed solve per indicator, factorized)",
            r("seconds_all_process_impacts"),
            "scipy SuperLU factorization + one adjoint solve per indicator",
            match (b("superlu_factorize_s"), b("superlu_solve_ms")) {
                (Some(f), Some(s)) => Some(f + expected("n_indicators").parse::<f64>().unwrap_or(25.0) * s / 1e3),
                _ => None,
            },
        ),
        scaled_row(
            "one product of 20 items (from the stored matrix)",
            r("score_20_items_us").map(|us| us / 1e6),
            &format!("bw2calc LCA, one product ({solver}; fastest of 3)"),
            b("bw_lca_s"),
        ),
        scaled_row(
            "one new demand once factorized (solve + contributions)",
            r("demand_with_contributions_ms").map(|ms| ms / 1e3),
            "scipy SuperLU solve",
            b("superlu_solve_ms").map(|ms| ms / 1e3),
        ),
        scaled_row(
            "100 demands × all indicators",
            r("demand_with_contributions_ms").map(|ms| ms * 100.0 / 1e3),
            &format!("bw2calc MultiLCA ({solver})"),
            b("bw_multilca_s"),
        ),
    ];
    if let Some(seconds) = generate_seconds {
        rows.insert(0, row("generate the system in every format (ecoref-synth)", Some(seconds), "–", None));
    }

    // counts: every reader and Brightway against the generator's manifest
    let mut counts = vec![format!(
        "| generator (manifest) | {} | {} | {} |",
        expected("n_activities"),
        expected("n_exchanges"),
        expected("n_elementary_flows")
    )];
    for (format, m) in &reads {
        counts.push(format!(
            "| ecoref reader `{format}` | {} | {} | {} flows (all kinds), {} CFs |",
            m.get("processes").map_or("–", String::as_str),
            m.get("exchanges").map_or("–", String::as_str),
            m.get("flows").map_or("–", String::as_str),
            m.get("characterization_factors").map_or("–", String::as_str),
        ));
    }
    if !bw.is_empty() {
        let g = |k: &str| bw.get(k).map_or("–", String::as_str).to_owned();
        counts.push(format!(
            "| bw2io EcoSpold2 import | {} | {} ({} unlinked) | {} |",
            g("bw_es2_activities"),
            g("bw_es2_exchanges"),
            g("bw_es2_unlinked"),
            g("bw_biosphere_flows")
        ));
        counts.push(format!(
            "| bw2io CSV import | {} | {} ({} unlinked) | – |",
            g("bw_csv_activities"),
            g("bw_csv_exchanges"),
            g("bw_csv_unlinked")
        ));
    }

    let load_after = load_average();
    let mut text = String::new();
    text.push_str(&format!(
        "\n### {} · {} · size {} (seed {})\n\n",
        output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default().trim(),
        measured_commit,
        options.size,
        options.seed
    ));
    text.push_str(&format!(
        "Command: `{command_line}` · machine: {machine} · load average (1/5/15 min) before {load_before}, after \
         {load_after} (the machine is shared: other builds ran alongside) · system `{}`: {} activities, {} \
         technosphere + {} biosphere exchanges, {} elementary flows, {} indicators with {} CFs · Brightway: bw2io {}.\n\n",
        expected("key"),
        expected("n_activities"),
        expected("n_technosphere"),
        expected("n_biosphere"),
        expected("n_elementary_flows"),
        expected("n_indicators"),
        expected("n_characterization_factors"),
        bw.get("bw2io_version").map_or("not run", String::as_str),
    ));
    for note in &notes {
        text.push_str(&format!("Note: {note}.\n\n"));
    }
    text.push_str("| step | ecoref | baseline | baseline time | ecoref / baseline |\n|---|---|---|---|---|\n");
    for r in &rows {
        text.push_str(&format!("| {} | {} | {} | {} | {} |\n", r.step, r.ecoref, r.baseline_name, r.baseline, r.ratio));
    }
    text.push_str("\nCounts (equal counts are the acceptance check):\n\n| reader | processes | exchanges | flows |\n|---|---|---|---|\n");
    for line in &counts {
        text.push_str(line);
        text.push('\n');
    }
    let throughput: Vec<String> = reads
        .iter()
        .filter_map(|(f, m)| Some(format!("{f} {} MB/s, {} entities/s", m.get("mb_per_s")?, m.get("entities_per_s")?)))
        .collect();
    text.push_str(&format!("\nReader throughput: {}.\n", throughput.join("; ")));
    if !release.is_empty() {
        let g = |k: &str| r(k).map_or_else(|| "–".to_owned(), |v| format!("{v}"));
        text.push_str(&format!(
            "Release detail: method import (ILCD zip, setup) {} s; {} unmapped elementary flows accepted; snapshot \
             write peak memory {} MiB (system build {} s, {} diagonal blocks, the largest {} activities); opening the \
             snapshot for scoring {} s; first contributions (factorization included) {} s.\n",
            g("method_import_s"),
            g("unmapped_flows"),
            g("snapshot_peak_mib"),
            g("seconds_build"),
            g("n_blocks"),
            g("largest_block"),
            g("open_s"),
            g("factorize_and_first_contributions_s"),
        ));
    }
    if let (Some(fact), Some(extract), Some(write)) = (b("bw_lca_first_s"), b("bw_es2_extract_s"), b("bw_es2_write_s"))
    {
        text.push_str(&format!(
            "Brightway detail: extract {extract:.1} s, write {write:.1} s, first LCA (with matrix build) {fact:.2} s, \
             technosphere {} × {} with {} entries.\n",
            bw.get("matrix_n").map_or("?", String::as_str),
            bw.get("matrix_n").map_or("?", String::as_str),
            bw.get("matrix_nnz").map_or("?", String::as_str)
        ));
    }
    println!("{text}");

    if !options.no_doc {
        let mut doc = std::fs::read_to_string(DOC).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
        if !doc.contains(DOC_HEADING) {
            doc.push_str(&format!(
                "\n{DOC_HEADING}\n\nProduced by `cargo xtask bench [--size N] [--seed S] [--skip-brightway]` (crates/xtask/src/bench.rs, \
                 benches/brightway/bench.py, generator crates/synth). Each run appends a section below.\n"
            ));
        }
        // append the run at the end of this section (before the next `## ` heading, if any)
        let start = doc.find(DOC_HEADING).unwrap_or(0) + DOC_HEADING.len();
        let end = doc[start..].find("\n## ").map_or(doc.len(), |i| start + i);
        doc.insert_str(end, &text);
        std::fs::write(DOC, doc).map_err(|e| format!("cannot write {DOC}: {e}"))?;
        eprintln!("xtask: appended the results to {DOC}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_in_urls() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/db?sslmode=off", "x"), "postgres://u@h/x?sslmode=off");
    }

    #[test]
    fn options_are_parsed_and_unknown_ones_refused() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let options = parse_options(&args(&["--size", "100", "--skip-brightway-csv", "--no-doc"])).unwrap();
        assert_eq!((options.size, options.seed), (100, 1));
        assert!(options.skip_brightway_csv && options.no_doc && !options.skip_brightway && !options.skip_postgres);
        assert!(parse_options(&args(&["--skip-csv"])).unwrap_err().contains("--skip-brightway-csv"));
        assert!(parse_options(&args(&["--size"])).is_err());
    }
}
