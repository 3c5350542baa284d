//! The pricing kernel: a pure, deterministic function from (cart, prices,
//! promotions, tax configuration, customer context, time) to an explained
//! [`PriceBreakdown`]. No store, no clock, no randomness.
//!
//! The rules (order of steps, rounding points, allocation, tax modes,
//! promotion types) are those of `shared/scenarios/README.md`:
//!
//! 1. **Validate** the whole input; any error fails the call.
//! 2. **Unit price**: the flat price in the cart currency, a custom line's
//!    own price, or a tier table (volume: the reached break prices every
//!    unit; graduated: each band separately). A tier table in the cart
//!    currency takes precedence over the flat price. Then price lists: the
//!    most specific matching override replaces it, and a matching sale list
//!    applies when lower (see [`PriceList`]).
//! 3. **Line subtotal** = unit x qty; each line's running amount starts there.
//! 4. **Promotions** in ascending `(priority, id)`, each on the running
//!    amounts left by the ones before (percentages compound).
//! 5. **Shipping** (when a [`ShippingMethod`] is chosen): priced from the
//!    discounted merchandise total and the cart's weight, then the shipping
//!    promotions in their `(priority, id)` order.
//! 6. **Tax** on the discounted amounts, per line or per invoice (grouped by
//!    rate value; the shipping line joins its rate's group), line or unit
//!    level, exclusive or inclusive (the gross never changes; the net is
//!    never rounded first). Rates follow the destination through
//!    [`TaxZone`]s: region, then country, then the store-wide rates.
//! 7. **Totals**, with every promotion that did not apply explained.
//!
//! Choices where the scenario rules are silent (documented here and in the
//! code):
//! * A product without a tax category is untaxed; a category missing from
//!   the configuration is the error `unknown_tax_category`.
//! * A tier table must have a break at quantity 1.
//! * Coupon codes match case-insensitively (ASCII).
//! * A promotion with a validity window needs `context.now`; without a time
//!   it does not apply (`outside_validity_window`).
//! * `line_fixed` takes its value off each unit; `fixed_price` only ever
//!   lowers a line.
//! * With per-invoice rounding, unit-level calculation does not apply (the
//!   group total is taxed as one amount).
//! * Shipping promotions run after all merchandise promotions, because the
//!   shipping price depends on the discounted merchandise total (a free-above
//!   threshold looks at what the customer pays for goods). A `stop_further`
//!   merchandise promotion stops the shipping promotions ranked after it.
//! * `discount_total` includes shipping discounts, so it always equals the
//!   sum of `promotions_applied`.
//! * A coupon entered after its promotion's end is `coupon_expired`; before
//!   its start, `outside_validity_window`. A guest (no `customer_id`) is
//!   counted under the empty id for per-customer coupon limits.
//! * Category targets match the category ids a product lists; a product
//!   lists its categories and their ancestors (the catalog fills them in).

mod actions;
mod assemble;
mod breakdown;
mod buy_x_get_y;
mod calculate;
mod cart;
mod context;
mod price_list;
mod prices;
mod promotion;
mod shipping;
mod stacking;
mod target_index;
mod tax;

pub use breakdown::{
    AppliedPromotion, LineBreakdown, LineDiscount, NotApplied, NotAppliedReason, PriceBreakdown,
    ShippingBreakdown, TaxSummary, UnknownCoupon,
};
pub use calculate::{price, PricingInput};
pub use cart::{parse_quantity, Cart, CartLine};
pub use context::{Audience, PricingContext, Timestamp};
pub use price_list::{ListPrice, PriceList, PriceListKind, PriceListScope};
pub use prices::{
    PriceBook, PriceSource, ProductPrice, SharedPrice, TierBreak, TierMode, TierTable,
};
pub use promotion::{
    Action, MinSubtotal, PercentTier, Promotion, PromotionClass, SubtotalBasis, Target,
};
pub use shipping::{ShippingMethod, ShippingRate, SubtotalBand, WeightBand};
pub use tax::{TaxCalculation, TaxConfig, TaxLocation, TaxRounding, TaxZone};
