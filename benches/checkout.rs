//! Criterion benchmarks of the checkout path through the engine and the
//! in-memory store, with the deterministic test provider.
//!
//! `cargo bench -p kassa-benches --bench checkout`; figures in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

fn shop() -> Engine<MemoryStore> {
    let engine = Engine::in_memory();
    for i in 0..5 {
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("SKU-{i}"));
        v.prices = vec![Money::from_minor_units(1000 + 250 * i, Currency::USD)];
        p.variants.push(v);
        engine.create_product(p).expect("product");
        let key = StockKey::new(format!("SKU-{i}"), "main");
        engine
            .adjust_stock(&key, 1_000_000_000, "bench")
            .expect("stock");
    }
    engine
        .set_pricing(&PricingSettings::default(), None)
        .expect("settings");
    engine
}

/// Create a cart, add 5 lines, set the address and shipping, complete.
fn checkout(engine: &Engine<MemoryStore>, gateway: &TestGateway, n: u64) -> kassa::Result<u64> {
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    for i in 0..5 {
        v = engine
            .add_to_cart(&cart.id, v, &format!("SKU-{i}"), 1 + i, SortedMap::new())?
            .1;
    }
    let address = Address::new("Ada", "1 Main St", "Springfield", "US");
    engine.update_cart(&cart.id, v, |c, e| {
        let now = e.clock().now();
        c.set_shipping_address(address, now)?;
        c.select_shipping("pickup", now)
    })?;
    let key = format!("bench-{n}");
    let order = engine.complete_checkout(&cart.id, &key, gateway, &CheckoutOptions::default())?;
    Ok(order.number)
}

fn benches(c: &mut Criterion) {
    let engine = shop();
    let gateway = TestGateway::default();
    let mut n = 0u64;
    c.bench_function(
        "checkout/full (create, 5 lines, address, shipping, pay, complete)",
        |b| {
            b.iter(|| {
                n += 1;
                if n.is_multiple_of(4096) {
                    let _ = engine.discard_events(u64::MAX);
                }
                black_box(checkout(&engine, &gateway, n).is_ok())
            })
        },
    );
}

criterion_group!(group, benches);
criterion_main!(group);
