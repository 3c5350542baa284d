//! Runs one checkout figure's operation in a loop, for profilers and for
//! instruction counts that do not drift with the machine:
//! `valgrind --tool=callgrind target/release/examples/profile_checkout change 2000`
//! (`full`, `change` or `price`; the count of operations). Prints the
//! loop's own time per operation on stderr (setting the shop up and
//! dropping it afterwards are left out: a store of 100,000 orders takes a
//! while to free). `EVERY=n` sets how many whole checkouts run between
//! two discards of the outbox (4,096 as in the criterion bench). As in the
//! criterion bench, a store is replaced (untimed) every
//! [`ORDERS_PER_STORE`] whole checkouts, and the test provider with it.
//! `FORGET=1` leaves the last store unfreed at the end, so a sampling
//! profiler (`perf record`) sees the loop rather than the freeing.

use std::hint::black_box;

use kassa::payment::TestGateway;
use kassa_benches::checkout_fixture::{checkout, repricing_shop, shop, ORDERS_PER_STORE};

fn main() -> kassa::Result<()> {
    kassa_benches::tune_allocator();
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "change".into());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let mut total = 0i64;
    let mut elapsed = std::time::Duration::ZERO;
    match what.as_str() {
        "full" => {
            let mut engine = shop();
            let mut gateway = TestGateway::default();
            let every: u64 = std::env::var("EVERY")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&every| every > 0)
                .unwrap_or(4096);
            let mut start = std::time::Instant::now();
            for i in 0..n {
                if i > 0 && i % ORDERS_PER_STORE == 0 {
                    elapsed += start.elapsed();
                    engine = shop();
                    gateway = TestGateway::default();
                    start = std::time::Instant::now();
                }
                if i % every == every - 1 {
                    engine.discard_events(u64::MAX)?;
                }
                total = total.wrapping_add(checkout(&engine, &gateway, i)? as i64);
            }
            elapsed += start.elapsed();
            if std::env::var_os("FORGET").is_some() {
                std::mem::forget(engine);
            }
        }
        "change" | "price" => {
            let (engine, cart, mut version, lines) = repricing_shop()?;
            let start = std::time::Instant::now();
            for i in 0..n {
                if what == "change" {
                    let line = &lines[(i % 50) as usize];
                    let qty = 1 + i % 5;
                    version = engine
                        .update_cart(&cart, version, |c, e| {
                            c.set_quantity(line, qty, e.clock().now())
                        })?
                        .1;
                    if i % 4096 == 4095 {
                        engine.discard_events(u64::MAX)?;
                    }
                }
                let priced = engine.price_cart(black_box(&cart))?;
                total = total.wrapping_add(priced.grand_total.minor_units());
            }
            elapsed = start.elapsed();
        }
        other => eprintln!("unknown figure {other:?}: full, change or price"),
    }
    println!("{total}");
    eprintln!(
        "{what}: {:.2} us per operation",
        elapsed.as_secs_f64() * 1e6 / n.max(1) as f64
    );
    Ok(())
}
