//! Criterion benchmarks of the recommendation models through the engine:
//! `Engine::rebuild_recommendations` over 250,000 stored orders of 4 lines
//! (1,000,000 order lines over 10,000 products, the mix of the pure bench
//! in `benches/crm.rs`), and a query on the rebuilt model.
//!
//! The orders are stored directly (a real order, placed once through
//! checkout, copied with other ids and lines): placing 250,000 orders
//! through checkout would dominate the setup, and a rebuild reads only the
//! lines and the date of each order.
//!
//! `cargo bench -p kassa-benches --bench recommendations_engine`; figures
//! in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::store::{DocumentStore, MemoryStore};
use kassa::{Currency, Money};

const ORDERS: u64 = 250_000;
const PRODUCTS: usize = 10_000;

/// A fixed mix of the index (no randomness: the same history every run).
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

fn benches(c: &mut Criterion) {
    let engine: Engine<MemoryStore> = Engine::in_memory();
    for i in 0..PRODUCTS {
        let mut p = Product::new(format!("p{i:05}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("SKU{i:05}"));
        v.prices = vec![Money::from_minor_units(1_000, Currency::USD)];
        p.variants.push(v);
        engine.create_product(p).expect("product");
    }
    engine
        .adjust_stock(&StockKey::new("SKU00000", "main"), 10, "bench")
        .expect("stock");
    engine
        .set_pricing(&PricingSettings::default(), None)
        .expect("settings");
    let (cart, v) = engine
        .create_cart(Currency::USD, Some("bench"))
        .expect("cart");
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "SKU00000", 1, SortedMap::new())
        .expect("add");
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Springfield", "US"), now)?;
            c.select_shipping("pickup", now)
        })
        .expect("address");
    let cart = cart.id.clone();
    let order = engine
        .complete_checkout(
            &cart,
            "k",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .expect("checkout");
    let template = engine
        .store()
        .load("orders", &order.id)
        .expect("load")
        .expect("order");
    let template = template.value.to_value().expect("order json");
    let line = template["lines"][0].clone();
    let started = std::time::Instant::now();
    for o in 0..ORDERS {
        let h = mix(o);
        let a = ((h % 100) * (h % 100)) as usize % PRODUCTS;
        let picks = [
            a,
            (a + 1 + (h >> 8) as usize % 5) % PRODUCTS,
            (h >> 16) as usize % PRODUCTS,
            (h >> 32) as usize % PRODUCTS,
        ];
        let mut doc = template.clone();
        let id = format!("ord{o:07}");
        doc["id"] = id.clone().into();
        doc["lines"] = picks
            .iter()
            .map(|&p| {
                let mut l = line.clone();
                l["sku"] = format!("SKU{p:05}").into();
                l
            })
            .collect();
        engine
            .store()
            .save("orders", &id, None, doc.into(), Vec::new())
            .expect("save");
    }
    eprintln!("{ORDERS} orders stored in {:?}", started.elapsed());
    let mut group = c.benchmark_group("recommendations engine (250,000 orders, memory store)");
    group.sample_size(10);
    group.bench_function("rebuild_recommendations", |b| {
        b.iter(|| black_box(engine.rebuild_recommendations().expect("rebuild")))
    });
    group.finish();
    let mut n = 0usize;
    c.bench_function(
        "recommendations engine/frequently_bought_together (top 10)",
        |b| {
            b.iter(|| {
                n = (n + 1) % 100;
                let product = format!("p{:05}", n * n % PRODUCTS);
                black_box(engine.frequently_bought_together(&product, 10).len())
            })
        },
    );
}

criterion_group!(group, benches);
criterion_main!(group);
