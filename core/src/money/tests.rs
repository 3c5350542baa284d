//! Table-driven unit tests of the money module.

use super::*;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

#[test]
fn parse_and_format_round_trip_canonically() {
    let cases: &[(&str, Currency, &str)] = &[
        ("12.3", Currency::USD, "12.30"),
        ("12.30", Currency::USD, "12.30"),
        ("10.000", Currency::USD, "10.00"),
        ("1000", Currency::JPY, "1000"),
        ("0.25", Currency::KWD, "0.250"),
        ("-0", Currency::USD, "0.00"),
        ("-0.000", Currency::BHD, "0.000"),
        ("-0", Currency::JPY, "0"),
        ("2.3475", Currency::UYW, "2.3475"),
        ("-1.5", Currency::CLF, "-1.5000"),
        ("007.05", Currency::EUR, "7.05"),
        (
            "92233720368547758.07",
            Currency::USD,
            "92233720368547758.07",
        ),
        (
            "-92233720368547758.08",
            Currency::USD,
            "-92233720368547758.08",
        ),
        ("9223372036854775807", Currency::JPY, "9223372036854775807"),
    ];
    for (input, currency, want) in cases {
        let m = Money::parse(input, *currency).unwrap();
        assert_eq!(m.to_string(), *want, "{input:?} {currency}");
        assert_eq!(Money::parse(&m.to_string(), *currency).unwrap(), m);
    }
}

#[test]
fn parse_errors_have_their_codes() {
    let cases: &[(&str, Currency, &str)] = &[
        ("", Currency::USD, "invalid_amount"),
        (" 1.00", Currency::USD, "invalid_amount"),
        ("1.00 ", Currency::USD, "invalid_amount"),
        ("+1.00", Currency::USD, "invalid_amount"),
        ("NaN", Currency::USD, "invalid_amount"),
        ("Infinity", Currency::USD, "invalid_amount"),
        ("-inf", Currency::USD, "invalid_amount"),
        ("1e3", Currency::USD, "invalid_amount"),
        ("1E-2", Currency::USD, "invalid_amount"),
        ("12,30", Currency::EUR, "invalid_amount"),
        ("abc", Currency::USD, "invalid_amount"),
        ("10.005", Currency::USD, "invalid_amount_precision"),
        ("0.5", Currency::JPY, "invalid_amount_precision"),
        ("0.0001", Currency::KWD, "invalid_amount_precision"),
        ("0.00001", Currency::CLF, "invalid_amount_precision"),
        ("92233720368547758.08", Currency::USD, "amount_out_of_range"),
        ("9223372036854775808", Currency::JPY, "amount_out_of_range"),
        (
            "100000000000000000000000",
            Currency::USD,
            "amount_out_of_range",
        ),
    ];
    for (input, currency, code) in cases {
        let err = Money::parse(input, *currency).unwrap_err();
        assert_eq!(err.code(), *code, "{input:?} {currency}");
    }
}

#[test]
fn error_messages_name_the_value() {
    let err = Money::parse("12.3a", Currency::USD).unwrap_err();
    assert!(err.to_string().contains("\"12.3a\""), "{err}");
    let err = Money::parse("1.005", Currency::USD).unwrap_err();
    assert!(
        err.to_string().contains("1.005") && err.to_string().contains("USD"),
        "{err}"
    );
    let huge = "1".repeat(10_000_000);
    let err = Money::parse(&huge, Currency::USD).unwrap_err();
    assert_eq!(err.code(), "amount_out_of_range");
    assert!(
        err.to_string().len() < 300,
        "message must not echo a 10 MB input"
    );
}

#[test]
fn arithmetic_is_checked() {
    assert_eq!(usd("0.10").checked_add(usd("0.20")).unwrap(), usd("0.30"));
    assert_eq!(usd("0.10").checked_sub(usd("0.20")).unwrap(), usd("-0.10"));
    assert_eq!(usd("1.25").checked_neg().unwrap(), usd("-1.25"));
    assert_eq!(usd("19.99").multiply_quantity(3).unwrap(), usd("59.97"));
    assert_eq!(usd("19.99").multiply_quantity(0).unwrap(), usd("0"));

    let max = Money::from_minor_units(i64::MAX, Currency::USD);
    let min = Money::from_minor_units(i64::MIN, Currency::USD);
    let cent = usd("0.01");
    for result in [
        max.checked_add(cent),
        min.checked_sub(cent),
        min.checked_neg(),
        max.multiply_quantity(2),
        cent.multiply_quantity(u64::MAX),
    ] {
        assert_eq!(result.unwrap_err().code(), "amount_out_of_range");
    }
    let yen = Money::parse("1", Currency::JPY).unwrap();
    assert_eq!(
        cent.checked_add(yen).unwrap_err().code(),
        "currency_mismatch"
    );
    assert_eq!(
        cent.checked_sub(yen).unwrap_err().code(),
        "currency_mismatch"
    );
    assert_eq!(
        cent.checked_cmp(&yen).unwrap_err().code(),
        "currency_mismatch"
    );
    assert_eq!(
        cent.checked_cmp(&usd("0.02")).unwrap(),
        std::cmp::Ordering::Less
    );
}

#[test]
fn rate_products_round_only_when_asked() {
    let consult = Money::parse("7.0425", Currency::UYW).unwrap();
    let tax = consult.multiply_rate(parse_rate("0.22").unwrap()).unwrap();
    assert_eq!(tax.value().to_string(), "1.549350");
    assert_eq!(
        tax.round(RoundingMode::HalfUp).unwrap().to_string(),
        "1.5494"
    );
    assert_eq!(
        tax.round(RoundingMode::HalfEven).unwrap().to_string(),
        "1.5494"
    );
    let big = Money::from_minor_units(i64::MAX, Currency::USD);
    let doubled = big.multiply_rate(parse_rate("2").unwrap()).unwrap();
    assert_eq!(
        doubled.round(RoundingMode::HalfEven).unwrap_err().code(),
        "amount_out_of_range"
    );
}

#[test]
fn from_decimal_is_strict() {
    let d = parse_decimal("1.050").unwrap();
    assert_eq!(
        Money::from_decimal(d, Currency::EUR).unwrap(),
        Money::parse("1.05", Currency::EUR).unwrap()
    );
    let d = parse_decimal("1.055").unwrap();
    assert_eq!(
        Money::from_decimal(d, Currency::EUR).unwrap_err().code(),
        "invalid_amount_precision"
    );
    let d = parse_decimal("100000000000000000000").unwrap();
    assert_eq!(
        Money::from_decimal(d, Currency::EUR).unwrap_err().code(),
        "amount_out_of_range"
    );
}

#[test]
fn rounding_modes_parse_by_name() {
    assert_eq!(
        "half_even".parse::<RoundingMode>().unwrap(),
        RoundingMode::HalfEven
    );
    assert_eq!(
        "half_up".parse::<RoundingMode>().unwrap(),
        RoundingMode::HalfUp
    );
    for bad in ["HALF_UP", "half-up", "", "up"] {
        assert_eq!(
            bad.parse::<RoundingMode>().unwrap_err().code(),
            "invalid_rounding_mode"
        );
    }
    assert_eq!(RoundingMode::default(), RoundingMode::HalfEven);
}

#[test]
fn serde_uses_canonical_strings() {
    let m = Money::parse("0.25", Currency::KWD).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"amount":"0.250","currency":"KWD"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    for bad in [
        r#"{"amount":"0.2501","currency":"KWD"}"#,
        r#"{"amount":0.25,"currency":"KWD"}"#,
        r#"{"amount":"1","currency":"ZZZ"}"#,
        r#"{"amount":"1e2","currency":"USD"}"#,
    ] {
        assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
    }
    assert_eq!(
        serde_json::to_string(&RoundingMode::HalfUp).unwrap(),
        "\"half_up\""
    );
}

#[test]
fn allocation_edge_cases() {
    let split = |total: &str, currency: Currency, weights: &[u64]| -> Vec<String> {
        allocate(Money::parse(total, currency).unwrap(), weights)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(split("100", Currency::JPY, &[1, 1, 1]), ["34", "33", "33"]);
    assert_eq!(
        split("0.07", Currency::GBP, &[0, 1, 0, 1]),
        ["0.00", "0.04", "0.00", "0.03"]
    );
    assert_eq!(
        split("-0.07", Currency::GBP, &[0, 1, 0, 1]),
        ["0.00", "-0.04", "0.00", "-0.03"]
    );
    assert_eq!(split("0.00", Currency::USD, &[0, 0]), ["0.00", "0.00"]);
    assert_eq!(split("5.00", Currency::USD, &[7]), ["5.00"]);
    // Extreme totals and weights do not overflow.
    let max = Money::from_minor_units(i64::MAX, Currency::USD);
    let parts = allocate(max, &[u64::MAX, u64::MAX, 1]).unwrap();
    let sum: i128 = parts.iter().map(|p| i128::from(p.minor_units())).sum();
    assert_eq!(sum, i128::from(i64::MAX));
    let min = Money::from_minor_units(i64::MIN, Currency::USD);
    let parts = allocate(min, &[1, 1]).unwrap();
    assert_eq!(parts[0].minor_units() + parts[1].minor_units(), i64::MIN);
    // A leftover unit that lifts a part to the full magnitude 2^63.
    let parts = allocate(min, &[u64::MAX, 1]).unwrap();
    let sum: i128 = parts.iter().map(|p| i128::from(p.minor_units())).sum();
    assert_eq!(sum, i128::from(i64::MIN));

    assert_eq!(
        allocate(usd("1.00"), &[]).unwrap_err().code(),
        "invalid_weights"
    );
    assert_eq!(
        allocate(usd("1.00"), &[0, 0]).unwrap_err().code(),
        "invalid_weights"
    );
}

#[test]
fn money_errors_report_listed_codes() {
    let samples = [
        Currency::from_code("ZZZ").unwrap_err(),
        Money::parse("x", Currency::USD).unwrap_err(),
        Money::parse("0.001", Currency::USD).unwrap_err(),
        Money::parse("99999999999999999999", Currency::USD).unwrap_err(),
        usd("1")
            .checked_add(Money::zero(Currency::EUR))
            .unwrap_err(),
        parse_rate("x").unwrap_err(),
        allocate(usd("1"), &[]).unwrap_err(),
        "x".parse::<RoundingMode>().unwrap_err(),
    ];
    for e in samples {
        assert!(crate::Error::CODES.contains(&e.code()), "{e}");
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
    }
}
