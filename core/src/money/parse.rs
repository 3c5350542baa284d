//! Strict decimal-string parsing, shared by amounts and rates.
//!
//! The accepted grammar is `-?[0-9]+(\.[0-9]+)?`: ASCII digits, an optional
//! leading minus, an optional fraction with at least one digit. Everything
//! else (`+1`, ` 1`, `1.`, `.5`, `1e3`, `NaN`, `Infinity`, `1_000`, `1,5`,
//! non-ASCII digits, the empty string) is rejected. Parsing never allocates
//! for valid input and never panics on any input.

use rust_decimal::Decimal;

/// A lexically valid decimal string, split into its parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lexed<'a> {
    pub negative: bool,
    pub int_digits: &'a [u8],
    /// Fraction digits with trailing zeros removed.
    pub frac_digits: &'a [u8],
}

/// Splits `s` into sign, integer and fraction digits, or says what is wrong.
pub(crate) fn lex(s: &str) -> Result<Lexed<'_>, &'static str> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err("empty string");
    }
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let (int_digits, frac) = match rest.iter().position(|&b| b == b'.') {
        Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
        None => (rest, None),
    };
    if int_digits.is_empty() {
        return Err("expected a digit before the decimal point");
    }
    if !int_digits.iter().all(u8::is_ascii_digit) {
        return Err("not a plain decimal number (digits, one optional '-' and '.')");
    }
    let frac_digits = match frac {
        None => &[][..],
        Some([]) => return Err("expected a digit after the decimal point"),
        Some(f) if !f.iter().all(u8::is_ascii_digit) => {
            return Err("not a plain decimal number (digits, one optional '-' and '.')")
        }
        Some(f) => {
            let keep = f.iter().rposition(|&b| b != b'0').map_or(0, |i| i + 1);
            &f[..keep]
        }
    };
    Ok(Lexed {
        negative,
        int_digits,
        frac_digits,
    })
}

/// Outcome of converting lexed digits to minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MinorUnits {
    /// The value in minor units.
    Value(i64),
    /// More significant fraction digits than `exponent`.
    TooPrecise,
    /// Beyond the i64 range of minor units.
    OutOfRange,
}

/// Converts lexed digits to an integer count of minor units (10^-exponent).
pub(crate) fn to_minor_units(lexed: &Lexed<'_>, exponent: u8) -> MinorUnits {
    let exponent = usize::from(exponent);
    if lexed.frac_digits.len() > exponent {
        return MinorUnits::TooPrecise;
    }
    // |i64::MIN| = 2^63: the largest magnitude allowed (for negatives).
    const LIMIT: u128 = 1 << 63;
    let mut magnitude: u128 = 0;
    let padding = exponent - lexed.frac_digits.len();
    let digits = lexed
        .int_digits
        .iter()
        .chain(lexed.frac_digits)
        .map(|d| d - b'0')
        .chain(std::iter::repeat_n(0, padding));
    for digit in digits {
        magnitude = magnitude * 10 + u128::from(digit);
        if magnitude > LIMIT {
            return MinorUnits::OutOfRange;
        }
    }
    let signed = if lexed.negative {
        -(magnitude as i128)
    } else {
        magnitude as i128
    };
    match i64::try_from(signed) {
        Ok(v) => MinorUnits::Value(v),
        Err(_) => MinorUnits::OutOfRange,
    }
}

/// Parses a strict decimal string into an exact [`Decimal`] (up to 28
/// significant digits), for rates and unrounded values.
pub(crate) fn parse_decimal(s: &str) -> Result<Decimal, &'static str> {
    lex(s)?;
    Decimal::from_str_exact(s).map_err(|_| "more digits than 28 significant places")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_the_grammar_and_nothing_else() {
        let good = ["0", "-0", "12", "12.30", "007.5", "-1.000", "1.0"];
        for s in good {
            assert!(lex(s).is_ok(), "{s:?}");
        }
        let bad = [
            "", "-", ".", "1.", ".5", "+1", " 1", "1 ", "1e3", "1E3", "NaN", "nan", "Infinity",
            "-inf", "1_000", "1,5", "--1", "1.2.3", "١٢", "0x10", "1-", "\u{0}1",
        ];
        for s in bad {
            assert!(lex(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn minor_units_table() {
        let cases: &[(&str, u8, MinorUnits)] = &[
            ("12.30", 2, MinorUnits::Value(1230)),
            ("10.000", 2, MinorUnits::Value(1000)),
            ("10.005", 2, MinorUnits::TooPrecise),
            ("1000", 0, MinorUnits::Value(1000)),
            ("1000.0", 0, MinorUnits::Value(1000)),
            ("0.5", 0, MinorUnits::TooPrecise),
            ("-0.250", 3, MinorUnits::Value(-250)),
            ("-0", 2, MinorUnits::Value(0)),
            ("92233720368547758.07", 2, MinorUnits::Value(i64::MAX)),
            ("92233720368547758.08", 2, MinorUnits::OutOfRange),
            ("-92233720368547758.08", 2, MinorUnits::Value(i64::MIN)),
            ("-92233720368547758.09", 2, MinorUnits::OutOfRange),
            (
                "00000000000000000000000000000001",
                4,
                MinorUnits::Value(10_000),
            ),
            (
                "99999999999999999999999999999999999999999",
                0,
                MinorUnits::OutOfRange,
            ),
        ];
        for (s, exp, want) in cases {
            let lexed = lex(s).unwrap();
            assert_eq!(to_minor_units(&lexed, *exp), *want, "{s:?} at {exp}");
        }
    }

    #[test]
    fn decimals_are_exact_or_rejected() {
        assert_eq!(parse_decimal("0.0825").unwrap(), Decimal::new(825, 4));
        assert!(parse_decimal("1e2").is_err());
        assert!(parse_decimal("0.00000000000000000000000000001").is_err());
    }
}
