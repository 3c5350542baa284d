//! The pricing function: validate, price lines, apply promotions in order,
//! tax, and assemble the explained breakdown.
//!
//! Where the time goes: pricing is integer arithmetic on minor units
//! (rates are applied as exact integer ratios, never through decimals), and
//! the per-promotion loop reuses one set of scratch buffers. Target matching
//! works on SKUs and tags interned to integers once per call. The remaining
//! allocations are the output itself: one `String` per line for its SKU and
//! a handful of vectors; promotion ids are shared, line discounts are kept
//! in one flat vector.

use rustc_hash::FxHashMap;

use super::breakdown::{
    AppliedPromotion, LineBreakdown, LineDiscount, NotApplied, NotAppliedReason, PriceBreakdown,
    ShippingBreakdown, TaxSummary, UnknownCoupon,
};
use super::buy_x_get_y;
use super::cart::Cart;
use super::context::PricingContext;
use super::prices::{check_price, price_line, LinePrice, PriceBook, PriceSource};
use super::promotion::{Action, Promotion, PromotionClass, SubtotalBasis, Target};
use super::shipping::ShippingMethod;
use super::tax::{self, TaxConfig, Taxable};
use crate::error::{shown, Error, Result};
use crate::money::{allocate_minor, Currency, Money, Rate, RoundingMode};

/// Everything pricing needs, borrowed: a pure function of these inputs.
#[derive(Debug, Clone, Copy)]
pub struct PricingInput<'a> {
    /// Product prices.
    pub prices: &'a PriceBook,
    /// The cart.
    pub cart: &'a Cart,
    /// Candidate promotions, in any order.
    pub promotions: &'a [Promotion],
    /// The store's tax configuration (none: no tax).
    pub tax: Option<&'a TaxConfig>,
    /// The store's rounding mode.
    pub rounding_mode: RoundingMode,
    /// Customer, channel, coupons and time.
    pub context: &'a PricingContext,
    /// The chosen shipping method (none: no shipping line).
    pub shipping: Option<&'a ShippingMethod>,
}

/// A validated, priced cart line.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub sku: &'a str,
    pub qty: u64,
    pub price: LinePrice,
    pub tags: &'a [String],
    pub categories: &'a [String],
    pub tax_rate: Rate,
    pub weight_grams: u64,
}

/// Buffers reused by every promotion of one pricing call.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub eligible: Vec<usize>,
    pub discounts: Vec<(usize, i64)>,
    pub weights: Vec<u64>,
    pub parts: Vec<i64>,
    pub remainders: Vec<u128>,
    pub pool: Vec<(i64, usize, u64)>,
    pub per_line: Vec<i128>,
}

impl Scratch {
    /// Buffers sized for `lines` cart lines, so they never grow mid-call.
    fn for_lines(lines: usize) -> Self {
        Scratch {
            eligible: Vec::with_capacity(lines),
            discounts: Vec::with_capacity(lines),
            weights: Vec::with_capacity(lines),
            parts: Vec::with_capacity(lines),
            remainders: Vec::with_capacity(lines),
            pool: Vec::with_capacity(lines),
            per_line: Vec::with_capacity(lines),
        }
    }
}

fn out_of_range(currency: Currency, what: &str) -> Error {
    Error::AmountOutOfRange {
        value: what.to_owned(),
        currency,
    }
}

/// Prices a cart: a pure, deterministic function of its input.
///
/// The steps and their rules are those of `shared/scenarios/README.md`:
/// validate; unit prices (flat, custom or tiers); line subtotals; promotions
/// in ascending `(priority, id)` on running amounts; tax on the discounted
/// amounts; totals. Every promotion that did not apply is listed with a
/// [`NotAppliedReason`].
///
/// # Errors
///
/// Any invalid input fails the whole call, with no partial result:
/// `invalid_quantity` (qty 0), `unknown_sku`, `no_price_for_currency`,
/// `currency_mismatch` (a custom line in another currency), `invalid_amount`
/// (a negative price), `amount_out_of_range`, `invalid_promotion`,
/// `unknown_tax_category`.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{price, Action, Cart, CartLine, PriceBook, PricingContext, PricingInput, ProductPrice, Promotion};
/// use kassa::{money::Rate, Currency, Money, RoundingMode};
///
/// let usd = |s| Money::parse(s, Currency::USD).unwrap();
/// let mut book = PriceBook::new();
/// book.insert(ProductPrice::new("TEE", usd("19.99")))?;
/// let cart = Cart { currency: Currency::USD, lines: vec![CartLine::new("TEE", 3)] };
/// let promos = [Promotion::new("ten-off", 1, Action::OrderPercent { value: Rate::parse("0.10")? })];
/// let out = price(&PricingInput {
///     prices: &book, cart: &cart, promotions: &promos, tax: None,
///     rounding_mode: RoundingMode::HalfEven, context: &PricingContext::default(), shipping: None,
/// })?;
/// assert_eq!(out.grand_total.to_string(), "53.97"); // 59.97 - 6.00
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn price(input: &PricingInput<'_>) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let lines = validate_and_price(input)?;
    for promotion in input.promotions {
        promotion.validate()?;
    }
    check_unique_ids(input.promotions)?;

    let mut running: Vec<i64> = lines
        .iter()
        .map(|l| l.price.subtotal.minor_units())
        .collect();
    let subtotal = running
        .iter()
        .try_fold(0i64, |sum, &x| sum.checked_add(x))
        .ok_or_else(|| out_of_range(currency, "cart subtotal"))?;

    let outcome = apply_promotions(input, &lines, &mut running, subtotal)?;
    assemble(input, &lines, &running, subtotal, outcome)
}

fn validate_and_price<'a>(input: &PricingInput<'a>) -> Result<Vec<Line<'a>>> {
    let currency = input.cart.currency;
    let mut lines = Vec::with_capacity(input.cart.lines.len());
    for (index, line) in input.cart.lines.iter().enumerate() {
        if line.qty == 0 {
            return Err(Error::InvalidQuantity {
                value: format!("0 (line {}, SKU {:?})", index + 1, shown(&line.sku)),
                reason: "must be an integer >= 1",
            });
        }
        let (price, tags, categories, category, weight_grams): (
            LinePrice,
            &[String],
            &[String],
            Option<&str>,
            u64,
        ) = match line.unit_price {
            Some(own) => {
                if own.currency() != currency {
                    return Err(Error::CurrencyMismatch {
                        expected: currency,
                        found: own.currency(),
                    });
                }
                check_price(&line.sku, own)?;
                let price = LinePrice {
                    unit_price: Some(own),
                    subtotal: own.multiply_quantity(line.qty)?,
                    source: PriceSource::Custom,
                    bands: Vec::new(),
                };
                (price, &[], &[], None, 0)
            }
            None => {
                let product = input
                    .prices
                    .get(&line.sku)
                    .ok_or_else(|| Error::UnknownSku {
                        sku: shown(&line.sku),
                        line: index + 1,
                    })?;
                let price = price_line(input.prices, product, currency, line.qty, input.context)?;
                (
                    price,
                    &product.tags,
                    &product.categories,
                    product.tax_category.as_deref(),
                    product.weight_grams,
                )
            }
        };
        let tax_rate = match input.tax {
            Some(config) => {
                config.rate_of(category, &line.sku, input.context.tax_location.as_ref())?
            }
            None => Rate::ZERO,
        };
        lines.push(Line {
            sku: &line.sku,
            qty: line.qty,
            price,
            tags,
            categories,
            tax_rate,
            weight_grams,
        });
    }
    if let Some(method) = input.shipping {
        method.validate()?;
        if let Some(found) = method.currency().filter(|&c| c != currency) {
            return Err(Error::CurrencyMismatch {
                expected: currency,
                found,
            });
        }
    }
    Ok(lines)
}

/// The breakdown reports promotions by id, so ids must be unique.
fn check_unique_ids(promotions: &[Promotion]) -> Result<()> {
    let mut ids: Vec<&str> = promotions.iter().map(|p| &*p.id).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(Error::InvalidPromotion {
            id: shown(w[0]),
            field: "id",
            reason: "is used by more than one promotion".to_owned(),
        }),
        None => Ok(()),
    }
}

/// What the promotion step produced.
struct PromotionOutcome {
    /// `(line, promotion index, amount)` in application order.
    records: Vec<(usize, usize, i64)>,
    applied: Vec<(usize, i64)>,
    not_applied: Vec<NotApplied>,
    shipping: Option<ShippingOutcome>,
}

/// The shipping line after shipping promotions.
struct ShippingOutcome {
    price: i64,
    free_by_threshold: bool,
    running: i64,
    tax_rate: Rate,
    /// `(promotion index, amount)` in application order.
    records: Vec<(usize, i64)>,
}

/// The lines each SKU and each tag appears on, built once per call when a
/// promotion has a target: selecting a target's lines is a lookup per
/// target key plus a copy of its line list, with no per-line string
/// comparison. Lists are kept in one flat vector (compressed rows), so the
/// index costs a few allocations in all, not one per key.
struct TargetIndex<'a> {
    /// Key -> row; SKUs and tags live in separate namespaces.
    sku_rows: FxHashMap<&'a str, u32>,
    tag_rows: FxHashMap<&'a str, u32>,
    category_rows: FxHashMap<&'a str, u32>,
    /// Row `r` lists the lines `lines[start[r]..start[r + 1]]`, ascending.
    start: Vec<usize>,
    lines: Vec<usize>,
}

impl<'a> TargetIndex<'a> {
    /// Indexes only the SKUs and tags that some promotion targets: the maps
    /// stay small and each line costs a few look-ups, no insertions.
    fn new(cart: &[Line<'a>], promotions: &'a [Promotion]) -> Option<Self> {
        let mut sku_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut tag_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut category_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut rows = 0u32;
        let mut add = |map: &mut FxHashMap<&'a str, u32>, key: &'a str| {
            map.entry(key).or_insert_with(|| {
                rows += 1;
                rows - 1
            });
        };
        for target in promotions.iter().filter_map(|p| p.target.as_ref()) {
            target.skus.iter().for_each(|k| add(&mut sku_rows, k));
            target.tags.iter().for_each(|k| add(&mut tag_rows, k));
            target
                .categories
                .iter()
                .for_each(|k| add(&mut category_rows, k));
        }
        if rows == 0 {
            return None;
        }
        // (row, line) for every targeted SKU and tag occurrence, in line order.
        let mut pairs: Vec<(u32, usize)> = Vec::with_capacity(cart.len() * 2);
        for (i, line) in cart.iter().enumerate() {
            if let Some(&row) = sku_rows.get(line.sku) {
                pairs.push((row, i));
            }
            for (map, keys) in [(&tag_rows, line.tags), (&category_rows, line.categories)] {
                if map.is_empty() {
                    continue;
                }
                for key in keys {
                    if let Some(&row) = map.get(key.as_str()) {
                        if !pairs
                            .iter()
                            .rev()
                            .take_while(|&&(_, l)| l == i)
                            .any(|&(r, _)| r == row)
                        {
                            pairs.push((row, i));
                        }
                    }
                }
            }
        }
        let rows = rows as usize;
        let mut start = vec![0usize; rows + 1];
        for &(row, _) in &pairs {
            start[row as usize + 1] += 1;
        }
        for r in 0..rows {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut lines = vec![0usize; pairs.len()];
        for &(row, line) in &pairs {
            lines[fill[row as usize]] = line;
            fill[row as usize] += 1;
        }
        Some(TargetIndex {
            sku_rows,
            tag_rows,
            category_rows,
            start,
            lines,
        })
    }

    /// The lines `target` selects, ascending and without repeats, into `out`.
    fn select(&self, target: &Target, out: &mut Vec<usize>) {
        let rows = target
            .skus
            .iter()
            .filter_map(|s| self.sku_rows.get(s.as_str()))
            .chain(
                target
                    .tags
                    .iter()
                    .filter_map(|t| self.tag_rows.get(t.as_str())),
            )
            .chain(
                target
                    .categories
                    .iter()
                    .filter_map(|c| self.category_rows.get(c.as_str())),
            );
        let mut lists = 0;
        for &row in rows {
            let row = row as usize;
            out.extend_from_slice(&self.lines[self.start[row]..self.start[row + 1]]);
            lists += 1;
        }
        if lists > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }
}

fn apply_promotions(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &mut [i64],
    subtotal: i64,
) -> Result<PromotionOutcome> {
    let promotions = input.promotions;
    let mut order: Vec<usize> = (0..promotions.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (pa, pb) = (&promotions[a], &promotions[b]);
        pa.priority
            .cmp(&pb.priority)
            .then_with(|| pa.id.cmp(&pb.id))
    });
    let index = TargetIndex::new(lines, promotions);

    let mut out = PromotionOutcome {
        records: Vec::with_capacity(lines.len() * promotions.len().min(8)),
        applied: Vec::with_capacity(promotions.len()),
        not_applied: Vec::with_capacity(promotions.len()),
        shipping: None,
    };
    let rank = |pi: usize| (promotions[pi].priority, &*promotions[pi].id);
    let mut stopped_by: Option<usize> = None;
    // Per class: the first promotion that applied, and an exclusive one that applied.
    let mut first_in_class: [Option<usize>; 3] = [None, None, None];
    let mut exclusive_in_class: [Option<usize>; 3] = [None, None, None];
    let mut deferred: Vec<usize> = Vec::new();
    let mut scratch = Scratch::for_lines(lines.len());
    let mut running_total = subtotal;

    for &pi in &order {
        let promo = &promotions[pi];
        let class = match promo.action.class() {
            PromotionClass::Product => 0,
            PromotionClass::Order => 1,
            PromotionClass::Shipping => {
                // Shipping is priced from the discounted merchandise total:
                // its promotions run after the merchandise ones.
                deferred.push(pi);
                continue;
            }
        };
        let gate = gate_reason(
            promo,
            input,
            stopped_by,
            first_in_class[class],
            exclusive_in_class[class],
        );
        let verdict = match gate {
            Some(reason) => Err(reason),
            None => {
                let mut eligible = std::mem::take(&mut scratch.eligible);
                eligible.clear();
                match (&promo.target, &index) {
                    (Some(target), Some(index)) => index.select(target, &mut eligible),
                    _ => eligible.extend(0..lines.len()),
                }
                let state = RunningState {
                    running,
                    subtotal,
                    running_total,
                };
                let verdict = evaluate(promo, lines, &eligible, &state, input, &mut scratch);
                scratch.eligible = eligible;
                verdict?
            }
        };
        match verdict {
            Err(reason) => {
                let reason = match reason {
                    Gate::Reason(r) => r,
                    Gate::StoppedBy(p) => NotAppliedReason::StoppedBy {
                        promotion: promotions[p].id.clone(),
                    },
                    Gate::NotCombinableWith(p) => NotAppliedReason::NotCombinableWith {
                        promotion: promotions[p].id.clone(),
                    },
                };
                let id = promo.id.clone();
                out.not_applied.push(NotApplied { id, reason });
            }
            Ok(total) => {
                for &(line, amount) in &scratch.discounts {
                    running[line] -= amount;
                    out.records.push((line, pi, amount));
                }
                running_total -= total;
                out.applied.push((pi, total));
                first_in_class[class].get_or_insert(pi);
                if promo.exclusive {
                    exclusive_in_class[class] = Some(pi);
                }
                if promo.stop_further {
                    stopped_by = Some(pi);
                }
            }
        }
    }

    // The shipping line and its promotions.
    if let Some(method) = input.shipping {
        let currency = input.cart.currency;
        let weight: u128 = lines
            .iter()
            .map(|l| u128::from(l.weight_grams) * u128::from(l.qty))
            .sum();
        let (price, free_by_threshold) =
            method.price_for(Money::from_minor_units(running_total, currency), weight)?;
        let tax_rate = match input.tax {
            Some(config) => config.rate_of(
                method.tax_category.as_deref(),
                &method.id,
                input.context.tax_location.as_ref(),
            )?,
            None => Rate::ZERO,
        };
        out.shipping = Some(ShippingOutcome {
            price: price.minor_units(),
            free_by_threshold,
            running: price.minor_units(),
            tax_rate,
            records: Vec::new(),
        });
    }
    for pi in deferred {
        let promo = &promotions[pi];
        let stopper = stopped_by.filter(|&s| rank(s) < rank(pi));
        let gate = gate_reason(
            promo,
            input,
            stopper,
            first_in_class[2],
            exclusive_in_class[2],
        );
        let reason = match gate {
            Some(Gate::Reason(r)) => Some(r),
            Some(Gate::StoppedBy(p)) => Some(NotAppliedReason::StoppedBy {
                promotion: promotions[p].id.clone(),
            }),
            Some(Gate::NotCombinableWith(p)) => Some(NotAppliedReason::NotCombinableWith {
                promotion: promotions[p].id.clone(),
            }),
            None => {
                let mut eligible = std::mem::take(&mut scratch.eligible);
                eligible.clear();
                match (&promo.target, &index) {
                    (Some(target), Some(index)) => index.select(target, &mut eligible),
                    _ => eligible.extend(0..lines.len()),
                }
                let state = RunningState {
                    running,
                    subtotal,
                    running_total,
                };
                let blocked = conditions(promo, lines, &eligible, &state, input.cart.currency);
                scratch.eligible = eligible;
                blocked.or_else(|| match (&promo.action, &mut out.shipping) {
                    (_, None) => Some(NotAppliedReason::NoShippingLine),
                    (Action::ShippingPercent { value }, Some(ship)) => {
                        let d = value
                            .of_minor(ship.running, 1, input.rounding_mode)
                            .unwrap_or(0)
                            .clamp(0, ship.running);
                        if d == 0 {
                            Some(NotAppliedReason::NothingToDiscount)
                        } else {
                            ship.running -= d;
                            ship.records.push((pi, d));
                            out.applied.push((pi, d));
                            None
                        }
                    }
                    _ => Some(NotAppliedReason::NothingToDiscount),
                })
            }
        };
        match reason {
            Some(reason) => out.not_applied.push(NotApplied {
                id: promo.id.clone(),
                reason,
            }),
            None => {
                first_in_class[2].get_or_insert(pi);
                if promo.exclusive {
                    exclusive_in_class[2] = Some(pi);
                }
                if promo.stop_further {
                    stopped_by = Some(pi);
                }
            }
        }
    }
    Ok(out)
}

/// A reason not to apply, before ids are shared.
enum Gate {
    Reason(NotAppliedReason),
    StoppedBy(usize),
    NotCombinableWith(usize),
}

/// Checks everything that does not depend on the lines: stacking, the
/// customer context, the currency of a fixed amount, exclusivity.
fn gate_reason(
    promo: &Promotion,
    input: &PricingInput<'_>,
    stopped_by: Option<usize>,
    first_in_class: Option<usize>,
    exclusive_in_class: Option<usize>,
) -> Option<Gate> {
    if let Some(stopper) = stopped_by {
        return Some(Gate::StoppedBy(stopper));
    }
    if let Some(reason) = context_reason(promo, input.context) {
        return Some(Gate::Reason(reason));
    }
    if let Some(fixed) = promo.action.fixed_amount() {
        if fixed.currency() != input.cart.currency {
            return Some(Gate::Reason(NotAppliedReason::CurrencyMismatch {
                promotion_currency: fixed.currency(),
            }));
        }
    }
    let conflict = if promo.exclusive {
        first_in_class
    } else {
        exclusive_in_class
    };
    conflict.map(Gate::NotCombinableWith)
}

/// Conditions on the customer context, checked before looking at lines.
fn context_reason(promo: &Promotion, ctx: &PricingContext) -> Option<NotAppliedReason> {
    if promo.valid_from.is_some() || promo.valid_until.is_some() {
        let inside = ctx.now.is_some_and(|now| {
            promo.valid_from.is_none_or(|from| now >= from)
                && promo.valid_until.is_none_or(|until| now < until)
        });
        if !inside {
            // A coupon the customer entered after its end date has expired.
            let expired = ctx
                .now
                .zip(promo.valid_until)
                .is_some_and(|(now, until)| now >= until);
            let entered = promo.coupon_code.as_ref().is_some_and(|code| {
                ctx.coupon_codes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(code))
            });
            return Some(if expired && entered {
                NotAppliedReason::CouponExpired
            } else {
                NotAppliedReason::OutsideValidityWindow
            });
        }
    }
    if let Some(code) = &promo.coupon_code {
        if !ctx
            .coupon_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
        {
            return Some(NotAppliedReason::CouponRequired);
        }
        if let Some(usage) = &promo.coupon_usage {
            match usage.check(ctx.customer_id.as_deref().unwrap_or("")) {
                Err(Error::CouponUsageLimitReached { limit, .. }) => {
                    return Some(NotAppliedReason::CouponUsageLimitReached { limit })
                }
                Err(Error::CouponCustomerLimitReached { limit, .. }) => {
                    return Some(NotAppliedReason::CouponCustomerLimitReached { limit })
                }
                _ => {}
            }
        }
    }
    let intersects = |wanted: &[String], have: &[String]| {
        wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
    };
    if !intersects(&promo.customer_groups, &ctx.customer_groups)
        || !intersects(&promo.segments, &ctx.segments)
    {
        return Some(NotAppliedReason::CustomerNotEligible);
    }
    if !promo.channels.is_empty()
        && !ctx
            .channel
            .as_ref()
            .is_some_and(|c| promo.channels.contains(c))
    {
        return Some(NotAppliedReason::ChannelNotEligible);
    }
    if promo.first_order_only && !ctx.first_order {
        return Some(NotAppliedReason::NotFirstOrder);
    }
    None
}

/// The running amounts when a promotion is evaluated.
struct RunningState<'r> {
    running: &'r [i64],
    subtotal: i64,
    running_total: i64,
}

/// Checks the line-dependent conditions of `promo` and computes its line
/// discounts into `scratch.discounts`: `Ok(total)` when it applies, or the
/// reason it does not.
fn evaluate(
    promo: &Promotion,
    lines: &[Line<'_>],
    eligible: &[usize],
    state: &RunningState<'_>,
    input: &PricingInput<'_>,
    scratch: &mut Scratch,
) -> Result<std::result::Result<i64, Gate>> {
    let currency = input.cart.currency;
    let not = |reason| Ok(Err(Gate::Reason(reason)));
    scratch.discounts.clear();
    if let Some(reason) = conditions(promo, lines, eligible, state, currency) {
        return not(reason);
    }
    let missing_units = line_discounts(
        &promo.action,
        lines,
        eligible,
        state.running,
        input,
        scratch,
    )?;
    let total: i64 = scratch.discounts.iter().map(|&(_, d)| d).sum();
    if total > 0 {
        Ok(Ok(total))
    } else if missing_units > 0 {
        not(NotAppliedReason::BelowMinimumQuantity {
            missing: missing_units,
        })
    } else {
        not(NotAppliedReason::NothingToDiscount)
    }
}

/// The line-dependent conditions: eligible lines, minimum quantity,
/// minimum subtotal. `None` when they hold.
fn conditions(
    promo: &Promotion,
    lines: &[Line<'_>],
    eligible: &[usize],
    state: &RunningState<'_>,
    currency: Currency,
) -> Option<NotAppliedReason> {
    let not = Some;
    if eligible.is_empty() {
        return not(NotAppliedReason::NoEligibleLines);
    }
    if let Some(min_qty) = promo.min_quantity {
        let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
        if units < u128::from(min_qty) {
            let missing = u64::try_from(u128::from(min_qty) - units).unwrap_or(u64::MAX);
            return not(NotAppliedReason::BelowMinimumQuantity { missing });
        }
    }
    if let Some(min) = &promo.min_subtotal {
        if min.amount.currency() != currency {
            return not(NotAppliedReason::CurrencyMismatch {
                promotion_currency: min.amount.currency(),
            });
        }
        let basis = match min.basis {
            SubtotalBasis::PreDiscount => state.subtotal,
            SubtotalBasis::Running => state.running_total,
        };
        if basis < min.amount.minor_units() {
            let missing = Money::from_minor_units(min.amount.minor_units() - basis, currency);
            return not(NotAppliedReason::BelowMinimumSubtotal { missing });
        }
    }
    None
}

/// The discount of each eligible line under `action`, into
/// `scratch.discounts`; for buy X get Y, how many units were missing.
fn line_discounts(
    action: &Action,
    lines: &[Line<'_>],
    eligible: &[usize],
    running: &[i64],
    input: &PricingInput<'_>,
    scratch: &mut Scratch,
) -> Result<u64> {
    let (currency, mode) = (input.cart.currency, input.rounding_mode);
    let overflow = || out_of_range(currency, "promotion amount");
    let per_line = |out: &mut Vec<(usize, i64)>, f: &dyn Fn(usize) -> Option<i64>| -> Result<()> {
        for &i in eligible {
            let d = f(i).ok_or_else(overflow)?.clamp(0, running[i]);
            if d > 0 {
                out.push((i, d));
            }
        }
        Ok(())
    };
    let qty = |i: usize| i64::try_from(lines[i].qty).ok();
    match action {
        Action::LinePercent { value } => {
            per_line(&mut scratch.discounts, &|i| {
                value.of_minor(running[i], 1, mode)
            })?;
        }
        Action::LineFixed { value } => {
            per_line(&mut scratch.discounts, &|i| {
                value.minor_units().checked_mul(qty(i)?)
            })?;
        }
        Action::FixedPrice { value } => {
            per_line(&mut scratch.discounts, &|i| {
                Some(running[i].saturating_sub(value.minor_units().checked_mul(qty(i)?)?))
            })?;
        }
        Action::OrderPercent { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            let total = value.of_minor(base, 1, mode).ok_or_else(overflow)?;
            split(total, eligible, running, currency, scratch)?;
        }
        Action::OrderFixed { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            split(
                value.minor_units().min(base),
                eligible,
                running,
                currency,
                scratch,
            )?;
        }
        // Applied to the shipping line, after the merchandise promotions.
        Action::ShippingPercent { .. } => {}
        Action::TieredPercent { tiers } => {
            let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
            let reached = tiers
                .iter()
                .filter(|t| u128::from(t.min_qty) <= units)
                .max_by_key(|t| t.min_qty);
            match reached {
                Some(tier) => {
                    let percent = tier.percent;
                    per_line(&mut scratch.discounts, &|i| {
                        percent.of_minor(running[i], 1, mode)
                    })?;
                }
                None => {
                    let lowest = tiers.iter().map(|t| t.min_qty).min().unwrap_or(1);
                    return Ok(u64::try_from(u128::from(lowest) - units).unwrap_or(u64::MAX));
                }
            }
        }
        Action::BuyXGetY {
            buy,
            get,
            get_percent,
            max_applications,
        } => {
            let deal = buy_x_get_y::Deal {
                buy: *buy,
                get: *get,
                get_percent: *get_percent,
                max_applications: *max_applications,
            };
            return buy_x_get_y::apply(&deal, lines, eligible, running, mode, scratch)
                .ok_or_else(overflow);
        }
    }
    Ok(0)
}

fn eligible_sum(eligible: &[usize], running: &[i64]) -> Option<i64> {
    eligible
        .iter()
        .try_fold(0i64, |sum, &i| sum.checked_add(running[i]))
}

/// Splits an order-level discount over the eligible lines by their running
/// amounts (largest remainder, ties to the earlier line).
fn split(
    total: i64,
    eligible: &[usize],
    running: &[i64],
    currency: Currency,
    scratch: &mut Scratch,
) -> Result<()> {
    if total <= 0 {
        return Ok(());
    }
    scratch.weights.clear();
    scratch
        .weights
        .extend(eligible.iter().map(|&i| running[i].unsigned_abs()));
    allocate_minor(
        Money::from_minor_units(total, currency),
        &scratch.weights,
        &mut scratch.parts,
        &mut scratch.remainders,
    )?;
    scratch.discounts.extend(
        eligible
            .iter()
            .zip(&scratch.parts)
            .filter(|(_, &p)| p != 0)
            .map(|(&i, &p)| (i, p)),
    );
    Ok(())
}

fn assemble(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &[i64],
    subtotal: i64,
    outcome: PromotionOutcome,
) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let money = |minor: i64| Money::from_minor_units(minor, currency);
    let promotions = input.promotions;

    // The shipping line, when there is one, is taxed with the others (last).
    let mut taxes: Vec<i64> = match input.tax {
        Some(config) => {
            let mut taxable: Vec<Taxable> = lines
                .iter()
                .zip(running)
                .map(|(l, &amount)| Taxable {
                    amount,
                    qty: l.qty,
                    rate: l.tax_rate,
                })
                .collect();
            if let Some(ship) = &outcome.shipping {
                taxable.push(Taxable {
                    amount: ship.running,
                    qty: 1,
                    rate: ship.tax_rate,
                });
            }
            tax::compute(config, &taxable, currency, input.rounding_mode)?
        }
        None => vec![0; lines.len() + usize::from(outcome.shipping.is_some())],
    };
    let shipping_tax = if outcome.shipping.is_some() {
        taxes.pop().unwrap_or(0)
    } else {
        0
    };
    let inclusive = input.tax.is_some_and(|t| t.prices_include_tax);

    // By line, then application order: a counting sort (linear, stable).
    let mut slot = vec![0usize; lines.len() + 1];
    for &(line, _, _) in &outcome.records {
        slot[line + 1] += 1;
    }
    for i in 0..lines.len() {
        slot[i + 1] += slot[i];
    }
    let mut by_line = vec![0usize; outcome.records.len()];
    for (k, &(line, _, _)) in outcome.records.iter().enumerate() {
        by_line[slot[line]] = k;
        slot[line] += 1;
    }
    // Promotion index -> its position in `promotions_applied`.
    let mut applied_at = vec![usize::MAX; promotions.len()];
    for (position, &(pi, _)) in outcome.applied.iter().enumerate() {
        applied_at[pi] = position;
    }
    let discounts: Vec<LineDiscount> = by_line
        .iter()
        .map(|&k| {
            let (line, pi, amount) = outcome.records[k];
            LineDiscount {
                line,
                promotion: applied_at[pi],
                amount: money(amount),
            }
        })
        .collect();

    let (mut discount_total, mut tax_total, mut grand_total) = (0i64, 0i64, 0i64);
    let mut tax_summary: Vec<TaxSummary> = Vec::new();
    let mut out_lines = Vec::with_capacity(lines.len());
    for ((line, &run), &tax) in lines.iter().zip(running).zip(&taxes) {
        let subtotal_line = line.price.subtotal.minor_units();
        let discount = subtotal_line - run;
        let (net, total) = if inclusive {
            (run - tax, run)
        } else {
            (
                run,
                run.checked_add(tax)
                    .ok_or_else(|| out_of_range(currency, "line total"))?,
            )
        };
        discount_total += discount;
        tax_total = tax_total
            .checked_add(tax)
            .ok_or_else(|| out_of_range(currency, "tax total"))?;
        grand_total = grand_total
            .checked_add(total)
            .ok_or_else(|| out_of_range(currency, "grand total"))?;
        if input.tax.is_some() {
            match tax_summary.iter_mut().find(|t| t.rate == line.tax_rate) {
                Some(t) => t.amount = money(t.amount.minor_units() + tax),
                None => tax_summary.push(TaxSummary {
                    rate: line.tax_rate,
                    amount: money(tax),
                }),
            }
        }
        out_lines.push(LineBreakdown {
            sku: line.sku.to_owned(),
            qty: line.qty,
            unit_price: line.price.unit_price,
            price_source: line.price.source.clone(),
            line_subtotal: line.price.subtotal,
            discount: money(discount),
            line_net: money(net),
            tax: money(tax),
            tax_rate: line.tax_rate,
            line_total: money(total),
        });
    }

    let shipping = match &outcome.shipping {
        None => None,
        Some(ship) => {
            let discount = ship.price - ship.running;
            let (net, total) = if inclusive {
                (ship.running - shipping_tax, ship.running)
            } else {
                (
                    ship.running,
                    ship.running
                        .checked_add(shipping_tax)
                        .ok_or_else(|| out_of_range(currency, "shipping total"))?,
                )
            };
            discount_total += discount;
            tax_total = tax_total
                .checked_add(shipping_tax)
                .ok_or_else(|| out_of_range(currency, "tax total"))?;
            grand_total = grand_total
                .checked_add(total)
                .ok_or_else(|| out_of_range(currency, "grand total"))?;
            if input.tax.is_some() {
                match tax_summary.iter_mut().find(|t| t.rate == ship.tax_rate) {
                    Some(t) => t.amount = money(t.amount.minor_units() + shipping_tax),
                    None => tax_summary.push(TaxSummary {
                        rate: ship.tax_rate,
                        amount: money(shipping_tax),
                    }),
                }
            }
            Some(ShippingBreakdown {
                method: input
                    .shipping
                    .map(|m| m.id.clone())
                    .unwrap_or_else(|| "".into()),
                price: money(ship.price),
                free_by_threshold: ship.free_by_threshold,
                discount: money(discount),
                discounts: ship
                    .records
                    .iter()
                    .map(|&(pi, amount)| AppliedPromotion {
                        id: promotions[pi].id.clone(),
                        amount: money(amount),
                    })
                    .collect(),
                net: money(net),
                tax: money(shipping_tax),
                tax_rate: ship.tax_rate,
                total: money(total),
            })
        }
    };

    let unknown_coupons = input
        .context
        .coupon_codes
        .iter()
        .filter(|code| {
            !promotions.iter().any(|p| {
                p.coupon_code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code))
            })
        })
        .map(|code| UnknownCoupon { code: code.clone() })
        .collect();

    let promotions_applied = outcome
        .applied
        .iter()
        .map(|&(pi, amount)| AppliedPromotion {
            id: promotions[pi].id.clone(),
            amount: money(amount),
        })
        .collect();
    Ok(PriceBreakdown {
        currency,
        lines: out_lines,
        subtotal: money(subtotal),
        discount_total: money(discount_total),
        discounts,
        shipping,
        tax_total: money(tax_total),
        grand_total: money(grand_total),
        taxes: tax_summary,
        promotions_applied,
        promotions_not_applied: outcome.not_applied,
        unknown_coupons,
    })
}
