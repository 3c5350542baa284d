//! Criterion benchmarks of the pricing kernel.
//!
//! `cargo bench -p kassa-benches --bench pricing`; figures in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kassa::pricing::{price, PricingContext, PricingInput};
use kassa::RoundingMode;
use kassa_benches::fixture;

fn pricing(c: &mut Criterion) {
    let ctx = PricingContext::default();
    let mut group = c.benchmark_group("pricing");
    for (lines, promotions) in [
        (10, 0),
        (10, 20),
        (50, 0),
        (50, 20),
        (100, 20),
        (100, 50),
        (200, 20),
        (200, 50),
    ] {
        let f = fixture(lines, promotions);
        let input = PricingInput {
            prices: &f.book,
            cart: &f.cart,
            promotions: &f.promotions,
            tax: Some(&f.tax),
            rounding_mode: RoundingMode::HalfEven,
            context: &ctx,
            shipping: None,
        };
        assert!(price(&input).is_ok(), "fixture must price");
        group.bench_with_input(
            BenchmarkId::new(format!("{lines} lines"), format!("{promotions} promotions")),
            &input,
            |b, input| b.iter(|| price(black_box(input))),
        );
    }
    group.finish();
}

criterion_group!(benches, pricing);
criterion_main!(benches);
