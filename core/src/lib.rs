//! # Kassa
//!
//! An embeddable e-commerce + CRM engine. This crate is the core: exact money,
//! and (as the project grows) catalog, pricing, carts, checkout, payments,
//! orders and customers, as pure domain logic behind a storage-agnostic engine.
//!
//! Layers, lowest first (see `docs/architecture.md`):
//!
//! 1. [`money`]: currencies, [`Money`], rounding and allocation. Depends on
//!    nothing else in the crate.
//! 2. Domain modules, each pure (no I/O, no clock reads, no randomness).
//! 3. `store`: the persistence traits and the in-memory store.
//! 4. `engine`: the facade hosts call.
//!
//! Every fallible operation returns [`Result`], whose error type [`Error`]
//! carries a stable snake_case [`Error::code`] that the Python, Node and
//! mobile bindings pass on unchanged.
//!
//! # Examples
//!
//! ```
//! use kassa::{Currency, Money, RoundingMode};
//! use rust_decimal::Decimal;
//!
//! let usd = Currency::from_code("USD")?;
//! let price = Money::parse("19.99", usd)?;
//! let line = price.multiply_quantity(3)?;
//! assert_eq!(line.to_string(), "59.97");
//!
//! // 8.25 % tax: the product is exact until rounded at a named point.
//! let tax = line.multiply_rate(Decimal::new(825, 4))?.round(RoundingMode::HalfEven)?;
//! assert_eq!(tax.to_string(), "4.95");
//!
//! // Split a 10.00 discount over three lines by their amounts.
//! let parts = Money::parse("10.00", usd)?.allocate(&[5997, 1000, 3])?;
//! let shown: Vec<String> = parts.iter().map(|m| m.to_string()).collect();
//! assert_eq!(shown, ["8.57", "1.43", "0.00"]);
//! # Ok::<(), kassa::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::float_arithmetic,
    clippy::float_cmp,
    clippy::cast_precision_loss
)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod coupon;
pub mod customer;
pub mod engine;
pub mod error;
pub mod inventory;
pub mod money;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod recommend;
pub mod segment;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, ErrorKind, Result};
pub use money::{allocate, round, Currency, Money, RoundingMode, UnroundedMoney};
pub use rust_decimal::Decimal;
