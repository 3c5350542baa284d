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

/// A shop selling the 50 SKUs of the pricing fixture (same prices, tags
/// and tax categories), its 20 promotions and two tax rates as the pricing
/// settings, and a cart holding all 50 lines.
fn repricing_shop() -> kassa::Result<(Engine<MemoryStore>, String, u64, Vec<String>)> {
    let fixture = kassa_benches::fixture(50, 20);
    let engine = Engine::in_memory();
    for (i, line) in fixture.cart.lines.iter().enumerate() {
        let price = fixture.book.get(&line.sku).expect("fixture SKU");
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        p.tags = price.tags.clone();
        p.tax_category = price.tax_category.clone();
        let mut v = Variant::new(line.sku.clone());
        v.prices = price.prices.clone();
        p.variants.push(v);
        engine.create_product(p)?;
    }
    let settings = PricingSettings {
        promotions: fixture.promotions.clone(),
        tax: Some(fixture.tax.clone()),
        ..PricingSettings::default()
    };
    engine.set_pricing(&settings, None)?;
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    for line in &fixture.cart.lines {
        v = engine
            .add_to_cart(&cart.id, v, &line.sku, line.qty, SortedMap::new())?
            .1;
    }
    let (cart, _) = engine.cart(&cart.id)?;
    let lines = cart.lines.iter().map(|l| l.id.clone()).collect();
    Ok((engine, cart.id, v, lines))
}

fn repricing(c: &mut Criterion) {
    let (engine, cart, mut version, lines) = repricing_shop().expect("re-pricing fixture");
    let mut n = 0u64;
    c.bench_function("checkout/price_cart (50 lines, 20 promotions)", |b| {
        b.iter(|| black_box(engine.price_cart(&cart).map(|p| p.grand_total)))
    });
    c.bench_function(
        "checkout/change one line + re-price (50 lines, 20 promotions)",
        |b| {
            b.iter(|| {
                n += 1;
                let line = &lines[(n % 50) as usize];
                let qty = 1 + n % 5;
                let (_, v) = engine
                    .update_cart(&cart, version, |c, e| {
                        c.set_quantity(line, qty, e.clock().now())
                    })
                    .expect("quantity change");
                version = v;
                if n.is_multiple_of(4096) {
                    let _ = engine.discard_events(u64::MAX);
                }
                black_box(engine.price_cart(&cart).map(|p| p.grand_total))
            })
        },
    );
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

criterion_group!(group, benches, repricing);
criterion_main!(group);
