//! Why a promotion did or did not apply, the conditions beyond the shared
//! scenarios, and bad input: table-driven.

use kassa::money::Rate;
use kassa::pricing::{
    price, Action, Cart, CartLine, NotAppliedReason, PriceBook, PriceBreakdown, PriceSource,
    PricingContext, PricingInput, ProductPrice, Promotion, SubtotalBasis, Target, TaxConfig,
    TierBreak, TierMode, TierTable, Timestamp,
};
use kassa::{Currency, Money, Result, RoundingMode};

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn rate(s: &str) -> Rate {
    Rate::parse(s).unwrap()
}

/// Shirts 20.00 (tag "tops"), socks 5.00 (tag "socks").
fn book() -> PriceBook {
    let mut book = PriceBook::new();
    let mut shirt = ProductPrice::new("SHIRT", usd("20.00"));
    shirt.tags = vec!["tops".into()];
    shirt.tax_category = Some("standard".into());
    let mut socks = ProductPrice::new("SOCKS", usd("5.00"));
    socks.tags = vec!["socks".into()];
    book.insert(shirt).unwrap();
    book.insert(socks).unwrap();
    book
}

/// A cart of shirts and socks; a count of 0 leaves that line out.
fn cart(shirts: u64, socks: u64) -> Cart {
    let lines = [("SHIRT", shirts), ("SOCKS", socks)]
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(sku, n)| CartLine::new(sku, n))
        .collect();
    Cart {
        currency: Currency::USD,
        lines,
    }
}

fn run(cart: &Cart, promotions: &[Promotion], ctx: &PricingContext) -> Result<PriceBreakdown> {
    price(&PricingInput {
        prices: &book(),
        cart,
        promotions,
        tax: None,
        rounding_mode: RoundingMode::HalfEven,
        context: ctx,
        shipping: None,
    })
}

fn pct(id: &str, priority: i64, value: &str) -> Promotion {
    Promotion::new(id, priority, Action::OrderPercent { value: rate(value) })
}

fn reason_of(b: &PriceBreakdown, id: &str) -> Option<NotAppliedReason> {
    b.promotions_not_applied
        .iter()
        .find(|n| &*n.id == id)
        .map(|n| n.reason.clone())
}

#[test]
fn every_reason_a_storefront_can_show() {
    let at = |ms| PricingContext {
        now: Some(Timestamp(ms)),
        ..PricingContext::default()
    };
    let free_shipping_threshold =
        pct("threshold", 1, "0.10").with_min_subtotal(usd("50.00"), SubtotalBasis::PreDiscount);
    let mut coupon = pct("coupon", 1, "0.10");
    coupon.coupon_code = Some("SAVE10".into());
    let mut windowed = pct("windowed", 1, "0.10");
    windowed.audience.valid_from = Some(Timestamp(1_000));
    windowed.audience.valid_until = Some(Timestamp(2_000));
    let mut vip = pct("vip", 1, "0.10");
    vip.audience.customer_groups = vec!["vip".into()];
    let mut app_only = pct("app", 1, "0.10");
    app_only.audience.channels = vec!["app".into()];
    let mut first = pct("first", 1, "0.10");
    first.first_order_only = true;
    let hats = pct("hats", 1, "0.10").with_target(Target {
        tags: vec!["hats".into()],
        ..Target::default()
    });
    let eur = Promotion::new(
        "eur",
        1,
        Action::OrderFixed {
            value: Money::parse("5.00", Currency::EUR).unwrap(),
        },
    );
    let mut min_qty = pct("min-qty", 1, "0.10");
    min_qty.min_quantity = Some(5);
    let bxgy = Promotion::new(
        "b2g1",
        1,
        Action::BuyXGetY {
            buy: 2,
            get: 1,
            get_percent: Rate::ONE,
            max_applications: None,
        },
    )
    .with_target(Target {
        skus: vec!["SOCKS".into()],
        ..Target::default()
    });

    let cases: Vec<(Promotion, PricingContext, NotAppliedReason)> = vec![
        (
            free_shipping_threshold,
            PricingContext::default(),
            NotAppliedReason::BelowMinimumSubtotal {
                missing: usd("25.00"),
            },
        ),
        (
            coupon.clone(),
            PricingContext::default(),
            NotAppliedReason::CouponRequired,
        ),
        (
            windowed.clone(),
            at(2_000),
            NotAppliedReason::OutsideValidityWindow,
        ),
        (
            windowed.clone(),
            PricingContext::default(),
            NotAppliedReason::OutsideValidityWindow,
        ),
        (
            vip,
            PricingContext::default(),
            NotAppliedReason::CustomerNotEligible,
        ),
        (
            app_only,
            PricingContext {
                channel: Some("web".into()),
                ..PricingContext::default()
            },
            NotAppliedReason::ChannelNotEligible,
        ),
        (
            first,
            PricingContext::default(),
            NotAppliedReason::NotFirstOrder,
        ),
        (
            hats,
            PricingContext::default(),
            NotAppliedReason::NoEligibleLines,
        ),
        (
            eur,
            PricingContext::default(),
            NotAppliedReason::CurrencyMismatch {
                promotion_currency: Currency::EUR,
            },
        ),
        (
            min_qty,
            PricingContext::default(),
            NotAppliedReason::BelowMinimumQuantity { missing: 3 },
        ),
        (
            bxgy,
            PricingContext::default(),
            NotAppliedReason::BelowMinimumQuantity { missing: 2 },
        ),
    ];
    for (promo, ctx, want) in cases {
        let id = promo.id.clone();
        let b = run(&cart(1, 1), &[promo], &ctx).unwrap();
        assert!(b.promotions_applied.is_empty(), "{id} applied");
        assert_eq!(reason_of(&b, &id), Some(want), "{id}");
        assert_eq!(b.grand_total, usd("25.00"), "{id}");
    }

    // The same promotions apply once their condition holds.
    let ctx = PricingContext {
        coupon_codes: vec!["save10".into()],
        now: Some(Timestamp(1_500)),
        ..PricingContext::default()
    };
    let b = run(&cart(1, 1), &[coupon, windowed], &ctx).unwrap();
    assert_eq!(b.promotions_applied.len(), 2);
    assert!(b.unknown_coupons.is_empty());
}

#[test]
fn explanations_serialize_for_a_storefront() {
    let promo =
        pct("spend-50", 1, "0.10").with_min_subtotal(usd("50.00"), SubtotalBasis::PreDiscount);
    let b = run(&cart(1, 1), &[promo], &PricingContext::default()).unwrap();
    let json = serde_json::to_value(&b.promotions_not_applied).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{ "id": "spend-50", "reason": "below_minimum_subtotal", "missing": { "amount": "25.00", "currency": "USD" } }])
    );
}

#[test]
fn stop_further_and_exclusivity() {
    let mut stopper = pct("a-stop", 1, "0.10");
    stopper.stop_further = true;
    let b = run(
        &cart(1, 0),
        &[stopper, pct("b-later", 2, "0.10")],
        &PricingContext::default(),
    )
    .unwrap();
    assert_eq!(
        reason_of(&b, "b-later"),
        Some(NotAppliedReason::StoppedBy {
            promotion: "a-stop".into()
        })
    );

    // An exclusive order promotion blocks later order promotions but not product ones.
    let mut exclusive = pct("a-excl", 1, "0.10");
    exclusive.exclusive = true;
    let line = Promotion::new(
        "c-line",
        3,
        Action::LinePercent {
            value: rate("0.10"),
        },
    );
    let b = run(
        &cart(1, 0),
        &[exclusive.clone(), pct("b-order", 2, "0.05"), line],
        &PricingContext::default(),
    )
    .unwrap();
    assert_eq!(
        reason_of(&b, "b-order"),
        Some(NotAppliedReason::NotCombinableWith {
            promotion: "a-excl".into()
        })
    );
    assert!(b.promotions_applied.iter().any(|p| &*p.id == "c-line"));

    // An exclusive promotion after one of its class already applied is skipped.
    exclusive.priority = 5;
    let b = run(
        &cart(1, 0),
        &[exclusive, pct("b-order", 2, "0.05")],
        &PricingContext::default(),
    )
    .unwrap();
    assert_eq!(
        reason_of(&b, "a-excl"),
        Some(NotAppliedReason::NotCombinableWith {
            promotion: "b-order".into()
        })
    );

    // A line already free leaves nothing to discount.
    let free = Promotion::new("a-free", 1, Action::LinePercent { value: Rate::ONE });
    let b = run(
        &cart(1, 0),
        &[free, pct("b-more", 2, "0.10")],
        &PricingContext::default(),
    )
    .unwrap();
    assert_eq!(
        reason_of(&b, "b-more"),
        Some(NotAppliedReason::NothingToDiscount)
    );
}

#[test]
fn line_fixed_and_fixed_price() {
    let fixed = Promotion::new("two-off", 1, Action::LineFixed { value: usd("2.00") }).with_target(
        Target {
            skus: vec!["SHIRT".into()],
            ..Target::default()
        },
    );
    let b = run(&cart(3, 1), &[fixed], &PricingContext::default()).unwrap();
    assert_eq!(b.lines[0].discount, usd("6.00"));
    assert_eq!(b.lines[1].discount, usd("0.00"));

    let sale = Promotion::new("socks-at-3", 1, Action::FixedPrice { value: usd("3.00") });
    let b = run(&cart(1, 4), &[sale], &PricingContext::default()).unwrap();
    assert_eq!(b.lines[1].line_net, usd("12.00"));
    assert_eq!(
        b.lines[0].discount,
        usd("17.00"),
        "a shirt at 20.00 comes down to 3.00"
    );
    let raise = Promotion::new(
        "never-up",
        1,
        Action::FixedPrice {
            value: usd("99.00"),
        },
    );
    let b = run(&cart(1, 1), &[raise], &PricingContext::default()).unwrap();
    assert_eq!(
        reason_of(&b, "never-up"),
        Some(NotAppliedReason::NothingToDiscount)
    );
}

#[test]
fn unknown_coupons_are_reported() {
    let ctx = PricingContext {
        coupon_codes: vec!["NOPE".into()],
        ..PricingContext::default()
    };
    let b = run(&cart(1, 1), &[], &ctx).unwrap();
    assert_eq!(b.unknown_coupons.len(), 1);
    assert_eq!(b.unknown_coupons[0].code, "NOPE");
}

#[test]
fn bad_input_is_a_typed_error_naming_the_field() {
    let cases: Vec<(Vec<Promotion>, Cart, &str, &str)> = vec![
        (
            vec![pct("too-much", 1, "1.5")],
            cart(1, 1),
            "invalid_promotion",
            "value",
        ),
        (
            vec![pct("", 1, "0.1")],
            cart(1, 1),
            "invalid_promotion",
            "id",
        ),
        (
            vec![pct("dup", 1, "0.1"), pct("dup", 2, "0.2")],
            cart(1, 1),
            "invalid_promotion",
            "dup",
        ),
        (
            vec![Promotion::new(
                "b0",
                1,
                Action::BuyXGetY {
                    buy: 0,
                    get: 1,
                    get_percent: Rate::ONE,
                    max_applications: None,
                },
            )],
            cart(1, 1),
            "invalid_promotion",
            "buy",
        ),
        (
            vec![Promotion::new(
                "neg",
                1,
                Action::OrderFixed {
                    value: usd("-1.00"),
                },
            )],
            cart(1, 1),
            "invalid_promotion",
            "negative",
        ),
        (
            vec![],
            Cart {
                currency: Currency::USD,
                lines: vec![CartLine::new("SHIRT", 0)],
            },
            "invalid_quantity",
            "line 1",
        ),
        (
            vec![],
            Cart {
                currency: Currency::USD,
                lines: vec![CartLine::new("shirt", 1)],
            },
            "unknown_sku",
            "shirt",
        ),
        (
            vec![],
            Cart {
                currency: Currency::EUR,
                lines: vec![CartLine::new("SHIRT", 1)],
            },
            "no_price_for_currency",
            "EUR",
        ),
        (
            vec![],
            Cart {
                currency: Currency::USD,
                lines: vec![CartLine::new("SHIRT", u64::MAX)],
            },
            "amount_out_of_range",
            "x",
        ),
        (
            vec![],
            Cart {
                currency: Currency::USD,
                lines: vec![CartLine::custom(
                    "GIFT",
                    1,
                    Money::parse("1", Currency::JPY).unwrap(),
                )],
            },
            "currency_mismatch",
            "JPY",
        ),
    ];
    for (promos, cart, code, named) in cases {
        let err = run(&cart, &promos, &PricingContext::default()).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert!(err.to_string().contains(named), "{err} should name {named}");
    }
    // A tax category the configuration does not have.
    let tax = TaxConfig::default();
    let err = price(&PricingInput {
        prices: &book(),
        cart: &cart(1, 0),
        promotions: &[],
        tax: Some(&tax),
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: None,
    })
    .unwrap_err();
    assert_eq!(err.code(), "unknown_tax_category");
}

#[test]
fn tier_tables_say_where_the_price_came_from() {
    let t = |q, p| TierBreak {
        min_qty: q,
        unit_price: usd(p),
    };
    let mut book = PriceBook::new();
    let mut volume = ProductPrice::new("V", usd("9.99"));
    volume.tiers =
        vec![TierTable::new("V", TierMode::Volume, vec![t(1, "1.00"), t(10, "0.80")]).unwrap()];
    let mut graduated = ProductPrice::new("G", usd("9.99"));
    graduated.tiers =
        vec![TierTable::new("G", TierMode::Graduated, vec![t(1, "1.00"), t(10, "0.80")]).unwrap()];
    book.insert(volume).unwrap();
    book.insert(graduated).unwrap();
    let cart = Cart {
        currency: Currency::USD,
        lines: vec![CartLine::new("V", 12), CartLine::new("G", 12)],
    };
    let b = price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions: &[],
        tax: None,
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: None,
    })
    .unwrap();
    assert_eq!(
        b.lines[0].price_source,
        PriceSource::Tier {
            mode: TierMode::Volume,
            min_qty: 10
        }
    );
    assert_eq!(b.lines[0].line_subtotal, usd("9.60"));
    assert_eq!(b.lines[1].unit_price, None);
    assert_eq!(b.lines[1].line_subtotal, usd("11.40")); // units 1-9 at 1.00, 10-12 at 0.80

    for (breaks, why) in [
        (vec![], "at least one"),
        (vec![t(2, "1.00")], "min_qty 1"),
        (vec![t(1, "1.00"), t(1, "2.00")], "two breaks"),
        (vec![t(1, "-1.00")], "negative"),
    ] {
        let err = TierTable::new("X", TierMode::Volume, breaks).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
}

#[test]
fn line_discounts_serialize_with_their_promotion_id() {
    let line = Promotion::new(
        "tops-10",
        1,
        Action::LinePercent {
            value: rate("0.10"),
        },
    )
    .with_target(Target {
        tags: vec!["tops".into()],
        ..Target::default()
    });
    let order = pct("order-5", 2, "0.05");
    let b = run(&cart(1, 2), &[line, order], &PricingContext::default()).unwrap();
    assert_eq!(b.discounts_of(0).len(), 2);
    assert_eq!(b.promotion_of(&b.discounts_of(0)[0]), "tops-10");
    assert_eq!(b.promotion_of(&b.discounts_of(1)[0]), "order-5");
    let json = serde_json::to_value(&b).unwrap();
    assert_eq!(
        json["discounts"],
        serde_json::json!([
            { "line": 0, "promotion": "tops-10", "amount": { "amount": "2.00", "currency": "USD" } },
            { "line": 0, "promotion": "order-5", "amount": { "amount": "0.90", "currency": "USD" } },
            { "line": 1, "promotion": "order-5", "amount": { "amount": "0.50", "currency": "USD" } },
        ])
    );
    assert_eq!(json["grand_total"]["amount"], "26.60"); // 30.00 - 2.00 - 5 % of 28.00
}

#[test]
fn tiered_percent_grows_with_eligible_units() {
    use kassa::pricing::PercentTier;
    let tiers = vec![
        PercentTier {
            min_qty: 6,
            percent: rate("0.15"),
        },
        PercentTier {
            min_qty: 3,
            percent: rate("0.10"),
        },
    ];
    let socks =
        Promotion::new("socks-volume", 1, Action::TieredPercent { tiers }).with_target(Target {
            tags: vec!["socks".into()],
            ..Target::default()
        });
    let cases: &[(u64, Option<&str>, Option<NotAppliedReason>)] = &[
        (
            2,
            None,
            Some(NotAppliedReason::BelowMinimumQuantity { missing: 1 }),
        ),
        (3, Some("1.50"), None),  // 15.00 x 10 %
        (5, Some("2.50"), None),  // 25.00 x 10 %
        (6, Some("4.50"), None),  // 30.00 x 15 %
        (10, Some("7.50"), None), // 50.00 x 15 %
    ];
    for &(n, discount, ref reason) in cases {
        let b = run(
            &cart(1, n),
            std::slice::from_ref(&socks),
            &PricingContext::default(),
        )
        .unwrap();
        assert_eq!(b.lines[0].discount, usd("0.00"), "shirts are not targeted");
        match discount {
            Some(d) => assert_eq!(b.lines[1].discount, usd(d), "{n} socks"),
            None => assert_eq!(reason_of(&b, "socks-volume"), reason.clone(), "{n} socks"),
        }
    }
    let bad = [
        Action::TieredPercent { tiers: vec![] },
        Action::TieredPercent {
            tiers: vec![PercentTier {
                min_qty: 0,
                percent: rate("0.1"),
            }],
        },
        Action::TieredPercent {
            tiers: vec![PercentTier {
                min_qty: 2,
                percent: rate("1.5"),
            }],
        },
        Action::TieredPercent {
            tiers: vec![
                PercentTier {
                    min_qty: 2,
                    percent: rate("0.1"),
                },
                PercentTier {
                    min_qty: 2,
                    percent: rate("0.2"),
                },
            ],
        },
    ];
    for action in bad {
        let err = run(
            &cart(1, 1),
            &[Promotion::new("t", 1, action)],
            &PricingContext::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_promotion");
        assert!(err.to_string().contains("tiers"), "{err}");
    }
}

#[test]
fn an_entered_coupon_past_its_end_has_expired() {
    let mut coupon = pct("summer", 1, "0.10");
    coupon.coupon_code = Some("SUMMER".into());
    coupon.audience.valid_from = Some(Timestamp(1_000));
    coupon.audience.valid_until = Some(Timestamp(2_000));
    let ctx = |now, codes: &[&str]| PricingContext {
        now: Some(Timestamp(now)),
        coupon_codes: codes.iter().map(|c| c.to_string()).collect(),
        ..PricingContext::default()
    };
    let cases = [
        (2_500, vec!["summer"], NotAppliedReason::CouponExpired),
        (500, vec!["summer"], NotAppliedReason::OutsideValidityWindow),
        (2_500, vec![], NotAppliedReason::OutsideValidityWindow),
        (1_500, vec![], NotAppliedReason::CouponRequired),
    ];
    for (now, codes, want) in cases {
        let b = run(&cart(1, 1), &[coupon.clone()], &ctx(now, &codes)).unwrap();
        assert_eq!(
            reason_of(&b, "summer"),
            Some(want),
            "at {now} with {codes:?}"
        );
    }
}

#[test]
fn category_targets_reach_products_listing_the_category() {
    let mut book = book();
    let mut boots = ProductPrice::new("BOOTS", usd("80.00"));
    boots.categories = vec!["footwear".into(), "footwear/boots".into()];
    book.insert(boots).unwrap();
    let cart = Cart {
        currency: Currency::USD,
        lines: vec![CartLine::new("SHIRT", 1), CartLine::new("BOOTS", 1)],
    };
    let footwear = Promotion::new(
        "footwear-25",
        1,
        Action::LinePercent {
            value: rate("0.25"),
        },
    )
    .with_target(Target {
        categories: vec!["footwear".into()],
        ..Target::default()
    });
    let b = price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions: &[footwear],
        tax: None,
        rounding_mode: RoundingMode::HalfEven,
        context: &PricingContext::default(),
        shipping: None,
    })
    .unwrap();
    assert_eq!(b.lines[0].discount, usd("0.00"));
    assert_eq!(b.lines[1].discount, usd("20.00"));
}

#[test]
fn coupon_limits_are_reasons_in_pricing() {
    use kassa::coupon::CouponUsage;
    use std::collections::BTreeMap;
    let mut welcome = pct("welcome", 1, "0.10");
    welcome.coupon_code = Some("WELCOME".into());
    let ctx = |customer: &str| PricingContext {
        coupon_codes: vec!["WELCOME".into()],
        customer_id: Some(customer.into()),
        ..PricingContext::default()
    };
    let used = BTreeMap::from([("alice".to_owned(), 1u64)]);
    let cases = [
        (
            CouponUsage::new("WELCOME", Some(5), Some(1)).with_usage(1, used.clone()),
            "alice",
            Some(NotAppliedReason::CouponCustomerLimitReached { limit: 1 }),
        ),
        (
            CouponUsage::new("WELCOME", Some(5), Some(1)).with_usage(1, used.clone()),
            "bob",
            None,
        ),
        (
            CouponUsage::new("WELCOME", Some(1), None).with_usage(1, used),
            "bob",
            Some(NotAppliedReason::CouponUsageLimitReached { limit: 1 }),
        ),
    ];
    for (usage, customer, want) in cases {
        welcome.coupon_usage = Some(usage);
        let b = run(&cart(1, 1), std::slice::from_ref(&welcome), &ctx(customer)).unwrap();
        assert_eq!(reason_of(&b, "welcome"), want, "{customer}");
        let total = if want.is_none() { "22.50" } else { "25.00" }; // 10 % off 25.00, or nothing
        assert_eq!(b.grand_total, usd(total), "{customer}");
    }
}

#[test]
fn audience_fields_stay_flat_on_the_wire() {
    let json = serde_json::json!({
        "id": "vip-june",
        "priority": 1,
        "action": { "type": "order_percent", "value": "0.1" },
        "customer_groups": ["vip"],
        "channels": ["web"],
        "valid_from": 1000,
        "valid_until": 2000
    });
    let promo: Promotion = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(promo.audience.customer_groups, ["vip"]);
    assert_eq!(promo.audience.channels, ["web"]);
    assert_eq!(promo.audience.valid_until, Some(Timestamp(2_000)));
    let back = serde_json::to_value(&promo).unwrap();
    for field in [
        "customer_groups",
        "segments",
        "channels",
        "valid_from",
        "valid_until",
    ] {
        assert!(
            back.get(field).is_some(),
            "{field} must be a top-level field"
        );
    }
    assert!(back.get("audience").is_none());
}
