//! The shared checks on PostgreSQL, each on a fresh database that `#[sqlx::test]` creates from DATABASE_URL.

use ecoref_store::Store;
use sqlx::PgPool;

macro_rules! postgres_tests {
    ($checks:ident: $($name:ident),* $(,)?) => {$(
        #[sqlx::test(migrations = false)]
        async fn $name(pool: PgPool) {
            let store = Store::from_pg_pool(pool).await.unwrap();
            assert_eq!(store.backend(), "postgres");
            crate::$checks::$name(&store).await;
        }
    )*};
}

shared_checks!(postgres_tests);

#[sqlx::test(migrations = "../../sql/postgres")]
async fn from_pg_pool_on_a_migrated_database_is_idempotent(pool: PgPool) {
    let store = Store::from_pg_pool(pool.clone()).await.unwrap();
    let again = Store::from_pg_pool(pool).await.unwrap();
    store.start_run(&crate::support::new_run("s", &"aa".repeat(32))).await.unwrap();
    assert_eq!(again.count_rows().await.unwrap()["import_run"], 1);
}

#[sqlx::test(migrations = false)]
async fn truncate_is_refused(pool: PgPool) {
    let store = Store::from_pg_pool(pool).await.unwrap();
    for sql in ["TRUNCATE exchange CASCADE", "TRUNCATE dataset_version CASCADE", "TRUNCATE import_run CASCADE"] {
        let error = crate::support::execute_raw(&store, sql).await.expect_err(sql);
        assert!(error.contains("truncate refused"), "{sql}: {error}");
    }
}

/// The pipeline lock belongs to one database: a run on another database of the same server neither blocks this
/// one nor is reported as its holder (CI once named a run of a neighbouring test database as the holder).
#[sqlx::test(migrations = false)]
async fn the_pipeline_lock_is_per_database(pool: PgPool) {
    let name = format!("ecoref_lock_neighbour_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&pool).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    let mut options = (*pool.connect_options()).clone();
    options = options.database(&name);
    let neighbour_pool = sqlx::postgres::PgPoolOptions::new().connect_with(options).await.unwrap();
    let neighbour = Store::from_pg_pool(neighbour_pool.clone()).await.unwrap();
    let store = Store::from_pg_pool(pool.clone()).await.unwrap();

    let held = neighbour.try_lock_pipeline("ecoref pipeline neighbour").await.unwrap().expect("free");
    assert_eq!(neighbour.pipeline_lock_holder().await.unwrap().as_deref(), Some("ecoref pipeline neighbour"));
    assert_eq!(store.pipeline_lock_holder().await.unwrap(), None, "a neighbouring database's run is not the holder");
    let mine = store.try_lock_pipeline("ecoref pipeline mine").await.unwrap().expect("not blocked by a neighbour");
    assert_eq!(store.pipeline_lock_holder().await.unwrap().as_deref(), Some("ecoref pipeline mine"));
    mine.release().await.unwrap();
    held.release().await.unwrap();

    neighbour_pool.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}"))).execute(&pool).await.unwrap();
}
