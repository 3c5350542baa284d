//! Runs one catalog query many times over the 1M-variant fixture, for a
//! profiler: `perf record target/release/examples/profile_catalog root-3`.

use kassa::catalog::{CatalogQuery, Facet, Sort};
use kassa::engine::Engine;
use kassa::Currency;
use kassa_benches::catalog_fixture::{attributes, categories, product};

fn main() -> Result<(), kassa::Error> {
    let category = std::env::args().nth(1).unwrap_or_else(|| "root-3".into());
    let engine = Engine::in_memory();
    for c in categories() {
        engine.put_category(c)?;
    }
    for def in attributes() {
        engine.define_attribute(def)?;
    }
    for i in 0..250_000 {
        engine.create_product(product(i, 4))?;
    }
    let q = CatalogQuery {
        category: Some(category),
        currency: Some(Currency::USD),
        sort: Sort::PriceAsc,
        limit: 50,
        facets: vec![
            Facet::Attribute("material".into()),
            Facet::Attribute("fit".into()),
            Facet::Option("size".into()),
            Facet::Option("colour".into()),
        ],
        ..CatalogQuery::default()
    };
    let start = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..1000 {
        total += engine.query(&q)?.total;
    }
    println!("{total} hits, {:?} per query", start.elapsed() / 1000);
    Ok(())
}
