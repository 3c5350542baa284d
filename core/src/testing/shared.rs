//! Checks for two stores on one database, as two processes or two app
//! servers would open it: each must see the other's catalog writes, and
//! together they must never oversell. Each check takes two freshly opened
//! stores on the same, empty database.

use std::sync::{Arc, Barrier};
use std::thread;

use super::conformance::{ensure, run, Outcome};
use crate::catalog::{CatalogQuery, Product, ProductStatus, Variant};
use crate::engine::{CheckoutOptions, Engine, ManualClock, NodeIds};
use crate::inventory::StockKey;
use crate::money::{Currency, Money};
use crate::payment::TestGateway;
use crate::pricing::Timestamp;
use crate::store::Store;
use crate::testing::fixtures::{ready_cart, tee_shop};

fn engine<S: Store>(store: S, node: &str) -> Engine<S> {
    Engine::new(
        store,
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(NodeIds::new(node)),
    )
}

fn product(id: &str, sku: &str, cents: i64) -> Product {
    let mut p = Product::new(id, format!("Product {id}"));
    p.status = ProductStatus::Active;
    let mut v = Variant::new(sku);
    v.prices = vec![Money::from_minor_units(cents, Currency::EUR)];
    p.variants.push(v);
    p
}

fn code<T>(result: crate::Result<T>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.code().into(),
    }
}

/// A product saved through one store is read, updated and checked
/// against (stale versions, duplicate SKUs, SKUs moving between products)
/// through the other.
///
/// # Errors
///
/// The violated property.
pub fn both_see_the_catalog<S: Store>(first: S, second: S) -> Outcome {
    let (a, b) = (engine(first, "a"), engine(second, "b"));
    run(a.create_product(product("p1", "SKU-1", 1000)), "create p1")?;
    let (seen, version) = run(b.product("p1"), "b reads p1")?;
    ensure(version == 1 && seen.name == "Product p1", || {
        format!("b read {:?} at version {version}", seen.name)
    })?;
    let mut renamed = (*seen).clone();
    renamed.name = "Renamed".into();
    run(b.update_product(renamed, 1), "b renames p1")?;
    let mut stale = product("p1", "SKU-1", 1000);
    stale.name = "Stale".into();
    let got = code(a.update_product(stale, 1));
    ensure(got == "concurrent_modification", || {
        format!("a stale update through a must be concurrent_modification, got {got}")
    })?;
    run(b.create_product(product("p2", "SKU-2", 500)), "create p2")?;
    let got = code(a.create_product(product("p3", "SKU-2", 700)));
    ensure(got == "duplicate_sku", || {
        format!("a SKU taken through b must be duplicate_sku through a, got {got}")
    })?;
    let name = run(a.product("p1"), "a reads p1")?.0.name.clone();
    ensure(name == "Renamed", || format!("a reads p1 as {name:?}"))?;
    let total = run(a.query(&CatalogQuery::default()), "query")?.total;
    ensure(total == 2, || {
        format!("a's catalog query found {total} products")
    })?;
    let (p2, v2) = run(a.product("p2"), "a reads p2")?;
    let mut moved = (*p2).clone();
    moved.variants[0].sku = "SKU-2B".into();
    run(a.update_product(moved, v2), "a renames the SKU of p2")?;
    run(
        b.create_product(product("p4", "SKU-2", 900)),
        "b reuses SKU-2",
    )?;
    let owner = run(a.product_by_sku("SKU-2"), "SKU-2")?.0.id.clone();
    let other = run(a.product_by_sku("SKU-2B"), "SKU-2B")?.0.id.clone();
    ensure(owner == "p4" && other == "p2", || {
        format!("SKU-2 belongs to {owner}, SKU-2B to {other}")
    })
}

/// A checkout through one store charges the price set through the other
/// a moment before, though the first priced the cart (and read its
/// catalog) at the old price: a store that reads its catalog's mark with
/// the checkout's documents must still see every write committed before
/// that read.
///
/// # Errors
///
/// The violated property.
pub fn checkout_prices_the_latest_catalog<S: Store>(first: S, second: S) -> Outcome {
    let (a, b) = (engine(first, "a"), engine(second, "b"));
    tee_shop(&a, 10, None)?;
    let cart = ready_cart(&a, 2, false)?;
    let (tee, version) = run(b.product("tee"), "b reads the tee")?;
    let mut dearer = (*tee).clone();
    dearer.variants[0].prices = vec![Money::from_minor_units(2500, Currency::EUR)];
    run(b.update_product(dearer, version), "b raises the price")?;
    let order = run(
        a.complete_checkout(
            &cart,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        ),
        "a completes the checkout",
    )?;
    ensure(order.grand_total.to_string() == "50.00", || {
        format!(
            "two tees at 25.00 set through b, a charged {}",
            order.grand_total
        )
    })
}

/// Checkouts through the two stores in turn buy 2 of 10 units each: five
/// are placed, the sixth is `insufficient_stock`, and the stock adds up.
/// Each store's last look at the stock row is stale by the time it
/// checks out again (the other sold since): a store that plans on what it
/// last saw must notice.
///
/// # Errors
///
/// The violated property.
pub fn checkouts_in_turn_sell_exactly<S: Store>(first: S, second: S) -> Outcome {
    let (a, b) = (engine(first, "a"), engine(second, "b"));
    tee_shop(&a, 10, None)?;
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    for turn in 0..6 {
        let e = if turn % 2 == 0 { &a } else { &b };
        let cart = ready_cart(e, 2, false)?;
        let got = code(e.complete_checkout(&cart, &format!("k{turn}"), &gateway, &options));
        let want = if turn < 5 { "ok" } else { "insufficient_stock" };
        ensure(got == want, || {
            format!("checkout {turn} gave {got}, not {want}")
        })?;
    }
    for e in [&a, &b] {
        let level = run(e.stock(&StockKey::new("TEE", "main")), "stock")?
            .ok_or("the stock record vanished")?
            .level;
        ensure(
            (level.committed, level.reserved, level.available()) == (10, 0, 0),
            || format!("stock after five orders of 2 from 10: {level:?}"),
        )?;
    }
    Ok(())
}

/// Eight threads, half on each store, reserve one unit at a time from 50:
/// exactly 50 succeed.
///
/// # Errors
///
/// The violated property.
pub fn together_never_oversell<S: Store + 'static>(first: S, second: S) -> Outcome {
    let engines = [Arc::new(engine(first, "a")), Arc::new(engine(second, "b"))];
    let key = StockKey::new("TEE", "main");
    run(engines[0].adjust_stock(&key, 50, "delivery"), "stock")?;
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let e = Arc::clone(&engines[t % 2]);
            let barrier = Arc::clone(&barrier);
            let key = key.clone();
            thread::spawn(move || {
                barrier.wait();
                (0..20)
                    .filter(|_| e.reserve(&key, 1, 60_000).is_ok())
                    .count()
            })
        })
        .collect();
    let mut won = 0;
    for h in handles {
        won += h
            .join()
            .map_err(|_| "a reserving thread panicked".to_owned())?;
    }
    ensure(won == 50, || {
        format!("{won} reservations of 1 out of 50 units")
    })?;
    let level = run(engines[1].stock(&key), "stock")?
        .ok_or("the stock record vanished")?
        .level;
    ensure((level.reserved, level.available()) == (50, 0), || {
        format!("level after the race: {level:?}")
    })
}
