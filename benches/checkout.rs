//! Criterion benchmarks of the checkout path through the engine and the
//! in-memory store, with the deterministic test provider.
//!
//! `cargo bench -p kassa-benches --bench checkout`; figures in benches/README.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::payment::TestGateway;
use kassa_benches::checkout_fixture::{checkout, repricing_shop, shop, ORDERS_PER_STORE};

fn repricing(c: &mut Criterion) {
    kassa_benches::tune_allocator();
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
    let mut gateway = TestGateway::default();
    let mut engine = shop();
    let mut n = 0u64;
    c.bench_function(
        "checkout/full (create, 5 lines, address, shipping, pay, complete)",
        |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut start = Instant::now();
                for _ in 0..iters {
                    n += 1;
                    if n.is_multiple_of(ORDERS_PER_STORE) {
                        timed += start.elapsed();
                        // The test provider goes with the shop: it keeps
                        // every key and act for its whole life, and a
                        // provider kept across shops leaves those entries
                        // scattered through the freed shop's memory (see
                        // benches/README.md, "the provider").
                        engine = shop();
                        gateway = TestGateway::default();
                        start = Instant::now();
                    }
                    if n.is_multiple_of(4096) {
                        let _ = engine.discard_events(u64::MAX);
                    }
                    black_box(checkout(&engine, &gateway, n).is_ok());
                }
                timed + start.elapsed()
            })
        },
    );
}

// Re-pricing first: the whole-checkout figure leaves a store of some
// hundred thousand orders behind (freed when its engine drops, but the
// heap stays spread out), and re-pricing measured after it ran 60-70 %
// slower than in a process of its own.
criterion_group!(group, repricing, benches);
criterion_main!(group);
