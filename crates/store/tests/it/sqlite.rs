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
