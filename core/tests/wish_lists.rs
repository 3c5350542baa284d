//! Wish lists and named saved carts through the engine.

use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::engine::Engine;
use kassa::store::MemoryStore;
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};

fn shop() -> Engine<MemoryStore> {
    let engine = Engine::in_memory();
    tee_shop(&engine, 10, None).unwrap();
    let mut mug = Product::new("mug", "Mug");
    mug.status = ProductStatus::Active;
    let mut v = Variant::new("MUG");
    v.prices = vec![Money::from_minor_units(800, Currency::EUR)];
    mug.variants.push(v);
    engine.create_product(mug).unwrap();
    engine
}

fn engraved(text: &str) -> SortedMap<String> {
    let mut m = SortedMap::new();
    m.insert("engraving".into(), text.into());
    m
}

#[test]
fn lists_are_kept_per_customer_and_move_into_carts() {
    let engine = shop();
    let (list, v) = engine.create_wish_list("c1", "Birthday").unwrap();
    let (list, v) = engine
        .update_wish_list(&list.id, v, |l| {
            l.add("TEE", 2, SortedMap::new(), kassa::pricing::Timestamp(1))?;
            l.add("MUG", 1, engraved("Ada"), kassa::pricing::Timestamp(1))
        })
        .unwrap();
    assert_eq!(v, 2);
    // A stale version changes nothing.
    let stale = engine.update_wish_list(&list.id, 1, |l| l.rename("Other"));
    assert_eq!(stale.unwrap_err().code(), "concurrent_modification");
    assert_eq!(engine.wish_list(&list.id).unwrap().0.name, "Birthday");

    // The mug leaves the shop: moving the list skips it and says so.
    let (mug, mug_v) = engine.product("mug").unwrap();
    let mut mug = (*mug).clone();
    mug.status = ProductStatus::Archived;
    engine.update_product(mug, mug_v).unwrap();
    let (cart, cv) = engine.create_cart(Currency::EUR, Some("c1")).unwrap();
    let (cart, _, skipped) = engine.add_list_to_cart(&list.id, &cart.id, cv).unwrap();
    let lines: Vec<(&str, u64)> = cart.lines.iter().map(|l| (&*l.sku, l.qty)).collect();
    assert_eq!(lines, [("TEE", 2)]);
    assert!(
        cart.lines[0].snapshot.is_some(),
        "priced like any cart line"
    );
    assert_eq!(skipped, [("MUG".to_string(), "invalid_transition")]);
    assert_eq!(
        engine.wish_list(&list.id).unwrap().0.items.len(),
        2,
        "the list stays"
    );

    // A cart saved by name, then both lists listed for the customer.
    let (saved, _) = engine.save_cart_as_list(&cart.id, "Saved cart").unwrap();
    assert_eq!(saved.items.len(), 1);
    let names: Vec<String> = engine
        .customer_wish_lists("c1")
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["Birthday", "Saved cart"]);
    assert!(engine.customer_wish_lists("c2").unwrap().is_empty());
}

#[test]
fn bad_list_input_is_refused_with_typed_errors() {
    let engine = shop();
    assert_eq!(
        engine.create_wish_list("c1", "").unwrap_err().code(),
        "invalid_field"
    );
    assert_eq!(
        engine
            .create_wish_list("c1", &"x".repeat(kassa::cart::MAX_LIST_NAME_BYTES + 1))
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let (guest, _) = engine.create_cart(Currency::EUR, None).unwrap();
    assert_eq!(
        engine
            .save_cart_as_list(&guest.id, "Mine")
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let (list, v) = engine.create_wish_list("c1", "Big").unwrap();
    let zero = engine.update_wish_list(&list.id, v, |l| {
        l.add("TEE", 0, SortedMap::new(), kassa::pricing::Timestamp(1))
    });
    assert_eq!(zero.unwrap_err().code(), "invalid_quantity");
    let too_many = engine.update_wish_list(&list.id, v, |l| {
        for i in 0..=kassa::cart::MAX_LIST_ITEMS {
            l.add(
                &format!("SKU-{i}"),
                1,
                SortedMap::new(),
                kassa::pricing::Timestamp(1),
            )?;
        }
        Ok(())
    });
    assert_eq!(too_many.unwrap_err().code(), "invalid_field");
    assert!(
        engine.wish_list(&list.id).unwrap().0.items.is_empty(),
        "nothing half-written"
    );
    assert_eq!(engine.wish_list("nope").unwrap_err().code(), "unknown_cart");
}
