//! Test support shared by every store crate (feature `testing`).
//!
//! [`conformance`] is the one suite any [`crate::store::Store`] must pass:
//! behaviour, concurrency (no oversell, no lost update, one winner per
//! reservation), versioning and outbox order.

pub mod conformance;
pub mod fixtures;
