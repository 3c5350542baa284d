//! Criterion benchmarks of stock reservation through the engine and the
//! in-memory store.
//!
//! `cargo bench -p kassa-benches --bench inventory`; figures in benches/README.md.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::engine::Engine;
use kassa::inventory::StockKey;

fn inventory(c: &mut Criterion) {
    let engine = Engine::in_memory();
    let key = StockKey::new("TEE-M", "main");
    let _ = engine.adjust_stock(&key, 1_000_000, "bench");
    // A host consumes the outbox and discards what it has processed; the
    // bench does so every 4,096 pairs (included in the time), so it
    // measures the steady state rather than an ever-growing event vector.
    let mut pairs = 0u32;
    c.bench_function("inventory/reserve+release (uncontended)", |b| {
        b.iter(|| {
            if let Ok(r) = engine.reserve(black_box(&key), 1, 60_000) {
                let _ = engine.release(&r.id);
            }
            pairs = pairs.wrapping_add(1);
            if pairs.is_multiple_of(4096) {
                let _ = engine.discard_events(u64::MAX);
            }
        })
    });

    // Two threads on one SKU: report pairs per second in total.
    let shared = Arc::new(Engine::in_memory());
    let _ = shared.adjust_stock(&key, 1_000_000, "bench");
    c.bench_function("inventory/reserve+release (2 threads, one SKU)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (engine, key) = (shared.clone(), key.clone());
                    std::thread::spawn(move || {
                        for i in 0..iters / 2 {
                            if let Ok(r) = engine.reserve(&key, 1, 60_000) {
                                let _ = engine.release(&r.id);
                            }
                            if i.is_multiple_of(4096) {
                                let _ = engine.discard_events(u64::MAX);
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                let _ = w.join();
            }
            start.elapsed().max(Duration::from_nanos(1))
        })
    });
}

criterion_group!(benches, inventory);
criterion_main!(benches);
