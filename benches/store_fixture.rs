//! Store throughput fixtures shared by the SQLite and PostgreSQL bench
//! programs: a five-SKU shop, one shopper's whole checkout, a throughput
//! run on several threads, and the 200-checkouts-for-50-units race.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::store::Store;
use kassa::{Currency, Money};

/// What the bench programs return.
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Five products (`SKU-0`..`SKU-4`) with `units` each at `main`.
///
/// # Errors
///
/// Store failures.
pub fn stock_shop<S: Store>(engine: &Engine<S>, units: i64) -> Res<()> {
    stock_catalog(engine, units, 5)
}

/// `skus` products (`SKU-0`, `SKU-1`, ...) with `units` each at `main`.
///
/// # Errors
///
/// Store failures.
pub fn stock_catalog<S: Store>(engine: &Engine<S>, units: i64, skus: usize) -> Res<()> {
    for i in 0..skus as i64 {
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("SKU-{i}"));
        v.prices = vec![Money::from_minor_units(1000 + 250 * (i % 5), Currency::USD)];
        p.variants.push(v);
        engine.create_product(p)?;
        engine.adjust_stock(&StockKey::new(format!("SKU-{i}"), "main"), units, "bench")?;
    }
    engine.set_pricing(&PricingSettings::default(), None)?;
    Ok(())
}

/// One shopper's whole checkout of `lines` lines (create, add, address and
/// shipping, pay, complete); returns the order number.
///
/// # Errors
///
/// Store failures.
pub fn checkout<S: Store>(
    engine: &Engine<S>,
    gateway: &TestGateway,
    lines: u64,
) -> kassa::Result<u64> {
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    for i in 0..lines {
        v = engine
            .add_to_cart(
                &cart.id,
                v,
                &format!("SKU-{i}"),
                1 + i % 2,
                SortedMap::new(),
            )?
            .1;
    }
    let address = Address::new("Ada", "1 Main St", "Springfield", "US");
    engine.update_cart(&cart.id, v, |c, e| {
        let now = e.clock().now();
        c.set_shipping_address(address, now)?;
        c.select_shipping("pickup", now)
    })?;
    let order =
        engine.complete_checkout(&cart.id, &cart.id, gateway, &CheckoutOptions::default())?;
    Ok(order.number)
}

/// `threads` threads completing `n` checkouts in all on `engine`; returns
/// checkouts per second.
///
/// # Errors
///
/// The first failed checkout.
pub fn throughput<S: Store + 'static>(
    engine: Arc<Engine<S>>,
    n: usize,
    threads: usize,
) -> Res<f64> {
    let per = n / threads;
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> kassa::Result<()> {
                let gateway = TestGateway::default();
                barrier.wait();
                for _ in 0..per {
                    checkout(&*engine, &gateway, 5)?;
                }
                Ok(())
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().map_err(|_| "a checkout thread panicked")??;
    }
    Ok((per * threads) as f64 / start.elapsed().as_secs_f64())
}

/// Busy CPU time of the whole machine so far, in clock ticks (1/100 s):
/// user, nice, system, irq and softirq of `/proc/stat` (none off Linux).
fn busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq ...
    Some(fields.first()? + fields.get(1)? + fields.get(2)? + fields.get(5)? + fields.get(6)?)
}

/// Carts of 5 lines with address and shipping chosen (the shopper's part,
/// not timed), then `threads` threads completing them all (`complete_checkout`:
/// claim, price, reserve, pay, place, capture); returns completions per
/// second, and the machine's busy CPU time per completion in microseconds
/// (every process: clients and a local server; none off Linux), which
/// drifts less than the rate on a shared VM. Cart `c` buys `SKU-(5c)` to `SKU-(5c+4)` modulo `skus`: with 5
/// SKUs every checkout locks the same stock rows, with more they spread.
///
/// # Errors
///
/// The first failed step.
pub fn completions<S: Store + 'static>(
    engine: Arc<Engine<S>>,
    n: usize,
    threads: usize,
    skus: usize,
) -> Res<(f64, Option<f64>)> {
    let per = n / threads;
    let mut carts = Vec::with_capacity(per * threads);
    for c in 0..per * threads {
        let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
        for i in 0..5u64 {
            let sku = (c * 5 + i as usize) % skus.max(1);
            v = engine
                .add_to_cart(
                    &cart.id,
                    v,
                    &format!("SKU-{sku}"),
                    1 + i % 2,
                    SortedMap::new(),
                )?
                .1;
        }
        engine.update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Springfield", "US"), now)?;
            c.select_shipping("pickup", now)
        })?;
        carts.push(cart.id.clone());
    }
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            let mine: Vec<String> = carts
                .iter()
                .skip(t)
                .step_by(threads)
                .map(|c| c.to_string())
                .collect();
            thread::spawn(move || -> kassa::Result<()> {
                let gateway = TestGateway::default();
                barrier.wait();
                for cart in mine {
                    engine.complete_checkout(
                        &cart,
                        &cart,
                        &gateway,
                        &CheckoutOptions::default(),
                    )?;
                }
                Ok(())
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let busy = busy_ticks();
    for h in handles {
        h.join().map_err(|_| "a completing thread panicked")??;
    }
    let done = (per * threads) as f64;
    let rate = done / start.elapsed().as_secs_f64();
    let cpu = busy_ticks()
        .zip(busy)
        .map(|(after, before)| after.saturating_sub(before) as f64 * 10_000.0 / done);
    Ok((rate, cpu))
}

/// 200 checkouts on 8 threads racing for 50 units of `SKU-0`: prints the
/// outcome and fails unless exactly 50 orders were placed.
///
/// # Errors
///
/// Oversold or undersold, or a store failure.
pub fn race<S: Store + 'static>(name: &str, engine: Engine<S>) -> Res<()> {
    stock_shop(&engine, 0)?;
    engine.adjust_stock(&StockKey::new("SKU-0", "main"), 50, "race")?;
    let engine = Arc::new(engine);
    let carts: Vec<String> = (0..200)
        .map(|_| -> kassa::Result<String> {
            let (cart, v) = engine.create_cart(Currency::USD, Some("racer"))?;
            let (_, v) = engine.add_to_cart(&cart.id, v, "SKU-0", 1, SortedMap::new())?;
            let address = Address::new("Ada", "1 Main St", "Springfield", "US");
            engine.update_cart(&cart.id, v, |c, e| {
                let now = e.clock().now();
                c.set_shipping_address(address, now)?;
                c.select_shipping("pickup", now)
            })?;
            Ok(cart.id.to_string())
        })
        .collect::<kassa::Result<_>>()?;
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            let mine: Vec<String> = carts.iter().skip(t).step_by(threads).cloned().collect();
            thread::spawn(move || {
                let gateway = TestGateway::default();
                barrier.wait();
                let mut won = 0;
                for cart in mine {
                    match engine.complete_checkout(
                        &cart,
                        &cart,
                        &gateway,
                        &CheckoutOptions::default(),
                    ) {
                        Ok(_) => won += 1,
                        Err(e) if e.code() == "insufficient_stock" => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(won)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let mut orders = 0;
    for h in handles {
        orders += h.join().map_err(|_| "a racer panicked")??;
    }
    let took = start.elapsed().as_secs_f64() * 1000.0;
    let level = engine
        .stock(&StockKey::new("SKU-0", "main"))?
        .ok_or("no stock")?
        .level;
    println!(
        "race ({name}): 200 checkouts on 8 threads for 50 units: {orders} orders, committed {}, available {}, in {took:.1} ms",
        level.committed,
        level.available()
    );
    if orders != 50 || level.committed != 50 {
        return Err("oversold or undersold".into());
    }
    Ok(())
}
