"""The Python binding calls the real compiled library: money in, money out, typed errors."""

from __future__ import annotations

import json
import os
import pickle
from decimal import Decimal
from pathlib import Path

import pytest

import kassa
from kassa import (
    AmountOutOfRangeError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidAmountPrecisionError,
    InvalidQuantityError,
    InvalidRoundingModeError,
    InvalidWeightsError,
    KassaError,
    Money,
    UnknownCurrencyError,
)
from kassa.errors import _BY_CODE

SCENARIOS = Path(
    os.environ.get("KASSA_SCENARIOS", Path(__file__).resolve().parents[2] / ".." / "shared" / "scenarios")
)


@pytest.mark.parametrize(
    ("amount", "currency", "text", "minor"),
    [
        ("12.3", "USD", "12.30", 1230),
        (Decimal("12.30"), "USD", "12.30", 1230),
        (Decimal("1E+1"), "USD", "10.00", 1000),
        ("10.000", "USD", "10.00", 1000),
        (1000, "JPY", "1000", 1000),
        ("0.25", "KWD", "0.250", 250),
        ("-0", "USD", "0.00", 0),
        (Decimal("-0.00"), "EUR", "0.00", 0),
        ("2.3475", "UYW", "2.3475", 23475),
        ("92233720368547758.07", "USD", "92233720368547758.07", 2**63 - 1),
    ],
)
def test_parse_and_format(amount, currency, text, minor):
    m = Money(amount, currency)
    assert str(m) == text
    assert m.minor_units == minor
    assert m.currency == currency
    assert m.amount == Decimal(text)
    assert isinstance(m.amount, Decimal)
    assert str(m.amount) == text  # exactly the currency's decimals


@pytest.mark.parametrize(
    ("amount", "currency", "error", "code"),
    [
        ("", "USD", InvalidAmountError, "invalid_amount"),
        (" 1.00", "USD", InvalidAmountError, "invalid_amount"),
        ("1e3", "USD", InvalidAmountError, "invalid_amount"),
        ("NaN", "USD", InvalidAmountError, "invalid_amount"),
        (Decimal("NaN"), "USD", InvalidAmountError, "invalid_amount"),
        (Decimal("Infinity"), "USD", InvalidAmountError, "invalid_amount"),
        (Decimal("1E+100000000"), "USD", InvalidAmountError, "invalid_amount"),
        ("10.005", "USD", InvalidAmountPrecisionError, "invalid_amount_precision"),
        (Decimal("0.5"), "JPY", InvalidAmountPrecisionError, "invalid_amount_precision"),
        ("92233720368547758.08", "USD", AmountOutOfRangeError, "amount_out_of_range"),
        (2**70, "JPY", AmountOutOfRangeError, "amount_out_of_range"),
        ("1.00", "ZZZ", UnknownCurrencyError, "unknown_currency"),
        ("1.00", "usd", UnknownCurrencyError, "unknown_currency"),
    ],
)
def test_parse_errors_are_typed(amount, currency, error, code):
    with pytest.raises(error) as info:
        Money(amount, currency)
    assert info.value.code == code
    assert isinstance(info.value, KassaError)
    assert isinstance(info.value, ValueError)
    assert info.value.message


def test_error_message_names_the_value():
    with pytest.raises(InvalidAmountPrecisionError, match=r'"10\.005".*USD'):
        Money("10.005", "USD")


@pytest.mark.parametrize("bad", [1.5, 0.1, True, None, [1], b"1.00"])
def test_floats_and_other_types_are_type_errors(bad):
    with pytest.raises(TypeError):
        Money(bad, "USD")


def test_arithmetic():
    a, b = Money("0.10", "USD"), Money("0.20", "USD")
    assert a + b == Money("0.30", "USD")
    assert a - b == Money("-0.10", "USD")
    assert -a == Money("-0.10", "USD")
    assert a * 3 == Money("0.30", "USD") == 3 * a
    assert Money("0.01", "USD") * 5_000_000_000 == Money("50000000.00", "USD")
    assert a < b and b > a and a <= a and not (a > b)
    assert a != Money("0.10", "EUR")
    assert hash(a) == hash(Money("0.1", "USD"))
    assert len({a, Money("0.1", "USD"), b}) == 2
    assert not Money.zero("USD") and bool(a)
    assert pickle.loads(pickle.dumps(a)) == a
    assert repr(a) == "Money('0.10', 'USD')"


def test_arithmetic_errors():
    usd, eur = Money("1.00", "USD"), Money("1.00", "EUR")
    with pytest.raises(CurrencyMismatchError) as info:
        usd + eur
    assert info.value.code == "currency_mismatch"
    with pytest.raises(CurrencyMismatchError):
        usd < eur
    top = Money.from_minor_units(2**63 - 1, "USD")
    with pytest.raises(AmountOutOfRangeError):
        top + Money("0.01", "USD")
    with pytest.raises(AmountOutOfRangeError):
        top * 2
    with pytest.raises(AmountOutOfRangeError):
        -Money.from_minor_units(-(2**63), "USD")
    with pytest.raises(TypeError):
        usd * 1.5
    with pytest.raises(TypeError):
        usd + 1
    with pytest.raises(InvalidQuantityError):
        usd * -1


@pytest.mark.parametrize(
    ("amount", "currency", "rate", "mode", "expected"),
    [
        ("7.0425", "UYW", "0.22", "half_up", "1.5494"),
        ("0.1575", "UYW", Decimal("0.22"), "half_up", "0.0347"),
        ("0.1575", "UYW", Decimal("0.22"), "half_even", "0.0346"),
        ("59.97", "USD", "0.0825", "half_even", "4.95"),
        ("1000", "JPY", 1, "half_even", "1000"),
    ],
)
def test_multiply_rate_rounds_once(amount, currency, rate, mode, expected):
    assert str(Money(amount, currency).multiply_rate(rate, mode)) == expected


def test_rate_and_mode_errors():
    with pytest.raises(TypeError):
        Money("1.00", "USD").multiply_rate(0.1)
    with pytest.raises(KassaError) as info:
        Money("1.00", "USD").multiply_rate("10%")
    assert info.value.code == "invalid_rate"
    with pytest.raises(InvalidRoundingModeError):
        Money("1.00", "USD").multiply_rate("0.1", "up")  # type: ignore[arg-type]


def test_round_function():
    assert kassa.round("7.125", "USD", "half_even") == Money("7.12", "USD")
    assert kassa.round(Decimal("7.125"), "USD", "half_up") == Money("7.13", "USD")
    assert str(kassa.round("-0.0049", "GBP")) == "0.00"
    with pytest.raises(TypeError):
        kassa.round(7.125, "USD")


def test_allocate():
    parts = Money("0.11", "USD").allocate([10, 30, 60])
    assert [str(p) for p in parts] == ["0.01", "0.03", "0.07"]
    assert [str(p) for p in kassa.allocate(Money("0.02", "USD"), (1, 3))] == ["0.01", "0.01"]
    assert sum((p.minor_units for p in Money("1.00", "EUR").allocate([1, 1, 1, 0]))) == 100
    with pytest.raises(InvalidWeightsError) as info:
        Money("1.00", "USD").allocate([0, 0])
    assert info.value.code == "invalid_weights"
    with pytest.raises(InvalidWeightsError):
        Money("1.00", "USD").allocate([-1, 2])
    with pytest.raises(TypeError):
        Money("1.00", "USD").allocate([0.5, 0.5])


def test_currencies_and_minor_units():
    assert kassa.minor_units("JPY") == 0
    assert kassa.minor_units("KWD") == 3
    assert kassa.minor_units("CLF") == 4
    assert "USD" in kassa.currencies()
    with pytest.raises(UnknownCurrencyError):
        kassa.minor_units("EURO")


def test_every_core_error_code_has_its_own_exception_class():
    assert set(kassa.ERROR_CODES) == set(_BY_CODE), "kassa/errors.py is out of step with kassa::Error"
    for code, cls in _BY_CODE.items():
        assert cls.code == code and issubclass(cls, KassaError)


def _scenarios(kind):
    files = sorted(SCENARIOS.glob("*.json"))
    assert files, f"no scenarios at {SCENARIOS}"
    return [s for s in (json.loads(f.read_text()) for f in files) if s["kind"] == kind]


def test_shared_rounding_scenarios():
    cases = [c for s in _scenarios("rounding") for c in s["cases"]]
    assert len(cases) >= 40
    for case in cases:
        got = kassa.round(case["value"], case["currency"], case["mode"])
        assert str(got) == case["expected"], case


def test_shared_allocation_scenarios():
    cases = [c for s in _scenarios("allocation") for c in s["cases"]]
    assert len(cases) >= 15
    for case in cases:
        parts = Money(case["amount"], case["currency"]).allocate(case["ratios"])
        assert [str(p) for p in parts] == case["expected_parts"], case
