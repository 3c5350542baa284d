//! Differential test: random operation sequences give identical results
//! (values, error codes, outbox) on the in-memory store and on PostgreSQL.
//!
//! 1,000 sequences in CI; `KASSA_PROPTEST_CASES` sets the count.

mod common;

use kassa::store::MemoryStore;
use kassa::testing::differential::{op, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("KASSA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

#[test]
fn memory_and_postgres_agree_on_random_sequences() {
    let Some(url) = common::url("postgres differential") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            let mut memory = World::new(MemoryStore::new());
            let mut postgres = World::new(schemas.store());
            for (i, op) in ops.iter().enumerate() {
                let (m, p) = (memory.apply(op), postgres.apply(op));
                prop_assert_eq!(&m, &p, "step {} {:?}", i, op);
            }
            prop_assert_eq!(memory.snapshot(), postgres.snapshot());
            Ok(())
        })
        .unwrap();
}
