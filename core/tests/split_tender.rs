//! Split tender: one order paid by several tenders (store credit, a gift
//! card, a card for the rest), each with its own ledger; a decline of one
//! voids the others and spends no credit; refunds and cancellations give
//! each tender back its own money, newest payment first.

use kassa::cart::Address;
use kassa::catalog::SortedMap;
use kassa::engine::{CheckoutOptions, Engine};
use kassa::order::OrderStatus;
use kassa::payment::{GatewayRequest, PaymentMethod, PaymentStatus, Script, Tender, TestGateway};
use kassa::store::{EventKind, MemoryStore};
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

fn shop() -> Engine<MemoryStore> {
    let engine = kassa::testing::fixtures::memory_engine();
    tee_shop(&engine, 100, None).unwrap();
    engine
}

/// A customer with `credit` of store credit and a cart of `qty` tees
/// (20.00 each) ready to pay.
fn customer_cart(engine: &Engine<MemoryStore>, credit: i64, qty: u64) -> (String, String) {
    let (ann, _) = engine
        .create_customer(|c| c.set_email(Some("ann@example.com")))
        .unwrap();
    if credit > 0 {
        engine
            .grant_store_credit(&ann.id, eur(credit), "goodwill")
            .unwrap();
    }
    let (cart, v) = engine.create_cart(Currency::EUR, Some(&ann.id)).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE", qty, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ann", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    (ann.id, cart.id.to_string())
}

fn tenders(gift: i64) -> CheckoutOptions {
    CheckoutOptions {
        tenders: vec![
            Tender::StoreCredit { amount: None },
            Tender::Gateway {
                label: "gift_card".into(),
                amount: Some(eur(gift)),
            },
            Tender::Gateway {
                label: "card".into(),
                amount: None,
            },
        ],
        ..CheckoutOptions::default()
    }
}

#[test]
fn credit_gift_card_and_card_pay_one_order_and_get_their_own_money_back() {
    let engine = shop();
    let (ann, cart) = customer_cart(&engine, 1_500, 5);
    let gateway = TestGateway::default();
    let options = tenders(3_000);
    // 100.00: 15.00 credit, 30.00 gift card, 55.00 card.
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    assert_eq!(order.grand_total, eur(10_000));
    assert_eq!(order.status, OrderStatus::Paid);
    let parts: Vec<(PaymentMethod, Money, PaymentStatus)> = order
        .payments()
        .map(|p| {
            (
                p.method.clone(),
                p.ledger.state().captured,
                p.ledger.state().status,
            )
        })
        .collect();
    let gateway_method = |label: &str| PaymentMethod::Gateway {
        label: label.into(),
    };
    assert_eq!(
        parts,
        [
            (
                PaymentMethod::StoreCredit,
                eur(1_500),
                PaymentStatus::Captured
            ),
            (
                gateway_method("gift_card"),
                eur(3_000),
                PaymentStatus::Captured
            ),
            (gateway_method("card"), eur(5_500), PaymentStatus::Captured),
        ]
    );
    assert!(engine
        .store_credit(&ann)
        .unwrap()
        .balance(Currency::EUR)
        .is_zero());
    // The provider heard two authorizations, each with its tender's name.
    let authorized: Vec<(Money, String)> = gateway
        .acted()
        .into_iter()
        .filter_map(|(r, _)| match r {
            GatewayRequest::Authorize { amount, method } => Some((amount, method)),
            _ => None,
        })
        .collect();
    assert_eq!(
        authorized,
        [
            (eur(3_000), "gift_card".into()),
            (eur(5_500), "card".into())
        ]
    );
    // The same key replays the same order.
    let again = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    assert_eq!(again, order);

    // A refund of 60.00 falls on the card first (55.00), then the gift card.
    let refunded = engine
        .refund_order(&order.id, eur(6_000), "r1", "staff:bo", &gateway, &options)
        .unwrap();
    let left: Vec<Money> = refunded.payments().map(|p| p.refundable()).collect();
    assert_eq!(left, [eur(1_500), eur(2_500), eur(0)]);
    // The same key again refunds nothing more; another amount under it is refused.
    let replay = engine
        .refund_order(&order.id, eur(6_000), "r1", "staff:bo", &gateway, &options)
        .unwrap();
    assert_eq!(replay.net_paid().unwrap(), eur(4_000));
    let reused = engine
        .refund_order(&order.id, eur(100), "r1", "staff:bo", &gateway, &options)
        .unwrap_err();
    assert_eq!(reused.code(), "idempotency_key_reused");
    // More than is left to refund is refused as a whole.
    let over = engine
        .refund_order(&order.id, eur(4_001), "r2", "staff:bo", &gateway, &options)
        .unwrap_err();
    assert_eq!(over.code(), "refund_exceeds_captured");
    // The rest: the gift card's 25.00, then the credit back on the account.
    let all = engine
        .refund_order(&order.id, eur(4_000), "r3", "staff:bo", &gateway, &options)
        .unwrap();
    assert!(all.net_paid().unwrap().is_zero());
    assert_eq!(
        engine.store_credit(&ann).unwrap().balance(Currency::EUR),
        eur(1_500)
    );
    let refunds: Vec<Money> = gateway
        .acted()
        .into_iter()
        .filter_map(|(r, _)| match r {
            GatewayRequest::Refund { amount, .. } => Some(amount),
            _ => None,
        })
        .collect();
    assert_eq!(refunds, [eur(5_500), eur(500), eur(2_500)]);
}

#[test]
fn a_declined_tender_voids_the_others_and_spends_no_credit() {
    let engine = shop();
    let (ann, cart) = customer_cart(&engine, 1_000, 2);
    let gateway = TestGateway::default();
    // The gift card is approved, the card declined.
    gateway.script("authorize", Script::Approve);
    gateway.script("authorize", Script::Decline("insufficient funds".into()));
    let err = engine
        .complete_checkout(&cart, "k1", &gateway, &tenders(1_000))
        .unwrap_err();
    assert_eq!(err.code(), "payment_failed");
    let voids = gateway
        .acted()
        .into_iter()
        .filter(|(r, _)| matches!(r, GatewayRequest::Void { .. }))
        .count();
    assert_eq!(voids, 1);
    assert_eq!(
        engine.store_credit(&ann).unwrap().balance(Currency::EUR),
        eur(1_000)
    );
    let level = engine
        .stock(&kassa::inventory::StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap();
    assert_eq!(level.level.reserved, 0);
    // A second try with a working card pays.
    let order = engine
        .complete_checkout(&cart, "k2", &gateway, &tenders(1_000))
        .unwrap();
    assert_eq!(order.payments().count(), 3);
    assert!(engine
        .store_credit(&ann)
        .unwrap()
        .balance(Currency::EUR)
        .is_zero());
}

#[test]
fn tenders_must_cover_the_total_and_credit_must_exist() {
    let engine = shop();
    let (_, cart) = customer_cart(&engine, 500, 1);
    let gateway = TestGateway::default();
    let only_credit = CheckoutOptions {
        tenders: vec![Tender::StoreCredit { amount: None }],
        ..CheckoutOptions::default()
    };
    let short = engine
        .complete_checkout(&cart, "k1", &gateway, &only_credit)
        .unwrap_err();
    assert_eq!(short.code(), "tender_mismatch");
    let too_much = CheckoutOptions {
        tenders: vec![
            Tender::StoreCredit {
                amount: Some(eur(600)),
            },
            Tender::Gateway {
                label: "card".into(),
                amount: None,
            },
        ],
        ..CheckoutOptions::default()
    };
    let err = engine
        .complete_checkout(&cart, "k2", &gateway, &too_much)
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_store_credit");
    assert!(gateway.acted().is_empty());
}

#[test]
fn credit_spent_meanwhile_fails_the_checkout_atomically() {
    let engine = shop();
    let (ann, cart) = customer_cart(&engine, 2_000, 1);
    let gateway = TestGateway::default();
    let all_credit = CheckoutOptions {
        tenders: vec![Tender::StoreCredit { amount: None }],
        ..CheckoutOptions::default()
    };
    // A second cart of the same customer spends the credit first.
    let (other, v) = engine.create_cart(Currency::EUR, Some(&ann)).unwrap();
    let (_, v) = engine
        .add_to_cart(&other.id, v, "TEE", 1, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&other.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ann", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    let first = engine
        .complete_checkout(&other.id, "k0", &gateway, &all_credit)
        .unwrap();
    assert_eq!(first.payment.method, PaymentMethod::StoreCredit);
    let err = engine
        .complete_checkout(&cart, "k1", &gateway, &all_credit)
        .unwrap_err();
    assert_eq!(err.code(), "tender_mismatch");
    // Cancelling the first order gives the credit back.
    let cancelled = engine
        .cancel_order(&first.id, "changed mind", "ann", &gateway, &all_credit)
        .unwrap();
    assert_eq!(
        cancelled.payment.ledger.state().status,
        PaymentStatus::Refunded
    );
    assert_eq!(
        engine.store_credit(&ann).unwrap().balance(Currency::EUR),
        eur(2_000)
    );
    let events = engine.events_since(0, 1_000).unwrap();
    let changes: Vec<Money> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StoreCreditChanged { amount, .. } => Some(*amount),
            _ => None,
        })
        .collect();
    assert_eq!(changes, [eur(2_000), eur(-2_000), eur(2_000)]);
}

#[test]
fn payment_terms_schedule_the_open_tender_wherever_it_is_listed() {
    use kassa::payment::{PaymentTerms, Plan};
    let engine = shop();
    let (_, cart) = customer_cart(&engine, 0, 5);
    let gateway = TestGateway::default();
    // 100.00: the card (listed first) takes what the 30.00 gift card
    // leaves, and is the money paid later under net 30.
    let options = CheckoutOptions {
        tenders: vec![
            Tender::Gateway {
                label: "card".into(),
                amount: None,
            },
            Tender::Gateway {
                label: "gift_card".into(),
                amount: Some(eur(3_000)),
            },
        ],
        capture_now: false,
        terms: Some((PaymentTerms::Net { days: 30 }, Plan::Single)),
        ..CheckoutOptions::default()
    };
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    // One part each (a single payment): its amount.
    let scheduled: Vec<(PaymentMethod, Money, Vec<Money>)> = order
        .payments()
        .map(|p| {
            let due = p.schedule.iter().flat_map(|s| &s.parts);
            (
                p.method.clone(),
                p.ledger.state().authorized,
                due.map(|part| part.amount).collect(),
            )
        })
        .collect();
    let gateway_part = |label: &str| PaymentMethod::Gateway {
        label: label.into(),
    };
    assert_eq!(
        scheduled,
        [
            (gateway_part("card"), eur(7_000), vec![eur(7_000)]),
            (gateway_part("gift_card"), eur(3_000), vec![]),
        ]
    );
}
