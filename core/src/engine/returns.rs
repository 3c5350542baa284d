//! Returns through the engine: each step saves the return with its order
//! (at the versions read) and events atomically; receiving puts restocked
//! units back on the shelf in the same step; refunding runs under the
//! order's payment lock, calling the provider outside any store step under
//! a key derived from the return, or adding store credit.

use super::cart::{from_json, to_json};
use super::checkout::ORDERS;
use super::orders::Movement;
use super::{CheckoutOptions, Engine};
use crate::error::{shown, Error, Result};
use crate::order::{AuditEntry, RefundMethod, ReturnItem, ReturnRequest, ReturnStatus};
use crate::payment::PaymentGateway;
use crate::store::{DocumentWrite, EventKind, NewEvent, Store};

/// The collection of returns.
pub(super) const RETURNS: &str = "returns";

impl<S: Store> Engine<S> {
    /// Opens a return of `items` of order `order_id` (shipped units not yet
    /// in another return).
    ///
    /// # Errors
    ///
    /// `order_change_refused` (unknown line, too many units, nothing
    /// shipped, cancelled), `invalid_field` for an oversized note,
    /// `concurrent_modification`, `unknown_order`. Nothing is written.
    pub fn request_return(
        &self,
        order_id: &str,
        items: &[ReturnItem],
        actor: &str,
    ) -> Result<ReturnRequest> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        for item in items {
            if let Some(note) = &item.note {
                crate::catalog::limits::text("return", "note", note, 2_048)?;
            }
        }
        let (mut order, version) = self.order(order_id)?;
        let id = self.ids.next_id("ret");
        let ret = ReturnRequest::open(&mut order, &id, items, self.clock.now(), actor)?;
        self.store.save_all(
            vec![
                DocumentWrite::new(ORDERS, order_id, Some(version), to_json(&order)?),
                DocumentWrite::new(RETURNS, &id, None, to_json(&ret)?),
            ],
            vec![self.return_event(&ret)],
        )?;
        Ok(ret)
    }

    /// Return `id` and its version.
    ///
    /// # Errors
    ///
    /// `unknown_return`, storage failures.
    pub fn return_request(&self, id: &str) -> Result<(ReturnRequest, u64)> {
        let doc = self
            .store
            .load(RETURNS, id)?
            .ok_or_else(|| Error::UnknownReturn { id: shown(id) })?;
        Ok((from_json("return", doc.value)?, doc.version))
    }

    /// The returns of order `order_id`, oldest first.
    ///
    /// # Errors
    ///
    /// `unknown_order`, storage failures.
    pub fn order_returns(&self, order_id: &str) -> Result<Vec<ReturnRequest>> {
        let (order, _) = self.order(order_id)?;
        order
            .returns
            .iter()
            .map(|id| Ok(self.return_request(id)?.0))
            .collect()
    }

    /// Accepts requested return `id`.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless requested, `concurrent_modification`,
    /// `unknown_return`.
    pub fn approve_return(&self, id: &str, actor: &str) -> Result<ReturnRequest> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        let (mut ret, version) = self.return_request(id)?;
        ret.approve(self.clock.now(), actor)?;
        self.store.save(
            RETURNS,
            id,
            Some(version),
            to_json(&ret)?,
            vec![self.return_event(&ret)],
        )?;
        Ok(ret)
    }

    /// Refuses return `id` (requested or approved) for `reason`; its units
    /// may be returned again.
    ///
    /// # Errors
    ///
    /// `invalid_transition`, `concurrent_modification`, `unknown_return`.
    pub fn reject_return(&self, id: &str, reason: &str, actor: &str) -> Result<ReturnRequest> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        crate::catalog::limits::text("return", "reason", reason, 512)?;
        let (mut ret, version) = self.return_request(id)?;
        let (mut order, order_version) = self.order(&ret.order)?;
        ret.reject(&mut order, reason, self.clock.now(), actor)?;
        self.store.save_all(
            vec![
                DocumentWrite::new(ORDERS, &order.id, Some(order_version), to_json(&order)?),
                DocumentWrite::new(RETURNS, id, Some(version), to_json(&ret)?),
            ],
            vec![self.return_event(&ret)],
        )?;
        Ok(ret)
    }

    /// Records that approved return `id` arrived: `restock[i]` says
    /// whether return line `i` goes back on the shelf (its units are added
    /// to stock at the order's location in the same atomic step).
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless approved, `order_change_refused` for a
    /// `restock` of the wrong length, `concurrent_modification`,
    /// `unknown_return`.
    pub fn receive_return(&self, id: &str, restock: &[bool], actor: &str) -> Result<ReturnRequest> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        let (mut ret, version) = self.return_request(id)?;
        let (mut order, order_version) = self.order(&ret.order)?;
        let now = self.clock.now();
        let units = ret.receive(&order, restock, now, actor)?;
        let shelved: u64 = units.iter().map(|u| u.qty).sum();
        order.record(AuditEntry::new(
            now,
            actor,
            "return_received",
            format!("{id}: {shelved} stock units back on the shelf"),
        ));
        let reason = format!("return {id}");
        self.save_order_change(
            &order,
            order_version,
            &units,
            Movement::Restock { reason: &reason },
            vec![DocumentWrite::new(
                RETURNS,
                id,
                Some(version),
                to_json(&ret)?,
            )],
            vec![self.return_event(&ret)],
        )?;
        Ok(ret)
    }

    /// Refunds received return `id` by `method`: each unit's exact share
    /// of its line's total ([`ReturnRequest::refund_amounts`]), back to the
    /// order's payment through `gateway` (under a key derived from the
    /// return, so a retry never pays twice) or as store credit on the
    /// customer's account. Refunding a refunded return returns it
    /// unchanged.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless received, `refund_exceeds_captured`,
    /// `order_change_refused` for store credit on a guest order,
    /// `refund_in_progress`, `payment_failed`, `unknown_return`.
    pub fn refund_return(
        &self,
        id: &str,
        method: RefundMethod,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<ReturnRequest> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        let (ret, _) = self.return_request(id)?;
        if ret.status == ReturnStatus::Refunded {
            return Ok(ret);
        }
        self.with_payment_lock(&ret.order, options, || {
            self.refund_return_locked(id, method, actor, gateway, options)
        })
    }

    fn refund_return_locked(
        &self,
        id: &str,
        method: RefundMethod,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<ReturnRequest> {
        let (mut ret, version) = self.return_request(id)?;
        if ret.status == ReturnStatus::Refunded {
            return Ok(ret);
        }
        let (mut order, order_version) = self.order(&ret.order)?;
        let amounts = ret.refund_amounts(&order)?;
        let now = self.clock.now();
        let mut writes = Vec::new();
        let mut events: Vec<NewEvent> = Vec::new();
        let mut total = crate::money::Money::zero(order.currency);
        for a in &amounts {
            total = total.checked_add(*a)?;
        }
        match method {
            RefundMethod::OriginalPayment => {
                if total.minor_units() > 0 {
                    let key = format!("return:{id}");
                    let provider_key = format!("refund:{}:{key}", order.id);
                    let (_, credit, paid) = self.refund_payments(
                        &mut order,
                        total,
                        &key,
                        &provider_key,
                        gateway,
                        options,
                    )?;
                    writes.extend(credit);
                    events.extend(paid);
                }
            }
            RefundMethod::StoreCredit => {
                let Some(customer) = order.customer.clone() else {
                    return Err(Error::OrderChangeRefused {
                        order: shown(&order.id),
                        action: "refund",
                        reason: "store credit needs a customer; this is a guest order".into(),
                    });
                };
                let (write, event, _) = self.credit_change(&customer, total, id)?;
                writes.push(write);
                events.push(event);
            }
        }
        ret.mark_refunded(&mut order, method, amounts, now, actor)?;
        events.push(self.return_event(&ret));
        writes.push(DocumentWrite::new(
            ORDERS,
            &order.id,
            Some(order_version),
            to_json(&order)?,
        ));
        writes.push(DocumentWrite::new(
            RETURNS,
            id,
            Some(version),
            to_json(&ret)?,
        ));
        self.store.save_all(writes, events)?;
        Ok(ret)
    }

    pub(super) fn return_event(&self, ret: &ReturnRequest) -> NewEvent {
        self.event(EventKind::ReturnChanged {
            return_id: ret.id.as_str().into(),
            order: ret.order.as_str().into(),
            customer: ret.customer.as_deref().map(Into::into),
            status: ret.status,
            units: ret.units(),
        })
    }
}
