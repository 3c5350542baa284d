//! Node.js bindings of Kassa (napi-rs): the npm package `kassa`.
//!
//! Thin wrappers only; every rule lives in the `kassa` crate. Files mirror
//! the core's modules (`money.rs` wraps `kassa::money`); `error.rs` maps
//! `kassa::Error` to a JavaScript `Error` whose `.code` is the core's stable
//! code, in one place; `count.rs` validates JavaScript integers.
//!
//! Amounts cross as decimal strings ("12.30") with their currency, or as
//! `bigint` minor units; never as JavaScript numbers.
#![deny(clippy::all)]

mod count;
mod error;
pub mod money;

/// Every error code the core can raise, for hosts building error tables.
#[napi_derive::napi]
pub fn error_codes() -> Vec<&'static str> {
    kassa::Error::CODES.to_vec()
}
