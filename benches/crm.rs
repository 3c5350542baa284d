//! Criterion benchmarks of the CRM's pure hot paths: RFM over the base,
//! a dynamic segment over the base, one customer against 50 segments, the
//! co-occurrence model from a million order lines, and one
//! recommendation query.
//!
//! `cargo bench -p kassa-benches --bench crm`; figures in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::customer::{rfm_scores, RfmGroups, RfmInput};
use kassa::recommend::CoOccurrence;
use kassa::segment::{CustomerFacts, NoBehaviour, Segment};
use kassa::Decimal;

const BASE: usize = 1_000_000;

/// A fixed mix of the index (no randomness: the same base every run).
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

fn rfm_base() -> Vec<RfmInput> {
    (0..BASE as u64)
        .map(|i| {
            let h = mix(i);
            RfmInput {
                customer: format!("cus_{i}"),
                recency_days: h % 730,
                frequency: 1 + (h >> 10) % 25,
                monetary: Decimal::new(((h >> 20) % 500_000) as i64, 2),
            }
        })
        .collect()
}

struct Profile {
    tags: Vec<String>,
    facts: (Decimal, u64, Option<u64>),
}

fn profiles() -> Vec<Profile> {
    (0..BASE as u64)
        .map(|i| {
            let h = mix(i);
            let tags = match h % 10 {
                0 => vec!["vip".to_string()],
                1 => vec!["vip".to_string(), "b2b".to_string()],
                _ => Vec::new(),
            };
            let orders = (h >> 8) % 12;
            Profile {
                tags,
                facts: (
                    Decimal::new(((h >> 16) % 200_000) as i64, 2),
                    orders,
                    (orders > 0).then_some((h >> 24) % 400),
                ),
            }
        })
        .collect()
}

fn facts(p: &Profile) -> CustomerFacts<'_> {
    CustomerFacts {
        total_spent: p.facts.0,
        order_count: p.facts.1,
        days_since_last_order: p.facts.2,
        tags: &p.tags,
        stage: Some("repeat"),
        ..CustomerFacts::default()
    }
}

fn benches(c: &mut Criterion) {
    let mut slow = c.benchmark_group("crm (1M customers)");
    slow.sample_size(10);
    let base = rfm_base();
    let groups = RfmGroups::default();
    slow.bench_function("rfm scores and groups", |b| {
        b.iter(|| black_box(rfm_scores(&base, &groups).len()))
    });
    drop(base);
    let people = profiles();
    let vip =
        Segment::parse(r#"total_spent >= 500 and days_since_last_order <= 90 and tag = "vip""#)
            .expect("rule");
    slow.bench_function("dynamic segment over the base", |b| {
        b.iter(|| {
            black_box(
                people
                    .iter()
                    .filter(|p| vip.matches(&facts(p), &NoBehaviour))
                    .count(),
            )
        })
    });
    slow.finish();

    let segments: Vec<Segment> = (0..50)
        .map(|i| {
            Segment::parse(&format!(
                r#"(total_spent >= {} and order_count > {}) or tag in ("vip", "t{i}") or not days_since_last_order <= {}"#,
                i * 20,
                i % 7,
                30 + i
            ))
            .expect("rule")
        })
        .collect();
    let one = &people[42];
    c.bench_function("crm/one customer in 50 segments", |b| {
        b.iter(|| {
            let f = facts(one);
            black_box(
                segments
                    .iter()
                    .filter(|s| s.matches(&f, &NoBehaviour))
                    .count(),
            )
        })
    });
    drop(people);

    // 250,000 orders of 4 lines over 10,000 products, skewed so some
    // products sell far more and pairs repeat.
    let products: Vec<String> = (0..10_000).map(|i| format!("p{i:05}")).collect();
    let orders: Vec<[usize; 4]> = (0..250_000u64)
        .map(|o| {
            let h = mix(o);
            let a = ((h % 100) * (h % 100)) as usize % 10_000;
            [
                a,
                (a + 1 + (h >> 8) as usize % 5) % 10_000,
                (h >> 16) as usize % 10_000,
                (h >> 32) as usize % 10_000,
            ]
        })
        .collect();
    let mut slow = c.benchmark_group("crm (1M order lines)");
    slow.sample_size(10);
    slow.bench_function("build the co-occurrence model", |b| {
        b.iter(|| {
            let mut m = CoOccurrence::new();
            for o in &orders {
                m.add_basket(o.iter().map(|&i| products[i].as_str()));
            }
            black_box(m.baskets())
        })
    });
    slow.finish();
    let mut model = CoOccurrence::new();
    for o in &orders {
        model.add_basket(o.iter().map(|&i| products[i].as_str()));
    }
    let mut n = 0usize;
    c.bench_function(
        "crm/one recommendation query (top 10, min support 2)",
        |b| {
            b.iter(|| {
                n = (n + 1) % 100;
                black_box(model.related(&products[n * n % 10_000], 2, 10).len())
            })
        },
    );
}

criterion_group!(group, benches);
criterion_main!(group);
