//! Buy X get Y: the cheapest eligible units of the whole pool are discounted.

use super::calculate::Line;
use crate::money::{Rate, RoundingMode};

/// The outcome of a buy-X-get-Y evaluation.
pub(crate) struct BxgyOutcome {
    /// `(line index, discount)` for lines that get one.
    pub discounts: Vec<(usize, i64)>,
    /// Eligible units short of one application (0 when it applied at least once).
    pub missing_units: u64,
}

/// Applies a buy-`buy`-get-`get` promotion to the `eligible` lines.
///
/// All eligible units form one pool; `n = floor(units / (buy + get))`,
/// capped by `max_applications`; the `n x get` cheapest units (by unit
/// price, equal prices: the earlier line first) are discounted. Per line the
/// discount is `round(sum of its discounted unit prices x get_percent)`, at
/// most its running amount.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    lines: &[Line<'_>],
    eligible: &[usize],
    running: &[i64],
    buy: u64,
    get: u64,
    get_percent: Rate,
    max_applications: Option<u64>,
    mode: RoundingMode,
) -> Option<BxgyOutcome> {
    let set = u128::from(buy) + u128::from(get);
    let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
    let mut applications = units / set;
    if let Some(cap) = max_applications {
        applications = applications.min(u128::from(cap));
    }
    if applications == 0 {
        let missing = u64::try_from(set - units).unwrap_or(u64::MAX);
        return Some(BxgyOutcome {
            discounts: Vec::new(),
            missing_units: missing,
        });
    }
    let mut to_discount = applications * u128::from(get);

    // (unit price, line, units) groups; a graduated line has one per band.
    let mut pool: Vec<(i64, usize, u64)> = Vec::with_capacity(eligible.len());
    for &i in eligible {
        let line = &lines[i];
        match line.price.unit_price {
            Some(unit) => pool.push((unit.minor_units(), i, line.qty)),
            None => pool.extend(line.price.bands.iter().map(|&(p, n)| (p, i, n))),
        }
    }
    pool.sort_by_key(|&(price, line, _)| (price, line));

    // Sum of discounted unit prices per line, in pool order.
    let mut per_line: Vec<(usize, i128)> = Vec::new();
    for (price, line, count) in pool {
        if to_discount == 0 {
            break;
        }
        let take = u128::from(count).min(to_discount);
        to_discount -= take;
        let value = i128::from(price).checked_mul(i128::try_from(take).ok()?)?;
        match per_line.iter_mut().find(|(l, _)| *l == line) {
            Some((_, sum)) => *sum = sum.checked_add(value)?,
            None => per_line.push((line, value)),
        }
    }
    per_line.sort_by_key(|&(line, _)| line);

    let mut discounts = Vec::with_capacity(per_line.len());
    for (line, sum) in per_line {
        let sum = i64::try_from(sum).ok()?;
        let discount = get_percent.of_minor(sum, 1, mode)?.min(running[line]);
        if discount > 0 {
            discounts.push((line, discount));
        }
    }
    Some(BxgyOutcome {
        discounts,
        missing_units: 0,
    })
}
