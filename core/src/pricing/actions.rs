//! What each promotion action takes off the eligible lines.

use super::buy_x_get_y;
use super::calculate::{out_of_range, Line, PricingInput};
use super::promotion::Action;
use super::stacking::Scratch;
use crate::error::Result;
use crate::money::{allocate_minor, Currency, Money};

/// The discount of each eligible line under `action`, into
/// `scratch.discounts`; for buy X get Y, how many units were missing.
pub(crate) fn line_discounts(
    action: &Action,
    lines: &[Line<'_>],
    eligible: &[usize],
    running: &[i64],
    input: &PricingInput<'_>,
    scratch: &mut Scratch,
) -> Result<u64> {
    let (currency, mode) = (input.cart.currency, input.rounding_mode);
    let overflow = || out_of_range(currency, "promotion amount");
    let per_line = |out: &mut Vec<(usize, i64)>, f: &dyn Fn(usize) -> Option<i64>| -> Result<()> {
        for &i in eligible {
            let d = f(i).ok_or_else(overflow)?.clamp(0, running[i]);
            if d > 0 {
                out.push((i, d));
            }
        }
        Ok(())
    };
    let qty = |i: usize| i64::try_from(lines[i].qty).ok();
    match action {
        Action::LinePercent { value } => {
            per_line(&mut scratch.discounts, &|i| {
                value.of_minor(running[i], 1, mode)
            })?;
        }
        Action::LineFixed { value } => {
            per_line(&mut scratch.discounts, &|i| {
                value.minor_units().checked_mul(qty(i)?)
            })?;
        }
        Action::FixedPrice { value } => {
            per_line(&mut scratch.discounts, &|i| {
                Some(running[i].saturating_sub(value.minor_units().checked_mul(qty(i)?)?))
            })?;
        }
        Action::OrderPercent { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            let total = value.of_minor(base, 1, mode).ok_or_else(overflow)?;
            split(total, eligible, running, currency, scratch)?;
        }
        Action::OrderFixed { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            split(
                value.minor_units().min(base),
                eligible,
                running,
                currency,
                scratch,
            )?;
        }
        // Applied to the shipping line, after the merchandise promotions.
        Action::ShippingPercent { .. } => {}
        Action::TieredPercent { tiers } => {
            let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
            let reached = tiers
                .iter()
                .filter(|t| u128::from(t.min_qty) <= units)
                .max_by_key(|t| t.min_qty);
            match reached {
                Some(tier) => {
                    let percent = tier.percent;
                    per_line(&mut scratch.discounts, &|i| {
                        percent.of_minor(running[i], 1, mode)
                    })?;
                }
                None => {
                    let lowest = tiers.iter().map(|t| t.min_qty).min().unwrap_or(1);
                    return Ok(u64::try_from(u128::from(lowest) - units).unwrap_or(u64::MAX));
                }
            }
        }
        Action::BuyXGetY {
            buy,
            get,
            get_percent,
            max_applications,
        } => {
            let deal = buy_x_get_y::Deal {
                buy: *buy,
                get: *get,
                get_percent: *get_percent,
                max_applications: *max_applications,
            };
            return buy_x_get_y::apply(&deal, lines, eligible, running, mode, scratch)
                .ok_or_else(overflow);
        }
    }
    Ok(0)
}

fn eligible_sum(eligible: &[usize], running: &[i64]) -> Option<i64> {
    eligible
        .iter()
        .try_fold(0i64, |sum, &i| sum.checked_add(running[i]))
}

/// Splits an order-level discount over the eligible lines by their running
/// amounts (largest remainder, ties to the earlier line).
fn split(
    total: i64,
    eligible: &[usize],
    running: &[i64],
    currency: Currency,
    scratch: &mut Scratch,
) -> Result<()> {
    if total <= 0 {
        return Ok(());
    }
    scratch.weights.clear();
    scratch
        .weights
        .extend(eligible.iter().map(|&i| running[i].unsigned_abs()));
    allocate_minor(
        Money::from_minor_units(total, currency),
        &scratch.weights,
        &mut scratch.parts,
        &mut scratch.remainders,
    )?;
    scratch.discounts.extend(
        eligible
            .iter()
            .zip(&scratch.parts)
            .filter(|(_, &p)| p != 0)
            .map(|(&i, &p)| (i, p)),
    );
    Ok(())
}
