//! Dropped connections: checkouts run on several threads while another
//! connection terminates their backends (`pg_terminate_backend`) again and
//! again, mid-transaction. Afterwards no reported order is lost, nothing
//! is half-written, and the stock counts match the orders exactly; the
//! reservations of cut-short checkouts are swept once they expire.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use kassa::engine::{CheckoutOptions, Engine, ManualClock, NodeIds};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::pricing::Timestamp;
use kassa::testing::fixtures::{ready_cart, tee_shop};
use kassa::testing::invariants::orders_match_stock;
use kassa_postgres::{PostgresOptions, PostgresStore};

const UNITS: i64 = 10_000_000;
const ROUNDS: usize = 100;

#[test]
fn terminated_backends_lose_no_order_and_leave_nothing_half_written() {
    let Some(url) = common::url("postgres faults") else {
        return;
    };
    let schemas = common::Schemas::new(url.clone());
    let schema = schemas.name();
    let app = format!("kassa_faults_{}", std::process::id());
    let connect = || {
        PostgresStore::connect_with(
            &format!("{url} application_name={app}"),
            PostgresOptions {
                schema: schema.clone(),
                pool_size: 4,
                ..PostgresOptions::default()
            },
        )
    };
    let clock = Arc::new(ManualClock::new(Timestamp(1_000)));
    let engine = Arc::new(Engine::new(
        connect().unwrap(),
        clock.clone(),
        Arc::new(NodeIds::new("faults")),
    ));
    tee_shop(&engine, UNITS, None).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let reported = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(0usize));
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let (engine, stop) = (Arc::clone(&engine), Arc::clone(&stop));
            let (reported, failures) = (Arc::clone(&reported), Arc::clone(&failures));
            thread::spawn(move || {
                let gateway = TestGateway::default();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let qty = 1 + n % 3;
                    let done = ready_cart(&engine, qty, false).ok().and_then(|cart| {
                        engine
                            .complete_checkout(&cart, &cart, &gateway, &CheckoutOptions::default())
                            .ok()
                    });
                    match done {
                        Some(order) => reported.lock().unwrap().push((order.id.to_string(), qty)),
                        None => *failures.lock().unwrap() += 1,
                    }
                }
            })
        })
        .collect();

    let mut killer = schemas.client();
    let mut terminated = 0i64;
    for round in 0..ROUNDS {
        thread::sleep(Duration::from_millis(30 + (round as u64 * 7) % 61));
        let row = killer
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&app],
            )
            .unwrap();
        terminated += row.get::<_, i64>(0);
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let reported = reported.lock().unwrap().clone();
    let failures = *failures.lock().unwrap();
    eprintln!(
        "{terminated} backends terminated; {} checkouts completed, {failures} cut short",
        reported.len()
    );
    assert!(
        terminated >= ROUNDS as i64 / 2,
        "too few backends were terminated ({terminated})"
    );
    assert!(
        failures > 0,
        "no checkout was cut short: the faults did not land"
    );
    assert!(
        reported.len() >= 10,
        "too few checkouts completed between the faults ({})",
        reported.len()
    );

    // A fresh connection (another server) sees a consistent database.
    let checker = Engine::new(
        connect().unwrap(),
        clock.clone(),
        Arc::new(NodeIds::new("checker")),
    );
    if let Err(violation) = orders_match_stock(&checker, &reported, UNITS) {
        panic!("after {terminated} terminated backends: {violation}");
    }
    // Reservations of checkouts cut short expire and are swept.
    clock.advance(24 * 60 * 60 * 1000);
    checker.sweep_expired(usize::MAX).unwrap();
    let level = checker
        .stock(&StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap()
        .level;
    assert_eq!(level.reserved, 0);
    orders_match_stock(&checker, &reported, UNITS).unwrap();
}
