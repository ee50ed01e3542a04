//! The shared checks on PostgreSQL, each on a fresh database that `#[sqlx::test]` creates from DATABASE_URL.

use crate::checks;
use ecoref_store::Store;
use sqlx::PgPool;

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {$(
        #[sqlx::test(migrations = false)]
        async fn $name(pool: PgPool) {
            let store = Store::from_pg_pool(pool).await.unwrap();
            assert_eq!(store.backend(), "postgres");
            checks::$name(&store).await;
        }
    )*};
}

postgres_tests!(
    check_load_fills_every_table,
    check_second_load_is_unchanged,
    check_round_trip,
    check_failed_load_leaves_nothing,
    check_immutability,
    check_version_numbers_per_source,
    check_concurrent_loads_serialize,
    check_find_processes,
    check_load_process,
    check_method_versions,
    check_release_lifecycle,
    check_tags,
    check_diff_of_dataset_versions,
);

mod links {
    use crate::link_checks as checks;
    use ecoref_store::Store;
    use sqlx::PgPool;

    postgres_tests!(
        check_link_sets,
        check_link_tables_of_the_acceptance_releases,
        check_link_set_with_a_dependency,
        check_method_with_weights_from_another_dataset,
        check_methods_from_simapro_and_brightway,
        check_flow_mapping_sets_and_release_inputs,
    );
}

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
