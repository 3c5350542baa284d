//! Python wrappers of `kassa::money`: `Money`, `round`, `allocate`,
//! `minor_units`, `currencies`.

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use kassa::money::{parse_decimal, parse_rate};
use kassa::{Currency, RoundingMode};

use crate::decimal::{decimal_text, to_decimal};
use crate::error::IntoPyResult;

fn currency(code: &str) -> PyResult<Currency> {
    Currency::from_code(code).into_py_result()
}

fn rounding_mode(mode: &str) -> PyResult<RoundingMode> {
    mode.parse().into_py_result()
}

/// An exact amount of money in one currency (immutable, hashable).
#[pyclass(module = "kassa", frozen)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Money {
    inner: kassa::Money,
}

impl Money {
    fn wrap(inner: kassa::Money) -> Self {
        Money { inner }
    }
}

/// A non-negative integer count: weights and quantities (never floats).
fn whole_number(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<u64>> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not {}",
            value.get_type().name()?
        )));
    }
    Ok(value.extract::<u64>().ok())
}

#[pymethods]
impl Money {
    #[new]
    fn new(amount: &Bound<'_, PyAny>, currency_code: &str) -> PyResult<Self> {
        let text = decimal_text(amount, "amount")?;
        kassa::Money::parse(&text, currency(currency_code)?)
            .map(Money::wrap)
            .into_py_result()
    }

    #[staticmethod]
    fn from_minor_units(units: i64, currency_code: &str) -> PyResult<Self> {
        Ok(Money::wrap(kassa::Money::from_minor_units(
            units,
            currency(currency_code)?,
        )))
    }

    #[staticmethod]
    fn zero(currency_code: &str) -> PyResult<Self> {
        Ok(Money::wrap(kassa::Money::zero(currency(currency_code)?)))
    }

    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_decimal(py, &self.inner.to_string())
    }

    #[getter]
    fn currency(&self) -> &str {
        self.inner.currency().code()
    }

    #[getter]
    fn minor_units(&self) -> i64 {
        self.inner.minor_units()
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Money('{}', '{}')", self.inner, self.inner.currency())
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }

    fn __bool__(&self) -> bool {
        !self.inner.is_zero()
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<Money>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get().inner;
        let result = match op {
            CompareOp::Eq => self.inner == other,
            CompareOp::Ne => self.inner != other,
            _ => op.matches(self.inner.checked_cmp(&other).into_py_result()?),
        };
        Ok(PyBool::new(py, result).to_owned().into_any().unbind())
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<Money>() {
            Ok(o) => Ok(wrap_result(py, self.inner.checked_add(o.get().inner))?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<Money>() {
            Ok(o) => Ok(wrap_result(py, self.inner.checked_sub(o.get().inner))?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __neg__(&self) -> PyResult<Self> {
        self.inner.checked_neg().map(Money::wrap).into_py_result()
    }

    fn __mul__(&self, quantity: &Bound<'_, PyAny>) -> PyResult<Self> {
        self.multiply_quantity(quantity)
    }

    fn __rmul__(&self, quantity: &Bound<'_, PyAny>) -> PyResult<Self> {
        self.multiply_quantity(quantity)
    }

    fn multiply_quantity(&self, quantity: &Bound<'_, PyAny>) -> PyResult<Self> {
        let qty = whole_number(quantity, "quantity")?.ok_or_else(|| {
            crate::error::to_py(kassa::Error::InvalidQuantity {
                value: quantity.to_string(),
                reason: "must be a whole number from 0 to 2**64-1",
            })
        })?;
        self.inner
            .multiply_quantity(qty)
            .map(Money::wrap)
            .into_py_result()
    }

    #[pyo3(signature = (rate, mode = "half_even"))]
    fn multiply_rate(&self, rate: &Bound<'_, PyAny>, mode: &str) -> PyResult<Self> {
        let rate = parse_rate(&decimal_text(rate, "rate")?).into_py_result()?;
        let mode = rounding_mode(mode)?;
        self.inner
            .multiply_rate(rate)
            .and_then(|unrounded| unrounded.round(mode))
            .map(Money::wrap)
            .into_py_result()
    }

    fn allocate(&self, weights: &Bound<'_, PyAny>) -> PyResult<Vec<Money>> {
        allocate(self, weights)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String, String))> {
        let cls = py.get_type::<Money>().into_any();
        Ok((
            cls,
            (self.inner.to_string(), self.inner.currency().to_string()),
        ))
    }
}

fn wrap_result(py: Python<'_>, result: kassa::Result<kassa::Money>) -> PyResult<Py<PyAny>> {
    let money = result.into_py_result()?;
    Ok(Py::new(py, Money::wrap(money))?.into_any())
}

/// Rounds an exact decimal to `currency_code`'s minor unit.
#[pyfunction]
#[pyo3(signature = (value, currency_code, mode = "half_even"))]
pub(crate) fn round(value: &Bound<'_, PyAny>, currency_code: &str, mode: &str) -> PyResult<Money> {
    let exact = parse_decimal(&decimal_text(value, "value")?).into_py_result()?;
    kassa::round(exact, currency(currency_code)?, rounding_mode(mode)?)
        .map(Money::wrap)
        .into_py_result()
}

/// Splits `total` by `weights` (largest remainder, ties to the earlier part).
#[pyfunction]
pub(crate) fn allocate(total: &Money, weights: &Bound<'_, PyAny>) -> PyResult<Vec<Money>> {
    let mut parsed = Vec::new();
    for weight in weights.try_iter()? {
        let weight = weight?;
        let value = whole_number(&weight, "weight")?.ok_or_else(|| {
            crate::error::to_py(kassa::Error::InvalidWeights {
                reason: format!("weight {weight} is not a whole number from 0 to 2**64-1"),
            })
        })?;
        parsed.push(value);
    }
    kassa::allocate(total.inner, &parsed)
        .map(|parts| parts.into_iter().map(Money::wrap).collect())
        .into_py_result()
}

/// The number of minor-unit digits of an ISO 4217 currency.
#[pyfunction]
pub(crate) fn minor_units(currency_code: &str) -> PyResult<u8> {
    Ok(currency(currency_code)?.minor_units())
}

/// Every known currency code, sorted.
#[pyfunction]
pub(crate) fn currencies() -> Vec<String> {
    Currency::all().map(|c| c.code().to_owned()).collect()
}
