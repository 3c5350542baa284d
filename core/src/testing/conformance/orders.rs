//! Conformance checks for orders after placement: shipping, cancelling
//! and returns move the order and its stock together, and concurrent
//! changes never ship or give back more than was ordered.

use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::json;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::engine::{CheckoutOptions, Engine};
use crate::inventory::{StockKey, StockLevel, StockPolicy};
use crate::order::{LineQty, OrderStatus, RefundMethod, ReturnItem, ReturnReason};
use crate::payment::{PaymentStatus, TestGateway};
use crate::store::{DocumentWrite, EventKind, Store};
use crate::testing::fixtures::{ready_cart, tee_shop};

type Checked<T> = std::result::Result<T, String>;

fn level<S: Store>(engine: &Engine<S>, sku: &str) -> Checked<StockLevel> {
    Ok(run(engine.stock(&StockKey::new(sku, "main")), "stock")?
        .ok_or("the record vanished")?
        .level)
}

/// [`crate::store::OrderStore::change_order`] saves the documents and
/// applies the stock changes in order (two on one key see each other),
/// recording one event per change; a refused change (a stale document, or
/// a stock transition that fails after an earlier one succeeded) writes
/// nothing at all.
///
/// # Errors
///
/// The violated property.
pub fn order_changes_move_stock_atomically<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let a = StockKey::new("A", "main");
    let b = StockKey::new("B", "main");
    for key in [&a, &b] {
        run(
            engine.configure_stock(key, StockPolicy::Deny, None),
            "configure",
        )?;
        run(engine.adjust_stock(key, 10, "delivery"), "adjust")?;
    }
    let ra = run(engine.reserve(&a, 3, 60_000), "reserve a")?;
    run(engine.commit(&ra.id), "commit a")?;
    let rb = run(engine.reserve(&b, 2, 60_000), "reserve b")?;
    run(engine.commit(&rb.id), "commit b")?;
    let store = engine.store();
    run(
        store.save("orders", "o1", None, json!({ "n": 0 }).into(), Vec::new()),
        "save",
    )?;
    let events_before = run(engine.events_since(0, 1_000), "events")?.len();
    let changed =
        |key: &StockKey, _: &crate::inventory::StockRecord, _: &crate::inventory::StockRecord| {
            vec![engine.event(EventKind::CategorySaved {
                category: (&*key.sku).into(),
            })]
        };
    use crate::store::StockChange::{Adjust, Fulfil, Uncommit};
    let versions = run(
        store.change_order(
            vec![DocumentWrite::new(
                "orders",
                "o1",
                Some(1),
                json!({ "n": 1 }),
            )],
            &[
                (a.clone(), Fulfil { qty: 2 }),
                (a.clone(), Uncommit { qty: 1 }),
                (b.clone(), Uncommit { qty: 2 }),
            ],
            vec![engine.event(EventKind::OrderCompleted { order: "o1".into() })],
            &changed,
        ),
        "change_order",
    )?;
    let (la, lb) = (level(&engine, "A")?, level(&engine, "B")?);
    ensure(versions == [2], || {
        format!("versions {versions:?}, not [2]")
    })?;
    ensure(
        (la.on_hand, la.committed, la.available()) == (8, 0, 8)
            && (lb.on_hand, lb.committed, lb.available()) == (10, 0, 10),
        || format!("after shipping 2 and giving back 1 of A and 2 of B: A {la:?}, B {lb:?}"),
    )?;
    let events_after = run(engine.events_since(0, 1_000), "events")?.len();
    ensure(events_after == events_before + 4, || {
        format!(
            "one event plus one per stock change expected, got {}",
            events_after - events_before
        )
    })?;
    // A later change fails: the earlier one in the same call must not stay.
    let refused = store.change_order(
        vec![DocumentWrite::new(
            "orders",
            "o1",
            Some(2),
            json!({ "n": 2 }),
        )],
        &[
            (a.clone(), Adjust { delta: 5 }),
            (b.clone(), Uncommit { qty: 1 }),
        ],
        Vec::new(),
        &changed,
    );
    ensure(
        refused.is_err_and(|e| e.code() == "invalid_stock_operation"),
        || "giving back uncommitted units must be invalid_stock_operation".into(),
    )?;
    let stale = store.change_order(
        vec![DocumentWrite::new(
            "orders",
            "o1",
            Some(1),
            json!({ "n": 3 }),
        )],
        &[(a.clone(), Adjust { delta: 5 })],
        Vec::new(),
        &changed,
    );
    ensure(
        stale.is_err_and(|e| e.code() == "concurrent_modification"),
        || "a stale order must be concurrent_modification".into(),
    )?;
    let doc = run(store.load("orders", "o1"), "load")?.ok_or("o1 vanished")?;
    ensure(
        doc.version == 2
            && level(&engine, "A")? == la
            && run(engine.events_since(0, 1_000), "events")?.len() == events_after,
        || "a refused change_order must write nothing and record no event".into(),
    )
}

/// An order ships in parts (its committed stock leaves the shelf), cannot
/// be cancelled once shipped, closes when fully shipped; a return of 2 of
/// its 3 units, restocked, refunds exactly their share; another order
/// cancelled before shipping gives its stock back and refunds its
/// capture. Every change is in the order's audit trail.
///
/// # Errors
///
/// The violated property.
pub fn order_lifecycle_moves_stock<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    tee_shop(&engine, 10, None)?;
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let cart = ready_cart(&engine, 3, false)?;
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &options),
        "complete",
    )?;
    let id = order.id.clone();
    let ship = |qty| [LineQty { line: 0, qty }];
    let o = run(
        engine.fulfil_order(&id, &ship(2), Some("DHL"), Some("0034"), "staff:ann"),
        "fulfil 2",
    )?;
    let l = level(&engine, "TEE")?;
    ensure(
        o.status == OrderStatus::PartiallyFulfilled && (l.on_hand, l.committed) == (8, 1),
        || format!("after shipping 2 of 3: {:?}, stock {l:?}", o.status),
    )?;
    let refused = engine.cancel_order(&id, "changed mind", "staff:ann", &gateway, &options);
    ensure(
        refused.is_err_and(|e| e.code() == "order_change_refused"),
        || "cancelling a shipped order must be order_change_refused".into(),
    )?;
    let too_many = engine.fulfil_order(&id, &ship(2), None, None, "staff:ann");
    ensure(
        too_many.is_err_and(|e| e.code() == "order_change_refused") && level(&engine, "TEE")? == l,
        || "shipping more than is left must be refused and move nothing".into(),
    )?;
    run(
        engine.fulfil_order(&id, &ship(1), None, None, "staff:bob"),
        "fulfil 1",
    )?;
    let o = run(engine.complete_order(&id, "staff:bob"), "complete order")?;
    ensure(o.status == OrderStatus::Completed, || {
        format!(
            "a fully shipped order closes as completed, not {:?}",
            o.status
        )
    })?;
    let items = [ReturnItem {
        line: 0,
        qty: 2,
        reason: ReturnReason::SizeOrFit,
        note: None,
    }];
    let ret = run(
        engine.request_return(&id, &items, "customer:alice"),
        "request",
    )?;
    run(engine.approve_return(&ret.id, "staff:ann"), "approve")?;
    run(
        engine.receive_return(&ret.id, &[true], "staff:ann"),
        "receive",
    )?;
    let l = level(&engine, "TEE")?;
    ensure((l.on_hand, l.available()) == (9, 9), || {
        format!("2 units back on the shelf: stock {l:?}")
    })?;
    let ret = run(
        engine.refund_return(
            &ret.id,
            RefundMethod::OriginalPayment,
            "staff:ann",
            &gateway,
            &options,
        ),
        "refund",
    )?;
    let refunded = ret.refund.as_ref().map(|r| r.amount.to_string());
    let (o, _) = run(engine.order(&id), "order")?;
    ensure(
        refunded.as_deref() == Some("40.00")
            && o.payment.ledger.state().refunded.to_string() == "40.00"
            && o.payment.ledger.state().status == PaymentStatus::PartiallyRefunded,
        || {
            format!(
                "2 of 3 units of a 60.00 line refund 40.00; got {refunded:?}, {:?}",
                o.payment.ledger.state()
            )
        },
    )?;
    let actions: Vec<&str> = o.history.iter().map(|h| h.action.as_str()).collect();
    ensure(
        actions
            == [
                "fulfilled",
                "fulfilled",
                "completed",
                "return_requested",
                "return_received",
                "return_refunded",
            ]
            && o.history[0].actor == "staff:ann"
            && o.history[1].actor == "staff:bob",
        || format!("audit trail {actions:?}"),
    )?;
    let again = run(
        engine.refund_return(
            &ret.id,
            RefundMethod::OriginalPayment,
            "staff:ann",
            &gateway,
            &options,
        ),
        "refund again",
    )?;
    let (o2, _) = run(engine.order(&id), "order")?;
    ensure(
        again == ret && o2.payment.ledger.state().refunded.to_string() == "40.00",
        || "refunding a refunded return must pay nothing more".into(),
    )?;
    // Cancelled before shipping: the stock comes back, the capture is refunded.
    let cart = ready_cart(&engine, 2, false)?;
    let second = run(
        engine.complete_checkout(&cart, "k2", &gateway, &options),
        "complete 2",
    )?;
    let before = level(&engine, "TEE")?;
    let cancelled = run(
        engine.cancel_order(
            &second.id,
            "out of stock at the warehouse",
            "staff:ann",
            &gateway,
            &options,
        ),
        "cancel",
    )?;
    let after = level(&engine, "TEE")?;
    ensure(
        cancelled.status == OrderStatus::Cancelled
            && cancelled.payment.ledger.state().status == PaymentStatus::Refunded
            && before.committed == 2
            && (after.committed, after.available()) == (0, before.available() + 2),
        || {
            format!(
                "cancelling: {:?}, stock {before:?} -> {after:?}",
                cancelled.payment.ledger.state()
            )
        },
    )?;
    let twice = run(
        engine.cancel_order(&second.id, "again", "staff:ann", &gateway, &options),
        "cancel again",
    )?;
    ensure(
        twice == cancelled && level(&engine, "TEE")? == after,
        || "cancelling a settled cancellation must change nothing".into(),
    )
}

/// `THREADS` threads shipping one unit at a time of a 3-unit order ship
/// exactly 3 between them; the stock's committed units reach 0, never
/// below.
///
/// # Errors
///
/// The violated property.
pub fn concurrent_fulfilments_never_ship_more_than_ordered<S: Store + 'static>(
    store: S,
) -> Outcome {
    let engine = Arc::new(engine(store));
    tee_shop(&engine, 10, None)?;
    let gateway = TestGateway::default();
    let cart = ready_cart(&engine, 3, false)?;
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &CheckoutOptions::default()),
        "complete",
    )?;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            let id = order.id.clone();
            thread::spawn(move || -> Checked<u64> {
                barrier.wait();
                let mut shipped = 0;
                loop {
                    let ship = [LineQty { line: 0, qty: 1 }];
                    match engine.fulfil_order(&id, &ship, None, None, &format!("picker:{t}")) {
                        Ok(_) => shipped += 1,
                        Err(e) if e.code() == "concurrent_modification" => thread::yield_now(),
                        Err(e) if e.code() == "order_change_refused" => return Ok(shipped),
                        Err(e) => return Err(format!("fulfil: unexpected {}: {e}", e.code())),
                    }
                }
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().map_err(|_| "a thread panicked".to_string())??;
    }
    let l = level(&engine, "TEE")?;
    let (o, _) = run(engine.order(&order.id), "order")?;
    ensure(
        total == 3
            && (l.on_hand, l.committed) == (7, 0)
            && o.fulfilments.len() == 3
            && o.status == OrderStatus::Fulfilled,
        || {
            format!(
                "shipped {total} of 3; stock {l:?}; {} fulfilments",
                o.fulfilments.len()
            )
        },
    )
}
