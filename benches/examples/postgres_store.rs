//! Throughput of the PostgreSQL store with 1, 2, 4 and 8 concurrent
//! clients (threads of one process sharing a pool, as one app server
//! would): whole shopper checkouts per second (create, 5 lines, address,
//! complete) and `complete_checkout` alone on prepared carts; then 200
//! concurrent checkouts racing for 50 units. `KASSA_BENCH_ONLY_COMPLETIONS=1`
//! runs only the completion figures; `KASSA_BENCH_CLIENTS=1,8` picks the
//! client counts. Completions run on two catalogs (`KASSA_BENCH_SKUS`,
//! default `5,2000`): with 5 SKUs every checkout locks the same 5 stock
//! rows; with 2,000 cart `c` buys SKU-5c to SKU-5c+4, so checkouts spread
//! over the catalog as in a real shop. `KASSA_BENCH_SYNC=off` (or `on`)
//! runs one `synchronous_commit` setting only. Each completion figure also
//! gives the machine's busy CPU time per completion (clients and server
//! together, from `/proc/stat`), which drifts less than the rate on a
//! shared VM.
//!
//! ```text
//! scripts/with-postgres cargo run --release -p kassa-benches --example postgres_store -- 4000
//! ```
//!
//! Needs `KASSA_POSTGRES_URL` (scripts/with-postgres sets it). The
//! argument is the number of checkouts per run (default 4,000); each run
//! gets a fresh schema, dropped at the end.

use std::sync::Arc;

use kassa::engine::{Engine, NodeIds, SystemClock};
use kassa_benches::store_fixture::{completions, race, stock_catalog, throughput, Res};
use kassa_postgres::{PostgresOptions, PostgresStore};

fn engine(url: &str, schema: &str, synchronous_commit: bool) -> Res<Engine<PostgresStore>> {
    let store = PostgresStore::connect_with(
        url,
        PostgresOptions {
            schema: schema.into(),
            pool_size: 16,
            synchronous_commit,
            ..PostgresOptions::default()
        },
    )?;
    let node = store.allocate_node()?;
    Ok(Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NodeIds::new(format!("n{node}"))),
    ))
}

fn main() -> Res<()> {
    let url = std::env::var("KASSA_POSTGRES_URL")
        .map_err(|_| "set KASSA_POSTGRES_URL (or run through scripts/with-postgres)")?;
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000);
    let mut schemas = Vec::new();
    let result = (|| -> Res<()> {
        let only_completions = std::env::var_os("KASSA_BENCH_ONLY_COMPLETIONS").is_some();
        let clients: Vec<usize> = match std::env::var("KASSA_BENCH_CLIENTS") {
            Ok(list) => list.split(',').filter_map(|c| c.parse().ok()).collect(),
            Err(_) => vec![1, 2, 4, 8],
        };
        let catalogs: Vec<usize> = match std::env::var("KASSA_BENCH_SKUS") {
            Ok(list) => list.split(',').filter_map(|c| c.parse().ok()).collect(),
            Err(_) => vec![5, 2_000],
        };
        // `KASSA_BENCH_SYNC=off` (or `on`) runs one `synchronous_commit` only.
        let sync_only = std::env::var("KASSA_BENCH_SYNC").ok().map(|v| v == "on");
        for (whole, sync) in [(true, true), (true, false), (false, true), (false, false)] {
            if (whole && only_completions) || sync_only.is_some_and(|only| only != sync) {
                continue;
            }
            // Whole checkouts buy SKU-0..SKU-4; completions run once per
            // catalog size.
            let sizes = if whole { &[5][..] } else { &catalogs[..] };
            for &skus in sizes {
                for &threads in &clients {
                    let schema = format!(
                        "bench_{}_{threads}_{sync}_{whole}_{skus}",
                        std::process::id()
                    );
                    schemas.push(schema.clone());
                    let engine = Arc::new(engine(&url, &schema, sync)?);
                    stock_catalog(&*engine, 1_000_000_000, skus)?;
                    if whole {
                        let rate = throughput(engine, n, threads)?;
                        println!(
                            "whole checkouts (synchronous_commit={sync}, {threads} client(s)): {n} at {rate:.0}/s"
                        );
                    } else {
                        let (rate, cpu) = completions(engine, n, threads, skus)?;
                        let cpu = cpu.map_or(String::new(), |us| {
                            format!(", {us:.0} us of CPU (all processes) each")
                        });
                        println!(
                            "complete_checkout only ({skus} SKUs, synchronous_commit={sync}, {threads} client(s)): {n} at {rate:.0}/s{cpu}"
                        );
                    }
                }
            }
        }
        let schema = format!("bench_{}_race", std::process::id());
        schemas.push(schema.clone());
        race("postgres", engine(&url, &schema, true)?)
    })();
    if let Err(e) = &result {
        eprintln!("bench failed: {e}");
    }
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    for schema in schemas {
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))?;
    }
    result
}
