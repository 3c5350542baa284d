//! A cart's shipping choice is checked against the shop's methods and the
//! cart's country: never priced as free by mistake.

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::pricing::{ShippingMethod, ShippingRate};
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

/// A mug at 10.00, DHL at 4.90 to Germany and Austria only, UPS at 9.90
/// everywhere, and a cart of one mug addressed to `country` that chose
/// `method`.
fn cart_to(country: &str, method: &str) -> (Engine<MemoryStore>, String) {
    let engine = Engine::in_memory();
    let mut mug = Product::new("mug", "Mug");
    mug.status = ProductStatus::Active;
    let mut v = Variant::new("MUG");
    v.prices = vec![eur(1_000)];
    mug.variants.push(v);
    engine.create_product(mug).unwrap();
    engine
        .adjust_stock(&StockKey::new("MUG", "main"), 5, "delivery")
        .unwrap();
    let settings = PricingSettings {
        shipping_methods: vec![
            ShippingMethod::new("dhl", ShippingRate::Flat { price: eur(490) })
                .only_to(["DE", "AT"]),
            ShippingMethod::new("ups", ShippingRate::Flat { price: eur(990) }),
        ],
        ..PricingSettings::default()
    };
    engine.set_pricing(&settings, None).unwrap();
    let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "MUG", 1, SortedMap::new())
        .unwrap();
    let address = Address::new("Ada", "1 Main St", "Town", country);
    let method = method.to_owned();
    engine
        .update_cart(&cart.id, v, move |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(address, now)?;
            c.select_shipping(&method, now)
        })
        .unwrap();
    (engine, cart.id.to_string())
}

#[test]
fn a_method_ships_only_where_it_says_and_only_the_shops_methods_count() {
    let (engine, cart) = cart_to("DE", "dhl");
    assert_eq!(engine.price_cart(&cart).unwrap().grand_total, eur(1_490));
    let options: Vec<(String, Money)> = engine
        .shipping_options(&cart)
        .unwrap()
        .into_iter()
        .map(|o| (o.method, o.grand_total))
        .collect();
    assert_eq!(
        options,
        [("dhl".into(), eur(1_490)), ("ups".into(), eur(1_990))]
    );

    let (engine, cart) = cart_to("FR", "dhl");
    let err = engine.price_cart(&cart).unwrap_err();
    assert_eq!(err.code(), "shipping_unavailable");
    assert!(err.to_string().contains("not to FR"), "{err}");
    // Checkout refuses it too, and places nothing.
    let refused = engine
        .complete_checkout(
            &cart,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap_err();
    assert_eq!(refused.code(), "shipping_unavailable");
    let stock = engine
        .stock(&StockKey::new("MUG", "main"))
        .unwrap()
        .unwrap();
    assert_eq!((stock.level.reserved, stock.level.committed), (0, 0));
    let only_ups: Vec<String> = engine
        .shipping_options(&cart)
        .unwrap()
        .into_iter()
        .map(|o| o.method)
        .collect();
    assert_eq!(only_ups, ["ups"]);

    // A method the shop does not have is not free shipping.
    let (engine, cart) = cart_to("DE", "pickup");
    let err = engine.price_cart(&cart).unwrap_err();
    assert_eq!(err.code(), "shipping_unavailable");
    assert!(err.to_string().contains(r#"["dhl", "ups"]"#), "{err}");
}
