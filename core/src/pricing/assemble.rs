//! Tax, totals and the explained breakdown.

use super::breakdown::{
    AppliedPromotion, LineBreakdown, LineDiscount, PriceBreakdown, ShippingBreakdown, TaxSummary,
    UnknownCoupon,
};
use super::calculate::{out_of_range, Line, PricingInput};
use super::stacking::PromotionOutcome;
use super::tax::{self, Taxable};
use std::sync::Arc;

use crate::error::Result;
use crate::money::{Currency, Money, Rate};

/// Running order totals while lines (and the shipping line) are assembled.
struct Totals {
    currency: Currency,
    inclusive: bool,
    taxed: bool,
    discount: i64,
    tax: i64,
    grand: i64,
    by_rate: Vec<TaxSummary>,
}

impl Totals {
    /// Adds one line: its discounted amount `running`, its `discount` and
    /// `tax` at `rate`. Returns the line's `(net, total)`.
    fn add(&mut self, running: i64, discount: i64, tax: i64, rate: Rate) -> Result<(i64, i64)> {
        let overflow = || out_of_range(self.currency, "order total");
        // Inclusive: the running amount is the gross; exclusive: the net.
        let (net, total) = if self.inclusive {
            (running - tax, running)
        } else {
            (running, running.checked_add(tax).ok_or_else(overflow)?)
        };
        self.discount += discount;
        self.tax = self.tax.checked_add(tax).ok_or_else(overflow)?;
        self.grand = self.grand.checked_add(total).ok_or_else(overflow)?;
        if self.taxed {
            match self.by_rate.iter_mut().find(|t| t.rate == rate) {
                Some(t) => {
                    t.amount = Money::from_minor_units(t.amount.minor_units() + tax, self.currency)
                }
                None => self.by_rate.push(TaxSummary {
                    rate,
                    amount: Money::from_minor_units(tax, self.currency),
                }),
            }
        }
        Ok((net, total))
    }
}

/// The indexes of `records` (`(line, promotion, amount)`, in application
/// order) by line, then application order: a counting sort over `lines`
/// lines (linear, stable), skipped when no promotion discounted a line.
fn by_line(records: &[(usize, usize, i64)], lines: usize) -> Vec<usize> {
    if records.is_empty() {
        return Vec::new();
    }
    let mut slot = vec![0usize; lines + 1];
    for &(line, _, _) in records {
        slot[line + 1] += 1;
    }
    for i in 0..lines {
        slot[i + 1] += slot[i];
    }
    let mut by_line = vec![0usize; records.len()];
    for (k, &(line, _, _)) in records.iter().enumerate() {
        by_line[slot[line]] = k;
        slot[line] += 1;
    }
    by_line
}

pub(crate) fn assemble(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &[i64],
    subtotal: i64,
    outcome: PromotionOutcome,
) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let money = |minor: i64| Money::from_minor_units(minor, currency);
    let promotions = input.promotions;

    // The shipping line, when there is one, is taxed with the others (last).
    // One tax per line (none without a tax configuration: all zero).
    let mut taxes: Vec<i64> = match input.tax {
        Some(config) => {
            let mut taxable: Vec<Taxable> = lines
                .iter()
                .zip(running)
                .map(|(l, &amount)| Taxable {
                    amount,
                    qty: l.qty,
                    rate: l.tax_rate,
                })
                .collect();
            if let Some(ship) = &outcome.shipping {
                taxable.push(Taxable {
                    amount: ship.running,
                    qty: 1,
                    rate: ship.tax_rate,
                });
            }
            tax::compute(config, &taxable, currency, input.rounding_mode)?
        }
        None => Vec::new(),
    };
    let shipping_tax = if outcome.shipping.is_some() {
        taxes.pop().unwrap_or(0)
    } else {
        0
    };
    let tax_of = |i: usize| taxes.get(i).copied().unwrap_or(0);
    let inclusive = input.tax.is_some_and(|t| t.prices_include_tax);

    let by_line = by_line(&outcome.records, lines.len());
    // Promotion index -> its position in `promotions_applied`.
    let mut applied_at = vec![usize::MAX; promotions.len()];
    for (position, &(pi, _)) in outcome.applied.iter().enumerate() {
        applied_at[pi] = position;
    }
    let discounts: Vec<LineDiscount> = by_line
        .iter()
        .map(|&k| {
            let (line, pi, amount) = outcome.records[k];
            LineDiscount {
                line,
                promotion: applied_at[pi],
                amount: money(amount),
            }
        })
        .collect();

    let mut totals = Totals {
        currency,
        inclusive,
        taxed: input.tax.is_some(),
        discount: 0,
        tax: 0,
        grand: 0,
        by_rate: Vec::new(),
    };
    let mut out_lines = Vec::with_capacity(lines.len());
    for (i, (line, &run)) in lines.iter().zip(running).enumerate() {
        let tax = tax_of(i);
        let discount = line.price.subtotal.minor_units() - run;
        let (net, total) = totals.add(run, discount, tax, line.tax_rate)?;
        out_lines.push(LineBreakdown {
            sku: Arc::clone(line.sku),
            qty: line.qty,
            unit_price: line.price.unit_price,
            price_source: line.price.source.clone(),
            line_subtotal: line.price.subtotal,
            discount: money(discount),
            line_net: money(net),
            tax: money(tax),
            tax_rate: line.tax_rate,
            line_total: money(total),
        });
    }

    let shipping = match &outcome.shipping {
        None => None,
        Some(ship) => {
            let discount = ship.price - ship.running;
            let (net, total) = totals.add(ship.running, discount, shipping_tax, ship.tax_rate)?;
            Some(ShippingBreakdown {
                method: input
                    .shipping
                    .map(|m| m.id.clone())
                    .unwrap_or_else(|| "".into()),
                price: money(ship.price),
                free_by_threshold: ship.free_by_threshold,
                discount: money(discount),
                discounts: ship
                    .records
                    .iter()
                    .map(|&(pi, amount)| AppliedPromotion {
                        id: promotions[pi].id.clone(),
                        amount: money(amount),
                    })
                    .collect(),
                net: money(net),
                tax: money(shipping_tax),
                tax_rate: ship.tax_rate,
                total: money(total),
            })
        }
    };

    let unknown_coupons = input
        .context
        .coupon_codes
        .iter()
        .filter(|code| {
            !promotions.iter().any(|p| {
                p.coupon_code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code))
            })
        })
        .map(|code| UnknownCoupon { code: code.clone() })
        .collect();

    let promotions_applied = outcome
        .applied
        .iter()
        .map(|&(pi, amount)| AppliedPromotion {
            id: promotions[pi].id.clone(),
            amount: money(amount),
        })
        .collect();
    Ok(PriceBreakdown {
        currency,
        lines: out_lines,
        subtotal: money(subtotal),
        discount_total: money(totals.discount),
        discounts,
        shipping,
        tax_total: money(totals.tax),
        grand_total: money(totals.grand),
        taxes: totals.by_rate,
        promotions_applied,
        promotions_not_applied: outcome.not_applied,
        unknown_coupons,
    })
}
