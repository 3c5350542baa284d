//! The parsed form of a segment rule, and its parser.

use rust_decimal::Decimal;

use super::lexer::{tokens, Kind, Token};
use super::{invalid, MAX_CONDITIONS, MAX_DEPTH};
use crate::error::Result;

/// A customer fact a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Money spent in the segment's currency (decimal).
    TotalSpent,
    /// Orders placed (not cancelled).
    OrderCount,
    /// Total spent / order count.
    AverageOrderValue,
    /// Days since the last order (no value: never ordered).
    DaysSinceLastOrder,
    /// Days since the first order (no value: never ordered).
    DaysSinceFirstOrder,
    /// Returned units / ordered units, 0 to 1.
    ReturnRate,
    /// Carts abandoned.
    CartAbandonments,
    /// A tag of the profile (`tag = "vip"`: has the tag).
    Tag,
    /// A customer group (`group = "b2b"`: is in the group).
    Group,
    /// The RFM group name (`champions`, `at_risk`, ...).
    RfmGroup,
    /// The lifecycle stage (`lead`, `prospect`, `customer`, `repeat`, `lapsed`).
    Stage,
    /// Country of the default shipping address (ISO 3166-1 alpha-2).
    Country,
}

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldKind {
    Number,
    Label,
    Set,
}

impl Field {
    const ALL: [(&'static str, Field); 12] = [
        ("total_spent", Field::TotalSpent),
        ("order_count", Field::OrderCount),
        ("average_order_value", Field::AverageOrderValue),
        ("days_since_last_order", Field::DaysSinceLastOrder),
        ("days_since_first_order", Field::DaysSinceFirstOrder),
        ("return_rate", Field::ReturnRate),
        ("cart_abandonments", Field::CartAbandonments),
        ("tag", Field::Tag),
        ("group", Field::Group),
        ("rfm_group", Field::RfmGroup),
        ("stage", Field::Stage),
        ("country", Field::Country),
    ];

    fn named(name: &str) -> Option<Field> {
        Field::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub(super) fn kind(self) -> FieldKind {
        match self {
            Field::Tag | Field::Group => FieldKind::Set,
            Field::RfmGroup | Field::Stage | Field::Country => FieldKind::Label,
            _ => FieldKind::Number,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// A value in a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A decimal number.
    Number(Decimal),
    /// A string.
    Text(String),
}

/// Something a customer did, counted by a [`super::Behaviour`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `viewed(...)`: product or category views.
    Viewed,
    /// `added_to_cart(...)`.
    AddedToCart,
    /// `purchased(...)`: ordered (not cancelled).
    Purchased,
}

/// What a behaviour is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A product id.
    Product(String),
    /// A category id (its subcategories included).
    Category(String),
    /// Anything.
    Any,
}

/// A parsed segment rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Every part holds.
    And(Vec<Rule>),
    /// At least one part holds.
    Or(Vec<Rule>),
    /// The part does not hold.
    Not(Box<Rule>),
    /// `field op value`.
    Compare {
        /// The field.
        field: Field,
        /// The operator.
        op: Op,
        /// The value.
        value: Value,
    },
    /// `field in (v1, v2, ...)`: equal to one of them.
    In {
        /// The field.
        field: Field,
        /// The values.
        values: Vec<Value>,
    },
    /// `viewed(category: "shoes", within: 7d, min: 2)`: the customer did
    /// `action` on `target` at least `min` times in the last
    /// `within_days` days (none: ever).
    Did {
        /// What.
        action: Action,
        /// On what.
        target: Target,
        /// How far back, in days.
        within_days: Option<u32>,
        /// How many times at least.
        min: u64,
    },
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    conditions: usize,
}

/// Parses `rule` (see [`super`] for the language).
pub(super) fn parse(rule: &str) -> Result<Rule> {
    let mut p = Parser {
        tokens: tokens(rule)?,
        next: 0,
        conditions: 0,
    };
    let parsed = p.or(0)?;
    match p.peek() {
        Kind::End => Ok(parsed),
        _ => Err(invalid(
            p.at(),
            "expected 'and', 'or' or the end of the rule".into(),
        )),
    }
}

impl Parser {
    fn peek(&self) -> &Kind {
        self.tokens.get(self.next).map_or(&Kind::End, |t| &t.kind)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.next).map_or(0, |t| t.at)
    }

    fn bump(&mut self) -> Kind {
        let kind = self.peek().clone();
        self.next += 1;
        kind
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Kind::Word(x) if x == w)
    }

    fn expect(&mut self, want: Kind, what: &str) -> Result<()> {
        if *self.peek() == want {
            self.next += 1;
            Ok(())
        } else {
            Err(invalid(self.at(), format!("expected {what}")))
        }
    }

    fn deeper(&self, depth: usize) -> Result<usize> {
        if depth >= MAX_DEPTH {
            return Err(invalid(
                self.at(),
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(depth + 1)
    }

    fn or(&mut self, depth: usize) -> Result<Rule> {
        let depth = self.deeper(depth)?;
        let mut parts = vec![self.and(depth)?];
        while self.word("or") {
            self.next += 1;
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Rule> {
        let mut parts = vec![self.not(depth)?];
        while self.word("and") {
            self.next += 1;
            parts.push(self.not(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::And(parts)
        })
    }

    fn not(&mut self, depth: usize) -> Result<Rule> {
        if self.word("not") {
            self.next += 1;
            let depth = self.deeper(depth)?;
            return Ok(Rule::Not(Box::new(self.not(depth)?)));
        }
        if *self.peek() == Kind::LParen {
            self.next += 1;
            let inner = self.or(depth)?;
            self.expect(Kind::RParen, "')'")?;
            return Ok(inner);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Rule> {
        let at = self.at();
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(invalid(
                at,
                format!("more than {MAX_CONDITIONS} conditions"),
            ));
        }
        let Kind::Word(name) = self.bump() else {
            return Err(invalid(at, "expected a field, a behaviour or '('".into()));
        };
        let action = match name.as_str() {
            "viewed" => Some(Action::Viewed),
            "added_to_cart" => Some(Action::AddedToCart),
            "purchased" => Some(Action::Purchased),
            _ => None,
        };
        if let Some(action) = action {
            return self.behaviour(action);
        }
        let field = Field::named(&name).ok_or_else(|| {
            let known: Vec<&str> = Field::ALL.iter().map(|(n, _)| *n).collect();
            invalid(
                at,
                format!("unknown field {name:?}; fields are {}", known.join(", ")),
            )
        })?;
        if self.word("in") {
            self.next += 1;
            self.expect(Kind::LParen, "'(' after 'in'")?;
            let mut values = vec![self.value(field)?];
            while *self.peek() == Kind::Comma {
                self.next += 1;
                values.push(self.value(field)?);
            }
            self.expect(Kind::RParen, "')' or ','")?;
            return Ok(Rule::In { field, values });
        }
        let op_at = self.at();
        let op = match self.bump() {
            Kind::Op("=") => Op::Eq,
            Kind::Op("!=") => Op::Ne,
            Kind::Op(">") => Op::Gt,
            Kind::Op(">=") => Op::Ge,
            Kind::Op("<") => Op::Lt,
            Kind::Op("<=") => Op::Le,
            _ => return Err(invalid(op_at, "expected a comparison or 'in'".into())),
        };
        if field.kind() != FieldKind::Number && !matches!(op, Op::Eq | Op::Ne) {
            return Err(invalid(
                op_at,
                format!("{name} is compared with = , != or in only"),
            ));
        }
        let value = self.value(field)?;
        Ok(Rule::Compare { field, op, value })
    }

    fn value(&mut self, field: Field) -> Result<Value> {
        let at = self.at();
        match (self.bump(), field.kind()) {
            (Kind::Number(n, None), FieldKind::Number) => Ok(Value::Number(n)),
            (Kind::Text(t), FieldKind::Label | FieldKind::Set) => Ok(Value::Text(t)),
            (_, FieldKind::Number) => Err(invalid(at, "expected a number".into())),
            _ => Err(invalid(at, "expected a quoted string".into())),
        }
    }

    fn behaviour(&mut self, action: Action) -> Result<Rule> {
        self.expect(Kind::LParen, "'(' after the behaviour")?;
        let (mut target, mut within_days, mut min) = (Target::Any, None, 1);
        while *self.peek() != Kind::RParen {
            let at = self.at();
            let Kind::Word(arg) = self.bump() else {
                return Err(invalid(at, "expected an argument name".into()));
            };
            self.expect(Kind::Colon, "':' after the argument name")?;
            let value_at = self.at();
            match (arg.as_str(), self.bump()) {
                ("category", Kind::Text(t)) if target == Target::Any => {
                    target = Target::Category(t)
                }
                ("product", Kind::Text(t)) if target == Target::Any => target = Target::Product(t),
                ("within", Kind::Number(n, Some('d'))) => {
                    within_days =
                        Some(days(n).ok_or_else(|| {
                            invalid(value_at, "within must be 1d to 3650d".into())
                        })?);
                }
                ("min", Kind::Number(n, None)) => {
                    min = count(n).ok_or_else(|| {
                        invalid(value_at, "min must be a whole number from 1".into())
                    })?;
                }
                ("category" | "product", _) => {
                    return Err(invalid(
                        at,
                        "one category: or product: with a quoted id".into(),
                    ))
                }
                ("within", _) => {
                    return Err(invalid(value_at, "within takes days, such as 7d".into()))
                }
                _ => {
                    return Err(invalid(
                        at,
                        format!(
                        "unknown argument {arg:?}; arguments are category, product, within, min"
                    ),
                    ))
                }
            }
            if *self.peek() == Kind::Comma {
                self.next += 1;
            } else if *self.peek() != Kind::RParen {
                return Err(invalid(self.at(), "expected ',' or ')'".into()));
            }
        }
        self.next += 1;
        Ok(Rule::Did {
            action,
            target,
            within_days,
            min,
        })
    }
}

fn days(n: Decimal) -> Option<u32> {
    let d = u32::try_from(n.trunc().mantissa()).ok()?;
    (n.fract().is_zero() && n.scale() == 0 && (1..=3650).contains(&d)).then_some(d)
}

fn count(n: Decimal) -> Option<u64> {
    let c = u64::try_from(n.mantissa()).ok()?;
    (n.scale() == 0 && c >= 1).then_some(c)
}
