//! `decimal.Decimal` <-> exact decimal strings, without ever touching floats.
//!
//! Accepted amounts: `decimal.Decimal`, `str` and `int`. A `float` (or a
//! `bool`) is a `TypeError`: binary floats cannot hold most prices exactly.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Decimals whose exponent is beyond this magnitude are not expanded to
/// plain text (that could take gigabytes); they are out of range or too
/// precise for any currency anyway.
const MAX_EXPONENT: i64 = 64;

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The plain decimal text of an amount or rate given by Python code.
///
/// Returns text in the strict grammar for well-formed input; malformed text
/// (`"NaN"`, `" 1"`) is passed through so the core reports it with its code.
pub(crate) fn decimal_text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if value.is_instance_of::<PyString>() {
        return value.extract::<String>();
    }
    if value.is_instance_of::<PyBool>() || value.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be decimal.Decimal, str or int, not {}: floats cannot hold money exactly",
            type_name(value)
        )));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(value.str()?.to_string());
    }
    let py = value.py();
    if value.is_instance(decimal_type(py)?.as_any())? {
        if !value.call_method0("is_finite")?.is_truthy()? {
            return Ok(value.str()?.to_string()); // "NaN", "Infinity", "sNaN"
        }
        // No normalize(): it consults the decimal context and may round.
        let exponent: i64 = value
            .getattr("as_tuple")?
            .call0()?
            .getattr("exponent")?
            .extract()?;
        let adjusted: i64 = value.call_method0("adjusted")?.extract()?;
        if adjusted > MAX_EXPONENT || exponent < -MAX_EXPONENT {
            // Far beyond any currency: keep the compact scientific form,
            // which the core rejects as `invalid_amount`, naming the value.
            return Ok(value.str()?.to_string());
        }
        return Ok(value.call_method1("__format__", ("f",))?.to_string());
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be decimal.Decimal, str or int, not {}",
        type_name(value)
    )))
}

/// A `decimal.Decimal` from exact decimal text.
pub(crate) fn to_decimal<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((text,))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}
