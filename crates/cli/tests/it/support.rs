//! Test support: fresh databases, running the built binary, building hostile inputs, counting rows.

use ecoref_store::Store;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// Spawns `command` (stderr is piped here; the caller chooses stdout) and returns once the process says it is
/// `pausing` (an `ECOREF_FAULT=pause_after_rows=…` inside its load transaction). Panics, naming `what`, when it ends
/// first or stays silent for two minutes.
pub(crate) fn spawn_paused(command: &mut Command, what: &str) -> std::process::Child {
    let mut child = command.stdin(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn ecoref");
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
    match receiver.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(())) => child,
        Ok(Err(log)) => panic!("{what} ended before pausing:\n{log}"),
        Err(_) => {
            let _ = child.kill();
            panic!("{what} never reported its pause");
        }
    }
}

/// Starts an import that pauses inside its load transaction, waits until it says so, and kills it (SIGKILL).
pub(crate) fn kill_during_load(db: &Db, input: &str, source: &str) {
    let mut child = spawn_paused(
        Command::new(env!("CARGO_BIN_EXE_ecoref"))
            .arg("--database-url")
            .arg(&db.url)
            .args(["import", "ilcd", input, "--source", source])
            .env("ECOREF_FAULT", "pause_after_rows=800:120000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null()),
        "the import",
    );
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

/// The files of the TianGong sample, (name, bytes) in archive order.
pub(crate) fn tiangong_entries() -> Vec<(String, Vec<u8>)> {
    let mut source = zip::ZipArchive::new(std::fs::File::open(TIANGONG).expect("open fixture")).expect("read zip");
    let mut entries = Vec::new();
    for i in 0..source.len() {
        let mut entry = source.by_index(i).expect("entry");
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        entries.push((name, bytes));
    }
    entries
}

/// The TianGong sample plus one malformed process data set (`ILCD/processes/broken.xml`, error on line 3).
pub(crate) fn broken_zip(dir: &Path) -> PathBuf {
    let path = dir.join("broken.zip");
    let mut entries = tiangong_entries();
    entries.push((
        "ILCD/processes/broken.xml".to_owned(),
        b"<?xml version=\"1.0\"?>\n<processDataSet xmlns=\"http://lca.jrc.it/ILCD/Process\">\n  <processInformation></dataSetInformation>\n</processDataSet>\n".to_vec(),
    ));
    write_zip(&path, &entries);
    path
}

/// Every ILCD input under tests/fixtures/ilcd: each zip, each directory of data sets, each loose XML file.
pub(crate) fn ilcd_fixture_inputs() -> Vec<PathBuf> {
    let root = repo_root().join("tests/fixtures/ilcd");
    let mut inputs = Vec::new();
    let mut folders: Vec<PathBuf> =
        std::fs::read_dir(&root).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    folders.sort();
    for folder in folders.into_iter().filter(|p| p.is_dir()) {
        if folder.join("ILCD").is_dir() {
            inputs.push(folder.join("ILCD"));
            continue;
        }
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&folder).expect("folder").map(|e| e.expect("entry").path()).collect();
        files.sort();
        inputs.extend(
            files.into_iter().filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("zip") | Some("xml"))),
        );
    }
    assert!(inputs.len() >= 20, "fixtures missing: {inputs:?}");
    inputs
}

/// One hostile input and what its error must say.
pub(crate) struct Hostile {
    pub(crate) name: &'static str,
    pub(crate) path: PathBuf,
    pub(crate) extra_args: Vec<&'static str>,
    pub(crate) expect_in_error: Vec<&'static str>,
}

/// Writes `entries` (name, bytes) as a deflated zip.
pub(crate) fn write_zip(path: &Path, entries: &[(impl AsRef<str>, Vec<u8>)]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).expect("create zip"));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(name.as_ref(), options).expect("start entry");
        writer.write_all(bytes).expect("write entry");
    }
    writer.finish().expect("finish zip");
}

const FLOW_XML: &str = concat!(
    "<?xml version=\"1.0\"?>\n<flowDataSet xmlns=\"http://lca.jrc.it/ILCD/Flow\" ",
    "xmlns:common=\"http://lca.jrc.it/ILCD/Common\"><flowInformation><dataSetInformation>",
    "<common:UUID>0b4b1e1c-3a3f-4b7e-9c1e-5d2a8f7e6a01</common:UUID></dataSetInformation></flowInformation>",
    "</flowDataSet>\n"
);

/// Truncated zip, zip slip, zip bomb, entity bomb, external entity.
pub(crate) fn hostile_inputs(dir: &Path) -> Vec<Hostile> {
    let fixture = std::fs::read(TIANGONG).expect("fixture");
    let truncated = dir.join("truncated.zip");
    std::fs::write(&truncated, &fixture[..fixture.len() / 2]).expect("write truncated zip");

    let slip = dir.join("slip.zip");
    write_zip(&slip, &[("ILCD/flows/ok.xml", FLOW_XML.into()), ("../evil.xml", FLOW_XML.into())]);

    // 3 MiB of blanks inside a valid document: deflates to a few KiB, refused above --max-entry-mib 1.
    let bomb = dir.join("bomb.zip");
    let mut big = FLOW_XML.replace("</flowDataSet>", "").into_bytes();
    big.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024));
    big.extend_from_slice(b"</flowDataSet>");
    write_zip(&bomb, &[("ILCD/flows/bomb.xml", big)]);

    let laughs = dir.join("laughs.xml");
    let mut entities = String::from("<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let previous = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        entities.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{previous};").repeat(10)));
    }
    std::fs::write(
        &laughs,
        format!("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [{entities}]>\n<flowDataSet>&lol9;</flowDataSet>\n"),
    )
    .expect("write entity bomb");

    let external = dir.join("external.xml");
    std::fs::write(
        &external,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<flowDataSet>&x;</flowDataSet>\n",
    )
    .expect("write external entity");

    vec![
        Hostile { name: "truncated zip", path: truncated, extra_args: vec![], expect_in_error: vec!["truncated.zip"] },
        Hostile { name: "zip slip", path: slip, extra_args: vec![], expect_in_error: vec!["slip.zip", "../evil.xml"] },
        Hostile {
            name: "zip bomb",
            path: bomb,
            extra_args: vec!["--max-entry-mib", "1"],
            expect_in_error: vec!["bomb.zip!ILCD/flows/bomb.xml"],
        },
        Hostile {
            name: "entity bomb",
            path: laughs,
            extra_args: vec![],
            expect_in_error: vec!["laughs.xml:2:1", "dtd"],
        },
        Hostile {
            name: "external entity",
            path: external,
            extra_args: vec![],
            expect_in_error: vec!["external.xml:2:1", "dtd"],
        },
    ]
}
