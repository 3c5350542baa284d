//! Conformance checks for the catalog and multi-line reservations.

use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::catalog::{
    AttributeDef, AttributeKind, AttributeValue, CatalogQuery, Category, Component, Facet, Product,
    ProductStatus, Sort, Variant,
};
use crate::inventory::{Reservation, StockKey, StockPolicy};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;
use crate::store::{EventKind, Store};

pub(super) fn category(id: &str, parent: Option<&str>) -> Category {
    Category {
        id: id.into(),
        name: id.into(),
        parent: parent.map(Into::into),
        position: 0,
    }
}

/// The boolean attribute `organic`.
pub(super) fn organic() -> AttributeDef {
    AttributeDef::new("organic", "Organic", AttributeKind::Boolean)
}

pub(super) fn product(id: &str, name: &str, skus: &[(&str, i64)], categories: &[&str]) -> Product {
    let mut p = Product::new(id, name);
    p.status = ProductStatus::Active;
    p.categories = categories.iter().map(|c| (*c).to_owned()).collect();
    for (sku, cents) in skus {
        let mut v = Variant::new(*sku);
        v.prices
            .push(Money::from_minor_units(*cents, Currency::USD));
        p.variants.push(v);
    }
    p
}

/// Two reservations on one key are checked together: 3 + 3 of 5 is
/// refused whole, 2 + 3 fits; a kit draws its components.
///
/// # Errors
///
/// The violated property.
pub fn reserve_all_adds_up_demand<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let key = StockKey::new("CUP", "main");
    run(engine.adjust_stock(&key, 5, "delivery"), "adjust")?;
    let line = |id: &str, qty| Reservation {
        id: id.into(),
        key: key.clone(),
        qty,
        expires_at: Timestamp(60_000),
    };
    let refused = engine
        .store()
        .reserve_all(&[line("r1", 3), line("r2", 3)], &|_, _, _, _| {});
    ensure(
        refused.is_err_and(|e| e.code() == "insufficient_stock"),
        || "3 + 3 of 5 units must be refused: demand is aggregated before checking".into(),
    )?;
    let level = run(engine.stock(&key), "stock")?
        .ok_or("the record vanished")?
        .level;
    ensure(level.reserved == 0, || {
        format!("a refused multi-line reservation wrote {level:?}: demand must be aggregated before checking")
    })?;
    run(
        engine
            .store()
            .reserve_all(&[line("r1", 2), line("r2", 3)], &|_, _, _, _| {}),
        "2 + 3 of 5",
    )?;
    run(engine.release("r1"), "release r1")?;
    run(engine.release("r2"), "release r2")?;
    let mut kit = product("kit", "Kit", &[("KIT", 1000)], &[]);
    kit.variants[0].components = vec![Component {
        sku: "CUP".into(),
        qty: 2,
    }];
    run(engine.create_product(kit), "create kit")?;
    let held = run(
        engine.reserve_items("main", &[("KIT", 2), ("CUP", 1)], 60_000),
        "reserve 2 kits and a cup",
    )?;
    let level = run(engine.stock(&key), "stock")?
        .ok_or("the record vanished")?
        .level;
    ensure(
        held.len() == 1 && held[0].qty == 5 && level.available() == 0,
        || format!("kits must draw 2 cups each: held {held:?}, level {level:?}"),
    )
}

/// Totals over locations; committed units count as sold.
///
/// # Errors
///
/// The violated property.
pub fn stock_totals_over_locations<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let (a, b) = (StockKey::new("TEE", "north"), StockKey::new("TEE", "south"));
    run(engine.adjust_stock(&a, 4, "delivery"), "adjust a")?;
    run(engine.adjust_stock(&b, 6, "delivery"), "adjust b")?;
    let r = run(engine.reserve(&b, 2, 60_000), "reserve")?;
    run(engine.commit(&r.id), "commit")?;
    let facts = run(engine.stock_total("TEE"), "stock_total")?;
    ensure(
        facts.available == 8 && facts.sold == 2 && facts.tracked && !facts.unlimited,
        || format!("totals over two locations: {facts:?}"),
    )?;
    run(
        engine.configure_stock(&a, StockPolicy::NotTracked, None),
        "configure",
    )?;
    let facts = run(engine.stock_total("TEE"), "stock_total")?;
    ensure(facts.unlimited && facts.available == 8, || {
        format!("a not-tracked location makes the SKU unlimited: {facts:?}")
    })
}

/// Products, categories, attributes, queries and their events.
///
/// # Errors
///
/// The violated property.
pub fn catalog_behaviour<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    run(engine.put_category(category("apparel", None)), "category")?;
    run(
        engine.put_category(category("tees", Some("apparel"))),
        "category",
    )?;
    ensure(
        engine
            .move_category("apparel", Some("tees"), 0)
            .is_err_and(|e| e.code() == "category_cycle"),
        || "a move under a descendant must be category_cycle".into(),
    )?;
    run(engine.define_attribute(organic()), "attribute")?;
    let mut tee = product(
        "tee",
        "Organic Tee",
        &[("TEE-S", 1500), ("TEE-M", 1900)],
        &["tees"],
    );
    tee.attributes
        .insert("organic".into(), AttributeValue::Boolean(true));
    let saved = run(engine.create_product(tee.clone()), "create")?;
    let mug = product("mug", "Mug", &[("MUG", 900)], &["apparel"]);
    run(engine.create_product(mug), "create mug")?;
    for (bad, code) in [
        (product("x", "X", &[("TEE-S", 1)], &[]), "duplicate_sku"),
        (
            product("y", "Y", &[("Y", 1)], &["nope"]),
            "unknown_category",
        ),
        (product("z", "", &[("Z", 1)], &[]), "invalid_field"),
    ] {
        ensure(
            engine.create_product(bad).is_err_and(|e| e.code() == code),
            || format!("expected {code}"),
        )?;
    }
    tee.name = "Organic Cotton Tee".into();
    run(engine.update_product(tee.clone(), saved.version), "update")?;
    ensure(
        engine
            .update_product(tee, saved.version)
            .is_err_and(|e| e.code() == "concurrent_modification"),
        || "a stale product save must be concurrent_modification".into(),
    )?;
    let (found, index) = run(engine.product_by_sku("TEE-M"), "by sku")?;
    ensure(found.id == "tee" && index == 1, || "SKU lookup".into())?;
    let many = run(
        engine.store().products_by_skus(&["NOPE", "TEE-M", "TEE-M"]),
        "several SKUs",
    )?;
    let shape: Vec<Option<(&str, usize)>> = many
        .iter()
        .map(|f| f.as_ref().map(|(p, i)| (p.id.as_str(), *i)))
        .collect();
    ensure(shape == [None, Some(("tee", 1)), Some(("tee", 1))], || {
        format!("products_by_skus answers each SKU in order: {shape:?}")
    })?;
    let page = run(
        engine.query(&CatalogQuery {
            category: Some("apparel".into()),
            currency: Some(Currency::USD),
            sort: Sort::PriceDesc,
            facets: vec![Facet::Attribute("organic".into())],
            ..CatalogQuery::default()
        }),
        "query",
    )?;
    let ids: Vec<&str> = page.hits.iter().map(|h| h.id.as_str()).collect();
    ensure(ids == ["tee", "mug"] && page.total == 2, || {
        format!("category query with descendants, by price desc: {ids:?}")
    })?;
    ensure(
        page.facets["attribute:organic"].get("true") == Some(&1),
        || format!("facets: {:?}", page.facets),
    )?;
    let events = run(engine.events_since(0, 100), "events")?;
    let products: Vec<(String, u64)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ProductCreated {
                product, version, ..
            }
            | EventKind::ProductUpdated {
                product, version, ..
            } => Some((product.to_string(), *version)),
            _ => None,
        })
        .collect();
    ensure(
        products == [("tee".into(), 1), ("mug".into(), 1), ("tee".into(), 2)],
        || format!("product events in order, none for refused saves: {products:?}"),
    )
}

/// `THREADS` threads create products claiming one SKU (exactly one wins),
/// then update one product from the version they read (no lost update).
///
/// # Errors
///
/// The violated property.
pub fn concurrent_catalog_saves<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, start) = (engine.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let p = product(&format!("p{t}"), "Contested", &[("ONE-SKU", 100)], &[]);
                engine.create_product(p).map_err(|e| e.code())
            })
        })
        .collect();
    let mut wins = 0;
    for h in handles {
        match h
            .join()
            .map_err(|_| "a saving thread panicked".to_owned())?
        {
            Ok(_) => wins += 1,
            Err("duplicate_sku") => {}
            Err(code) => return Err(format!("unexpected error {code}")),
        }
    }
    ensure(wins == 1, || format!("{wins} products got one SKU"))?;
    let winner = Arc::new(
        run(engine.product_by_sku("ONE-SKU"), "by sku")?
            .0
            .id
            .clone(),
    );
    let per_thread = 20;
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, start, winner) = (engine.clone(), start.clone(), winner.clone());
            thread::spawn(move || -> Outcome {
                start.wait();
                for i in 0..per_thread {
                    loop {
                        let (current, version) = run(engine.product(&winner), "read")?;
                        let mut next = (*current).clone();
                        next.tags.push(format!("t{t}-{i}"));
                        match engine.update_product(next, version) {
                            Ok(_) => break,
                            Err(e) if e.code() == "concurrent_modification" => continue,
                            Err(e) => return Err(format!("update: unexpected {}", e.code())),
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join()
            .map_err(|_| "an updating thread panicked".to_owned())??;
    }
    let (p, version) = run(engine.product(&winner), "read")?;
    let want = THREADS * per_thread;
    ensure(p.tags.len() == want && version == want as u64 + 1, || {
        format!(
            "lost update: {} tags, version {version}, want {want}",
            p.tags.len()
        )
    })
}

/// Quotes, SQL, markup, NUL bytes, RTL overrides and 4-byte UTF-8 come
/// back byte-identical; a 10 MB name is refused and nothing is stored.
///
/// # Errors
///
/// The violated property.
pub fn hostile_text_round_trips<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let hostile = [
        "'); DROP TABLE orders;--",
        "<script>alert(\"x\")</script>",
        "nul\0byte",
        "\u{202e}evil\u{202c}",
        "emoji 🦀𝄞",
    ];
    for (i, text) in hostile.iter().enumerate() {
        let mut p = product(
            &format!("h{i}{text}"),
            text,
            &[(&format!("S{i}{text}"), 1)],
            &[],
        );
        p.description = (*text).to_owned();
        p.tags = vec![(*text).to_owned()];
        run(engine.create_product(p.clone()), "hostile create")?;
        let (back, _) = run(engine.product(&p.id), "read")?;
        ensure(
            back.name == p.name && back.description == p.description && back.tags == p.tags,
            || format!("text changed on the way through the store: {text:?}"),
        )?;
        let (by_sku, _) = run(engine.product_by_sku(&p.variants[0].sku), "by sku")?;
        ensure(by_sku.id == p.id, || format!("SKU {text:?} not found"))?;
    }
    let huge = product("huge", &"x".repeat(10 * 1024 * 1024), &[("HUGE", 1)], &[]);
    ensure(
        engine
            .create_product(huge)
            .is_err_and(|e| e.code() == "invalid_field"),
        || "a 10 MB name must be invalid_field".into(),
    )?;
    ensure(engine.product("huge").is_err(), || {
        "a refused product was stored".into()
    })
}
