//! `DecimalAmount`: an exact decimal crossing the FFI as a string.
//!
//! Kotlin sees `java.math.BigDecimal` and Swift `Foundation.Decimal`. The
//! conversion itself never fails (it is only a string); amounts are
//! validated by the exported functions, which return typed errors, because a
//! failure inside a custom-type conversion would surface as an internal
//! error instead of a `KassaError`.

/// An exact decimal number as text in the plain form ("12.30", "-0.5").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalAmount(pub String);

uniffi::custom_newtype!(DecimalAmount, String);
