//! The checkout figures' shops, shared by `benches/checkout.rs` and
//! `examples/profile_checkout.rs`: a 5-SKU shop for whole checkouts and
//! the pricing fixture's 50 SKUs, 20 promotions and a 50-line cart for
//! re-pricing.

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{CheckoutOptions, Engine, PricingSettings};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

/// How many whole checkouts one store takes before the bench replaces it
/// (untimed): one second's worth at the target of 50,000 a second. A
/// store that keeps growing for the whole run (some 250,000 orders, 1.7
/// GB) measures the VM's cost of faulting in fresh memory and of TLB
/// misses under nested paging more than the checkout: see
/// benches/README.md, "store size".
pub const ORDERS_PER_STORE: u64 = 50_000;

/// A shop of 5 active SKUs with plenty of stock.
pub fn shop() -> Engine<MemoryStore> {
    let engine = Engine::in_memory();
    for i in 0..5 {
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("SKU-{i}"));
        v.prices = vec![Money::from_minor_units(1000 + 250 * i, Currency::USD)];
        p.variants.push(v);
        engine.create_product(p).expect("product");
        let key = StockKey::new(format!("SKU-{i}"), "main");
        engine
            .adjust_stock(&key, 1_000_000_000, "bench")
            .expect("stock");
    }
    engine
        .set_pricing(&PricingSettings::default(), None)
        .expect("settings");
    engine
}

/// The shop's SKUs (the whole checkout names them as a host would, not by
/// formatting them anew each time).
const SKUS: [&str; 5] = ["SKU-0", "SKU-1", "SKU-2", "SKU-3", "SKU-4"];

/// Create a cart, add 5 lines, set the address and shipping, complete.
pub fn checkout(engine: &Engine<MemoryStore>, gateway: &TestGateway, n: u64) -> kassa::Result<u64> {
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    for (i, sku) in (0..).zip(SKUS) {
        v = engine
            .add_to_cart(&cart.id, v, sku, 1 + i, SortedMap::new())?
            .1;
    }
    let address = Address::new("Ada", "1 Main St", "Springfield", "US");
    engine.update_cart(&cart.id, v, |c, e| {
        let now = e.clock().now();
        c.set_shipping_address(address, now)?;
        c.select_shipping("pickup", now)
    })?;
    let key = format!("bench-{n}");
    let order = engine.complete_checkout(&cart.id, &key, gateway, &CheckoutOptions::default())?;
    Ok(order.number)
}

/// A shop selling the 50 SKUs of the pricing fixture (same prices, tags
/// and tax categories), its 20 promotions and two tax rates as the pricing
/// settings, and a cart holding all 50 lines.
pub fn repricing_shop() -> kassa::Result<(Engine<MemoryStore>, String, u64, Vec<String>)> {
    let fixture = crate::fixture(50, 20);
    let engine = Engine::in_memory();
    for (i, line) in fixture.cart.lines.iter().enumerate() {
        let price = fixture.book.get(&line.sku).expect("fixture SKU");
        let mut p = Product::new(format!("p{i}"), format!("Product {i}"));
        p.status = ProductStatus::Active;
        p.tags = price.tags.clone();
        p.tax_category = price.tax_category.clone();
        let mut v = Variant::new(&*line.sku);
        v.prices = price.prices.clone();
        p.variants.push(v);
        engine.create_product(p)?;
    }
    let settings = PricingSettings {
        promotions: fixture.promotions.clone(),
        tax: Some(fixture.tax.clone()),
        ..PricingSettings::default()
    };
    engine.set_pricing(&settings, None)?;
    let (cart, mut v) = engine.create_cart(Currency::USD, Some("bench"))?;
    for line in &fixture.cart.lines {
        v = engine
            .add_to_cart(&cart.id, v, &line.sku, line.qty, SortedMap::new())?
            .1;
    }
    let (cart, _) = engine.cart(&cart.id)?;
    let lines = cart.lines.iter().map(|l| l.id.to_string()).collect();
    Ok((engine, cart.id.to_string(), v, lines))
}
