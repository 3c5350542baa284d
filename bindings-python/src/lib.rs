//! Python bindings of Kassa: the native module `kassa._kassa`.
//!
//! Thin wrappers only: every rule lives in the `kassa` crate. Files mirror
//! the core's modules (`money.rs` wraps `kassa::money`); `error.rs` maps
//! `kassa::Error` to the exception hierarchy of `kassa.errors` in one place;
//! `decimal.rs` converts between `decimal.Decimal` and exact decimal strings.
//! The pure-Python package `python/kassa` re-exports all of it with type
//! stubs.

use pyo3::prelude::*;

mod decimal;
mod error;
mod money;

/// The native module. Users import `kassa`, not `kassa._kassa`.
#[pymodule]
fn _kassa(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<money::Money>()?;
    m.add_function(wrap_pyfunction!(money::round, m)?)?;
    m.add_function(wrap_pyfunction!(money::allocate, m)?)?;
    m.add_function(wrap_pyfunction!(money::minor_units, m)?)?;
    m.add_function(wrap_pyfunction!(money::currencies, m)?)?;
    m.add("ERROR_CODES", kassa::Error::CODES.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
