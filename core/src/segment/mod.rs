//! Customer segments: a small rule language over customer facts and
//! behaviour.
//!
//! ```text
//! total_spent >= 500 and days_since_last_order <= 90 and tag = "vip"
//! rfm_group in ("at_risk", "hibernating")
//! viewed(category: "shoes", within: 7d) and not purchased(category: "shoes", within: 7d)
//! ```
//!
//! * **Conditions**: `field op value` with `=`, `!=`, `>`, `>=`, `<`,
//!   `<=` (numbers) or `=`, `!=` (strings); `field in (v1, v2, ...)`;
//!   behaviours `viewed(...)`, `added_to_cart(...)`, `purchased(...)` with
//!   the arguments `category: "id"` or `product: "id"` (none: anything),
//!   `within: Nd` (1 to 3650 days; none: ever) and `min: N` (default 1).
//! * **Fields** ([`Field`]): `total_spent`, `order_count`,
//!   `average_order_value`, `days_since_last_order`,
//!   `days_since_first_order`, `return_rate`, `cart_abandonments` (numbers);
//!   `rfm_group`, `stage`, `country` (strings); `tag`, `group` (sets:
//!   `tag = "vip"` means the profile has the tag).
//! * **Combining**: `not` binds tightest, then `and`, then `or`;
//!   parentheses group. Strings are double-quoted (`\"` and `\\` escape).
//! * **Limits**: a rule is at most [`MAX_RULE_BYTES`] bytes, nests at most
//!   [`MAX_DEPTH`] levels and holds at most [`MAX_CONDITIONS`] conditions.
//!   Evaluation walks the parsed rule once, so it always ends, in time
//!   proportional to its size.
//!
//! Every problem is `invalid_segment_rule` with the byte position where it
//! was found. The parser is hand-written: the grammar is a dozen tokens,
//! and doing it by hand puts the exact position and the expected token in
//! every message, syntax and meaning alike (an unknown field, a string
//! compared with `>`), without a parser dependency in the core.

mod eval;
mod lexer;
mod rule;

pub use eval::{Behaviour, CustomerFacts, NoBehaviour};
pub use rule::{Action, Field, Op, Rule, Target, Value};

use crate::error::{Error, Result};

/// The longest rule accepted, in bytes.
pub const MAX_RULE_BYTES: usize = 4_096;
/// The deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 32;
/// The most conditions one rule may hold.
pub const MAX_CONDITIONS: usize = 128;

fn invalid(position: usize, reason: String) -> Error {
    Error::InvalidSegmentRule { position, reason }
}

/// A parsed segment rule.
///
/// # Examples
///
/// ```
/// use kassa::segment::{CustomerFacts, NoBehaviour, Segment};
/// use kassa::Decimal;
/// let vip = Segment::parse(r#"total_spent >= 500 and tag = "vip""#)?;
/// let tags = vec!["vip".to_string()];
/// let facts = CustomerFacts { total_spent: Decimal::new(75_000, 2), tags: &tags, ..Default::default() };
/// assert!(vip.matches(&facts, &NoBehaviour));
///
/// let err = Segment::parse("total_spent >= 500 and colour = \"red\"").unwrap_err();
/// assert_eq!(err.code(), "invalid_segment_rule");
/// assert!(err.to_string().contains("at byte 23"));
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    text: String,
    rule: Rule,
}

impl Segment {
    /// Parses `rule`.
    ///
    /// # Errors
    ///
    /// `invalid_segment_rule` with the byte position of the problem.
    pub fn parse(rule: &str) -> Result<Segment> {
        Ok(Segment {
            text: rule.to_owned(),
            rule: rule::parse(rule)?,
        })
    }

    /// The rule as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// True when the rule counts behaviour (`viewed(...)`,
    /// `added_to_cart(...)`, `purchased(...)`): a caller evaluating many
    /// customers loads their behaviour logs only then.
    pub fn uses_behaviour(&self) -> bool {
        fn walk(rule: &Rule) -> bool {
            match rule {
                Rule::And(parts) | Rule::Or(parts) => parts.iter().any(walk),
                Rule::Not(part) => walk(part),
                Rule::Compare { .. } | Rule::In { .. } => false,
                Rule::Did { .. } => true,
            }
        }
        walk(&self.rule)
    }

    /// True when the customer described by `facts` and `behaviour` is in
    /// the segment.
    pub fn matches(&self, facts: &CustomerFacts<'_>, behaviour: &dyn Behaviour) -> bool {
        eval::holds(&self.rule, facts, behaviour)
    }
}

#[cfg(test)]
mod tests;
