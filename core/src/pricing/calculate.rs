//! The pricing function: validate, price lines, apply promotions in order,
//! tax, and assemble the explained breakdown.

use rustc_hash::FxHashMap;

use super::breakdown::{
    AppliedPromotion, LineBreakdown, LineDiscount, NotApplied, NotAppliedReason, PriceBreakdown,
    TaxSummary, UnknownCoupon,
};
use super::buy_x_get_y;
use super::cart::Cart;
use super::context::PricingContext;
use super::prices::{check_price, price_line, LinePrice, PriceBook, PriceSource};
use super::promotion::{Action, Promotion, PromotionClass, SubtotalBasis};
use super::tax::{self, TaxConfig, Taxable};
use crate::error::{shown, Error, Result};
use crate::money::{allocate, Currency, Money, Rate, RoundingMode};

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
}

/// A validated, priced cart line.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub sku: &'a str,
    pub qty: u64,
    pub price: LinePrice,
    pub tags: &'a [String],
    pub tax_rate: Rate,
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
///     rounding_mode: RoundingMode::HalfEven, context: &PricingContext::default(),
/// })?;
/// assert_eq!(out.grand_total.to_string(), "53.97"); // 59.97 - 6.00
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn price(input: &PricingInput<'_>) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let mode = input.rounding_mode;
    let lines = validate_and_price(input)?;
    for promotion in input.promotions {
        promotion.validate()?;
    }

    let mut running: Vec<i64> = lines
        .iter()
        .map(|l| l.price.subtotal.minor_units())
        .collect();
    let subtotal = running
        .iter()
        .try_fold(0i64, |sum, &x| sum.checked_add(x))
        .ok_or_else(|| out_of_range(currency, "cart subtotal"))?;

    let outcome = apply_promotions(input, &lines, &mut running, subtotal)?;
    assemble(input, &lines, &running, subtotal, outcome, mode)
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
        let (price, tags, category): (LinePrice, &[String], Option<&str>) = match line.unit_price {
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
                (price, &[], None)
            }
            None => {
                let product = input
                    .prices
                    .get(&line.sku)
                    .ok_or_else(|| Error::UnknownSku {
                        sku: shown(&line.sku),
                        line: index + 1,
                    })?;
                let price = price_line(product, currency, line.qty)?;
                (price, &product.tags, product.tax_category.as_deref())
            }
        };
        let tax_rate = match input.tax {
            Some(config) => config.rate_of(category, &line.sku)?,
            None => Rate::ZERO,
        };
        lines.push(Line {
            sku: &line.sku,
            qty: line.qty,
            price,
            tags,
            tax_rate,
        });
    }
    Ok(lines)
}

/// What the promotion step produced.
struct PromotionOutcome {
    /// `(line, promotion index, amount)` in application order.
    records: Vec<(usize, usize, i64)>,
    applied: Vec<(usize, i64)>,
    not_applied: Vec<NotApplied>,
}

/// Line indexes by SKU and by tag, built only when a promotion has a target.
struct TargetIndex<'a> {
    by_key: FxHashMap<&'a str, Vec<usize>>,
    by_tag: FxHashMap<&'a str, Vec<usize>>,
}

impl<'a> TargetIndex<'a> {
    fn new(lines: &[Line<'a>]) -> Self {
        let mut by_key: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        let mut by_tag: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, line) in lines.iter().enumerate() {
            by_key.entry(line.sku).or_default().push(i);
            for tag in line.tags {
                let lines_with_tag = by_tag.entry(tag.as_str()).or_default();
                if lines_with_tag.last() != Some(&i) {
                    lines_with_tag.push(i);
                }
            }
        }
        TargetIndex { by_key, by_tag }
    }
}

fn apply_promotions(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &mut [i64],
    subtotal: i64,
) -> Result<PromotionOutcome> {
    let currency = input.cart.currency;
    let mode = input.rounding_mode;
    let ctx = input.context;
    let promotions = input.promotions;

    let mut order: Vec<usize> = (0..promotions.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&promotions[a], &promotions[b]);
        pa.priority
            .cmp(&pb.priority)
            .then_with(|| pa.id.cmp(&pb.id))
    });
    let index = promotions
        .iter()
        .any(|p| p.target.is_some())
        .then(|| TargetIndex::new(lines));

    let mut out = PromotionOutcome {
        records: Vec::new(),
        applied: Vec::new(),
        not_applied: Vec::new(),
    };
    let mut stopped_by: Option<usize> = None;
    // Per class: the first promotion that applied, and an exclusive one that applied.
    let mut first_in_class: [Option<usize>; 2] = [None, None];
    let mut exclusive_in_class: [Option<usize>; 2] = [None, None];
    let mut mark = vec![false; lines.len()];
    let mut eligible: Vec<usize> = Vec::with_capacity(lines.len());
    let mut running_total = subtotal;

    for &pi in &order {
        let promo = &promotions[pi];
        let class = match promo.action.class() {
            PromotionClass::Product => 0,
            PromotionClass::Order => 1,
        };
        let skip = |reason: NotAppliedReason| NotApplied {
            id: promo.id.clone(),
            reason,
        };
        if let Some(stopper) = stopped_by {
            out.not_applied.push(skip(NotAppliedReason::StoppedBy {
                promotion: promotions[stopper].id.clone(),
            }));
            continue;
        }
        if let Some(reason) = context_reason(promo, ctx) {
            out.not_applied.push(skip(reason));
            continue;
        }
        if let Some(fixed) = promo.action.fixed_amount() {
            if fixed.currency() != currency {
                out.not_applied
                    .push(skip(NotAppliedReason::CurrencyMismatch {
                        promotion_currency: fixed.currency(),
                    }));
                continue;
            }
        }
        let conflict = if promo.exclusive {
            first_in_class[class]
        } else {
            exclusive_in_class[class]
        };
        if let Some(other) = conflict {
            out.not_applied
                .push(skip(NotAppliedReason::NotCombinableWith {
                    promotion: promotions[other].id.clone(),
                }));
            continue;
        }

        // Eligible lines, in cart order.
        eligible.clear();
        match (&promo.target, &index) {
            (Some(target), Some(index)) => {
                let keys = target
                    .skus
                    .iter()
                    .filter_map(|s| index.by_key.get(s.as_str()));
                let tags = target
                    .tags
                    .iter()
                    .filter_map(|t| index.by_tag.get(t.as_str()));
                for &i in keys.chain(tags).flatten() {
                    if !mark[i] {
                        mark[i] = true;
                        eligible.push(i);
                    }
                }
                eligible.sort_unstable();
                for &i in &eligible {
                    mark[i] = false;
                }
            }
            _ => eligible.extend(0..lines.len()),
        }
        if eligible.is_empty() {
            out.not_applied
                .push(skip(NotAppliedReason::NoEligibleLines));
            continue;
        }
        if let Some(min_qty) = promo.min_quantity {
            let units: u128 = eligible.iter().map(|&i| u128::from(lines[i].qty)).sum();
            if units < u128::from(min_qty) {
                let missing = u64::try_from(u128::from(min_qty) - units).unwrap_or(u64::MAX);
                out.not_applied
                    .push(skip(NotAppliedReason::BelowMinimumQuantity { missing }));
                continue;
            }
        }
        if let Some(min) = &promo.min_subtotal {
            if min.amount.currency() != currency {
                out.not_applied
                    .push(skip(NotAppliedReason::CurrencyMismatch {
                        promotion_currency: min.amount.currency(),
                    }));
                continue;
            }
            let basis = match min.basis {
                SubtotalBasis::PreDiscount => subtotal,
                SubtotalBasis::Running => running_total,
            };
            if basis < min.amount.minor_units() {
                let missing = Money::from_minor_units(min.amount.minor_units() - basis, currency);
                out.not_applied
                    .push(skip(NotAppliedReason::BelowMinimumSubtotal { missing }));
                continue;
            }
        }

        let (discounts, missing_units) =
            line_discounts(&promo.action, lines, &eligible, running, currency, mode)?;
        let total: i64 = discounts.iter().map(|&(_, d)| d).sum();
        if total == 0 {
            let reason = if missing_units > 0 {
                NotAppliedReason::BelowMinimumQuantity {
                    missing: missing_units,
                }
            } else {
                NotAppliedReason::NothingToDiscount
            };
            out.not_applied.push(skip(reason));
            continue;
        }
        for (line, amount) in discounts {
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
    Ok(out)
}

/// Conditions on the customer context, checked before looking at lines.
fn context_reason(promo: &Promotion, ctx: &PricingContext) -> Option<NotAppliedReason> {
    if promo.valid_from.is_some() || promo.valid_until.is_some() {
        let inside = ctx.now.is_some_and(|now| {
            promo.valid_from.is_none_or(|from| now >= from)
                && promo.valid_until.is_none_or(|until| now < until)
        });
        if !inside {
            return Some(NotAppliedReason::OutsideValidityWindow);
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

/// The discount of each eligible line under `action`, and for buy X get Y
/// how many units were missing.
fn line_discounts(
    action: &Action,
    lines: &[Line<'_>],
    eligible: &[usize],
    running: &[i64],
    currency: Currency,
    mode: RoundingMode,
) -> Result<(Vec<(usize, i64)>, u64)> {
    let overflow = || out_of_range(currency, "promotion amount");
    let per_line = |f: &dyn Fn(usize) -> Option<i64>| -> Result<Vec<(usize, i64)>> {
        let mut out = Vec::with_capacity(eligible.len());
        for &i in eligible {
            let d = f(i).ok_or_else(overflow)?.clamp(0, running[i]);
            if d > 0 {
                out.push((i, d));
            }
        }
        Ok(out)
    };
    let discounts = match action {
        Action::LinePercent { value } => per_line(&|i| value.of_minor(running[i], 1, mode))?,
        Action::LineFixed { value } => per_line(&|i| {
            value
                .minor_units()
                .checked_mul(i64::try_from(lines[i].qty).ok()?)
        })?,
        Action::FixedPrice { value } => per_line(&|i| {
            let target = value
                .minor_units()
                .checked_mul(i64::try_from(lines[i].qty).ok()?)?;
            Some(running[i].saturating_sub(target))
        })?,
        Action::OrderPercent { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            let total = value.of_minor(base, 1, mode).ok_or_else(overflow)?;
            split(total, eligible, running, currency)?
        }
        Action::OrderFixed { value } => {
            let base = eligible_sum(eligible, running).ok_or_else(overflow)?;
            split(value.minor_units().min(base), eligible, running, currency)?
        }
        Action::BuyXGetY {
            buy,
            get,
            get_percent,
            max_applications,
        } => {
            let outcome = buy_x_get_y::apply(
                lines,
                eligible,
                running,
                *buy,
                *get,
                *get_percent,
                *max_applications,
                mode,
            )
            .ok_or_else(overflow)?;
            return Ok((outcome.discounts, outcome.missing_units));
        }
    };
    Ok((discounts, 0))
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
) -> Result<Vec<(usize, i64)>> {
    if total <= 0 {
        return Ok(Vec::new());
    }
    let weights: Vec<u64> = eligible
        .iter()
        .map(|&i| running[i].unsigned_abs())
        .collect();
    let parts = allocate(Money::from_minor_units(total, currency), &weights)?;
    Ok(eligible
        .iter()
        .zip(parts)
        .filter(|(_, p)| !p.is_zero())
        .map(|(&i, p)| (i, p.minor_units()))
        .collect())
}

fn assemble(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &[i64],
    subtotal: i64,
    outcome: PromotionOutcome,
    mode: RoundingMode,
) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let money = |minor: i64| Money::from_minor_units(minor, currency);
    let promotions = input.promotions;

    let taxes: Vec<i64> = match input.tax {
        Some(config) => {
            let taxable: Vec<Taxable> = lines
                .iter()
                .zip(running)
                .map(|(l, &amount)| Taxable {
                    amount,
                    qty: l.qty,
                    rate: l.tax_rate,
                })
                .collect();
            tax::compute(config, &taxable, currency, mode)?
        }
        None => vec![0; lines.len()],
    };
    let inclusive = input.tax.is_some_and(|t| t.prices_include_tax);

    let mut per_line_discounts: Vec<Vec<LineDiscount>> =
        (0..lines.len()).map(|_| Vec::new()).collect();
    for &(line, pi, amount) in &outcome.records {
        per_line_discounts[line].push(LineDiscount {
            promotion: promotions[pi].id.clone(),
            amount: money(amount),
        });
    }

    let (mut discount_total, mut tax_total, mut grand_total) = (0i64, 0i64, 0i64);
    let mut tax_summary: Vec<TaxSummary> = Vec::new();
    let mut out_lines = Vec::with_capacity(lines.len());
    for (((line, &run), &tax), discounts) in lines
        .iter()
        .zip(running)
        .zip(&taxes)
        .zip(per_line_discounts)
    {
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
            match tax_summary
                .iter_mut()
                .find(|t| t.rate.value() == line.tax_rate.value())
            {
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
            discounts,
            discount: money(discount),
            line_net: money(net),
            tax: money(tax),
            tax_rate: line.tax_rate,
            line_total: money(total),
        });
    }

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

    Ok(PriceBreakdown {
        currency,
        lines: out_lines,
        subtotal: money(subtotal),
        discount_total: money(discount_total),
        tax_total: money(tax_total),
        grand_total: money(grand_total),
        taxes: tax_summary,
        promotions_applied: outcome
            .applied
            .iter()
            .map(|&(pi, amount)| AppliedPromotion {
                id: promotions[pi].id.clone(),
                amount: money(amount),
            })
            .collect(),
        promotions_not_applied: outcome.not_applied,
        unknown_coupons,
    })
}
