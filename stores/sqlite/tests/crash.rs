//! Kill-and-reopen: a writer process completing checkouts is killed with
//! `SIGKILL` at pseudo-random points; after each kill the file is reopened
//! and checked. No order the writer reported is lost, no order or cart is
//! half-written, and the stock counts match the orders exactly.
//!
//! `KASSA_KILL_POINTS` sets the number of kills (default 100).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use kassa::engine::{Engine, ManualClock, NodeIds};
use kassa::inventory::StockKey;
use kassa::pricing::Timestamp;
use kassa::testing::fixtures::tee_shop;
use kassa::testing::invariants::orders_match_stock;
use kassa_sqlite::SqliteStore;

const UNITS: i64 = 10_000_000;

/// Far after any reservation a writer made (system clock + 15 minutes).
const FAR_FUTURE: Timestamp = Timestamp(i64::MAX / 4);

fn engine(path: &std::path::Path) -> Engine<SqliteStore> {
    Engine::new(
        SqliteStore::open(path).unwrap(),
        Arc::new(ManualClock::new(FAR_FUTURE)),
        Arc::new(NodeIds::new("checker")),
    )
}

/// A small deterministic generator (splitmix64) for the kill delays.
struct Delays(u64);

impl Delays {
    fn next_ms(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % 30
    }
}

/// Runs one writer, kills it after `delay_ms` of checkouts, and returns
/// the orders it reported as done.
fn run_and_kill(path: &std::path::Path, delay_ms: u64) -> Vec<(String, u64)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    match lines.next() {
        Some(Ok(line)) if line == "ready" => {}
        other => {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the writer did not start: {other:?} {err}");
        }
    }
    let reader = thread::spawn(move || {
        lines
            .map_while(Result::ok)
            .filter_map(|line| {
                let mut parts = line.split(' ');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("order"), Some(id), Some(qty)) => {
                        Some((id.to_owned(), qty.parse().ok()?))
                    }
                    _ => None,
                }
            })
            .collect::<Vec<_>>()
    });
    thread::sleep(Duration::from_millis(delay_ms));
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap()
}

fn check(path: &std::path::Path, reported: &[(String, u64)], kill: usize) {
    if let Err(violation) = orders_match_stock(&engine(path), reported, UNITS) {
        panic!("after kill {kill}: {violation}");
    }
}

#[test]
fn killed_writers_lose_no_committed_order_and_leave_nothing_half_written() {
    let kills: usize = std::env::var("KASSA_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    tee_shop(&engine(&path), UNITS, None).unwrap();
    let mut delays = Delays(7);
    let mut reported = Vec::new();
    for kill in 0..kills {
        reported.extend(run_and_kill(&path, delays.next_ms()));
        check(&path, &reported, kill);
    }
    assert!(
        reported.len() > kills,
        "the writers completed too few checkouts ({}) to test anything",
        reported.len()
    );
    // Reservations of checkouts cut short expire and are swept.
    let e = engine(&path);
    e.sweep_expired(usize::MAX).unwrap();
    let level = e
        .stock(&StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap()
        .level;
    assert_eq!(level.reserved, 0);
}
