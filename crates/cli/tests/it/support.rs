//! Test support: fresh databases, running the built binary, building hostile inputs, counting rows.

use ecoref_store::Store;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const TIANGONG: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ilcd/tiangong_subset/tiangong_subset_ILCD.zip");

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A fresh database for one test: an SQLite file in a temporary directory, or the PostgreSQL database that
/// `#[sqlx::test]` created.
pub(crate) struct Db {
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub(crate) fn sqlite() -> Db {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("ecoref.sqlite").display());
        Db { url, _dir: Some(dir) }
    }

    pub(crate) fn postgres(pool: &sqlx::PgPool) -> Db {
        let options = pool.connect_options();
        let database = options.get_database().expect("sqlx::test names its database");
        let url =
            format!("postgres://{}@{}:{}/{}", options.get_username(), options.get_host(), options.get_port(), database);
        Db { url, _dir: None }
    }
}

#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn ecoref(db: &Db, args: &[&str]) -> Output {
    ecoref_with_env(db, args, &[])
}

pub(crate) fn ecoref_with_env(db: &Db, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    run_in(dir.path(), db, args, env)
}

/// Runs the built binary in `cwd`, against `db`, with stdin closed and stdout/stderr captured (so not a
/// terminal: logs are JSON).
pub(crate) fn run_in(cwd: &Path, db: &Db, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecoref"));
    command.current_dir(cwd).arg("--database-url").arg(&db.url).args(args).stdin(Stdio::null());
    command.env_remove("ECOREF_DATABASE_URL").env_remove("ECOREF_FAULT").env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run ecoref");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Starts an import that pauses inside its load transaction, waits until it says so, and kills it (SIGKILL).
pub(crate) fn kill_during_load(db: &Db, input: &str, source: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecoref"))
        .arg("--database-url")
        .arg(&db.url)
        .args(["import", "ilcd", input, "--source", source])
        .env("ECOREF_FAULT", "pause_after_rows=800:120000")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ecoref");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            log.push_str(&line);
            log.push('\n');
            if line.contains("pausing") {
                let _ = sender.send(Ok(()));
            }
        }
        let _ = sender.send(Err(log));
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(())) => {}
        Ok(Err(log)) => panic!("the import ended before pausing:\n{log}"),
        Err(_) => {
            let _ = child.kill();
            panic!("the import never reported its pause");
        }
    }
    child.kill().expect("kill ecoref");
    child.wait().expect("reap ecoref");
}

/// Rows per table, without the append-only run records that every import (even a failed one) writes.
pub(crate) async fn count_entity_rows(db: &Db) -> BTreeMap<String, i64> {
    let store = Store::connect(&db.url).await.expect("open store");
    let mut rows = store.count_rows().await.expect("count rows");
    rows.retain(|table, _| !table.starts_with("import_"));
    rows
}

/// The TianGong sample plus one malformed process data set (`ILCD/processes/broken.xml`, error on line 3).
pub(crate) fn broken_zip(dir: &Path) -> PathBuf {
    let mut source = zip::ZipArchive::new(std::fs::File::open(TIANGONG).expect("open fixture")).expect("read zip");
    let path = dir.join("broken.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).expect("create zip"));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..source.len() {
        let mut entry = source.by_index(i).expect("entry");
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        writer.start_file(name, options).expect("start entry");
        writer.write_all(&bytes).expect("write entry");
    }
    writer.start_file("ILCD/processes/broken.xml", options).expect("start entry");
    writer
        .write_all(
            b"<?xml version=\"1.0\"?>\n<processDataSet xmlns=\"http://lca.jrc.it/ILCD/Process\">\n  <processInformation></dataSetInformation>\n</processDataSet>\n",
        )
        .expect("write entry");
    writer.finish().expect("finish zip");
    path
}
