//! Conformance checks for order edits: a line that grows commits stock
//! under the record's policy in the same atomic step as the order, a line
//! that shrinks gives it back, and concurrent edits never commit more
//! than is available.

use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::engine::{CheckoutOptions, Engine};
use crate::inventory::{StockKey, StockLevel};
use crate::order::LineEdit;
use crate::payment::TestGateway;
use crate::store::Store;
use crate::testing::fixtures::{ready_cart, tee_shop};

fn tees<S: Store>(engine: &Engine<S>) -> std::result::Result<StockLevel, String> {
    Ok(run(engine.stock(&StockKey::new("TEE", "main")), "stock")?
        .ok_or("the record vanished")?
        .level)
}

/// An edit asking for more units than are available changes neither the
/// order nor the stock; one that fits commits them with the order; one
/// that shrinks gives them back and refunds the difference.
///
/// # Errors
///
/// The violated property.
pub fn order_edits_move_stock_with_the_order<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    tee_shop(&engine, 5, None)?;
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let cart = ready_cart(&engine, 2, false)?;
    let order = run(
        engine.complete_checkout(&cart, "k1", &gateway, &options),
        "checkout",
    )?;
    let set = |qty| [LineEdit::SetQuantity { line: 0, qty }];
    let too_many = engine.edit_order(&order.id, &set(6), "e1", "staff", &gateway, &options);
    ensure(
        too_many
            .as_ref()
            .is_err_and(|e| e.code() == "insufficient_stock"),
        || format!("6 of 5 units: {too_many:?}"),
    )?;
    let (stored, _) = run(engine.order(&order.id), "order")?;
    let l = tees(&engine)?;
    ensure(
        stored == *order && l.committed == 2 && l.reserved == 0,
        || {
            format!(
                "a refused edit left the order at {} and stock {l:?}",
                stored.grand_total
            )
        },
    )?;
    let grown = run(
        engine.edit_order(&order.id, &set(5), "e2", "staff", &gateway, &options),
        "edit to 5",
    )?;
    let l = tees(&engine)?;
    ensure(
        l.committed == 5 && grown.grand_total.minor_units() == 10_000,
        || format!("after growing to 5: {l:?}, total {}", grown.grand_total),
    )?;
    let shrunk = run(
        engine.edit_order(&order.id, &set(1), "e3", "staff", &gateway, &options),
        "edit to 1",
    )?;
    let l = tees(&engine)?;
    let paid = run(shrunk.net_paid(), "net paid")?;
    ensure(
        l.committed == 1 && l.available() == 4 && paid.minor_units() == 2_000,
        || format!("after shrinking to 1: {l:?}, paid {paid}"),
    )
}

/// `THREADS` orders of one unit each race to add 2 units when 3 are left:
/// exactly one edit succeeds, the others get `insufficient_stock`, and
/// nothing stays reserved.
///
/// # Errors
///
/// The violated property.
pub fn concurrent_edits_never_oversell<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let units = i64::try_from(THREADS).unwrap_or(4) + 3;
    tee_shop(&engine, units, None)?;
    let gateway = Arc::new(TestGateway::default());
    let options = CheckoutOptions::default();
    let mut orders = Vec::new();
    for i in 0..THREADS {
        let cart = ready_cart(&engine, 1, false)?;
        let order = run(
            engine.complete_checkout(&cart, &format!("k{i}"), gateway.as_ref(), &options),
            "checkout",
        )?;
        orders.push(order.id.clone());
    }
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = orders
        .into_iter()
        .map(|id| {
            let (engine, gateway, start) = (engine.clone(), gateway.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let edit = [LineEdit::SetQuantity { line: 0, qty: 3 }];
                engine
                    .edit_order(
                        &id,
                        &edit,
                        "grow",
                        "staff",
                        gateway.as_ref(),
                        &CheckoutOptions::default(),
                    )
                    .map(|_| ())
                    .map_err(|e| e.code().to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(
            h.join()
                .map_err(|_| "an editing thread panicked".to_owned())?,
        );
    }
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let short = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(|c| c == "insufficient_stock"))
        .count();
    let l = tees(&engine)?;
    let expected = i64::try_from(THREADS).unwrap_or(4) + 2;
    ensure(ok == 1 && short == THREADS - 1, || {
        format!("{ok} edits took 2 of 3 units, {short} refused: {outcomes:?}")
    })?;
    ensure(l.committed == expected && l.reserved == 0, || {
        format!("stock after the race: {l:?}")
    })
}
