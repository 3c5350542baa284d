//! Buy X get Y: the cheapest eligible units of the whole pool are discounted.

use super::calculate::Line;
use super::stacking::Scratch;
use crate::money::{Rate, RoundingMode};

/// A buy-`buy`-get-`get` deal.
pub(crate) struct Deal {
    pub buy: u64,
    pub get: u64,
    pub get_percent: Rate,
    pub max_applications: Option<u64>,
}

/// Applies `deal` to the `eligible` lines, writing `(line, discount)` into
/// `scratch.discounts`; returns how many eligible units were missing for a
/// first application (0 when it applied). `None` on arithmetic overflow.
///
/// All eligible units form one pool; `n = floor(units / (buy + get))`,
/// capped by `max_applications`; the `n x get` cheapest units (by unit
/// price, equal prices: the earlier line first) are discounted. Per line the
/// discount is `round(sum of its discounted unit prices x get_percent)`, at
/// most its running amount.
pub(crate) fn apply(
    deal: &Deal,
    lines: &[Line<'_>],
    eligible: &[usize],
    running: &[i64],
    mode: RoundingMode,
    scratch: &mut Scratch,
) -> Option<u64> {
    let set = u128::from(deal.buy) + u128::from(deal.get);
    let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
    let mut applications = units / set;
    if let Some(cap) = deal.max_applications {
        applications = applications.min(u128::from(cap));
    }
    if applications == 0 {
        return Some(u64::try_from(set - units).unwrap_or(u64::MAX));
    }
    let mut to_discount = applications * u128::from(deal.get);

    // (unit price, line, units) groups; a graduated line has one per band.
    let pool = &mut scratch.pool;
    pool.clear();
    for &i in eligible {
        let line = &lines[i];
        match line.price.unit_price {
            Some(unit) => pool.push((unit.minor_units(), i, line.qty)),
            None => pool.extend(line.price.bands.iter().map(|&(p, n)| (p, i, n))),
        }
    }
    pool.sort_unstable_by_key(|&(price, line, _)| (price, line));

    // Sum of discounted unit prices per line.
    let per_line = &mut scratch.per_line;
    per_line.clear();
    per_line.resize(lines.len(), 0);
    for &(price, line, count) in pool.iter() {
        if to_discount == 0 {
            break;
        }
        let take = u128::from(count).min(to_discount);
        to_discount -= take;
        let value = i128::from(price).checked_mul(i128::try_from(take).ok()?)?;
        per_line[line] = per_line[line].checked_add(value)?;
    }
    for &line in eligible {
        let sum = per_line[line];
        if sum == 0 {
            continue;
        }
        let discount = deal
            .get_percent
            .of_minor(i64::try_from(sum).ok()?, 1, mode)?
            .min(running[line]);
        if discount > 0 {
            scratch.discounts.push((line, discount));
        }
    }
    Some(0)
}
