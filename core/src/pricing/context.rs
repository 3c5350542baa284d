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
    /// True when `code` was entered (ASCII case-insensitive).
    pub(crate) fn entered(&self, code: &str) -> bool {
        self.coupon_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    }
}

/// Who and when something applies to (a promotion, a price list): customer
/// groups, segments and channels, where an empty list admits everyone, and
/// a validity window `[valid_from, valid_until)`.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{Audience, PricingContext, Timestamp};
///
/// let vip_june = Audience {
///     customer_groups: vec!["vip".into()],
///     valid_from: Some(Timestamp(1_000)),
///     valid_until: Some(Timestamp(2_000)),
///     ..Audience::default()
/// };
/// let ctx = PricingContext { customer_groups: vec!["vip".into()], now: Some(Timestamp(1_500)), ..PricingContext::default() };
/// assert!(vip_june.admits_customer(&ctx) && vip_june.is_open(&ctx));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Audience {
    /// Customer groups (any of them).
    pub customer_groups: Vec<String>,
    /// Customer segment ids (any of them).
    pub segments: Vec<String>,
    /// Sales channels (any of them).
    pub channels: Vec<String>,
    /// From this time (inclusive).
    pub valid_from: Option<Timestamp>,
    /// Until this time (exclusive).
    pub valid_until: Option<Timestamp>,
}

impl Audience {
    /// True when the customer is in one of the groups and one of the segments.
    pub fn admits_customer(&self, ctx: &PricingContext) -> bool {
        let any = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        any(&self.customer_groups, &ctx.customer_groups) && any(&self.segments, &ctx.segments)
    }

    /// True when the context's channel is one of the channels.
    pub fn admits_channel(&self, ctx: &PricingContext) -> bool {
        self.channels.is_empty()
            || ctx
                .channel
                .as_ref()
                .is_some_and(|c| self.channels.contains(c))
    }

    /// True when there is no window, or `ctx.now` is known and inside it.
    pub fn is_open(&self, ctx: &PricingContext) -> bool {
        let (from, until) = (self.valid_from, self.valid_until);
        (from.is_none() && until.is_none())
            || ctx
                .now
                .is_some_and(|now| from.is_none_or(|f| now >= f) && until.is_none_or(|u| now < u))
    }

    /// True when `ctx.now` is at or after the window's end.
    pub fn has_ended(&self, ctx: &PricingContext) -> bool {
        ctx.now
            .zip(self.valid_until)
            .is_some_and(|(now, until)| now >= until)
    }

    /// How many dimensions are constrained (groups, segments, channels, window).
    pub(crate) fn constraints(&self) -> u8 {
        u8::from(!self.customer_groups.is_empty())
            + u8::from(!self.segments.is_empty())
            + u8::from(!self.channels.is_empty())
            + u8::from(self.valid_from.is_some() || self.valid_until.is_some())
    }
}
