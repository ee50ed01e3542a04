//! The shared checks on SQLite, each on a fresh database file in a temporary directory.

use ecoref_store::Store;

/// A fresh store in a directory that does not exist yet (connect creates it).
async fn fresh_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/dir/ecoref.sqlite", dir.path().display());
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    (dir, store)
}

macro_rules! sqlite_tests {
    ($checks:ident: $($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (_dir, store) = fresh_store().await;
            crate::$checks::$name(&store).await;
        }
    )*};
}

shared_checks!(sqlite_tests);

#[tokio::test]
async fn connect_twice_reapplies_no_migration_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}/ecoref.sqlite", dir.path().display());
    let store = Store::connect(&url).await.unwrap();
    store.start_run(&crate::support::new_run("s", &"aa".repeat(32))).await.unwrap();
    drop(store);
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.count_rows().await.unwrap()["import_run"], 1);
}

#[tokio::test]
async fn connect_refuses_unknown_schemes_without_echoing_the_url() {
    let error = Store::connect("mysql://user:secret@host/db").await.unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
    assert!(error.to_string().contains("unsupported database url"), "{error}");
}

#[tokio::test]
async fn in_memory_database_works() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    crate::checks::check_round_trip(&store).await;
}

/// `PRAGMA page_size` of a database file, read on a connection of its own.
async fn page_size_of(file: &std::path::Path) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let size = sqlx::query_scalar("PRAGMA page_size").fetch_one(&pool).await.unwrap();
    pool.close().await;
    size
}

#[tokio::test]
async fn a_new_database_gets_large_pages_and_an_old_one_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.sqlite");
    let store = Store::connect(&format!("sqlite://{}", new.display())).await.unwrap();
    crate::checks::check_round_trip(&store).await;
    drop(store);
    assert_eq!(page_size_of(&new).await, 65_536);

    // A database made with SQLite's default pages (as ecoref made them before) opens, migrates and loads as
    // before, and keeps its pages.
    let old = dir.path().join("old.sqlite");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&old)
        .create_if_missing(true)
        .page_size(4096)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::query("CREATE TABLE made_before (x INTEGER)").execute(&pool).await.unwrap();
    pool.close().await;
    let store = Store::connect(&format!("sqlite://{}", old.display())).await.unwrap();
    crate::checks::check_round_trip(&store).await;
    drop(store);
    assert_eq!(page_size_of(&old).await, 4096);
}

/// Migration 0006 rebuilds the exchange table (a cheaper CHECK on `kind`): a database made before it keeps every
/// exchange to the bit, and the rebuilt table keeps the rules (kinds, key, foreign key, insert-only).
#[tokio::test]
async fn the_exchange_rebuild_keeps_rows_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("before-0006.sqlite");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).create_if_missing(true).foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let source = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sql/sqlite"));
    let mut migrator = sqlx::migrate::Migrator::new(source).await.unwrap();
    let before: Vec<_> = migrator.migrations.iter().filter(|m| m.version < 6).cloned().collect();
    assert_eq!(before.len(), 5);
    migrator.migrations = before.into();
    migrator.run(&pool).await.unwrap();
    for sql in [
        "INSERT INTO import_run (id, source_name, reader_name, reader_version, options, options_hash, inputs_hash, \
         idempotency_key) VALUES (1, 's', 'r', '1', '{}', 'h', 'h', 'k')",
        "INSERT INTO dataset_version (id, source_name, version_number, content_hash, counts, created_by_run) \
         VALUES (1, 's', 1, 'c', '{}', 1)",
        "INSERT INTO process (dataset_version_id, ordinal, id, name, detail) VALUES (1, 0, 'p', 'a process', '{}')",
        "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, direction, kind, \
         is_reference, amount, detail) VALUES \
         (1, 0, 0, '0', 'f0', 'output', 'production', 1, 1.0, '{}'), \
         (1, 0, 1, '1', 'f1', 'input', 'technosphere', 0, -0.0, '{\"a\":1}'), \
         (1, 0, 2, '2', 'f2', 'output', 'biosphere', 0, 5e-324, '{}'), \
         (1, 0, 3, '3', 'f3', NULL, 'unresolved', 0, NULL, '{}')",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let dump = |pool: sqlx::SqlitePool| async move {
        let rows: Vec<(i64, String, String, Option<f64>, String)> = sqlx::query_as(
            "SELECT ordinal, flow_id, kind, amount, detail FROM exchange ORDER BY dataset_version_id, \
             process_ordinal, ordinal",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows.into_iter().map(|(o, f, k, a, d)| (o, f, k, a.map(f64::to_bits), d)).collect::<Vec<_>>()
    };
    let before = dump(pool.clone()).await;
    pool.close().await;

    let store = Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    drop(store);
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let schema: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE name = 'exchange'").fetch_one(&pool).await.unwrap();
    assert!(schema.contains("kind = 'production' OR") && !schema.contains("kind IN"), "{schema}");
    assert_eq!(dump(pool.clone()).await, before);
    assert_eq!(before[1].3, Some((-0.0f64).to_bits()));

    let insert = |kind: &'static str, process: i64, ordinal: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, kind, \
                 is_reference, detail) VALUES (1, ?, ?, 'x', 'f', ?, 0, '{}')",
            )
            .bind(process)
            .bind(ordinal)
            .bind(kind)
            .execute(&pool)
            .await
            .map_err(|e| e.to_string())
        }
    };
    assert!(insert("elementary", 0, 9).await.unwrap_err().contains("CHECK constraint failed"));
    assert!(insert("Production", 0, 9).await.unwrap_err().contains("CHECK constraint failed"));
    assert!(insert("technosphere", 0, 1).await.unwrap_err().contains("UNIQUE constraint failed"));
    assert!(insert("technosphere", 7, 0).await.unwrap_err().contains("FOREIGN KEY constraint failed"));
    insert("technosphere", 0, 9).await.unwrap();
    for sql in ["UPDATE exchange SET amount = 2.0 WHERE ordinal = 0", "DELETE FROM exchange WHERE ordinal = 0"] {
        let error = sqlx::query(sql).execute(&pool).await.unwrap_err().to_string();
        assert!(error.contains("insert-only"), "{error}");
    }
    pool.close().await;
}

/// A run's liveness lock file goes when the run lets go of it, by `release` or by drop: scheduled imports must not
/// leave a file per run beside the database.
#[tokio::test]
async fn a_run_leaves_no_lock_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/ecoref.sqlite", dir.path().display())).await.unwrap();
    let lock_file = |run| dir.path().join(format!("ecoref.sqlite.run-{run}.lock"));
    let released = store.start_run(&crate::support::new_run("released", &"ab".repeat(32))).await.unwrap();
    let liveness = store.hold_run(released, "test").await.unwrap();
    assert!(lock_file(released).is_file());
    liveness.release().await.unwrap();
    assert!(!lock_file(released).exists());

    let dropped = store.start_run(&crate::support::new_run("dropped", &"cd".repeat(32))).await.unwrap();
    let liveness = store.hold_run(dropped, "test").await.unwrap();
    assert!(lock_file(dropped).is_file());
    drop(liveness);
    assert!(!lock_file(dropped).exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!left.iter().any(|name| name.to_string_lossy().ends_with(".lock")), "{left:?}");
}

/// Runs `sql` on a connection of its own to the database file `file` (as another program would).
async fn execute_on_file(file: &std::path::Path, sql: &str) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    pool.close().await;
}

/// A row SQLite itself refuses in the middle of a load (here a trigger's abort on the 40th exchange of a
/// process) fails the load with the table named and SQLite's reason, and leaves nothing of it; the run stays
/// running, and the next load, once the cause is gone, gets version 1.
#[tokio::test]
async fn a_row_sqlite_refuses_fails_the_load_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ecoref.sqlite");
    let store = Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    execute_on_file(
        &file,
        "CREATE TRIGGER refuse_exchange BEFORE INSERT ON exchange WHEN NEW.ordinal = 39 \
         BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END",
    )
    .await;
    let (dataset, diagnostics, _) = crate::support::read_fixture();
    let run = store.start_run(&crate::support::new_run("tiangong", &"ef".repeat(32))).await.unwrap();
    let before = store.count_rows().await.unwrap();
    let error = store.load(run, "tiangong", &dataset, &diagnostics, 0, &Default::default()).await.unwrap_err();
    assert!(matches!(error, ecoref_store::Error::SqliteWrite { .. }), "{error:?}");
    assert_eq!(error.to_string(), "cannot insert rows into exchange");
    let source = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
    assert!(source.contains("refused by the test trigger"), "{source}");
    assert_eq!(store.count_rows().await.unwrap(), before, "nothing of the failed load remains");
    assert_eq!(store.list_runs(1).await.unwrap()[0].status, "running");

    execute_on_file(&file, "DROP TRIGGER refuse_exchange").await;
    let outcome = store.load(run, "tiangong", &dataset, &diagnostics, 0, &Default::default()).await.unwrap();
    assert_eq!(outcome.version_number(), 1);
    assert_eq!(store.read_exchange_cells(outcome.dataset_version()).await.unwrap().len(), dataset.processes.len());
}

/// A load dropped halfway (its caller gave up) rolls back: its rows never appear, and the next load takes the
/// write lock at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_dropped_halfway_writes_nothing() {
    let (_dir, store) = fresh_store().await;
    let (dataset, diagnostics, _) = crate::support::read_fixture();
    let run = store.start_run(&crate::support::new_run("tiangong", &"ef".repeat(32))).await.unwrap();
    let before = store.count_rows().await.unwrap();
    let half = dataset.counts().total_rows() / 2;
    let pausing = ecoref_store::LoadOptions {
        pause_after_rows: Some((half, std::time::Duration::from_secs(60))),
        ..Default::default()
    };
    let load = store.load(run, "tiangong", &dataset, &diagnostics, 0, &pausing);
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(500), load).await;
    assert!(gave_up.is_err(), "the load was still paused");
    assert_eq!(store.count_rows().await.unwrap(), before, "nothing of the dropped load shows");

    let started = std::time::Instant::now();
    let outcome = store.load(run, "tiangong", &dataset, &diagnostics, 0, &Default::default()).await.unwrap();
    assert_eq!(outcome.version_number(), 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "the dropped load's lock was let go");
}

/// A database file removed under a running import is an error naming the file, not a new empty database made
/// by the load.
#[tokio::test]
async fn a_load_never_creates_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ecoref.sqlite");
    let store = Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let run = store.start_run(&crate::support::new_run("gone", &"ab".repeat(32))).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let dataset = crate::support::awkward_dataset("gone");
    let error = store.load(run, "gone", &dataset, &[], 0, &Default::default()).await.unwrap_err();
    assert_eq!(error.to_string(), format!("cannot open {}", file.display()));
    assert!(!file.exists(), "the load made a new database file");
}
