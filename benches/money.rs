//! Criterion benchmarks of the money hot paths: parse, add, round, allocate.
//!
//! `cargo bench -p kassa-benches --bench money`; figures in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::{allocate, money::parse_decimal, round, Currency, Money, RoundingMode};

fn money(c: &mut Criterion) {
    let usd = Currency::USD;
    c.bench_function("money/parse \"1234.56\" USD", |b| {
        b.iter(|| Money::parse(black_box("1234.56"), black_box(usd)))
    });
    c.bench_function("money/currency_from_code", |b| {
        b.iter(|| Currency::from_code(black_box("KWD")))
    });

    let a = Money::parse("1234.56", usd).unwrap_or(Money::zero(usd));
    let x = Money::parse("0.99", usd).unwrap_or(Money::zero(usd));
    c.bench_function("money/checked_add", |b| {
        b.iter(|| black_box(a).checked_add(black_box(x)))
    });
    c.bench_function("money/to_string", |b| b.iter(|| black_box(a).to_string()));

    let value = parse_decimal("1234.56789").unwrap_or_default();
    c.bench_function("money/round half_even", |b| {
        b.iter(|| round(black_box(value), black_box(usd), RoundingMode::HalfEven))
    });
    let rate = parse_decimal("0.0825").unwrap_or_default();
    c.bench_function("money/multiply_rate+round", |b| {
        b.iter(|| {
            black_box(a)
                .multiply_rate(black_box(rate))
                .and_then(|u| u.round(RoundingMode::HalfUp))
        })
    });

    let total = Money::parse("1000.00", usd).unwrap_or(Money::zero(usd));
    let weights: Vec<u64> = (1..=50).map(|i| i * 137 % 1000 + 1).collect();
    c.bench_function("money/allocate 50 parts", |b| {
        b.iter(|| allocate(black_box(total), black_box(&weights)))
    });
}

criterion_group!(benches, money);
criterion_main!(benches);
