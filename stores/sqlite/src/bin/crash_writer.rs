//! The writer process of the kill-and-reopen test (`tests/crash.rs`).
//!
//! Completes checkouts of 1-3 tees on the database named by its first
//! argument, as fast as it can, printing `order <id> <qty>` once each one
//! has returned (so it is committed), until it is killed. The test kills
//! it with `SIGKILL` at random points, reopens the file and checks that
//! every printed order is there and nothing is half-written.

use std::io::Write;
use std::process::ExitCode;

use kassa::cart::Address;
use kassa::catalog::SortedMap;
use kassa::engine::CheckoutOptions;
use kassa::money::Currency;
use kassa::payment::TestGateway;

fn run(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let engine = kassa_sqlite::open(path)?;
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    for i in 0u64.. {
        let qty = 1 + i % 3;
        let (cart, v) = engine.create_cart(Currency::EUR, Some("alice"))?;
        let (_, v) = engine.add_to_cart(&cart.id, v, "TEE", qty, SortedMap::new())?;
        engine.update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Alice", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })?;
        let order = engine.complete_checkout(&cart.id, &cart.id, &gateway, &options)?;
        writeln!(out, "order {} {qty}", order.id)?;
        out.flush()?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: crash_writer <database file>");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash_writer: {e}");
            ExitCode::FAILURE
        }
    }
}
