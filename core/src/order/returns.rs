//! Returns: requested -> approved or rejected -> received (each line
//! restocked or not) -> refunded, to the original payment or as store
//! credit. Every step is a pure method that checks first and changes
//! nothing when it refuses.
//!
//! A refund gives back each returned unit's share of its line's total:
//! the first `n` units of a line are worth `allocate(total, [n, qty - n])[0]`,
//! so a line returned in several parts is refunded exactly its total, never
//! a cent more or less.

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::lifecycle::{refused, StockUnits};
use super::model::Order;
use crate::error::{shown, Error, Result};
use crate::money::{allocate, Money};
use crate::pricing::Timestamp;

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Asked for; waiting for a decision.
    Requested,
    /// Accepted; waiting for the goods.
    Approved,
    /// Refused (absorbing); its units may be returned again.
    Rejected,
    /// The goods arrived and were inspected.
    Received,
    /// Money given back (absorbing).
    Refunded,
    /// Exchanged for other variants, shipped on a replacement order
    /// (absorbing).
    Exchanged,
}

impl ReturnStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [ReturnStatus; 6] = [
        ReturnStatus::Requested,
        ReturnStatus::Approved,
        ReturnStatus::Rejected,
        ReturnStatus::Received,
        ReturnStatus::Refunded,
        ReturnStatus::Exchanged,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Approved => "approved",
            ReturnStatus::Rejected => "rejected",
            ReturnStatus::Received => "received",
            ReturnStatus::Refunded => "refunded",
            ReturnStatus::Exchanged => "exchanged",
        }
    }
}

/// Why a customer sends something back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Arrived broken.
    Damaged,
    /// Not what was ordered.
    WrongItem,
    /// Not as the listing said.
    NotAsDescribed,
    /// Wrong size or fit.
    SizeOrFit,
    /// Changed their mind.
    NoLongerNeeded,
    /// Anything else (see the note).
    Other,
}

/// How a return is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundMethod {
    /// Back to the order's payment, through the provider.
    OriginalPayment,
    /// As store credit on the customer's account (not for guests).
    StoreCredit,
}

/// Units of one order line sent back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    /// The order line (0-based).
    pub line: usize,
    /// Its SKU.
    pub sku: String,
    /// Units.
    pub qty: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Set on receipt: whether the units went back on the shelf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restocked: Option<bool>,
}

/// What a return asks to send back: an order line, units, a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnItem {
    /// The order line (0-based).
    pub line: usize,
    /// Units.
    pub qty: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words.
    #[serde(default)]
    pub note: Option<String>,
}

/// The money a return gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRefund {
    /// The total.
    pub amount: Money,
    /// Per return line, in order.
    pub lines: Vec<Money>,
    /// How.
    pub method: RefundMethod,
}

/// A return of part of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// Its id.
    pub id: String,
    /// The order.
    pub order: String,
    /// The order's customer (none: a guest).
    pub customer: Option<String>,
    /// What comes back.
    pub lines: Vec<ReturnLine>,
    /// Where it stands.
    pub status: ReturnStatus,
    /// Set once refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<ReturnRefund>,
    /// Set once exchanged: the replacement order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// When it was asked for.
    pub requested_at: Timestamp,
    /// Who did what, when.
    pub history: Vec<AuditEntry>,
}

fn not_now(ret: &ReturnRequest, command: &'static str) -> Error {
    Error::InvalidTransition {
        state: ret.status.as_str(),
        command,
    }
}

impl ReturnRequest {
    /// Opens return `id` of `items` of `order`, counting the units as
    /// returned on the order so they cannot be returned twice.
    ///
    /// # Errors
    ///
    /// `order_change_refused` for no items, an unknown line, a zero
    /// quantity or more units than were shipped and not yet returned, or
    /// a cancelled order. Nothing changes.
    pub fn open(
        order: &mut Order,
        id: &str,
        items: &[ReturnItem],
        at: Timestamp,
        actor: &str,
    ) -> Result<ReturnRequest> {
        if order.cancellation.is_some() {
            return Err(refused(order, "return", "the order is cancelled".into()));
        }
        if items.is_empty() {
            return Err(refused(order, "return", "no lines to return".into()));
        }
        let mut next = order.lines.clone();
        let mut lines = Vec::with_capacity(items.len());
        for item in items {
            let Some(line) = next.get_mut(item.line) else {
                return Err(refused(order, "return", format!("no line {}", item.line)));
            };
            let left = line.fulfilled.saturating_sub(line.returned);
            if item.qty == 0 || item.qty > left {
                return Err(refused(
                    order,
                    "return",
                    format!(
                        "line {} ({}) has {left} shipped units not yet returned, not {}",
                        item.line,
                        shown(&line.sku),
                        item.qty
                    ),
                ));
            }
            line.returned += item.qty;
            lines.push(ReturnLine {
                line: item.line,
                sku: String::from(&*line.sku),
                qty: item.qty,
                reason: item.reason,
                note: item.note.clone(),
                restocked: None,
            });
        }
        let units: u64 = items.iter().map(|i| i.qty).sum();
        order.lines = next;
        order.returns.push(id.to_owned());
        order.record(AuditEntry::new(
            at,
            actor,
            "return_requested",
            format!("{units} units in {id}"),
        ));
        Ok(ReturnRequest {
            id: id.to_owned(),
            order: String::from(&*order.id),
            customer: order.customer.clone(),
            lines,
            status: ReturnStatus::Requested,
            refund: None,
            exchange: None,
            requested_at: at,
            history: vec![AuditEntry::new(
                at,
                actor,
                "requested",
                format!("{units} units"),
            )],
        })
    }

    /// Units in the return.
    pub fn units(&self) -> u64 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// Accepts a requested return.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless requested.
    pub fn approve(&mut self, at: Timestamp, actor: &str) -> Result<()> {
        if self.status != ReturnStatus::Requested {
            return Err(not_now(self, "approve"));
        }
        self.status = ReturnStatus::Approved;
        self.history
            .push(AuditEntry::new(at, actor, "approved", "approved"));
        Ok(())
    }

    /// Refuses a requested or approved return; its units may be returned
    /// again.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless requested or approved.
    pub fn reject(
        &mut self,
        order: &mut Order,
        reason: &str,
        at: Timestamp,
        actor: &str,
    ) -> Result<()> {
        if !matches!(
            self.status,
            ReturnStatus::Requested | ReturnStatus::Approved
        ) {
            return Err(not_now(self, "reject"));
        }
        let mut next = order.lines.clone();
        for l in &self.lines {
            let line = next
                .get_mut(l.line)
                .ok_or_else(|| refused(order, "reject", format!("no line {}", l.line)))?;
            line.returned = line.returned.saturating_sub(l.qty);
        }
        order.lines = next;
        order.record(AuditEntry::new(
            at,
            actor,
            "return_rejected",
            format!("{}: {reason}", self.id),
        ));
        self.status = ReturnStatus::Rejected;
        self.history
            .push(AuditEntry::new(at, actor, "rejected", reason));
        Ok(())
    }

    /// Records the goods' arrival: `restock[i]` says whether return line
    /// `i` goes back on the shelf. Returns the stock units to add back.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless approved; `order_change_refused` when
    /// `restock` does not have one entry per return line.
    pub fn receive(
        &mut self,
        order: &Order,
        restock: &[bool],
        at: Timestamp,
        actor: &str,
    ) -> Result<Vec<StockUnits>> {
        if self.status != ReturnStatus::Approved {
            return Err(not_now(self, "receive"));
        }
        if restock.len() != self.lines.len() {
            return Err(refused(
                order,
                "receive",
                format!(
                    "{} restock decisions for {} return lines",
                    restock.len(),
                    self.lines.len()
                ),
            ));
        }
        let mut units = Vec::new();
        for (l, &back) in self.lines.iter().zip(restock) {
            if back {
                let line = order
                    .lines
                    .get(l.line)
                    .ok_or_else(|| refused(order, "receive", format!("no line {}", l.line)))?;
                units.extend(line.stock_units(l.qty)?);
            }
        }
        for (l, &back) in self.lines.iter_mut().zip(restock) {
            l.restocked = Some(back);
        }
        let shelved: u64 = self
            .lines
            .iter()
            .filter(|l| l.restocked == Some(true))
            .map(|l| l.qty)
            .sum();
        self.status = ReturnStatus::Received;
        self.history.push(AuditEntry::new(
            at,
            actor,
            "received",
            format!("{shelved} of {} units restocked", self.units()),
        ));
        Ok(units)
    }

    /// What refunding the return gives back, per return line: each unit's
    /// exact share of its line's total, counting units of the line
    /// refunded before.
    ///
    /// # Errors
    ///
    /// `order_change_refused` for a line the order lacks or more units
    /// than it holds; allocation errors.
    pub fn refund_amounts(&self, order: &Order) -> Result<Vec<Money>> {
        let mut done: Vec<u64> = order.lines.iter().map(|l| l.refunded).collect();
        let mut amounts = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            let line = order
                .lines
                .get(l.line)
                .ok_or_else(|| refused(order, "refund", format!("no line {}", l.line)))?;
            let before = done[l.line];
            let after = before + l.qty;
            if after > line.qty {
                return Err(refused(
                    order,
                    "refund",
                    format!("line {} would refund {after} of {} units", l.line, line.qty),
                ));
            }
            let worth =
                |n: u64| -> Result<Money> { Ok(allocate(line.total, &[n, line.qty - n])?[0]) };
            amounts.push(worth(after)?.checked_sub(worth(before)?)?);
            done[l.line] = after;
        }
        Ok(amounts)
    }

    /// Marks a received return exchanged: its units are replaced by order
    /// `replacement` instead of being refunded.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless received. Nothing changes.
    pub fn mark_exchanged(
        &mut self,
        order: &mut Order,
        replacement: &str,
        at: Timestamp,
        actor: &str,
    ) -> Result<()> {
        if self.status != ReturnStatus::Received {
            return Err(not_now(self, "exchange"));
        }
        order.record(AuditEntry::new(
            at,
            actor,
            "return_exchanged",
            format!("{}: replaced by order {replacement}", self.id),
        ));
        self.exchange = Some(replacement.to_owned());
        self.status = ReturnStatus::Exchanged;
        self.history.push(AuditEntry::new(
            at,
            actor,
            "exchanged",
            format!("replaced by order {replacement}"),
        ));
        Ok(())
    }

    /// Marks a received return refunded by `method` for `amounts`
    /// ([`ReturnRequest::refund_amounts`]), counting its units as refunded
    /// on `order`.
    ///
    /// # Errors
    ///
    /// `invalid_transition` unless received; money errors.
    pub fn mark_refunded(
        &mut self,
        order: &mut Order,
        method: RefundMethod,
        amounts: Vec<Money>,
        at: Timestamp,
        actor: &str,
    ) -> Result<Money> {
        if self.status != ReturnStatus::Received {
            return Err(not_now(self, "refund"));
        }
        let mut total = Money::zero(order.currency);
        for a in &amounts {
            total = total.checked_add(*a)?;
        }
        for l in &self.lines {
            if let Some(line) = order.lines.get_mut(l.line) {
                line.refunded += l.qty;
            }
        }
        let how = match method {
            RefundMethod::OriginalPayment => "to the original payment",
            RefundMethod::StoreCredit => "as store credit",
        };
        order.record(AuditEntry::new(
            at,
            actor,
            "return_refunded",
            format!("{}: {total} {how}", self.id),
        ));
        self.refund = Some(ReturnRefund {
            amount: total,
            lines: amounts,
            method,
        });
        self.status = ReturnStatus::Refunded;
        self.history.push(AuditEntry::new(
            at,
            actor,
            "refunded",
            format!("{total} {how}"),
        ));
        Ok(total)
    }
}
