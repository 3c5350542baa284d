//! Criterion benchmark of a dynamic segment evaluated through the engine
//! (`Engine::segment_members`) over the customers of the in-memory store
//! (1,000,000 by default; `KASSA_BENCH_CUSTOMERS` sets another number):
//! every profile and metrics version checked against the engine's parsed
//! copies, the moved ones read and parsed again, the rule evaluated. The
//! pure evaluation is in `benches/crm.rs`.
//!
//! `cargo bench -p kassa-benches --bench crm_engine`; figures in
//! benches/README.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::customer::{CustomerMetrics, RfmGroups};
use kassa::engine::{Engine, ManualClock, SequentialIds};
use kassa::pricing::Timestamp;
use kassa::store::{DocumentStore, MemoryStore};
use kassa::{Currency, Money};

/// Customers in the base, unless `KASSA_BENCH_CUSTOMERS` says otherwise.
fn customers() -> u64 {
    std::env::var("KASSA_BENCH_CUSTOMERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

/// Customers whose metrics move between two evaluations in the
/// "after changes" figure (an order each).
const MOVED: u64 = 1_000;
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
    let customers = customers();
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for i in 0..customers {
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
                kassa::store::Body::of(&m).expect("json"),
                Vec::new(),
            )
            .expect("save metrics");
        ids.push(customer.id);
    }
    eprintln!("{customers} customers set up in {:?}", started.elapsed());
    engine
        .put_segment(
            "active_vips",
            r#"total_spent >= 500 and days_since_last_order <= 90 and tag = "vip""#,
        )
        .expect("segment");
    let cold = std::time::Instant::now();
    let members = engine
        .segment_members("active_vips", Currency::EUR)
        .expect("members");
    eprintln!(
        "first evaluation (every document read and parsed): {:?}, {} members",
        cold.elapsed(),
        members.len()
    );
    assert!(!members.is_empty() && members.len() < customers as usize / 5);
    let t = std::time::Instant::now();
    let scores = engine
        .compute_rfm(Currency::EUR, &RfmGroups::default())
        .expect("rfm");
    eprintln!(
        "first compute_rfm (every result saved): {:?}, {} scored",
        t.elapsed(),
        scores.len()
    );
    let mut group = c.benchmark_group(format!("crm engine ({customers} customers, memory store)"));
    group.sample_size(10);
    group.bench_function("segment_members (nothing moved)", |b| {
        b.iter(|| {
            black_box(
                engine
                    .segment_members("active_vips", Currency::EUR)
                    .expect("members")
                    .len(),
            )
        })
    });
    // Between two evaluations, MOVED customers (spread over the base) each
    // get one more order in their metrics.
    let mut round = 0u64;
    group.bench_function(
        format!("segment_members after {MOVED} metrics moved"),
        |b| {
            b.iter_batched(
                || {
                    round += 1;
                    move_metrics(&engine, &ids, round);
                },
                |()| {
                    black_box(
                        engine
                            .segment_members("active_vips", Currency::EUR)
                            .expect("members")
                            .len(),
                    )
                },
                criterion::BatchSize::PerIteration,
            )
        },
    );
    group.bench_function("compute_rfm (nothing moved)", |b| {
        b.iter(|| {
            black_box(
                engine
                    .compute_rfm(Currency::EUR, &RfmGroups::default())
                    .expect("rfm")
                    .len(),
            )
        })
    });
    group.bench_function(format!("compute_rfm after {MOVED} metrics moved"), |b| {
        b.iter_batched(
            || {
                round += 1;
                move_metrics(&engine, &ids, round);
            },
            |()| {
                black_box(
                    engine
                        .compute_rfm(Currency::EUR, &RfmGroups::default())
                        .expect("rfm")
                        .len(),
                )
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Gives MOVED customers, spread over the base by `round`, one more order
/// in their stored metrics.
fn move_metrics(engine: &Engine<MemoryStore>, ids: &[String], round: u64) {
    for k in 0..MOVED {
        let id = &ids[(mix(round * MOVED + k) % ids.len() as u64) as usize];
        let doc = engine
            .store()
            .load("customer_metrics", id)
            .expect("load")
            .expect("metrics");
        let mut m: CustomerMetrics = doc.value.parse("metrics").expect("parse");
        m.record_order(
            Money::from_minor_units(1_000, Currency::EUR),
            1,
            Timestamp(0),
        )
        .expect("record");
        engine
            .store()
            .save(
                "customer_metrics",
                id,
                Some(doc.version),
                kassa::store::Body::of(&m).expect("json"),
                Vec::new(),
            )
            .expect("save");
    }
}

/// One customer checked against 50 stored segments through
/// `Engine::customer_segments` (what pricing does for a customer's cart):
/// the profile and metrics read from the store, the rules' versions
/// checked, the rules evaluated.
fn one_customer(c: &mut Criterion) {
    let engine = Engine::new(
        MemoryStore::new(),
        Arc::new(ManualClock::new(Timestamp(0))),
        Arc::new(SequentialIds::default()),
    );
    let (ada, _) = engine
        .create_customer(|c| {
            c.tags.push("t7".into());
            Ok(())
        })
        .expect("customer");
    let mut m = CustomerMetrics::default();
    for k in 0..3 {
        m.record_order(
            Money::from_minor_units(12_000, Currency::EUR),
            1,
            Timestamp(-k * 40 * DAY),
        )
        .expect("record");
    }
    engine
        .store()
        .save(
            "customer_metrics",
            &ada.id,
            None,
            kassa::store::Body::of(&m).expect("json"),
            Vec::new(),
        )
        .expect("metrics");
    // The 50 rules of the pure bench in `benches/crm.rs`.
    for i in 0..50 {
        engine
            .put_segment(
                &format!("s{i:02}"),
                &format!(
                    r#"(total_spent >= {} and order_count > {}) or tag in ("vip", "t{i}") or not days_since_last_order <= {}"#,
                    i * 20,
                    i % 7,
                    30 + i
                ),
            )
            .expect("segment");
    }
    let members = engine
        .customer_segments(&ada.id, Currency::EUR)
        .expect("segments");
    assert!(!members.is_empty() && members.len() < 50);
    c.bench_function("crm engine/one customer in 50 segments", |b| {
        b.iter(|| {
            black_box(
                engine
                    .customer_segments(&ada.id, Currency::EUR)
                    .expect("segments")
                    .len(),
            )
        })
    });
}

criterion_group!(group, one_customer, benches);
criterion_main!(group);
