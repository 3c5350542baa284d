//! Recommendations through the engine: models learned from orders and
//! views, the same after a rebuild, explained, and never suggesting what
//! was bought or cannot be sold.

use std::sync::Arc;

use kassa::cart::Address;
use kassa::catalog::{Category, Product, ProductStatus, SortedMap, Variant};
use kassa::customer::{BehaviourKind, Touchpoint};
use kassa::engine::{CheckoutOptions, Engine, ManualClock, PricingSettings, SequentialIds};
use kassa::inventory::{StockKey, StockPolicy};
use kassa::payment::TestGateway;
use kassa::pricing::Timestamp;
use kassa::recommend::Reason;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

const DAY: i64 = 86_400_000;

fn shop() -> (Engine<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp(100 * DAY)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    engine
        .put_category(Category {
            id: "wear".into(),
            name: "Wear".into(),
            parent: None,
            position: 0,
        })
        .unwrap();
    for (id, stock) in [
        ("tee", 100),
        ("cap", 100),
        ("sock", 100),
        ("boot", 100),
        ("lace", 0),
    ] {
        let mut p = Product::new(id, id);
        p.status = ProductStatus::Active;
        if id != "boot" {
            p.categories = vec!["wear".into()];
        }
        let mut v = Variant::new(id.to_uppercase());
        v.prices = vec![Money::from_minor_units(1_000, Currency::EUR)];
        p.variants.push(v);
        engine.create_product(p).unwrap();
        let key = StockKey::new(id.to_uppercase(), "main");
        engine
            .configure_stock(&key, StockPolicy::Deny, None)
            .unwrap();
        engine.adjust_stock(&key, stock, "delivery").unwrap();
    }
    engine
        .set_pricing(&PricingSettings::default(), None)
        .unwrap();
    (engine, clock)
}

fn buy(engine: &Engine<MemoryStore>, customer: &str, skus: &[&str], key: &str) {
    let (cart, mut v) = engine.create_cart(Currency::EUR, Some(customer)).unwrap();
    for sku in skus {
        v = engine
            .add_to_cart(&cart.id, v, sku, 1, SortedMap::new())
            .unwrap()
            .1;
    }
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("A", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    engine
        .complete_checkout(
            &cart.id,
            key,
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
}

#[test]
fn models_learn_from_orders_and_views_and_explain_themselves() {
    let (engine, _) = shop();
    buy(&engine, "u1", &["TEE", "CAP"], "1");
    buy(&engine, "u2", &["TEE", "CAP"], "2");
    buy(&engine, "u3", &["TEE", "SOCK"], "3");
    buy(&engine, "u4", &["TEE", "SOCK", "CAP"], "4");
    buy(&engine, "u5", &["BOOT"], "5");
    for who in ["u1", "u2"] {
        for product in ["boot", "lace"] {
            engine
                .record_behaviour(
                    who,
                    Touchpoint::Web,
                    BehaviourKind::ProductViewed {
                        product: product.into(),
                    },
                )
                .unwrap();
        }
    }
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    let fbt: Vec<(String, u64)> = engine
        .frequently_bought_together("tee", 5)
        .into_iter()
        .map(|r| (r.product, r.together))
        .collect();
    // tee in 4 orders, cap in 3 (3 with tee), sock in 2 (2 with tee): both
    // have lift 1.25; cap shares more orders.
    assert_eq!(fbt, [("cap".to_string(), 3), ("sock".to_string(), 2)]);
    assert_eq!(engine.also_viewed("boot", 5)[0].product, "lace");
    assert_eq!(
        engine.top_sellers(None, Some(7), 2).unwrap(),
        [("tee".to_string(), 4), ("cap".to_string(), 3)]
    );
    assert_eq!(
        engine.top_sellers(None, None, 10).unwrap().len(),
        4,
        "tee, cap, sock and boot sold"
    );
    let wear: Vec<String> = engine
        .top_sellers(Some("wear"), None, 10)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(wear, ["tee", "cap", "sock"], "boot is not in wear");

    // u3 bought tee and sock; viewed boot; lace has no stock.
    engine
        .record_behaviour(
            "u3",
            Touchpoint::Web,
            BehaviourKind::ProductViewed {
                product: "boot".into(),
            },
        )
        .unwrap();
    let mine = engine.recommendations_for("u3", 10).unwrap();
    let products: Vec<&str> = mine.iter().map(|r| r.product.as_str()).collect();
    assert!(
        !products.contains(&"tee") && !products.contains(&"sock"),
        "already bought: {products:?}"
    );
    assert!(!products.contains(&"lace"), "out of stock: {products:?}");
    assert_eq!(products[0], "cap");
    assert!(mine[0]
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::BoughtTogether { with, .. } if with == "tee")));
    assert!(mine[0]
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::TopSeller { units: 3 })));

    // A rebuild from the store gives the same answers.
    let before = engine.frequently_bought_together("tee", 5);
    assert_eq!(engine.rebuild_recommendations().unwrap(), 5);
    assert_eq!(engine.frequently_bought_together("tee", 5), before);
    assert_eq!(engine.also_viewed("boot", 5)[0].product, "lace");
}

#[test]
fn periods_age_out_of_top_sellers() {
    let (engine, clock) = shop();
    buy(&engine, "u1", &["TEE"], "1");
    clock.advance(10 * DAY);
    buy(&engine, "u2", &["CAP"], "2");
    engine.refresh_customer_metrics(1_000).unwrap();
    let week: Vec<String> = engine
        .top_sellers(None, Some(7), 10)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(week, ["cap"]);
}
