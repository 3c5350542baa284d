//! What happens to an order after placement: shipping, cancelling,
//! closing. Each change is a pure method that checks everything first and
//! changes nothing when it refuses; it returns the stock units the store
//! must move with it.

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::model::{Order, OrderLine, OrderStatus};
use crate::error::{shown, Error, Result};
use crate::money::Money;
use crate::pricing::Timestamp;

/// Units of one line in a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQty {
    /// The line's index in the order (0-based).
    pub line: usize,
    /// Units.
    pub qty: u64,
}

/// A shipment of part or all of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfilment {
    /// Its id.
    pub id: String,
    /// What was shipped.
    pub lines: Vec<LineQty>,
    /// The carrier, if told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The tracking number, if told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// How an order was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Why.
    pub reason: String,
    /// When.
    pub at: Timestamp,
    /// Whether its payment was voided or refunded yet (a cancellation
    /// whose provider call failed is retried by cancelling again).
    pub settled: bool,
}

/// Units of one SKU taken from (or given back to) stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockUnits {
    /// The SKU holding the stock (a kit's component, or the line's SKU).
    pub sku: String,
    /// Units.
    pub qty: u64,
}

impl OrderLine {
    /// What `qty` units of this line draw from stock: the kit's
    /// components times `qty`, or the SKU itself.
    ///
    /// # Errors
    ///
    /// `invalid_quantity` when the product overflows.
    pub fn stock_units(&self, qty: u64) -> Result<Vec<StockUnits>> {
        if self.components.is_empty() {
            return Ok(vec![StockUnits {
                sku: String::from(&*self.sku),
                qty,
            }]);
        }
        self.components
            .iter()
            .map(|c| {
                let units =
                    qty.checked_mul(u64::from(c.qty))
                        .ok_or_else(|| Error::InvalidQuantity {
                            value: qty.to_string(),
                            reason: "kit units overflow",
                        })?;
                Ok(StockUnits {
                    sku: c.sku.clone(),
                    qty: units,
                })
            })
            .collect()
    }
}

pub(crate) fn refused(order: &Order, action: &'static str, reason: String) -> Error {
    Error::OrderChangeRefused {
        order: shown(&order.id),
        action,
        reason,
    }
}

impl Order {
    /// The status its fulfilments, payment and flags give (see
    /// [`OrderStatus`]).
    pub fn derive_status(&self) -> OrderStatus {
        let ordered: u64 = self.lines.iter().map(|l| l.qty).sum();
        let shipped: u64 = self.lines.iter().map(|l| l.fulfilled).sum();
        let captured: i64 = self
            .payments()
            .map(|p| p.ledger.state().captured.minor_units())
            .sum();
        if self.cancellation.is_some() {
            OrderStatus::Cancelled
        } else if self.completed_at.is_some() {
            OrderStatus::Completed
        } else if shipped > 0 && shipped >= ordered {
            OrderStatus::Fulfilled
        } else if shipped > 0 {
            OrderStatus::PartiallyFulfilled
        } else if captured > 0 && captured >= self.grand_total.minor_units() {
            OrderStatus::Paid
        } else if captured > 0 {
            OrderStatus::PartiallyPaid
        } else {
            OrderStatus::Placed
        }
    }

    /// Whether a part of the order's payment schedule is past due and not
    /// fully paid at `now` (never for an order without a schedule, or a
    /// cancelled one).
    pub fn payment_overdue(&self, now: Timestamp) -> bool {
        self.cancellation.is_none()
            && self
                .payment
                .schedule
                .as_ref()
                .is_some_and(|s| s.is_overdue(now))
    }

    /// Records a change: the audit entry, and the status it leads to.
    pub(crate) fn record(&mut self, entry: AuditEntry) {
        self.history.push(entry);
        self.status = self.derive_status();
    }

    /// Ships `lines` (each at most what is left to ship of its line) as
    /// fulfilment `id`. Returns the stock units that leave the shelf.
    ///
    /// # Errors
    ///
    /// `order_change_refused` for a cancelled order, an unknown line, a
    /// zero quantity, more units than are left to ship, or nothing to
    /// ship; `invalid_quantity` on overflow. Nothing changes.
    #[allow(clippy::too_many_arguments)]
    pub fn fulfil(
        &mut self,
        id: &str,
        lines: &[LineQty],
        carrier: Option<&str>,
        tracking: Option<&str>,
        at: Timestamp,
        actor: &str,
    ) -> Result<Vec<StockUnits>> {
        if self.cancellation.is_some() {
            return Err(refused(self, "fulfil", "the order is cancelled".into()));
        }
        if lines.is_empty() {
            return Err(refused(self, "fulfil", "no lines to ship".into()));
        }
        let mut next = self.lines.clone();
        let mut units = Vec::new();
        for l in lines {
            let Some(line) = next.get_mut(l.line) else {
                return Err(refused(self, "fulfil", format!("no line {}", l.line)));
            };
            let left = line.qty.saturating_sub(line.fulfilled);
            if l.qty == 0 || l.qty > left {
                return Err(refused(
                    self,
                    "fulfil",
                    format!(
                        "line {} ({}) has {left} units left to ship, not {}",
                        l.line,
                        shown(&line.sku),
                        l.qty
                    ),
                ));
            }
            line.fulfilled += l.qty;
            units.extend(line.stock_units(l.qty)?);
        }
        let count: u64 = lines.iter().map(|l| l.qty).sum();
        let via = match (carrier, tracking) {
            (Some(c), Some(t)) => format!(" via {c} {t}"),
            (Some(c), None) => format!(" via {c}"),
            (None, Some(t)) => format!(" tracking {t}"),
            (None, None) => String::new(),
        };
        self.lines = next;
        self.fulfilments.push(Fulfilment {
            id: id.to_owned(),
            lines: lines.to_vec(),
            carrier: carrier.map(str::to_owned),
            tracking: tracking.map(str::to_owned),
            at,
        });
        self.record(AuditEntry::new(
            at,
            actor,
            "fulfilled",
            format!("{count} units in {id}{via}"),
        ));
        Ok(units)
    }

    /// Cancels the order before anything shipped. Returns the committed
    /// stock units to give back; the payment is settled afterwards
    /// ([`crate::engine::Engine::cancel_order`] voids or refunds it).
    ///
    /// # Errors
    ///
    /// `order_change_refused` once units shipped, or when already
    /// cancelled or completed. Nothing changes.
    pub fn cancel(&mut self, reason: &str, at: Timestamp, actor: &str) -> Result<Vec<StockUnits>> {
        if self.cancellation.is_some() {
            return Err(refused(self, "cancel", "already cancelled".into()));
        }
        if self.completed_at.is_some() {
            return Err(refused(self, "cancel", "the order is completed".into()));
        }
        let shipped: u64 = self.lines.iter().map(|l| l.fulfilled).sum();
        if shipped > 0 {
            return Err(refused(
                self,
                "cancel",
                format!("{shipped} units already shipped; return them instead"),
            ));
        }
        let mut units = Vec::new();
        for line in &self.lines {
            units.extend(line.stock_units(line.qty)?);
        }
        self.cancellation = Some(Cancellation {
            reason: reason.to_owned(),
            at,
            settled: false,
        });
        self.record(AuditEntry::new(at, actor, "cancelled", reason));
        Ok(units)
    }

    /// Closes a fully shipped order.
    ///
    /// # Errors
    ///
    /// `order_change_refused` while units are left to ship, or when
    /// cancelled or already completed. Nothing changes.
    pub fn complete(&mut self, at: Timestamp, actor: &str) -> Result<()> {
        match self.derive_status() {
            OrderStatus::Fulfilled => {
                self.completed_at = Some(at);
                self.record(AuditEntry::new(at, actor, "completed", "closed"));
                Ok(())
            }
            other => Err(refused(
                self,
                "complete",
                format!("the order is {}, not fulfilled", other.as_str()),
            )),
        }
    }
}

/// The provider call that settles a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancellationPayment {
    /// Release the authorization.
    Void,
    /// Give back this much of the captured amount.
    Refund(Money),
    /// Nothing left to give back.
    Nothing,
}
