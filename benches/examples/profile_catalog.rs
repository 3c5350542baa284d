//! Runs one catalog query many times over the 1M-variant fixture, for a
//! profiler: `perf record target/release/examples/profile_catalog root-3`.

fn main() -> Result<(), kassa::Error> {
    let category = std::env::args().nth(1).unwrap_or_else(|| "root-3".into());
    let engine = kassa_benches::catalog_fixture::shop(250_000, 4)?;
    let q = kassa_benches::catalog_fixture::category_page(&category);
    let start = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..1000 {
        total += engine.query(&q)?.total;
    }
    println!("{total} hits, {:?} per query", start.elapsed() / 1000);
    Ok(())
}
