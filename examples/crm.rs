//! The CRM half of the demo: a deterministic synthetic shop (600
//! customers shopping and browsing over a year), then its RFM groups,
//! three segments with their consenting email audiences, one customer's
//! 360 view and recommendations with their reasons.

use std::collections::BTreeMap;
use std::sync::Arc;

use kassa::cart::Address;
use kassa::catalog::{Category, Product, ProductStatus, SortedMap, Variant};
use kassa::customer::{BehaviourKind, Channel, RfmGroups, Touchpoint};
use kassa::engine::{CheckoutOptions, Engine, ManualClock, PricingSettings, SequentialIds};
use kassa::inventory::{StockKey, StockPolicy};
use kassa::order::{LineQty, Order, RefundMethod, ReturnItem, ReturnReason};
use kassa::payment::TestGateway;
use kassa::pricing::Timestamp;
use kassa::recommend::Reason;
use kassa::store::MemoryStore;
use kassa::{Currency, Money, Result};

const DAY: i64 = 86_400_000;
const CUSTOMERS: u64 = 600;

/// (product, category, price in cents)
const PRODUCTS: [(&str, &str, i64); 8] = [
    ("tee", "tops", 1_900),
    ("hoodie", "tops", 4_900),
    ("cap", "accessories", 1_500),
    ("socks", "accessories", 900),
    ("sneaker", "shoes", 8_900),
    ("boot", "shoes", 12_900),
    ("laces", "shoes", 400),
    ("tote", "accessories", 2_500),
];

/// Products often bought with each one (the pattern the model should find).
fn companion(product: usize) -> usize {
    match PRODUCTS[product].0 {
        "tee" => 2,     // cap
        "sneaker" => 3, // socks
        "boot" => 6,    // laces
        "hoodie" => 0,  // tee
        _ => 7,         // tote
    }
}

/// A small deterministic generator (a 64-bit LCG): the same shop every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % sides
    }
}

fn setup(engine: &Engine<MemoryStore>) -> Result<()> {
    for (id, parent) in [
        ("apparel", None),
        ("tops", Some("apparel")),
        ("shoes", Some("apparel")),
        ("accessories", Some("apparel")),
    ] {
        engine.put_category(Category {
            id: id.into(),
            name: id.into(),
            parent: parent.map(str::to_owned),
            position: 0,
        })?;
    }
    for (id, category, cents) in PRODUCTS {
        let mut p = Product::new(id, id);
        p.status = ProductStatus::Active;
        p.categories = vec![category.into()];
        let mut v = Variant::new(id.to_uppercase());
        v.prices = vec![Money::from_minor_units(cents, Currency::EUR)];
        p.variants.push(v);
        engine.create_product(p)?;
        let key = StockKey::new(id.to_uppercase(), "main");
        engine.configure_stock(&key, StockPolicy::Deny, None)?;
        // Boots sell out at the end of the year.
        let units = if id == "boot" { 0 } else { 100_000 };
        engine.adjust_stock(&key, units, "delivery")?;
    }
    engine.set_pricing(&PricingSettings::default(), None)?;
    Ok(())
}

fn checkout(
    engine: &Engine<MemoryStore>,
    customer: &str,
    products: &[usize],
    key: &str,
) -> Result<std::sync::Arc<Order>> {
    let (cart, mut v) = engine.create_cart(Currency::EUR, Some(customer))?;
    for &p in products {
        let sku = PRODUCTS[p].0.to_uppercase();
        v = engine
            .add_to_cart(&cart.id, v, &sku, 1, SortedMap::new())?
            .1;
    }
    engine.update_cart(&cart.id, v, |c, e| {
        let now = e.clock().now();
        c.set_shipping_address(Address::new("Customer", "1 Main St", "Berlin", "DE"), now)?;
        c.select_shipping("pickup", now)
    })?;
    engine.complete_checkout(
        &cart.id,
        key,
        &TestGateway::default(),
        &CheckoutOptions::default(),
    )
}

/// After an order: 1 in 50 is cancelled before shipping; the rest ship,
/// and 1 in 10 shipped orders sends its first line back (refunded to the
/// card, or as store credit every third time). Returns (cancelled,
/// returned) counts.
fn after_order(engine: &Engine<MemoryStore>, order: &Order, dice: &mut Dice) -> Result<(u64, u64)> {
    let (gateway, options) = (TestGateway::default(), CheckoutOptions::default());
    if dice.roll(50) == 0 {
        engine.cancel_order(
            &order.id,
            "customer changed their mind",
            "staff:demo",
            &gateway,
            &options,
        )?;
        return Ok((1, 0));
    }
    let all: Vec<LineQty> = order
        .lines
        .iter()
        .enumerate()
        .map(|(line, l)| LineQty { line, qty: l.qty })
        .collect();
    engine.fulfil_order(&order.id, &all, Some("DHL"), None, "staff:demo")?;
    if dice.roll(10) != 0 {
        return Ok((0, 0));
    }
    let item = ReturnItem {
        line: 0,
        qty: 1,
        reason: ReturnReason::SizeOrFit,
        note: None,
    };
    let ret = engine.request_return(&order.id, &[item], "customer")?;
    engine.approve_return(&ret.id, "staff:demo")?;
    engine.receive_return(&ret.id, &[true], "staff:demo")?;
    let method = if dice.roll(3) == 0 {
        RefundMethod::StoreCredit
    } else {
        RefundMethod::OriginalPayment
    };
    engine.refund_return(&ret.id, method, "staff:demo", &gateway, &options)?;
    Ok((0, 1))
}

/// Builds the synthetic year; returns the customer ids.
fn simulate(engine: &Engine<MemoryStore>, clock: &ManualClock) -> Result<Vec<String>> {
    let mut dice = Dice(2026);
    let mut ids = Vec::new();
    for i in 0..CUSTOMERS {
        let consent = dice.roll(10) < 6;
        let (c, _) = engine.create_customer(|c| {
            c.name = format!("Customer {i}");
            c.set_email(Some(&format!("customer{i}@example.com")))?;
            if consent {
                c.consent.grant(Channel::Email, "checkout", Timestamp(0))?;
            }
            Ok(())
        })?;
        ids.push(c.id);
    }
    // Each customer has a habit: how often they shop (every 20 to 200
    // days) and when they stop (some leave during the year).
    let habits: Vec<(u64, u64)> = (0..CUSTOMERS)
        .map(|_| (20 + dice.roll(180), 120 + dice.roll(300)))
        .collect();
    let (mut orders, mut cancelled, mut returned) = (0, 0, 0);
    for day in 0..365u64 {
        clock.set(Timestamp(i64::try_from(day).unwrap_or(0) * DAY));
        for (i, id) in ids.iter().enumerate() {
            let (every, stops) = habits[i];
            if day > stops || !(day + i as u64).is_multiple_of(every) {
                continue;
            }
            let first = dice.roll(PRODUCTS.len() as u64) as usize;
            engine.record_behaviour(
                id,
                Touchpoint::Web,
                BehaviourKind::ProductViewed {
                    product: PRODUCTS[first].0.into(),
                },
            )?;
            engine.record_behaviour(
                id,
                Touchpoint::Web,
                BehaviourKind::ProductViewed {
                    product: PRODUCTS[companion(first)].0.into(),
                },
            )?;
            // Most visits end in an order, often with the companion.
            if dice.roll(10) < 7 && PRODUCTS[first].0 != "boot" {
                let mut basket = vec![first];
                if dice.roll(10) < 6 && PRODUCTS[companion(first)].0 != "boot" {
                    basket.push(companion(first));
                }
                orders += 1;
                let order = checkout(engine, id, &basket, &format!("order-{orders}"))?;
                let (c, r) = after_order(engine, &order, &mut dice)?;
                cancelled += c;
                returned += r;
            }
        }
    }
    while engine.refresh_customer_metrics(10_000)? > 0 {}
    println!(
        "   {CUSTOMERS} customers, {orders} orders over 365 days ({cancelled} cancelled, {returned} with a return)"
    );
    Ok(ids)
}

/// Runs the CRM demo on an in-memory store.
pub fn run() -> Result<()> {
    println!("\n== Customers and CRM (a synthetic year, the same every run)");
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    setup(&engine)?;
    let ids = simulate(&engine, &clock)?;

    let scores = engine.compute_rfm(Currency::EUR, &RfmGroups::default())?;
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for s in &scores {
        *groups.entry(s.group.clone()).or_insert(0) += 1;
    }
    println!("-- RFM groups over {} customers with orders", scores.len());
    for (group, n) in &groups {
        println!("   {group:<15} {n}");
    }

    println!("-- Segments (members; of them with email consent)");
    for (id, rule) in [
        (
            "win_back",
            "order_count >= 1 and days_since_last_order > 90",
        ),
        ("big_spenders", "total_spent >= 300"),
        ("returners", "return_rate >= 0.25 and order_count >= 2"),
        (
            "shoe_browsers",
            r#"viewed(category: "shoes", within: 30d) and not purchased(category: "shoes", within: 30d)"#,
        ),
    ] {
        engine.put_segment(id, rule)?;
        let members = engine.segment_members(id, Currency::EUR)?;
        let audience = engine.marketing_audience(id, Channel::Email, Currency::EUR)?;
        println!(
            "   {id:<14} {:>4}; {:>4}   {rule}",
            members.len(),
            audience.len()
        );
    }

    let champion = scores
        .iter()
        .find(|s| s.group == "champions")
        .map_or_else(|| ids[0].clone(), |s| s.customer.clone());
    let view = engine.customer_view(&champion, Currency::EUR)?;
    println!("-- Customer 360: {}", view.profile.name);
    println!(
        "   {} orders, {} spent, stage {}, RFM {}, segments {:?}",
        view.metrics.orders,
        view.metrics.total_spent(Currency::EUR),
        view.stage,
        view.metrics.rfm.as_ref().map_or("-", |r| r.group.as_str()),
        view.segments
    );
    println!(
        "   favourite categories {:?}; churn risk {}; next order expected on day {}",
        view.favourite_categories,
        view.churn_risk,
        view.predicted_next_order.map_or(-1, |t| t.0 / DAY)
    );
    println!(
        "   email consent: {}; last orders: {:?}",
        view.profile.consent.allows(Channel::Email),
        view.orders
            .iter()
            .take(3)
            .map(|o| format!("#{} {}", o.number, o.status.as_str()))
            .collect::<Vec<_>>()
    );
    println!(
        "   returns: {} ({} units, return rate {:.2}); store credit {}",
        view.returns.len(),
        view.metrics.units_returned,
        view.metrics.return_rate(),
        view.store_credit.balance(Currency::EUR)
    );

    println!("-- Recommendations");
    for product in ["tee", "sneaker"] {
        let related: Vec<String> = engine
            .frequently_bought_together(product, 3)
            .into_iter()
            .map(|r| format!("{} (lift {}, {} orders)", r.product, r.lift, r.together))
            .collect();
        println!("   bought with {product}: {}", related.join(", "));
    }
    for r in engine.recommendations_for(&champion, 3)? {
        let why: Vec<String> = r
            .reasons
            .iter()
            .map(|reason| match reason {
                Reason::BoughtTogether { with, .. } => format!("bought with {with}"),
                Reason::AlsoViewed { with, .. } => format!("viewed with {with}"),
                Reason::TopSeller { units } => format!("top seller ({units} sold in 30 days)"),
            })
            .collect();
        println!(
            "   for {}: {} because {}",
            view.profile.name,
            r.product,
            why.join("; ")
        );
    }
    Ok(())
}
