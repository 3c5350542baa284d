//! Conformance check for a store's catalog generation
//! ([`crate::store::CatalogStore::catalog_generation`]): the engine prices
//! a cart again without reading the catalog while the number holds, so a
//! store that numbers its catalog writes must move the number on with every
//! one of them.

use super::catalog::{category, organic, product};
use super::{engine, ensure, run, Outcome};
use crate::catalog::{Collection, CollectionRule, SortedMap};
use crate::engine::PricingSettings;
use crate::money::{Currency, Rate};
use crate::pricing::{Action, Promotion, Target, Timestamp};
use crate::store::Store;

/// Every catalog write (category, move, collection, attribute, product)
/// moves a numbered store's generation on, or a store keeps `None`
/// throughout; and a cart priced again after a price change or a moved
/// category shows the change at once.
///
/// # Errors
///
/// The violated property.
pub fn catalog_generation_follows_writes<S: Store>(store: S) -> Outcome {
    let engine = engine(store);
    let mut last = engine.store().catalog_generation();
    let mut moved = |what: &str| -> Outcome {
        let now = engine.store().catalog_generation();
        let fine = match (last, now) {
            (None, None) => true,
            (Some(before), Some(after)) => after != before,
            _ => false,
        };
        let seen = last;
        last = now;
        ensure(fine, || {
            format!("{what}: the catalog generation went from {seen:?} to {now:?}")
        })
    };
    run(engine.put_category(category("apparel", None)), "category")?;
    moved("a new category")?;
    run(
        engine.put_category(category("tees", Some("apparel"))),
        "category",
    )?;
    moved("a child category")?;
    run(engine.define_attribute(organic()), "attribute")?;
    moved("an attribute")?;
    let saved = run(
        engine.create_product(product("tee", "Tee", &[("TEE", 2000)], &["tees"])),
        "create",
    )?;
    moved("a new product")?;
    run(
        engine.put_collection(Collection {
            id: "picks".into(),
            name: "Picks".into(),
            rule: CollectionRule::Manual {
                products: vec!["tee".into()],
            },
        }),
        "collection",
    )?;
    moved("a collection")?;

    // Priced twice with nothing changed, then after each change.
    let mut promotion = Promotion::new(
        "apparel-10",
        1,
        Action::LinePercent {
            value: run(Rate::parse("0.10"), "rate")?,
        },
    );
    promotion.target = Some(Target {
        categories: vec!["apparel".into()],
        ..Target::default()
    });
    let settings = PricingSettings {
        promotions: vec![promotion],
        ..PricingSettings::default()
    };
    run(engine.set_pricing(&settings, None), "pricing settings")?;
    let (cart, version) = run(engine.create_cart(Currency::USD, None), "cart")?;
    run(
        engine.add_to_cart(&cart.id, version, "TEE", 1, SortedMap::new()),
        "add",
    )?;
    let priced = |when: &str, subtotal: &str, discount: &str| -> Outcome {
        let p = run(engine.price_cart(&cart.id), when)?;
        let got = (p.subtotal.to_string(), p.discount_total.to_string());
        ensure(got == (subtotal.to_owned(), discount.to_owned()), || {
            format!("{when}: priced at {got:?}, expected ({subtotal}, {discount})")
        })
    };
    priced("first price", "20.00", "2.00")?;
    priced("the same cart again", "20.00", "2.00")?;
    run(engine.move_category("tees", None, 0), "move")?;
    moved("a moved category")?;
    priced("after its category left the promotion's", "20.00", "0.00")?;
    run(
        engine.move_category("tees", Some("apparel"), 0),
        "move back",
    )?;
    moved("a category moved back")?;
    priced("after its category came back", "20.00", "2.00")?;
    let tee = product("tee", "Tee", &[("TEE", 3000)], &["tees"]);
    run(engine.update_product(tee, saved.version), "new price")?;
    moved("a new price")?;
    priced("after a new price", "30.00", "3.00")?;
    // A bulk save (an import) is a catalog write too.
    let tee = product("tee", "Tee", &[("TEE", 2500)], &["tees"]);
    let (saved, refused) = engine.store().save_products(
        vec![(tee, Some(saved.version + 1))],
        Timestamp(2_000),
        &|_, _| Vec::new(),
    );
    ensure(saved == 1 && refused.is_none(), || {
        format!("bulk save: {saved} saved, refused {refused:?}")
    })?;
    moved("a bulk save")?;
    priced("after a bulk save", "25.00", "2.50")
}
