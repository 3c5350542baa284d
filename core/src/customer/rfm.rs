//! RFM: recency, frequency and monetary scores over the customer base,
//! and the named groups they fall into.
//!
//! Each customer with at least one order gets three scores from 1 to 5:
//! the quintile of their rank among all such customers, from worst to
//! best, for recency (fewer days since the last order is better),
//! frequency (more orders) and monetary value (more spent). With `n`
//! customers, the customer at rank `k` (1-based; tied customers share the
//! lowest rank of their tie) scores `ceil(5 k / n)`: with 10 customers,
//! ranks 1-2 score 1, ranks 9-10 score 5.
//!
//! The group comes from the recency and frequency scores, first matching
//! row of [`RfmGroups`] wins. The default table:
//!
//! | group | R | F |
//! |---|---|---|
//! | `champions` | 4-5 | 4-5 |
//! | `loyal` | 3-5 | 3-5 |
//! | `new` | 5 | 1 |
//! | `promising` | 4-5 | 1-2 |
//! | `need_attention` | 3 | 1-2 |
//! | `at_risk` | 1-2 | 3-5 |
//! | `hibernating` | 2 | 1-2 |
//! | `lost` | 1 | 1-2 |
//!
//! It covers every (R, F) pair; a custom table that leaves pairs out puts
//! them in `other`.

use std::ops::RangeInclusive;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One customer's input: days since the last order, orders, money spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmInput {
    /// The customer id.
    pub customer: String,
    /// Days since the last order.
    pub recency_days: u64,
    /// Orders placed.
    pub frequency: u64,
    /// Money spent (one currency for the whole base).
    pub monetary: Decimal,
}

/// One customer's scores and group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmScore {
    /// The customer id.
    pub customer: String,
    /// Recency score, 1 to 5 (5: ordered most recently).
    pub r: u8,
    /// Frequency score, 1 to 5.
    pub f: u8,
    /// Monetary score, 1 to 5.
    pub m: u8,
    /// The group name.
    pub group: String,
}

/// A row of the group table: customers whose R and F scores fall in the
/// ranges belong to `group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmRule {
    /// The group name.
    pub group: String,
    /// Recency scores.
    pub r: RangeInclusive<u8>,
    /// Frequency scores.
    pub f: RangeInclusive<u8>,
}

/// The group table (see the module documentation for the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmGroups {
    /// Rows, first match wins.
    pub rules: Vec<RfmRule>,
}

impl Default for RfmGroups {
    fn default() -> Self {
        let row = |group: &str, r: RangeInclusive<u8>, f: RangeInclusive<u8>| RfmRule {
            group: group.to_owned(),
            r,
            f,
        };
        RfmGroups {
            rules: vec![
                row("champions", 4..=5, 4..=5),
                row("loyal", 3..=5, 3..=5),
                row("new", 5..=5, 1..=1),
                row("promising", 4..=5, 1..=2),
                row("need_attention", 3..=3, 1..=2),
                row("at_risk", 1..=2, 3..=5),
                row("hibernating", 2..=2, 1..=2),
                row("lost", 1..=1, 1..=2),
            ],
        }
    }
}

impl RfmGroups {
    /// The group of scores `r` and `f` (`other` when no row matches).
    pub fn group(&self, r: u8, f: u8) -> &str {
        self.rules
            .iter()
            .find(|rule| rule.r.contains(&r) && rule.f.contains(&f))
            .map_or("other", |rule| rule.group.as_str())
    }
}

/// Scores every customer of `base` (see the module documentation), in the
/// order given.
///
/// # Examples
///
/// ```
/// use kassa::customer::{rfm_scores, RfmGroups, RfmInput};
/// use kassa::Decimal;
/// let base: Vec<RfmInput> = (0..5u64)
///     .map(|i| RfmInput {
///         customer: format!("c{i}"),
///         recency_days: 10 * i,
///         frequency: 5 - i,
///         monetary: Decimal::from(100 * (5 - i)),
///     })
///     .collect();
/// let scores = rfm_scores(&base, &RfmGroups::default());
/// assert_eq!((scores[0].r, scores[0].f, scores[0].m), (5, 5, 5));
/// assert_eq!(scores[0].group, "champions");
/// assert_eq!(scores[4].group, "lost");
/// ```
pub fn rfm_scores(base: &[RfmInput], groups: &RfmGroups) -> Vec<RfmScore> {
    // Keys that sort worst first: more days, fewer orders, less money.
    let r = quintiles(base.iter().map(|c| std::cmp::Reverse(c.recency_days)));
    let f = quintiles(base.iter().map(|c| c.frequency));
    // Amounts as integers of 10^-8 units when they all fit one (sorting a
    // million of them is far faster than comparing decimals), else as
    // decimals, so the keys of one run are always of one kind.
    let small: Option<Vec<i64>> = base.iter().map(|c| money_key(c.monetary)).collect();
    let m = match small {
        Some(keys) => quintiles(keys.into_iter()),
        None => quintiles(base.iter().map(|c| c.monetary)),
    };
    base.iter()
        .enumerate()
        .map(|(i, c)| RfmScore {
            customer: c.customer.clone(),
            r: r[i],
            f: f[i],
            m: m[i],
            group: groups.group(r[i], f[i]).to_owned(),
        })
        .collect()
}

/// An amount as a 64-bit integer of 10^-8 units (exact for money); none
/// when it does not fit.
fn money_key(amount: Decimal) -> Option<i64> {
    let scale = amount.scale();
    if scale > 8 {
        return None;
    }
    amount
        .mantissa()
        .checked_mul(10i128.pow(8 - scale))
        .and_then(|k| i64::try_from(k).ok())
}

/// The quintile score of each key (keys sort worst first), in the order
/// given.
fn quintiles<K: Ord + Copy>(keys: impl ExactSizeIterator<Item = K>) -> Vec<u8> {
    let n = keys.len();
    // Sorting (key, position) pairs keeps the sort in contiguous memory
    // (sorting positions by a looked-up key misses the cache on every
    // comparison); positions are 32-bit while the base allows it, which
    // keeps a pair of 64-bit keys in 16 bytes.
    match u32::try_from(n) {
        Ok(_) => scores(keys.zip(0u32..).collect(), n),
        Err(_) => scores(keys.zip(0usize..).collect(), n),
    }
}

fn scores<K: Ord + Copy, P: Ord + Copy + TryInto<usize>>(
    mut order: Vec<(K, P)>,
    n: usize,
) -> Vec<u8> {
    order.sort_unstable();
    let mut scores = vec![0u8; n];
    let mut tie_start = 0;
    for pos in 0..n {
        if pos > 0 && order[pos - 1].0 != order[pos].0 {
            tie_start = pos;
        }
        let score = (5 * (tie_start + 1)).div_ceil(n);
        if let Ok(at) = order[pos].1.try_into() {
            scores[at] = u8::try_from(score.clamp(1, 5)).unwrap_or(5);
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(customer: &str, recency_days: u64, frequency: u64, monetary: i64) -> RfmInput {
        RfmInput {
            customer: customer.into(),
            recency_days,
            frequency,
            monetary: Decimal::from(monetary),
        }
    }

    #[test]
    fn ten_customers_scored_by_hand() {
        // Recency ranks worst to best: j(300) i(200) h(150) g(120) f(90)
        // e(60) d(30) c(20) b(10) a(5); two per quintile.
        let base = vec![
            input("a", 5, 10, 1_000),
            input("b", 10, 8, 800),
            input("c", 20, 6, 900),
            input("d", 30, 6, 100),
            input("e", 60, 4, 400),
            input("f", 90, 3, 300),
            input("g", 120, 2, 200),
            input("h", 150, 9, 700),
            input("i", 200, 1, 50),
            input("j", 300, 1, 60),
        ];
        let got: Vec<(String, u8, u8, u8, String)> = rfm_scores(&base, &RfmGroups::default())
            .into_iter()
            .map(|s| (s.customer, s.r, s.f, s.m, s.group))
            .collect();
        // Frequency: i, j tie at rank 1 (score 1); g rank 3 (2); f rank 4
        // (2); e rank 5 (3); c, d tie at rank 6 (3); b rank 8 (4); h rank 9
        // (5); a rank 10 (5).
        let want = [
            ("a", 5, 5, 5, "champions"),
            ("b", 5, 4, 4, "champions"),
            ("c", 4, 3, 5, "loyal"),
            ("d", 4, 3, 2, "loyal"),
            ("e", 3, 3, 3, "loyal"),
            ("f", 3, 2, 3, "need_attention"),
            ("g", 2, 2, 2, "hibernating"),
            ("h", 2, 5, 4, "at_risk"),
            ("i", 1, 1, 1, "lost"),
            ("j", 1, 1, 1, "lost"),
        ];
        let want: Vec<(String, u8, u8, u8, String)> = want
            .iter()
            .map(|(c, r, f, m, g)| (c.to_string(), *r, *f, *m, g.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_default_table_names_every_pair_and_custom_tables_fall_back() {
        let groups = RfmGroups::default();
        for r in 1..=5 {
            for f in 1..=5 {
                assert_ne!(groups.group(r, f), "other", "({r}, {f})");
            }
        }
        let custom = RfmGroups {
            rules: vec![RfmRule {
                group: "best".into(),
                r: 5..=5,
                f: 5..=5,
            }],
        };
        assert_eq!((custom.group(5, 5), custom.group(4, 5)), ("best", "other"));
    }

    #[test]
    fn amounts_beyond_8_places_compare_as_decimals() {
        let mut base = vec![input("a", 1, 1, 1), input("b", 1, 1, 2)];
        base[0].monetary = Decimal::new(1, 10); // 0.0000000001
        base[1].monetary = Decimal::new(2, 10);
        let s = rfm_scores(&base, &RfmGroups::default());
        assert_eq!((s[0].m, s[1].m), (3, 5));
    }

    #[test]
    fn amounts_beyond_64_bits_of_units_compare_as_decimals() {
        // 10^12 and 2 * 10^12 need more than 64 bits at 10^-8 units.
        let base = vec![
            input("a", 1, 1, 2_000_000_000_000),
            input("b", 1, 1, 1),
            input("c", 1, 1, 1_000_000_000_000),
        ];
        let s = rfm_scores(&base, &RfmGroups::default());
        assert_eq!((s[0].m, s[1].m, s[2].m), (5, 2, 4));
    }

    #[test]
    fn small_bases() {
        assert!(rfm_scores(&[], &RfmGroups::default()).is_empty());
        let one = rfm_scores(&[input("a", 1, 1, 1)], &RfmGroups::default());
        assert_eq!(
            (one[0].r, one[0].f, one[0].m),
            (5, 5, 5),
            "alone at the top"
        );
        let tied = rfm_scores(
            &[input("a", 1, 1, 1), input("b", 1, 1, 1)],
            &RfmGroups::default(),
        );
        assert_eq!((tied[0].r, tied[1].r), (3, 3), "ties share the lowest rank");
    }
}
