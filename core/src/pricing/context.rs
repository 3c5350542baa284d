//! Who is buying, where, and when: the customer context of a pricing call.

use serde::{Deserialize, Serialize};

use super::tax::TaxLocation;

/// A point in time: milliseconds since the Unix epoch (UTC). Pricing never
/// reads a clock; the host passes the time in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

/// The context promotions and price lists are evaluated in.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{PricingContext, Timestamp};
///
/// let ctx = PricingContext {
///     now: Some(Timestamp(1_764_000_000_000)),
///     coupon_codes: vec!["WELCOME-5".into()],
///     ..PricingContext::default()
/// };
/// assert!(ctx.customer_groups.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PricingContext {
    /// The time of the calculation; promotions with a validity window do
    /// not apply without one.
    pub now: Option<Timestamp>,
    /// The customer's groups (`"wholesale"`, `"staff"`).
    pub customer_groups: Vec<String>,
    /// The customer's segment ids (from the CRM).
    pub segments: Vec<String>,
    /// The sales channel (`"web"`, `"pos"`).
    pub channel: Option<String>,
    /// Coupon codes entered on the cart, compared case-insensitively.
    pub coupon_codes: Vec<String>,
    /// True when this would be the customer's first order.
    pub first_order: bool,
    /// The customer, for per-customer coupon limits (none: a guest).
    pub customer_id: Option<String>,
    /// Where the goods are taxed (the shipping address), for tax zones.
    pub tax_location: Option<TaxLocation>,
}

impl PricingContext {
    /// True when `now` is known and inside `[from, until)`; a window with
    /// neither bound is always open.
    pub(crate) fn within(&self, from: Option<Timestamp>, until: Option<Timestamp>) -> bool {
        (from.is_none() && until.is_none())
            || self
                .now
                .is_some_and(|now| from.is_none_or(|f| now >= f) && until.is_none_or(|u| now < u))
    }

    /// True when the customer is in one of `groups` and one of `segments`
    /// (an empty list admits everyone) and on one of `channels`.
    pub(crate) fn admits(
        &self,
        groups: &[String],
        segments: &[String],
        channels: &[String],
    ) -> bool {
        let any = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        any(groups, &self.customer_groups)
            && any(segments, &self.segments)
            && (channels.is_empty() || self.channel.as_ref().is_some_and(|c| channels.contains(c)))
    }

    /// True when `code` was entered (ASCII case-insensitive).
    pub(crate) fn entered(&self, code: &str) -> bool {
        self.coupon_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    }
}
