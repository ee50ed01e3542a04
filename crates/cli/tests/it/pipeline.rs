//! End-to-end tests of `ecoref pipeline`: URL sources served by a tiny HTTP server on 127.0.0.1 with
//! programmable faults (errors, a cut in the middle, a required token), checksums, retries, resumed downloads,
//! two runs at once, unchanged re-runs, failures and rejections, and every example pipeline of `pipelines/`.

use crate::support::{Db, Output, TIANGONG, count_entity_rows, ecoref_with_env, repo_root, spawn_paused};
use ecoref_model::Sha256Hex;
use ecoref_store::Store;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the URL example pipeline expects its server; the tests serve the same files elsewhere.
const EXAMPLE_BASE: &str = "http://127.0.0.1:8080";
const TIANGONG_PATH: &str = "/ilcd/tiangong_subset/tiangong_subset_ILCD.zip";

// -------------------------------------------------------------------------------------------------------------
// A hand-written HTTP/1.1 server: a thread per connection, `Connection: close`.

/// What the next request gets instead of the file.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// This status and no body.
    Status(u16),
    /// The headers of the whole answer, then only this many bytes of the body, then the connection closes.
    CutAfter(usize),
    /// Nothing for this long, then the connection closes.
    Stall(Duration),
    /// The whole body without a Content-Length (the end of the connection ends it).
    NoLength,
}

#[derive(Debug, Clone)]
struct Request {
    path: String,
    range: Option<String>,
    authorization: Option<String>,
}

#[derive(Debug, Default)]
struct ServerState {
    files: BTreeMap<String, Vec<u8>>,
    faults: VecDeque<Fault>,
    requests: Vec<Request>,
    /// Answer 401 unless `Authorization: Bearer <token>`.
    token: Option<String>,
}

struct Server {
    base: String,
    state: Arc<Mutex<ServerState>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(files: &[(&str, Vec<u8>)]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(Mutex::new(ServerState {
            files: files.iter().map(|(path, bytes)| (path.to_string(), bytes.clone())).collect(),
            ..ServerState::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let state = thread_state.clone();
                    std::thread::spawn(move || serve(stream, &state));
                }
            }
        });
        Server { base, state, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn fail_next(&self, faults: &[Fault]) {
        self.state.lock().expect("server state").faults.extend(faults.iter().copied());
    }

    fn require_token(&self, token: &str) {
        self.state.lock().expect("server state").token = Some(token.to_owned());
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("server state").requests.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<ServerState>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let path = lines.next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("/").to_owned();
    let mut headers = BTreeMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let request = Request {
        path: path.clone(),
        range: headers.get("range").cloned(),
        authorization: headers.get("authorization").cloned(),
    };
    let (file, fault, authorized) = {
        let mut state = state.lock().expect("server state");
        state.requests.push(request.clone());
        let authorized = match &state.token {
            Some(token) => request.authorization.as_deref() == Some(format!("Bearer {token}").as_str()),
            None => true,
        };
        let fault = if authorized { state.faults.pop_front() } else { None };
        (state.files.get(&path).cloned(), fault, authorized)
    };
    let respond = |stream: &mut TcpStream, status: &str, extra: &str, body: &[u8]| {
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n", body.len());
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match (authorized, fault, file) {
        (false, _, _) => respond(&mut stream, "401 Unauthorized", "", b""),
        (true, Some(Fault::Status(code)), _) => respond(&mut stream, &format!("{code} Injected"), "", b""),
        (true, Some(Fault::Stall(pause)), _) => std::thread::sleep(pause),
        (true, _, None) => respond(&mut stream, "404 Not Found", "", b""),
        (true, fault, Some(bytes)) => {
            let start = request
                .range
                .as_deref()
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|r| r.parse::<usize>().ok());
            let (status, extra, body) = match start {
                Some(start) if start >= bytes.len() => {
                    ("416 Range Not Satisfiable", format!("Content-Range: bytes */{}\r\n", bytes.len()), &bytes[..0])
                }
                Some(start) => (
                    "206 Partial Content",
                    format!("Content-Range: bytes {start}-{}/{}\r\n", bytes.len() - 1, bytes.len()),
                    &bytes[start..],
                ),
                None => ("200 OK", String::new(), &bytes[..]),
            };
            match fault {
                Some(Fault::CutAfter(n)) => {
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body[..n.min(body.len())]);
                    let _ = stream.flush();
                }
                Some(Fault::NoLength) => {
                    let head = format!("HTTP/1.1 {status}\r\n{extra}Connection: close\r\n\r\n");
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body);
                }
                _ => respond(&mut stream, status, &extra, body),
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
}

// -------------------------------------------------------------------------------------------------------------
// Helpers.

fn tiangong_bytes() -> Vec<u8> {
    std::fs::read(TIANGONG).expect("read the TianGong fixture")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256Hex::of_bytes(bytes).0
}

/// A scratch directory with the pipeline files, the download cache and the reports.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("tempdir") }
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).to_str().expect("utf-8 path").to_owned()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write pipeline file");
        path
    }
}

/// `ecoref pipeline run <file>` with the scratch cache and report directory, and `extra` arguments.
fn run(db: &Db, scratch: &Scratch, file: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let (cache, reports) = (scratch.path("cache"), scratch.path("reports"));
    let mut args = vec!["pipeline", "run", file, "--cache-dir", &cache, "--report-dir", &reports];
    args.extend_from_slice(extra);
    ecoref_with_env(db, &args, env)
}

fn url_pipeline(url: &str, pin: &str, extra: &str) -> String {
    url_pipeline_fetching(url, pin, extra, "retries = 3")
}

fn url_pipeline_fetching(url: &str, pin: &str, extra: &str, fetch: &str) -> String {
    format!(
        "[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\nurl = \"{url}\"\nsha256 = \"{pin}\"\n{extra}\n\
         [fetch]\nbackoff_ms = 10\n{fetch}\n"
    )
}

/// The JSON report a run wrote to the scratch report directory (the newest one of `pipeline`).
fn report_json(scratch: &Scratch, pipeline: &str) -> Value {
    let dir = scratch.dir.path().join("reports");
    let mut reports: Vec<(i64, PathBuf)> = std::fs::read_dir(&dir)
        .expect("report directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let id = name.strip_prefix(&format!("{pipeline}-"))?.strip_suffix(".json")?.parse().ok()?;
            Some((id, p))
        })
        .collect();
    reports.sort();
    let (_, path) = reports.pop().unwrap_or_else(|| panic!("no JSON report of {pipeline} in {}", dir.display()));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read report")).expect("report is JSON")
}

async fn store(db: &Db) -> Store {
    Store::connect(&db.url).await.expect("open store")
}

async fn n_rows(db: &Db, table: &str) -> i64 {
    store(db).await.count_rows().await.expect("count rows").get(table).copied().unwrap_or(0)
}

fn step_names(report: &Value) -> Vec<String> {
    report["steps"].as_array().expect("steps").iter().map(|s| s["step"].as_str().unwrap_or("").to_owned()).collect()
}

// -------------------------------------------------------------------------------------------------------------
// Checks.

/// The URL example pipeline against a server of our own: fetched, verified, imported, linked, validated and
/// reported; then again: a no-op that says so and sends no request.
pub(crate) async fn check_url_pipeline_runs_then_is_unchanged(db: &Db) {
    let bytes = tiangong_bytes();
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    let scratch = Scratch::new();
    let example = std::fs::read_to_string(repo_root().join("pipelines/ilcd-from-url.toml")).expect("example");
    assert!(example.contains(EXAMPLE_BASE), "the URL example no longer uses {EXAMPLE_BASE}");
    let file = scratch.write("ilcd-from-url.toml", &example.replace(EXAMPLE_BASE, &server.base));

    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("- status: **succeeded**"), "{}", out.stdout);
    let report = report_json(&scratch, "ilcd-from-url");
    assert_eq!(report["status"], "succeeded");
    let input = &report["inputs"][0];
    assert_eq!(input["url"], server.url(TIANGONG_PATH));
    assert_eq!(input["sha256"], sha256(&bytes));
    assert_eq!(input["size_bytes"], bytes.len());
    assert_eq!(input["fetch"]["from_cache"], false);
    assert_eq!(input["fetch"]["n_attempts"], 1);
    assert_eq!(report["imports"][0]["status"], "succeeded");
    assert_eq!(report["imports"][0]["counts"]["processes"], 9);
    let codes: Vec<&str> = report["imports"][0]["diagnostics_by_code"]
        .as_array()
        .expect("diagnostics by code")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert!(codes.contains(&"ilcd.dangling-reference"), "{codes:?}");
    let link = &report["links"][0];
    assert_eq!((link["n_technosphere"].as_i64(), link["n_linked"].as_i64()), (Some(184), Some(1)));
    assert!((link["linked_share"].as_f64().expect("linked share") - 1.0 / 184.0).abs() < 1e-12);
    assert_eq!(
        step_names(&report),
        ["lock", "fetch tiangong", "import tiangong", "link tiangong", "validate tiangong"]
    );
    assert!(report["steps"].as_array().expect("steps").iter().all(|s| s["seconds"].as_f64().is_some_and(|x| x >= 0.0)));
    let id = report["pipeline_run"].as_i64().expect("pipeline run id");
    let markdown = std::fs::read_to_string(scratch.dir.path().join(format!("reports/ilcd-from-url-{id}.md")))
        .expect("the Markdown report");
    assert!(markdown.contains("## Inputs") && markdown.contains(&server.url(TIANGONG_PATH)), "{markdown}");
    let cached = scratch.dir.path().join(format!("cache/sha256/{}/tiangong_subset_ILCD.zip", sha256(&bytes)));
    assert_eq!(std::fs::read(&cached).expect("the cached file"), bytes);

    // The import run records the pipeline and where the input came from.
    let runs = ecoref_with_env(db, &["runs", "--json"], &[]);
    let runs: Value = serde_json::from_str(&runs.stdout).expect("runs --json");
    assert_eq!(runs[0]["pipeline"], "ilcd-from-url");
    assert_eq!(runs[0]["inputs"][0]["url"], server.url(TIANGONG_PATH));
    let recorded = store(db).await.list_pipeline_runs(Some("ilcd-from-url"), 5).await.expect("pipeline runs");
    assert_eq!(recorded.len(), 1);
    assert_eq!((recorded[0].status.as_str(), recorded[0].id.0), ("succeeded", id));
    assert_eq!(recorded[0].report.as_ref().map(|r| &r["inputs"][0]["sha256"]), Some(&Value::from(sha256(&bytes))));

    // Again: unchanged, from the cache, no new row.
    let rows = count_entity_rows(db).await;
    let n_requests = server.requests().len();
    let again = run(db, &scratch, &file, &[], &[]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert!(again.stdout.contains("unchanged: all 1 sources unchanged"), "{}", again.stdout);
    assert_eq!(server.requests().len(), n_requests, "a cached input was downloaded again");
    assert_eq!(count_entity_rows(db).await, rows);
    let report = report_json(&scratch, "ilcd-from-url");
    assert_eq!(report["status"], "unchanged");
    assert_eq!(report["inputs"][0]["fetch"]["from_cache"], true);
    assert_eq!(report["imports"][0]["diagnostics_from_run"], runs[0]["id"]);
    let list = ecoref_with_env(
        db,
        &["pipeline", "list", "--pipelines-dir", scratch.dir.path().to_str().expect("utf-8"), "--json"],
        &[],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let list: Value = serde_json::from_str(&list.stdout).expect("list --json");
    assert_eq!(list[0]["pipeline"], "ilcd-from-url");
    assert_eq!(list[0]["last_run"]["status"], "unchanged");

    // Finished pipeline runs are history: the database refuses to change or delete them.
    let store = store(db).await;
    for sql in ["UPDATE pipeline_run SET status = 'failed', error = 'rewritten'", "DELETE FROM pipeline_run"] {
        let result = match &store {
            Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
            Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        };
        let error = result.expect_err(sql).to_string();
        assert!(error.contains("pipeline_run"), "{sql}: {error}");
    }
}

/// Bytes that do not match the pin: a clear error, nothing imported, nothing left in the cache.
pub(crate) async fn check_wrong_checksum_imports_nothing(db: &Db) {
    let bytes = tiangong_bytes();
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    let scratch = Scratch::new();
    let pin = sha256(b"some other file");
    let file = scratch.write("pinned.toml", &url_pipeline(&server.url(TIANGONG_PATH), &pin, ""));
    let before = count_entity_rows(db).await;

    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    for needle in ["sha256 mismatch", &pin, &sha256(&bytes), &server.url(TIANGONG_PATH), "nothing was read"] {
        assert!(out.stderr.contains(needle), "{needle:?} not in {}", out.stderr);
    }
    assert_eq!(count_entity_rows(db).await, before, "a run with a wrong checksum wrote rows");
    assert_eq!(n_rows(db, "import_run").await, 0, "nothing may be imported");
    assert_eq!(server.requests().len(), 1, "a fresh download that mismatches is not retried");
    let recorded = store(db).await.list_pipeline_runs(None, 5).await.expect("pipeline runs");
    assert_eq!(recorded[0].status, "failed");
    assert!(recorded[0].error.as_deref().is_some_and(|e| e.contains("sha256 mismatch")), "{:?}", recorded[0].error);
    assert_eq!(report_json(&scratch, "pinned")["status"], "failed");
    let cache = scratch.dir.path().join("cache");
    assert!(!cache.join("sha256").exists(), "unverified bytes reached the cache");
    assert!(!cache.join(format!("partial/{pin}.part")).exists(), "the mismatching download was kept");
}

/// A file larger than `fetch.max_bytes` is refused, announced (from its Content-Length, before any byte is
/// written) or not (once the bytes pass the limit): not retried, nothing kept, nothing imported.
pub(crate) async fn check_download_size_limit(db: &Db) {
    let bytes = tiangong_bytes();
    assert!(bytes.len() > 4096);
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    let scratch = Scratch::new();
    let pin = sha256(&bytes);
    let limited = url_pipeline_fetching(&server.url(TIANGONG_PATH), &pin, "", "retries = 3\nmax_bytes = 4096");
    let file = scratch.write("limited.toml", &limited);
    let partial = scratch.dir.path().join(format!("cache/partial/{pin}.part"));
    let before = count_entity_rows(db).await;
    let total = bytes.len().to_string();
    for (fault, how, expected_size) in
        [(None, "the server announces", total.as_str()), (Some(Fault::NoLength), "at least", "")]
    {
        let n_requests = server.requests().len();
        if let Some(fault) = fault {
            server.fail_next(&[fault]);
        }
        let out = run(db, &scratch, &file, &[], &[]);
        assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
        for needle in ["larger than fetch.max_bytes = 4096", how, expected_size, &server.url(TIANGONG_PATH)] {
            assert!(out.stderr.contains(needle), "{needle:?} not in {}", out.stderr);
        }
        assert_eq!(server.requests().len(), n_requests + 1, "{how}: a file too large is not retried");
        assert!(!partial.exists(), "{how}: the partial file was kept");
        assert!(!scratch.dir.path().join("cache/sha256").exists(), "{how}: the file reached the cache");
        assert_eq!(count_entity_rows(db).await, before, "{how}: rows were written");
        assert_eq!(n_rows(db, "import_run").await, 0, "{how}: nothing may be imported");
    }
    // Within the limit (the same file, the default limit), it downloads and imports.
    let file = scratch.write("unlimited.toml", &url_pipeline(&server.url(TIANGONG_PATH), &pin, ""));
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

/// A server that fails twice then answers: retried with backoff; one that keeps failing: given up, exit 2.
pub(crate) async fn check_server_errors_are_retried(db: &Db) {
    let bytes = tiangong_bytes();
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    server.fail_next(&[Fault::Status(503), Fault::Status(500)]);
    let scratch = Scratch::new();
    let file = scratch.write("retried.toml", &url_pipeline(&server.url(TIANGONG_PATH), &sha256(&bytes), ""));

    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(server.requests().len(), 3);
    assert!(server.requests().iter().all(|r| r.path == TIANGONG_PATH));
    let report = report_json(&scratch, "retried");
    assert_eq!(report["inputs"][0]["fetch"]["n_attempts"], 3);
    assert_eq!(out.stderr.matches("Download failed; retrying.").count(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("503"), "{}", out.stderr);

    let other = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    other.fail_next(&[Fault::Status(502); 4]);
    let scratch = Scratch::new();
    let file = scratch.write("given-up.toml", &url_pipeline(&other.url(TIANGONG_PATH), &sha256(&bytes), ""));
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("502") && out.stderr.contains("gave up after 4 attempts"), "{}", out.stderr);
    assert_eq!(other.requests().len(), 4);

    // An answer that does not come times out and is retried.
    let slow = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    slow.fail_next(&[Fault::Stall(Duration::from_millis(2500))]);
    let scratch = Scratch::new();
    let fetch = "retries = 2\nread_timeout_secs = 1";
    let file = scratch.write("slow.toml", &url_pipeline_fetching(&slow.url(TIANGONG_PATH), &sha256(&bytes), "", fetch));
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(report_json(&scratch, "slow")["inputs"][0]["fetch"]["n_attempts"], 2);
    assert_eq!(out.stderr.matches("Download failed; retrying.").count(), 1, "{}", out.stderr);

    // Nobody listening: connection errors are retried, then given up.
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let scratch = Scratch::new();
    let url = format!("http://127.0.0.1:{port}/t.zip");
    let file = scratch.write("refused.toml", &url_pipeline_fetching(&url, &sha256(&bytes), "", "retries = 1"));
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(&url) && out.stderr.contains("gave up after 2 attempts"), "{}", out.stderr);

    // A client error is not retried.
    let scratch = Scratch::new();
    let missing = server.url("/no/such/file.zip");
    let file = scratch.write("missing.toml", &url_pipeline(&missing, &sha256(&bytes), "file_name = \"t.zip\""));
    let n_before = server.requests().len();
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("404"), "{}", out.stderr);
    assert_eq!(server.requests().len(), n_before + 1);
}

/// A download cut in the middle is resumed with a Range request from where it stopped.
pub(crate) async fn check_cut_download_resumes(db: &Db) {
    let bytes = tiangong_bytes();
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    server.fail_next(&[Fault::CutAfter(300_000)]);
    let scratch = Scratch::new();
    let file = scratch.write("resumed.toml", &url_pipeline(&server.url(TIANGONG_PATH), &sha256(&bytes), ""));

    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let ranges: Vec<Option<String>> = server.requests().iter().map(|r| r.range.clone()).collect();
    assert_eq!(ranges, [None, Some("bytes=300000-".to_owned())]);
    let report = report_json(&scratch, "resumed");
    let fetch = &report["inputs"][0]["fetch"];
    assert_eq!(fetch["resumed_from"], 300_000);
    assert_eq!(fetch["n_attempts"], 2);
    assert_eq!(fetch["bytes_downloaded"], bytes.len(), "each byte is downloaded once");
    assert_eq!(report["imports"][0]["counts"]["processes"], 9);
}

/// Starts `ecoref pipeline run` paused inside its load transaction and returns once it says so.
fn start_paused_run(db: &Db, scratch: &Scratch, file: &str) -> std::process::Child {
    spawn_paused(
        Command::new(env!("CARGO_BIN_EXE_ecoref"))
            .current_dir(scratch.dir.path())
            .args(["--database-url", &db.url, "pipeline", "run", file, "--cache-dir", &scratch.path("cache")])
            .env_remove("ECOREF_DATABASE_URL")
            .env_remove("RUST_LOG")
            .env("ECOREF_FAULT", "pause_after_rows=800:6000")
            .stdout(Stdio::piped()),
        "the first run",
    )
}

/// Two runs at once: while the first holds the lock, a second one that may not wait is refused having written
/// nothing, and a third one waits, then finds everything unchanged.
pub(crate) async fn check_concurrent_runs_never_interleave(db: &Db) {
    let scratch = Scratch::new();
    let file = scratch.write(
        "local.toml",
        &format!(
            "[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\npath = \"{TIANGONG}\"\n[lock]\nwait_secs = 0\n"
        ),
    );
    let first = start_paused_run(db, &scratch, &file);

    let refused = run(db, &scratch, &file, &[], &[]);
    assert_eq!(refused.code, 2, "{}\n{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("holds the database's pipeline lock"), "{}", refused.stderr);
    assert!(refused.stderr.contains("ecoref pipeline local (pid"), "the holder is named: {}", refused.stderr);
    assert_eq!(n_rows(db, "import_run").await, 1, "the refused run started an import");

    let started = Instant::now();
    let waited = run(db, &scratch, &file, &["--wait", "120", "-v"], &[]);
    assert_eq!(waited.code, 0, "{}\n{}", waited.stdout, waited.stderr);
    assert!(waited.stderr.contains("Another pipeline run holds the lock; waiting."), "{}", waited.stderr);
    assert!(waited.stdout.contains("unchanged: all 1 sources unchanged"), "{}", waited.stdout);
    assert!(started.elapsed() >= Duration::from_millis(500), "the waiting run did not wait");

    let output = first.wait_with_output().expect("the first run");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stdout).contains("- status: **succeeded**"));
    let runs = ecoref_with_env(db, &["runs", "--json"], &[]);
    let runs: Value = serde_json::from_str(&runs.stdout).expect("runs --json");
    let statuses: Vec<&str> = runs.as_array().expect("runs").iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["unchanged", "succeeded"], "the runs interleaved");
    let recorded = store(db).await.list_pipeline_runs(None, 10).await.expect("pipeline runs");
    let statuses: Vec<&str> = recorded.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["unchanged", "succeeded"]);
    assert_eq!(n_rows(db, "dataset_version").await, 1);
}

/// A run killed inside its load leaves nothing loaded and its record `running`; the next run, once it holds the
/// lock (which no live run can be without), marks that record failed as abandoned, then imports.
pub(crate) async fn check_killed_run_is_closed_by_the_next(db: &Db) {
    let scratch = Scratch::new();
    let file = scratch.write(
        "killed.toml",
        &format!("[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\npath = \"{TIANGONG}\"\n"),
    );
    let mut first = start_paused_run(db, &scratch, &file);
    first.kill().expect("kill the first run");
    first.wait().expect("reap the first run");
    let recorded = store(db).await.list_pipeline_runs(None, 10).await.expect("pipeline runs");
    let statuses: Vec<&str> = recorded.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["running"], "a killed run cannot record its end");

    let second = run(db, &scratch, &file, &["--wait", "60"], &[]);
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let recorded = store(db).await.list_pipeline_runs(None, 10).await.expect("pipeline runs");
    let statuses: Vec<&str> = recorded.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["succeeded", "failed"]);
    let error = recorded[1].error.as_deref().unwrap_or_default();
    assert!(error.starts_with("abandoned: the run ended without finishing"), "{error}");
    assert!(error.contains("ecoref pipeline killed (pid"), "the run that found it is named: {error}");
    assert!(recorded[1].finished_at.is_some());
    assert_eq!(n_rows(db, "dataset_version").await, 1, "the second run imported once");
}

/// Every example pipeline plans; every one that reads local fixtures runs, then runs again unchanged.
pub(crate) async fn check_every_example_pipeline(db: &Db) {
    let dir = repo_root().join("pipelines");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("pipelines/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let formats = ["ilcd", "ecospold2", "simapro", "brightway", "jsonld", "ecobalyse"];
    for format in formats {
        assert!(files.contains(&dir.join(format!("{format}.toml"))), "no example pipeline for {format}");
    }
    let scratch = Scratch::new();
    let mut n_run = 0;
    for file in &files {
        let path = file.to_str().expect("utf-8 path");
        let plan = ecoref_with_env(db, &["pipeline", "plan", path, "--cache-dir", &scratch.path("cache")], &[]);
        assert_eq!(plan.code, 0, "{path}: {}\n{}", plan.stdout, plan.stderr);
        assert!(plan.stdout.contains("import "), "{path}: {}", plan.stdout);
        let text = std::fs::read_to_string(file).expect("read example");
        if text.lines().any(|l| l.trim_start().starts_with("url =")) {
            continue; // served and run by check_url_pipeline_runs_then_is_unchanged
        }
        let name = file.file_stem().and_then(|s| s.to_str()).expect("name");
        let first = run(db, &scratch, path, &[], &[]);
        assert_eq!(first.code, 0, "{path}: {}\n{}", first.stdout, first.stderr);
        assert_eq!(report_json(&scratch, name)["status"], "succeeded", "{path}: {}", first.stdout);
        let again = run(db, &scratch, path, &[], &[]);
        assert_eq!(again.code, 0, "{path}: {}\n{}", again.stdout, again.stderr);
        assert_eq!(report_json(&scratch, name)["status"], "unchanged", "{path}: {}", again.stdout);
        n_run += 1;
    }
    assert!(n_run >= formats.len(), "only {n_run} example pipelines ran");
    let list = ecoref_with_env(db, &["pipeline", "list", "--pipelines-dir", dir.to_str().expect("utf-8")], &[]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("ilcd-from-url") && list.stdout.contains("never"), "{}", list.stdout);
}

/// A failing import leaves the database as it was and both runs record why; a rejected run exits 1 without its
/// release; a misspelt key stops everything before the database is touched.
pub(crate) async fn check_failures_and_rejections(db: &Db) {
    let scratch = Scratch::new();
    let garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let server = Server::start(&[("/broken.zip", garbage.clone())]);
    let file = scratch.write("broken.toml", &url_pipeline(&server.url("/broken.zip"), &sha256(&garbage), ""));
    let before = count_entity_rows(db).await;
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("source tiangong: import failed") && out.stderr.contains("broken.zip"),
        "{}",
        out.stderr
    );
    assert_eq!(count_entity_rows(db).await, before, "a failed import wrote rows");
    let runs = ecoref_with_env(db, &["runs", "--json"], &[]);
    let runs: Value = serde_json::from_str(&runs.stdout).expect("runs --json");
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["pipeline"], "broken");
    let recorded = store(db).await.list_pipeline_runs(Some("broken"), 1).await.expect("pipeline runs");
    assert_eq!(recorded[0].status, "failed");
    assert!(recorded[0].error.as_deref().is_some_and(|e| e.contains("import failed")), "{:?}", recorded[0].error);
    let report = report_json(&scratch, "broken");
    assert_eq!(step_names(&report), ["lock", "fetch tiangong", "import tiangong"]);
    assert_eq!(report["steps"][2]["status"], "failed");

    // Too many unlinked exchanges: rejected, exit code 1, no release.
    let file = scratch.write(
        "strict.toml",
        &format!(
            "[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\npath = \"{TIANGONG}\"\n\
             [validate]\nmax_unlinked_share = 0.5\n[release]\nname = \"strict-1\"\n"
        ),
    );
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("rejected: tiangong@1: max_unlinked_share 0.9946 > 0.5"), "{}", out.stdout);
    assert!(out.stdout.contains("strict-1 skipped"), "{}", out.stdout);
    let releases = ecoref_with_env(db, &["releases", "--json"], &[]);
    assert_eq!(releases.stdout.trim(), "[]", "a rejected run created its release");
    assert_eq!(report_json(&scratch, "strict")["status"], "rejected");

    // A misspelt key: refused before anything else, naming the key and the file.
    let n_pipeline_runs = store(db).await.list_pipeline_runs(None, 100).await.expect("pipeline runs").len();
    let file =
        scratch.write("typo.toml", &format!("[[sources]]\ndataset = \"t\"\nformat = \"ilcd\"\npth = \"{TIANGONG}\"\n"));
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("typo.toml") && out.stderr.contains("unknown field `pth`"), "{}", out.stderr);
    let plan = ecoref_with_env(db, &["pipeline", "plan", &file], &[]);
    assert_eq!(plan.code, 2);
    assert!(plan.stderr.contains("unknown field `pth`"), "{}", plan.stderr);
    assert_eq!(store(db).await.list_pipeline_runs(None, 100).await.expect("pipeline runs").len(), n_pipeline_runs);
}

/// A token from the environment is sent, and appears in no output, log line, report or database row.
pub(crate) async fn check_credentials_are_never_shown(db: &Db) {
    const TOKEN: &str = "s3cr3t-7c1f9e-token";
    let bytes = tiangong_bytes();
    let server = Server::start(&[(TIANGONG_PATH, bytes.clone())]);
    server.require_token(TOKEN);
    let scratch = Scratch::new();
    let file = scratch.write(
        "private.toml",
        &url_pipeline(&server.url(TIANGONG_PATH), &sha256(&bytes), "bearer_env = \"ECOREF_TEST_TOKEN\""),
    );

    let missing = run(db, &scratch, &file, &[], &[]);
    assert_eq!(missing.code, 2, "{}\n{}", missing.stdout, missing.stderr);
    assert!(missing.stderr.contains("ECOREF_TEST_TOKEN") && missing.stderr.contains("not set"), "{}", missing.stderr);
    assert!(server.requests().is_empty(), "a request went out without its token");

    let wrong = run(db, &scratch, &file, &[], &[("ECOREF_TEST_TOKEN", "not-the-token")]);
    assert_eq!(wrong.code, 2, "{}\n{}", wrong.stdout, wrong.stderr);
    assert!(
        wrong.stderr.contains("401") && wrong.stderr.contains("check the token in ECOREF_TEST_TOKEN"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("not-the-token"), "{}", wrong.stderr);

    let out = run(db, &scratch, &file, &["-vv"], &[("ECOREF_TEST_TOKEN", TOKEN)]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(server.requests().last().and_then(|r| r.authorization.clone()), Some(format!("Bearer {TOKEN}")));
    let mut seen = vec![out.stdout, out.stderr, missing.stdout, wrong.stdout];
    for entry in std::fs::read_dir(scratch.dir.path().join("reports")).expect("reports") {
        seen.push(std::fs::read_to_string(entry.expect("entry").path()).expect("read report"));
    }
    seen.push(ecoref_with_env(db, &["runs", "--json"], &[]).stdout);
    let recorded = store(db).await.list_pipeline_runs(None, 10).await.expect("pipeline runs");
    seen.push(serde_json::to_string(&recorded).expect("serialize runs"));
    for text in &seen {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
    assert!(seen[1].contains("\"level\":\"DEBUG\""), "debug logs were on");
}

/// A local input whose pin does not match is refused before it is read.
pub(crate) async fn check_local_pin_is_checked(db: &Db) {
    let scratch = Scratch::new();
    let pin = sha256(b"not the zip");
    let file = scratch.write(
        "local-pin.toml",
        &format!("[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\npath = \"{TIANGONG}\"\nsha256 = \"{pin}\"\n"),
    );
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("tiangong_subset_ILCD.zip: sha256 mismatch"), "{}", out.stderr);
    assert_eq!(n_rows(db, "import_run").await, 0);
    // A path relative to the pipeline file's directory.
    let dir = scratch.dir.path().join("sub");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(TIANGONG, dir.join("t.zip")).expect("copy fixture");
    let file = scratch.write(
        "relative.toml",
        &format!(
            "[[sources]]\ndataset = \"tiangong\"\nformat = \"ilcd\"\npath = \"sub/t.zip\"\nsha256 = \"{}\"\n",
            sha256(&tiangong_bytes())
        ),
    );
    let out = run(db, &scratch, &file, &[], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn an_example_path_is_relative_to_its_file() {
    let example = std::fs::read_to_string(repo_root().join("pipelines/ilcd.toml")).expect("example");
    assert!(example.contains("path = \"../tests/fixtures/"), "{example}");
    assert!(Path::new(TIANGONG).is_file());
}
