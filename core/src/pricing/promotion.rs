//! Promotions: conditions, actions and stacking rules.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::context::Audience;
use crate::coupon::CouponUsage;
use crate::error::{shown, Error, Result};
use crate::money::{Money, Rate};

/// What a promotion does once it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Each eligible line loses `round(running x value)`, rounded per line.
    LinePercent {
        /// The fraction taken off (0 to 1).
        value: Rate,
    },
    /// Each eligible line loses `value x qty`, at most its running amount.
    LineFixed {
        /// The amount off each unit (in the promotion's currency).
        value: Money,
    },
    /// Each eligible line is brought down to `value x qty` when it costs
    /// more (never up).
    FixedPrice {
        /// The unit price the eligible lines sell at.
        value: Money,
    },
    /// `round(sum of eligible running amounts x value)`, rounded once, then
    /// split over the eligible lines by largest remainder.
    OrderPercent {
        /// The fraction taken off (0 to 1).
        value: Rate,
    },
    /// `min(value, sum of eligible running amounts)`, split the same way. A
    /// value in another currency than the cart's makes it ineligible.
    OrderFixed {
        /// The amount off the order.
        value: Money,
    },
    /// A percentage that grows with the number of eligible units: the tier
    /// with the highest `min_qty` reached gives every eligible line
    /// `round(running x percent)` (e.g. 3+ units 10 %, 6+ units 15 %).
    TieredPercent {
        /// `(min_qty, percent)` tiers, any order.
        tiers: Vec<PercentTier>,
    },
    /// `round(shipping x value)` off the shipping line (`1`: free shipping).
    /// Shipping promotions run after the merchandise promotions.
    ShippingPercent {
        /// The fraction taken off the shipping price (0 to 1).
        value: Rate,
    },
    /// Buy `buy`, get `get`: the `n x get` cheapest eligible units of the
    /// whole pool are discounted by `get_percent`, with
    /// `n = floor(units / (buy + get))`, at most `max_applications`.
    BuyXGetY {
        /// Units to pay for per application (>= 1).
        buy: u64,
        /// Units discounted per application (>= 1).
        get: u64,
        /// The fraction taken off the discounted units (default 1: free).
        #[serde(default = "full")]
        get_percent: Rate,
        /// At most this many applications (none: no cap).
        #[serde(default)]
        max_applications: Option<u64>,
    },
}

fn full() -> Rate {
    Rate::ONE
}

/// One tier of a [`Action::TieredPercent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PercentTier {
    /// Eligible units needed (>= 1).
    pub min_qty: u64,
    /// The fraction taken off (0 to 1).
    pub percent: Rate,
}

/// The class a promotion belongs to, for exclusivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionClass {
    /// Line-level actions: line percent/fixed, fixed price, buy X get Y.
    Product,
    /// Order-level actions: order percent/fixed.
    Order,
    /// Shipping actions.
    Shipping,
}

impl Action {
    /// The class of this action.
    pub fn class(&self) -> PromotionClass {
        match self {
            Action::OrderPercent { .. } | Action::OrderFixed { .. } => PromotionClass::Order,
            Action::ShippingPercent { .. } => PromotionClass::Shipping,
            _ => PromotionClass::Product,
        }
    }

    /// The money amount of a fixed action, if any.
    pub(crate) fn fixed_amount(&self) -> Option<Money> {
        match self {
            Action::LineFixed { value }
            | Action::FixedPrice { value }
            | Action::OrderFixed { value } => Some(*value),
            _ => None,
        }
    }
}

/// Which lines a promotion looks at: a line is eligible when its SKU is
/// listed, or its product carries at least one listed tag or category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Target {
    /// SKUs, matched exactly.
    pub skus: Vec<String>,
    /// Product tags.
    pub tags: Vec<String>,
    /// Category ids (a product lists its categories and their ancestors, so
    /// targeting a parent category reaches its descendants).
    pub categories: Vec<String>,
}

/// What the minimum subtotal compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtotalBasis {
    /// The whole cart's subtotal before any promotion.
    PreDiscount,
    /// The whole cart's running total when the promotion is evaluated.
    Running,
}

/// A minimum subtotal condition (`>=`), measured over the whole cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinSubtotal {
    /// The threshold; in another currency than the cart's it is never met.
    pub amount: Money,
    /// Pre-discount or running.
    pub basis: SubtotalBasis,
}

/// A promotion: an action, the conditions under which it applies, and its
/// place in the stacking order (ascending `priority`, then `id`).
///
/// # Examples
///
/// ```
/// use kassa::pricing::{Action, Promotion, Target};
/// use kassa::money::Rate;
///
/// let promo = Promotion::new("candles-20", 1, Action::LinePercent { value: Rate::parse("0.20")? })
///     .with_target(Target { tags: vec!["candles".into()], ..Target::default() });
/// assert!(promo.validate().is_ok());
///
/// let too_much = Promotion::new("oops", 1, Action::OrderPercent { value: Rate::parse("1.5")? });
/// assert_eq!(too_much.validate().unwrap_err().code(), "invalid_promotion");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// Unique id, reported in the breakdown (shared: naming the promotion
    /// on many lines copies a pointer, not the text).
    pub id: Arc<str>,
    /// Lower runs first; ties by `id`.
    pub priority: i64,
    /// What it does.
    pub action: Action,
    /// Which lines it looks at (none: every line).
    #[serde(default)]
    pub target: Option<Target>,
    /// Minimum subtotal of the whole cart.
    #[serde(default)]
    pub min_subtotal: Option<MinSubtotal>,
    /// Minimum number of eligible units.
    #[serde(default)]
    pub min_quantity: Option<u64>,
    /// Once this promotion has applied, no later one is evaluated.
    #[serde(default)]
    pub stop_further: bool,
    /// Does not combine with other promotions of its class: it is skipped
    /// when one of them already applied, and stops later ones of the class.
    #[serde(default)]
    pub exclusive: bool,
    /// Applies only when this coupon code was entered (case-insensitive).
    #[serde(default)]
    pub coupon_code: Option<String>,
    /// The coupon's usage so far and its limits: a code whose limit is used
    /// up (in all, or for `context.customer_id`) does not apply. Counting a
    /// use happens at checkout, when the order completes.
    #[serde(default)]
    pub coupon_usage: Option<CouponUsage>,
    /// Which customers and channels it is for, and when it is valid.
    #[serde(flatten)]
    pub audience: Audience,
    /// Applies only to a customer's first order.
    #[serde(default)]
    pub first_order_only: bool,
}

impl Promotion {
    /// A promotion with no conditions.
    pub fn new(id: impl Into<Arc<str>>, priority: i64, action: Action) -> Self {
        Promotion {
            id: id.into(),
            priority,
            action,
            target: None,
            min_subtotal: None,
            min_quantity: None,
            stop_further: false,
            exclusive: false,
            coupon_code: None,
            coupon_usage: None,
            audience: Audience::default(),
            first_order_only: false,
        }
    }

    /// Restricts it to `target`.
    pub fn with_target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// Adds a minimum subtotal.
    pub fn with_min_subtotal(mut self, amount: Money, basis: SubtotalBasis) -> Self {
        self.min_subtotal = Some(MinSubtotal { amount, basis });
        self
    }

    /// Checks the definition is in range.
    ///
    /// # Errors
    ///
    /// `invalid_promotion` naming the field: an empty id, a percentage above
    /// 100 %, a negative amount, buy or get of 0, `max_applications` of 0,
    /// `valid_until` not after `valid_from`.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, reason: String| Error::InvalidPromotion {
            id: shown(&self.id),
            field,
            reason,
        };
        if self.id.is_empty() {
            return Err(bad("id", "must not be empty".to_owned()));
        }
        match &self.action {
            Action::LinePercent { value }
            | Action::OrderPercent { value }
            | Action::ShippingPercent { value }
                if !value.is_fraction() =>
            {
                return Err(bad("value", format!("{value} is above 1 (100 %)")));
            }
            Action::TieredPercent { tiers } => {
                if tiers.is_empty() {
                    return Err(bad("tiers", "needs at least one tier".to_owned()));
                }
                if let Some(t) = tiers
                    .iter()
                    .find(|t| t.min_qty == 0 || !t.percent.is_fraction())
                {
                    return Err(bad(
                        "tiers",
                        format!("min_qty {} at {} is out of range", t.min_qty, t.percent),
                    ));
                }
                let mut qtys: Vec<u64> = tiers.iter().map(|t| t.min_qty).collect();
                qtys.sort_unstable();
                if qtys.windows(2).any(|w| w[0] == w[1]) {
                    return Err(bad("tiers", "two tiers at the same min_qty".to_owned()));
                }
            }
            Action::BuyXGetY {
                buy,
                get,
                get_percent,
                max_applications,
            } => {
                if *buy == 0 || *get == 0 {
                    return Err(bad(
                        "buy/get",
                        format!("buy {buy} get {get}: both must be >= 1"),
                    ));
                }
                if get_percent.is_zero() || !get_percent.is_fraction() {
                    return Err(bad(
                        "get_percent",
                        format!("{get_percent} is not in (0, 1]"),
                    ));
                }
                if *max_applications == Some(0) {
                    return Err(bad(
                        "max_applications",
                        "must be >= 1 when given".to_owned(),
                    ));
                }
            }
            _ => {}
        }
        if let Some(amount) = self.action.fixed_amount() {
            if amount.is_negative() {
                return Err(bad("value", format!("{amount} is negative")));
            }
        }
        if let Some(min) = &self.min_subtotal {
            if min.amount.is_negative() {
                return Err(bad("min_subtotal", format!("{} is negative", min.amount)));
            }
        }
        if let (Some(from), Some(until)) = (self.audience.valid_from, self.audience.valid_until) {
            if until <= from {
                return Err(bad("valid_until", "must be after valid_from".to_owned()));
            }
        }
        Ok(())
    }
}
