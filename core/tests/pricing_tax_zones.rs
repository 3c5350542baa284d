//! Tax zones: the rate follows the destination, region before country
//! before the store default.

use std::collections::BTreeMap;

use kassa::money::Rate;
use kassa::pricing::{
    price, Cart, CartLine, PriceBook, PricingContext, PricingInput, ProductPrice, TaxConfig,
    TaxLocation, TaxZone,
};
use kassa::{Currency, Money, RoundingMode};

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn rates(pairs: &[(&str, &str)]) -> BTreeMap<String, Rate> {
    pairs
        .iter()
        .map(|(c, r)| (c.to_string(), Rate::parse(r).unwrap()))
        .collect()
}

#[test]
fn destination_picks_the_rate() {
    let config = TaxConfig {
        rates: rates(&[("general", "0.05"), ("clothing", "0.05")]),
        zones: vec![
            TaxZone {
                country: "US".into(),
                region: None,
                rates: rates(&[("general", "0.00"), ("clothing", "0.00")]),
            },
            TaxZone {
                country: "US".into(),
                region: Some("CA".into()),
                rates: rates(&[("general", "0.0725")]),
            },
            TaxZone {
                country: "US".into(),
                region: Some("NY".into()),
                rates: rates(&[("general", "0.04"), ("clothing", "0.00")]),
            },
        ],
        ..TaxConfig::default()
    };
    let mut book = PriceBook::new();
    let mut lamp = ProductPrice::new("LAMP", usd("100.00"));
    lamp.tax_category = Some("general".into());
    let mut coat = ProductPrice::new("COAT", usd("200.00"));
    coat.tax_category = Some("clothing".into());
    book.insert(lamp).unwrap();
    book.insert(coat).unwrap();
    let cart = Cart {
        currency: Currency::USD,
        lines: vec![CartLine::new("LAMP", 1), CartLine::new("COAT", 1)],
    };
    let at = |country: &str, region: Option<&str>| {
        Some(TaxLocation {
            country: country.into(),
            region: region.map(str::to_owned),
        })
    };
    let cases = [
        (None, "5.00", "10.00"),                // store default
        (at("US", Some("CA")), "7.25", "0.00"), // CA lists general; clothing from the US zone
        (at("US", Some("NY")), "4.00", "0.00"),
        (at("US", Some("TX")), "0.00", "0.00"), // no TX zone: the US zone
        (at("US", None), "0.00", "0.00"),
        (at("FR", None), "5.00", "10.00"), // no zone: store default
    ];
    for (location, lamp_tax, coat_tax) in cases {
        let ctx = PricingContext {
            tax_location: location.clone(),
            ..PricingContext::default()
        };
        let b = price(&PricingInput {
            prices: &book,
            cart: &cart,
            promotions: &[],
            tax: Some(&config),
            rounding_mode: RoundingMode::HalfEven,
            context: &ctx,
            shipping: None,
        })
        .unwrap();
        assert_eq!(b.lines[0].tax, usd(lamp_tax), "{location:?}");
        assert_eq!(b.lines[1].tax, usd(coat_tax), "{location:?}");
    }
}
