//! The main demo: prices a small cart in USD, JPY and KWD with the pricing
//! kernel, shows how an order discount is allocated back to the lines, and
//! explains a promotion that did not apply; then runs a small shop's
//! catalog (see `shop.rs`), and a synthetic year of customers: RFM groups,
//! segments, a customer 360 view and recommendations (see `crm.rs`).
//!
//! Run it with `./scripts/demo` (or `cargo run -p kassa-examples --bin demo`).

mod crm;
mod shop;

use std::collections::BTreeMap;

use kassa::money::Rate;
use kassa::pricing::{
    price, Action, Cart, CartLine, NotAppliedReason, PriceBook, PricingContext, PricingInput,
    ProductPrice, Promotion, SubtotalBasis, TaxConfig,
};
use kassa::{Currency, Money, Result, RoundingMode};

/// One cart line: a SKU, its unit price and a quantity.
struct Line {
    sku: &'static str,
    unit: &'static str,
    qty: u64,
}

/// Prices `lines` in `currency` with `discount` off the order, a second
/// promotion that needs a larger cart, and `tax_rate` on every line.
fn price_cart(
    code: &str,
    lines: &[Line],
    discount: &str,
    needs: &str,
    tax_rate: &str,
) -> Result<()> {
    let currency = Currency::from_code(code)?;
    println!(
        "== {currency} cart ({} minor-unit digits)",
        currency.minor_units()
    );

    let mut book = PriceBook::new();
    for line in lines {
        let mut product = ProductPrice::new(line.sku, Money::parse(line.unit, currency)?);
        product.tax_category = Some("standard".into());
        book.insert(product)?;
    }
    let cart = Cart {
        currency,
        lines: lines.iter().map(|l| CartLine::new(l.sku, l.qty)).collect(),
    };
    let promotions = [
        Promotion::new(
            "order-discount",
            1,
            Action::OrderPercent {
                value: Rate::parse(discount)?,
            },
        ),
        Promotion::new(
            "big-basket-5",
            2,
            Action::OrderPercent {
                value: Rate::parse("0.05")?,
            },
        )
        .with_min_subtotal(Money::parse(needs, currency)?, SubtotalBasis::PreDiscount),
    ];
    let tax = TaxConfig {
        rates: BTreeMap::from([("standard".to_owned(), Rate::parse(tax_rate)?)]),
        ..TaxConfig::default()
    };
    let breakdown = price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions: &promotions,
        tax: Some(&tax),
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: None,
    })?;

    println!(
        "  {:<10}{:>4}{:>12}{:>12}{:>12}{:>10}{:>12}",
        "line", "qty", "unit", "subtotal", "discount", "tax", "total"
    );
    for l in &breakdown.lines {
        let unit = l.unit_price.map(|u| u.to_string()).unwrap_or_default();
        println!(
            "  {:<10}{:>4}{:>12}{:>12}{:>12}{:>10}{:>12}",
            l.sku, l.qty, unit, l.line_subtotal, l.discount, l.tax, l.line_total
        );
    }
    for applied in &breakdown.promotions_applied {
        println!(
            "  {} took {} (rounded once, split over the lines by largest remainder)",
            applied.id, applied.amount
        );
    }
    for skipped in &breakdown.promotions_not_applied {
        if let NotAppliedReason::BelowMinimumSubtotal { missing } = &skipped.reason {
            println!(
                "  {} did not apply: add {missing} more to qualify",
                skipped.id
            );
        }
    }
    println!(
        "  subtotal {}; discounts {}; tax {} at {tax_rate}; grand total {} {currency}\n",
        breakdown.subtotal, breakdown.discount_total, breakdown.tax_total, breakdown.grand_total
    );
    Ok(())
}

fn main() -> Result<()> {
    let usd = [
        Line {
            sku: "T-SHIRT",
            unit: "19.99",
            qty: 3,
        },
        Line {
            sku: "SOCKS",
            unit: "4.50",
            qty: 2,
        },
        Line {
            sku: "STICKER",
            unit: "0.99",
            qty: 1,
        },
    ];
    price_cart("USD", &usd, "0.10", "100.00", "0.0825")?;

    let jpy = [
        Line {
            sku: "MATCHA",
            unit: "1200",
            qty: 2,
        },
        Line {
            sku: "CHAWAN",
            unit: "3500",
            qty: 1,
        },
        Line {
            sku: "WHISK",
            unit: "980",
            qty: 1,
        },
    ];
    price_cart("JPY", &jpy, "0.05", "5000", "0.10")?;

    let kwd = [
        Line {
            sku: "OUD",
            unit: "18.750",
            qty: 1,
        },
        Line {
            sku: "INCENSE",
            unit: "0.875",
            qty: 4,
        },
    ];
    price_cart("KWD", &kwd, "0.03", "30.000", "0")?;

    // Errors are typed, with stable codes and the offending value.
    match Money::parse("10.005", Currency::USD) {
        Err(e) => println!("Money::parse(\"10.005\", USD) -> error {}: {e}", e.code()),
        Ok(m) => println!("unexpectedly parsed {m}"),
    }
    println!();
    shop::run()?;
    crm::run()
}
