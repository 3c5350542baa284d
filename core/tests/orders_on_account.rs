//! Orders paid later: placed with a manual method (on account, bank
//! transfer) and no capture, with payment terms and a schedule; money
//! recorded as it arrives, once per key; overdue follows the due dates.

use std::sync::Arc;

use kassa::engine::{CheckoutOptions, Engine, ManualClock, SequentialIds};
use kassa::order::OrderStatus;
use kassa::payment::{ManualGateway, ManualMethod, PartStatus, PaymentStatus, PaymentTerms, Plan};
use kassa::pricing::Timestamp;
use kassa::store::{EventKind, MemoryStore};
use kassa::testing::fixtures::{ready_cart, tee_shop};
use kassa::{Currency, Money};

const DAY: i64 = 86_400_000;

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

fn shop() -> (Engine<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp(10 * DAY)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    tee_shop(&engine, 100, None).unwrap();
    (engine, clock)
}

fn on_account() -> CheckoutOptions {
    CheckoutOptions {
        capture_now: false,
        terms: Some((
            PaymentTerms::Net { days: 30 },
            Plan::Installments {
                basis_points: 2_000,
                installments: 2,
                every_days: 30,
            },
        )),
        ..CheckoutOptions::default()
    }
}

#[test]
fn an_order_on_account_is_paid_part_by_part_under_its_terms() {
    let (engine, clock) = shop();
    let gateway = ManualGateway::new(ManualMethod::OnAccount);
    let options = on_account();
    // 10 tees at 20.00: 200.00, owed, nothing captured.
    let cart = ready_cart(&engine, 10, false).unwrap();
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    assert_eq!(order.grand_total, eur(20_000));
    assert_eq!(order.status, OrderStatus::Placed);
    assert!(order.payment.reference.starts_with("on_account:"));
    let ledger = *order.payment.ledger.state();
    assert_eq!((ledger.authorized, ledger.captured), (eur(20_000), eur(0)));
    let schedule = order.payment.schedule.clone().unwrap();
    let parts: Vec<(Money, Timestamp)> = schedule.parts.iter().map(|p| (p.amount, p.due)).collect();
    // 20 % deposit due net 30, then two halves 30 days apart.
    assert_eq!(
        parts,
        [
            (eur(4_000), Timestamp(40 * DAY)),
            (eur(8_000), Timestamp(70 * DAY)),
            (eur(8_000), Timestamp(100 * DAY))
        ]
    );
    // Overdue once the due date has passed.
    assert!(!order.payment_overdue(Timestamp(40 * DAY)));
    assert!(order.payment_overdue(Timestamp(40 * DAY + 1)));
    // The deposit arrives on day 35: partially paid, not overdue on day 41.
    clock.advance(25 * DAY);
    let paid = engine
        .record_payment(
            &order.id,
            eur(4_000),
            "transfer-1",
            "clerk",
            &gateway,
            &options,
        )
        .unwrap();
    assert_eq!(paid.status, OrderStatus::PartiallyPaid);
    assert!(!paid.payment_overdue(Timestamp(41 * DAY)));
    assert!(paid.payment_overdue(Timestamp(70 * DAY + 1)));
    // The same transfer recorded again changes nothing.
    let again = engine
        .record_payment(
            &order.id,
            eur(4_000),
            "transfer-1",
            "clerk",
            &gateway,
            &options,
        )
        .unwrap();
    assert_eq!(again.payment.ledger.state().captured, eur(4_000));
    // More than is owed is refused, with nothing written.
    let err = engine
        .record_payment(
            &order.id,
            eur(16_001),
            "transfer-x",
            "clerk",
            &gateway,
            &options,
        )
        .unwrap_err();
    assert_eq!(err.code(), "capture_exceeds_authorized");
    let (stored, _) = engine.order(&order.id).unwrap();
    assert_eq!(stored.payment, again.payment);
    // The rest, in one transfer: paid in full, every part settled.
    let done = engine
        .record_payment(
            &order.id,
            eur(16_000),
            "transfer-2",
            "clerk",
            &gateway,
            &options,
        )
        .unwrap();
    assert_eq!(done.status, OrderStatus::Paid);
    assert_eq!(done.payment.ledger.state().status, PaymentStatus::Captured);
    let schedule = done.payment.schedule.clone().unwrap();
    assert!(schedule
        .statuses(Timestamp(1_000 * DAY))
        .iter()
        .all(|s| *s == PartStatus::Paid));
    assert!(!done.payment_overdue(Timestamp(1_000 * DAY)));
    // Audited and announced.
    assert_eq!(
        done.history
            .iter()
            .filter(|h| h.action == "payment recorded")
            .count(),
        2
    );
    let captured: Vec<Money> = engine
        .events_since(0, 1_000)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::PaymentCaptured { amount, .. } => Some(amount),
            _ => None,
        })
        .collect();
    assert_eq!(captured, [eur(4_000), eur(16_000)]);
}

#[test]
fn a_bank_transfer_order_can_be_cancelled_before_the_money_arrives() {
    let (engine, _) = shop();
    let gateway = ManualGateway::new(ManualMethod::BankTransfer);
    let options = CheckoutOptions {
        capture_now: false,
        ..CheckoutOptions::default()
    };
    let cart = ready_cart(&engine, 2, false).unwrap();
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &options)
        .unwrap();
    assert!(order.payment.reference.starts_with("bank_transfer:"));
    assert!(order.payment.schedule.is_none());
    assert!(!order.payment_overdue(Timestamp(i64::MAX)));
    let cancelled = engine
        .cancel_order(&order.id, "never paid", "clerk", &gateway, &options)
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(
        cancelled.payment.ledger.state().status,
        PaymentStatus::Voided
    );
    // Money can no longer be recorded for it.
    let late = engine
        .record_payment(&order.id, eur(4_000), "late", "clerk", &gateway, &options)
        .unwrap_err();
    assert_eq!(late.code(), "invalid_state");
}
