//! Deterministic fixtures for the benchmarks (no randomness: a fixed
//! formula per index, so every run measures the same carts).

use std::collections::BTreeMap;

/// With the `mimalloc` feature, every bench and example of this package
/// allocates through mimalloc instead of the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e`, the
/// same in mimalloc 2 and 3; `libmimalloc-sys` leaves the options that
/// are not stable unnamed).
#[cfg(feature = "mimalloc")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the benches' allocator up as a host after throughput would: with
/// the `mimalloc` feature, mimalloc keeps the memory it frees instead of
/// handing it back to the kernel 10 ms later (purging). On the project's VM
/// a purged page costs a fresh zeroed page when it is used again, and with
/// purging on, a whole checkout measured 40-80 us instead of 18-20 us.
/// Without the feature (the system allocator) it does nothing.
pub fn tune_allocator() {
    #[cfg(feature = "mimalloc")]
    // SAFETY: sets one of mimalloc's options, an integer it reads when it
    // next considers purging; the benches call this first, before they
    // start any thread (the setter is not meant to race another setter).
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

pub mod catalog_fixture;
pub mod checkout_fixture;
pub mod store_fixture;

use kassa::money::Rate;
use kassa::pricing::{
    Action, Cart, CartLine, PriceBook, ProductPrice, Promotion, SubtotalBasis, Target, TaxConfig,
    TaxRounding,
};
use kassa::{Currency, Decimal, Money};

/// A cart, its price book, promotions and a two-rate tax configuration.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Prices of every SKU in the cart.
    pub book: PriceBook,
    /// The cart.
    pub cart: Cart,
    /// The promotions, a mix of every action type.
    pub promotions: Vec<Promotion>,
    /// Standard and reduced rates, exclusive, per line.
    pub tax: TaxConfig,
}

const TAGS: [&str; 8] = [
    "tops", "shoes", "socks", "hats", "bags", "kids", "sale", "new",
];

fn rate(basis_points: i64) -> Rate {
    Rate::new(Decimal::new(basis_points, 4)).unwrap_or(Rate::ZERO)
}

/// `lines` cart lines and `promotions` promotions, all in USD.
pub fn fixture(lines: usize, promotions: usize) -> Fixture {
    let usd = |minor: i64| Money::from_minor_units(minor, Currency::USD);
    let mut book = PriceBook::new();
    let mut cart_lines = Vec::with_capacity(lines);
    for i in 0..lines {
        let sku = format!("SKU-{i:05}");
        let mut product = ProductPrice::new(sku.clone(), usd(199 + (i as i64 * 7919) % 25_000));
        product.tags = vec![
            TAGS[i % TAGS.len()].to_owned(),
            TAGS[(i / 3) % TAGS.len()].to_owned(),
        ];
        product.tax_category = Some(if i % 4 == 0 { "reduced" } else { "standard" }.to_owned());
        let _ = book.insert(product);
        cart_lines.push(CartLine::new(sku, 1 + (i as u64 * 31) % 6));
    }
    let mut promos = Vec::with_capacity(promotions);
    for p in 0..promotions {
        let tag = TAGS[p % TAGS.len()].to_owned();
        let action = match p % 6 {
            0 => Action::LinePercent {
                value: rate(500 + (p as i64 % 5) * 100),
            },
            1 => Action::OrderPercent { value: rate(300) },
            2 => Action::BuyXGetY {
                buy: 2,
                get: 1,
                get_percent: Rate::ONE,
                max_applications: Some(3),
            },
            3 => Action::OrderFixed { value: usd(500) },
            4 => Action::LineFixed { value: usd(50) },
            _ => Action::BuyXGetY {
                buy: 1,
                get: 1,
                get_percent: rate(5000),
                max_applications: None,
            },
        };
        let mut promo = Promotion::new(format!("promo-{p:03}"), (p % 7) as i64, action);
        if p % 3 != 1 {
            promo.target = Some(Target {
                tags: vec![tag],
                ..Target::default()
            });
        }
        if p % 5 == 0 {
            promo = promo.with_min_subtotal(usd(10_000), SubtotalBasis::Running);
        }
        promos.push(promo);
    }
    let rates: BTreeMap<String, Rate> = [
        ("standard".to_owned(), rate(2000)),
        ("reduced".to_owned(), rate(700)),
    ]
    .into_iter()
    .collect();
    Fixture {
        book,
        cart: Cart {
            currency: Currency::USD,
            lines: cart_lines,
        },
        promotions: promos,
        tax: TaxConfig {
            prices_include_tax: false,
            rates,
            rounding: TaxRounding::PerLine,
            ..TaxConfig::default()
        },
    }
}
