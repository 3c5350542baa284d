//! Digital-only carts: an address but no shipping step; a cart with a
//! line to ship cannot skip it, and checkout refuses one that did.

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::checkout::CheckoutState;
use kassa::engine::{CheckoutOptions, Engine};
use kassa::inventory::{StockKey, StockPolicy};
use kassa::payment::TestGateway;
use kassa::pricing::{ShippingMethod, ShippingRate};
use kassa::store::MemoryStore;
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

/// Tees (shipped, 20.00) and an e-book (digital, 9.00, not stocked), with
/// one shipping method at 4.90.
fn shop() -> Engine<MemoryStore> {
    let engine = kassa::testing::fixtures::memory_engine();
    tee_shop(&engine, 10, None).unwrap();
    let mut ebook = Product::new("ebook", "E-book");
    ebook.status = ProductStatus::Active;
    let mut v = Variant::new("EBOOK");
    v.prices = vec![eur(900)];
    v.digital = true;
    ebook.variants.push(v);
    engine.create_product(ebook).unwrap();
    engine
        .configure_stock(
            &StockKey::new("EBOOK", "main"),
            StockPolicy::NotTracked,
            None,
        )
        .unwrap();
    let (mut settings, version) = engine.pricing().unwrap();
    settings.shipping_methods = vec![ShippingMethod::new(
        "dhl",
        ShippingRate::Flat { price: eur(490) },
    )];
    engine.set_pricing(&settings, Some(version)).unwrap();
    engine
}

fn addressed(engine: &Engine<MemoryStore>, skus: &[&str]) -> (String, u64) {
    let (cart, mut v) = engine.create_cart(Currency::EUR, None).unwrap();
    for sku in skus {
        v = engine
            .add_to_cart(&cart.id, v, sku, 1, SortedMap::new())
            .unwrap()
            .1;
    }
    let (_, v) = engine
        .set_cart_address(&cart.id, v, Address::new("Ada", "1 Rue", "Paris", "FR"))
        .unwrap();
    (cart.id.to_string(), v)
}

#[test]
fn a_digital_cart_checks_out_without_shipping() {
    let engine = shop();
    let (id, v) = addressed(&engine, &["EBOOK"]);
    let (cart, _) = engine.skip_shipping(&id, v).unwrap();
    assert_eq!(cart.checkout, CheckoutState::ShippingSelected);
    assert_eq!(cart.shipping_method, None);
    let priced = engine.price_cart(&id).unwrap();
    assert!(priced.shipping.is_none());
    assert_eq!(priced.grand_total, eur(900));
    let order = engine
        .complete_checkout(
            &id,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (order.grand_total, order.shipping_method.clone()),
        (eur(900), None)
    );
}

#[test]
fn a_cart_with_a_line_to_ship_cannot_skip_shipping() {
    let engine = shop();
    let (id, v) = addressed(&engine, &["EBOOK", "TEE"]);
    let err = engine.skip_shipping(&id, v).unwrap_err();
    assert_eq!(err.code(), "shipping_unavailable");
    assert!(err.to_string().contains("TEE"), "{err}");
    let (cart, version) = engine.cart(&id).unwrap();
    assert_eq!((cart.checkout, version), (CheckoutState::Addressed, v));
    // Skipped through the pure cart (as a host could), checkout refuses it.
    let (_, _) = engine
        .update_cart(&id, v, |c, e| c.skip_shipping(e.clock().now()))
        .unwrap();
    let err = engine
        .complete_checkout(
            &id,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "shipping_unavailable");
    // Choosing the method afterwards works: 29.00 + 4.90.
    let (_, v) = engine.cart(&id).unwrap();
    let (_, _) = engine
        .update_cart(&id, v, |c, e| c.select_shipping("dhl", e.clock().now()))
        .unwrap();
    let order = engine
        .complete_checkout(
            &id,
            "k2",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    assert_eq!(order.grand_total, eur(3_390));
}

#[test]
fn adding_a_line_to_a_digital_cart_reopens_the_shipping_step() {
    let engine = shop();
    let (id, v) = addressed(&engine, &["EBOOK"]);
    let (_, v) = engine.skip_shipping(&id, v).unwrap();
    let (cart, _) = engine
        .add_to_cart(&id, v, "TEE", 1, SortedMap::new())
        .unwrap();
    assert_eq!(cart.checkout, CheckoutState::Addressed);
}
