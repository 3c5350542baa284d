//! Per-operation cost on the SQLite store (a diagnostic for sqlite_store):
//! `cargo run --release -p kassa-benches --example sqlite_micro`, and with
//! `PHASES=1` the time of each checkout step.
use kassa::inventory::StockKey;
use kassa::store::DocumentStore;
use kassa_sqlite::SqliteStore;
use std::time::Instant;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PHASES").is_some() {
        return phases();
    }
    let dir = tempfile::tempdir()?;
    let engine = kassa_sqlite::open(dir.path().join("m.db"))?;
    let key = StockKey::new("A", "main");
    let n = 10_000;
    let t = Instant::now();
    for _ in 0..n {
        engine.adjust_stock(&key, 1, "x")?;
    }
    println!(
        "adjust_stock: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        engine.stock(&key)?;
    }
    println!(
        "stock read: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let store: &SqliteStore = engine.store();
    let body = serde_json::json!({"lines": (0..5).map(|i| serde_json::json!({"sku": format!("SKU-{i}"), "qty": i, "price": "10.00"})).collect::<Vec<_>>()});
    let t = Instant::now();
    let mut v = None;
    for _ in 0..n {
        v = Some(store.save("carts", "c1", v, body.clone().into(), Vec::new())?);
    }
    println!(
        "doc save: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for i in 0..n {
        let ev = kassa::store::NewEvent {
            id: format!("e{i}").into(),
            at: kassa::pricing::Timestamp(0),
            kind: kassa::store::EventKind::CartCreated {
                cart: "c".into(),
                customer: None,
            },
        };
        v = Some(store.save("carts", "c1", v, body.clone().into(), vec![ev])?);
    }
    println!(
        "doc save + 1 event: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        store.load("carts", "c1")?;
    }
    println!(
        "doc load: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        store.save("carts", "c1", v, body.clone().into(), Vec::new())?;
        v = v.map(|x| x + 1);
        store.load("carts", "c1")?;
    }
    println!(
        "doc save+load: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    Ok(())
}

/// Times each step of the whole checkout (`PHASES=1`), then the cart
/// operations it is made of, and prints the stored documents' sizes.
fn phases() -> Result<(), Box<dyn std::error::Error>> {
    use kassa::cart::Address;
    use kassa::catalog::SortedMap;
    use kassa::engine::CheckoutOptions;
    use kassa::payment::TestGateway;
    use kassa::Currency;
    let dir = tempfile::tempdir()?;
    let engine = kassa_sqlite::open(dir.path().join("p.db"))?;
    kassa_benches::store_fixture::stock_shop(&engine, 1_000_000_000)?;
    let gateway = TestGateway::default();
    let mut t = [0f64; 5];
    let n = 1000;
    for _ in 0..n {
        let s = Instant::now();
        let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
        t[0] += s.elapsed().as_secs_f64();
        let s = Instant::now();
        for i in 0..5u64 {
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
        t[1] += s.elapsed().as_secs_f64();
        let s = Instant::now();
        engine.update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Springfield", "US"), now)?;
            c.select_shipping("pickup", now)
        })?;
        t[2] += s.elapsed().as_secs_f64();
        let s = Instant::now();
        engine.complete_checkout(&cart.id, &cart.id, &gateway, &CheckoutOptions::default())?;
        t[3] += s.elapsed().as_secs_f64();
    }
    sizes(&dir.path().join("p.db"))?;
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    let s = Instant::now();
    for _ in 0..n {
        engine.product_by_sku("SKU-1")?;
    }
    println!(
        "product_by_sku {:.1} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let s = Instant::now();
    for _ in 0..n {
        engine.cart(&cart.id)?;
    }
    println!(
        "cart load {:.1} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let s = Instant::now();
    for _ in 0..n {
        v = engine.update_cart(&cart.id, v, |_, _| Ok(()))?.1;
    }
    println!(
        "update_cart noop {:.1} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let s = Instant::now();
    for _ in 0..n {
        engine.pricing()?;
    }
    println!(
        "pricing load {:.1} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "create {:.0} us, 5 adds {:.0} us, address {:.0} us, complete {:.0} us",
        t[0] * 1e6 / n as f64,
        t[1] * 1e6 / n as f64,
        t[2] * 1e6 / n as f64,
        t[3] * 1e6 / n as f64
    );
    Ok(())
}
/// The size and version of one stored document of each collection.
fn sizes(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = SqliteStore::open(path)?;
    for c in [
        "carts",
        "orders",
        "idempotency",
        "settings",
        "coupons",
        "sequences",
    ] {
        if let Some((id, d)) = store.scan(c, None, 1)?.into_iter().next() {
            println!(
                "{c}/{id}: {} bytes v{}",
                d.value.text().map_or(0, str::len),
                d.version
            );
        }
    }
    Ok(())
}
