//! Runs one checkout figure's operation in a loop, for profilers and for
//! instruction counts that do not drift with the machine:
//! `valgrind --tool=callgrind target/release/examples/profile_checkout change 2000`
//! (`full`, `change` or `price`; the count of operations).

use std::hint::black_box;

use kassa::payment::TestGateway;
use kassa_benches::checkout_fixture::{checkout, repricing_shop, shop};

fn main() -> kassa::Result<()> {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "change".into());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let mut total = 0i64;
    match what.as_str() {
        "full" => {
            let engine = shop();
            let gateway = TestGateway::default();
            for i in 0..n {
                if i % 4096 == 4095 {
                    engine.discard_events(u64::MAX)?;
                }
                total = total.wrapping_add(checkout(&engine, &gateway, i)? as i64);
            }
        }
        "change" | "price" => {
            let (engine, cart, mut version, lines) = repricing_shop()?;
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
        }
        other => eprintln!("unknown figure {other:?}: full, change or price"),
    }
    println!("{total}");
    Ok(())
}
