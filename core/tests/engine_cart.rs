//! Carts through the engine: versioned saves, catalog snapshots, pricing
//! through the kernel with the catalog's data, revalidation, events.

use std::collections::BTreeMap;
use std::sync::Arc;

use kassa::cart::{Address, CartWarning};
use kassa::catalog::{Category, Product, ProductStatus, SortedMap, Variant};
use kassa::engine::{Engine, ManualClock, PricingSettings, SequentialIds};
use kassa::inventory::StockKey;
use kassa::money::Rate;
use kassa::pricing::{Action, Promotion, Target, TaxConfig, TaxZone, Timestamp};
use kassa::store::{EventKind, MemoryStore};
use kassa::{Currency, Money};

fn eur(s: &str) -> Money {
    Money::parse(s, Currency::EUR).unwrap()
}

fn shop() -> Engine<MemoryStore> {
    let engine = Engine::new(
        MemoryStore::new(),
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(SequentialIds::default()),
    );
    for (id, parent) in [("apparel", None), ("tees", Some("apparel")), ("home", None)] {
        engine
            .put_category(Category {
                id: id.into(),
                name: id.into(),
                parent: parent.map(Into::into),
                position: 0,
            })
            .unwrap();
    }
    for (id, sku, price, category, tax) in [
        ("tee", "TEE-M", "20.00", "tees", "standard"),
        ("mug", "MUG", "10.00", "home", "reduced"),
    ] {
        let mut p = Product::new(id, id);
        p.status = ProductStatus::Active;
        p.categories = vec![category.into()];
        p.tax_category = Some(tax.into());
        let mut v = Variant::new(sku);
        v.prices = vec![eur(price)];
        p.variants.push(v);
        engine.create_product(p).unwrap();
        engine
            .adjust_stock(&StockKey::new(sku, "main"), 5, "delivery")
            .unwrap();
    }
    let rate = |r: &str| Rate::parse(r).unwrap();
    let settings = PricingSettings {
        promotions: vec![Promotion::new(
            "apparel-10",
            1,
            Action::LinePercent {
                value: rate("0.10"),
            },
        )
        .with_target(Target {
            categories: vec!["apparel".into()],
            ..Target::default()
        })],
        tax: Some(TaxConfig {
            rates: BTreeMap::from([
                ("standard".into(), rate("0.19")),
                ("reduced".into(), rate("0.07")),
            ]),
            zones: vec![TaxZone {
                country: "AT".into(),
                region: None,
                rates: BTreeMap::from([("standard".into(), rate("0.20"))]),
            }],
            ..TaxConfig::default()
        }),
        ..PricingSettings::default()
    };
    engine.set_pricing(&settings, None).unwrap();
    engine
}

#[test]
fn a_cart_is_priced_from_the_catalog_and_the_settings() {
    let engine = shop();
    let (cart, v) = engine.create_cart(Currency::EUR, Some("alice")).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE-M", 2, SortedMap::new())
        .unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "MUG", 1, SortedMap::new())
        .unwrap();
    let (cart, _) = engine
        .set_cart_address(
            &cart.id,
            v,
            Address::new("Alice", "1 Main St", "Berlin", "DE"),
        )
        .unwrap();
    // The promotion targets "apparel"; the tee is in "tees" below it.
    let b = engine.price_cart(&cart.id).unwrap();
    let shown = |m: Money| m.to_string();
    assert_eq!(
        (
            shown(b.subtotal),
            shown(b.discount_total),
            shown(b.tax_total),
            shown(b.grand_total)
        ),
        ("50.00".into(), "4.00".into(), "7.54".into(), "53.54".into())
    );
    // Shipped to Austria, the tee takes the zone's 20 %; the mug keeps 7 %.
    let (_, v) = engine.cart(&cart.id).unwrap();
    engine
        .set_cart_address(&cart.id, v, Address::new("Alice", "1 Ring", "Wien", "AT"))
        .unwrap();
    let b = engine.price_cart(&cart.id).unwrap();
    assert_eq!(
        (shown(b.tax_total), shown(b.grand_total)),
        ("7.90".into(), "53.90".into())
    );
}

#[test]
fn stale_and_bad_writes_change_nothing() {
    let engine = shop();
    let (cart, v1) = engine.create_cart(Currency::EUR, None).unwrap();
    let (_, v2) = engine
        .add_to_cart(&cart.id, v1, "TEE-M", 1, SortedMap::new())
        .unwrap();
    let stale = engine
        .add_to_cart(&cart.id, v1, "MUG", 1, SortedMap::new())
        .unwrap_err();
    assert_eq!(stale.code(), "concurrent_modification");
    for (sku, qty, code) in [("NOPE", 1, "unknown_sku"), ("MUG", 0, "invalid_quantity")] {
        let err = engine
            .add_to_cart(&cart.id, v2, sku, qty, SortedMap::new())
            .unwrap_err();
        assert_eq!(err.code(), code);
    }
    let (mut draft, dv) = engine
        .product("mug")
        .map(|(p, v)| ((*p).clone(), v))
        .unwrap();
    draft.status = ProductStatus::Draft;
    engine.update_product(draft, dv).unwrap();
    assert_eq!(
        engine
            .add_to_cart(&cart.id, v2, "MUG", 1, SortedMap::new())
            .unwrap_err()
            .code(),
        "invalid_transition"
    );
    assert_eq!(
        engine
            .add_to_cart("nope", 1, "TEE-M", 1, SortedMap::new())
            .unwrap_err()
            .code(),
        "unknown_cart"
    );
    let (now, v) = engine.cart(&cart.id).unwrap();
    assert_eq!((v, now.lines.len(), now.lines[0].qty), (v2, 1, 1));
    // Events: created, then one update; refused writes recorded nothing.
    let carts: Vec<String> = engine
        .events_since(0, 100)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::CartCreated { .. } => Some("created".to_owned()),
            EventKind::CartUpdated { version, .. } => Some(format!("updated v{version}")),
            _ => None,
        })
        .collect();
    assert_eq!(carts, ["created", "updated v2"]);
}

#[test]
fn revalidation_sees_price_stock_and_status_changes() {
    let engine = shop();
    let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE-M", 4, SortedMap::new())
        .unwrap();
    engine
        .add_to_cart(&cart.id, v, "MUG", 1, SortedMap::new())
        .unwrap();
    assert!(engine.revalidate_cart(&cart.id).unwrap().is_empty());
    let (mut tee, tv) = engine
        .product("tee")
        .map(|(p, v)| ((*p).clone(), v))
        .unwrap();
    tee.variants[0].prices = vec![eur("22.00")];
    engine.update_product(tee, tv).unwrap();
    engine
        .reserve(&StockKey::new("TEE-M", "main"), 2, 60_000)
        .unwrap();
    let (mut mug, mv) = engine
        .product("mug")
        .map(|(p, v)| ((*p).clone(), v))
        .unwrap();
    mug.status = ProductStatus::Archived;
    engine.update_product(mug, mv).unwrap();
    let (cart, _) = engine.cart(&cart.id).unwrap();
    let (tee_line, mug_line) = (cart.lines[0].id.clone(), cart.lines[1].id.clone());
    assert_eq!(
        engine.revalidate_cart(&cart.id).unwrap(),
        [
            CartWarning::PriceChanged {
                line: tee_line.to_string(),
                was: eur("20.00"),
                now: eur("22.00")
            },
            CartWarning::OutOfStock {
                line: tee_line.to_string(),
                requested: 4,
                available: 3
            },
            CartWarning::Unavailable {
                line: mug_line.to_string(),
                reason: "archived".into()
            },
        ]
    );
}

#[test]
fn idle_carts_expire_with_an_event_and_the_rest_stay() {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    let (old, _) = engine.create_cart(Currency::EUR, Some("bob")).unwrap();
    let (done, v) = engine.create_cart(Currency::EUR, None).unwrap();
    engine
        .update_cart(&done.id, v, |c, e| {
            c.step(kassa::checkout::CheckoutCommand::Cancel, e.clock().now())
                .map(|_| ())
        })
        .unwrap();
    clock.advance(40 * 60_000);
    let (fresh, _) = engine.create_cart(Currency::EUR, None).unwrap();
    clock.advance(60_000);
    let (mut expired, mut after) = (Vec::new(), None);
    loop {
        let (page, next) = engine
            .expire_idle_carts(30 * 60_000, after.as_deref(), 2)
            .unwrap();
        expired.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(expired, [old.id.to_string()]);
    assert_eq!(
        engine.cart(&old.id).unwrap().0.checkout,
        kassa::checkout::CheckoutState::Expired
    );
    assert_eq!(
        engine.cart(&fresh.id).unwrap().0.checkout,
        kassa::checkout::CheckoutState::Cart
    );
    let abandoned: Vec<Option<String>> = engine
        .events_since(0, 100)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::CartAbandoned { customer, .. } => Some(customer.map(String::from)),
            _ => None,
        })
        .collect();
    assert_eq!(abandoned, [Some("bob".to_owned())]);
}

#[test]
fn a_snapshot_goes_to_the_line_that_was_added() {
    let engine = shop();
    let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE-M", 1, SortedMap::new())
        .unwrap();
    let (mut tee, tv) = engine
        .product("tee")
        .map(|(p, v)| ((*p).clone(), v))
        .unwrap();
    tee.variants[0].prices = vec![eur("22.00")];
    engine.update_product(tee, tv).unwrap();
    let engraved: SortedMap<String> = [("engraving".to_owned(), "A.L.".to_owned())]
        .into_iter()
        .collect();
    let (cart, _) = engine
        .add_to_cart(&cart.id, v, "TEE-M", 1, engraved)
        .unwrap();
    let shown: Vec<String> = cart
        .lines
        .iter()
        .map(|l| l.snapshot.as_ref().unwrap().unit_price.to_string())
        .collect();
    // The plain line keeps the price it was shown at; the engraved one has today's.
    assert_eq!(shown, ["20.00", "22.00"]);
}

#[test]
fn pricing_sees_catalog_and_category_changes_at_once() {
    // Pricing keeps what it derives from the catalog between calls; a
    // moved category or a new price must show in the very next price.
    let engine = shop();
    let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
    engine
        .add_to_cart(&cart.id, v, "TEE-M", 1, SortedMap::new())
        .unwrap();
    let discount = |e: &Engine<MemoryStore>| {
        let b = e.price_cart(&cart.id).unwrap();
        (b.subtotal.to_string(), b.discount_total.to_string())
    };
    assert_eq!(discount(&engine), ("20.00".into(), "2.00".into()));
    // "tees" leaves "apparel": the apparel promotion no longer reaches it.
    engine.move_category("tees", None, 0).unwrap();
    assert_eq!(discount(&engine), ("20.00".into(), "0.00".into()));
    engine.move_category("tees", Some("apparel"), 0).unwrap();
    assert_eq!(discount(&engine), ("20.00".into(), "2.00".into()));
    // A new price for the variant.
    let (tee, version) = engine.product("tee").unwrap();
    let mut tee = Product::clone(&tee);
    tee.variants[0].prices = vec![eur("30.00")];
    engine.update_product(tee, version).unwrap();
    assert_eq!(discount(&engine), ("30.00".into(), "3.00".into()));
}

#[test]
fn carts_priced_at_once_from_several_threads_each_get_their_own_quantities() {
    // Calls pricing the same SKUs share one kept book and borrow its
    // pricing lines in turn; a call that finds them lent makes its own.
    let engine = shop();
    let carts: Vec<(String, u64)> = (1..=4)
        .map(|qty| {
            let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
            let (_, v) = engine
                .add_to_cart(&cart.id, v, "TEE-M", qty, SortedMap::new())
                .unwrap();
            engine
                .add_to_cart(&cart.id, v, "MUG", 5 - qty, SortedMap::new())
                .unwrap();
            (cart.id.to_string(), qty)
        })
        .collect();
    let alone: Vec<_> = carts
        .iter()
        .map(|(id, _)| engine.price_cart(id).unwrap())
        .collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for round in 0..200 {
                    let k = round % carts.len();
                    let (id, qty) = &carts[k];
                    let priced = engine.price_cart(id).unwrap();
                    assert_eq!(priced.lines[0].qty, *qty);
                    assert_eq!(priced.lines[1].qty, 5 - qty);
                    assert_eq!(priced, alone[k]);
                }
            });
        }
    });
}

#[test]
fn the_memory_store_keeps_carts_as_values_whose_text_reads_back_the_same() {
    use kassa::cart::Cart;
    use kassa::store::DocumentStore;
    let engine = shop();
    let (cart, v) = engine.create_cart(Currency::EUR, Some("c-1")).unwrap();
    let (cart, v) = engine
        .add_to_cart(&cart.id, v, "TEE-M", 2, SortedMap::new())
        .unwrap();
    let doc = engine.store().load("carts", &cart.id).unwrap().unwrap();
    assert_eq!(doc.version, v);
    assert!(doc.value.is_unwritten(), "nothing serialized the cart");
    let kept = doc.value.shared::<Cart>().unwrap();
    assert!(
        Arc::ptr_eq(&kept, &cart),
        "the store holds the cart returned"
    );
    // Asked for, the text is the cart's own serialization and parses back.
    let text = doc.value.text().unwrap().to_owned();
    assert_eq!(text, serde_json::to_string(&cart).unwrap());
    assert_eq!(doc.value.parse::<Cart>("cart").unwrap(), *cart);
    // A change is a new value; the old body is as it was.
    let (changed, _) = engine
        .update_cart(&cart.id, v, |c, e| {
            c.set_quantity(&cart.lines[0].id, 3, e.clock().now())
        })
        .unwrap();
    assert_eq!(changed.lines[0].qty, 3);
    assert_eq!(doc.value.text().unwrap(), text);
    assert_eq!(engine.cart(&cart.id).unwrap().0, changed);
}

#[test]
fn settings_read_back_as_saved_while_promotions_apply_by_priority_then_id() {
    let engine = shop();
    let rate = |r: &str| Rate::parse(r).unwrap();
    // Saved out of application order: "b-fixed" (priority 1) runs before
    // "a-half" (priority 2), and "a-tenth" before "b-fixed" (same priority, id).
    let promotions = vec![
        Promotion::new("a-half", 2, Action::OrderPercent { value: rate("0.5") }),
        Promotion::new("b-fixed", 1, Action::OrderFixed { value: eur("4.00") }),
        Promotion::new("a-tenth", 1, Action::OrderPercent { value: rate("0.1") }),
    ];
    let (mut settings, version) = engine.pricing().unwrap();
    settings.promotions = promotions.clone();
    settings.tax = None;
    engine.set_pricing(&settings, Some(version)).unwrap();

    let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
    engine
        .add_to_cart(&cart.id, v, "TEE-M", 1, SortedMap::new())
        .unwrap();
    let b = engine.price_cart(&cart.id).unwrap();
    let applied: Vec<(&str, String)> = b
        .promotions_applied
        .iter()
        .map(|a| (&*a.id, a.amount.to_string()))
        .collect();
    // 20.00 - 10% = 18.00; - 4.00 = 14.00; - 50% = 7.00.
    assert_eq!(
        applied,
        [
            ("a-tenth", "2.00".to_owned()),
            ("b-fixed", "4.00".to_owned()),
            ("a-half", "7.00".to_owned())
        ]
    );
    assert_eq!(b.grand_total, eur("7.00"));
    let ids = |p: &[Promotion]| p.iter().map(|p| p.id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ids(&engine.pricing().unwrap().0.promotions),
        ids(&promotions)
    );
}

#[test]
fn repricing_follows_catalog_changes_and_carts_with_the_same_lines_price_alike() {
    let engine = shop();
    let cart_of = |qty: u64| {
        let (cart, v) = engine.create_cart(Currency::EUR, None).unwrap();
        let (_, v) = engine
            .add_to_cart(&cart.id, v, "TEE-M", qty, SortedMap::new())
            .unwrap();
        engine
            .add_to_cart(&cart.id, v, "MUG", 1, SortedMap::new())
            .unwrap();
        cart.id.clone()
    };
    let (a, b) = (cart_of(2), cart_of(2));
    let first = engine.price_cart(&a).unwrap();
    // Priced again, and another cart with the same lines: the same answer.
    assert_eq!(engine.price_cart(&a).unwrap(), first);
    assert_eq!(engine.price_cart(&b).unwrap(), first);
    // The tee's price changes: both carts see it at once.
    let (tee, version) = engine.product("tee").unwrap();
    let mut tee = kassa::catalog::Product::clone(&tee);
    tee.variants[0].prices = vec![eur("30.00")];
    engine.update_product(tee, version).unwrap();
    for cart in [&a, &b] {
        let b = engine.price_cart(cart).unwrap();
        assert_eq!(b.lines[0].unit_price, Some(eur("30.00")));
        assert_eq!(b.subtotal, eur("70.00"));
    }
    // A cart whose lines differ only in quantity is priced on its own lines.
    let c = cart_of(1);
    assert_eq!(engine.price_cart(&c).unwrap().subtotal, eur("40.00"));
}
