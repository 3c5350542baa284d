//! Evaluating a rule against one customer's facts.

use rust_decimal::Decimal;

use super::rule::{Action, Field, Op, Rule, Target, Value};

/// What a rule can ask about one customer. Built by the caller from the
/// profile and its metrics; amounts are in the segment's currency.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerFacts<'a> {
    /// Money spent.
    pub total_spent: Decimal,
    /// Orders placed (not cancelled).
    pub order_count: u64,
    /// Days since the last order (none: never ordered).
    pub days_since_last_order: Option<u64>,
    /// Days since the first order (none: never ordered).
    pub days_since_first_order: Option<u64>,
    /// Returned units / ordered units.
    pub return_rate: Decimal,
    /// Carts abandoned.
    pub cart_abandonments: u64,
    /// The profile's tags.
    pub tags: &'a [String],
    /// The profile's groups.
    pub groups: &'a [String],
    /// The RFM group, once computed.
    pub rfm_group: Option<&'a str>,
    /// The lifecycle stage name.
    pub stage: Option<&'a str>,
    /// Country of the default shipping address.
    pub country: Option<&'a str>,
}

/// Counts of what a customer did, for `viewed(...)`, `added_to_cart(...)`
/// and `purchased(...)`.
pub trait Behaviour {
    /// How many times the customer did `action` on `target` in the last
    /// `within_days` days (none: ever).
    fn count(&self, action: Action, target: &Target, within_days: Option<u32>) -> u64;
}

/// A customer with no recorded behaviour: every count is 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBehaviour;

impl Behaviour for NoBehaviour {
    fn count(&self, _: Action, _: &Target, _: Option<u32>) -> u64 {
        0
    }
}

enum Fact<'a> {
    Number(Option<Decimal>),
    Label(Option<&'a str>),
    Set(&'a [String]),
}

fn fact<'a>(field: Field, f: &CustomerFacts<'a>) -> Fact<'a> {
    let n = |v: u64| Fact::Number(Some(Decimal::from(v)));
    match field {
        Field::TotalSpent => Fact::Number(Some(f.total_spent)),
        Field::OrderCount => n(f.order_count),
        Field::AverageOrderValue => Fact::Number(Some(if f.order_count == 0 {
            Decimal::ZERO
        } else {
            f.total_spent / Decimal::from(f.order_count)
        })),
        Field::DaysSinceLastOrder => Fact::Number(f.days_since_last_order.map(Decimal::from)),
        Field::DaysSinceFirstOrder => Fact::Number(f.days_since_first_order.map(Decimal::from)),
        Field::ReturnRate => Fact::Number(Some(f.return_rate)),
        Field::CartAbandonments => n(f.cart_abandonments),
        Field::Tag => Fact::Set(f.tags),
        Field::Group => Fact::Set(f.groups),
        Field::RfmGroup => Fact::Label(f.rfm_group),
        Field::Stage => Fact::Label(f.stage),
        Field::Country => Fact::Label(f.country),
    }
}

fn equals(fact: &Fact<'_>, value: &Value) -> bool {
    match (fact, value) {
        (Fact::Number(Some(a)), Value::Number(b)) => a == b,
        (Fact::Label(Some(a)), Value::Text(b)) => *a == b,
        (Fact::Set(items), Value::Text(b)) => items.iter().any(|i| i == b),
        _ => false,
    }
}

/// True when `rule` holds for `facts` and `behaviour`. A fact without a
/// value (never ordered: no days since the last order) makes every
/// comparison false except `!=`.
pub(super) fn holds(rule: &Rule, facts: &CustomerFacts<'_>, behaviour: &dyn Behaviour) -> bool {
    match rule {
        Rule::And(parts) => parts.iter().all(|p| holds(p, facts, behaviour)),
        Rule::Or(parts) => parts.iter().any(|p| holds(p, facts, behaviour)),
        Rule::Not(inner) => !holds(inner, facts, behaviour),
        Rule::In { field, values } => {
            let fact = fact(*field, facts);
            values.iter().any(|v| equals(&fact, v))
        }
        Rule::Compare { field, op, value } => {
            let fact = fact(*field, facts);
            match op {
                Op::Eq => equals(&fact, value),
                Op::Ne => !equals(&fact, value),
                _ => match (&fact, value) {
                    (Fact::Number(Some(a)), Value::Number(b)) => match op {
                        Op::Gt => a > b,
                        Op::Ge => a >= b,
                        Op::Lt => a < b,
                        _ => a <= b,
                    },
                    _ => false,
                },
            }
        }
        Rule::Did {
            action,
            target,
            within_days,
            min,
        } => behaviour.count(*action, target, *within_days) >= *min,
    }
}
