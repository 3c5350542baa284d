//! Exchanges: a received return's units replaced by another variant of the
//! same product at the same price, shipped on a replacement order with
//! nothing to pay; refused, with nothing written, for anything else.

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::order::{LineQty, OrderStatus, ReturnItem, ReturnReason, ReturnStatus};
use kassa::payment::TestGateway;
use kassa::store::{EventKind, MemoryStore};
use kassa::{Currency, Money};

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

/// Tees in S and M at 20.00 and XL at 22.00, a hat at 20.00; 10 units of
/// each variant but M, which has `m_units`.
fn shop(m_units: i64) -> Engine<MemoryStore> {
    let engine = Engine::in_memory();
    for (product, variants) in [
        (
            "tee",
            vec![("TEE-S", 2_000), ("TEE-M", 2_000), ("TEE-XL", 2_200)],
        ),
        ("hat", vec![("HAT", 2_000)]),
    ] {
        let mut p = Product::new(product, product);
        p.status = ProductStatus::Active;
        for (sku, price) in variants {
            let mut v = Variant::new(sku);
            v.prices = vec![eur(price)];
            p.variants.push(v);
            let units = if sku == "TEE-M" { m_units } else { 10 };
            engine
                .adjust_stock(&StockKey::new(sku, "main"), units, "delivery")
                .unwrap();
        }
        engine.create_product(p).unwrap();
    }
    engine
        .set_pricing(&PricingSettings::default(), None)
        .unwrap();
    engine
}

/// An order of 3 small tees, shipped, 2 sent back and received; returns
/// (order id, return id).
fn received_return(engine: &Engine<MemoryStore>) -> (String, String) {
    let (cart, v) = engine.create_cart(Currency::EUR, Some("ada")).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE-S", 3, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    let order = engine
        .complete_checkout(
            &cart.id,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    engine
        .fulfil_order(&order.id, &[LineQty { line: 0, qty: 3 }], None, None, "ann")
        .unwrap();
    let item = ReturnItem {
        line: 0,
        qty: 2,
        reason: ReturnReason::SizeOrFit,
        note: None,
    };
    let ret = engine.request_return(&order.id, &[item], "ada").unwrap();
    engine.approve_return(&ret.id, "ann").unwrap();
    engine.receive_return(&ret.id, &[true], "ann").unwrap();
    (order.id.to_string(), ret.id)
}

fn stock(engine: &Engine<MemoryStore>, sku: &str) -> (i64, i64) {
    let s = engine.stock(&StockKey::new(sku, "main")).unwrap().unwrap();
    (s.level.on_hand, s.level.committed)
}

#[test]
fn a_received_return_is_exchanged_for_another_size_on_a_replacement_order() {
    let engine = shop(10);
    let (order_id, ret_id) = received_return(&engine);
    let (ret, replacement) = engine
        .exchange_return(&ret_id, &["TEE-M"], "ann", &CheckoutOptions::default())
        .unwrap();
    assert_eq!(ret.status, ReturnStatus::Exchanged);
    assert_eq!(ret.exchange.as_deref(), Some(&*replacement.id));
    let lines: Vec<(&str, u64, Money)> = replacement
        .lines
        .iter()
        .map(|l| (&*l.sku, l.qty, l.total))
        .collect();
    assert_eq!(lines, [("TEE-M", 2, eur(0))]);
    assert_eq!(replacement.grand_total, eur(0));
    assert_eq!(replacement.customer.as_deref(), Some("ada"));
    assert_eq!(replacement.status, OrderStatus::Placed);
    // The medium tees are committed to the replacement; the returned
    // small ones went back on the shelf.
    assert_eq!(stock(&engine, "TEE-M"), (10, 2));
    assert_eq!(stock(&engine, "TEE-S"), (9, 0));
    // The original order keeps its revenue: nothing was refunded.
    let (original, _) = engine.order(&order_id).unwrap();
    assert_eq!(original.payment.ledger.state().refunded, eur(0));
    assert!(original
        .history
        .iter()
        .any(|h| h.action == "return_exchanged"));
    assert!(!engine
        .events_since(0, 1_000)
        .unwrap()
        .iter()
        .any(|e| matches!(e.kind, EventKind::PaymentRefunded { .. })));
    // Asked again: the same replacement, nothing more committed.
    let (_, again) = engine
        .exchange_return(&ret_id, &["TEE-M"], "ann", &CheckoutOptions::default())
        .unwrap();
    assert_eq!(again.id, replacement.id);
    assert_eq!(stock(&engine, "TEE-M"), (10, 2));
    // It ships like any order.
    let shipped = engine
        .fulfil_order(
            &replacement.id,
            &[LineQty { line: 0, qty: 2 }],
            None,
            None,
            "ann",
        )
        .unwrap();
    assert_eq!(shipped.status, OrderStatus::Fulfilled);
    assert_eq!(stock(&engine, "TEE-M"), (8, 0));
}

#[test]
fn exchanges_that_do_not_fit_are_refused_with_nothing_written() {
    let engine = shop(1);
    let (order_id, ret_id) = received_return(&engine);
    let options = CheckoutOptions::default();
    let before = (
        engine.order(&order_id).unwrap(),
        engine.return_request(&ret_id).unwrap(),
    );
    for (replacements, code, says) in [
        (
            vec!["HAT"],
            "order_change_refused",
            "not a variant of product tee",
        ),
        (vec!["TEE-XL"], "order_change_refused", "different prices"),
        (
            vec!["TEE-M", "TEE-M"],
            "order_change_refused",
            "2 replacements for 1 return lines",
        ),
        (vec!["TEE-M"], "insufficient_stock", ""),
        (vec!["NOPE"], "unknown_sku", ""),
    ] {
        let err = engine
            .exchange_return(&ret_id, &replacements, "ann", &options)
            .unwrap_err();
        assert_eq!(err.code(), code, "{replacements:?}: {err}");
        assert!(err.to_string().contains(says), "{err}");
        assert_eq!(
            (
                engine.order(&order_id).unwrap(),
                engine.return_request(&ret_id).unwrap()
            ),
            before,
            "{replacements:?} wrote something"
        );
        assert_eq!(stock(&engine, "TEE-M"), (1, 0));
    }
    // A return not yet received cannot be exchanged.
    let item = ReturnItem {
        line: 0,
        qty: 1,
        reason: ReturnReason::Damaged,
        note: None,
    };
    let open = engine.request_return(&order_id, &[item], "ada").unwrap();
    let err = engine
        .exchange_return(&open.id, &["TEE-M"], "ann", &options)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
}
