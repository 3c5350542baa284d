//! Criterion benchmarks of catalog reads over one million variants in the
//! in-memory store: SKU lookup, category pages with facets, text search.
//!
//! `cargo bench -p kassa-benches --bench catalog`; figures in benches/README.md.
//! Loading and memory per variant: `benches/examples/catalog_load.rs`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kassa::catalog::CatalogQuery;
use kassa::engine::Engine;
use kassa::store::MemoryStore;
use kassa_benches::catalog_fixture;

fn shop(products: usize, per: usize) -> Engine<MemoryStore> {
    catalog_fixture::shop(products, per).expect("the fixture is valid")
}

fn page(category: &str) -> CatalogQuery {
    catalog_fixture::category_page(category)
}

fn catalog(c: &mut Criterion) {
    // 250,000 products x 4 variants = 1,000,000 variants.
    let engine = shop(250_000, 4);
    let mut group = c.benchmark_group("catalog (1M variants)");
    // 4,096 SKUs spread over the catalog, looked up in turn (not one hot key).
    let skus: Vec<String> = (0..4096usize)
        .map(|k| format!("SKU-{:07}-{:02}", (k * 7919) % 250_000, k % 4))
        .collect();
    group.bench_function("sku lookup", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % skus.len();
            black_box(engine.product_by_sku(black_box(&skus[i])).is_ok())
        })
    });
    group.sample_size(20);
    group.bench_function(
        "leaf category page: 50 by price + 4 facets (10k variants)",
        |b| {
            let q = page("leaf-3-4");
            b.iter(|| black_box(engine.query(&q).map(|p| p.total)))
        },
    );
    group.bench_function(
        "root category page: 50 by price + 4 facets (100k variants)",
        |b| {
            let q = page("root-3");
            b.iter(|| black_box(engine.query(&q).map(|p| p.total)))
        },
    );
    group.bench_function("second page by cursor (root category)", |b| {
        let mut q = page("root-3");
        q.cursor = engine.query(&q).ok().and_then(|p| p.next_cursor);
        b.iter(|| black_box(engine.query(&q).map(|p| p.total)))
    });
    group.finish();
    drop(engine);

    // 1,000,000 products with one variant each: 1M names to search.
    let engine = shop(1_000_000, 1);
    let mut group = c.benchmark_group("catalog (1M names)");
    group.sample_size(20);
    for text in ["organic cotton tee", "vint", "recycled denim jack"] {
        group.bench_function(format!("text search {text:?}, 20 by relevance"), |b| {
            let q = CatalogQuery {
                text: Some(text.into()),
                limit: 20,
                ..CatalogQuery::default()
            };
            b.iter(|| black_box(engine.query(&q).map(|p| p.total)))
        });
    }
    group.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
