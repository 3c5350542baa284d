//! The outbox under concurrent writers: what a reader polling meanwhile
//! sees.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::inventory::StockKey;
use crate::store::{EventKind, Store};

/// Adjustments each writer thread makes in
/// [`readers_never_skip_events_of_concurrent_writers`].
const WRITES: i64 = 50;

/// `THREADS` threads adjust their own SKU `WRITES` times each while a
/// reader polls `events_since` with small pages and moves its cursor
/// past what it read, as a host does. The reader must end up with every
/// event exactly once, cursors `1, 2, 3, ...` with no gap, and each
/// writer's events in the order it made them: a store that numbers events
/// in one order and makes them visible in another skips events here.
///
/// # Errors
///
/// The violated property (a skipped, repeated or reordered event).
pub fn readers_never_skip_events_of_concurrent_writers<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> Outcome {
                let key = StockKey::new(format!("W{t}"), "main");
                barrier.wait();
                for _ in 0..WRITES {
                    run(engine.adjust_stock(&key, 1, "count"), "adjust")?;
                }
                Ok(())
            })
        })
        .collect();
    let reader = {
        let engine = Arc::clone(&engine);
        let done = Arc::clone(&done);
        thread::spawn(move || -> std::result::Result<Vec<_>, String> {
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                // Read the flag before the page: once writers are done,
                // one more full drain sees everything.
                let finished = done.load(Ordering::SeqCst);
                let page = run(engine.events_since(cursor, 7), "events_since")?;
                if let Some(last) = page.last() {
                    cursor = last.cursor;
                }
                let empty = page.is_empty();
                seen.extend(page);
                if finished && empty {
                    return Ok(seen);
                }
            }
        })
    };
    barrier.wait();
    for w in writers {
        w.join().map_err(|_| "a writer panicked".to_string())??;
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader
        .join()
        .map_err(|_| "the reader panicked".to_string())??;
    let total = THREADS * WRITES as usize;
    ensure(seen.len() == total, || {
        format!("the reader saw {} events of {total}", seen.len())
    })?;
    ensure(
        seen.iter()
            .enumerate()
            .all(|(i, e)| e.cursor == i as u64 + 1),
        || "cursors seen must be 1, 2, 3, ... with no gap or repeat".into(),
    )?;
    for t in 0..THREADS {
        let sku = format!("W{t}");
        let levels: Vec<i64> = seen
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::StockAdjusted { key, level, .. } if *key.sku == *sku => {
                    Some(level.on_hand)
                }
                _ => None,
            })
            .collect();
        ensure(levels == (1..=WRITES).collect::<Vec<_>>(), || {
            format!("writer {t}'s events out of order or missing: {levels:?}")
        })?;
    }
    Ok(())
}
