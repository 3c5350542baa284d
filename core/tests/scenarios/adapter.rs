//! Maps a scenario's JSON inputs onto the engine's typed API and compares
//! the outputs with the expectations, field by field, as exact strings.

use std::collections::BTreeMap;

use kassa::coupon::CouponUsage;
use kassa::money::{parse_decimal, Rate};
use kassa::payment::{parse_payment_amount, PaymentLedger, PaymentOp, PaymentState, Replay};
use kassa::pricing::{
    parse_quantity, price, Action, Cart, CartLine, MinSubtotal, PriceBook, PriceBreakdown,
    PricingContext, PricingInput, ProductPrice, Promotion, SubtotalBasis, Target, TaxCalculation,
    TaxConfig, TaxRounding, TierBreak, TierMode, TierTable,
};
use kassa::{allocate, round, Currency, Error, Money, RoundingMode};
use serde_json::{json, Map, Value};

type Outcome = Result<usize, String>;

/// Runs one scenario; returns how many cases it compared.
pub fn run(scenario: &Value) -> Outcome {
    match scenario["kind"].as_str() {
        Some("rounding") => rounding(scenario),
        Some("allocation") => allocation(scenario),
        Some("pricing") => {
            compare(&pricing_output(scenario), &scenario["expected"], "expected")?;
            Ok(1)
        }
        Some("validation") => validation(scenario),
        Some("payment") => payment(scenario),
        Some("coupon_usage") => coupon_usage(scenario),
        other => Err(format!("unknown kind {other:?}")),
    }
}

fn compare(got: &Value, want: &Value, what: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} differs\n  got:  {got}\n  want: {want}"))
    }
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| Error::InvalidAmount {
        value: format!("{field} = {v}"),
        reason: "expected a string",
    })
}

fn cases(scenario: &Value) -> Result<&Vec<Value>, String> {
    scenario["cases"]
        .as_array()
        .ok_or_else(|| "no cases".to_owned())
}

fn rounding(scenario: &Value) -> Outcome {
    let cases = cases(scenario)?;
    for (i, case) in cases.iter().enumerate() {
        let got = (|| -> Result<String, Error> {
            let currency = Currency::from_code(text(&case["currency"], "currency")?)?;
            let mode: RoundingMode = text(&case["mode"], "mode")?.parse()?;
            let value = parse_decimal(text(&case["value"], "value")?)?;
            Ok(round(value, currency, mode)?.to_string())
        })();
        let got = got
            .map(Value::from)
            .unwrap_or_else(|e| json!({ "error": e.code() }));
        compare(&got, &case["expected"], &format!("case {i}"))?;
    }
    Ok(cases.len())
}

fn allocation(scenario: &Value) -> Outcome {
    let cases = cases(scenario)?;
    for (i, case) in cases.iter().enumerate() {
        let got = (|| -> Result<Vec<String>, Error> {
            let currency = Currency::from_code(text(&case["currency"], "currency")?)?;
            let total = Money::parse(text(&case["amount"], "amount")?, currency)?;
            let weights: Vec<u64> = case["ratios"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            Ok(allocate(total, &weights)?
                .iter()
                .map(ToString::to_string)
                .collect())
        })();
        let got = got
            .map(Value::from)
            .unwrap_or_else(|e| json!({ "error": e.code() }));
        compare(&got, &case["expected_parts"], &format!("case {i}"))?;
    }
    Ok(cases.len())
}

/// Everything one pricing call needs, owned.
struct PricingCall {
    book: PriceBook,
    cart: Cart,
    promotions: Vec<Promotion>,
    tax: Option<TaxConfig>,
    mode: RoundingMode,
}

fn money_field(v: &Value, field: &str, currency: Currency) -> Result<Money, Error> {
    Money::parse(text(v, field)?, currency)
}

fn currency_field(v: &Value) -> Result<Currency, Error> {
    Currency::from_code(v.as_str().unwrap_or_default())
}

fn quantity(v: &Value) -> Result<u64, Error> {
    match v {
        Value::Number(n) => parse_quantity(&n.to_string()),
        other => Err(Error::InvalidQuantity {
            value: other.to_string(),
            reason: "must be a JSON integer >= 1",
        }),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn build(input: &Value) -> Result<PricingCall, Error> {
    let cart_json = &input["cart"];
    let currency = currency_field(&cart_json["currency"])?;
    let mode = match input.get("rounding_mode") {
        Some(m) => text(m, "rounding_mode")?.parse()?,
        None => RoundingMode::HalfEven,
    };

    let mut book = PriceBook::new();
    for entry in input["catalog"].as_array().into_iter().flatten() {
        let sku = entry["sku"].as_str().unwrap_or_default().to_owned();
        let mut prices = Vec::new();
        for (code, amount) in entry["prices"].as_object().into_iter().flatten() {
            let cur = Currency::from_code(code)?;
            prices.push(money_field(amount, "price", cur)?);
        }
        let mut tiers = Vec::new();
        if let Some(t) = entry.get("tiers") {
            let cur = currency_field(&t["currency"])?;
            let tier_mode = match t["mode"].as_str() {
                Some("graduated") => TierMode::Graduated,
                _ => TierMode::Volume,
            };
            let mut breaks = Vec::new();
            for b in t["breaks"].as_array().into_iter().flatten() {
                breaks.push(TierBreak {
                    min_qty: quantity(&b["min_qty"])?,
                    unit_price: money_field(&b["unit_price"], "unit_price", cur)?,
                });
            }
            tiers.push(TierTable::new(&sku, tier_mode, breaks)?);
        }
        book.insert(ProductPrice {
            sku,
            prices,
            tiers,
            tags: strings(&entry["tags"]),
            categories: strings(&entry["categories"]),
            tax_category: entry["tax_category"].as_str().map(str::to_owned),
            weight_grams: 0,
        })?;
    }

    let mut lines = Vec::new();
    for line in cart_json["lines"].as_array().into_iter().flatten() {
        let sku = line["sku"].as_str().unwrap_or_default().to_owned();
        let qty = quantity(&line["qty"])?;
        lines.push(match line.get("unit_price") {
            Some(own) => {
                let cur = currency_field(&own["currency"])?;
                CartLine::custom(sku, qty, money_field(&own["amount"], "unit_price", cur)?)
            }
            None => CartLine::new(sku, qty),
        });
    }

    let mut promotions = Vec::new();
    for p in input["promotions"].as_array().into_iter().flatten() {
        promotions.push(promotion(p, currency)?);
    }

    let tax = match input.get("tax") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let mut rates = BTreeMap::new();
            for (category, rate) in t["rates"].as_object().into_iter().flatten() {
                rates.insert(category.clone(), Rate::parse(text(rate, "rate")?)?);
            }
            Some(TaxConfig {
                prices_include_tax: t["prices_include_tax"].as_bool().unwrap_or(false),
                rates,
                rounding: match t["rounding"].as_str() {
                    Some("per_invoice") => TaxRounding::PerInvoice,
                    _ => TaxRounding::PerLine,
                },
                zones: Vec::new(),
                calculation: match t["calculation"].as_str() {
                    Some("unit") => TaxCalculation::Unit,
                    _ => TaxCalculation::Line,
                },
            })
        }
    };
    Ok(PricingCall {
        book,
        cart: Cart { currency, lines },
        promotions,
        tax,
        mode,
    })
}

fn promotion(p: &Value, cart_currency: Currency) -> Result<Promotion, Error> {
    let id = p["id"].as_str().unwrap_or_default().to_owned();
    let rate = |field: &str| -> Result<Rate, Error> { Rate::parse(text(&p[field], field)?) };
    let fixed = || -> Result<Money, Error> {
        let cur = match p.get("currency") {
            Some(c) => currency_field(c)?,
            None => cart_currency,
        };
        money_field(&p["value"], "value", cur)
    };
    let count = |field: &str| -> Result<u64, Error> { quantity(&p[field]) };
    let action = match p["type"].as_str().unwrap_or_default() {
        "line_percent" => Action::LinePercent {
            value: rate("value")?,
        },
        "order_percent" => Action::OrderPercent {
            value: rate("value")?,
        },
        "line_fixed" => Action::LineFixed { value: fixed()? },
        "fixed_price" => Action::FixedPrice { value: fixed()? },
        "order_fixed" => Action::OrderFixed { value: fixed()? },
        "buy_x_get_y" => Action::BuyXGetY {
            buy: count("buy")?,
            get: count("get")?,
            get_percent: match p.get("get_percent") {
                Some(_) => rate("get_percent")?,
                None => Rate::ONE,
            },
            max_applications: match p.get("max_applications") {
                Some(Value::Null) | None => None,
                Some(_) => Some(count("max_applications")?),
            },
        },
        other => {
            return Err(Error::InvalidPromotion {
                id,
                field: "type",
                reason: format!("unknown type {other:?}"),
            })
        }
    };
    let mut promo = Promotion::new(id, p["priority"].as_i64().unwrap_or(0), action);
    if let Some(t) = p.get("target") {
        promo.target = Some(Target {
            skus: strings(&t["skus"]),
            tags: strings(&t["tags"]),
            categories: strings(&t["categories"]),
        });
    }
    if let Some(m) = p.get("min_subtotal") {
        let cur = currency_field(&m["currency"])?;
        promo.min_subtotal = Some(MinSubtotal {
            amount: money_field(&m["amount"], "min_subtotal", cur)?,
            basis: match m["basis"].as_str() {
                Some("running") => SubtotalBasis::Running,
                _ => SubtotalBasis::PreDiscount,
            },
        });
    }
    promo.stop_further = p["stop_further"].as_bool().unwrap_or(false);
    Ok(promo)
}

fn priced(input: &Value) -> Result<PriceBreakdown, Error> {
    let call = build(input)?;
    price(&PricingInput {
        prices: &call.book,
        cart: &call.cart,
        promotions: &call.promotions,
        tax: call.tax.as_ref(),
        rounding_mode: call.mode,
        context: &PricingContext::default(),
        shipping: None,
    })
}

/// The scenario's expected shape, exactly: no field more, no field less.
fn pricing_output(input: &Value) -> Value {
    match priced(input) {
        Err(e) => json!({ "error": e.code() }),
        Ok(b) => {
            let lines: Vec<Value> = b
                .lines
                .iter()
                .map(|l| {
                    json!({
                        "sku": l.sku,
                        "qty": l.qty,
                        "unit_price": l.unit_price.map(|p| p.to_string()),
                        "line_subtotal": l.line_subtotal.to_string(),
                        "discount": l.discount.to_string(),
                        "line_net": l.line_net.to_string(),
                        "tax": l.tax.to_string(),
                        "line_total": l.line_total.to_string(),
                    })
                })
                .collect();
            let applied: Vec<Value> = b
                .promotions_applied
                .iter()
                .map(|p| json!({ "id": p.id, "amount": p.amount.to_string() }))
                .collect();
            json!({
                "currency": b.currency.code(),
                "lines": lines,
                "subtotal": b.subtotal.to_string(),
                "discount_total": b.discount_total.to_string(),
                "tax_total": b.tax_total.to_string(),
                "grand_total": b.grand_total.to_string(),
                "promotions_applied": applied,
            })
        }
    }
}

fn validation(scenario: &Value) -> Outcome {
    let cases = cases(scenario)?;
    for case in cases {
        let got = match priced(case) {
            Err(e) => json!({ "error": e.code() }),
            Ok(b) => json!({
                "grand_total": b.grand_total.to_string(),
                "skus": b.lines.iter().map(|l| l.sku.clone()).collect::<Vec<_>>(),
            }),
        };
        compare(
            &got,
            &case["expected"],
            case["name"].as_str().unwrap_or("case"),
        )?;
    }
    Ok(cases.len())
}

fn state_json(s: &PaymentState) -> Value {
    json!({
        "authorized": s.authorized.to_string(),
        "capturable": s.capturable.to_string(),
        "captured": s.captured.to_string(),
        "refunded": s.refunded.to_string(),
        "status": s.status.as_str(),
    })
}

fn payment(scenario: &Value) -> Outcome {
    let currency = currency_field(&scenario["currency"]).map_err(|e| e.to_string())?;
    let authorized = text(&scenario["authorization"]["amount"], "authorization")
        .and_then(|a| parse_payment_amount(a, currency))
        .and_then(PaymentLedger::authorize)
        .map_err(|e| e.to_string())?;
    let mut ledger = authorized;
    let ops = scenario["operations"].as_array().ok_or("no operations")?;
    for (i, op) in ops.iter().enumerate() {
        let amount = || parse_payment_amount(op["amount"].as_str().unwrap_or_default(), currency);
        let request = match op["op"].as_str() {
            Some("capture") => amount().map(|amount| PaymentOp::Capture {
                amount,
                is_final: op["final"].as_bool().unwrap_or(true),
            }),
            Some("refund") => amount().map(|amount| PaymentOp::Refund { amount }),
            Some("void") => Ok(PaymentOp::Void),
            other => return Err(format!("operation {i}: unknown op {other:?}")),
        };
        let result = request.and_then(|r| ledger.apply(r, op["idempotency_key"].as_str()));
        let mut got = Map::new();
        match result {
            Ok(replay) => {
                got.insert("result".into(), "ok".into());
                if replay == Replay::Replayed {
                    got.insert("replayed".into(), true.into());
                }
            }
            Err(e) => {
                got.insert("result".into(), e.code().into());
            }
        }
        got.insert("state".into(), state_json(ledger.state()));
        compare(
            &Value::Object(got),
            &op["expect"],
            &format!("operation {i}"),
        )?;
    }
    Ok(ops.len())
}

fn coupon_usage(scenario: &Value) -> Outcome {
    let c = &scenario["coupon"];
    let used_by: BTreeMap<String, u64> = c["used_by"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let mut coupon = CouponUsage::new(
        c["code"].as_str().unwrap_or_default(),
        c["usage_limit_total"].as_u64(),
        c["usage_limit_per_customer"].as_u64(),
    )
    .with_usage(c["times_used"].as_u64().unwrap_or(0), used_by);
    let mut results = Vec::new();
    let attempts = scenario["attempts"].as_array().ok_or("no attempts")?;
    for a in attempts {
        let payment = match a["payment"].as_str() {
            Some("succeed") => Ok(()),
            _ => Err(Error::PaymentFailed {
                reason: "declined by the test gateway".into(),
            }),
        };
        let result = match coupon.redeem(a["customer"].as_str().unwrap_or_default(), payment) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        results.push(json!({ "result": result, "times_used": coupon.times_used() }));
    }
    let got = json!({ "attempts": results, "final_used_by": coupon.used_by() });
    compare(&got, &scenario["expected"], "expected")?;
    Ok(attempts.len())
}
