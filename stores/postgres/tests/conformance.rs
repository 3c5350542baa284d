//! The PostgreSQL store passes the whole conformance suite of the core,
//! each check in a fresh schema of a real server.

mod common;

use kassa::testing::conformance;

#[test]
fn postgres_store_passes_the_conformance_suite() {
    let Some(url) = common::url("postgres conformance") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    conformance::check_all(&|| schemas.store()).unwrap();
}
