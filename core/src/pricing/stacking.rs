//! Stacking: promotions in `(priority, id)` order on running amounts, with
//! `stop_further`, exclusivity classes, the customer-context conditions, and
//! a typed reason for every promotion that does not apply; then the
//! shipping line and its promotions.

use super::actions::line_discounts;
use super::breakdown::{NotApplied, NotAppliedReason};
use super::calculate::{Line, PricingInput};
use super::context::PricingContext;
use super::promotion::{Action, Promotion, PromotionClass, SubtotalBasis};
use super::target_index::TargetIndex;
use crate::error::{Error, Result};
use crate::money::{AllocScratch, Currency, Money, Rate};

/// Buffers reused by every promotion of one pricing call.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub eligible: Vec<usize>,
    pub discounts: Vec<(usize, i64)>,
    pub weights: Vec<u64>,
    pub parts: Vec<i64>,
    pub remainders: AllocScratch,
    pub pool: Vec<(i64, usize, u64)>,
    pub per_line: Vec<i128>,
}

impl Scratch {
    /// Buffers sized for `lines` cart lines, so they never grow mid-call.
    pub(crate) fn for_lines(lines: usize) -> Self {
        Scratch {
            eligible: Vec::with_capacity(lines),
            discounts: Vec::with_capacity(lines),
            weights: Vec::with_capacity(lines),
            parts: Vec::with_capacity(lines),
            remainders: AllocScratch::with_capacity(lines),
            pool: Vec::with_capacity(lines),
            per_line: Vec::with_capacity(lines),
        }
    }
}

/// What the promotion step produced.
pub(crate) struct PromotionOutcome {
    /// `(line, promotion index, amount)` in application order.
    pub(crate) records: Vec<(usize, usize, i64)>,
    pub(crate) applied: Vec<(usize, i64)>,
    pub(crate) not_applied: Vec<NotApplied>,
    pub(crate) shipping: Option<ShippingOutcome>,
}

/// The shipping line after shipping promotions.
pub(crate) struct ShippingOutcome {
    pub(crate) price: i64,
    pub(crate) free_by_threshold: bool,
    pub(crate) running: i64,
    pub(crate) tax_rate: Rate,
    /// `(promotion index, amount)` in application order.
    pub(crate) records: Vec<(usize, i64)>,
}

pub(crate) fn apply_promotions(
    input: &PricingInput<'_>,
    lines: &[Line<'_>],
    running: &mut [i64],
    subtotal: i64,
) -> Result<PromotionOutcome> {
    let promotions = input.promotions;
    let mut order: Vec<usize> = (0..promotions.len()).collect();
    // Hosts that keep their promotions in this order (the engine does)
    // save the sort.
    if !promotions.is_sorted_by_key(|p| (p.priority, &*p.id)) {
        order.sort_unstable_by(|&a, &b| {
            let (pa, pb) = (&promotions[a], &promotions[b]);
            pa.priority
                .cmp(&pb.priority)
                .then_with(|| pa.id.cmp(&pb.id))
        });
    }
    let index = TargetIndex::new(lines, promotions);

    let mut out = PromotionOutcome {
        // At most one record per line and merchandise promotion: reserved
        // up front (up to 16,384) so the vector is never copied to grow.
        records: Vec::with_capacity((lines.len() * promotions.len()).min(1 << 14)),
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
    // (A cart priced with no promotions needs no buffers.)
    let mut scratch = Scratch::for_lines(if promotions.is_empty() {
        0
    } else {
        lines.len()
    });
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
                let eligible = select_eligible(promo, index.as_ref(), lines.len(), &mut scratch);
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
                let reason = reason.into_reason(promotions);
                let id = promo.id.clone();
                out.not_applied.push(NotApplied { id, reason });
            }
            Ok(total) => {
                for &(line, amount) in &scratch.discounts {
                    running[line] -= amount;
                }
                // One reservation for the promotion's records, not a
                // capacity check per record.
                out.records.extend(
                    scratch
                        .discounts
                        .iter()
                        .map(|&(line, amount)| (line, pi, amount)),
                );
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
            Some(gate) => Some(gate.into_reason(promotions)),
            None => {
                let eligible = select_eligible(promo, index.as_ref(), lines.len(), &mut scratch);
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

/// The lines `promo` targets (all lines without a target), in cart order,
/// in the scratch buffer taken out of `scratch`; the caller puts it back.
fn select_eligible(
    promo: &Promotion,
    index: Option<&TargetIndex<'_>>,
    lines: usize,
    scratch: &mut Scratch,
) -> Vec<usize> {
    let mut eligible = std::mem::take(&mut scratch.eligible);
    eligible.clear();
    match (&promo.target, index) {
        (Some(target), Some(index)) => index.select(target, &mut eligible),
        _ => eligible.extend(0..lines),
    }
    eligible
}

/// A reason not to apply; the stacking ones name another promotion by index.
enum Gate {
    Reason(NotAppliedReason),
    StoppedBy(usize),
    NotCombinableWith(usize),
}

impl Gate {
    fn into_reason(self, promotions: &[Promotion]) -> NotAppliedReason {
        match self {
            Gate::Reason(reason) => reason,
            Gate::StoppedBy(p) => NotAppliedReason::StoppedBy {
                promotion: promotions[p].id.clone(),
            },
            Gate::NotCombinableWith(p) => NotAppliedReason::NotCombinableWith {
                promotion: promotions[p].id.clone(),
            },
        }
    }
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
    if !promo.audience.is_open(ctx) {
        // A coupon the customer entered after its end date has expired.
        let expired = promo.audience.has_ended(ctx);
        let entered = promo
            .coupon_code
            .as_ref()
            .is_some_and(|code| ctx.entered(code));
        return Some(if expired && entered {
            NotAppliedReason::CouponExpired
        } else {
            NotAppliedReason::OutsideValidityWindow
        });
    }
    if let Some(code) = &promo.coupon_code {
        if !ctx.entered(code) {
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
    if !promo.audience.admits_customer(ctx) {
        return Some(NotAppliedReason::CustomerNotEligible);
    }
    if !promo.audience.admits_channel(ctx) {
        return Some(NotAppliedReason::ChannelNotEligible);
    }
    if promo.first_order_only && !ctx.first_order {
        return Some(NotAppliedReason::NotFirstOrder);
    }
    None
}

/// The running amounts when a promotion is evaluated.
pub(crate) struct RunningState<'r> {
    pub(crate) running: &'r [i64],
    pub(crate) subtotal: i64,
    pub(crate) running_total: i64,
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
