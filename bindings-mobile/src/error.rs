//! The small, stable error set of the mobile bindings, mapped in one place.
//!
//! Kotlin gets `KassaException.InvalidInput`, `NotFound`, `Conflict` and
//! `PaymentFailed` and `Storage` (the core's `ErrorKind`), each carrying the core's stable
//! `code` ("invalid_amount") and a `detail` message that names the
//! offending value.

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
    /// Something the input names does not exist.
    #[error("{code}: {detail}")]
    NotFound {
        /// The core's stable snake_case code.
        code: String,
        /// A message naming what was not found.
        detail: String,
    },
    /// The request is well-formed but the current state refuses it.
    #[error("{code}: {detail}")]
    Conflict {
        /// The core's stable snake_case code.
        code: String,
        /// A message naming the conflict.
        detail: String,
    },
    /// The payment failed; nothing was consumed.
    #[error("{code}: {detail}")]
    PaymentFailed {
        /// The core's stable snake_case code.
        code: String,
        /// What the provider said.
        detail: String,
    },
    /// The storage backend failed or refused the database; nothing was
    /// written.
    #[error("{code}: {detail}")]
    Storage {
        /// The core's stable snake_case code.
        code: String,
        /// What the backend reported.
        detail: String,
    },
}

impl From<kassa::Error> for KassaError {
    fn from(err: kassa::Error) -> Self {
        let (code, detail) = (err.code().to_owned(), err.to_string());
        match err.kind() {
            kassa::ErrorKind::InvalidInput => KassaError::InvalidInput { code, detail },
            kassa::ErrorKind::NotFound => KassaError::NotFound { code, detail },
            kassa::ErrorKind::Conflict => KassaError::Conflict { code, detail },
            kassa::ErrorKind::PaymentFailed => KassaError::PaymentFailed { code, detail },
            kassa::ErrorKind::Storage => KassaError::Storage { code, detail },
        }
    }
}

/// `Result` with [`KassaError`].
pub type Result<T> = std::result::Result<T, KassaError>;
