//! Table-driven tests of the pure order lifecycle and returns.

use super::*;
use crate::catalog::Component;
use crate::money::{Currency, Money};
use crate::payment::{PaymentLedger, PaymentOp};
use crate::pricing::Timestamp;

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::EUR).unwrap()
}

fn line(sku: &str, qty: u64, total: &str) -> OrderLine {
    OrderLine {
        sku: sku.into(),
        qty,
        unit_price: None,
        subtotal: eur(total),
        discount: eur("0"),
        tax: eur("0"),
        total: eur(total),
        components: Vec::new(),
        fulfilled: 0,
        returned: 0,
        refunded: 0,
    }
}

fn order(lines: Vec<OrderLine>) -> Order {
    let mut total = eur("0");
    for l in &lines {
        total = total.checked_add(l.total).unwrap();
    }
    Order {
        id: "ord_1".into(),
        number: 1,
        cart: "cart_1".into(),
        customer: Some("c1".into()),
        currency: Currency::EUR,
        lines: lines.into(),
        subtotal: total,
        discount_total: eur("0"),
        tax_total: eur("0"),
        grand_total: total,
        coupons: Vec::new(),
        shipping_address: None,
        shipping_method: None,
        reservations: Vec::new(),
        payment: OrderPayment {
            reference: "ref".into(),
            ledger: PaymentLedger::authorize(total).unwrap(),
            schedule: None,
            method: Default::default(),
        },
        more_payments: Vec::new(),
        status: OrderStatus::Placed,
        placed_at: Timestamp(0),
        location: "main".into(),
        fulfilments: Vec::new(),
        cancellation: None,
        completed_at: None,
        returns: Vec::new(),
        edits: Vec::new(),
        history: Vec::new(),
        company: None,
        quote: None,
    }
}

fn ship(o: &mut Order, line: usize, qty: u64) -> crate::Result<Vec<StockUnits>> {
    o.fulfil(
        "ful",
        &[LineQty { line, qty }],
        None,
        None,
        Timestamp(1),
        "ann",
    )
}

#[test]
fn status_follows_payment_then_shipping_then_flags() {
    let mut o = order(vec![line("A", 2, "10.00")]);
    assert_eq!(o.derive_status(), OrderStatus::Placed);
    let capture = |amount: &str, is_final| PaymentOp::Capture {
        amount: eur(amount),
        is_final,
    };
    o.payment
        .ledger
        .apply(capture("4.00", false), Some("c1"))
        .unwrap();
    assert_eq!(o.derive_status(), OrderStatus::PartiallyPaid);
    o.payment
        .ledger
        .apply(capture("6.00", true), Some("c2"))
        .unwrap();
    assert_eq!(o.derive_status(), OrderStatus::Paid);
    ship(&mut o, 0, 1).unwrap();
    assert_eq!(o.status, OrderStatus::PartiallyFulfilled);
    ship(&mut o, 0, 1).unwrap();
    assert_eq!(o.status, OrderStatus::Fulfilled);
    o.complete(Timestamp(2), "bob").unwrap();
    assert_eq!(o.status, OrderStatus::Completed);
    assert_eq!(o.history.len(), 3);
    assert_eq!(o.history[2].actor, "bob");
}

#[test]
fn refused_shipments_change_nothing_and_name_the_problem() {
    let mut o = order(vec![line("A", 2, "10.00"), line("B", 1, "5.00")]);
    let before = o.clone();
    let cases: &[(&[LineQty], &str)] = &[
        (&[], "no lines"),
        (&[LineQty { line: 5, qty: 1 }], "no line 5"),
        (
            &[LineQty { line: 0, qty: 0 }],
            "2 units left to ship, not 0",
        ),
        (
            &[LineQty { line: 0, qty: 3 }],
            "2 units left to ship, not 3",
        ),
        // The second part fails after the first passed: nothing stays.
        (
            &[LineQty { line: 0, qty: 1 }, LineQty { line: 1, qty: 2 }],
            "line 1 (B) has 1 units left to ship, not 2",
        ),
    ];
    for (lines, expected) in cases {
        let err = o
            .fulfil("f", lines, None, None, Timestamp(1), "ann")
            .unwrap_err();
        assert_eq!(err.code(), "order_change_refused");
        assert!(
            err.to_string().contains(expected),
            "{err} lacks {expected:?}"
        );
        assert_eq!(o, before);
    }
}

#[test]
fn kits_ship_and_come_back_as_their_components() {
    let mut kit = line("KIT", 2, "30.00");
    kit.components = vec![
        Component {
            sku: "CUP".into(),
            qty: 2,
        },
        Component {
            sku: "TEA".into(),
            qty: 1,
        },
    ];
    let mut o = order(vec![kit, line("CUP", 1, "4.00")]);
    let units = o
        .fulfil(
            "f",
            &[LineQty { line: 0, qty: 2 }, LineQty { line: 1, qty: 1 }],
            Some("DHL"),
            Some("0034"),
            Timestamp(1),
            "ann",
        )
        .unwrap();
    let got: Vec<(&str, u64)> = units.iter().map(|u| (u.sku.as_str(), u.qty)).collect();
    assert_eq!(got, [("CUP", 4), ("TEA", 2), ("CUP", 1)]);
    assert_eq!(o.history[0].detail, "3 units in f via DHL 0034");
    let items = [ReturnItem {
        line: 0,
        qty: 1,
        reason: ReturnReason::Damaged,
        note: None,
    }];
    let mut ret = ReturnRequest::open(&mut o, "r1", &items, Timestamp(2), "c1").unwrap();
    ret.approve(Timestamp(3), "ann").unwrap();
    let back = ret.receive(&o, &[true], Timestamp(4), "ann").unwrap();
    let got: Vec<(&str, u64)> = back.iter().map(|u| (u.sku.as_str(), u.qty)).collect();
    assert_eq!(got, [("CUP", 2), ("TEA", 1)]);
}

#[test]
fn cancelling_gives_back_every_unit_and_only_before_shipping() {
    let mut o = order(vec![line("A", 2, "10.00"), line("B", 1, "5.00")]);
    let mut shipped = o.clone();
    ship(&mut shipped, 1, 1).unwrap();
    let before = shipped.clone();
    let err = shipped.cancel("late", Timestamp(2), "ann").unwrap_err();
    assert!(err.to_string().contains("1 units already shipped"), "{err}");
    assert_eq!(shipped, before);
    let units = o.cancel("late", Timestamp(2), "ann").unwrap();
    let got: Vec<(&str, u64)> = units.iter().map(|u| (u.sku.as_str(), u.qty)).collect();
    assert_eq!(got, [("A", 2), ("B", 1)]);
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!(o.payment.cancellation(), CancellationPayment::Void);
    assert_eq!(
        o.cancel("again", Timestamp(3), "ann").unwrap_err().code(),
        "order_change_refused"
    );
    assert!(ship(&mut o, 0, 1).is_err());
}

#[test]
fn a_cancellation_refunds_what_was_captured_and_not_refunded() {
    let mut o = order(vec![line("A", 1, "10.00")]);
    let capture = PaymentOp::Capture {
        amount: eur("10.00"),
        is_final: true,
    };
    o.payment.ledger.apply(capture, Some("c")).unwrap();
    let refund = PaymentOp::Refund {
        amount: eur("2.50"),
    };
    o.payment.ledger.apply(refund, Some("r")).unwrap();
    o.cancel("fraud", Timestamp(1), "ann").unwrap();
    assert_eq!(
        o.payment.cancellation(),
        CancellationPayment::Refund(eur("7.50"))
    );
}

fn shipped_order() -> Order {
    let mut o = order(vec![line("A", 3, "10.00"), line("B", 2, "5.01")]);
    ship(&mut o, 0, 3).unwrap();
    ship(&mut o, 1, 2).unwrap();
    o
}

fn item(line: usize, qty: u64) -> ReturnItem {
    ReturnItem {
        line,
        qty,
        reason: ReturnReason::NoLongerNeeded,
        note: None,
    }
}

/// Refunds one return of `items` all the way, returning its amounts.
fn refund_one(o: &mut Order, id: &str, items: &[ReturnItem]) -> Vec<String> {
    let mut r = ReturnRequest::open(o, id, items, Timestamp(2), "c1").unwrap();
    r.approve(Timestamp(3), "ann").unwrap();
    r.receive(o, &vec![true; items.len()], Timestamp(4), "ann")
        .unwrap();
    let amounts = r.refund_amounts(o).unwrap();
    let shown = amounts.iter().map(ToString::to_string).collect();
    r.mark_refunded(
        o,
        RefundMethod::OriginalPayment,
        amounts,
        Timestamp(5),
        "ann",
    )
    .unwrap();
    shown
}

#[test]
fn units_returned_one_by_one_refund_their_line_total_exactly() {
    let mut o = shipped_order();
    // 10.00 over 3 units: 3.33, then 3.34, then 3.33; 5.01 over 2: 2.51, 2.50.
    // (line, units) returned together -> the refund of each.
    type Case<'a> = (&'a [(usize, u64)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (&[(0, 1), (1, 1)], &["3.33", "2.51"]),
        (&[(0, 1)], &["3.34"]),
        (&[(0, 1), (1, 1)], &["3.33", "2.50"]),
    ];
    for (i, (items, expected)) in cases.iter().enumerate() {
        let items: Vec<ReturnItem> = items.iter().map(|&(l, q)| item(l, q)).collect();
        assert_eq!(refund_one(&mut o, &format!("r{i}"), &items), *expected);
    }
    assert_eq!((o.lines[0].refunded, o.lines[1].refunded), (3, 2));
    // Nothing left to return.
    let err = ReturnRequest::open(&mut o, "r9", &[item(0, 1)], Timestamp(6), "c1").unwrap_err();
    assert!(
        err.to_string().contains("0 shipped units not yet returned"),
        "{err}"
    );
}

#[test]
fn only_shipped_units_not_already_returned_can_be_returned() {
    let mut o = order(vec![line("A", 3, "10.00")]);
    ship(&mut o, 0, 1).unwrap();
    let err = ReturnRequest::open(&mut o, "r", &[item(0, 2)], Timestamp(2), "c1").unwrap_err();
    assert_eq!(err.code(), "order_change_refused");
    let mut r = ReturnRequest::open(&mut o, "r", &[item(0, 1)], Timestamp(2), "c1").unwrap();
    assert_eq!(o.lines[0].returned, 1);
    assert!(ReturnRequest::open(&mut o, "r2", &[item(0, 1)], Timestamp(2), "c1").is_err());
    // A rejected return frees its units for another.
    r.reject(&mut o, "worn", Timestamp(3), "ann").unwrap();
    assert_eq!(o.lines[0].returned, 0);
    assert_eq!(o.returns, ["r"]);
    ReturnRequest::open(&mut o, "r2", &[item(0, 1)], Timestamp(4), "c1").unwrap();
}

#[test]
fn every_return_status_and_command_pair_is_a_transition_or_invalid_transition() {
    // (status, command) -> the status after, or None for invalid_transition.
    use ReturnStatus::*;
    let table: &[(ReturnStatus, &str, Option<ReturnStatus>)] = &[
        (Requested, "approve", Some(Approved)),
        (Requested, "reject", Some(Rejected)),
        (Requested, "receive", None),
        (Requested, "refund", None),
        (Requested, "exchange", None),
        (Approved, "approve", None),
        (Approved, "reject", Some(Rejected)),
        (Approved, "receive", Some(Received)),
        (Approved, "refund", None),
        (Approved, "exchange", None),
        (Rejected, "approve", None),
        (Rejected, "reject", None),
        (Rejected, "receive", None),
        (Rejected, "refund", None),
        (Rejected, "exchange", None),
        (Received, "approve", None),
        (Received, "reject", None),
        (Received, "receive", None),
        (Received, "refund", Some(Refunded)),
        (Received, "exchange", Some(Exchanged)),
        (Refunded, "approve", None),
        (Refunded, "reject", None),
        (Refunded, "receive", None),
        (Refunded, "refund", None),
        (Refunded, "exchange", None),
        (Exchanged, "approve", None),
        (Exchanged, "reject", None),
        (Exchanged, "receive", None),
        (Exchanged, "refund", None),
        (Exchanged, "exchange", None),
    ];
    assert_eq!(table.len(), ReturnStatus::ALL.len() * 5);
    for &(status, command, expected) in table {
        let mut o = shipped_order();
        let mut r = ReturnRequest::open(&mut o, "r", &[item(0, 1)], Timestamp(2), "c1").unwrap();
        r.status = status;
        let (o_before, r_before) = (o.clone(), r.clone());
        let result = match command {
            "approve" => r.approve(Timestamp(3), "ann"),
            "reject" => r.reject(&mut o, "no", Timestamp(3), "ann"),
            "receive" => r.receive(&o, &[false], Timestamp(3), "ann").map(|_| ()),
            "exchange" => r.mark_exchanged(&mut o, "ord_x", Timestamp(3), "ann"),
            _ => r
                .mark_refunded(
                    &mut o,
                    RefundMethod::StoreCredit,
                    vec![eur("1.00")],
                    Timestamp(3),
                    "ann",
                )
                .map(|_| ()),
        };
        match expected {
            Some(next) => {
                assert!(result.is_ok(), "{status:?} {command}: {result:?}");
                assert_eq!(r.status, next, "{status:?} {command}");
            }
            None => {
                let err = result.unwrap_err();
                assert_eq!(err.code(), "invalid_transition", "{status:?} {command}");
                assert_eq!(
                    (o, r),
                    (o_before, r_before),
                    "{status:?} {command} changed state"
                );
            }
        }
    }
}
