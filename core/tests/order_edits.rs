//! Order edits: quantities changed and lines added after placement,
//! re-priced through the kernel (kept unit prices, the order's coupon as
//! at placement), stock moved atomically, and the difference paid or
//! refunded once per key.

use kassa::catalog::{Product, ProductStatus, Variant};
use kassa::engine::{CheckoutOptions, Engine};
use kassa::inventory::{StockKey, StockLevel};
use kassa::order::{LineEdit, LineQty, Order, OrderStatus, ReturnItem, ReturnReason};
use kassa::payment::{GatewayRequest, PaymentStatus, Script, Tender, TestGateway};
use kassa::store::{EventKind, MemoryStore};
use kassa::testing::fixtures::{ready_cart, ready_cart_for, tee_shop};
use kassa::{Currency, Money};

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

/// Tees (20.00, 100 units, coupon SAVE10 for 10 % limited to 1 use) and
/// mugs (8.00, 3 units).
fn shop() -> Engine<MemoryStore> {
    let engine = kassa::testing::fixtures::memory_engine();
    tee_shop(&engine, 100, Some(1)).unwrap();
    let mut mug = Product::new("mug", "Mug");
    mug.status = ProductStatus::Active;
    let mut v = Variant::new("MUG");
    v.prices = vec![eur(800)];
    mug.variants.push(v);
    engine.create_product(mug).unwrap();
    engine
        .adjust_stock(&StockKey::new("MUG", "main"), 3, "delivery")
        .unwrap();
    engine
}

fn level(engine: &Engine<MemoryStore>, sku: &str) -> StockLevel {
    engine
        .stock(&StockKey::new(sku, "main"))
        .unwrap()
        .unwrap()
        .level
}

/// Edits order `id` as staff with the default options.
fn edit(
    engine: &Engine<MemoryStore>,
    gateway: &TestGateway,
    id: &str,
    edits: &[LineEdit],
    key: &str,
) -> kassa::Result<kassa::order::Order> {
    engine.edit_order(
        id,
        edits,
        key,
        "staff:bo",
        gateway,
        &CheckoutOptions::default(),
    )
}

fn gateway_ops(gateway: &TestGateway) -> Vec<String> {
    gateway
        .acted()
        .into_iter()
        .map(|(r, _)| match r {
            GatewayRequest::Authorize { amount, .. } => format!("authorize {amount}"),
            GatewayRequest::Capture { amount, .. } => format!("capture {amount}"),
            GatewayRequest::Refund { amount, .. } => format!("refund {amount}"),
            GatewayRequest::Void { .. } => "void".into(),
        })
        .collect()
}

/// The order of a ready cart of `qty` tees (with the SAVE10 coupon when
/// `coupon`), checked out under idempotency key `key` with the default
/// options.
fn placed(
    engine: &Engine<MemoryStore>,
    gateway: &TestGateway,
    qty: u64,
    coupon: bool,
    key: &str,
) -> Order {
    let cart = ready_cart(engine, qty, coupon).unwrap();
    let order = engine
        .complete_checkout(&cart, key, gateway, &CheckoutOptions::default())
        .unwrap();
    Order::clone(&order)
}

#[test]
fn a_bigger_order_is_repriced_and_pays_the_difference_once() {
    let engine = shop();
    let gateway = TestGateway::default();
    // 2 tees with SAVE10: 40.00 - 4.00 = 36.00.
    let order = placed(&engine, &gateway, 2, true, "k1");
    assert_eq!(order.grand_total, eur(3_600));
    // The coupon's only use is spent; the order keeps its discount anyway.
    let edits = [
        LineEdit::SetQuantity { line: 0, qty: 3 },
        LineEdit::Add {
            sku: "MUG".into(),
            qty: 2,
        },
    ];
    let edited = edit(&engine, &gateway, &order.id, &edits, "e1").unwrap();
    // 3 x 20.00 + 2 x 8.00 = 76.00, 10 % off: 68.40.
    assert_eq!(edited.grand_total, eur(6_840));
    assert_eq!(edited.discount_total, eur(760));
    let lines: Vec<(&str, u64, Money)> = edited
        .lines
        .iter()
        .map(|l| (&*l.sku, l.qty, l.total))
        .collect();
    assert_eq!(lines, [("TEE", 3, eur(5_400)), ("MUG", 2, eur(1_440))]);
    // One more payment for the 32.40 difference, captured.
    let payments: Vec<(Money, PaymentStatus)> = edited
        .payments()
        .map(|p| (p.ledger.state().captured, p.ledger.state().status))
        .collect();
    assert_eq!(
        payments,
        [
            (eur(3_600), PaymentStatus::Captured),
            (eur(3_240), PaymentStatus::Captured)
        ]
    );
    assert_eq!(edited.status, OrderStatus::Paid);
    assert!(edited.edits[0].settled);
    let actions: Vec<&str> = edited.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["edited", "edit_settled"]);
    assert_eq!(level(&engine, "TEE").committed, 3);
    assert_eq!(level(&engine, "MUG").committed, 2);
    // The same edit under the same key changes nothing and pays nothing.
    let before = gateway.acted().len();
    let again = edit(&engine, &gateway, &order.id, &edits, "e1").unwrap();
    assert_eq!(again, edited);
    assert_eq!(gateway.acted().len(), before);
    let other = [LineEdit::SetQuantity { line: 0, qty: 1 }];
    let reused = edit(&engine, &gateway, &order.id, &other, "e1").unwrap_err();
    assert_eq!(reused.code(), "idempotency_key_reused");
    assert_eq!(
        gateway_ops(&gateway),
        [
            "authorize 36.00",
            "capture 36.00",
            "authorize 32.40",
            "capture 32.40"
        ]
    );
}

#[test]
fn a_smaller_order_refunds_the_difference_and_gives_stock_back() {
    let engine = shop();
    let gateway = TestGateway::default();
    let order = placed(&engine, &gateway, 5, false, "k1");
    assert_eq!(order.grand_total, eur(10_000));
    // Two tees ship; the line cannot go below them.
    engine
        .fulfil_order(&order.id, &[LineQty { line: 0, qty: 2 }], None, None, "wh")
        .unwrap();
    let below = edit(
        &engine,
        &gateway,
        &order.id,
        &[LineEdit::SetQuantity { line: 0, qty: 1 }],
        "e1",
    )
    .unwrap_err();
    assert_eq!(below.code(), "order_change_refused");
    let edited = edit(
        &engine,
        &gateway,
        &order.id,
        &[LineEdit::SetQuantity { line: 0, qty: 2 }],
        "e2",
    )
    .unwrap();
    assert_eq!(edited.grand_total, eur(4_000));
    assert_eq!(edited.net_paid().unwrap(), eur(4_000));
    assert_eq!(edited.payment.ledger.state().refunded, eur(6_000));
    // Every unit left has shipped.
    assert_eq!(edited.status, OrderStatus::Fulfilled);
    let l = level(&engine, "TEE");
    assert_eq!((l.on_hand, l.committed, l.reserved), (98, 0, 0));
    assert_eq!(gateway_ops(&gateway)[2..], ["refund 60.00"]);
    // Taking every unit off is a cancellation, not an edit.
    let small = placed(&engine, &gateway, 1, false, "k2");
    let all = edit(
        &engine,
        &gateway,
        &small.id,
        &[LineEdit::SetQuantity { line: 0, qty: 0 }],
        "e3",
    )
    .unwrap_err();
    assert_eq!(all.code(), "order_change_refused");
}

#[test]
fn an_edit_without_stock_or_payment_changes_nothing() {
    let engine = shop();
    let gateway = TestGateway::default();
    let order = placed(&engine, &gateway, 1, false, "k1");
    let (stored, version) = engine.order(&order.id).unwrap();
    // 4 mugs, 3 in stock: refused, the extra authorization voided.
    let four = [LineEdit::Add {
        sku: "MUG".into(),
        qty: 4,
    }];
    let err = edit(&engine, &gateway, &order.id, &four, "e1").unwrap_err();
    assert_eq!(err.code(), "insufficient_stock");
    assert_eq!(gateway_ops(&gateway)[2..], ["authorize 32.00", "void"]);
    // A declined extra payment.
    gateway.script("authorize", Script::Decline("card expired".into()));
    let two = [LineEdit::Add {
        sku: "MUG".into(),
        qty: 2,
    }];
    let err = edit(&engine, &gateway, &order.id, &two, "e2").unwrap_err();
    assert_eq!(err.code(), "payment_failed");
    // An unknown SKU.
    let ghost = [LineEdit::Add {
        sku: "GHOST".into(),
        qty: 1,
    }];
    let err = edit(&engine, &gateway, &order.id, &ghost, "e3").unwrap_err();
    assert_eq!(err.code(), "unknown_sku");
    assert_eq!(engine.order(&order.id).unwrap(), (stored, version));
    let mug = level(&engine, "MUG");
    assert_eq!((mug.committed, mug.reserved), (0, 0));
    // A declined key stays declined (as at the provider); a new key asks
    // afresh, and now it works.
    let again = edit(&engine, &gateway, &order.id, &two, "e2").unwrap_err();
    assert_eq!(again.code(), "payment_failed");
    let edited = edit(&engine, &gateway, &order.id, &two, "e4").unwrap();
    assert_eq!(edited.grand_total, eur(3_600));
}

#[test]
fn a_failed_refund_leaves_the_edit_unsettled_until_sent_again() {
    let engine = shop();
    let gateway = TestGateway::default();
    let order = placed(&engine, &gateway, 3, false, "k1");
    // Down for the call and its three retries.
    for _ in 0..4 {
        gateway.script("refund", Script::Error("provider down".into()));
    }
    let edits = [LineEdit::SetQuantity { line: 0, qty: 1 }];
    let err = edit(&engine, &gateway, &order.id, &edits, "e1").unwrap_err();
    assert_eq!(err.code(), "payment_failed");
    let (saved, _) = engine.order(&order.id).unwrap();
    assert_eq!(saved.grand_total, eur(2_000));
    assert!(!saved.edits[0].settled);
    assert_eq!(level(&engine, "TEE").committed, 1);
    let settled = edit(&engine, &gateway, &order.id, &edits, "e1").unwrap();
    assert!(settled.edits[0].settled);
    assert_eq!(settled.net_paid().unwrap(), eur(2_000));
    assert_eq!(level(&engine, "TEE").committed, 1);
}

#[test]
fn a_split_tender_order_gives_back_the_card_first_and_metrics_follow() {
    let engine = shop();
    let gateway = TestGateway::default();
    let (ann, _) = engine
        .create_customer(|c| c.set_email(Some("ann@example.com")))
        .unwrap();
    engine
        .grant_store_credit(&ann.id, eur(1_000), "welcome")
        .unwrap();
    let options = CheckoutOptions {
        tenders: vec![
            Tender::StoreCredit { amount: None },
            Tender::Gateway {
                label: "card".into(),
                amount: None,
            },
        ],
        ..CheckoutOptions::default()
    };
    // 4 tees, 80.00: 10.00 credit, 70.00 card.
    let cart = ready_cart_for(&engine, &ann.id, 4, false).unwrap();
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    let edited = engine
        .edit_order(
            &order.id,
            &[LineEdit::SetQuantity { line: 0, qty: 1 }],
            "e1",
            "ann",
            &gateway,
            &options,
        )
        .unwrap();
    // 60.00 back: all on the card, the credit stays spent.
    let left: Vec<Money> = edited.payments().map(|p| p.refundable()).collect();
    assert_eq!(left, [eur(1_000), eur(1_000)]);
    engine.refresh_customer_metrics(1_000).unwrap();
    let metrics = engine.customer_metrics(&ann.id).unwrap();
    assert_eq!(metrics.total_spent(Currency::EUR), eur(2_000));
    assert_eq!((metrics.orders, metrics.units_ordered), (1, 1));
    let edited_events = engine
        .events_since(0, 1_000)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::OrderEdited { .. }))
        .count();
    assert_eq!(edited_events, 1);
}

#[test]
fn orders_cancelled_or_returned_are_not_edited() {
    let engine = shop();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let order = placed(&engine, &gateway, 2, false, "k1");
    engine
        .cancel_order(&order.id, "mistake", "staff:bo", &gateway, &options)
        .unwrap();
    let err = edit(
        &engine,
        &gateway,
        &order.id,
        &[LineEdit::SetQuantity { line: 0, qty: 3 }],
        "e1",
    )
    .unwrap_err();
    assert_eq!(err.code(), "order_change_refused");
    let unchanged = edit(
        &engine,
        &gateway,
        &order.id,
        &[LineEdit::SetQuantity { line: 9, qty: 3 }],
        "e2",
    )
    .unwrap_err();
    assert_eq!(unchanged.code(), "order_change_refused");
    // A shipped order with a return: its lines' refunds are fixed.
    let shipped = placed(&engine, &gateway, 2, false, "k2");
    engine
        .fulfil_order(
            &shipped.id,
            &[LineQty { line: 0, qty: 2 }],
            None,
            None,
            "wh",
        )
        .unwrap();
    let item = ReturnItem {
        line: 0,
        qty: 1,
        reason: ReturnReason::Damaged,
        note: None,
    };
    engine
        .request_return(&shipped.id, &[item], "customer")
        .unwrap();
    let err = edit(
        &engine,
        &gateway,
        &shipped.id,
        &[LineEdit::Add {
            sku: "MUG".into(),
            qty: 1,
        }],
        "e3",
    )
    .unwrap_err();
    assert_eq!(err.code(), "order_change_refused");
}

#[test]
fn money_refunded_before_an_edit_is_not_asked_for_again() {
    let engine = shop();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let order = placed(&engine, &gateway, 1, false, "k1");
    // 5.00 back as goodwill, then a mug (8.00) added: 8.00 more is charged.
    engine
        .refund_order(
            &order.id,
            eur(500),
            "goodwill",
            "staff:bo",
            &gateway,
            &options,
        )
        .unwrap();
    let mug = [LineEdit::Add {
        sku: "MUG".into(),
        qty: 1,
    }];
    let edited = edit(&engine, &gateway, &order.id, &mug, "e1").unwrap();
    assert_eq!(edited.grand_total, eur(2_800));
    assert_eq!(edited.net_paid().unwrap(), eur(2_300));
    assert_eq!(
        gateway_ops(&gateway)[3..],
        ["authorize 8.00", "capture 8.00"]
    );
}
