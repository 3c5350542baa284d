//! Throughput of the SQLite store: catalog load; whole checkouts per
//! second (1, 2 and 4 threads, both durability levels); `complete_checkout`
//! alone on prepared carts (1, 2, 4 and 8 threads, and 4 with
//! `synchronous=FULL`); and 200 concurrent checkouts racing for 50 units.
//!
//! ```text
//! cargo run --release -p kassa-benches --example sqlite_store -- 4000
//! ```
//!
//! The argument is the number of checkouts per run (default 4,000). Each
//! run uses a fresh file in a temporary directory (on the same disk as
//! `TMPDIR`). A whole checkout is the path a shopper takes: create a cart,
//! add 5 lines, set the address and shipping, pay (deterministic test
//! provider) and complete, each step its own transaction, as in
//! production. `KASSA_BENCH_ONLY_CHECKOUTS=1` runs only whole checkouts on
//! one thread; `KASSA_BENCH_ONLY_COMPLETIONS=<threads>` only completions.

use std::sync::Arc;
use std::time::Instant;

use kassa::catalog::Product;
use kassa::engine::{Engine, NodeIds, SystemClock};
use kassa::store::MemoryStore;
use kassa_benches::catalog_fixture::{attributes, categories, product};
use kassa_benches::store_fixture::{completions, race, stock_shop, throughput, Res};
use kassa_sqlite::{SqliteOptions, SqliteStore, Synchronous};

fn open(path: &std::path::Path, synchronous: Synchronous) -> Res<Engine<SqliteStore>> {
    let store = SqliteStore::open_with(
        path,
        SqliteOptions {
            synchronous,
            ..SqliteOptions::default()
        },
    )?;
    let node = store.allocate_node()?;
    Ok(Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NodeIds::new(format!("n{node}"))),
    ))
}

fn catalog_load(dir: &std::path::Path) -> Res<()> {
    let (products, variants) = (25_000, 4);
    let built: Vec<Product> = (0..products).map(|i| product(i, variants)).collect();
    let mut jsonl = String::new();
    for p in &built {
        jsonl.push_str(&serde_json::to_string(p)?);
        jsonl.push('\n');
    }
    let path = dir.join("catalog.db");
    let engine = open(&path, Synchronous::Normal)?;
    for c in categories() {
        engine.put_category(c)?;
    }
    for def in attributes() {
        engine.define_attribute(def)?;
    }
    let start = Instant::now();
    let report = engine.import_jsonl(jsonl.as_bytes())?;
    let took = start.elapsed().as_secs_f64();
    let total = products * variants;
    if report.products != products {
        return Err(format!("imported {} of {products} products", report.products).into());
    }
    println!(
        "catalog import: {total} variants ({products} products, JSON Lines) in {took:.2} s = {:.0} variants/s (batches of 512 products per transaction)",
        total as f64 / took
    );
    drop(engine);
    let start = Instant::now();
    let engine = open(&path, Synchronous::Normal)?;
    println!(
        "reopen: index of {} products rebuilt from the file in {:.2} s",
        engine
            .query(&kassa::catalog::CatalogQuery::default())?
            .total,
        start.elapsed().as_secs_f64()
    );
    let one_by_one: Vec<Product> = (products..products + 5_000)
        .map(|i| product(i, variants))
        .collect();
    let start = Instant::now();
    for p in one_by_one {
        engine.create_product(p)?;
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "create_product one at a time: {} variants in {took:.2} s = {:.0} variants/s (one transaction each)",
        5_000 * variants,
        (5_000 * variants) as f64 / took
    );
    Ok(())
}

fn throughput_run(dir: &std::path::Path, n: usize, threads: usize, sync: Synchronous) -> Res<()> {
    let path = dir.join(format!("checkouts-{threads}-{sync:?}.db"));
    let engine = Arc::new(open(&path, sync)?);
    stock_shop(&*engine, 1_000_000_000)?;
    let rate = throughput(engine, n, threads)?;
    println!("checkouts ({sync:?}, {threads} thread(s)): {n} at {rate:.0}/s");
    Ok(())
}

fn completion_run(dir: &std::path::Path, n: usize, threads: usize, sync: Synchronous) -> Res<()> {
    let path = dir.join(format!("completions-{threads}-{sync:?}.db"));
    let engine = Arc::new(open(&path, sync)?);
    stock_shop(&*engine, 1_000_000_000)?;
    let (rate, cpu) = completions(engine, n, threads, 5)?;
    let cpu = cpu.map_or(String::new(), |us| format!(", {us:.0} us of CPU each"));
    println!("complete_checkout only ({sync:?}, {threads} thread(s)): {n} at {rate:.0}/s{cpu}");
    Ok(())
}

fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000);
    let dir = tempfile::tempdir()?;
    if std::env::var_os("KASSA_BENCH_ONLY_CHECKOUTS").is_some() {
        return throughput_run(dir.path(), n, 1, Synchronous::Normal);
    }
    if let Some(threads) = std::env::var_os("KASSA_BENCH_ONLY_COMPLETIONS") {
        let threads = threads.to_str().and_then(|t| t.parse().ok()).unwrap_or(1);
        return completion_run(dir.path(), n, threads, Synchronous::Normal);
    }
    catalog_load(dir.path())?;
    for threads in [1, 2, 4] {
        throughput_run(dir.path(), n, threads, Synchronous::Normal)?;
    }
    throughput_run(dir.path(), n / 4, 1, Synchronous::Full)?;
    for threads in [1, 2, 4, 8] {
        completion_run(dir.path(), n, threads, Synchronous::Normal)?;
    }
    completion_run(dir.path(), n / 4, 4, Synchronous::Full)?;
    race(
        "sqlite",
        open(&dir.path().join("race.db"), Synchronous::Normal)?,
    )?;
    race(
        "memory",
        Engine::new(
            MemoryStore::new(),
            Arc::new(SystemClock),
            Arc::new(NodeIds::new("m")),
        ),
    )?;
    Ok(())
}
