//! The migrations are embedded by `sqlx::migrate!`; a new file in sql/ must rebuild this crate (cargo tracks the
//! files the macro read, not files added next to them).
fn main() {
    println!("cargo:rerun-if-changed=../../sql/postgres");
    println!("cargo:rerun-if-changed=../../sql/sqlite");
}
