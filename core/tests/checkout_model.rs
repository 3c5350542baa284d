//! Model-based test of the cart and its checkout: random operation
//! sequences run against the real `Cart` and a small reference model (the
//! lines as a map, and the checkout table written out again here). After
//! every step: the state and the lines agree with the model, a refused
//! operation changed nothing, nothing moves a finished checkout, and the
//! lines never change once the payment is authorized.
//!
//! `KASSA_PROPTEST_CASES` sets the number of sequences (default 10,000).

use std::collections::BTreeMap;

use kassa::cart::{Address, Cart};
use kassa::catalog::SortedMap;
use kassa::checkout::{CheckoutCommand as C, CheckoutState as S};
use kassa::pricing::Timestamp;
use kassa::Currency;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("KASSA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[derive(Debug, Clone)]
enum Op {
    Add { sku: u8, qty: u64, engraved: bool },
    SetQty { line: usize, qty: u64 },
    SaveForLater { line: usize },
    MoveToCart { saved: usize },
    Coupon { code: u8 },
    Address { valid: bool },
    Shipping,
    NoShipping,
    Command(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, 0u64..4, any::<bool>()).prop_map(|(sku, qty, engraved)| Op::Add {
            sku,
            qty,
            engraved
        }),
        (0usize..4, 0u64..4).prop_map(|(line, qty)| Op::SetQty { line, qty }),
        (0usize..4).prop_map(|line| Op::SaveForLater { line }),
        (0usize..3).prop_map(|saved| Op::MoveToCart { saved }),
        (0u8..3).prop_map(|code| Op::Coupon { code }),
        any::<bool>().prop_map(|valid| Op::Address { valid }),
        Just(Op::Shipping),
        Just(Op::NoShipping),
        (0u8..10).prop_map(Op::Command),
    ]
}

const COMMANDS: [C; 10] = [
    C::EditCart,
    C::SetAddress,
    C::SelectShipping,
    C::SkipShipping,
    C::StartPayment,
    C::PaymentAuthorized,
    C::PaymentFailed,
    C::Complete,
    C::Cancel,
    C::Expire,
];

/// The checkout table, written out again: the next state, or none.
fn next(state: S, command: C) -> Option<S> {
    use C::*;
    Some(match (state, command) {
        (S::Completed | S::Cancelled | S::Expired, _) => return None,
        (S::Authorized, Complete) => S::Completed,
        (S::Authorized, Cancel) => S::Cancelled,
        (S::Authorized, Expire) => S::Expired,
        (S::Authorized, _) => return None,
        (_, Cancel) => S::Cancelled,
        (_, Expire) => S::Expired,
        (S::Cart, EditCart) => S::Cart,
        (S::Cart, SetAddress) => S::Addressed,
        (S::Addressed, EditCart | SetAddress) => S::Addressed,
        (S::Addressed, SelectShipping | SkipShipping) => S::ShippingSelected,
        (S::ShippingSelected, EditCart | SetAddress) => S::Addressed,
        (S::ShippingSelected, SelectShipping | SkipShipping) => S::ShippingSelected,
        (S::ShippingSelected, StartPayment) => S::PaymentPending,
        (S::PaymentPending, EditCart | SetAddress) => S::Addressed,
        (S::PaymentPending, SelectShipping | SkipShipping | PaymentFailed) => S::ShippingSelected,
        (S::PaymentPending, StartPayment) => S::PaymentPending,
        (S::PaymentPending, PaymentAuthorized) => S::Authorized,
        _ => return None,
    })
}

type Lines = BTreeMap<(String, bool), u64>;

fn lines_of(cart: &Cart) -> Lines {
    cart.lines
        .iter()
        .map(|l| ((l.sku.to_string(), !l.attributes.is_empty()), l.qty))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_cart_follows_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let t = Timestamp(0);
        let mut cart = Cart::new("c", Currency::EUR, t);
        let mut state = S::Cart;
        let mut lines: Lines = BTreeMap::new();
        for (n, op) in ops.iter().enumerate() {
            let before = cart.clone();
            let id = format!("l{n}");
            // What the model expects: the command the op moves, and its change to the lines.
            let (command, change): (Option<C>, Option<Lines>) = match op {
                Op::Add { sku, qty, engraved } => {
                    let key = (format!("SKU-{sku}"), *engraved);
                    let mut after = lines.clone();
                    *after.entry(key).or_insert(0) += qty;
                    (Some(C::EditCart), (*qty > 0).then_some(after))
                }
                Op::SetQty { line, qty } => match cart.lines.get(*line) {
                    Some(l) => {
                        let mut after = lines.clone();
                        let key = (l.sku.to_string(), !l.attributes.is_empty());
                        if *qty == 0 { after.remove(&key); } else { after.insert(key, *qty); }
                        (Some(C::EditCart), Some(after))
                    }
                    None => (None, None),
                },
                Op::SaveForLater { line } => match cart.lines.get(*line) {
                    Some(l) => {
                        let mut after = lines.clone();
                        after.remove(&(l.sku.to_string(), !l.attributes.is_empty()));
                        (Some(C::EditCart), Some(after))
                    }
                    None => (None, None),
                },
                Op::MoveToCart { saved } => match cart.saved_for_later.get(*saved) {
                    Some(s) => {
                        let mut after = lines.clone();
                        *after.entry((s.sku.clone(), !s.attributes.is_empty())).or_insert(0) += s.qty;
                        (Some(C::EditCart), Some(after))
                    }
                    None => (None, None),
                },
                Op::Coupon { .. } => (Some(C::EditCart), Some(lines.clone())),
                Op::Address { valid } => (Some(C::SetAddress), valid.then(|| lines.clone())),
                Op::Shipping => (Some(C::SelectShipping), Some(lines.clone())),
                Op::NoShipping => (Some(C::SkipShipping), Some(lines.clone())),
                Op::Command(c) => (Some(COMMANDS[*c as usize]), Some(lines.clone())),
            };
            let result = match op {
                Op::Add { sku, qty, engraved } => {
                    let attrs: SortedMap<String> = if *engraved {
                        [("engraving".to_owned(), "A.L.".to_owned())].into_iter().collect()
                    } else {
                        SortedMap::new()
                    };
                    cart.add_line(&id, &format!("SKU-{sku}"), *qty, attrs, t)
                }
                Op::SetQty { line, qty } => {
                    let line_id = cart.lines.get(*line).map_or("none".to_owned(), |l| l.id.to_string());
                    cart.set_quantity(&line_id, *qty, t)
                }
                Op::SaveForLater { line } => {
                    let line_id = cart.lines.get(*line).map_or("none".to_owned(), |l| l.id.to_string());
                    cart.save_for_later(&line_id, t)
                }
                Op::MoveToCart { saved } => cart.move_to_cart(*saved, &id, t),
                Op::Coupon { code } => cart.add_coupon(&format!("CODE{code}"), t),
                Op::Address { valid } => {
                    let country = if *valid { "DE" } else { "Germany" };
                    cart.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", country), t)
                }
                Op::Shipping => cart.select_shipping("dhl", t),
                Op::NoShipping => cart.skip_shipping(t),
                Op::Command(c) => cart.step(COMMANDS[*c as usize], t).map(|_| ()),
            };
            // A coupon entered twice is a no-op; the model treats it as a plain edit.
            let expected_state = command.and_then(|c| next(state, c));
            let accepted = change.is_some() && expected_state.is_some();
            let duplicate_coupon = matches!(op, Op::Coupon { code } if before.coupons.iter().any(|c| c == &format!("CODE{code}")));
            if duplicate_coupon {
                prop_assert!(result.is_ok());
                prop_assert_eq!(&cart, &before);
                continue;
            }
            prop_assert_eq!(result.is_ok(), accepted, "step {}: {:?} in {:?}", n, op, state);
            if let (true, Some(s), Some(after)) = (accepted, expected_state, change) {
                state = s;
                lines = after;
            } else {
                prop_assert_eq!(&cart, &before, "a refused {:?} changed the cart", op);
            }
            prop_assert_eq!(cart.checkout, state);
            prop_assert_eq!(lines_of(&cart), lines.clone());
            // Skipping shipping leaves no method.
            if accepted && matches!(op, Op::NoShipping) {
                prop_assert!(cart.shipping_method.is_none());
            }
            // Before a shipping choice (or after a change that voids it) none is set.
            if matches!(state, S::Cart | S::Addressed) {
                prop_assert!(cart.shipping_method.is_none(), "a stale shipping choice in {:?}", state);
            }
        }
    }
}
