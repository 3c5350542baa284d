//! Differential test: random operation sequences give identical results
//! (values, error codes, outbox) on the in-memory store and on SQLite.
//!
//! 1,000 sequences in CI; `KASSA_PROPTEST_CASES` sets the count.

use kassa::store::MemoryStore;
use kassa::testing::differential::{op, World};
use kassa_sqlite::SqliteStore;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("KASSA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_sqlite_agree_on_random_sequences(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut memory = World::new(MemoryStore::new());
        let mut sqlite = World::new(SqliteStore::open(dir.path().join("diff.db")).unwrap());
        for (i, op) in ops.iter().enumerate() {
            let (m, s) = (memory.apply(op), sqlite.apply(op));
            prop_assert_eq!(&m, &s, "step {} {:?}", i, op);
        }
        prop_assert_eq!(memory.snapshot(), sqlite.snapshot());
    }
}
