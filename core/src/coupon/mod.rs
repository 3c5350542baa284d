//! Coupon usage limits: the pure counter checkout uses when an order
//! completes (rules: `shared/scenarios/README.md`, coupon semantics).

mod usage;

pub use usage::CouponUsage;
