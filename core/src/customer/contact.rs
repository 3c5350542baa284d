//! Contact data: email addresses and phone numbers, checked and
//! normalized.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{shown, Error, Result};

/// A customer's email address: syntax checked (RFC 5321/5322, a domain
/// with a top-level part, no display name, no IP literal) and trimmed.
/// Two addresses that differ only in letter case are the same customer:
/// [`Email::key`] is the lower-cased form the uniqueness check uses.
///
/// # Examples
///
/// ```
/// use kassa::customer::Email;
/// let email = Email::parse("  Ada.Lovelace@Example.COM ")?;
/// assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
/// assert_eq!(email.key(), "ada.lovelace@example.com");
/// assert_eq!(Email::parse("ada@").unwrap_err().code(), "invalid_email");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// The longest address accepted (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

impl Email {
    /// Checks and trims `value`.
    ///
    /// # Errors
    ///
    /// `invalid_email` naming the value and what is wrong with it.
    pub fn parse(value: &str) -> Result<Email> {
        let trimmed = value.trim();
        let invalid = |reason: String| Error::InvalidEmail {
            value: shown(value),
            reason,
        };
        if trimmed.len() > EMAIL_MAX {
            return Err(invalid(format!("longer than {EMAIL_MAX} bytes")));
        }
        let options = email_address::Options {
            allow_domain_literal: false,
            allow_display_text: false,
            ..email_address::Options::default()
        }
        .with_required_tld();
        email_address::EmailAddress::parse_with_options(trimmed, options)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Email(trimmed.to_owned()))
    }

    /// The address as entered (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased address: equal for addresses that differ only in
    /// case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Email> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

/// A phone number in E.164 form: `+`, a country code and the number, 8 to
/// 15 digits in all. Spaces, dashes, dots and brackets people type are
/// removed; a number without its country code is refused (it cannot be
/// dialled from abroad or matched across channels).
///
/// # Examples
///
/// ```
/// use kassa::customer::Phone;
/// assert_eq!(Phone::parse("+49 (30) 1234-5678")?.as_str(), "+493012345678");
/// assert_eq!(Phone::parse("030 1234 5678").unwrap_err().code(), "invalid_phone");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Checks `value` and keeps its E.164 form.
    ///
    /// # Errors
    ///
    /// `invalid_phone` naming the value and what is wrong with it.
    pub fn parse(value: &str) -> Result<Phone> {
        let invalid = |reason: &str| Error::InvalidPhone {
            value: shown(value),
            reason: reason.to_owned(),
        };
        let trimmed = value.trim();
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(invalid("must start with + and the country code"));
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid("may hold only digits, spaces, - . ( )")),
            }
            if digits.len() > 15 {
                return Err(invalid("more than 15 digits"));
            }
        }
        if digits.len() < 8 {
            return Err(invalid("fewer than 8 digits"));
        }
        if digits.starts_with('0') {
            return Err(invalid("a country code never starts with 0"));
        }
        Ok(Phone(format!("+{digits}")))
    }

    /// The E.164 form, e.g. `+493012345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = Error;
    fn try_from(value: String) -> Result<Phone> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let table: &[(&str, Option<&str>)] = &[
            ("ada@example.com", Some("ada@example.com")),
            (" Ada@Example.com\t", Some("ada@example.com")),
            (
                "first.last+tag@sub.example.co.uk",
                Some("first.last+tag@sub.example.co.uk"),
            ),
            (
                "\"quoted local\"@example.com",
                Some("\"quoted local\"@example.com"),
            ),
            ("ada@", None),
            ("@example.com", None),
            ("ada", None),
            ("ada@localhost", None),
            ("ada@@example.com", None),
            ("Ada <ada@example.com>", None),
            ("ada@[127.0.0.1]", None),
            ("ada@exa mple.com", None),
            ("", None),
        ];
        for (input, key) in table {
            match (Email::parse(input), key) {
                (Ok(e), Some(k)) => assert_eq!(e.key(), *k, "{input:?}"),
                (Err(e), None) => {
                    assert_eq!(e.code(), "invalid_email", "{input:?}");
                    assert!(e.to_string().contains(&shown(input)), "{e}");
                }
                (got, want) => panic!("{input:?}: got {got:?}, wanted {want:?}"),
            }
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code(), "invalid_email");
    }

    #[test]
    fn phones() {
        let table: &[(&str, Option<&str>)] = &[
            ("+14155550123", Some("+14155550123")),
            ("+1 (415) 555-0123", Some("+14155550123")),
            ("+44 20 7946 0958", Some("+442079460958")),
            ("+49.30.1234.5678", Some("+493012345678")),
            ("4155550123", None),
            ("+1 415 CALL-NOW", None),
            ("+123", None),
            ("+1234567890123456", None),
            ("+0 30 1234 5678", None),
            ("", None),
        ];
        for (input, want) in table {
            match (Phone::parse(input), want) {
                (Ok(p), Some(w)) => assert_eq!(p.as_str(), *w, "{input:?}"),
                (Err(e), None) => assert_eq!(e.code(), "invalid_phone", "{input:?}"),
                (got, want) => panic!("{input:?}: got {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn stored_values_are_checked_when_read_back() {
        let email: Email = serde_json::from_str("\"Ada@Example.com\"").unwrap();
        assert_eq!(email.key(), "ada@example.com");
        assert!(serde_json::from_str::<Email>("\"not an email\"").is_err());
        assert!(serde_json::from_str::<Phone>("\"12\"").is_err());
    }
}
