//! The one place where `kassa::Error` becomes a JavaScript error.
//!
//! napi-rs sets a thrown error's `code` property from the error's status
//! string, so the status is the core's stable snake_case code.

/// The error type of every exported function: `err.code` is the core code.
pub(crate) type JsError = napi::Error<String>;

/// `Result` with [`JsError`]. (napi-derive recognises fallible functions by the
/// name `Result`, so the alias keeps it.)
pub(crate) type Result<T> = std::result::Result<T, JsError>;

/// Converts a core error; the message names the offending value.
pub(crate) fn to_js(err: kassa::Error) -> JsError {
    napi::Error::new(err.code().to_owned(), err.to_string())
}

/// `Result<T, kassa::Error>` -> [`Result`].
pub(crate) trait IntoJs<T> {
    /// Maps the error through [`to_js`].
    fn into_js(self) -> Result<T>;
}

impl<T> IntoJs<T> for std::result::Result<T, kassa::Error> {
    fn into_js(self) -> Result<T> {
        self.map_err(to_js)
    }
}

/// A wrong JavaScript type (a number where a string is needed, say).
pub(crate) fn type_error(message: String) -> JsError {
    napi::Error::new("ERR_INVALID_ARG_TYPE".to_owned(), message)
}
