//! Conformance checks for checkout completion: one order per cart, no
//! oversell, coupon limits and captures under concurrency, idempotency.

use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::engine::{CheckoutOptions, Engine};
use crate::inventory::StockKey;
use crate::money::{Currency, Money};
use crate::order::OrderStatus;
use crate::payment::{GatewayOutcome, GatewayRequest, PaymentGateway, Script, Tender, TestGateway};
use crate::store::{EventKind, Store};
use crate::testing::fixtures::{ready_cart, tee_shop};

fn shop<S: Store>(
    store: S,
    units: i64,
    coupon_limit: Option<u64>,
) -> std::result::Result<Engine<S>, String> {
    let engine = engine(store);
    tee_shop(&engine, units, coupon_limit)?;
    Ok(engine)
}

fn level<S: Store>(
    engine: &Engine<S>,
) -> std::result::Result<crate::inventory::StockLevel, String> {
    Ok(run(engine.stock(&StockKey::new("TEE", "main")), "stock")?
        .ok_or("the record vanished")?
        .level)
}

fn captures(gateway: &TestGateway) -> usize {
    gateway
        .acted()
        .iter()
        .filter(|(r, _)| r.op() == "capture")
        .count()
}

/// One order per cart: placed, paid, stock committed, coupon counted, the
/// same key replays it, another cart's key is refused.
///
/// # Errors
///
/// The violated property.
pub fn checkout_places_one_order<S: Store>(store: S) -> Outcome {
    let engine = shop(store, 10, Some(5))?;
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let cart = ready_cart(&engine, 3, true)?;
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &options),
        "complete",
    )?;
    ensure(
        order.number == 1
            && order.status == OrderStatus::Paid
            && order.grand_total.to_string() == "54.00"
            && order.coupons == ["SAVE10"],
        || format!("unexpected order {order:?}"),
    )?;
    let l = level(&engine)?;
    ensure(
        (l.committed, l.reserved, l.available()) == (3, 0, 7),
        || format!("stock after the order: {l:?}"),
    )?;
    let again = run(
        engine.complete_checkout(&cart, "k1", &gateway, &options),
        "replay",
    )?;
    ensure(again == order, || {
        "the same key must return the same order".into()
    })?;
    ensure(captures(&gateway) == 1, || {
        "a replay must not capture again".into()
    })?;
    let other = ready_cart(&engine, 1, false)?;
    ensure(
        engine
            .complete_checkout(&other, "k1", &gateway, &options)
            .is_err_and(|e| e.code() == "idempotency_key_reused"),
        || "a key of another cart must be idempotency_key_reused".into(),
    )?;
    let (cart_now, _) = run(engine.cart(&cart), "cart")?;
    ensure(
        cart_now.checkout == crate::checkout::CheckoutState::Completed,
        || "the cart must be completed".into(),
    )?;
    let events = run(engine.events_since(0, 1000), "events")?;
    let placed = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::OrderPlaced { .. }))
        .count();
    ensure(placed == 1, || format!("{placed} order_placed events"))
}

/// A declined payment consumes no stock and no coupon use, and the same
/// key may be used again.
///
/// # Errors
///
/// The violated property.
pub fn failed_payment_consumes_nothing<S: Store>(store: S) -> Outcome {
    let engine = shop(store, 10, Some(1))?;
    let gateway = TestGateway::default();
    gateway.script("authorize", Script::Decline("insufficient funds".into()));
    let options = CheckoutOptions::default();
    let cart = ready_cart(&engine, 2, true)?;
    ensure(
        engine
            .complete_checkout(&cart, "k1", &gateway, &options)
            .is_err_and(|e| e.code() == "payment_failed"),
        || "a decline must be payment_failed".into(),
    )?;
    let l = level(&engine)?;
    ensure((l.reserved, l.committed) == (0, 0), || {
        format!("a failed payment left stock held: {l:?}")
    })?;
    // The coupon (limit 1) is still free, and the key may be retried.
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &options),
        "retry",
    )?;
    ensure(order.coupons == ["SAVE10"], || {
        "the coupon use was consumed by the failure".into()
    })
}

/// `THREADS` threads complete 200 one-unit carts over 50 units: exactly 50
/// orders, numbered 1 to 50 (each number once), the rest
/// `insufficient_stock`.
///
/// # Errors
///
/// The violated property (an oversell).
pub fn concurrent_checkouts_never_oversell<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(shop(store, 50, None)?);
    let carts: Vec<String> = (0..200)
        .map(|_| ready_cart(&engine, 1, false))
        .collect::<Result<_, _>>()?;
    let outcomes = race(
        &engine,
        carts,
        |i| format!("k{i}"),
        &CheckoutOptions::default(),
    )?;
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let short = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(|c| c == "insufficient_stock"))
        .count();
    let l = level(&engine)?;
    ensure(ok == 50 && short == 150, || {
        let other: Vec<&String> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .filter(|c| *c != "insufficient_stock")
            .collect();
        format!(
            "{ok} orders and {short} insufficient_stock from 200 checkouts on 50 units; other errors: {other:?}"
        )
    })?;
    ensure(
        (l.committed, l.reserved, l.available()) == (50, 0, 0),
        || format!("stock after the race: {l:?}"),
    )?;
    // A checkout refused for stock takes no number.
    let mut numbers = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|id| run(engine.order(id), "order").map(|(o, _)| o.number))
        .collect::<Result<Vec<_>, _>>()?;
    numbers.sort_unstable();
    ensure(numbers == (1..=50).collect::<Vec<u64>>(), || {
        format!("order numbers after the race: {numbers:?}")
    })
}

/// The same cart completed 52 times at once under different keys: one
/// order, one capture, and every success is that order.
///
/// # Errors
///
/// The violated property (a double order or charge).
pub fn one_cart_many_completions_one_order<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(shop(store, 1_000, None)?);
    let cart = ready_cart(&engine, 2, false)?;
    let gateway = Arc::new(TestGateway::default());
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, cart, gateway, start) =
                (engine.clone(), cart.clone(), gateway.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                (0..13)
                    .map(|i| {
                        let key = format!("t{t}-{i}");
                        engine
                            .complete_checkout(
                                &cart,
                                &key,
                                gateway.as_ref(),
                                &CheckoutOptions::default(),
                            )
                            .map_err(|e| e.code())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut orders = Vec::new();
    for h in handles {
        for outcome in h
            .join()
            .map_err(|_| "a completing thread panicked".to_owned())?
        {
            match outcome {
                Ok(order) => orders.push(order),
                Err(code) => return Err(format!("completing one cart again failed with {code}")),
            }
        }
    }
    let first = orders.first().ok_or("no order")?.id.clone();
    ensure(orders.iter().all(|o| o.id == first), || {
        "two different orders for one cart".into()
    })?;
    ensure(captures(&gateway) == 1, || {
        format!("{} captures for one cart", captures(&gateway))
    })?;
    let l = level(&engine)?;
    ensure((l.committed, l.reserved) == (2, 0), || {
        format!("stock after the race: {l:?}")
    })
}

/// 64 carts race for a coupon limited to 10: exactly 10 orders use it.
///
/// # Errors
///
/// The violated property.
pub fn coupon_limit_holds_under_concurrency<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(shop(store, 1_000, Some(10))?);
    let carts: Vec<String> = (0..64)
        .map(|_| ready_cart(&engine, 1, true))
        .collect::<Result<_, _>>()?;
    let outcomes = race(
        &engine,
        carts,
        |i| format!("c{i}"),
        &CheckoutOptions::default(),
    )?;
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let limited = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(|c| c == "coupon_usage_limit_reached"))
        .count();
    let l = level(&engine)?;
    ensure(ok == 10 && limited == 54, || {
        format!("{ok} orders with the coupon, {limited} refused, of 64 (limit 10)")
    })?;
    ensure(l.committed == 10 && l.reserved == 0, || {
        format!("stock: {l:?}")
    })
}

/// Store credit is never spent twice: 12 carts of one customer race to
/// spend 10.00 each of a 30.00 balance (a card pays the rest); exactly 3
/// orders are placed, the others are refused with
/// `insufficient_store_credit` and keep no stock, and the balance ends at
/// zero.
///
/// # Errors
///
/// The violated property.
pub fn store_credit_is_never_spent_twice<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(shop(store, 1_000, None)?);
    let (ann, _) = run(
        engine.create_customer(|c| c.set_email(Some("ann@example.com"))),
        "create customer",
    )?;
    let ten = Money::from_minor_units(1_000, Currency::EUR);
    run(
        engine.grant_store_credit(
            &ann.id,
            Money::from_minor_units(3_000, Currency::EUR),
            "gift",
        ),
        "grant credit",
    )?;
    let carts: Vec<String> = (0..12)
        .map(|_| crate::testing::fixtures::ready_cart_for(&engine, &ann.id, 1, false))
        .collect::<Result<_, _>>()?;
    let options = CheckoutOptions {
        tenders: vec![
            Tender::StoreCredit { amount: Some(ten) },
            Tender::Gateway {
                label: "card".into(),
                amount: None,
            },
        ],
        ..CheckoutOptions::default()
    };
    let outcomes = race(&engine, carts, |i| format!("s{i}"), &options)?;
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(|c| c == "insufficient_store_credit"))
        .count();
    let balance = run(engine.store_credit(&ann.id), "store credit")?.balance(Currency::EUR);
    let l = level(&engine)?;
    ensure(ok == 3 && refused == 9, || {
        format!("{ok} orders spent credit, {refused} refused, of 12 (credit for 3): {outcomes:?}")
    })?;
    ensure(balance.is_zero(), || format!("balance left: {balance}"))?;
    ensure(l.committed == 3 && l.reserved == 0, || {
        format!("stock: {l:?}")
    })
}

/// Completes `carts` from `THREADS` threads; the outcome codes, in no order.
fn race<S: Store + 'static>(
    engine: &Arc<Engine<S>>,
    carts: Vec<String>,
    key: fn(usize) -> String,
    options: &CheckoutOptions,
) -> std::result::Result<Vec<std::result::Result<String, String>>, String> {
    let options = Arc::new(options.clone());
    let gateway = Arc::new(TestGateway::default());
    let carts = Arc::new(carts);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, carts, gateway, start, options) = (
                engine.clone(),
                carts.clone(),
                gateway.clone(),
                start.clone(),
                options.clone(),
            );
            thread::spawn(move || {
                start.wait();
                (t..carts.len())
                    .step_by(THREADS)
                    .map(|i| {
                        engine
                            .complete_checkout(&carts[i], &key(i), gateway.as_ref(), &options)
                            .map(|o| o.id.to_string())
                            .map_err(|e| e.code().to_owned())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(
            h.join()
                .map_err(|_| "a completing thread panicked".to_owned())?,
        );
    }
    Ok(all)
}

/// A capture that times out after succeeding is retried under the same
/// key and happens once; an authorization likewise.
///
/// # Errors
///
/// The violated property (a double charge).
pub fn timeouts_after_success_charge_once<S: Store>(store: S) -> Outcome {
    let engine = shop(store, 10, None)?;
    let gateway = TestGateway::default();
    gateway.script("authorize", Script::TimeoutAfterSuccess);
    gateway.script("capture", Script::TimeoutAfterSuccess);
    let cart = ready_cart(&engine, 1, false)?;
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &CheckoutOptions::default()),
        "complete",
    )?;
    let ops: Vec<&str> = gateway
        .acted()
        .iter()
        .map(|(r, _)| r.op())
        .collect::<Vec<_>>();
    ensure(
        order.status == OrderStatus::Paid && ops == ["authorize", "capture"],
        || format!("provider did {ops:?}; order {:?}", order.status),
    )
}

/// While a completion runs, its key answers `checkout_in_progress`.
///
/// # Errors
///
/// The violated property.
pub fn a_running_key_is_in_progress<S: Store + 'static>(store: S) -> Outcome {
    /// Calls the checkout again, with the same key, from inside the
    /// provider call of the first completion.
    struct Reentrant<S: Store> {
        engine: Arc<Engine<S>>,
        cart: String,
        seen: std::sync::Mutex<Option<String>>,
        inner: TestGateway,
    }
    impl<S: Store> std::fmt::Debug for Reentrant<S> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Reentrant")
        }
    }
    impl<S: Store> PaymentGateway for Reentrant<S> {
        fn call(&self, request: &GatewayRequest, key: &str) -> GatewayOutcome {
            if matches!(request, GatewayRequest::Authorize { .. }) {
                let again = self.engine.complete_checkout(
                    &self.cart,
                    "k1",
                    &self.inner,
                    &CheckoutOptions::default(),
                );
                if let Ok(mut seen) = self.seen.lock() {
                    *seen = Some(again.err().map_or("ok".into(), |e| e.code().to_owned()));
                }
            }
            self.inner.call(request, key)
        }
    }
    let engine = Arc::new(shop(store, 10, None)?);
    let cart = ready_cart(&engine, 1, false)?;
    let gateway = Reentrant {
        engine: engine.clone(),
        cart: cart.clone(),
        seen: std::sync::Mutex::new(None),
        inner: TestGateway::default(),
    };
    run(
        engine.complete_checkout(&cart, "k1", &gateway, &CheckoutOptions::default()),
        "complete",
    )?;
    let seen = gateway.seen.lock().map(|s| s.clone()).unwrap_or_default();
    ensure(seen.as_deref() == Some("checkout_in_progress"), || {
        format!("the same key during the first call answered {seen:?}")
    })
}

/// `THREADS` threads refund 7.00 at a time from a 100.00 capture: exactly
/// 14 refunds go through, the rest are `refund_exceeds_captured`, and the
/// provider refunded 14 times.
///
/// # Errors
///
/// The violated property (an over-refund).
pub fn concurrent_refunds_never_exceed_captured<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(shop(store, 10, None)?);
    let cart = ready_cart(&engine, 5, false)?;
    let gateway = Arc::new(TestGateway::default());
    let options = CheckoutOptions::default();
    let order = run(
        engine.complete_checkout(&cart, "k1", gateway.as_ref(), &options),
        "complete",
    )?;
    let seven = Money::from_minor_units(700, Currency::EUR);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, gateway, start, id) = (
                engine.clone(),
                gateway.clone(),
                start.clone(),
                order.id.clone(),
            );
            thread::spawn(move || {
                start.wait();
                let mut codes = Vec::new();
                for i in 0..10 {
                    let key = format!("r{t}-{i}");
                    let code = loop {
                        match engine.refund_order(
                            &id,
                            seven,
                            &key,
                            "staff:conformance",
                            gateway.as_ref(),
                            &CheckoutOptions::default(),
                        ) {
                            Ok(_) => break "ok".to_owned(),
                            Err(e) if e.code() == "refund_in_progress" => thread::yield_now(),
                            Err(e) => break e.code().to_owned(),
                        }
                    };
                    codes.push((key, code));
                }
                codes
            })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        codes.extend(
            h.join()
                .map_err(|_| "a refunding thread panicked".to_owned())?,
        );
    }
    let ok = codes.iter().filter(|(_, c)| c == "ok").count();
    let over = codes
        .iter()
        .filter(|(_, c)| c == "refund_exceeds_captured")
        .count();
    let refunds = gateway
        .acted()
        .iter()
        .filter(|(r, _)| r.op() == "refund")
        .count();
    let (after, _) = run(engine.order(&order.id), "order")?;
    let refunded = after.payment.ledger.state().refunded;
    ensure(
        ok == 14 && over == 26 && refunds == 14 && refunded.to_string() == "98.00",
        || {
            format!("{ok} refunds, {over} refused, {refunds} at the provider, {refunded} refunded of 100.00")
        },
    )?;
    // A key that went through, sent again, refunds nothing more.
    let (done, _) = codes
        .iter()
        .find(|(_, c)| c == "ok")
        .ok_or("no refund went through")?;
    run(
        engine.refund_order(
            &order.id,
            seven,
            done,
            "staff:conformance",
            gateway.as_ref(),
            &options,
        ),
        "replay",
    )?;
    let again = gateway
        .acted()
        .iter()
        .filter(|(r, _)| r.op() == "refund")
        .count();
    ensure(again == 14, || {
        "a replayed refund key refunded again".into()
    })
}
