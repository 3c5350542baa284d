//! How fast this machine is right now, for reading the other figures: two
//! integer loops that touch no memory. `machine/wide` keeps six independent
//! chains in flight (several instructions a cycle, like the pricing
//! kernel); `machine/chain` is one dependent chain (one at a time). A core
//! shared with a busy neighbour (another VM on the same physical core)
//! slows the first much more than the second, and slows Kassa's hot paths
//! with it.
//!
//! `cargo bench -p kassa-benches --bench machine`; figures in
//! benches/README.md ("Reading the figures on this VM").

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

/// Steps of each loop per iteration.
const STEPS: u64 = 10_000;

/// Six independent chains of adds, xors and shifts.
fn wide(seed: u64) -> u64 {
    let (mut a, mut b, mut c, mut d, mut e, mut f) = (seed, 2u64, 3u64, 4u64, 5u64, 6u64);
    for i in 0..STEPS {
        a = a.wrapping_add(b ^ i);
        b = b.wrapping_add(c ^ (a >> 3));
        c ^= d.wrapping_add(i);
        d = d.wrapping_add(e ^ (c << 1));
        e ^= f.wrapping_add(i >> 2);
        f = f.wrapping_add(a ^ e);
        (a, b, c, d, e, f) = black_box((a, b, c, d, e, f));
    }
    a ^ b ^ c ^ d ^ e ^ f
}

/// One xorshift chain: each step waits for the one before.
fn chain(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..STEPS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = black_box(x);
    }
    x
}

fn benches(c: &mut Criterion) {
    c.bench_function("machine/wide (6 independent chains, 10,000 steps)", |b| {
        b.iter(|| wide(black_box(1)))
    });
    c.bench_function("machine/chain (1 dependent chain, 10,000 steps)", |b| {
        b.iter(|| chain(black_box(88_172_645_463_325_252)))
    });
}

criterion_group!(group, benches);
criterion_main!(group);
