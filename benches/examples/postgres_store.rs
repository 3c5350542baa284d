//! Throughput of the PostgreSQL store: completed checkouts per second
//! with 1, 2, 4 and 8 concurrent clients (threads of one process sharing
//! a pool, as one app server would), and 200 concurrent checkouts racing
//! for 50 units.
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
use kassa_benches::store_fixture::{race, stock_shop, throughput, Res};
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
        for sync in [true, false] {
            for threads in [1, 2, 4, 8] {
                let schema = format!("bench_{}_{threads}_{sync}", std::process::id());
                schemas.push(schema.clone());
                let engine = Arc::new(engine(&url, &schema, sync)?);
                stock_shop(&*engine, 1_000_000_000)?;
                let rate = throughput(engine, n, threads)?;
                println!(
                    "checkouts (synchronous_commit={sync}, {threads} client(s)): {n} at {rate:.0}/s"
                );
            }
        }
        let schema = format!("bench_{}_race", std::process::id());
        schemas.push(schema.clone());
        race("postgres", engine(&url, &schema, true)?)
    })();
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    for schema in schemas {
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))?;
    }
    result
}
