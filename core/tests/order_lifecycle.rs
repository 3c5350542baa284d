//! Orders after placement through the engine, and what the CRM learns from
//! them: shipments, cancellations, returns (to the payment or as store
//! credit), cart adds the engine records itself, the 360 view, export and
//! erasure.

use std::sync::Arc;

use kassa::cart::Address;
use kassa::catalog::SortedMap;
use kassa::engine::{CheckoutOptions, Engine, ManualClock, SequentialIds};
use kassa::order::{LineQty, RefundMethod, ReturnItem, ReturnReason, ReturnStatus};
use kassa::payment::TestGateway;
use kassa::pricing::Timestamp;
use kassa::store::{EventKind, MemoryStore};
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};
use rust_decimal::Decimal;

fn engine() -> Engine<MemoryStore> {
    let engine = Engine::new(
        MemoryStore::new(),
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(SequentialIds::default()),
    );
    tee_shop(&engine, 100, None).unwrap();
    engine
}

/// An order of `qty` tees (20.00 EUR each) for `customer`.
fn order(engine: &Engine<MemoryStore>, customer: Option<&str>, qty: u64, key: &str) -> String {
    let (cart, v) = engine.create_cart(Currency::EUR, customer).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE", qty, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    let gateway = TestGateway::default();
    engine
        .complete_checkout(&cart.id, key, &gateway, &CheckoutOptions::default())
        .unwrap()
        .id
        .to_string()
}

fn item(qty: u64, note: Option<&str>) -> ReturnItem {
    ReturnItem {
        line: 0,
        qty,
        reason: ReturnReason::SizeOrFit,
        note: note.map(str::to_owned),
    }
}

#[test]
fn returns_and_cancellations_feed_the_customer_metrics() {
    let engine = engine();
    let (ada, _) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let first = order(&engine, Some(&ada.id), 4, "k1");
    let second = order(&engine, Some(&ada.id), 1, "k2");
    engine
        .fulfil_order(
            &first,
            &[LineQty { line: 0, qty: 4 }],
            None,
            None,
            "staff:ann",
        )
        .unwrap();
    engine
        .cancel_order(&second, "customer asked", "staff:ann", &gateway, &options)
        .unwrap();
    let kept = engine
        .request_return(
            &first,
            &[item(1, Some("too small, call me at +4930123"))],
            "customer",
        )
        .unwrap();
    let rejected = engine
        .request_return(&first, &[item(2, None)], "customer")
        .unwrap();
    engine
        .reject_return(&rejected.id, "worn", "staff:ann")
        .unwrap();
    engine.refresh_customer_metrics(10_000).unwrap();
    let m = engine.customer_metrics(&ada.id).unwrap();
    // The cancelled order leaves the counts: 1 order of 4 units, 80.00.
    assert_eq!((m.orders, m.cancelled_orders, m.units_ordered), (1, 1, 4));
    assert_eq!(m.total_spent(Currency::EUR).to_string(), "80.00");
    // One return of 1 unit stands; the rejected one does not count.
    assert_eq!((m.returns, m.units_returned), (1, 1));
    assert_eq!(m.return_rate(), Decimal::new(25, 2));
    engine
        .put_segment("returners", "return_rate >= 0.2")
        .unwrap();
    assert_eq!(
        engine.segment_members("returners", Currency::EUR).unwrap(),
        [ada.id.as_str()]
    );

    // The engine recorded the cart adds itself; the refresh logged them.
    let log = engine.behaviour_log(&ada.id).unwrap();
    let adds = log
        .entries
        .iter()
        .filter(|e| e.action == kassa::customer::LoggedAction::AddedToCart)
        .count();
    assert_eq!(adds, 2);
    engine
        .put_segment("carted", r#"added_to_cart(product: "tee")"#)
        .unwrap();
    assert_eq!(
        engine.segment_members("carted", Currency::EUR).unwrap(),
        [ada.id.as_str()]
    );

    // Refunded as store credit: one unit's share of the 80.00 line.
    engine.approve_return(&kept.id, "staff:ann").unwrap();
    engine
        .receive_return(&kept.id, &[false], "staff:ann")
        .unwrap();
    let refunded = engine
        .refund_return(
            &kept.id,
            RefundMethod::StoreCredit,
            "staff:ann",
            &gateway,
            &options,
        )
        .unwrap();
    assert_eq!(refunded.status, ReturnStatus::Refunded);
    let credit = engine.store_credit(&ada.id).unwrap();
    assert_eq!(
        credit.balance(Currency::EUR),
        Money::from_minor_units(2_000, Currency::EUR)
    );
    // Not restocked: the stock only lost the 4 shipped units.
    let level = engine
        .stock(&kassa::inventory::StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap()
        .level;
    assert_eq!(
        (level.on_hand, level.committed, level.available()),
        (96, 0, 96)
    );

    engine.refresh_customer_metrics(10_000).unwrap();
    let view = engine.customer_view(&ada.id, Currency::EUR).unwrap();
    assert_eq!(view.orders.len(), 2);
    let statuses: Vec<ReturnStatus> = view.returns.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [ReturnStatus::Rejected, ReturnStatus::Refunded]);
    assert_eq!(view.store_credit, credit);
    assert_eq!(
        &*engine.customer_orders(&ada.id, 1).unwrap()[0].id,
        second,
        "newest first"
    );

    // The customer's own event stream, newest first.
    let recent: Vec<&str> = view
        .recent_events
        .iter()
        .map(|e| match &e.kind {
            EventKind::ReturnChanged { .. } => "return",
            EventKind::StoreCreditChanged { .. } => "store credit",
            EventKind::OrderCancelled { .. } => "cancelled",
            EventKind::OrderFulfilled { .. } => "fulfilled",
            EventKind::OrderPlaced { .. } => "placed",
            EventKind::BehaviourRecorded { .. } => "behaviour",
            EventKind::CartCreated { .. } => "cart",
            _ => "other",
        })
        .collect();
    assert_eq!(
        recent[..6],
        [
            "return",
            "store credit",
            "return",
            "return",
            "return",
            "return"
        ]
    );
    assert!(recent.contains(&"cancelled") && recent.contains(&"fulfilled"));
    let export = engine.export_customer(&ada.id).unwrap();
    assert!(export["timeline"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(export["returns"].as_array().map(Vec::len), Some(2));
    assert!(export.to_string().contains("+4930123"));
    engine.erase_customer(&ada.id).unwrap();
    let (after, _) = engine.return_request(&kept.id).unwrap();
    assert_eq!(
        after.lines[0].note, None,
        "erasure removes the customer's words"
    );
    assert_eq!(after.refund, refunded.refund, "money figures stay");
    let index = engine.customer_index(&ada.id).unwrap();
    assert!(index.timeline.is_empty() && index.tickets.is_empty());
    assert_eq!(index.orders.len(), 2, "orders stay listed");
}

#[test]
fn every_order_change_is_an_event_in_the_outbox() {
    let engine = engine();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let id = order(&engine, None, 2, "k1");
    let start = engine.events_since(0, 10_000).unwrap().len();
    engine
        .fulfil_order(
            &id,
            &[LineQty { line: 0, qty: 2 }],
            Some("UPS"),
            None,
            "staff:ann",
        )
        .unwrap();
    let ret = engine
        .request_return(&id, &[item(2, None)], "customer")
        .unwrap();
    engine.approve_return(&ret.id, "staff:ann").unwrap();
    engine
        .receive_return(&ret.id, &[true], "staff:ann")
        .unwrap();
    engine
        .refund_return(
            &ret.id,
            RefundMethod::OriginalPayment,
            "staff:ann",
            &gateway,
            &options,
        )
        .unwrap();
    let kinds: Vec<String> = engine.events_since(0, 10_000).unwrap()[start..]
        .iter()
        .map(|e| match &e.kind {
            EventKind::OrderFulfilled { units, .. } => format!("fulfilled {units}"),
            EventKind::StockFulfilled { qty, .. } => format!("stock shipped {qty}"),
            EventKind::ReturnChanged { status, .. } => format!("return {}", status.as_str()),
            EventKind::StockAdjusted { delta, reason, .. } => format!("stock {delta:+} ({reason})"),
            EventKind::PaymentRefunded { amount, .. } => format!("refunded {amount}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "fulfilled 2",
            "stock shipped 2",
            "return requested",
            "return approved",
            "return received",
            format!("stock +2 (return {})", ret.id).as_str(),
            "refunded 40.00",
            "return refunded",
        ]
    );
    let (order, _) = engine.order(&id).unwrap();
    assert_eq!(order.payment.ledger.state().refunded.to_string(), "40.00");
}

#[test]
fn a_guest_order_cannot_be_refunded_as_store_credit() {
    let engine = engine();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let id = order(&engine, None, 1, "k1");
    engine
        .fulfil_order(&id, &[LineQty { line: 0, qty: 1 }], None, None, "staff:ann")
        .unwrap();
    let ret = engine
        .request_return(&id, &[item(1, None)], "guest")
        .unwrap();
    engine.approve_return(&ret.id, "staff:ann").unwrap();
    engine
        .receive_return(&ret.id, &[true], "staff:ann")
        .unwrap();
    let err = engine
        .refund_return(
            &ret.id,
            RefundMethod::StoreCredit,
            "staff:ann",
            &gateway,
            &options,
        )
        .unwrap_err();
    assert_eq!(err.code(), "order_change_refused");
    assert!(err.to_string().contains("guest order"), "{err}");
    // Nothing changed: the return can still be refunded to the payment.
    let (still, _) = engine.return_request(&ret.id).unwrap();
    assert_eq!(still.status, ReturnStatus::Received);
    let done = engine
        .refund_return(
            &ret.id,
            RefundMethod::OriginalPayment,
            "staff:ann",
            &gateway,
            &options,
        )
        .unwrap();
    assert_eq!(
        done.refund.map(|r| r.amount.to_string()),
        Some("20.00".into())
    );
    assert_eq!(
        engine.return_request("nope").unwrap_err().code(),
        "unknown_return"
    );
}

#[test]
fn the_engine_records_cart_behaviour_of_customers_itself() {
    use kassa::customer::BehaviourKind;

    let engine = engine();
    let behaviour = |from: usize| -> Vec<String> {
        engine.events_since(0, 10_000).unwrap()[from..]
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::BehaviourRecorded {
                    customer,
                    behaviour,
                    logged,
                    ..
                } => Some(format!(
                    "{customer} {} (logged {logged})",
                    match behaviour {
                        BehaviourKind::AddedToCart { product } => format!("added {product}"),
                        BehaviourKind::RemovedFromCart { product } => format!("removed {product}"),
                        BehaviourKind::CheckoutStarted => "checkout started".into(),
                        other => format!("{other:?}"),
                    }
                )),
                _ => None,
            })
            .collect()
    };
    let start = engine.events_since(0, 10_000).unwrap().len();
    let (cart, v) = engine.create_cart(Currency::EUR, Some("c1")).unwrap();
    let (c, v) = engine
        .add_to_cart(&cart.id, v, "TEE", 2, SortedMap::new())
        .unwrap();
    let line = c.lines[0].id.clone();
    let (_, v) = engine
        .update_cart(&cart.id, v, |c, e| {
            c.set_quantity(&line, 1, e.clock().now())
        })
        .unwrap();
    let (_, v) = engine
        .update_cart(&cart.id, v, |c, e| {
            c.set_shipping_address(
                Address::new("Ada", "1 Main St", "Berlin", "DE"),
                e.clock().now(),
            )
        })
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| c.remove_line(&line, e.clock().now()))
        .unwrap();
    assert_eq!(
        behaviour(start),
        [
            "c1 added tee (logged false)",
            "c1 removed tee (logged false)",
            "c1 checkout started (logged false)",
            "c1 removed tee (logged false)",
        ]
    );
    // A guest cart records nothing about anyone.
    let now = engine.events_since(0, 10_000).unwrap().len();
    let (guest, v) = engine.create_cart(Currency::EUR, None).unwrap();
    engine
        .add_to_cart(&guest.id, v, "TEE", 1, SortedMap::new())
        .unwrap();
    assert!(behaviour(now).is_empty());
}
