//! Criterion benchmark of a dynamic segment evaluated through the engine
//! (`Engine::segment_members`) over 100,000 customers on the in-memory
//! store: every profile and its metrics read from the store and parsed,
//! the rule evaluated. The pure evaluation over 1,000,000 is in
//! `benches/crm.rs`.
//!
//! `cargo bench -p kassa-benches --bench crm_engine`; figures in
//! benches/README.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::customer::CustomerMetrics;
use kassa::engine::{Engine, ManualClock, SequentialIds};
use kassa::pricing::Timestamp;
use kassa::store::{DocumentStore, MemoryStore};
use kassa::{Currency, Money};

const CUSTOMERS: u64 = 100_000;
const DAY: i64 = 86_400_000;

/// A fixed mix of the index (no randomness: the same base every run).
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

fn benches(c: &mut Criterion) {
    let engine = Engine::new(
        MemoryStore::new(),
        Arc::new(ManualClock::new(Timestamp(0))),
        Arc::new(SequentialIds::default()),
    );
    for i in 0..CUSTOMERS {
        let h = mix(i);
        let (customer, _) = engine
            .create_customer(|c| {
                c.name = format!("Customer {i}");
                c.set_email(Some(&format!("customer{i}@example.com")))?;
                if h % 10 < 2 {
                    c.tags.push("vip".into());
                }
                Ok(())
            })
            .expect("create customer");
        // Metrics as the refresh would have written them (placing 100,000
        // orders through checkout would dominate the setup).
        let orders = (h >> 8) % 12;
        let mut m = CustomerMetrics::default();
        for k in 0..orders {
            let total = Money::from_minor_units(((h >> 16) % 20_000) as i64, Currency::EUR);
            let at = Timestamp(-(((h >> 24) % 400) as i64 + k as i64 * 30) * DAY);
            m.record_order(total, 1, at).expect("record");
        }
        engine
            .store()
            .save(
                "customer_metrics",
                &customer.id,
                None,
                serde_json::to_value(&m).expect("json"),
                Vec::new(),
            )
            .expect("save metrics");
    }
    engine
        .put_segment(
            "active_vips",
            r#"total_spent >= 500 and days_since_last_order <= 90 and tag = "vip""#,
        )
        .expect("segment");
    let members = engine
        .segment_members("active_vips", Currency::EUR)
        .expect("members");
    assert!(!members.is_empty() && members.len() < CUSTOMERS as usize / 5);
    let mut group = c.benchmark_group("crm engine (100,000 customers, memory store)");
    group.sample_size(10);
    group.bench_function("segment_members", |b| {
        b.iter(|| {
            black_box(
                engine
                    .segment_members("active_vips", Currency::EUR)
                    .expect("members")
                    .len(),
            )
        })
    });
    group.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
