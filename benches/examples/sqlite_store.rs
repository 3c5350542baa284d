//! Throughput of the SQLite store: catalog load, completed checkouts per
//! second (1, 2 and 4 threads, both durability levels), and 200
//! concurrent checkouts racing for 50 units.
//!
//! ```text
//! cargo run --release -p kassa-benches --example sqlite_store -- 4000
//! ```
//!
//! The argument is the number of checkouts per run (default 4,000). Each
//! run uses a fresh file in a temporary directory (on the same disk as
//! `TMPDIR`). A checkout is the whole path a shopper takes: create a cart,
//! add 5 lines, set the address and shipping, pay (deterministic test
//! provider) and complete, each step its own transaction, as in
//! production.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, NodeIds, PricingSettings, SystemClock};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::store::{MemoryStore, Store};
use kassa::{Currency, Money};
use kassa_benches::catalog_fixture::{attributes, categories, product};
use kassa_sqlite::{SqliteOptions, SqliteStore, Synchronous};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn open(path: &std::path::Path, synchronous: Synchronous) -> Res<Engine<SqliteStore>> {
    let store = SqliteStore::open_with(
        path,
        SqliteOptions {
            synchronous,
            ..SqliteOptions::default()
        },
    )?;
    let node = store.allocate_node()?;
    Ok(Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NodeIds::new(format!("n{node}"))),
    ))
}

fn stock_shop<S: Store>(engine: &Engine<S>, units: i64) -> Res<()> {
    for i in 0..5 {
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("SKU-{i}"));
        v.prices = vec![Money::from_minor_units(1000 + 250 * i, Currency::USD)];
        p.variants.push(v);
        engine.create_product(p)?;
        engine.adjust_stock(&StockKey::new(format!("SKU-{i}"), "main"), units, "bench")?;
    }
    engine.set_pricing(&PricingSettings::default(), None)?;
    Ok(())
}

/// One shopper's whole checkout of `lines` lines.
fn checkout<S: Store>(engine: &Engine<S>, gateway: &TestGateway, lines: u64) -> kassa::Result<u64> {
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

fn catalog_load(dir: &std::path::Path) -> Res<()> {
    let (products, variants) = (25_000, 4);
    let built: Vec<Product> = (0..products).map(|i| product(i, variants)).collect();
    let path = dir.join("catalog.db");
    let engine = open(&path, Synchronous::Normal)?;
    for c in categories() {
        engine.put_category(c)?;
    }
    for def in attributes() {
        engine.define_attribute(def)?;
    }
    let start = Instant::now();
    for p in built {
        engine.create_product(p)?;
    }
    let took = start.elapsed().as_secs_f64();
    let total = products * variants;
    println!(
        "catalog load: {total} variants ({products} products) in {took:.2} s = {:.0} variants/s (one transaction per product)",
        total as f64 / took
    );
    drop(engine);
    let start = Instant::now();
    let engine = open(&path, Synchronous::Normal)?;
    println!(
        "reopen: index of {} products rebuilt from the file in {:.2} s",
        engine
            .query(&kassa::catalog::CatalogQuery::default())?
            .total,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn throughput(dir: &std::path::Path, n: usize, threads: usize, sync: Synchronous) -> Res<()> {
    let path = dir.join(format!("checkouts-{threads}-{sync:?}.db"));
    let engine = Arc::new(open(&path, sync)?);
    stock_shop(&*engine, 1_000_000_000)?;
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
    let took = start.elapsed().as_secs_f64();
    println!(
        "checkouts ({sync:?}, {threads} thread(s)): {} in {took:.2} s = {:.0}/s",
        per * threads,
        (per * threads) as f64 / took
    );
    Ok(())
}

fn race<S: Store + 'static>(name: &str, engine: Engine<S>) -> Res<()> {
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
            Ok(cart.id)
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

fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000);
    let dir = tempfile::tempdir()?;
    if std::env::var_os("KASSA_BENCH_ONLY_CHECKOUTS").is_some() {
        return throughput(dir.path(), n, 1, Synchronous::Normal);
    }
    catalog_load(dir.path())?;
    for threads in [1, 2, 4] {
        throughput(dir.path(), n, threads, Synchronous::Normal)?;
    }
    throughput(dir.path(), n / 4, 1, Synchronous::Full)?;
    race(
        "sqlite",
        open(&dir.path().join("race.db"), Synchronous::Normal)?,
    )?;
    race(
        "memory",
        Engine::new(
            MemoryStore::new(),
            Arc::new(SystemClock),
            Arc::new(NodeIds::new("m")),
        ),
    )?;
    Ok(())
}
