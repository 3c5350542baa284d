//! Shipping: methods, thresholds, shipping promotions and shipping tax.

use std::collections::BTreeMap;

use kassa::money::Rate;
use kassa::pricing::{
    price, Action, Cart, CartLine, NotAppliedReason, PriceBook, PriceBreakdown, PricingContext,
    PricingInput, ProductPrice, Promotion, ShippingMethod, ShippingRate, SubtotalBand,
    SubtotalBasis, TaxConfig, TaxRounding, WeightBand,
};
use kassa::{Currency, Money, Result, RoundingMode};

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::EUR).unwrap()
}

/// A mug (12.00 EUR, 400 g, standard tax) times `mugs`.
fn run(
    mugs: u64,
    method: &ShippingMethod,
    promotions: &[Promotion],
    tax: Option<&TaxConfig>,
) -> Result<PriceBreakdown> {
    let mut book = PriceBook::new();
    let mut mug = ProductPrice::new("MUG", eur("12.00"));
    mug.weight_grams = 400;
    mug.tax_category = Some("standard".into());
    book.insert(mug).unwrap();
    let cart = Cart {
        currency: Currency::EUR,
        lines: vec![CartLine::new("MUG", mugs)],
    };
    price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions,
        tax,
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: Some(method),
    })
}

fn flat(p: &str) -> ShippingMethod {
    ShippingMethod::new("flat", ShippingRate::Flat { price: eur(p) })
}

#[test]
fn methods_price_the_shipping_line() {
    let by_weight = ShippingMethod::new(
        "parcel",
        ShippingRate::Weight {
            bands: vec![
                WeightBand {
                    up_to_grams: Some(1_000),
                    price: eur("4.00"),
                },
                WeightBand {
                    up_to_grams: Some(5_000),
                    price: eur("7.00"),
                },
                WeightBand {
                    up_to_grams: None,
                    price: eur("15.00"),
                },
            ],
        },
    );
    let by_subtotal = ShippingMethod::new(
        "tiered",
        ShippingRate::Subtotal {
            bands: vec![
                SubtotalBand {
                    from: eur("0.00"),
                    price: eur("6.00"),
                },
                SubtotalBand {
                    from: eur("30.00"),
                    price: eur("3.00"),
                },
            ],
        },
    );
    let cases: Vec<(&ShippingMethod, u64, &str)> = vec![
        (&by_weight, 2, "4.00"),   // 800 g
        (&by_weight, 3, "7.00"),   // 1,200 g
        (&by_weight, 13, "15.00"), // 5,200 g
        (&by_subtotal, 2, "6.00"), // 24.00
        (&by_subtotal, 3, "3.00"), // 36.00
    ];
    for (method, mugs, want) in cases {
        let b = run(mugs, method, &[], None).unwrap();
        let ship = b.shipping.as_ref().unwrap();
        assert_eq!(ship.price, eur(want), "{} x{mugs}", method.id);
        assert_eq!(
            b.grand_total,
            eur("12.00")
                .multiply_quantity(mugs)
                .unwrap()
                .checked_add(eur(want))
                .unwrap()
        );
    }
}

#[test]
fn free_above_looks_at_the_discounted_subtotal() {
    let method = flat("4.90").free_above(eur("50.00"));
    let b = run(5, &method, &[], None).unwrap(); // 60.00
    assert!(b.shipping.as_ref().unwrap().free_by_threshold);
    assert_eq!(b.grand_total, eur("60.00"));
    // 20 % off brings the goods to 48.00: below the threshold, shipping is paid.
    let promo = Promotion::new(
        "twenty",
        1,
        Action::OrderPercent {
            value: Rate::parse("0.20").unwrap(),
        },
    );
    let b = run(5, &method, &[promo], None).unwrap();
    assert_eq!(b.shipping.as_ref().unwrap().total, eur("4.90"));
    assert_eq!(b.grand_total, eur("52.90"));
}

#[test]
fn shipping_promotions_run_after_merchandise_and_explain_themselves() {
    let free = Promotion::new("free-ship", 0, Action::ShippingPercent { value: Rate::ONE })
        .with_min_subtotal(eur("30.00"), SubtotalBasis::Running);
    let half = Promotion::new(
        "half-ship",
        5,
        Action::ShippingPercent {
            value: Rate::parse("0.5").unwrap(),
        },
    );
    let tenner = Promotion::new(
        "ten-off",
        1,
        Action::OrderFixed {
            value: eur("10.00"),
        },
    );

    // 36.00 - 10.00 = 26.00 running: below 30.00, although free-ship has the lower priority.
    let b = run(
        3,
        &flat("5.00"),
        &[free.clone(), half.clone(), tenner.clone()],
        None,
    )
    .unwrap();
    let not: Vec<_> = b
        .promotions_not_applied
        .iter()
        .map(|n| (&*n.id, n.reason.clone()))
        .collect();
    assert_eq!(
        not,
        vec![(
            "free-ship",
            NotAppliedReason::BelowMinimumSubtotal {
                missing: eur("4.00")
            }
        )]
    );
    let ship = b.shipping.as_ref().unwrap();
    assert_eq!(ship.discount, eur("2.50"));
    assert_eq!(b.discount_total, eur("12.50"));
    assert_eq!(b.grand_total, eur("28.50")); // 26.00 + 2.50

    // Without the order discount the threshold is met: free shipping, then nothing left to halve.
    let b = run(3, &flat("5.00"), &[free, half], None).unwrap();
    assert_eq!(b.shipping.as_ref().unwrap().total, eur("0.00"));
    assert_eq!(
        b.promotions_not_applied[0].reason,
        NotAppliedReason::NothingToDiscount
    );

    // A shipping promotion without a shipping method.
    let mut book = PriceBook::new();
    book.insert(ProductPrice::new("MUG", eur("12.00"))).unwrap();
    let cart = Cart {
        currency: Currency::EUR,
        lines: vec![CartLine::new("MUG", 1)],
    };
    let promos = [Promotion::new(
        "free-ship",
        0,
        Action::ShippingPercent { value: Rate::ONE },
    )];
    let b = price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions: &promos,
        tax: None,
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: None,
    })
    .unwrap();
    assert_eq!(
        b.promotions_not_applied[0].reason,
        NotAppliedReason::NoShippingLine
    );
}

#[test]
fn shipping_is_taxed_by_its_own_category() {
    let tax = TaxConfig {
        prices_include_tax: false,
        rates: BTreeMap::from([
            ("standard".to_owned(), Rate::parse("0.20").unwrap()),
            ("shipping".to_owned(), Rate::parse("0.10").unwrap()),
        ]),
        rounding: TaxRounding::PerLine,
        ..TaxConfig::default()
    };
    let b = run(1, &flat("4.95").taxed_as("shipping"), &[], Some(&tax)).unwrap();
    let ship = b.shipping.as_ref().unwrap();
    assert_eq!(ship.tax, eur("0.50")); // 0.495 -> half_even 0.50
    assert_eq!(b.tax_total, eur("2.90"));
    assert_eq!(b.grand_total, eur("19.85")); // 12.00 + 2.40 + 4.95 + 0.50
    assert_eq!(b.taxes.len(), 2);

    let err = run(1, &flat("4.95").taxed_as("nope"), &[], Some(&tax)).unwrap_err();
    assert_eq!(err.code(), "unknown_tax_category");
}

#[test]
fn bad_methods_are_typed_errors() {
    let usd = ShippingMethod::new(
        "usd",
        ShippingRate::Flat {
            price: Money::parse("5.00", Currency::USD).unwrap(),
        },
    );
    assert_eq!(
        run(1, &usd, &[], None).unwrap_err().code(),
        "currency_mismatch"
    );
    let negative = flat("-1.00");
    assert_eq!(
        run(1, &negative, &[], None).unwrap_err().code(),
        "invalid_amount"
    );
    let unsorted = ShippingMethod::new(
        "w",
        ShippingRate::Weight {
            bands: vec![
                WeightBand {
                    up_to_grams: Some(5_000),
                    price: eur("7.00"),
                },
                WeightBand {
                    up_to_grams: Some(1_000),
                    price: eur("4.00"),
                },
            ],
        },
    );
    assert_eq!(
        run(1, &unsorted, &[], None).unwrap_err().code(),
        "invalid_price_table"
    );
    let no_zero = ShippingMethod::new(
        "s",
        ShippingRate::Subtotal {
            bands: vec![SubtotalBand {
                from: eur("10.00"),
                price: eur("1.00"),
            }],
        },
    );
    assert_eq!(
        run(1, &no_zero, &[], None).unwrap_err().code(),
        "invalid_price_table"
    );
    let too_heavy = ShippingMethod::new(
        "light",
        ShippingRate::Weight {
            bands: vec![WeightBand {
                up_to_grams: Some(100),
                price: eur("1.00"),
            }],
        },
    );
    let err = run(1, &too_heavy, &[], None).unwrap_err();
    assert!(err.to_string().contains("400 g"), "{err}");
}
