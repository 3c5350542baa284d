//! The one allocation function: largest remainder, ties to the earlier part.
//!
//! Order discounts, invoice-level tax and partial refunds are all split with
//! [`allocate`], so their parts always add up to the whole.

use super::Money;
use crate::error::{Error, Result};

/// Splits `total` into parts proportional to `weights`, in whole minor units.
///
/// Every part first gets `floor(T x w / W)` minor units (T the total's
/// magnitude, W the sum of the weights); the units still missing go one
/// each to the parts with the largest fractional remainder, and when
/// remainders tie, **the earlier part wins**. So:
///
/// * the parts always add up to `total` exactly;
/// * each part is within one minor unit of its exact share;
/// * a part whose weight is 0 gets 0;
/// * the result depends only on the inputs (no hashing, no randomness).
///
/// A negative total is split as its magnitude and every part negated, so
/// refunds mirror charges exactly.
///
/// # Errors
///
/// `invalid_weights` when `weights` is empty, or when every weight is 0 and
/// the total is not (there is nothing to split it by).
///
/// # Examples
///
/// ```
/// use kassa::{allocate, Currency, Money};
///
/// let total = Money::parse("0.11", Currency::USD)?;
/// let parts = allocate(total, &[10, 30, 60])?;
/// let shown: Vec<String> = parts.iter().map(ToString::to_string).collect();
/// assert_eq!(shown, ["0.01", "0.03", "0.07"]); // the cent goes to the .6 remainder
///
/// // Ties go to the earlier part, whatever its weight.
/// let parts = allocate(Money::parse("0.02", Currency::USD)?, &[1, 3])?;
/// assert_eq!(parts[0].to_string(), "0.01");
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn allocate(total: Money, weights: &[u64]) -> Result<Vec<Money>> {
    if weights.is_empty() {
        return Err(Error::InvalidWeights {
            reason: format!("no parts to split {} {} into", total, total.currency()),
        });
    }
    let weight_sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let currency = total.currency();
    if weight_sum == 0 {
        if total.is_zero() {
            return Ok(vec![Money::zero(currency); weights.len()]);
        }
        return Err(Error::InvalidWeights {
            reason: format!(
                "all {} weights are zero but the total is {total} {currency}",
                weights.len()
            ),
        });
    }

    let magnitude = u128::from(total.minor_units().unsigned_abs());
    let mut parts: Vec<u64> = Vec::with_capacity(weights.len());
    // (remainder, index) of the parts that could take a leftover unit.
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut assigned: u128 = 0;
    for (index, &weight) in weights.iter().enumerate() {
        // magnitude < 2^64 and weight < 2^64, so the product fits in u128.
        let scaled = magnitude * u128::from(weight);
        let (share, remainder) = (scaled / weight_sum, scaled % weight_sum);
        assigned += share;
        // share <= magnitude <= 2^63, so it fits in u64.
        parts.push(share as u64);
        if remainder > 0 {
            remainders.push((remainder, index));
        }
    }

    // The leftover is the sum of the fractional remainders, so it is smaller
    // than the number of parts with a non-zero remainder.
    let leftover = (magnitude - assigned) as usize;
    if leftover > 0 {
        remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, index) in &remainders[..leftover] {
            parts[index] += 1;
        }
    }

    let negative = total.is_negative();
    Ok(parts
        .into_iter()
        .map(|part| {
            // |part| <= |total|, which is a valid i64 magnitude.
            let minor = if negative {
                0i64.wrapping_sub_unsigned(part)
            } else {
                part as i64
            };
            Money::from_minor_units(minor, currency)
        })
        .collect())
}
