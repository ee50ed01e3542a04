//! Integration tests of the store on both backends: shared check bodies run on SQLite (temp files) and on
//! PostgreSQL (a fresh database per test from `DATABASE_URL`; the runner skips `postgres::` without a server).

mod checks;
mod link_checks;
mod postgres;
mod release_checks;
mod sqlite;
mod support;
