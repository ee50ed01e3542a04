//! Integration tests of the store on both backends: shared check bodies run on SQLite (temp files) and on
//! PostgreSQL (a fresh database per test from `DATABASE_URL`; the runner skips `postgres::` without a server).

/// Calls `$tests!` (a backend's test macro) with every shared check: the checks of [`checks`] at the caller's
/// level, those of [`link_checks`] in a module `links`.
macro_rules! shared_checks {
    ($tests:ident) => {
        $tests!(
            checks:
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
            check_abandoned_runs,
            check_many_inputs,
            check_exchange_needs_its_process,
        );

        mod tokens {
            use super::*;

            $tests!(token_checks: check_api_tokens);
        }

        mod links {
            use super::*;

            $tests!(
                link_checks:
                check_link_sets,
                check_link_tables_of_the_acceptance_releases,
                check_link_set_with_a_dependency,
                check_method_with_weights_from_another_dataset,
                check_methods_from_simapro_and_brightway,
                check_flow_mapping_sets_and_release_inputs,
            );
        }
    };
}

mod checks;
mod link_checks;
mod postgres;
mod release_checks;
mod sqlite;
mod support;
mod token_checks;
