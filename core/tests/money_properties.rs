//! Property tests: allocation invariants, rounding against an exact integer
//! oracle, and parsing that never panics.

use kassa::{allocate, round, Currency, Decimal, Money, RoundingMode};
use proptest::prelude::*;

const CURRENCIES: [Currency; 4] = [Currency::JPY, Currency::USD, Currency::KWD, Currency::CLF];

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(CURRENCIES.to_vec())
}

/// Totals up to 10^15 minor units, either sign, and 1-50 weights (some zero,
/// some large, some equal to force ties).
fn allocation_input() -> impl Strategy<Value = (i64, Vec<u64>, Currency)> {
    let weight = prop_oneof![
        3 => Just(0u64),
        3 => 1u64..10,
        3 => 1u64..1_000_000,
        1 => Just(u64::MAX / 64),
    ];
    (
        -1_000_000_000_000_000i64..=1_000_000_000_000_000,
        prop::collection::vec(weight, 1..=50),
        currency(),
    )
        .prop_filter("some weight must be non-zero", |(_, w, _)| {
            w.iter().any(|&x| x > 0)
        })
}

/// Order-discount-sized splits: totals up to 10^9 minor units over 1-200
/// weights up to 10^6, where the product of total and weight fits in 64
/// bits (the allocation's narrow path, with its multiply-and-shift
/// division from 16 parts on).
fn narrow_allocation_input() -> impl Strategy<Value = (i64, Vec<u64>)> {
    let weight = prop_oneof![
        1 => Just(0u64),
        2 => 1u64..100,
        3 => 1u64..1_000_000,
        1 => Just(999_983u64),
    ];
    (
        -1_000_000_000i64..=1_000_000_000,
        prop::collection::vec(weight, 1..=200),
    )
        .prop_filter("some weight must be non-zero", |(_, w)| {
            w.iter().any(|&x| x > 0)
        })
}

/// The largest-remainder split computed the plain way, in 128-bit
/// arithmetic: floor shares, then one more unit to each of the `leftover`
/// largest remainders, ties to the earlier part.
fn largest_remainder_oracle(total: i64, weights: &[u64]) -> Vec<i64> {
    let magnitude = i128::from(total).abs();
    let w_sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    let mut parts: Vec<i128> = weights
        .iter()
        .map(|&w| magnitude * i128::from(w) / w_sum)
        .collect();
    let leftover = magnitude - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (
            magnitude * i128::from(weights[a]) % w_sum,
            magnitude * i128::from(weights[b]) % w_sum,
        );
        rb.cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(usize::try_from(leftover).unwrap()) {
        parts[i] += 1;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(if total < 0 { -p } else { p }).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn narrow_allocations_equal_the_plain_largest_remainder_split(
        (total, weights) in narrow_allocation_input(),
        cur in currency(),
    ) {
        let parts = allocate(Money::from_minor_units(total, cur), &weights).unwrap();
        let minor: Vec<i64> = parts.iter().map(|p| p.minor_units()).collect();
        prop_assert_eq!(minor, largest_remainder_oracle(total, &weights));
    }

    #[test]
    fn allocation_parts_sum_to_the_total((total, weights, cur) in allocation_input()) {
        let money = Money::from_minor_units(total, cur);
        let parts = allocate(money, &weights).unwrap();
        prop_assert_eq!(parts.len(), weights.len());
        let sum: i128 = parts.iter().map(|p| i128::from(p.minor_units())).sum();
        prop_assert_eq!(sum, i128::from(total));
        prop_assert!(parts.iter().all(|p| p.currency() == cur));
    }

    #[test]
    fn allocation_parts_are_within_one_unit_of_their_share((total, weights, cur) in allocation_input()) {
        let parts = allocate(Money::from_minor_units(total, cur), &weights).unwrap();
        let w_sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
        for (part, &w) in parts.iter().zip(&weights) {
            // |part - T*w/W| < 1  <=>  |part*W - T*w| < W
            let diff = i128::from(part.minor_units()) * w_sum - i128::from(total) * i128::from(w);
            prop_assert!(diff.abs() < w_sum, "part {} weight {} total {}", part, w, total);
            if w == 0 {
                prop_assert!(part.is_zero());
            }
        }
    }

    #[test]
    fn allocation_is_largest_remainder_with_ties_to_the_earlier_part((total, weights, cur) in allocation_input()) {
        let parts = allocate(Money::from_minor_units(total, cur), &weights).unwrap();
        let magnitude = i128::from(total).abs();
        let w_sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
        // A part got an extra unit iff its remainder ranks among the top k.
        let rems: Vec<i128> = weights.iter().map(|&w| magnitude * i128::from(w) % w_sum).collect();
        let extra: Vec<bool> = parts
            .iter()
            .zip(&weights)
            .map(|(p, &w)| i128::from(p.minor_units()).abs() > magnitude * i128::from(w) / w_sum)
            .collect();
        for i in 0..weights.len() {
            for j in 0..weights.len() {
                // If j got a unit and i did not, i must rank strictly lower.
                if extra[j] && !extra[i] {
                    let i_ranks_lower = rems[i] < rems[j] || (rems[i] == rems[j] && i > j);
                    prop_assert!(i_ranks_lower, "part {} (rem {}) lost to part {} (rem {})", i, rems[i], j, rems[j]);
                }
            }
        }
    }

    /// Scaling every weight by one factor changes no part. The factor takes
    /// the weight sum past 2^32, where ranking switches to wider keys.
    #[test]
    fn allocation_ignores_a_common_factor_of_the_weights(
        total in -1_000_000_000i64..=1_000_000_000,
        weights in prop::collection::vec(0u64..100_000, 1..=50),
        factor in prop_oneof![Just(1u64 << 20), 1u64..1_000_000],
    ) {
        prop_assume!(weights.iter().any(|&w| w > 0));
        let scaled: Vec<u64> = weights.iter().map(|&w| w * factor).collect();
        let money = Money::from_minor_units(total, Currency::USD);
        prop_assert_eq!(allocate(money, &weights).unwrap(), allocate(money, &scaled).unwrap());
    }

    #[test]
    fn allocation_is_deterministic((total, weights, cur) in allocation_input()) {
        let money = Money::from_minor_units(total, cur);
        prop_assert_eq!(allocate(money, &weights).unwrap(), allocate(money, &weights).unwrap());
    }

    #[test]
    fn rounding_matches_an_exact_rational_oracle(
        mantissa in any::<i64>(),
        scale in 0u32..=12,
        cur in currency(),
        half_up in any::<bool>(),
    ) {
        let mode = if half_up { RoundingMode::HalfUp } else { RoundingMode::HalfEven };
        let value = Decimal::new(mantissa, scale);
        let exponent = u32::from(cur.minor_units());
        let m = i128::from(mantissa);
        let expected: i128 = if scale <= exponent {
            m * 10i128.pow(exponent - scale)
        } else {
            let d = 10i128.pow(scale - exponent);
            let (q, r) = (m.div_euclid(d), m.rem_euclid(d)); // value = (q + r/d) minor units
            match (2 * r).cmp(&d) {
                std::cmp::Ordering::Less => q,
                std::cmp::Ordering::Greater => q + 1,
                std::cmp::Ordering::Equal => match mode {
                    RoundingMode::HalfEven => if q % 2 == 0 { q } else { q + 1 },
                    // Away from zero: q is the floor, so for negatives it already is.
                    RoundingMode::HalfUp => if m >= 0 { q + 1 } else { q },
                },
            }
        };
        match round(value, cur, mode) {
            Ok(money) => prop_assert_eq!(i128::from(money.minor_units()), expected),
            Err(e) => {
                prop_assert_eq!(e.code(), "amount_out_of_range");
                prop_assert!(i64::try_from(expected).is_err());
            }
        }
    }

    #[test]
    fn parsing_never_panics(s in any::<String>(), cur in currency()) {
        let _ = Money::parse(&s, cur);
        let _ = kassa::money::parse_rate(&s);
        let _ = Currency::from_code(&s);
    }

    #[test]
    fn parsing_near_misses_never_panics(s in r"[-+ .eE0-9naNIfity_,]{0,40}", cur in currency()) {
        match Money::parse(&s, cur) {
            Ok(m) => prop_assert_eq!(Money::parse(&m.to_string(), cur).unwrap(), m),
            Err(e) => prop_assert!(
                ["invalid_amount", "invalid_amount_precision", "amount_out_of_range"].contains(&e.code())
            ),
        }
    }

    #[test]
    fn display_parse_round_trips(minor in any::<i64>(), cur in currency()) {
        let m = Money::from_minor_units(minor, cur);
        let s = m.to_string();
        prop_assert!(minor < 0 || !s.starts_with('-'), "{} printed as {}", minor, s);
        prop_assert_eq!(Money::parse(&s, cur).unwrap(), m);
        // The text is the exact decimal at the currency's scale, and the
        // wire form carries the same text.
        let exact = Decimal::new(minor, u32::from(cur.minor_units())).to_string();
        prop_assert_eq!(&s, &exact);
        let wire = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(wire, format!(r#"{{"amount":"{exact}","currency":"{}"}}"#, cur.code()));
    }

    #[test]
    fn checked_add_matches_wide_arithmetic(a in any::<i64>(), b in any::<i64>()) {
        let (x, y) = (Money::from_minor_units(a, Currency::USD), Money::from_minor_units(b, Currency::USD));
        match (x.checked_add(y), a.checked_add(b)) {
            (Ok(sum), Some(want)) => prop_assert_eq!(sum.minor_units(), want),
            (Err(e), None) => prop_assert_eq!(e.code(), "amount_out_of_range"),
            (got, want) => prop_assert!(false, "{:?} vs {:?}", got, want),
        }
    }
}
