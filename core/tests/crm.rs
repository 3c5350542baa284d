//! Customers, metrics and segments through the engine: a "win back
//! at-risk customers" promotion driven by a segment rule.

use std::sync::Arc;

use kassa::cart::Address;
use kassa::catalog::SortedMap;
use kassa::engine::{CheckoutOptions, Engine, ManualClock, SequentialIds};
use kassa::money::Rate;
use kassa::payment::TestGateway;
use kassa::pricing::{Action, NotAppliedReason, Promotion, Timestamp};
use kassa::store::MemoryStore;
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};

const DAY: i64 = 86_400_000;

struct Shop {
    engine: Engine<MemoryStore>,
    clock: Arc<ManualClock>,
}

fn shop() -> Shop {
    let clock = Arc::new(ManualClock::new(Timestamp(1_000 * DAY)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    tee_shop(&engine, 100, None).unwrap();
    let (mut settings, version) = engine.pricing().unwrap();
    let mut win_back = Promotion::new(
        "win-back",
        5,
        Action::OrderPercent {
            value: Rate::parse("0.20").unwrap(),
        },
    );
    win_back.audience.segments = vec!["win_back".into()];
    settings.promotions.push(win_back);
    engine.set_pricing(&settings, Some(version)).unwrap();
    engine
        .put_segment(
            "win_back",
            "order_count >= 1 and days_since_last_order > 90",
        )
        .unwrap();
    Shop { engine, clock }
}

/// A cart of one tee (20.00 EUR) for `customer`, ready to complete.
fn cart(engine: &Engine<MemoryStore>, customer: &str) -> String {
    let (cart, v) = engine.create_cart(Currency::EUR, Some(customer)).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "TEE", 1, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    cart.id.to_string()
}

fn win_back_applies(engine: &Engine<MemoryStore>, cart: &str) -> bool {
    let priced = engine.price_cart(cart).unwrap();
    let applied = priced
        .promotions_applied
        .iter()
        .any(|p| &*p.id == "win-back");
    if applied {
        assert_eq!(
            priced.grand_total,
            Money::from_minor_units(1_600, Currency::EUR)
        );
    } else {
        let why = priced
            .promotions_not_applied
            .iter()
            .find(|p| &*p.id == "win-back")
            .map(|p| p.reason.clone());
        assert!(
            matches!(why, Some(NotAppliedReason::CustomerNotEligible)),
            "the reason must say the customer is not in the audience: {why:?}"
        );
    }
    applied
}

#[test]
fn a_segment_rule_drives_a_win_back_price() {
    let Shop { engine, clock } = shop();
    let (ada, _) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    let first = cart(&engine, &ada.id);
    assert!(
        !win_back_applies(&engine, &first),
        "a new customer is not won back"
    );
    let gateway = TestGateway::default();
    engine
        .complete_checkout(&first, "k1", &gateway, &CheckoutOptions::default())
        .unwrap();

    // Metrics follow the outbox; refreshing twice counts the order once.
    assert!(engine.refresh_customer_metrics(1_000).unwrap() > 0);
    assert_eq!(engine.refresh_customer_metrics(1_000).unwrap(), 0);
    let metrics = engine.customer_metrics(&ada.id).unwrap();
    assert_eq!(metrics.orders, 1);
    assert_eq!(
        metrics.total_spent(Currency::EUR),
        Money::from_minor_units(2_000, Currency::EUR)
    );
    assert_eq!(metrics.last_order_at, Some(Timestamp(1_000 * DAY)));

    clock.advance(30 * DAY);
    let soon = cart(&engine, &ada.id);
    assert!(
        !win_back_applies(&engine, &soon),
        "30 days after an order is not at risk"
    );
    assert!(engine
        .customer_segments(&ada.id, Currency::EUR)
        .unwrap()
        .is_empty());

    clock.advance(70 * DAY);
    assert_eq!(
        engine.customer_segments(&ada.id, Currency::EUR).unwrap(),
        ["win_back"]
    );
    let later = cart(&engine, &ada.id);
    assert!(
        win_back_applies(&engine, &later),
        "100 days after her order Ada is won back"
    );

    // A customer who never ordered is not in the segment, nor is a guest
    // id without a profile.
    let (bob, _) = engine
        .create_customer(|c| c.set_phone(Some("+14155550123")))
        .unwrap();
    assert!(!win_back_applies(&engine, &cart(&engine, &bob.id)));
    assert!(!win_back_applies(
        &engine,
        &cart(&engine, "guest-without-profile")
    ));
}

#[test]
fn bad_segment_rules_are_refused_before_anything_is_stored() {
    let Shop { engine, .. } = shop();
    let err = engine
        .put_segment("broken", "order_count >= 1 and colour = \"red\"")
        .unwrap_err();
    assert_eq!(err.code(), "invalid_segment_rule");
    assert!(err.to_string().contains("at byte 21"), "{err}");
    let ids: Vec<String> = engine
        .segments()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["win_back"]);
    // Replacing a rule keeps one segment under the id.
    engine.put_segment("win_back", "order_count >= 2").unwrap();
    let all = engine.segments().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1.text(), "order_count >= 2");
}

#[test]
fn rfm_groups_computed_over_the_base_feed_segments() {
    let Shop { engine, clock } = shop();
    engine
        .put_segment("slipping", r#"rfm_group in ("hibernating", "lost")"#)
        .unwrap();
    let gateway = TestGateway::default();
    let mut ids = std::collections::BTreeMap::new();
    for name in ["a", "b", "c", "d", "e"] {
        let (c, _) = engine
            .create_customer(|c| c.set_email(Some(&format!("{name}@example.com"))))
            .unwrap();
        ids.insert(name, c.id);
    }
    let mut n = 0;
    let mut order = |who: &str| {
        n += 1;
        let cart = cart(&engine, &ids[who]);
        engine
            .complete_checkout(
                &cart,
                &format!("k{n}"),
                &gateway,
                &CheckoutOptions::default(),
            )
            .unwrap();
    };
    // Day 1000: e; 1100: d; 1300: b twice and c; 1350: a three times.
    order("e");
    clock.advance(100 * DAY);
    order("d");
    clock.advance(200 * DAY);
    order("b");
    order("b");
    order("c");
    clock.advance(50 * DAY);
    for _ in 0..3 {
        order("a");
    }
    clock.advance(10 * DAY);
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    let scores = engine
        .compute_rfm(Currency::EUR, &kassa::customer::RfmGroups::default())
        .unwrap();
    let mut got: Vec<(String, u8, u8, u8, String)> = scores
        .into_iter()
        .map(|s| {
            let name = ids.iter().find(|(_, id)| **id == s.customer).unwrap().0;
            (name.to_string(), s.r, s.f, s.m, s.group)
        })
        .collect();
    got.sort();
    // Recency 10, 60, 60, 260, 360 days; 3, 2, 1, 1, 1 orders of 20 EUR.
    let want = [
        ("a", 5, 5, 5, "champions"),
        ("b", 3, 4, 4, "loyal"),
        ("c", 3, 1, 1, "need_attention"),
        ("d", 2, 1, 1, "hibernating"),
        ("e", 1, 1, 1, "lost"),
    ];
    let want: Vec<(String, u8, u8, u8, String)> = want
        .iter()
        .map(|(c, r, f, m, g)| (c.to_string(), *r, *f, *m, g.to_string()))
        .collect();
    assert_eq!(got, want);
    for (name, slipping) in [("a", false), ("c", false), ("d", true), ("e", true)] {
        let segments = engine.customer_segments(&ids[name], Currency::EUR).unwrap();
        assert_eq!(
            segments.contains(&"slipping".to_string()),
            slipping,
            "{name}: {segments:?}"
        );
    }
    // The stored groups feed base-wide segment evaluations too.
    engine.put_segment("lost", r#"rfm_group = "lost""#).unwrap();
    assert_eq!(
        engine.segment_members("lost", Currency::EUR).unwrap(),
        [ids["e"].clone()]
    );
    // e comes back three times, and an id with metrics but no profile (a
    // host placed its orders without creating one) joins the base: the
    // next computation sees both.
    for _ in 0..3 {
        order("e");
    }
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    let mut ghost = kassa::customer::CustomerMetrics::default();
    let long_ago = Timestamp(960 * DAY); // the clock reads day 1360
    ghost
        .record_order(Money::from_minor_units(2_000, Currency::EUR), 1, long_ago)
        .unwrap();
    kassa::store::DocumentStore::save(
        engine.store(),
        "customer_metrics",
        "ghost",
        None,
        kassa::store::Body::of(&ghost).unwrap(),
        Vec::new(),
    )
    .unwrap();
    let scores = engine
        .compute_rfm(Currency::EUR, &kassa::customer::RfmGroups::default())
        .unwrap();
    let group = |id: &str| {
        let s = scores.iter().find(|s| s.customer == id).unwrap();
        (s.r, s.f, s.group.as_str())
    };
    // Recency 0 (e), 10, 60, 60, 260, 400 days (ghost); 4, 3, 2, 1, 1, 1 orders.
    assert_eq!(group(&ids["e"]), (5, 5, "champions"));
    assert_eq!(group("ghost"), (1, 1, "lost"));
    assert_eq!(group(&ids["d"]), (2, 1, "hibernating"));
    // Members are customers with a profile: nobody is lost any more.
    assert!(engine
        .segment_members("lost", Currency::EUR)
        .unwrap()
        .is_empty());
    // Nothing moved: the same scores, nothing saved again.
    let version = |id: &str| {
        kassa::store::DocumentStore::load(engine.store(), "customer_metrics", id)
            .unwrap()
            .unwrap()
            .version
    };
    let before = (version(&ids["e"]), version("ghost"));
    let again = engine
        .compute_rfm(Currency::EUR, &kassa::customer::RfmGroups::default())
        .unwrap();
    assert_eq!(again, scores);
    assert_eq!((version(&ids["e"]), version("ghost")), before);
}

#[test]
fn behaviour_drives_segments_viewed_but_not_bought() {
    use kassa::catalog::{Category, Product, ProductStatus, Variant};
    use kassa::customer::{BehaviourKind, Touchpoint};
    use kassa::inventory::StockKey;

    let Shop { engine, clock } = shop();
    for (id, parent) in [("apparel", None), ("shoes", Some("apparel"))] {
        engine
            .put_category(Category {
                id: id.into(),
                name: id.into(),
                parent: parent.map(str::to_owned),
                position: 0,
            })
            .unwrap();
    }
    let mut boot = Product::new("boot", "Boot");
    boot.status = ProductStatus::Active;
    boot.categories = vec!["shoes".into()];
    let mut v = Variant::new("BOOT");
    v.prices = vec![Money::from_minor_units(5_000, Currency::EUR)];
    boot.variants.push(v);
    engine.create_product(boot).unwrap();
    engine
        .adjust_stock(&StockKey::new("BOOT", "main"), 10, "delivery")
        .unwrap();
    engine
        .put_segment(
            "browsed_shoes",
            r#"viewed(category: "apparel", within: 7d) and not purchased(category: "shoes", within: 7d)"#,
        )
        .unwrap();
    let (ada, _) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    let in_segment = |engine: &Engine<MemoryStore>| {
        engine
            .customer_segments(&ada.id, Currency::EUR)
            .unwrap()
            .contains(&"browsed_shoes".to_string())
    };
    assert!(!in_segment(&engine));
    engine
        .record_behaviour(
            &ada.id,
            Touchpoint::Web,
            BehaviourKind::ProductViewed {
                product: "boot".into(),
            },
        )
        .unwrap();
    assert!(
        in_segment(&engine),
        "a boot view counts for shoes and its parent apparel"
    );

    // Buying a boot takes her out once metrics are refreshed.
    let (cart, v) = engine.create_cart(Currency::EUR, Some(&ada.id)).unwrap();
    let (_, v) = engine
        .add_to_cart(&cart.id, v, "BOOT", 1, SortedMap::new())
        .unwrap();
    engine
        .update_cart(&cart.id, v, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", "DE"), now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    engine
        .complete_checkout(
            &cart.id,
            "boot-1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    assert!(in_segment(&engine), "not refreshed yet");
    engine.refresh_customer_metrics(1_000).unwrap();
    assert!(!in_segment(&engine), "bought shoes within 7 days");
    assert_eq!(
        engine
            .customer_metrics(&ada.id)
            .unwrap()
            .favourite_categories(2),
        [("apparel".to_string(), 1), ("shoes".to_string(), 1)],
        "a boot counts for shoes and its parent"
    );

    // Eight days later neither the view nor the purchase is within 7 days.
    clock.advance(8 * DAY);
    assert!(!in_segment(&engine));
    engine
        .record_behaviour(
            &ada.id,
            Touchpoint::Mobile,
            BehaviourKind::CategoryViewed {
                category: "shoes".into(),
            },
        )
        .unwrap();
    assert!(
        in_segment(&engine),
        "a fresh category view, no purchase this week"
    );

    // Bad input is refused and leaves the log alone.
    let before = engine.behaviour_log(&ada.id).unwrap();
    let bad = engine.record_behaviour(
        &ada.id,
        Touchpoint::Web,
        BehaviourKind::ReviewLeft {
            product: "boot".into(),
            rating: 6,
        },
    );
    assert_eq!(bad.unwrap_err().code(), "invalid_field");
    let empty = engine.record_behaviour("", Touchpoint::Web, BehaviourKind::CheckoutStarted);
    assert_eq!(empty.unwrap_err().code(), "invalid_field");
    assert_eq!(engine.behaviour_log(&ada.id).unwrap(), before);
}

#[test]
fn the_360_view_export_and_erasure() {
    use kassa::customer::{BehaviourKind, Touchpoint};
    use kassa::store::EventKind;

    let Shop { engine, .. } = shop();
    let (ada, v) = engine
        .create_customer(|c| {
            c.name = "Ada Lovelace".into();
            c.set_phone(Some("+44 20 7946 0958"))?;
            c.put_address("home", Address::new("Ada", "1 Main St", "Berlin", "DE"))?;
            c.default_shipping = Some("home".into());
            c.add_note("support:joe", "Prefers email", Timestamp(0))?;
            c.set_email(Some("ada@example.com"))
        })
        .unwrap();
    engine
        .record_behaviour(
            &ada.id,
            Touchpoint::Phone,
            BehaviourKind::TicketOpened {
                subject: "Late delivery".into(),
            },
        )
        .unwrap();
    engine
        .record_behaviour(
            &ada.id,
            Touchpoint::Web,
            BehaviourKind::ProductViewed {
                product: "tee".into(),
            },
        )
        .unwrap();
    let bought = cart(&engine, &ada.id);
    let order = engine
        .complete_checkout(
            &bought,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    let open = cart(&engine, &ada.id);
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}

    let view = engine.customer_view(&ada.id, Currency::EUR).unwrap();
    assert_eq!(view.version, v);
    assert_eq!(
        view.profile.email.as_ref().unwrap().as_str(),
        "ada@example.com"
    );
    assert_eq!((view.metrics.orders, view.stage), (1, "customer"));
    assert_eq!(
        view.orders.iter().map(|o| &*o.id).collect::<Vec<_>>(),
        [&*order.id]
    );
    assert_eq!(
        view.open_carts.iter().map(|c| &*c.id).collect::<Vec<_>>(),
        [open.as_str()]
    );
    assert_eq!(view.tickets, ["Late delivery"]);
    assert_eq!(
        view.recent_behaviour.len(),
        4,
        "a view, two cart adds (the engine records them) and a purchase"
    );
    assert!(
        !view.churn_risk && view.predicted_next_order.is_none(),
        "one order: no rhythm"
    );

    let export = engine.export_customer(&ada.id).unwrap();
    assert_eq!(export["profile"]["email"], "ada@example.com");
    assert_eq!(export["profile"]["phone"], "+442079460958");
    assert_eq!(export["orders"][0]["shipping_address"]["city"], "Berlin");
    assert_eq!(export["open_carts"].as_array().unwrap().len(), 1);
    assert_eq!(export["tickets"][0], "Late delivery");

    let erasure = engine.erase_customer(&ada.id).unwrap();
    assert_eq!((erasure.orders, erasure.carts), (1, 1));
    let (gone, _) = engine.customer(&ada.id).unwrap();
    assert!(gone.email.is_none() && gone.phone.is_none() && gone.name.is_empty());
    assert!(gone.addresses.is_empty() && gone.notes.is_empty() && gone.erased_at.is_some());
    assert!(engine
        .customer_by_email("ada@example.com")
        .unwrap()
        .is_none());
    let (kept, _) = engine.order(&order.id).unwrap();
    assert_eq!(kept.grand_total, order.grand_total, "revenue stays");
    assert!(kept.shipping_address.is_none());
    assert!(engine.cart(&open).unwrap().0.shipping_address.is_none());
    assert!(engine.behaviour_log(&ada.id).unwrap().entries.is_empty());
    let events = engine.events_since(0, 10_000).unwrap();
    assert!(events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::CustomerErased { customer } if *customer == ada.id)));
    // The email is free for a new profile; the erased one is not found by it.
    engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    assert_eq!(
        engine.erase_customer("nobody").unwrap_err().code(),
        "unknown_customer"
    );
}

#[test]
fn marketing_audiences_honour_consent() {
    use kassa::customer::Channel;

    let Shop { engine, .. } = shop();
    engine.put_segment("everyone", "order_count >= 0").unwrap();
    let t = Timestamp(0);
    let mut ids = Vec::new();
    for (name, consent) in [
        ("granted", 0),
        ("pending", 1),
        ("withdrawn", 2),
        ("sms_only", 3),
        ("erased", 0),
    ] {
        let (c, _) = engine
            .create_customer(|c| {
                c.set_email(Some(&format!("{name}@example.com")))?;
                match consent {
                    0 => c.consent.grant(Channel::Email, "checkout", t),
                    1 => c.consent.request(Channel::Email, "newsletter_form", t),
                    2 => {
                        c.consent.grant(Channel::Email, "checkout", t)?;
                        c.consent.withdraw(Channel::Email, "unsubscribe_link", t)
                    }
                    _ => c.consent.grant(Channel::Sms, "checkout", t),
                }
            })
            .unwrap();
        ids.push((name, c.id));
    }
    engine.erase_customer(&ids[4].1).unwrap();
    let id = |name: &str| ids.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    let mut members = engine.segment_members("everyone", Currency::EUR).unwrap();
    members.sort();
    let mut want: Vec<String> = ["granted", "pending", "withdrawn", "sms_only"]
        .iter()
        .map(|n| id(n))
        .collect();
    want.sort();
    assert_eq!(members, want, "everyone but the erased customer");
    assert_eq!(
        engine
            .marketing_audience("everyone", Channel::Email, Currency::EUR)
            .unwrap(),
        [id("granted")]
    );
    assert_eq!(
        engine
            .marketing_audience("everyone", Channel::Sms, Currency::EUR)
            .unwrap(),
        [id("sms_only")]
    );
    assert_eq!(
        engine
            .segment_members("nope", Currency::EUR)
            .unwrap_err()
            .code(),
        "unknown_segment"
    );
}

#[test]
fn anonymous_history_joins_the_customer_once() {
    use kassa::customer::{BehaviourKind, Touchpoint};
    use kassa::store::EventKind;

    let Shop { engine, .. } = shop();
    engine
        .record_behaviour(
            "anon-1",
            Touchpoint::Web,
            BehaviourKind::ProductViewed {
                product: "tee".into(),
            },
        )
        .unwrap();
    let guest_cart = cart(&engine, "anon-1");
    engine
        .complete_checkout(
            &guest_cart,
            "g1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    let (ada, _) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    engine.merge_anonymous("anon-1", &ada.id).unwrap();
    engine.merge_anonymous("anon-1", &ada.id).unwrap();
    assert_eq!(
        engine.behaviour_log(&ada.id).unwrap().entries.len(),
        3,
        "the view, the cart add and the purchase, once"
    );
    assert_eq!(engine.customer_metrics(&ada.id).unwrap().orders, 1);
    assert_eq!(engine.customer_index(&ada.id).unwrap().orders.len(), 1);
    assert!(engine.behaviour_log("anon-1").unwrap().entries.is_empty());
    assert_eq!(engine.customer_metrics("anon-1").unwrap().orders, 0);
    let merges = engine
        .events_since(0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::CustomersMerged { .. }))
        .count();
    assert_eq!(merges, 1, "the second merge had nothing to move");
    assert_eq!(
        engine
            .merge_anonymous("anon-1", "nobody")
            .unwrap_err()
            .code(),
        "unknown_customer"
    );
}

#[test]
fn duplicate_profiles_are_found_and_merged() {
    let Shop { engine, .. } = shop();
    let make = |name: &str, phone: Option<&str>, email: Option<&str>| {
        engine
            .create_customer(|c| {
                c.name = name.into();
                c.set_phone(phone)?;
                c.set_email(email)?;
                c.put_address("home", Address::new(name, "1 Main St", "Berlin", "DE"))?;
                c.default_shipping = Some("home".into());
                c.tags = vec![name.split(' ').next().unwrap_or("x").to_lowercase()];
                Ok(())
            })
            .unwrap()
            .0
            .id
    };
    let bob1 = make("Bob Stone", Some("+49 30 1234 5678"), None);
    let bob2 = make(
        "Robert Stone",
        Some("+4930 12345678"),
        Some("bob@example.com"),
    );
    let bobby = make("bob stone", None, None);
    let carol = make(
        "Carol King",
        Some("+49 30 8765 4321"),
        Some("carol@example.com"),
    );
    let mut found = engine.find_duplicates(&bob1).unwrap();
    found.sort();
    let mut want = vec![bob2.clone(), bobby.clone()];
    want.sort();
    assert_eq!(found, want, "same phone, or same name and place");
    assert!(!engine.find_duplicates(&carol).unwrap().contains(&bob1));

    let order_cart = cart(&engine, &bob2);
    let order = engine
        .complete_checkout(
            &order_cart,
            "b2",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    let (quote, _) = engine
        .create_quote(&cart(&engine, &bob2), &[], Timestamp(2_000 * DAY), "rep")
        .unwrap();
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}

    let kept = engine.merge_customers(&bob1, &bob2, "support:joe").unwrap();
    // The quote moved with the orders.
    assert_eq!(engine.quote(&quote.id).unwrap().0.customer, bob1);
    assert_eq!(
        engine.customer_index(&bob1).unwrap().quotes,
        std::slice::from_ref(&quote.id)
    );
    assert_eq!(
        kept.email.as_ref().map(|e| e.as_str()),
        Some("bob@example.com")
    );
    assert_eq!(kept.tags, ["bob", "robert"]);
    assert!(kept
        .notes
        .iter()
        .any(|n| n.author == "support:joe" && n.text.contains(&bob2)));
    let (by_email, _) = engine
        .customer_by_email("BOB@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, bob1);
    let (gone, _) = engine.customer(&bob2).unwrap();
    assert_eq!(gone.merged_into.as_deref(), Some(bob1.as_str()));
    assert!(gone.email.is_none() && gone.phone.is_none());
    assert_eq!(
        engine.order(&order.id).unwrap().0.customer.as_deref(),
        Some(bob1.as_str())
    );
    assert_eq!(engine.customer_metrics(&bob1).unwrap().orders, 1);
    assert_eq!(
        engine.customer_index(&bob1).unwrap().orders,
        [order.id.to_string()]
    );
    assert_eq!(
        engine
            .merge_customers(&bob1, &bob2, "support:joe")
            .unwrap_err()
            .code(),
        "invalid_field",
        "an absorbed profile cannot be merged again"
    );
    assert!(!engine.find_duplicates(&bob1).unwrap().contains(&bob2));
}

#[test]
fn crm_settings_set_the_behaviour_retention_and_the_lapse_window() {
    use kassa::customer::{BehaviourKind, Touchpoint};
    use kassa::engine::CrmSettings;

    let Shop { engine, clock } = shop();
    let (ada, _) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    engine
        .complete_checkout(
            &cart(&engine, &ada.id),
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    engine.refresh_customer_metrics(1_000).unwrap();
    let view = |kind: &str| {
        engine
            .record_behaviour(
                &ada.id,
                Touchpoint::Web,
                BehaviourKind::CategoryViewed {
                    category: kind.into(),
                },
            )
            .unwrap()
    };
    let settings = CrmSettings {
        behaviour_retention_days: 7,
        lapse_after_days: 30,
    };
    engine.set_crm_settings(&settings).unwrap();
    view("apparel");
    clock.advance(10 * DAY);
    view("apparel");
    // The cart add and purchase of day 1000 and the first view are older
    // than 7 days when the second view arrives.
    assert_eq!(engine.behaviour_log(&ada.id).unwrap().entries.len(), 1);
    assert_eq!(
        engine.customer_view(&ada.id, Currency::EUR).unwrap().stage,
        "customer"
    );
    clock.advance(25 * DAY);
    assert_eq!(
        engine.customer_view(&ada.id, Currency::EUR).unwrap().stage,
        "lapsed",
        "35 days after the order, with a 30-day window"
    );
    engine.put_segment("lapsed", r#"stage = "lapsed""#).unwrap();
    assert_eq!(
        engine.segment_members("lapsed", Currency::EUR).unwrap(),
        [ada.id.as_str()]
    );
    let refused = engine.set_crm_settings(&CrmSettings {
        lapse_after_days: 0,
        ..settings
    });
    assert_eq!(refused.unwrap_err().code(), "invalid_field");
    assert_eq!(engine.crm_settings().unwrap(), settings);
}

#[test]
fn segment_members_see_every_change_since_the_last_evaluation() {
    let Shop { engine, .. } = shop();
    let (ada, v) = engine
        .create_customer(|c| c.set_email(Some("ada@example.com")))
        .unwrap();
    engine
        .put_segment("buyers", r#"order_count >= 1 and tag = "vip""#)
        .unwrap();
    assert!(engine
        .segment_members("buyers", Currency::EUR)
        .unwrap()
        .is_empty());
    // The profile changes (a tag): still no order.
    engine
        .update_customer(&ada.id, v, |c| {
            c.tags.push("vip".into());
            Ok(())
        })
        .unwrap();
    assert!(engine
        .segment_members("buyers", Currency::EUR)
        .unwrap()
        .is_empty());
    // Then only the metrics change (an order): seen on the next evaluation.
    engine
        .complete_checkout(
            &cart(&engine, &ada.id),
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    engine.refresh_customer_metrics(1_000).unwrap();
    assert_eq!(
        engine.segment_members("buyers", Currency::EUR).unwrap(),
        [ada.id.as_str()]
    );
    engine.erase_customer(&ada.id).unwrap();
    assert!(engine
        .segment_members("buyers", Currency::EUR)
        .unwrap()
        .is_empty());
}

#[test]
fn segment_members_follow_changes_across_pages_of_the_base() {
    use kassa::customer::CustomerMetrics;
    use kassa::store::DocumentStore;
    let Shop { engine, .. } = shop();
    engine
        .put_segment("vip_buyers", r#"tag = "vip" and order_count >= 1"#)
        .unwrap();
    // More customers than one page of the version walk (1,024).
    let mut ids = Vec::new();
    for i in 0..1_500 {
        let (c, _) = engine
            .create_customer(|c| {
                if i % 3 == 0 {
                    c.tags.push("vip".into());
                }
                Ok(())
            })
            .unwrap();
        ids.push(c.id);
    }
    let bought = |id: &str| {
        let mut m = CustomerMetrics::default();
        m.record_order(
            Money::from_minor_units(1_000, Currency::EUR),
            1,
            Timestamp(0),
        )
        .unwrap();
        let version = engine
            .store()
            .load("customer_metrics", id)
            .unwrap()
            .map(|d| d.version);
        engine
            .store()
            .save(
                "customer_metrics",
                id,
                version,
                kassa::store::Body::of(&m).unwrap(),
                Vec::new(),
            )
            .unwrap();
    };
    let members =
        |engine: &Engine<MemoryStore>| engine.segment_members("vip_buyers", Currency::EUR).unwrap();
    assert!(members(&engine).is_empty());
    // Metrics appear for customers on both pages; only the vips count.
    for i in [0, 1, 3, 1_200, 1_203, 1_499] {
        bought(&ids[i]);
    }
    let mut want: Vec<String> = [0, 3, 1_200, 1_203]
        .iter()
        .map(|&i| ids[i].clone())
        .collect();
    want.sort();
    assert_eq!(members(&engine), want);
    // New customers land between existing ids (ids sort as text), a
    // profile changes and an erasure happens, all before one evaluation.
    let (late, _) = engine
        .create_customer(|c| {
            c.tags.push("vip".into());
            Ok(())
        })
        .unwrap();
    bought(&late.id);
    let (_, v) = engine.customer(&ids[1]).unwrap();
    engine
        .update_customer(&ids[1], v, |c| {
            c.tags.push("vip".into());
            Ok(())
        })
        .unwrap();
    engine.erase_customer(&ids[3]).unwrap();
    let mut want: Vec<String> = [0, 1, 1_200, 1_203]
        .iter()
        .map(|&i| ids[i].clone())
        .chain([late.id])
        .collect();
    want.sort();
    assert_eq!(members(&engine), want);
    // Nothing moved: the same answer from the kept copies.
    assert_eq!(members(&engine), want);
}

#[test]
fn customer_segments_follow_rules_saved_after_the_last_check() {
    let Shop { engine, .. } = shop();
    let (ada, _) = engine
        .create_customer(|c| {
            c.tags.push("vip".into());
            Ok(())
        })
        .unwrap();
    let of = |id: &str| engine.customer_segments(id, Currency::EUR).unwrap();
    engine.put_segment("vips", r#"tag = "vip""#).unwrap();
    assert_eq!(of(&ada.id), ["vips"]);
    // A rule replaced under its id, and a new segment sorting first.
    engine.put_segment("vips", r#"tag = "gold""#).unwrap();
    engine
        .put_segment("a_everyone", "order_count >= 0")
        .unwrap();
    assert_eq!(of(&ada.id), ["a_everyone"]);
    // A rule written to the store by someone else (another engine on the
    // same database): seen at once.
    let store = engine.store();
    let version = kassa::store::DocumentStore::load(store, "segments", "vips")
        .unwrap()
        .unwrap()
        .version;
    kassa::store::DocumentStore::save(
        store,
        "segments",
        "vips",
        Some(version),
        serde_json::json!({ "rule": r#"tag = "vip""# }).into(),
        Vec::new(),
    )
    .unwrap();
    assert_eq!(of(&ada.id), ["a_everyone", "vips"]);
}
