//! The one allocation function: largest remainder, ties to the earlier part.
//!
//! Order discounts, invoice-level tax and partial refunds are all split with
//! [`allocate`], so their parts always add up to the whole.

use strength_reduce::StrengthReducedU64;

use super::Money;
use crate::error::{Error, Result};

/// From this many parts on, the narrow path divides with a
/// [`StrengthReducedU64`] (its set-up costs a few plain divisions).
const REDUCED_DIVISION_FROM: usize = 16;

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
    let mut parts = Vec::with_capacity(weights.len());
    let mut scratch = AllocScratch::default();
    allocate_minor(total, weights, &mut parts, &mut scratch)?;
    let currency = total.currency();
    Ok(parts
        .into_iter()
        .map(|minor| Money::from_minor_units(minor, currency))
        .collect())
}

/// Working space of [`allocate_minor`], kept by a caller that splits many
/// amounts: ranking keys of 64 bits when the weights allow, else of 128.
#[derive(Debug, Default)]
pub(crate) struct AllocScratch {
    short: Vec<u64>,
    long: Vec<u128>,
}

impl AllocScratch {
    /// Space for `parts` parts without growing.
    pub(crate) fn with_capacity(parts: usize) -> Self {
        AllocScratch {
            short: Vec::with_capacity(parts),
            long: Vec::new(),
        }
    }
}

/// The units the floors left over, one each to the parts with the largest
/// keys (`keys` holds one per part with a non-zero remainder; the leftover
/// is smaller than their number).
fn give_leftover<K: Ord + Copy + Default + Into<u128>>(
    keys: &mut [K],
    leftover: usize,
    parts: &mut [i64],
) {
    // A key's low 32 bits are `u32::MAX - index`.
    let index_of = |key: K| (u32::MAX - key.into() as u32) as usize;
    if leftover == 0 {
        return;
    }
    if leftover <= 4 {
        // A few units: take the best remaining key each time.
        for _ in 0..leftover {
            let (best, key) = keys
                .iter()
                .copied()
                .enumerate()
                .max_by_key(|&(_, k)| k)
                .unwrap_or_default();
            parts[index_of(key)] = parts[index_of(key)].wrapping_add(1);
            keys[best] = K::default();
        }
        return;
    }
    if leftover < keys.len() {
        keys.select_nth_unstable_by(leftover - 1, |a, b| b.cmp(a));
    }
    for &key in &keys[..leftover] {
        parts[index_of(key)] = parts[index_of(key)].wrapping_add(1);
    }
}

/// [`allocate`] into caller-owned buffers, in minor units: `parts` receives
/// one entry per weight; `scratch` is working space. Lets a hot loop split
/// many amounts without allocating each time.
pub(crate) fn allocate_minor(
    total: Money,
    weights: &[u64],
    parts: &mut Vec<i64>,
    scratch: &mut AllocScratch,
) -> Result<()> {
    parts.clear();
    scratch.short.clear();
    scratch.long.clear();
    if weights.is_empty() {
        return Err(Error::InvalidWeights {
            reason: format!("no parts to split {} {} into", total, total.currency()),
        });
    }
    let weight_sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if weight_sum == 0 {
        if total.is_zero() {
            parts.resize(weights.len(), 0);
            return Ok(());
        }
        return Err(Error::InvalidWeights {
            reason: format!(
                "all {} weights are zero but the total is {total} {}",
                weights.len(),
                total.currency()
            ),
        });
    }

    let Ok(count) = u32::try_from(weights.len()) else {
        return Err(Error::InvalidWeights {
            reason: format!(
                "{} parts is more than an allocation supports",
                weights.len()
            ),
        });
    };
    let magnitude = u128::from(total.minor_units().unsigned_abs());
    let negative = total.is_negative();
    let max_weight = weights.iter().copied().max().unwrap_or(0);
    // magnitude < 2^64 and weight < 2^64, so the product fits in u128;
    // when it fits in u64 (the usual case) 64-bit division is much faster.
    let narrow = u64::try_from(weight_sum).is_ok()
        && magnitude
            .checked_mul(u128::from(max_weight))
            .is_some_and(|p| p <= u128::from(u64::MAX));
    // One integer ranks a part: its remainder (< W), then the earlier
    // index; the larger key wins and keys are unique. With W < 2^32 the key
    // fits in 64 bits, which halves the cost of ranking.
    let short_keys = weight_sum <= u128::from(u32::MAX);
    // Every part divides by the same sum: with enough parts to repay its
    // set-up (one 128-bit division), a multiply-and-shift divisor.
    let reduced = (narrow && weights.len() >= REDUCED_DIVISION_FROM)
        .then(|| StrengthReducedU64::new(weight_sum as u64));
    let assigned: u128 = match reduced {
        // The usual case on a loop of its own: 64-bit products, one
        // multiply-and-shift divisor, 64-bit keys.
        Some(sum) if short_keys => {
            let magnitude = magnitude as u64;
            // The shares' sum is at most the magnitude: no overflow.
            let mut assigned: u64 = 0;
            parts.reserve(weights.len());
            scratch.short.reserve(weights.len());
            for (index, &weight) in (0..count).zip(weights) {
                let (share, remainder) = StrengthReducedU64::div_rem(magnitude * weight, sum);
                assigned += share;
                parts.push(share as i64);
                if remainder > 0 {
                    scratch
                        .short
                        .push((remainder << 32) | u64::from(u32::MAX - index));
                }
            }
            u128::from(assigned)
        }
        _ => {
            let mut assigned: u128 = 0;
            for (index, &weight) in (0..count).zip(weights) {
                let (share, remainder) = if narrow {
                    let scaled = magnitude as u64 * weight;
                    let (share, remainder) = match reduced {
                        Some(sum) => StrengthReducedU64::div_rem(scaled, sum),
                        None => {
                            let sum = weight_sum as u64;
                            (scaled / sum, scaled % sum)
                        }
                    };
                    (u128::from(share), u128::from(remainder))
                } else {
                    let scaled = magnitude * u128::from(weight);
                    (scaled / weight_sum, scaled % weight_sum)
                };
                assigned += share;
                // share <= magnitude <= 2^63: stored as a magnitude, signed below.
                parts.push(share as i64);
                if remainder > 0 {
                    let rank = u32::MAX - index;
                    if short_keys {
                        scratch
                            .short
                            .push(((remainder as u64) << 32) | u64::from(rank));
                    } else {
                        scratch.long.push((remainder << 32) | u128::from(rank));
                    }
                }
            }
            assigned
        }
    };

    // The leftover is the sum of the fractional remainders, so it is smaller
    // than the number of parts with a non-zero remainder.
    let leftover = (magnitude - assigned) as usize;
    if short_keys {
        give_leftover(&mut scratch.short, leftover, parts);
    } else {
        give_leftover(&mut scratch.long, leftover, parts);
    }
    if negative {
        // |part| <= |total|: wrapping negation maps 2^63 onto i64::MIN exactly.
        for part in parts.iter_mut() {
            *part = part.wrapping_neg();
        }
    }
    Ok(())
}
