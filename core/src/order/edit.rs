//! Editing a placed order: change a line's quantity (0 takes all its
//! unshipped units off), or add units of a variant. The engine re-prices
//! the edited lines through the pricing kernel (existing lines keep the
//! unit price they were charged; promotions and coupons as at placement),
//! moves the stock, and settles the difference: an extra payment when the
//! total rose beyond what the order's payments cover, a refund when it
//! fell below what was paid. Pure: the caller passes the pricing and the
//! time.

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::lifecycle::{refused, StockUnits};
use super::model::{Order, OrderLine};
use crate::cart::{MAX_LINES, MAX_QUANTITY};
use crate::catalog::Component;
use crate::error::{shown, Error, Result};
use crate::money::Money;
use crate::pricing::{PriceBreakdown, Timestamp};

/// One change to a placed order's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LineEdit {
    /// Line `line` (its index) now has `qty` units: fewer takes unshipped
    /// units off (never below what shipped), 0 takes them all.
    SetQuantity {
        /// The line's index in the order (0-based).
        line: usize,
        /// The new quantity.
        qty: u64,
    },
    /// `qty` more units of `sku`: on its line if the order has one, else
    /// on a new line at the current price.
    Add {
        /// The variant.
        sku: String,
        /// Units (1 or more).
        qty: u64,
    },
}

/// One edit of an order, as kept on the order: what changed, the totals
/// before and after, and whether the money difference was settled (an
/// edit whose refund failed is settled by sending it again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEdit {
    /// The caller's idempotency key.
    pub key: String,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// The changes asked for.
    pub edits: Vec<LineEdit>,
    /// The grand total before.
    pub total_before: Money,
    /// The grand total after.
    pub total_after: Money,
    /// Units ordered before.
    pub units_before: u64,
    /// Units ordered after.
    pub units_after: u64,
    /// The payment (index in [`Order::payments`]) made for a total that
    /// rose beyond what the payments covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<usize>,
    /// Whether the difference was paid or refunded.
    pub settled: bool,
}

/// A line as an edit leaves it, before re-pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedLine {
    /// The existing line's index (`None`: a new line).
    pub line: Option<usize>,
    /// The variant.
    pub sku: String,
    /// Units after the edit (0: taken off).
    pub qty: u64,
    /// The unit price the line keeps (an existing line's charged price).
    pub unit_price: Option<Money>,
}

/// The stock an edit moves: units to commit (lines that grew) and units
/// to give back (lines that shrank).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditStock {
    /// Units newly committed.
    pub commit: Vec<StockUnits>,
    /// Units given back.
    pub give_back: Vec<StockUnits>,
}

impl Order {
    /// The lines `edits` leave, in order (existing lines first, then new
    /// ones), for re-pricing.
    ///
    /// # Errors
    ///
    /// `order_change_refused` for a cancelled or completed order, one
    /// with returns or a payment schedule, no edits, an unknown line, a
    /// quantity below what shipped, an edit that changes nothing or takes
    /// every unit off (cancel instead), too many lines;
    /// `invalid_quantity` for a quantity of 0 to add or above
    /// [`MAX_QUANTITY`]. Nothing changes.
    pub fn plan_edit(&self, edits: &[LineEdit]) -> Result<Vec<EditedLine>> {
        let refuse = |reason: String| refused(self, "edit", reason);
        if self.cancellation.is_some() {
            return Err(refuse("the order is cancelled".into()));
        }
        if self.completed_at.is_some() {
            return Err(refuse("the order is completed".into()));
        }
        if !self.returns.is_empty() {
            return Err(refuse(
                "the order has returns; exchange or return units instead".into(),
            ));
        }
        if self.payments().any(|p| p.schedule.is_some()) {
            return Err(refuse(
                "the order is paid on a schedule; its parts are fixed".into(),
            ));
        }
        if edits.is_empty() {
            return Err(refuse("no changes".into()));
        }
        let mut lines: Vec<EditedLine> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| EditedLine {
                line: Some(i),
                sku: String::from(&*l.sku),
                qty: l.qty,
                unit_price: l.unit_price,
            })
            .collect();
        for edit in edits {
            match edit {
                LineEdit::SetQuantity { line, qty } => {
                    let Some(old) = self.lines.get(*line) else {
                        return Err(refuse(format!("no line {line}")));
                    };
                    check_quantity(*qty, true)?;
                    if *qty < old.fulfilled {
                        return Err(refuse(format!(
                            "line {line} ({}) shipped {} units; it cannot have {qty}",
                            shown(&old.sku),
                            old.fulfilled
                        )));
                    }
                    if let Some(l) = lines.get_mut(*line) {
                        l.qty = *qty;
                    }
                }
                LineEdit::Add { sku, qty } => {
                    crate::catalog::limits::text("order", "sku", sku, 128)?;
                    check_quantity(*qty, false)?;
                    match lines.iter_mut().find(|l| l.sku == *sku) {
                        Some(l) => {
                            l.qty = l.qty.saturating_add(*qty);
                            check_quantity(l.qty, false)?;
                        }
                        None => lines.push(EditedLine {
                            line: None,
                            sku: sku.clone(),
                            qty: *qty,
                            unit_price: None,
                        }),
                    }
                }
            }
        }
        if lines.len() > MAX_LINES {
            return Err(refuse(format!("more than {MAX_LINES} lines")));
        }
        if lines.iter().all(|l| l.qty == 0) {
            return Err(refuse(
                "the edit takes every unit off; cancel the order instead".into(),
            ));
        }
        let unchanged = lines.len() == self.lines.len()
            && lines.iter().zip(&self.lines).all(|(a, b)| a.qty == b.qty);
        if unchanged {
            return Err(refuse("the edit changes nothing".into()));
        }
        Ok(lines)
    }

    /// Applies planned `lines` priced as `priced` (one priced line per
    /// planned line with units, in order), with `components` giving each
    /// new line's kit components (in the order of the new lines), and
    /// records `edit` (its totals and units filled in). Returns the stock
    /// to move.
    ///
    /// # Errors
    ///
    /// `invalid_state` when the pricing does not match the plan;
    /// `invalid_quantity` on overflow. Nothing changes.
    pub fn apply_edit(
        &mut self,
        lines: &[EditedLine],
        priced: &PriceBreakdown,
        components: &[Vec<Component>],
        edit: OrderEdit,
    ) -> Result<EditStock> {
        let mismatch = Error::InvalidState {
            operation: "edit",
            status: "the pricing does not match the edited lines",
        };
        let mut priced_lines = priced.lines.iter();
        let mut new_parts = components.iter();
        let mut next = Vec::with_capacity(lines.len());
        let mut stock = EditStock::default();
        let zero = Money::zero(self.currency);
        for planned in lines {
            let old = planned.line.and_then(|i| self.lines.get(i));
            let mut line = match old {
                Some(old) => old.clone(),
                None => OrderLine {
                    sku: std::sync::Arc::from(planned.sku.as_str()),
                    qty: 0,
                    unit_price: None,
                    subtotal: zero,
                    discount: zero,
                    tax: zero,
                    total: zero,
                    components: new_parts.next().cloned().unwrap_or_default(),
                    fulfilled: 0,
                    returned: 0,
                    refunded: 0,
                },
            };
            if planned.qty > line.qty {
                stock
                    .commit
                    .extend(line.stock_units(planned.qty - line.qty)?);
            } else if planned.qty < line.qty {
                stock
                    .give_back
                    .extend(line.stock_units(line.qty - planned.qty)?);
            }
            line.qty = planned.qty;
            if planned.qty == 0 {
                (line.subtotal, line.discount, line.tax, line.total) = (zero, zero, zero, zero);
            } else {
                let p = priced_lines.next().ok_or(mismatch.clone())?;
                if *p.sku != *line.sku || p.qty != line.qty {
                    return Err(mismatch);
                }
                line.unit_price = p.unit_price;
                line.subtotal = p.line_subtotal;
                line.discount = p.discount;
                line.tax = p.tax;
                line.total = p.line_total;
            }
            next.push(line);
        }
        if priced_lines.next().is_some() {
            return Err(mismatch);
        }
        let mut edit = edit;
        edit.units_before = self.units();
        self.lines = next.into();
        edit.units_after = self.units();
        edit.total_before = self.grand_total;
        edit.total_after = priced.grand_total;
        self.subtotal = priced.subtotal;
        self.discount_total = priced.discount_total;
        self.tax_total = priced.tax_total;
        self.grand_total = priced.grand_total;
        let detail = format!(
            "{}; total {} -> {} under key {}",
            describe(&edit.edits, self),
            edit.total_before,
            edit.total_after,
            edit.key
        );
        let entry = AuditEntry::new(edit.at, &edit.actor, "edited", detail);
        self.edits.push(edit);
        self.record(entry);
        Ok(stock)
    }
}

impl Order {
    /// Units ordered (over every line).
    pub fn units(&self) -> u64 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// The grand total and units as placed, before any edit.
    pub fn as_placed(&self) -> (Money, u64) {
        match self.edits.first() {
            Some(first) => (first.total_before, first.units_before),
            None => (self.grand_total, self.units()),
        }
    }
}

fn check_quantity(qty: u64, zero_ok: bool) -> Result<()> {
    if (qty == 0 && !zero_ok) || qty > MAX_QUANTITY {
        return Err(Error::InvalidQuantity {
            value: qty.to_string(),
            reason: if zero_ok {
                "must be at most 1000000"
            } else {
                "must be between 1 and 1000000"
            },
        });
    }
    Ok(())
}

fn describe(edits: &[LineEdit], order: &Order) -> String {
    edits
        .iter()
        .map(|e| match e {
            LineEdit::SetQuantity { line, qty } => {
                let sku = order.lines.get(*line).map_or("?", |l| &*l.sku);
                format!("line {line} ({sku}) to {qty}")
            }
            LineEdit::Add { sku, qty } => format!("+{qty} x {sku}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
