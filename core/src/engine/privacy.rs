//! Privacy: everything held about a customer, exported (the GDPR right of
//! access) or erased (the right to erasure).
//!
//! Erasure anonymises instead of deleting what the shop must keep: the
//! profile keeps its id and creation time and loses everything personal
//! (email, whose claim is released, phone, name, addresses, notes, tags,
//! groups, attributes, consent, company); the behaviour log, the ticket
//! subjects and the customer's event timeline are emptied; orders keep
//! their lines and totals, so revenue figures stay right, and lose their
//! shipping address; returns keep their lines and refunds and lose the
//! customer's notes; open carts lose their addresses and notes.
//! All of it is one atomic step with a `customer_erased` event. Events
//! already in the outbox name the customer only by id; hosts that keep
//! them apply their own retention (`Engine::discard_events`).

use serde::Serialize;
use serde_json::json;

use super::behaviour::BEHAVIOUR;
use super::cart::to_json;

/// `value` as a JSON tree, for the export document.
fn tree<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| crate::catalog::limits::invalid("export", "json", e.to_string()))
}
use super::customer::{claim_write, CUSTOMERS};
use super::Engine;
use crate::customer::{BehaviourLog, Customer};
use crate::error::Result;
use crate::store::{DocumentWrite, EventKind, Store};

/// What an erasure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// Orders whose personal fields were cleared.
    pub orders: usize,
    /// Open carts whose personal fields were cleared.
    pub carts: usize,
}

impl<S: Store> Engine<S> {
    /// Everything held about customer `id` as one JSON document: profile,
    /// metrics, behaviour log, orders and open carts (as of the last
    /// metrics refresh).
    ///
    /// # Errors
    ///
    /// `unknown_customer`, storage failures.
    pub fn export_customer(&self, id: &str) -> Result<serde_json::Value> {
        let (profile, version) = self.customer(id)?;
        let index = self.customer_index(id)?;
        let mut orders = Vec::new();
        let mut returns = Vec::new();
        for order in &index.orders {
            let (order, _) = self.order(order)?;
            for ret in &order.returns {
                returns.push(tree(&self.return_request(ret)?.0)?);
            }
            orders.push(tree(&order)?);
        }
        let mut carts = Vec::new();
        for cart in &index.open_carts {
            if let Ok((c, _)) = self.cart(cart) {
                carts.push(tree(&c)?);
            }
        }
        Ok(json!({
            "exported_at": self.clock.now().0,
            "profile": tree(&profile)?,
            "profile_version": version,
            "metrics": tree(&self.customer_metrics(id)?)?,
            "behaviour": tree(&self.behaviour_log(id)?)?,
            "orders": orders,
            "returns": returns,
            "store_credit": tree(&self.store_credit(id)?)?,
            "open_carts": carts,
            "tickets": index.tickets,
            "timeline": tree(&index.timeline)?,
        }))
    }

    /// Erases customer `id`'s personal data (see the module
    /// documentation), atomically.
    ///
    /// # Errors
    ///
    /// `unknown_customer`; `concurrent_modification` if any of the
    /// documents changed while it ran (nothing is written; call again);
    /// storage failures.
    pub fn erase_customer(&self, id: &str) -> Result<Erasure> {
        let (profile, version) = self.customer(id)?;
        let now = self.clock.now();
        let mut erased = Customer::new(profile.id.clone(), profile.created_at);
        erased.erased_at = Some(now);
        let mut writes = vec![DocumentWrite::new(
            CUSTOMERS,
            id,
            Some(version),
            to_json(&erased)?,
        )];
        if let Some(email) = &profile.email {
            let (owner, version) = self.email_owner(&email.key())?;
            if owner.as_deref() == Some(id) {
                writes.push(claim_write(&email.key(), version, None));
            }
        }
        let (_, log_version) = self.load_log(id)?;
        if log_version.is_some() {
            writes.push(DocumentWrite::new(
                BEHAVIOUR,
                id,
                log_version,
                to_json(&BehaviourLog::default())?,
            ));
        }
        let index = self.customer_index(id)?;
        let mut report = Erasure {
            orders: 0,
            carts: 0,
        };
        for order_id in &index.orders {
            let (mut order, order_version) = self.order(order_id)?;
            if order.shipping_address.take().is_some() {
                writes.push(DocumentWrite::new(
                    "orders",
                    order_id,
                    Some(order_version),
                    to_json(&order)?,
                ));
                report.orders += 1;
            }
            // A return's notes are the customer's own words.
            for ret_id in &order.returns {
                let (mut ret, ret_version) = self.return_request(ret_id)?;
                if ret.lines.iter().any(|l| l.note.is_some()) {
                    for line in &mut ret.lines {
                        line.note = None;
                    }
                    writes.push(DocumentWrite::new(
                        super::returns::RETURNS,
                        ret_id,
                        Some(ret_version),
                        to_json(&ret)?,
                    ));
                }
            }
        }
        for cart_id in &index.open_carts {
            let Ok((cart, cart_version)) = self.cart(cart_id) else {
                continue;
            };
            let personal = cart.shipping_address.is_some()
                || cart.billing_address.is_some()
                || !cart.notes.is_empty();
            if personal {
                let mut cart = crate::cart::Cart::clone(&cart);
                cart.shipping_address = None;
                cart.billing_address = None;
                cart.notes.clear();
                writes.push(DocumentWrite::new(
                    "carts",
                    cart_id,
                    Some(cart_version),
                    to_json(&cart)?,
                ));
                report.carts += 1;
            }
        }
        // Ticket subjects and the event stream hold the customer's words
        // and movements; orders and carts stay listed (revenue).
        if !index.tickets.is_empty() || !index.timeline.is_empty() {
            let (_, index_version) = self.load_index(id)?;
            let kept = super::crm::CustomerIndex {
                tickets: Vec::new(),
                timeline: Vec::new(),
                ..index.clone()
            };
            writes.push(DocumentWrite::new(
                super::crm::INDEX,
                id,
                index_version,
                to_json(&kept)?,
            ));
        }
        let event = self.event(EventKind::CustomerErased {
            customer: id.into(),
        });
        self.store.save_all(writes, vec![event])?;
        Ok(report)
    }
}
