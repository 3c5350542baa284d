//! What must hold after any crash or fault in a stream of checkouts of the
//! [`super::fixtures::tee_shop`] SKU: shared by the stores' kill and
//! fault-injection tests.

use crate::checkout::CheckoutState;
use crate::engine::Engine;
use crate::inventory::StockKey;
use crate::pricing::Timestamp;
use crate::store::Store;

fn all<S: Store>(engine: &Engine<S>, collection: &str) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = engine
            .store()
            .scan(collection, after.as_deref(), 500)
            .map_err(|e| format!("scan {collection}: {e}"))?;
        let Some((last, _)) = page.last() else {
            return Ok(ids);
        };
        after = Some(last.clone());
        ids.extend(page.into_iter().map(|(id, _)| id));
    }
}

/// Checks that every order in `reported` (id, units) exists with its
/// units; every stored order has its cart completed and every completed
/// cart its order (nothing half-written); the `TEE` stock at `main` still
/// has `units` on hand, committed equals the units ordered, reserved
/// equals the units of every open reservation, and units sold equal the
/// units ordered.
///
/// # Errors
///
/// The first violation, as text.
pub fn orders_match_stock<S: Store>(
    engine: &Engine<S>,
    reported: &[(String, u64)],
    units: i64,
) -> Result<(), String> {
    let units_of = |id: &str| -> Result<(u64, String), String> {
        let (order, _) = engine
            .order(id)
            .map_err(|e| format!("order {id} is lost or unreadable: {e}"))?;
        Ok((
            order.lines.iter().map(|l| l.qty).sum(),
            order.cart.to_string(),
        ))
    };
    for (id, qty) in reported {
        let (got, _) = units_of(id)?;
        if got != *qty {
            return Err(format!("order {id} has {got} units, reported {qty}"));
        }
    }
    let orders = all(engine, "orders")?;
    let mut ordered = 0u64;
    for id in &orders {
        let (qty, cart) = units_of(id)?;
        let (cart, _) = engine
            .cart(&cart)
            .map_err(|e| format!("cart of {id}: {e}"))?;
        if cart.checkout != CheckoutState::Completed {
            return Err(format!("order {id} without its completed cart"));
        }
        ordered += qty;
    }
    let mut completed = 0;
    for id in all(engine, "carts")? {
        let (cart, _) = engine.cart(&id).map_err(|e| format!("cart {id}: {e}"))?;
        completed += usize::from(cart.checkout == CheckoutState::Completed);
    }
    if completed != orders.len() {
        return Err(format!(
            "{completed} completed carts but {} orders",
            orders.len()
        ));
    }
    let level = engine
        .stock(&StockKey::new("TEE", "main"))
        .map_err(|e| e.to_string())?
        .ok_or("the stock record vanished")?
        .level;
    let open: u64 = engine
        .store()
        .expired(Timestamp(i64::MAX), usize::MAX)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| r.qty)
        .sum();
    let sold = engine.stock_total("TEE").map_err(|e| e.to_string())?.sold;
    let expected = (units, ordered as i64, open as i64, ordered);
    let found = (level.on_hand, level.committed, level.reserved, sold);
    if found != expected {
        return Err(format!(
            "stock (on hand, committed, reserved, sold) is {found:?}, the orders and \
             reservations say {expected:?}"
        ));
    }
    Ok(())
}
