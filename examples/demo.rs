//! The main demo: prices a small cart in USD, JPY and KWD with exact money,
//! and shows how an order discount is allocated back to the lines.
//!
//! Run it with `cargo run -p kassa-examples --bin demo`.

use kassa::{allocate, money::parse_rate, Currency, Money, Result, RoundingMode};

/// One cart line: a name, a unit price and a quantity.
struct Line {
    name: &'static str,
    unit: &'static str,
    qty: u64,
}

/// Prices `lines` in `currency`: line subtotals, a `discount` rate of the
/// subtotal rounded once and split over the lines by largest remainder,
/// then `tax_rate` on each discounted line, rounded per line.
fn price_cart(currency: &str, lines: &[Line], discount_rate: &str, tax_rate: &str) -> Result<()> {
    let currency = Currency::from_code(currency)?;
    let mode = RoundingMode::HalfEven;
    println!(
        "== {currency} cart ({} minor-unit digits)",
        currency.minor_units()
    );

    let mut subtotals = Vec::with_capacity(lines.len());
    for line in lines {
        subtotals.push(Money::parse(line.unit, currency)?.multiply_quantity(line.qty)?);
    }
    let subtotal = subtotals
        .iter()
        .try_fold(Money::zero(currency), |sum, m| sum.checked_add(*m))?;

    let discount = subtotal
        .multiply_rate(parse_rate(discount_rate)?)?
        .round(mode)?;
    let weights: Vec<u64> = subtotals
        .iter()
        .map(|m| m.minor_units().unsigned_abs())
        .collect();
    let shares = allocate(discount, &weights)?;
    let rate = parse_rate(tax_rate)?;

    println!(
        "  {:<12}{:>4}{:>12}{:>12}{:>12}{:>10}{:>12}",
        "line", "qty", "unit", "subtotal", "discount", "tax", "total"
    );
    let (mut tax_total, mut grand_total) = (Money::zero(currency), Money::zero(currency));
    for ((line, sub), share) in lines.iter().zip(&subtotals).zip(&shares) {
        let net = sub.checked_sub(*share)?;
        let tax = net.multiply_rate(rate)?.round(mode)?;
        let total = net.checked_add(tax)?;
        tax_total = tax_total.checked_add(tax)?;
        grand_total = grand_total.checked_add(total)?;
        println!(
            "  {:<12}{:>4}{:>12}{:>12}{:>12}{:>10}{:>12}",
            line.name, line.qty, line.unit, sub, share, tax, total
        );
    }
    println!("  subtotal {subtotal}; discount {discount} ({discount_rate} of the subtotal, rounded once, split by largest remainder)");
    println!(
        "  tax {tax_total} (rate {tax_rate}, per line); grand total {grand_total} {currency}\n"
    );
    Ok(())
}

fn main() -> Result<()> {
    let usd = [
        Line {
            name: "T-shirt",
            unit: "19.99",
            qty: 3,
        },
        Line {
            name: "Socks",
            unit: "4.50",
            qty: 2,
        },
        Line {
            name: "Sticker",
            unit: "0.99",
            qty: 1,
        },
    ];
    price_cart("USD", &usd, "0.10", "0.0825")?;

    let jpy = [
        Line {
            name: "Matcha",
            unit: "1200",
            qty: 2,
        },
        Line {
            name: "Chawan",
            unit: "3500",
            qty: 1,
        },
        Line {
            name: "Whisk",
            unit: "980",
            qty: 1,
        },
    ];
    price_cart("JPY", &jpy, "0.05", "0.10")?;

    let kwd = [
        Line {
            name: "Oud",
            unit: "18.750",
            qty: 1,
        },
        Line {
            name: "Incense",
            unit: "0.875",
            qty: 4,
        },
    ];
    price_cart("KWD", &kwd, "0.03", "0")?;

    // Errors are typed, with stable codes and the offending value.
    match Money::parse("10.005", Currency::USD) {
        Err(e) => println!("Money::parse(\"10.005\", USD) -> error {}: {e}", e.code()),
        Ok(m) => println!("unexpectedly parsed {m}"),
    }
    Ok(())
}
