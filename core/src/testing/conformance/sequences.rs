//! Counters handed out by [`crate::store::DocumentStore::next_number`].

use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::json;

use super::{ensure, run, Outcome, THREADS};
use crate::store::{Store, SEQUENCES};

/// Numbers each thread takes in [`numbers_are_never_handed_out_twice`].
const TAKES: usize = 50;

/// A counter starts at 1 and continues from a stored `{"next": n}`;
/// `THREADS` threads taking `TAKES` numbers each at once get every number
/// from 1 to `THREADS * TAKES` exactly once; counters are independent.
///
/// # Errors
///
/// The violated property (a number handed out twice, or skipped without
/// a failure).
pub fn numbers_are_never_handed_out_twice<S: Store + 'static>(store: S) -> Outcome {
    let store = Arc::new(store);
    run(
        store.save(
            SEQUENCES,
            "legacy",
            None,
            json!({ "next": 41 }).into(),
            Vec::new(),
        ),
        "save a counter",
    )?;
    let legacy = run(store.next_number("legacy"), "next_number")?;
    ensure(legacy == 41, || {
        format!("a stored counter at 41 handed out {legacy}")
    })?;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> std::result::Result<Vec<u64>, String> {
                barrier.wait();
                (0..TAKES)
                    .map(|_| run(store.next_number("orders"), "next_number"))
                    .collect()
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().map_err(|_| "a thread panicked".to_string())??);
    }
    all.sort_unstable();
    let expected: Vec<u64> = (1..=(THREADS * TAKES) as u64).collect();
    ensure(all == expected, || {
        format!(
            "concurrent callers got {} numbers, not 1..={}",
            all.len(),
            expected.len()
        )
    })?;
    let after = run(store.next_number("legacy"), "next_number")?;
    ensure(after == 42, || {
        format!("counters must be independent: legacy went on at {after}")
    })
}
