//! The store conformance suite.
//!
//! Each check builds what it needs on a fresh store from `make` and returns
//! `Err(description)` on the first violation, so a store crate runs them all
//! with [`check_all`] and this crate can prove that a broken store fails.

mod catalog;
mod checkout;
mod customers;
mod edits;
mod generation;
mod keys;
mod orders;
mod outbox;
mod reads;
mod sequences;

pub use catalog::{
    catalog_behaviour, concurrent_catalog_saves, hostile_text_round_trips,
    reserve_all_adds_up_demand, stock_totals_over_locations,
};
pub use checkout::{
    a_running_key_is_in_progress, checkout_places_one_order, concurrent_checkouts_never_oversell,
    concurrent_refunds_never_exceed_captured, coupon_limit_holds_under_concurrency,
    failed_payment_consumes_nothing, one_cart_many_completions_one_order,
    store_credit_is_never_spent_twice, timeouts_after_success_charge_once,
};
pub use customers::customer_emails_stay_unique;
pub use edits::{concurrent_edits_never_oversell, order_edits_move_stock_with_the_order};
pub use generation::catalog_generation_follows_writes;
pub use keys::one_new_key_raced_gives_one_order;
pub use orders::{
    concurrent_fulfilments_never_ship_more_than_ordered, order_changes_move_stock_atomically,
    order_lifecycle_moves_stock,
};
pub use outbox::readers_never_skip_events_of_concurrent_writers;
pub use reads::load_many_reads_like_load;
pub use sequences::numbers_are_never_handed_out_twice;

use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::json;

use crate::engine::{Engine, ManualClock, SequentialIds};
use crate::inventory::{StockKey, StockPolicy};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, EventKind, Store};

/// What a check returns: `Err` names the violated property.
pub type Outcome = std::result::Result<(), String>;

/// Threads used by the concurrency checks (the CI machine has 2 cores;
/// more threads than cores still interleave).
pub const THREADS: usize = 4;

fn engine<S: Store>(store: S) -> Engine<S> {
    Engine::new(
        store,
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(SequentialIds::default()),
    )
}

pub(crate) fn ensure(condition: bool, what: impl FnOnce() -> String) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}

pub(crate) fn run<T>(result: crate::Result<T>, what: &str) -> std::result::Result<T, String> {
    result.map_err(|e| format!("{what}: unexpected error {}: {e}", e.code()))
}

/// Runs every check; the first failure is returned.
///
/// # Errors
///
/// The description of the first violated property.
pub fn check_all<S: Store + 'static>(make: &dyn Fn() -> S) -> Outcome {
    stock_lifecycle(make())?;
    outbox_order(make())?;
    readers_never_skip_events_of_concurrent_writers(make())?;
    no_oversell(make())?;
    store_credit_is_never_spent_twice(make())?;
    order_edits_move_stock_with_the_order(make())?;
    concurrent_edits_never_oversell(make())?;
    one_winner_per_reservation(make())?;
    versioned_saves_lose_no_update(make())?;
    documents_save_together(make())?;
    documents_delete_at_their_version(make())?;
    load_many_reads_like_load(make())?;
    numbers_are_never_handed_out_twice(make())?;
    customer_emails_stay_unique(make())?;
    reserve_all_adds_up_demand(make())?;
    stock_totals_over_locations(make())?;
    catalog_behaviour(make())?;
    concurrent_catalog_saves(make())?;
    hostile_text_round_trips(make())?;
    catalog_generation_follows_writes(make())?;
    oversized_values_never_reach_the_store(make())?;
    hostile_keys_and_documents_round_trip(make())?;
    checkout_places_one_order(make())?;
    failed_payment_consumes_nothing(make())?;
    concurrent_checkouts_never_oversell(make())?;
    one_cart_many_completions_one_order(make())?;
    coupon_limit_holds_under_concurrency(make())?;
    timeouts_after_success_charge_once(make())?;
    a_running_key_is_in_progress(make())?;
    one_new_key_raced_gives_one_order(make())?;
    concurrent_refunds_never_exceed_captured(make())?;
    order_changes_move_stock_atomically(make())?;
    order_lifecycle_moves_stock(make())?;
    concurrent_fulfilments_never_ship_more_than_ordered(make())?;
    Ok(())
}

/// Document ids and bodies, SKUs, locations and reasons holding SQL,
/// quotes, a NUL byte, an RTL override and 4-byte UTF-8 come back
/// byte-identical, and each stock write records its event.
///
/// # Errors
///
/// The violated property.
pub fn hostile_keys_and_documents_round_trip<S: Store>(store: S) -> Outcome {
    let hostile = [
        "'); DROP TABLE documents;--",
        "quote \" and ' and `",
        "nul \0 byte",
        "rtl \u{202E}override",
        "emoji 🦀 𝄞 4-byte",
    ];
    let engine = engine(store);
    for (i, text) in hostile.iter().enumerate() {
        let id = format!("{text}-{i}");
        run(
            engine.store().save(
                "notes",
                &id,
                None,
                json!({ "text": text }).into(),
                Vec::new(),
            ),
            "save a hostile document",
        )?;
        let back = run(engine.store().load("notes", &id), "load")?;
        ensure(
            back.as_ref()
                .and_then(|d| d.value.to_value().ok())
                .is_some_and(|v| v["text"].as_str() == Some(*text)),
            || format!("document {id:?} came back as {back:?}"),
        )?;
    }
    let scanned = run(engine.store().scan("notes", None, 100), "scan")?;
    ensure(scanned.len() == hostile.len(), || {
        format!(
            "scanned {} of {} hostile documents",
            scanned.len(),
            hostile.len()
        )
    })?;
    for text in hostile {
        let key = StockKey::new(text, text);
        run(engine.adjust_stock(&key, 3, text), "adjust a hostile key")?;
        let on_hand = run(engine.stock(&key), "stock")?.map(|s| s.level.on_hand);
        ensure(on_hand == Some(3), || {
            format!("stock of {text:?} came back as {on_hand:?}")
        })?;
    }
    let events = run(engine.events_since(0, 100), "events")?;
    ensure(events.len() == hostile.len(), || {
        format!("{} events for {} stock writes", events.len(), hostile.len())
    })
}

/// A 10 MB SKU, location or reason is refused with `invalid_field`
/// before the store sees it: no record, no event.
///
/// # Errors
///
/// The violated property.
pub fn oversized_values_never_reach_the_store<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let huge = "x".repeat(10 * 1024 * 1024);
    let attempts = [
        (StockKey::new(huge.as_str(), "main"), "delivery"),
        (StockKey::new("TEE", huge.as_str()), "delivery"),
        (StockKey::new("TEE", "main"), huge.as_str()),
        (StockKey::new("", "main"), "delivery"),
    ];
    for (key, reason) in &attempts {
        let refused = engine.adjust_stock(key, 1, reason);
        ensure(
            refused.as_ref().is_err_and(|e| e.code() == "invalid_field"),
            || format!("an oversized or empty stock value must be invalid_field, got {refused:?}"),
        )?;
        ensure(run(engine.stock(key), "stock")?.is_none(), || {
            "a refused stock value must write nothing".into()
        })?;
    }
    let err = engine
        .configure_stock(
            &StockKey::new(huge.as_str(), "main"),
            StockPolicy::Deny,
            None,
        )
        .err()
        .map(|e| e.code());
    ensure(err == Some("invalid_field"), || {
        format!("configure_stock with a 10 MB SKU gave {err:?}")
    })?;
    let events = run(engine.events_since(0, 10), "events")?;
    ensure(events.is_empty(), || {
        format!("refused values recorded {} events", events.len())
    })
}

/// Configure, adjust, reserve, release, commit, fulfil: levels, identity,
/// typed errors, and nothing written by a rejected operation.
///
/// # Errors
///
/// The violated property.
pub fn stock_lifecycle<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let key = StockKey::new("TEE", "main");
    ensure(
        engine
            .reserve(&key, 1, 1_000)
            .is_err_and(|e| e.code() == "unknown_stock"),
        || "reserving an unknown key must be unknown_stock".into(),
    )?;
    run(
        engine.configure_stock(&key, StockPolicy::Deny, Some(2)),
        "configure",
    )?;
    run(engine.adjust_stock(&key, 10, "delivery"), "adjust")?;
    let r1 = run(engine.reserve(&key, 4, 60_000), "reserve 4")?;
    let r2 = run(engine.reserve(&key, 5, 60_000), "reserve 5")?;
    let before = run(engine.stock(&key), "stock")?;
    let refused = engine.reserve(&key, 2, 60_000);
    ensure(
        refused.is_err_and(|e| e.code() == "insufficient_stock"),
        || "over-reserving must be insufficient_stock".into(),
    )?;
    ensure(run(engine.stock(&key), "stock")? == before, || {
        "a refused reserve must change nothing".into()
    })?;
    run(engine.release(&r1.id), "release")?;
    ensure(
        engine
            .release(&r1.id)
            .is_err_and(|e| e.code() == "unknown_reservation"),
        || "releasing twice must be unknown_reservation".into(),
    )?;
    run(engine.commit(&r2.id), "commit")?;
    run(engine.fulfil(&key, 5), "fulfil")?;
    let record = run(engine.stock(&key), "stock")?.ok_or("the record vanished")?;
    let l = record.level;
    ensure(
        (l.on_hand, l.reserved, l.committed, l.available()) == (5, 0, 0, 5),
        || format!("unexpected level {l:?}"),
    )?;
    ensure(
        l.on_hand == l.available() + l.reserved + l.committed + l.unavailable,
        || "identity broken".into(),
    )?;
    ensure(
        engine
            .fulfil(&key, 1)
            .is_err_and(|e| e.code() == "invalid_stock_operation"),
        || "fulfilling uncommitted stock must be invalid_stock_operation".into(),
    )?;
    let l = run(engine.set_aside(&key, 2, "damaged"), "set aside")?.level;
    ensure(
        (l.available(), l.unavailable, l.on_hand) == (3, 2, 5),
        || format!("setting 2 aside: unexpected level {l:?}"),
    )?;
    ensure(
        engine
            .set_aside(&key, 4, "damaged")
            .is_err_and(|e| e.code() == "invalid_stock_operation"),
        || "setting aside more than is available must be invalid_stock_operation".into(),
    )?;
    let after = run(engine.stock(&key), "stock")?
        .ok_or("the record vanished")?
        .level;
    ensure(after == l, || {
        "a refused set-aside must change nothing".into()
    })
}

/// Every change records its events, read back in order by cursor with
/// pagination; a low-stock crossing records one `low_stock` event.
///
/// # Errors
///
/// The violated property.
pub fn outbox_order<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let key = StockKey::new("MUG", "main");
    run(
        engine.configure_stock(&key, StockPolicy::Deny, Some(3)),
        "configure",
    )?;
    run(engine.adjust_stock(&key, 5, "delivery"), "adjust")?;
    let r = run(engine.reserve(&key, 2, 60_000), "reserve")?; // available 3: low stock
    run(engine.release(&r.id), "release")?;
    let mut all = Vec::new();
    let mut cursor = 0;
    loop {
        let page = run(engine.events_since(cursor, 2), "events_since")?;
        ensure(page.len() <= 2, || {
            "events_since must honour its limit".into()
        })?;
        let Some(last) = page.last() else { break };
        cursor = last.cursor;
        all.extend(page);
    }
    let kinds: Vec<&str> = all
        .iter()
        .map(|e| match e.kind {
            EventKind::StockConfigured { .. } => "configured",
            EventKind::StockAdjusted { .. } => "adjusted",
            EventKind::StockReserved { .. } => "reserved",
            EventKind::LowStock { .. } => "low_stock",
            EventKind::StockReleased { .. } => "released",
            _ => "other",
        })
        .collect();
    ensure(
        kinds
            == [
                "configured",
                "adjusted",
                "reserved",
                "low_stock",
                "released",
            ],
        || format!("events out of order: {kinds:?}"),
    )?;
    ensure(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.cursor == i as u64 + 1),
        || "cursors must be 1, 2, 3, ...".into(),
    )?;
    // Retention: discarded events are gone, later cursors unchanged.
    run(engine.discard_events(3), "discard")?;
    let kept = run(engine.events_since(0, 10), "events_since")?;
    let cursors: Vec<u64> = kept.iter().map(|e| e.cursor).collect();
    ensure(cursors == [4, 5], || {
        format!("after discarding up to 3, events_since(0) gave cursors {cursors:?}")
    })?;
    run(engine.adjust_stock(&key, 1, "count"), "adjust")?;
    let next = run(engine.events_since(5, 10), "events_since")?;
    ensure(next.len() == 1 && next[0].cursor == 6, || {
        "cursors keep counting after a discard".into()
    })
}

/// `THREADS` threads reserve one unit at a time from 100 units: exactly 100
/// reservations succeed, every other one is `insufficient_stock`, and the
/// record says 100 reserved.
///
/// # Errors
///
/// The violated property (an oversell or a lost update).
pub fn no_oversell<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let key = StockKey::new("LIMITED", "main");
    run(engine.adjust_stock(&key, 100, "drop"), "adjust")?;
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (engine, key, start) = (engine.clone(), key.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let (mut ok, mut refused, mut other) = (0u32, 0u32, 0u32);
                for _ in 0..60 {
                    match engine.reserve(&key, 1, 60_000) {
                        Ok(_) => ok += 1,
                        Err(e) if e.code() == "insufficient_stock" => refused += 1,
                        Err(_) => other += 1,
                    }
                }
                (ok, refused, other)
            })
        })
        .collect();
    let mut totals = (0, 0, 0);
    for h in handles {
        let (ok, refused, other) = h
            .join()
            .map_err(|_| "a reserving thread panicked".to_owned())?;
        totals = (totals.0 + ok, totals.1 + refused, totals.2 + other);
    }
    let level = run(engine.stock(&key), "stock")?
        .ok_or("the record vanished")?
        .level;
    ensure(totals.2 == 0, || {
        format!("{} reservations failed with unexpected errors", totals.2)
    })?;
    ensure(totals.0 == 100, || {
        format!(
            "oversell: {} reservations succeeded for 100 units",
            totals.0
        )
    })?;
    ensure(level.reserved == 100 && level.available() == 0, || {
        format!("lost update: level {level:?} after 100 reservations")
    })
}

/// `THREADS` threads race to commit or release the same reservations:
/// exactly one wins each, the others get `unknown_reservation`.
///
/// # Errors
///
/// The violated property (a double completion).
pub fn one_winner_per_reservation<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let key = StockKey::new("RACE", "main");
    run(engine.adjust_stock(&key, 50, "delivery"), "adjust")?;
    let ids: Vec<crate::inventory::ReservationId> = (0..50)
        .map(|_| run(engine.reserve(&key, 1, 60_000), "reserve").map(|r| r.id))
        .collect::<Result<_, _>>()?;
    let ids = Arc::new(ids);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, ids, start) = (engine.clone(), ids.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                ids.iter()
                    .filter(|id| {
                        if t % 2 == 0 {
                            engine.commit(id).is_ok()
                        } else {
                            engine.release(id).is_ok()
                        }
                    })
                    .count()
            })
        })
        .collect();
    let mut wins = 0;
    for h in handles {
        wins += h
            .join()
            .map_err(|_| "a settling thread panicked".to_owned())?;
    }
    let level = run(engine.stock(&key), "stock")?
        .ok_or("the record vanished")?
        .level;
    ensure(wins == 50, || {
        format!("{wins} settlements won for 50 reservations")
    })?;
    ensure(
        level.reserved == 0 && level.committed + level.available() == 50,
        || format!("unexpected level {level:?}"),
    )
}

/// `THREADS` threads increment a counter document with versioned saves,
/// retrying on `concurrent_modification`: no increment is lost.
///
/// # Errors
///
/// The violated property (a lost update or a wrong error).
pub fn versioned_saves_lose_no_update<S: Store + 'static>(store: S) -> Outcome {
    let store = Arc::new(store);
    run(
        store.save("counter", "c", None, json!({ "n": 0 }).into(), Vec::new()),
        "first save",
    )?;
    ensure(
        store
            .save("counter", "c", None, json!({ "n": 0 }).into(), Vec::new())
            .is_err_and(|e| e.code() == "concurrent_modification"),
        || "creating an existing document must be concurrent_modification".into(),
    )?;
    let per_thread = 50;
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            thread::spawn(move || -> Outcome {
                start.wait();
                for _ in 0..per_thread {
                    loop {
                        let doc = run(store.load("counter", "c"), "load")?
                            .ok_or("the document vanished")?;
                        let n = doc
                            .value
                            .to_value()
                            .ok()
                            .and_then(|v| v["n"].as_i64())
                            .unwrap_or(-1);
                        match store.save(
                            "counter",
                            "c",
                            Some(doc.version),
                            json!({ "n": n + 1 }).into(),
                            Vec::new(),
                        ) {
                            Ok(_) => break,
                            Err(e) if e.code() == "concurrent_modification" => continue,
                            Err(e) => return Err(format!("save: unexpected error {}", e.code())),
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join()
            .map_err(|_| "an incrementing thread panicked".to_owned())??;
    }
    let doc = run(store.load("counter", "c"), "load")?.ok_or("the document vanished")?;
    let want = (THREADS * per_thread) as i64;
    let n = doc.value.to_value().ok().and_then(|v| v["n"].as_i64());
    ensure(n == Some(want), || {
        format!("lost update: counter {n:?} instead of {want}")
    })?;
    ensure(doc.version == want as u64 + 1, || {
        format!("version {} after {} saves", doc.version, want + 1)
    })
}

/// `save_all` writes every document or none: one stale version refuses the
/// whole batch and records no event.
///
/// # Errors
///
/// The violated property.
pub fn documents_save_together<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let store = engine.store();
    let write = |id: &str, expected, n: i64| DocumentWrite {
        collection: "docs".into(),
        id: id.into(),
        expected,
        value: json!({ "n": n }).into(),
    };
    run(
        store.save("docs", "a", None, json!({ "n": 0 }).into(), Vec::new()),
        "save a",
    )?;
    run(
        store.save("docs", "b", None, json!({ "n": 0 }).into(), Vec::new()),
        "save b",
    )?;
    run(
        store.save("docs", "b", Some(1), json!({ "n": 1 }).into(), Vec::new()),
        "save b again",
    )?;
    let event = || {
        engine.event(EventKind::CategorySaved {
            category: "batch".into(),
        })
    };
    let before = run(engine.events_since(0, 100), "events")?.len();
    let stale = store.save_all(
        vec![
            write("a", Some(1), 7),
            write("b", Some(1), 7),
            write("c", None, 7),
        ],
        vec![event()],
    );
    ensure(
        stale.is_err_and(|e| e.code() == "concurrent_modification"),
        || "a batch with one stale version must be concurrent_modification".into(),
    )?;
    let a = run(store.load("docs", "a"), "load a")?.ok_or("a vanished")?;
    let c = run(store.load("docs", "c"), "load c")?;
    let after = run(engine.events_since(0, 100), "events")?.len();
    ensure(a.version == 1 && c.is_none() && after == before, || {
        "a refused batch must write nothing and record no event".into()
    })?;
    let versions = run(
        store.save_all(
            vec![
                write("a", Some(1), 8),
                write("b", Some(2), 8),
                write("c", None, 8),
            ],
            vec![event()],
        ),
        "save_all",
    )?;
    let after = run(engine.events_since(0, 100), "events")?.len();
    ensure(versions == [2, 3, 1] && after == before + 1, || {
        format!(
            "batch versions {versions:?}, {} events recorded",
            after - before
        )
    })?;
    ensure(
        store
            .save_all(vec![write("d", None, 1), write("d", None, 2)], Vec::new())
            .is_err_and(|e| e.code() == "concurrent_modification"),
        || "one document twice in a batch must be refused".into(),
    )?;
    // Scans go by id, page by page, and stay inside their collection.
    run(
        store.save("other", "x", None, json!({}).into(), Vec::new()),
        "save other",
    )?;
    let first = run(store.scan("docs", None, 2), "scan")?;
    let rest = run(
        store.scan("docs", first.last().map(|(id, _)| id.as_str()), 10),
        "scan",
    )?;
    let ids: Vec<&str> = first
        .iter()
        .chain(&rest)
        .map(|(id, _)| id.as_str())
        .collect();
    ensure(ids == ["a", "b", "c"], || format!("scan gave {ids:?}"))?;
    // A version walk sees what a scan sees, page by page, without bodies.
    let mut walked = Vec::new();
    let first = run(
        store.scan_versions("docs", None, 2, &mut |id, v| {
            walked.push((id.to_owned(), v))
        }),
        "scan_versions",
    )?;
    let after = walked.last().map(|(id, _)| id.clone());
    let rest = run(
        store.scan_versions("docs", after.as_deref(), 10, &mut |id, v| {
            walked.push((id.to_owned(), v));
        }),
        "scan_versions",
    )?;
    let scanned: Vec<(String, u64)> = scanned_versions(store)?;
    ensure(first == 2 && rest == 1 && walked == scanned, || {
        format!("scan_versions gave {walked:?} ({first} + {rest}), scan gave {scanned:?}")
    })
}

/// A delete takes the document at its version only; the document is gone
/// from loads and scans, and may be created again.
///
/// # Errors
///
/// The violated property.
pub fn documents_delete_at_their_version<S: Store>(store: S) -> Outcome {
    for id in ["a", "b"] {
        run(
            store.save("docs", id, None, json!({ "id": id }).into(), Vec::new()),
            "save",
        )?;
    }
    run(
        store.save("docs", "a", Some(1), json!({ "n": 2 }).into(), Vec::new()),
        "save a again",
    )?;
    for (expected, what) in [(1, "a stale version"), (3, "a future version")] {
        let refused = store.delete("docs", "a", expected);
        ensure(
            refused.is_err_and(|e| e.code() == "concurrent_modification"),
            || format!("deleting at {what} must be concurrent_modification"),
        )?;
    }
    ensure(run(store.load("docs", "a"), "load")?.is_some(), || {
        "a refused delete deleted".into()
    })?;
    run(store.delete("docs", "a", 2), "delete a")?;
    ensure(run(store.load("docs", "a"), "load")?.is_none(), || {
        "a deleted document still loads".into()
    })?;
    let ids: Vec<String> = run(store.scan("docs", None, 10), "scan")?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    ensure(ids == ["b"], || format!("scan after delete gave {ids:?}"))?;
    let again = store.delete("docs", "a", 2);
    ensure(
        again.is_err_and(|e| e.code() == "concurrent_modification"),
        || "deleting a missing document must be concurrent_modification".into(),
    )?;
    let version = run(
        store.save("docs", "a", None, json!({}).into(), Vec::new()),
        "create a again",
    )?;
    ensure(version == 1, || format!("re-created at version {version}"))
}

fn scanned_versions<S: Store>(store: &S) -> std::result::Result<Vec<(String, u64)>, String> {
    Ok(run(store.scan("docs", None, 10), "scan")?
        .into_iter()
        .map(|(id, doc)| (id, doc.version))
        .collect())
}
