//! Conformance checks for checkout idempotency keys under races: a new
//! key is created with the stock reservation, so of several calls racing
//! with one new key exactly one reserves, authorizes and places.

use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, Outcome, THREADS};
use crate::engine::CheckoutOptions;
use crate::inventory::StockKey;
use crate::payment::TestGateway;
use crate::store::Store;
use crate::testing::fixtures::{ready_cart, tee_shop};

/// Rounds of the race, each with its own cart and its own new key.
const ROUNDS: usize = 6;

/// `THREADS` calls complete one cart under one new key at once, in
/// `ROUNDS` rounds: each round gives one order, every success is that
/// order, every other call is `checkout_in_progress`, and the provider
/// authorized and captured once per round; no stock stays reserved.
///
/// # Errors
///
/// The violated property (a second authorization, an order per caller,
/// stock left held).
pub fn one_new_key_raced_gives_one_order<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    tee_shop(&engine, 1_000, None)?;
    let gateway = Arc::new(TestGateway::default());
    for round in 0..ROUNDS {
        let cart = ready_cart(&engine, 1, false)?;
        let key = format!("race-{round}");
        let start = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (engine, gateway, start) = (engine.clone(), gateway.clone(), start.clone());
                let (cart, key) = (cart.clone(), key.clone());
                thread::spawn(move || {
                    start.wait();
                    engine
                        .complete_checkout(
                            &cart,
                            &key,
                            gateway.as_ref(),
                            &CheckoutOptions::default(),
                        )
                        .map(|order| order.id.clone())
                        .map_err(|e| e.code().to_owned())
                })
            })
            .collect();
        let mut orders = Vec::new();
        for h in handles {
            match h.join().map_err(|_| "a completing thread panicked")? {
                Ok(order) => orders.push(order),
                Err(code) if code == "checkout_in_progress" => {}
                Err(code) => return Err(format!("a racing call with one key failed with {code}")),
            }
        }
        let first = orders.first().ok_or("no call placed the order")?;
        ensure(orders.iter().all(|o| o == first), || {
            format!("one key gave several orders: {orders:?}")
        })?;
    }
    let acted = gateway.acted();
    let count = |op: &str| acted.iter().filter(|(r, _)| r.op() == op).count();
    ensure(
        (count("authorize"), count("capture")) == (ROUNDS, ROUNDS),
        || {
            format!(
                "{} authorizations and {} captures for {ROUNDS} keys",
                count("authorize"),
                count("capture")
            )
        },
    )?;
    let level = engine
        .stock(&StockKey::new("TEE", "main"))
        .map_err(|e| e.to_string())?
        .ok_or("the record vanished")?
        .level;
    ensure(
        (level.committed, level.reserved) == (ROUNDS as i64, 0),
        || format!("stock after the races: {level:?}"),
    )
}
