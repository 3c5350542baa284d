//! Counting coupon uses against total and per-customer limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A coupon's limits and the uses counted so far.
///
/// A use is counted only when the order completes: a failed payment
/// consumes nothing. Checks run in this order: total limit, this customer's
/// limit, the payment.
///
/// # Examples
///
/// ```
/// use kassa::coupon::CouponUsage;
///
/// let mut coupon = CouponUsage::new("WELCOME-5", Some(4), Some(2));
/// coupon.redeem("alice", Ok(()))?;
/// let failed = coupon.redeem("alice", Err(kassa::Error::PaymentFailed { reason: "declined".into() }));
/// assert_eq!(failed.unwrap_err().code(), "payment_failed");
/// assert_eq!(coupon.times_used(), 1);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponUsage {
    code: String,
    limit_total: Option<u64>,
    limit_per_customer: Option<u64>,
    times_used: u64,
    used_by: BTreeMap<String, u64>,
}

impl CouponUsage {
    /// A coupon with no uses yet; `None` limits mean no limit.
    pub fn new(
        code: impl Into<String>,
        limit_total: Option<u64>,
        limit_per_customer: Option<u64>,
    ) -> Self {
        CouponUsage {
            code: code.into(),
            limit_total,
            limit_per_customer,
            times_used: 0,
            used_by: BTreeMap::new(),
        }
    }

    /// Carries in uses counted by earlier orders.
    pub fn with_usage(mut self, times_used: u64, used_by: BTreeMap<String, u64>) -> Self {
        self.times_used = times_used;
        self.used_by = used_by;
        self
    }

    /// Uses counted in all.
    pub fn times_used(&self) -> u64 {
        self.times_used
    }

    /// Uses per customer.
    pub fn used_by(&self) -> &BTreeMap<String, u64> {
        &self.used_by
    }

    /// Checks the limits for `customer` without counting anything.
    ///
    /// # Errors
    ///
    /// `coupon_usage_limit_reached`, then `coupon_customer_limit_reached`.
    pub fn check(&self, customer: &str) -> Result<()> {
        if let Some(limit) = self.limit_total {
            if self.times_used >= limit {
                return Err(Error::CouponUsageLimitReached {
                    code: self.code.clone(),
                    limit,
                });
            }
        }
        if let Some(limit) = self.limit_per_customer {
            if self.used_by.get(customer).copied().unwrap_or(0) >= limit {
                return Err(Error::CouponCustomerLimitReached {
                    code: self.code.clone(),
                    customer: customer.to_owned(),
                    limit,
                });
            }
        }
        Ok(())
    }

    /// Counts one use by `customer` if the limits allow it and `payment`
    /// succeeded; otherwise changes nothing.
    ///
    /// # Errors
    ///
    /// The limit errors of [`CouponUsage::check`], then the payment's error.
    pub fn redeem(&mut self, customer: &str, payment: Result<()>) -> Result<()> {
        self.check(customer)?;
        payment?;
        self.times_used += 1;
        *self.used_by.entry(customer.to_owned()).or_insert(0) += 1;
        Ok(())
    }
}
