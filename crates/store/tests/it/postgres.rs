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
