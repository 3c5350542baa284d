//! The commerce behaviour the engine records itself from cart changes:
//! products added to and removed from a customer's cart, and the start of
//! a checkout. The events are saved with the cart; the cart adds enter the
//! customer's behaviour log at the next metrics refresh.

use super::Engine;
use crate::cart::Cart;
use crate::checkout::CheckoutState;
use crate::customer::{BehaviourKind, Touchpoint};
use crate::error::Result;
use crate::pricing::Timestamp;
use crate::store::{EventKind, EventText, NewEvent, Store};

/// Units per SKU over a cart's lines, sorted by SKU.
fn units(cart: &Cart) -> Vec<(&str, u64)> {
    let mut out: Vec<(&str, u64)> = cart.lines.iter().map(|l| (&*l.sku, l.qty)).collect();
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 = kept.1.saturating_add(next.1);
        }
        same
    });
    out
}

/// The SKUs whose units differ between `was` and `now` (both sorted by
/// SKU), in SKU order, each with whether it grew.
fn changes<'a>(was: &[(&'a str, u64)], now: &[(&'a str, u64)]) -> Vec<(&'a str, bool)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < was.len() || j < now.len() {
        match (was.get(i), now.get(j)) {
            (Some(&(a, had)), Some(&(b, n))) if a == b => {
                if n != had {
                    out.push((a, n > had));
                }
                i += 1;
                j += 1;
            }
            (Some(&(a, _)), Some(&(b, _))) if a < b => {
                out.push((a, false));
                i += 1;
            }
            (Some(&(a, _)), None) => {
                out.push((a, false));
                i += 1;
            }
            (_, Some(&(b, _))) => {
                out.push((b, true));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The SKUs whose units differ between the carts `was` and `now`, in SKU
/// order, each with whether it grew. Lines a change did not touch are
/// shared between the two carts ([`crate::cart::Shared`]): when both have
/// as many lines, only the SKUs of the lines that differ are counted.
fn changed_units<'a>(was: &'a Cart, now: &'a Cart) -> Changes<'a> {
    match appended(was, now) {
        Some(one) => Changes::One(one),
        None => Changes::Many(recounted(was, now)),
    }
}

/// What [`changed_units`] found: an add's one change (found without a
/// list: the usual case), or a list.
enum Changes<'a> {
    One(Option<(&'a str, bool)>),
    Many(Vec<(&'a str, bool)>),
}

impl<'a> Changes<'a> {
    /// The changes, in SKU order.
    fn as_slice(&self) -> &[(&'a str, bool)] {
        match self {
            Changes::One(one) => one.as_slice(),
            Changes::Many(many) => many,
        }
    }
}

/// [`changed_units`] for any change but an append: the lines that differ
/// are counted (every line when the carts have not as many).
fn recounted<'a>(was: &'a Cart, now: &'a Cart) -> Vec<(&'a str, bool)> {
    if was.lines.len() != now.lines.len() {
        return changes(&units(was), &units(now));
    }
    // Shared lines count alike on both sides, so the lines that differ
    // decide each SKU's change.
    let differ: Vec<_> = (was.lines.iter().zip(&now.lines))
        .filter(|(a, b)| !crate::cart::Shared::ptr_eq(a, b))
        .collect();
    if differ.is_empty() {
        return Vec::new();
    }
    let mut touched: Vec<&str> = differ
        .iter()
        .flat_map(|(a, b)| [&*a.sku, &*b.sku])
        .collect();
    touched.sort_unstable();
    touched.dedup();
    touched
        .into_iter()
        .filter_map(|sku| {
            let (mut had, mut has) = (0u64, 0u64);
            for (a, b) in &differ {
                if &*a.sku == sku {
                    had = had.saturating_add(a.qty);
                }
                if &*b.sku == sku {
                    has = has.saturating_add(b.qty);
                }
            }
            (had != has).then_some((sku, has > had))
        })
        .collect()
}

/// When `now` is `was` with one line appended (an add; the lines before it
/// still shared), the change: that line's SKU grew (none for no units).
/// `None` when the change is anything else.
fn appended<'a>(was: &'a Cart, now: &'a Cart) -> Option<Option<(&'a str, bool)>> {
    let (added, kept) = now.lines.split_last()?;
    let shared = kept.len() == was.lines.len()
        && kept
            .iter()
            .zip(&was.lines)
            .all(|(a, b)| crate::cart::Shared::ptr_eq(a, b));
    shared.then(|| (added.qty > 0).then_some((&*added.sku, true)))
}

/// Where a cart's channel says it was used (`mobile`, `store`, `phone`;
/// anything else is the web shop).
pub(super) fn touchpoint(cart: &Cart) -> Touchpoint {
    match cart.channel.as_deref() {
        Some("mobile" | "app") => Touchpoint::Mobile,
        Some("store" | "pos") => Touchpoint::Store,
        Some("phone") => Touchpoint::Phone,
        _ => Touchpoint::Web,
    }
}

impl<S: Store> Engine<S> {
    /// The behaviour events of a customer's cart going from `before` to
    /// `after`: one `added_to_cart` per SKU whose units grew, one
    /// `removed_from_cart` per SKU whose units shrank, in SKU order (named by product;
    /// `known` gives a `(sku, product)` already looked up), and
    /// `checkout_started` when the cart left the line-choosing state,
    /// pushed onto `events` (all at `at`). None for a guest cart.
    pub(super) fn cart_behaviour(
        &self,
        before: &Cart,
        after: &Cart,
        known: Option<(&str, &str)>,
        at: Timestamp,
        events: &mut Vec<NewEvent>,
    ) -> Result<()> {
        let Some(customer) = &after.customer else {
            return Ok(());
        };
        let changes = changed_units(before, after);
        let changed = changes.as_slice();
        let recorded = |behaviour| {
            self.event_at(
                EventKind::BehaviourRecorded {
                    customer: (&**customer).into(),
                    touchpoint: touchpoint(after),
                    behaviour,
                    logged: false,
                },
                at,
            )
        };
        let unknown: Vec<&str> = changed
            .iter()
            .map(|&(sku, _)| sku)
            .filter(|sku| known.is_none_or(|(k, _)| k != *sku))
            .collect();
        let found = if unknown.is_empty() {
            Vec::new()
        } else {
            self.store.products_by_skus(&unknown)?
        };
        for &(sku, grew) in changed {
            let product = match known {
                Some((k, product)) if k == sku => Some(EventText::from(product)),
                _ => unknown
                    .iter()
                    .position(|u| *u == sku)
                    .and_then(|i| found.get(i).and_then(Option::as_ref))
                    .map(|(p, _)| EventText::from(p.id.as_str())),
            };
            // A SKU no longer in the catalog names no product.
            let Some(product) = product else { continue };
            events.push(recorded(if grew {
                BehaviourKind::AddedToCart { product }
            } else {
                BehaviourKind::RemovedFromCart { product }
            }));
        }
        if before.checkout == CheckoutState::Cart && after.checkout == CheckoutState::Addressed {
            events.push(recorded(BehaviourKind::CheckoutStarted));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn changed_units_agree_with_a_full_recount() {
        use super::{changed_units, units};
        use crate::cart::Cart;
        use crate::catalog::SortedMap;
        use crate::pricing::Timestamp;
        use crate::Currency;
        let t = Timestamp(0);
        let mut base = Cart::new("c", Currency::EUR, t);
        for (i, (sku, qty)) in [("B", 1), ("A", 2), ("B", 3), ("C", 1)].iter().enumerate() {
            let engraved: SortedMap<String> =
                [("n".to_owned(), i.to_string())].into_iter().collect();
            base.add_line(format!("l{i}"), sku, *qty, engraved, t)
                .unwrap();
        }
        fn full<'a>(a: &'a Cart, b: &'a Cart) -> Vec<(&'a str, bool)> {
            changes(&units(a), &units(b))
        }
        // Unchanged, one quantity up, one down to the same SKU total, a
        // line removed, a line added.
        let mut edits: Vec<Cart> = vec![base.clone()];
        let mut up = base.clone();
        up.set_quantity("l3", 4, t).unwrap();
        edits.push(up);
        let mut moved = base.clone();
        moved.set_quantity("l0", 2, t).unwrap();
        moved.set_quantity("l2", 2, t).unwrap();
        edits.push(moved);
        let mut fewer = base.clone();
        fewer.remove_line("l1", t).unwrap();
        edits.push(fewer);
        let mut more = base.clone();
        more.add_line("l9", "D", 1, SortedMap::new(), t).unwrap();
        edits.push(more);
        // Appended to lines still shared (the fast path): a new SKU, and
        // one more line of a SKU already there.
        let mut shared_more = base.clone();
        shared_more
            .add_line("l9", "D", 2, SortedMap::new(), t)
            .unwrap();
        edits.push(shared_more);
        let mut shared_b = base.clone();
        shared_b
            .add_line("l9", "B", 1, SortedMap::new(), t)
            .unwrap();
        edits.push(shared_b);
        for now in &edits {
            assert_eq!(changed_units(&base, now).as_slice(), full(&base, now));
            assert_eq!(changed_units(now, &base).as_slice(), full(now, &base));
        }
        assert!(changed_units(&base, &edits[0]).as_slice().is_empty());
        assert_eq!(changed_units(&base, &edits[1]).as_slice(), [("C", true)]);
        assert!(
            changed_units(&base, &edits[2]).as_slice().is_empty(),
            "B stays at 4 units"
        );
        assert_eq!(changed_units(&base, &edits[5]).as_slice(), [("D", true)]);
        assert_eq!(changed_units(&base, &edits[6]).as_slice(), [("B", true)]);
        assert_eq!(changed_units(&edits[6], &base).as_slice(), [("B", false)]);
    }

    #[test]
    fn changes_walk_both_sides_in_sku_order() {
        let was = [("A", 1), ("B", 2), ("D", 1)];
        let now = [("B", 3), ("C", 1), ("D", 1), ("E", 2)];
        assert_eq!(
            changes(&was, &now),
            [("A", false), ("B", true), ("C", true), ("E", true)]
        );
        assert_eq!(
            changes(&now, &was),
            [("A", true), ("B", false), ("C", false), ("E", false)]
        );
    }
}
