//! The small, stable error set of the mobile bindings, mapped in one place.
//!
//! Kotlin gets `KassaException.InvalidInput` (and later `Conflict`,
//! `NotFound`), each carrying the core's stable `code` ("invalid_amount")
//! and a `detail` message that names the offending value.

/// An error from Kassa, grouped by what the app can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KassaError {
    /// The input was malformed or out of bounds; nothing was changed.
    #[error("{code}: {detail}")]
    InvalidInput {
        /// The core's stable snake_case code.
        code: String,
        /// A message naming the offending value.
        detail: String,
    },
}

impl From<kassa::Error> for KassaError {
    fn from(err: kassa::Error) -> Self {
        // Every error the money layer raises is an input error. Conflicts
        // (concurrent_modification, idempotency) and look-ups get their own
        // variants as the engine grows.
        KassaError::InvalidInput {
            code: err.code().to_owned(),
            detail: err.to_string(),
        }
    }
}

/// `Result` with [`KassaError`].
pub type Result<T> = std::result::Result<T, KassaError>;
