//! Test support shared by every store crate (feature `testing`).
//!
//! [`conformance`] is the one suite any [`crate::store::Store`] must pass:
//! behaviour, concurrency (no oversell, no lost update, one winner per
//! reservation), versioning and outbox order. [`differential`] compares a
//! store with the in-memory one on random operation sequences;
//! [`fixtures`] builds small shops, [`invariants`] checks what must
//! survive a crash or a dropped connection, and [`shared`] checks two
//! stores opened on one database.

pub mod conformance;
pub mod differential;
pub mod fixtures;
pub mod invariants;
pub mod shared;
