//! Price lists: scope matching and the documented resolution order.

use kassa::pricing::{
    price, Audience, Cart, CartLine, PriceBook, PriceList, PriceListKind, PriceListScope,
    PriceSource, PricingContext, PricingInput, ProductPrice, TierBreak, TierMode, TierTable,
    Timestamp,
};
use kassa::{Currency, Money, RoundingMode};

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::EUR).unwrap()
}

fn scope() -> PriceListScope {
    PriceListScope::new(Currency::EUR)
}

fn list(id: &str, kind: PriceListKind, scope: PriceListScope, unit: &str) -> PriceList {
    PriceList::new(id, kind, scope)
        .with_price("TEE", eur(unit))
        .unwrap()
}

/// Prices one line of `qty` TEE (base 10.00 EUR) under `lists` in `ctx`.
fn unit_and_source(lists: Vec<PriceList>, qty: u64, ctx: &PricingContext) -> (Money, PriceSource) {
    let mut book = PriceBook::new();
    book.insert(ProductPrice::new("TEE", eur("10.00"))).unwrap();
    for l in lists {
        book.add_price_list(l).unwrap();
    }
    let cart = Cart {
        currency: Currency::EUR,
        lines: vec![CartLine::new("TEE", qty)],
    };
    let b = price(&PricingInput {
        prices: &book,
        cart: &cart,
        promotions: &[],
        tax: None,
        rounding_mode: RoundingMode::HalfEven,
        context: ctx,
        shipping: None,
    })
    .unwrap();
    let line = &b.lines[0];
    (line.unit_price.unwrap(), line.price_source.clone())
}

fn from(id: &str, kind: PriceListKind) -> PriceSource {
    PriceSource::PriceList {
        id: id.into(),
        list_kind: kind,
        tier: None,
    }
}

#[test]
fn resolution_order_table() {
    use PriceListKind::{Override, Sale};
    let with = |audience: Audience| PriceListScope {
        audience,
        ..scope()
    };
    let wholesale_audience = || Audience {
        customer_groups: vec!["wholesale".into()],
        ..Audience::default()
    };
    let wholesale = || with(wholesale_audience());
    let wholesale_app = || {
        with(Audience {
            channels: vec!["app".into()],
            ..wholesale_audience()
        })
    };
    let june = || {
        with(Audience {
            valid_from: Some(Timestamp(1_000)),
            valid_until: Some(Timestamp(2_000)),
            ..Audience::default()
        })
    };
    let bulk = || PriceListScope {
        min_qty: Some(10),
        ..scope()
    };
    let ctx = |groups: &[&str], channel: Option<&str>, now: Option<i64>| PricingContext {
        customer_groups: groups.iter().map(|g| g.to_string()).collect(),
        channel: channel.map(str::to_owned),
        now: now.map(Timestamp),
        ..PricingContext::default()
    };

    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Vec<PriceList>, u64, PricingContext, &str, PriceSource)> = vec![
        (
            "no list",
            vec![],
            1,
            ctx(&[], None, None),
            "10.00",
            PriceSource::Base,
        ),
        (
            "override for the group",
            vec![list("ws", Override, wholesale(), "7.00")],
            1,
            ctx(&["wholesale"], None, None),
            "7.00",
            from("ws", Override),
        ),
        (
            "override not for others",
            vec![list("ws", Override, wholesale(), "7.00")],
            1,
            ctx(&["retail"], None, None),
            "10.00",
            PriceSource::Base,
        ),
        (
            "override applies even when higher",
            vec![list("ws", Override, wholesale(), "12.00")],
            1,
            ctx(&["wholesale"], None, None),
            "12.00",
            from("ws", Override),
        ),
        (
            "most specific override wins",
            vec![
                list("ws", Override, wholesale(), "7.00"),
                list("ws-app", Override, wholesale_app(), "6.50"),
            ],
            1,
            ctx(&["wholesale"], Some("app"), None),
            "6.50",
            from("ws-app", Override),
        ),
        (
            "less specific when the channel differs",
            vec![
                list("ws", Override, wholesale(), "7.00"),
                list("ws-app", Override, wholesale_app(), "6.50"),
            ],
            1,
            ctx(&["wholesale"], Some("web"), None),
            "7.00",
            from("ws", Override),
        ),
        (
            "equal specificity: higher priority",
            vec![
                list("a", Override, scope(), "8.00"),
                list("b", Override, scope(), "9.00").with_priority(5),
            ],
            1,
            ctx(&[], None, None),
            "9.00",
            from("b", Override),
        ),
        (
            "equal specificity and priority: smaller id",
            vec![
                list("b", Override, scope(), "9.00"),
                list("a", Override, scope(), "8.00"),
            ],
            1,
            ctx(&[], None, None),
            "8.00",
            from("a", Override),
        ),
        (
            "sale when lower",
            vec![list("sale", Sale, scope(), "8.00")],
            1,
            ctx(&[], None, None),
            "8.00",
            from("sale", Sale),
        ),
        (
            "sale ignored when higher",
            vec![list("sale", Sale, scope(), "11.00")],
            1,
            ctx(&[], None, None),
            "10.00",
            PriceSource::Base,
        ),
        (
            "sale under an override",
            vec![
                list("ws", Override, wholesale(), "7.00"),
                list("sale", Sale, scope(), "6.00"),
            ],
            1,
            ctx(&["wholesale"], None, None),
            "6.00",
            from("sale", Sale),
        ),
        (
            "sale above an override is ignored",
            vec![
                list("ws", Override, wholesale(), "7.00"),
                list("sale", Sale, scope(), "8.00"),
            ],
            1,
            ctx(&["wholesale"], None, None),
            "7.00",
            from("ws", Override),
        ),
        (
            "lowest of two sales",
            vec![
                list("s1", Sale, scope(), "9.00"),
                list("s2", Sale, scope(), "8.50"),
            ],
            1,
            ctx(&[], None, None),
            "8.50",
            from("s2", Sale),
        ),
        (
            "inside the validity window",
            vec![list("june", Sale, june(), "5.00")],
            1,
            ctx(&[], None, Some(1_500)),
            "5.00",
            from("june", Sale),
        ),
        (
            "at the window's end (exclusive)",
            vec![list("june", Sale, june(), "5.00")],
            1,
            ctx(&[], None, Some(2_000)),
            "10.00",
            PriceSource::Base,
        ),
        (
            "windowed list without a time",
            vec![list("june", Sale, june(), "5.00")],
            1,
            ctx(&[], None, None),
            "10.00",
            PriceSource::Base,
        ),
        (
            "minimum quantity reached",
            vec![list("bulk", Override, bulk(), "9.00")],
            10,
            ctx(&[], None, None),
            "9.00",
            from("bulk", Override),
        ),
        (
            "minimum quantity not reached",
            vec![list("bulk", Override, bulk(), "9.00")],
            9,
            ctx(&[], None, None),
            "10.00",
            PriceSource::Base,
        ),
        (
            "other currency never applies",
            vec![
                PriceList::new("usd", Override, PriceListScope::new(Currency::USD))
                    .with_price("TEE", Money::parse("1.00", Currency::USD).unwrap())
                    .unwrap(),
            ],
            1,
            ctx(&[], None, None),
            "10.00",
            PriceSource::Base,
        ),
    ];
    for (name, lists, qty, ctx, unit, source) in cases {
        let (got_unit, got_source) = unit_and_source(lists, qty, &ctx);
        assert_eq!(got_unit, eur(unit), "{name}");
        assert_eq!(got_source, source, "{name}");
    }
}

#[test]
fn list_tiers_and_validation() {
    let t = |q, p| TierBreak {
        min_qty: q,
        unit_price: eur(p),
    };
    let table = TierTable::new("TEE", TierMode::Volume, vec![t(1, "9.00"), t(5, "8.00")]).unwrap();
    let tiers = PriceList::new("tiers", PriceListKind::Override, scope())
        .with_tiers("TEE", table)
        .unwrap();
    let (unit, source) = unit_and_source(vec![tiers], 6, &PricingContext::default());
    assert_eq!(unit, eur("8.00"));
    assert_eq!(
        source,
        PriceSource::PriceList {
            id: "tiers".into(),
            list_kind: PriceListKind::Override,
            tier: Some((TierMode::Volume, 5)),
        }
    );

    let err = PriceList::new("x", PriceListKind::Sale, scope())
        .with_price("TEE", Money::parse("1.00", Currency::USD).unwrap())
        .unwrap_err();
    assert_eq!(err.code(), "currency_mismatch");
    let err = PriceList::new("x", PriceListKind::Sale, scope())
        .with_price("TEE", eur("-1.00"))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_amount");
    let mut book = PriceBook::new();
    book.add_price_list(PriceList::new("x", PriceListKind::Sale, scope()))
        .unwrap();
    let err = book
        .add_price_list(PriceList::new("x", PriceListKind::Sale, scope()))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_price_table");
    let err = book
        .add_price_list(PriceList::new("", PriceListKind::Sale, scope()))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_price_table");
}

#[test]
fn a_sale_list_can_price_a_product_without_a_base_price_in_the_currency() {
    let mut book = PriceBook::new();
    book.insert(ProductPrice::new(
        "TEE",
        Money::parse("12.00", Currency::USD).unwrap(),
    ))
    .unwrap();
    book.add_price_list(list("eu-sale", PriceListKind::Sale, scope(), "9.99"))
        .unwrap();
    let cart = Cart {
        currency: Currency::EUR,
        lines: vec![CartLine::new("TEE", 2)],
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
    assert_eq!(b.grand_total, eur("19.98"));
}
