//! The one place where `kassa::Error` becomes a Python exception.
//!
//! The exception classes are defined in pure Python (`kassa/errors.py`), so
//! they are ordinary, subclassable, picklable classes with complete stubs.
//! `kassa.errors._from_code(code, message)` picks the class for a code.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FROM_CODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Converts a core error into the matching `kassa.KassaError` subclass,
/// carrying `.code`.
pub(crate) fn to_py(err: kassa::Error) -> PyErr {
    Python::attach(|py| {
        let raised = FROM_CODE
            .get_or_try_init(py, || {
                py.import("kassa.errors")?
                    .getattr("_from_code")
                    .map(Bound::unbind)
            })
            .and_then(|from_code| from_code.bind(py).call1((err.code(), err.to_string())));
        match raised {
            Ok(exception) => PyErr::from_value(exception),
            // kassa.errors could not be imported (a broken install): still
            // raise something that names the code.
            Err(import_error) => import_error,
        }
    })
}

/// `Result<T, kassa::Error>` -> `PyResult<T>`.
pub(crate) trait IntoPyResult<T> {
    /// Maps the error through [`to_py`].
    fn into_py_result(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, kassa::Error> {
    fn into_py_result(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
