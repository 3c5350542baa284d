//! The result of pricing: every amount, where it came from, and why each
//! promotion did or did not apply. Serializable with serde.

use std::sync::Arc;

use serde::Serialize;

use super::prices::PriceSource;
use crate::money::{Currency, Money, Rate};

/// A discount on one line: its line and its promotion, by index. Serialized
/// with the promotion's id (see [`PriceBreakdown::promotion_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineDiscount {
    /// The line's index in the cart (0-based).
    pub line: usize,
    /// Index into [`PriceBreakdown::promotions_applied`].
    pub promotion: usize,
    /// The amount it took off this line.
    pub amount: Money,
}

/// One priced cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineBreakdown {
    /// The SKU, echoed byte for byte (shared with the cart line priced).
    pub sku: Arc<str>,
    /// The quantity.
    pub qty: u64,
    /// The unit price; `None` for a graduated line (no single unit price).
    pub unit_price: Option<Money>,
    /// Where the unit price came from.
    pub price_source: PriceSource,
    /// `unit x qty` (or the sum of graduated bands).
    pub line_subtotal: Money,
    /// Sum of this line's entries in [`PriceBreakdown::discounts`] (see
    /// [`PriceBreakdown::discounts_of`]).
    pub discount: Money,
    /// The amount without tax.
    pub line_net: Money,
    /// The line's tax.
    pub tax: Money,
    /// The tax rate applied (zero when untaxed).
    pub tax_rate: Rate,
    /// What the customer pays for the line.
    pub line_total: Money,
}

/// A promotion that applied and what it took off in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedPromotion {
    /// The promotion's id.
    pub id: Arc<str>,
    /// The sum of its line discounts.
    pub amount: Money,
}

/// Why a promotion did not apply. Each says what a storefront can show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotAppliedReason {
    /// No cart line matches its target.
    NoEligibleLines,
    /// The cart is `missing` short of the minimum subtotal.
    BelowMinimumSubtotal {
        /// How much more the cart needs.
        missing: Money,
    },
    /// Fewer eligible units than needed.
    BelowMinimumQuantity {
        /// How many more eligible units are needed.
        missing: u64,
    },
    /// Its fixed amount (or threshold) is in another currency than the cart.
    CurrencyMismatch {
        /// The promotion's currency.
        promotion_currency: Currency,
    },
    /// It needs a coupon code that was not entered.
    CouponRequired,
    /// Its coupon was entered, but after the promotion's end.
    CouponExpired,
    /// Its coupon's total usage limit is used up.
    CouponUsageLimitReached {
        /// The total limit.
        limit: u64,
    },
    /// This customer has used the coupon as often as allowed.
    CouponCustomerLimitReached {
        /// The per-customer limit.
        limit: u64,
    },
    /// It is outside its validity window at the time given (or no time was given).
    OutsideValidityWindow,
    /// The customer is not in its groups or segments.
    CustomerNotEligible,
    /// It does not run on this channel.
    ChannelNotEligible,
    /// It is for first orders only.
    NotFirstOrder,
    /// An earlier promotion with `stop_further` applied.
    StoppedBy {
        /// The promotion that stopped it.
        promotion: Arc<str>,
    },
    /// It does not combine with a promotion of its class that applied.
    NotCombinableWith {
        /// The promotion it conflicts with.
        promotion: Arc<str>,
    },
    /// It was eligible but its amount came to zero (the lines were already free).
    NothingToDiscount,
    /// A shipping promotion, but the cart has no shipping method.
    NoShippingLine,
}

/// A promotion that did not apply, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotApplied {
    /// The promotion's id.
    pub id: Arc<str>,
    /// Why.
    #[serde(flatten)]
    pub reason: NotAppliedReason,
}

/// A coupon code that was entered but matched no promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownCoupon {
    /// The code as entered.
    pub code: String,
}

/// The priced shipping line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippingBreakdown {
    /// The method's id.
    pub method: Arc<str>,
    /// The method's price for this cart, before shipping promotions.
    pub price: Money,
    /// True when the method's free-above threshold made it free.
    pub free_by_threshold: bool,
    /// Sum of shipping promotions.
    pub discount: Money,
    /// Each shipping promotion's part, in application order (by id).
    pub discounts: Vec<AppliedPromotion>,
    /// The amount without tax.
    pub net: Money,
    /// Its tax.
    pub tax: Money,
    /// The tax rate applied.
    pub tax_rate: Rate,
    /// What the customer pays for shipping.
    pub total: Money,
}

/// Tax per rate over the whole order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxSummary {
    /// The rate.
    pub rate: Rate,
    /// The tax collected at that rate.
    pub amount: Money,
}

/// The priced cart. Serializes with every line discount naming its
/// promotion by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBreakdown {
    /// The cart currency.
    pub currency: Currency,
    /// One entry per cart line, in cart order.
    pub lines: Vec<LineBreakdown>,
    /// Sum of line subtotals.
    pub subtotal: Money,
    /// Sum of line and shipping discounts (= sum of `promotions_applied`).
    pub discount_total: Money,
    /// Every line discount, naming its line and promotion, ordered by line
    /// and, within a line, by application order. Kept flat (not one vector
    /// per line) so pricing allocates little.
    pub discounts: Vec<LineDiscount>,
    /// The shipping line, when a method was chosen.
    pub shipping: Option<ShippingBreakdown>,
    /// Sum of line and shipping taxes.
    pub tax_total: Money,
    /// Sum of line totals and the shipping total.
    pub grand_total: Money,
    /// Tax per rate, in order of first appearance.
    pub taxes: Vec<TaxSummary>,
    /// Promotions that applied, in application order.
    pub promotions_applied: Vec<AppliedPromotion>,
    /// Promotions that did not apply, in evaluation order, with reasons.
    pub promotions_not_applied: Vec<NotApplied>,
    /// Coupon codes that matched no promotion.
    pub unknown_coupons: Vec<UnknownCoupon>,
}

impl PriceBreakdown {
    /// The discounts of cart line `line` (0-based), in application order.
    ///
    /// ```
    /// # use kassa::pricing::*;
    /// # use kassa::{money::Rate, Currency, Money, RoundingMode};
    /// # let usd = |s| Money::parse(s, Currency::USD).unwrap();
    /// # let mut book = PriceBook::new();
    /// # book.insert(ProductPrice::new("A", usd("10.00")))?;
    /// # let cart = Cart { currency: Currency::USD, lines: vec![CartLine::new("A", 1)] };
    /// # let promos = [Promotion::new("p", 1, Action::LinePercent { value: Rate::parse("0.5")? })];
    /// # let b = price(&PricingInput { prices: &book, cart: &cart, promotions: &promos, tax: None,
    /// #     rounding_mode: RoundingMode::HalfEven, context: &PricingContext::default(), shipping: None })?;
    /// let first = b.discounts_of(0);
    /// assert_eq!(b.promotion_of(&first[0]), "p");
    /// assert_eq!(first[0].amount, usd("5.00"));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn discounts_of(&self, line: usize) -> &[LineDiscount] {
        debug_assert!(self.discounts.windows(2).all(|w| w[0].line <= w[1].line));
        let start = self.discounts.partition_point(|d| d.line < line);
        let end = self.discounts.partition_point(|d| d.line <= line);
        &self.discounts[start..end]
    }
}

impl PriceBreakdown {
    /// The id of the promotion that granted `discount`.
    pub fn promotion_of(&self, discount: &LineDiscount) -> &str {
        self.promotions_applied
            .get(discount.promotion)
            .map_or("", |p| &p.id)
    }
}

/// The serialized shape of a line discount: the promotion by id.
#[derive(Serialize)]
struct WireDiscount<'b> {
    line: usize,
    promotion: &'b str,
    amount: Money,
}

/// The serialized shape of a breakdown (field for field, discounts by id).
#[derive(Serialize)]
struct WireBreakdown<'b> {
    currency: Currency,
    lines: &'b [LineBreakdown],
    subtotal: Money,
    discount_total: Money,
    discounts: Vec<WireDiscount<'b>>,
    shipping: &'b Option<ShippingBreakdown>,
    tax_total: Money,
    grand_total: Money,
    taxes: &'b [TaxSummary],
    promotions_applied: &'b [AppliedPromotion],
    promotions_not_applied: &'b [NotApplied],
    unknown_coupons: &'b [UnknownCoupon],
}

impl Serialize for PriceBreakdown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireBreakdown {
            currency: self.currency,
            lines: &self.lines,
            subtotal: self.subtotal,
            discount_total: self.discount_total,
            discounts: self
                .discounts
                .iter()
                .map(|d| WireDiscount {
                    line: d.line,
                    promotion: self.promotion_of(d),
                    amount: d.amount,
                })
                .collect(),
            shipping: &self.shipping,
            tax_total: self.tax_total,
            grand_total: self.grand_total,
            taxes: &self.taxes,
            promotions_applied: &self.promotions_applied,
            promotions_not_applied: &self.promotions_not_applied,
            unknown_coupons: &self.unknown_coupons,
        }
        .serialize(serializer)
    }
}
