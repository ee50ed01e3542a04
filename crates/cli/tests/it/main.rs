//! End-to-end tests of the `ecoref` binary on fresh databases: import, re-import, inspect, and the failure
//! paths (bad input, injected failure, killed process) that must leave the database as it was.

/// Runs each check on a fresh database of each backend: `name => check[, more arguments];` becomes the tests
/// `sqlite::name` (an SQLite file in a temporary directory) and `postgres::name` (the database `#[sqlx::test]`
/// creates), each calling `check(&db[, more arguments])`. Items in an optional second block go into `mod sqlite`.
macro_rules! on_both_backends {
    ({ $($name:ident => $check:path $(, $arg:expr)*;)* } $({ $($sqlite_only:item)* })?) => {
        mod sqlite {
            use super::*;

            $(
                #[tokio::test]
                async fn $name() {
                    $check(&Db::sqlite() $(, $arg)*).await;
                }
            )*

            $($($sqlite_only)*)?
        }

        mod postgres {
            use super::*;

            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::PgPool) {
                    $check(&Db::postgres(&pool) $(, $arg)*).await;
                }
            )*
        }
    };
}

mod api;
mod formats;
mod links;
mod pipeline;
mod release;
mod score;
mod snapshot;
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::{Db, TIANGONG, broken_zip, count_entity_rows, ecoref, ecoref_with_env, repo_root};

async fn check_import_reimport_and_inspect(db: &Db) {
    let first = ecoref(db, &["import", "ilcd", TIANGONG, "--source", "tiangong", "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let report: Value = serde_json::from_str(&first.stdout).expect("import --json prints JSON");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(report["counts"]["processes"], 9);
    assert_eq!(report["counts"]["flows"], 297);
    assert_eq!(report["counts"]["flow_properties"], 17);
    assert_eq!(report["counts"]["unit_groups"], 8);
    assert_eq!(report["counts"]["lcia_methods"], 4);
    assert_eq!(report["counts"]["characterization_factors"], 1099 + 12 + 13 + 29);
    let rows_after_first = count_entity_rows(db).await;

    // The same input again: a no-op that says so and writes no entity rows.
    let second = ecoref(db, &["import", "ilcd", TIANGONG, "--source", "tiangong"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("unchanged"), "{}", second.stdout);
    assert!(second.stdout.contains("no rows written"), "{}", second.stdout);
    assert_eq!(count_entity_rows(db).await, rows_after_first);

    // --force reads again; identical content is still not stored twice.
    let forced = ecoref(db, &["import", "ilcd", TIANGONG, "--source", "tiangong", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("identical content"), "{}", forced.stdout);
    assert_eq!(count_entity_rows(db).await, rows_after_first);

    let runs = ecoref(db, &["runs", "--json"]);
    assert_eq!(runs.code, 0, "{}", runs.stderr);
    let runs: Value = serde_json::from_str(&runs.stdout).expect("runs --json prints JSON");
    let statuses: Vec<&str> =
        runs.as_array().expect("array").iter().map(|r| r["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["unchanged", "unchanged", "succeeded"]);
    let input = &runs[2]["inputs"][0];
    assert_eq!(input["name"], "tiangong_subset_ILCD.zip");
    assert_eq!(input["size_bytes"], 639_359);
    assert_eq!(input["sha256"].as_str().map(str::len), Some(64));

    let first_run = runs[2]["id"].as_i64().expect("run id").to_string();
    let one = ecoref(db, &["runs", "--id", &first_run, "--json"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let one: Value = serde_json::from_str(&one.stdout).expect("runs --id --json prints JSON");
    assert_eq!(one["run"]["status"], "succeeded");
    assert_eq!(one["run"]["inputs"][0]["name"], "tiangong_subset_ILCD.zip");
    assert!(one["diagnostics"].as_array().is_some_and(|d| d.len() >= 8), "{}", one["diagnostics"]);
    let missing = ecoref(db, &["runs", "--id", "999999"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no import run 999999"), "{}", missing.stderr);

    let datasets = ecoref(db, &["datasets"]);
    assert_eq!(datasets.code, 0, "{}", datasets.stderr);
    assert!(datasets.stdout.contains("tiangong@1"), "{}", datasets.stdout);

    let show = ecoref(db, &["show", "process", "01a45edf", "--json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let detail: Value = serde_json::from_str(&show.stdout).expect("show --json prints JSON");
    assert_eq!(detail["exchanges"].as_array().map(Vec::len), Some(181));
    let with_unit = detail["exchanges"].as_array().expect("array").iter().filter(|e| e["unit"].is_string()).count();
    assert!(with_unit > 150, "units resolved for only {with_unit} of 181 exchanges");

    let text = ecoref(db, &["show", "process", "01a45edf-ef15-43d2-a31b-75a15701ed31"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("exchanges: 181"), "{}", text.stdout);

    let unknown = ecoref(db, &["show", "process", "ffffffff"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no process matches"), "{}", unknown.stderr);
}

/// A malformed data set fails the import (exit 2) naming file and line, and leaves no entity row; with
/// `--on-invalid skip` the rest is imported and the exit code says data sets were rejected.
async fn check_malformed_input(db: &Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = broken_zip(dir.path());
    let zip = zip.to_str().expect("utf-8 path");
    let before = count_entity_rows(db).await;

    let failed = ecoref(db, &["import", "ilcd", zip, "--source", "broken"]);
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert!(failed.stderr.contains("ILCD/processes/broken.xml"), "{}", failed.stderr);
    assert!(failed.stderr.contains(":3:"), "line of the error missing: {}", failed.stderr);
    assert_eq!(count_entity_rows(db).await, before, "a failed import wrote rows");
    let runs: Value = serde_json::from_str(&ecoref(db, &["runs", "--json"]).stdout).expect("json");
    assert_eq!(runs[0]["status"], "failed");
    assert!(runs[0]["error"].as_str().unwrap_or("").contains("broken.xml"), "{}", runs[0]);

    let skipped = ecoref(db, &["import", "ilcd", zip, "--source", "broken", "--on-invalid", "skip"]);
    assert_eq!(skipped.code, 1, "{}\n{}", skipped.stdout, skipped.stderr);
    assert!(skipped.stdout.contains("rejected data sets: 1"), "{}", skipped.stdout);
}

/// Every ILCD fixture (zips, directories, single data sets) imports.
async fn check_every_ilcd_fixture_imports(db: &Db) {
    for (i, path) in support::ilcd_fixture_inputs().iter().enumerate() {
        let source = format!("fixture-{i}");
        let out = ecoref(db, &["import", "ilcd", path.to_str().expect("utf-8 path"), "--source", &source]);
        assert_eq!(out.code, 0, "{}: {}\n{}", path.display(), out.stdout, out.stderr);
    }
}

/// Hostile containers fail with exit code 2 and a message naming the file (and position), and leave no row.
async fn check_hostile_inputs(db: &Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    for hostile in support::hostile_inputs(dir.path()) {
        let before = count_entity_rows(db).await;
        let path = hostile.path.to_str().expect("utf-8 path");
        let mut args = vec!["import", "ilcd", path, "--source", "hostile"];
        args.extend(hostile.extra_args.iter().copied());
        let out = ecoref(db, &args);
        assert_eq!(out.code, 2, "{}: {}\n{}", hostile.name, out.stdout, out.stderr);
        for needle in &hostile.expect_in_error {
            assert!(out.stderr.contains(needle), "{}: {needle:?} missing from {}", hostile.name, out.stderr);
        }
        assert_eq!(count_entity_rows(db).await, before, "{} wrote rows", hostile.name);
        let runs: Value = serde_json::from_str(&ecoref(db, &["runs", "--json"]).stdout).expect("json");
        assert_eq!(runs[0]["status"], "failed", "{}", hostile.name);
    }
}

/// A failure injected after half the rows leaves the database as it was, and the run is recorded as failed.
async fn check_injected_failure(db: &Db) {
    let before = count_entity_rows(db).await;
    let failed = ecoref_with_env(
        db,
        &["import", "ilcd", TIANGONG, "--source", "tiangong"],
        &[("ECOREF_FAULT", "fail_after_rows=1500")],
    );
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert_eq!(count_entity_rows(db).await, before);
    let runs: Value = serde_json::from_str(&ecoref(db, &["runs", "--json"]).stdout).expect("json");
    assert_eq!(runs[0]["status"], "failed");
}

/// A process killed in the middle of its load transaction leaves nothing but its run record (status running),
/// and the next import succeeds.
async fn check_killed_import(db: &Db) {
    let before = count_entity_rows(db).await;
    support::kill_during_load(db, TIANGONG, "tiangong");
    assert_eq!(count_entity_rows(db).await, before, "a killed import left rows behind");
    let runs: Value = serde_json::from_str(&ecoref(db, &["runs", "--json"]).stdout).expect("json");
    assert_eq!(runs[0]["status"], "running", "{}", runs[0]);
    let killed = runs[0]["id"].as_i64().expect("run id");

    // Within the grace (60 s by default) the next import leaves it alone: it might be an import just starting.
    let other = repo_root().join("tests/fixtures/ecobalyse/processes.json");
    let again = ecoref(db, &["import", "ecobalyse", other.to_str().expect("utf-8 path"), "--source", "other"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let status_of = |id: i64| {
        let runs: Value = serde_json::from_str(&ecoref(db, &["runs", "--json"]).stdout).expect("json");
        runs.as_array().expect("runs").iter().find(|r| r["id"] == id).expect("run listed").clone()
    };
    assert_eq!(status_of(killed)["status"], "running");

    // Past it, the next import finds that no process holds the run's liveness lock and closes it as abandoned.
    let after = ecoref_with_env(
        db,
        &["import", "ilcd", TIANGONG, "--source", "tiangong"],
        &[("ECOREF_ABANDONED_RUN_GRACE_SECS", "0")],
    );
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert!(after.stdout.contains("succeeded"), "{}", after.stdout);
    let closed = status_of(killed);
    assert_eq!(closed["status"], "failed", "{closed}");
    let error = closed["error"].as_str().unwrap_or_default();
    assert!(error.contains("abandoned") && error.contains("ecoref import ilcd --source tiangong"), "{error}");
    let rows: BTreeMap<String, i64> = count_entity_rows(db).await;
    assert!(rows.values().sum::<i64>() > 1000, "{rows:?}");
}

on_both_backends!({
    import_reimport_and_inspect => check_import_reimport_and_inspect;
    malformed_input_fails_cleanly => check_malformed_input;
    injected_failure_leaves_database_unchanged => check_injected_failure;
    killed_import_leaves_database_unchanged => check_killed_import;
    every_ilcd_fixture_imports => check_every_ilcd_fixture_imports;
    ecobalyse_release_scores => crate::score::check_ecobalyse_release_scores;
    country_substitution => crate::score::check_country_substitution;
    generated_system_matches_direct_compute => crate::score::check_generated_system_matches_direct_compute;
    hostile_inputs_fail_cleanly => check_hostile_inputs;
    every_ecospold2_fixture_imports => crate::formats::check_format_fixtures, &crate::formats::ECOSPOLD2;
    every_jsonld_fixture_imports => crate::formats::check_format_fixtures, &crate::formats::JSONLD;
    every_ecobalyse_fixture_imports => crate::formats::check_format_fixtures, &crate::formats::ECOBALYSE;
    every_brightway_fixture_imports => crate::formats::check_format_fixtures, &crate::formats::BRIGHTWAY;
    every_simapro_fixture_imports_or_is_refused => crate::formats::check_format_fixtures, &crate::formats::SIMAPRO;
    pipeline_from_url_runs_then_is_unchanged => crate::pipeline::check_url_pipeline_runs_then_is_unchanged;
    pipeline_wrong_checksum_imports_nothing => crate::pipeline::check_wrong_checksum_imports_nothing;
    pipeline_download_size_limit => crate::pipeline::check_download_size_limit;
    pipeline_server_errors_are_retried => crate::pipeline::check_server_errors_are_retried;
    pipeline_cut_download_resumes => crate::pipeline::check_cut_download_resumes;
    pipeline_concurrent_runs_never_interleave => crate::pipeline::check_concurrent_runs_never_interleave;
    pipeline_killed_run_is_closed_by_the_next => crate::pipeline::check_killed_run_is_closed_by_the_next;
    pipeline_every_example_runs => crate::pipeline::check_every_example_pipeline;
    pipeline_failures_and_rejections => crate::pipeline::check_failures_and_rejections;
    pipeline_credentials_are_never_shown => crate::pipeline::check_credentials_are_never_shown;
    pipeline_local_pin_is_checked => crate::pipeline::check_local_pin_is_checked;
} {
    #[test]
    fn demo_runs_from_the_repository_root() {
        let db = Db::sqlite();
        let first = support::run_in(&repo_root(), &db, &["demo"], &[]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        assert!(first.stdout.contains("succeeded"), "{}", first.stdout);
        assert!(first.stdout.contains("tiangong-sample@1"), "{}", first.stdout);
        let second = support::run_in(&repo_root(), &db, &["demo"], &[]);
        assert_eq!(second.code, 0, "{}", second.stderr);
        assert!(second.stdout.contains("unchanged"), "{}", second.stdout);
    }

    #[test]
    fn a_closed_stdout_is_not_a_panic() {
        use std::io::Read;
        let db = Db::sqlite();
        let import = ecoref(&db, &["import", "ilcd", TIANGONG, "--source", "t"]);
        assert_eq!(import.code, 0, "{}", import.stderr);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecoref"))
            .args(["--database-url", &db.url, "show", "process", "01a45edf"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take()); // the reader goes away before the first line
        let status = child.wait().expect("wait");
        let mut stderr = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(status.code(), Some(0), "{stderr}");
    }

    #[test]
    fn missing_input_is_an_error_with_exit_code_2() {
        let db = Db::sqlite();
        let out = ecoref(&db, &["import", "ilcd", "/nonexistent/x.zip", "--source", "x"]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("/nonexistent/x.zip"), "{}", out.stderr);
    }

    #[test]
    fn logs_are_json_lines_when_not_on_a_terminal() {
        let db = Db::sqlite();
        let out = ecoref_with_env(&db, &["-v", "import", "ilcd", TIANGONG, "--source", "t"], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lines: Vec<Value> = out
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
            .collect();
        let finished = lines.iter().find(|l| l["message"] == "Import finished.").expect("an 'Import finished.' line");
        assert_eq!(finished["level"], "INFO");
        assert_eq!(finished["status"], "succeeded");
    }
});
