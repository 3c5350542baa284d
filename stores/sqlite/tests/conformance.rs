//! The SQLite store passes the whole conformance suite of the core, each
//! check on a fresh database file.

use std::sync::atomic::{AtomicUsize, Ordering};

use kassa::testing::conformance;
use kassa_sqlite::SqliteStore;

#[test]
fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    let make = || {
        let i = n.fetch_add(1, Ordering::Relaxed);
        SqliteStore::open(dir.path().join(format!("check-{i}.db"))).unwrap()
    };
    conformance::check_all(&make).unwrap();
    assert!(
        n.load(Ordering::Relaxed) >= 19,
        "every check ran on its own file"
    );
}
