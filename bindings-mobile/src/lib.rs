//! Kotlin and Swift bindings of Kassa (uniffi, proc-macro style, library mode).
//!
//! Thin wrappers only; every rule lives in the `kassa` crate. Files mirror
//! the core's modules (`money.rs` wraps `kassa::money`); `error.rs` holds the
//! small, stable error set that Kotlin and Swift see, mapped in one place;
//! `decimal.rs` is the `DecimalAmount` custom type, which becomes
//! `java.math.BigDecimal` in Kotlin and `Foundation.Decimal` in Swift
//! (see `uniffi.toml`).
//!
//! Calls through JNA cost microseconds each, so the API is a few coarse calls
//! per user action. Generated code is never edited: regenerate it with
//! `scripts/test` (or the commands in the README).

uniffi::setup_scaffolding!();

mod decimal;
mod error;
mod money;

pub use decimal::DecimalAmount;
pub use error::KassaError;
pub use money::{currencies, minor_units, round_amount, Money, RoundingMode};
