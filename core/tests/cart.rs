//! The cart aggregate: line operations, the checkout steps they move,
//! refusals that change nothing, merge strategies, revalidation.

use kassa::cart::{
    merge, revalidate, Address, Cart, CartWarning, CurrentVariant, LineSnapshot, MergeStrategy,
};
use kassa::catalog::{ProductStatus, SortedMap};
use kassa::checkout::{CheckoutCommand, CheckoutEffect, CheckoutState};
use kassa::pricing::Timestamp;
use kassa::{Currency, Money};

const T: Timestamp = Timestamp(1_000);

fn attrs(pairs: &[(&str, &str)]) -> SortedMap<String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn address() -> Address {
    Address::new("Ada", "1 Main St", "Berlin", "DE")
}

fn cart() -> Cart {
    let mut c = Cart::new("c1", Currency::EUR, Timestamp(0));
    c.add_line("l1", "TEE-M", 2, SortedMap::new(), T).unwrap();
    c.add_line("l2", "TEE-M", 1, attrs(&[("engraving", "A.L.")]), T)
        .unwrap();
    c
}

fn lines(c: &Cart) -> Vec<(&str, &str, u64)> {
    c.lines
        .iter()
        .map(|l| (l.id.as_str(), &*l.sku, l.qty))
        .collect()
}

#[test]
fn lines_merge_by_sku_and_attributes() {
    let mut c = cart();
    c.add_line("l3", "TEE-M", 3, SortedMap::new(), T).unwrap();
    assert_eq!(lines(&c), [("l1", "TEE-M", 5), ("l2", "TEE-M", 1)]);
    c.set_quantity("l2", 4, T).unwrap();
    c.save_for_later("l1", T).unwrap();
    assert_eq!(lines(&c), [("l2", "TEE-M", 4)]);
    assert_eq!(c.saved_for_later[0].qty, 5);
    c.move_to_cart(0, "l4", T).unwrap();
    assert!(c.saved_for_later.is_empty());
    assert_eq!(lines(&c), [("l2", "TEE-M", 4), ("l4", "TEE-M", 5)]);
    c.remove_line("l2", T).unwrap();
    assert_eq!(c.units(), 5);
    c.add_coupon("WELCOME", T).unwrap();
    c.add_coupon("welcome", T).unwrap();
    assert_eq!(c.coupons, ["WELCOME"]);
    c.remove_coupon("Welcome", T).unwrap();
    assert!(c.coupons.is_empty());
}

#[test]
fn refused_operations_change_nothing() {
    let long = "x".repeat(10 * 1024 * 1024);
    let bad_address = Address::new("Ada", "1 Main St", "Berlin", "Germany");
    type Op = Box<dyn Fn(&mut Cart) -> kassa::Result<()>>;
    let cases: Vec<(&str, Op, &str)> = vec![
        (
            "zero units",
            Box::new(|c| c.add_line("l9", "MUG", 0, SortedMap::new(), T)),
            "invalid_quantity",
        ),
        (
            "too many units",
            Box::new(|c| c.add_line("l9", "MUG", 1_000_001, SortedMap::new(), T)),
            "invalid_quantity",
        ),
        (
            "merged past the maximum",
            Box::new(|c| c.add_line("l9", "TEE-M", 999_999, SortedMap::new(), T)),
            "invalid_quantity",
        ),
        (
            "empty SKU",
            Box::new(|c| c.add_line("l9", "", 1, SortedMap::new(), T)),
            "invalid_field",
        ),
        (
            "huge engraving",
            Box::new(move |c| c.add_line("l9", "MUG", 1, attrs(&[("engraving", &long)]), T)),
            "invalid_field",
        ),
        (
            "unknown line",
            Box::new(|c| c.set_quantity("nope", 1, T)),
            "unknown_line",
        ),
        (
            "unknown saved line",
            Box::new(|c| c.move_to_cart(3, "l9", T)),
            "unknown_line",
        ),
        (
            "country name",
            Box::new(move |c| c.set_shipping_address(bad_address.clone(), T)),
            "invalid_field",
        ),
        (
            "shipping before an address",
            Box::new(|c| c.select_shipping("dhl", T)),
            "invalid_transition",
        ),
        (
            "payment before shipping",
            Box::new(|c| c.step(CheckoutCommand::StartPayment, T).map(|_| ())),
            "invalid_transition",
        ),
    ];
    for (what, op, code) in cases {
        let mut c = cart();
        let before = c.clone();
        let err = op(&mut c).unwrap_err();
        assert_eq!(err.code(), code, "{what}");
        assert_eq!(c, before, "{what} changed the cart");
    }
}

#[test]
fn edits_walk_the_checkout_back_and_freeze_after_authorization() {
    let mut c = cart();
    c.set_shipping_address(address(), T).unwrap();
    c.select_shipping("dhl", T).unwrap();
    assert_eq!(
        c.step(CheckoutCommand::StartPayment, T).unwrap(),
        [CheckoutEffect::OpenPayment]
    );
    // A new address while paying: the payment is cancelled, the shipping choice cleared.
    let effects = c.step(CheckoutCommand::SetAddress, T).unwrap();
    assert_eq!(effects, [CheckoutEffect::CancelPayment]);
    assert_eq!(
        (c.checkout, c.shipping_method.clone()),
        (CheckoutState::Addressed, None)
    );
    c.select_shipping("ups", T).unwrap();
    c.step(CheckoutCommand::StartPayment, T).unwrap();
    c.step(CheckoutCommand::PaymentAuthorized, T).unwrap();
    let frozen = c.clone();
    for err in [
        c.add_line("l9", "MUG", 1, SortedMap::new(), T),
        c.set_quantity("l1", 9, T),
        c.add_coupon("LATE", T),
        c.set_shipping_address(address(), T),
    ] {
        assert_eq!(err.unwrap_err().code(), "invalid_transition");
    }
    assert_eq!(c, frozen);
    assert_eq!(
        c.step(CheckoutCommand::Complete, T).unwrap(),
        [CheckoutEffect::PlaceOrder]
    );
    assert_eq!(
        c.set_notes("late", T).unwrap_err().code(),
        "invalid_transition"
    );
    // Round-trips through the document store's JSON.
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(serde_json::from_value::<Cart>(json).unwrap(), c);
}

#[test]
fn merge_strategies() {
    let t = T;
    let mut guest = Cart::new("g", Currency::EUR, t);
    guest
        .add_line("g1", "TEE-M", 1, SortedMap::new(), t)
        .unwrap();
    guest.add_line("g2", "MUG", 2, SortedMap::new(), t).unwrap();
    guest.add_coupon("GUEST10", t).unwrap();
    guest.set_shipping_address(address(), t).unwrap();
    let mine = cart();
    let empty = Cart::new("c2", Currency::EUR, t);
    type Line<'a> = (&'a str, &'a str, u64);
    let table: Vec<(MergeStrategy, &Cart, Vec<Line<'_>>, Vec<&str>)> = vec![
        (
            MergeStrategy::MergeLines,
            &mine,
            vec![("l1", "TEE-M", 3), ("l2", "TEE-M", 1), ("g2", "MUG", 2)],
            vec!["GUEST10"],
        ),
        (
            MergeStrategy::KeepCustomer,
            &mine,
            vec![("l1", "TEE-M", 2), ("l2", "TEE-M", 1)],
            vec![],
        ),
        (
            MergeStrategy::KeepGuest,
            &mine,
            vec![("g1", "TEE-M", 1), ("g2", "MUG", 2)],
            vec!["GUEST10"],
        ),
        (
            MergeStrategy::KeepGuestIfCustomerEmpty,
            &mine,
            vec![("l1", "TEE-M", 2), ("l2", "TEE-M", 1)],
            vec![],
        ),
        (
            MergeStrategy::KeepGuestIfCustomerEmpty,
            &empty,
            vec![("g1", "TEE-M", 1), ("g2", "MUG", 2)],
            vec!["GUEST10"],
        ),
    ];
    for (strategy, customer, want, coupons) in table {
        let merged = merge(&guest, customer, strategy, t).unwrap();
        assert_eq!(lines(&merged), want, "{strategy:?}");
        assert_eq!(merged.coupons, coupons, "{strategy:?}");
        assert_eq!(merged.id, customer.id, "the customer's cart survives");
    }
    let merged = merge(&guest, &mine, MergeStrategy::MergeLines, t).unwrap();
    assert_eq!(
        merged.shipping_address.as_deref(),
        Some(&address()),
        "the guest's address fills a gap"
    );
    // A customer cart already paid for cannot take new lines.
    let mut paid = cart();
    paid.set_shipping_address(address(), t).unwrap();
    paid.select_shipping("dhl", t).unwrap();
    paid.step(CheckoutCommand::StartPayment, t).unwrap();
    paid.step(CheckoutCommand::PaymentAuthorized, t).unwrap();
    assert_eq!(
        merge(&guest, &paid, MergeStrategy::MergeLines, t)
            .unwrap_err()
            .code(),
        "invalid_transition"
    );
}

#[test]
fn revalidation_reports_without_changing_anything() {
    let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
    let mut c = cart();
    for (sku, id) in [("MUG", "l3"), ("CAP", "l4"), ("OLD", "l5"), ("GONE", "l6")] {
        c.add_line(id, sku, 1, SortedMap::new(), T).unwrap();
    }
    for line in &mut c.lines {
        line.snapshot = Some(LineSnapshot {
            unit_price: eur("10.00"),
            name: line.sku.to_string(),
            at: T,
        });
    }
    let before = c.clone();
    let current = |sku: &str| -> Option<CurrentVariant> {
        let active = |price: Option<&str>, sellable| CurrentVariant {
            status: ProductStatus::Active,
            unit_price: price.map(eur),
            sellable,
        };
        match sku {
            // 3 tees over two lines, 2 in stock: both lines are warned.
            "TEE-M" => Some(active(Some("10.00"), Some(2))),
            "MUG" => Some(active(Some("12.50"), None)),
            "CAP" => Some(active(None, None)),
            "OLD" => Some(CurrentVariant {
                status: ProductStatus::Archived,
                ..active(Some("10.00"), None)
            }),
            _ => None,
        }
    };
    let got = revalidate(&c, &current);
    assert_eq!(c, before);
    let want = vec![
        CartWarning::OutOfStock {
            line: "l1".into(),
            requested: 2,
            available: 2,
        },
        CartWarning::OutOfStock {
            line: "l2".into(),
            requested: 1,
            available: 2,
        },
        CartWarning::PriceChanged {
            line: "l3".into(),
            was: eur("10.00"),
            now: eur("12.50"),
        },
        CartWarning::Unavailable {
            line: "l4".into(),
            reason: "no_price".into(),
        },
        CartWarning::Unavailable {
            line: "l5".into(),
            reason: "archived".into(),
        },
        CartWarning::Unavailable {
            line: "l6".into(),
            reason: "unknown_sku".into(),
        },
    ];
    assert_eq!(got, want);
}

#[test]
fn a_copy_for_change_equals_a_clone_and_shares_its_lines() {
    let mut c = cart();
    c.set_shipping_address(address(), Timestamp(5)).unwrap();
    c.coupons.push("TEN".into());
    c.notes = "leave at the door".into();
    let copy = c.copy_for_change();
    assert_eq!(copy, c.clone());
    assert!(
        copy.lines.capacity() > copy.lines.len(),
        "room for one more line"
    );
    assert!(kassa::cart::Shared::ptr_eq(&copy.lines[0], &c.lines[0]));
    let mut changed = c.copy_for_change();
    changed
        .add_line("l9", "SOCKS", 1, SortedMap::new(), Timestamp(6))
        .unwrap();
    assert_eq!(
        changed.lines.len(),
        c.lines.len() + 1,
        "the original keeps its lines"
    );
}
