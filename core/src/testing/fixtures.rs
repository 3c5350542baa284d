//! Small shops for tests and benchmarks of any store: a tee with stock,
//! a 10 % coupon, and carts ready to complete.

use super::conformance::run;
use crate::cart::Address;
use crate::catalog::{Product, ProductStatus, SortedMap, Variant};
use crate::coupon::CouponUsage;
use crate::engine::{Engine, PricingSettings};
use crate::inventory::StockKey;
use crate::money::{Currency, Money, Rate};
use crate::pricing::{Action, Promotion};
use crate::store::Store;

/// An engine over a fresh memory store, with a manual clock standing at
/// 1,000 ms and sequential ids: deterministic times and ids for tests.
pub fn memory_engine() -> Engine<crate::store::MemoryStore> {
    Engine::new(
        crate::store::MemoryStore::new(),
        std::sync::Arc::new(crate::engine::ManualClock::new(crate::pricing::Timestamp(
            1_000,
        ))),
        std::sync::Arc::new(crate::engine::SequentialIds::default()),
    )
}

/// Sets up `engine` with product `tee` (SKU `TEE`, 20.00 EUR), `units` of
/// it at location `main`, and the coupon `SAVE10` (10 % off the order)
/// limited to `coupon_limit` uses.
///
/// # Errors
///
/// What failed, as text.
pub fn tee_shop<S: Store>(
    engine: &Engine<S>,
    units: i64,
    coupon_limit: Option<u64>,
) -> std::result::Result<(), String> {
    let mut tee = Product::new("tee", "Tee");
    tee.status = ProductStatus::Active;
    let mut v = Variant::new("TEE");
    v.prices = vec![Money::from_minor_units(2000, Currency::EUR)];
    tee.variants.push(v);
    run(engine.create_product(tee), "create product")?;
    run(
        engine.adjust_stock(&StockKey::new("TEE", "main"), units, "delivery"),
        "stock",
    )?;
    let rate = run(Rate::parse("0.10"), "rate")?;
    let mut promo = Promotion::new("save-10", 1, Action::OrderPercent { value: rate });
    promo.coupon_code = Some("SAVE10".into());
    promo.coupon_usage = Some(CouponUsage::new("SAVE10", coupon_limit, None));
    let settings = PricingSettings {
        promotions: vec![promo],
        ..PricingSettings::default()
    };
    run(engine.set_pricing(&settings, None), "pricing")?;
    Ok(())
}

/// A cart of customer `alice` with `qty` tees, an address and a shipping
/// choice; `coupon` enters SAVE10. Returns its id.
///
/// # Errors
///
/// What failed, as text.
pub fn ready_cart<S: Store>(
    engine: &Engine<S>,
    qty: u64,
    coupon: bool,
) -> std::result::Result<String, String> {
    ready_cart_for(engine, "alice", qty, coupon)
}

/// [`ready_cart`] for customer `customer`.
///
/// # Errors
///
/// The failing step.
pub fn ready_cart_for<S: Store>(
    engine: &Engine<S>,
    customer: &str,
    qty: u64,
    coupon: bool,
) -> std::result::Result<String, String> {
    let (cart, v) = run(
        engine.create_cart(Currency::EUR, Some(customer)),
        "create cart",
    )?;
    let (_, v) = run(
        engine.add_to_cart(&cart.id, v, "TEE", qty, SortedMap::new()),
        "add",
    )?;
    let address = Address::new("Alice", "1 Main St", "Berlin", "DE");
    run(
        engine.update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(address, now)?;
            if coupon {
                c.add_coupon("SAVE10", now)?;
            }
            c.select_shipping("pickup", now)
        }),
        "address and shipping",
    )?;
    Ok(String::from(&*cart.id))
}
