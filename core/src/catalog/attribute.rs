//! Typed product attributes: definitions (text, number, boolean, enum) and
//! the values products carry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::limits::{self, MAX_ATTRIBUTE_TEXT_BYTES, MAX_ENUM_VALUES, MAX_ID_BYTES};
use super::{label, SortedMap};
use crate::error::{shown, Error, Result};

/// The type of an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AttributeKind {
    /// Free text.
    Text,
    /// A decimal number (carried as a string, never a float).
    Number,
    /// True or false.
    Boolean,
    /// One of a fixed list of values.
    Enum {
        /// The allowed values.
        values: Vec<String>,
    },
}

/// An attribute definition: products may only carry defined attributes,
/// with values of the defined type.
///
/// # Examples
///
/// ```
/// use kassa::catalog::{AttributeDef, AttributeKind, AttributeValue};
/// let fit = AttributeDef::new("fit", "Fit", AttributeKind::Enum { values: vec!["slim".into(), "loose".into()] });
/// assert!(fit.check(&AttributeValue::Enum("slim".into())).is_ok());
/// assert_eq!(fit.check(&AttributeValue::Enum("baggy".into())).unwrap_err().code(), "invalid_attribute");
/// assert_eq!(fit.check(&AttributeValue::Boolean(true)).unwrap_err().code(), "invalid_attribute");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// The code products use (`material`).
    pub code: String,
    /// The name shown to people.
    pub name: String,
    /// The type.
    #[serde(flatten)]
    pub kind: AttributeKind,
}

impl AttributeDef {
    /// A definition.
    pub fn new(code: impl Into<String>, name: impl Into<String>, kind: AttributeKind) -> Self {
        AttributeDef {
            code: code.into(),
            name: name.into(),
            kind,
        }
    }

    /// Checks the definition's fields.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or oversized code, name or enum value,
    /// an empty or duplicated enum value list.
    pub fn validate(&self) -> Result<()> {
        limits::text(&self.code, "code", &self.code, MAX_ID_BYTES)?;
        limits::text(&self.code, "name", &self.name, limits::MAX_NAME_BYTES)?;
        if let AttributeKind::Enum { values } = &self.kind {
            limits::list(&self.code, "values", values, MAX_ENUM_VALUES)?;
            if values.is_empty() {
                return Err(limits::invalid(
                    &self.code,
                    "values",
                    "an enum needs at least one value".to_owned(),
                ));
            }
            for (i, v) in values.iter().enumerate() {
                label(&self.code, &format!("values[{i}]"), v)?;
                if values[..i].contains(v) {
                    return Err(limits::invalid(
                        &self.code,
                        "values",
                        format!("{:?} is listed twice", shown(v)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks `value` fits this definition.
    ///
    /// # Errors
    ///
    /// `invalid_attribute` naming the attribute and the problem.
    pub fn check(&self, value: &AttributeValue) -> Result<()> {
        let fits = match (&self.kind, value) {
            (AttributeKind::Text, AttributeValue::Text(t)) => {
                if t.len() > MAX_ATTRIBUTE_TEXT_BYTES {
                    return Err(self.invalid(format!(
                        "text of {} bytes exceeds {MAX_ATTRIBUTE_TEXT_BYTES}",
                        t.len()
                    )));
                }
                true
            }
            (AttributeKind::Number, AttributeValue::Number(_))
            | (AttributeKind::Boolean, AttributeValue::Boolean(_)) => true,
            (AttributeKind::Enum { values }, AttributeValue::Enum(v)) => {
                if !values.contains(v) {
                    return Err(self.invalid(format!("{:?} is not one of its values", shown(v))));
                }
                true
            }
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(self.invalid(format!(
                "expected a {} value, got {}",
                self.kind_name(),
                value.kind_name()
            )))
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            AttributeKind::Text => "text",
            AttributeKind::Number => "number",
            AttributeKind::Boolean => "boolean",
            AttributeKind::Enum { .. } => "enum",
        }
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidAttribute {
            code: shown(&self.code),
            reason,
        }
    }
}

/// An attribute value, tagged with its type on the wire:
/// `{"text": "cotton"}`, `{"number": "1.5"}`, `{"boolean": true}`,
/// `{"enum": "slim"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeValue {
    /// Free text.
    Text(String),
    /// A decimal number.
    Number(Decimal),
    /// True or false.
    Boolean(bool),
    /// An enum value.
    Enum(String),
}

impl AttributeValue {
    fn kind_name(&self) -> &'static str {
        match self {
            AttributeValue::Text(_) => "text",
            AttributeValue::Number(_) => "number",
            AttributeValue::Boolean(_) => "boolean",
            AttributeValue::Enum(_) => "enum",
        }
    }

    /// The value as facet and filter text: `cotton`, `1.5`, `true`.
    pub fn facet_text(&self) -> String {
        match self {
            AttributeValue::Text(t) | AttributeValue::Enum(t) => t.clone(),
            AttributeValue::Number(n) => n.normalize().to_string(),
            AttributeValue::Boolean(b) => b.to_string(),
        }
    }

    /// True when this value equals `text` as [`AttributeValue::facet_text`]
    /// shows it (numbers compare by value: `1.50` matches `1.5`).
    pub fn matches_text(&self, text: &str) -> bool {
        match self {
            AttributeValue::Text(t) | AttributeValue::Enum(t) => t == text,
            AttributeValue::Number(n) => text.parse::<Decimal>().is_ok_and(|d| d == *n),
            AttributeValue::Boolean(b) => text == if *b { "true" } else { "false" },
        }
    }
}

/// Checks every attribute of `entity` against the definitions.
pub(crate) fn check_all<'d>(
    attributes: &SortedMap<AttributeValue>,
    defs: &dyn Fn(&str) -> Option<&'d AttributeDef>,
) -> Result<()> {
    for (code, value) in attributes.iter() {
        let def = defs(code).ok_or_else(|| Error::InvalidAttribute {
            code: shown(code),
            reason: "is not defined".to_owned(),
        })?;
        def.check(value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_tagged_with_their_type() {
        let json = r#"{"text":"cotton"}"#;
        let v: AttributeValue = serde_json::from_str(json).unwrap();
        assert_eq!(v, AttributeValue::Text("cotton".into()));
        let n: AttributeValue = serde_json::from_str(r#"{"number":"1.50"}"#).unwrap();
        assert!(n.matches_text("1.5"));
        assert_eq!(n.facet_text(), "1.5");
        assert_eq!(serde_json::to_string(&n).unwrap(), r#"{"number":"1.50"}"#);
    }

    #[test]
    fn definitions_are_validated() {
        let def = |kind| AttributeDef::new("a", "A", kind);
        assert!(def(AttributeKind::Enum { values: vec![] })
            .validate()
            .is_err());
        assert!(def(AttributeKind::Enum {
            values: vec!["x".into(), "x".into()]
        })
        .validate()
        .is_err());
        assert!(AttributeDef::new("", "A", AttributeKind::Text)
            .validate()
            .is_err());
        let text = def(AttributeKind::Text);
        let long = AttributeValue::Text("t".repeat(MAX_ATTRIBUTE_TEXT_BYTES + 1));
        assert_eq!(text.check(&long).unwrap_err().code(), "invalid_attribute");
        assert!(def(AttributeKind::Number)
            .check(&AttributeValue::Number(Decimal::ONE))
            .is_ok());
    }
}
