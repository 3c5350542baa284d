//! The customer profile: contact data, address book, groups, tags, typed
//! custom attributes, notes, consent and company membership.

use serde::{Deserialize, Serialize};

use super::{Consents, Email, Phone};
use crate::cart::Address;
use crate::catalog::limits::{invalid, text};
use crate::catalog::{AttributeValue, SortedMap};
use crate::error::Result;
use crate::pricing::Timestamp;

/// Addresses, tags, groups, notes or attributes one profile may hold.
pub const MAX_ITEMS: usize = 100;

/// One address of the address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAddress {
    /// Its id in the book (chosen by the caller: "home", "office").
    pub id: String,
    /// The address.
    pub address: Address,
}

/// A note about the customer, with who wrote it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The staff member (or system) who wrote it.
    pub author: String,
    /// When.
    pub at: Timestamp,
    /// The text.
    pub text: String,
}

/// What a B2B buyer may do for their company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRole {
    /// Places orders.
    Buyer,
    /// Approves orders placed by buyers.
    Approver,
    /// Manages the company account and its members.
    Admin,
}

/// Membership of a company account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The company's id.
    pub company: String,
    /// The member's role.
    pub role: CompanyRole,
}

/// A customer profile. Stored as a versioned document; change it through
/// [`crate::engine::Engine::update_customer`], which checks it with
/// [`Customer::validate`] and keeps emails unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The id (from the engine's id source).
    pub id: String,
    /// Email, unique per store regardless of letter case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Phone, E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Full name as the customer writes it.
    #[serde(default)]
    pub name: String,
    /// Preferred language, a BCP 47 tag such as `de-CH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// IANA time zone such as `Europe/Berlin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The address book.
    #[serde(default)]
    pub addresses: Vec<SavedAddress>,
    /// Id of the default shipping address in the book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_shipping: Option<String>,
    /// Id of the default billing address in the book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_billing: Option<String>,
    /// Customer groups, assigned by staff (price lists and promotions can
    /// target them).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Free tags ("vip", "wholesale-lead").
    #[serde(default)]
    pub tags: Vec<String>,
    /// Typed custom attributes ("shoe_size": number, "newsletter_topic": enum).
    #[serde(default)]
    pub attributes: SortedMap<AttributeValue>,
    /// Notes, oldest first.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Marketing consent per channel.
    #[serde(default)]
    pub consent: Consents,
    /// Company membership, for B2B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Membership>,
    /// When the profile was created.
    pub created_at: Timestamp,
    /// When the customer's personal data was erased (none: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Timestamp>,
    /// The profile this one was merged into, as a duplicate (none: not
    /// merged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

impl Customer {
    /// An empty profile.
    pub fn new(id: impl Into<String>, now: Timestamp) -> Customer {
        Customer {
            id: id.into(),
            email: None,
            phone: None,
            name: String::new(),
            locale: None,
            timezone: None,
            addresses: Vec::new(),
            default_shipping: None,
            default_billing: None,
            groups: Vec::new(),
            tags: Vec::new(),
            attributes: SortedMap::new(),
            notes: Vec::new(),
            consent: Consents::default(),
            company: None,
            created_at: now,
            erased_at: None,
            merged_into: None,
        }
    }

    /// Sets the email from what the customer typed (none: removes it).
    ///
    /// # Errors
    ///
    /// `invalid_email`; nothing changes.
    pub fn set_email(&mut self, value: Option<&str>) -> Result<()> {
        self.email = value.map(Email::parse).transpose()?;
        Ok(())
    }

    /// Sets the phone from what the customer typed (none: removes it).
    ///
    /// # Errors
    ///
    /// `invalid_phone`; nothing changes.
    pub fn set_phone(&mut self, value: Option<&str>) -> Result<()> {
        self.phone = value.map(Phone::parse).transpose()?;
        Ok(())
    }

    /// Adds (or replaces) the address `id` of the book.
    ///
    /// # Errors
    ///
    /// As [`Address::validate`]; `invalid_field` for a bad id or a full book.
    pub fn put_address(&mut self, id: &str, address: Address) -> Result<()> {
        text("customer", "address id", id, 64)?;
        if id.is_empty() {
            return Err(invalid(
                "customer",
                "address id",
                "must not be empty".into(),
            ));
        }
        address.validate()?;
        let full = self.addresses.len() >= MAX_ITEMS;
        match self.addresses.iter_mut().find(|a| a.id == id) {
            Some(saved) => saved.address = address,
            None if full => {
                return Err(invalid(
                    "customer",
                    "addresses",
                    format!("at most {MAX_ITEMS} addresses"),
                ))
            }
            None => self.addresses.push(SavedAddress {
                id: id.to_owned(),
                address,
            }),
        }
        Ok(())
    }

    /// Removes the address `id`; a default pointing at it is cleared.
    pub fn remove_address(&mut self, id: &str) {
        self.addresses.retain(|a| a.id != id);
        for default in [&mut self.default_shipping, &mut self.default_billing] {
            if default.as_deref() == Some(id) {
                *default = None;
            }
        }
    }

    /// The default shipping address, if set.
    pub fn shipping_address(&self) -> Option<&Address> {
        self.book(self.default_shipping.as_deref())
    }

    /// The default billing address, if set.
    pub fn billing_address(&self) -> Option<&Address> {
        self.book(self.default_billing.as_deref())
    }

    fn book(&self, id: Option<&str>) -> Option<&Address> {
        let id = id?;
        self.addresses
            .iter()
            .find(|a| a.id == id)
            .map(|a| &a.address)
    }

    /// Appends a note by `author`.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty author or text, or text over 4,000
    /// bytes.
    pub fn add_note(&mut self, author: &str, note: &str, at: Timestamp) -> Result<()> {
        text("note", "author", author, 128)?;
        text("note", "text", note, 4_000)?;
        if author.trim().is_empty() || note.trim().is_empty() {
            return Err(invalid(
                "note",
                "text",
                "author and text must not be empty".into(),
            ));
        }
        self.notes.push(Note {
            author: author.to_owned(),
            at,
            text: note.to_owned(),
        });
        Ok(())
    }

    /// Checks every field: lengths and counts, the locale and time zone
    /// shapes, addresses, defaults pointing into the book, unique tags
    /// and groups.
    ///
    /// # Errors
    ///
    /// `invalid_field` (or an address error) naming the first problem.
    pub fn validate(&self) -> Result<()> {
        // A lead may have no name yet; a name has the usual bounds.
        if !self.name.is_empty() {
            text("customer", "name", &self.name, 256)?;
        }
        if let Some(locale) = &self.locale {
            if !valid_locale(locale) {
                return Err(invalid(
                    "customer",
                    "locale",
                    format!("{locale:?} is not a BCP 47 tag such as \"en\" or \"de-CH\""),
                ));
            }
        }
        if let Some(zone) = &self.timezone {
            if !valid_timezone(zone) {
                return Err(invalid(
                    "customer",
                    "timezone",
                    format!("{zone:?} is not an IANA zone such as \"Europe/Berlin\" or \"UTC\""),
                ));
            }
        }
        for a in &self.addresses {
            a.address.validate()?;
        }
        for (field, id) in [
            ("default_shipping", &self.default_shipping),
            ("default_billing", &self.default_billing),
        ] {
            if let Some(id) = id {
                if !self.addresses.iter().any(|a| &a.id == id) {
                    return Err(invalid(
                        "customer",
                        field,
                        format!("{id:?} is not in the address book"),
                    ));
                }
            }
        }
        for (field, labels) in [("tags", &self.tags), ("groups", &self.groups)] {
            list(field, labels)?;
        }
        for (what, count) in [
            ("addresses", self.addresses.len()),
            ("notes", self.notes.len()),
            ("attributes", self.attributes.len()),
        ] {
            if count > MAX_ITEMS {
                return Err(invalid(
                    "customer",
                    what,
                    format!("{count} is more than {MAX_ITEMS}"),
                ));
            }
        }
        for (code, value) in self.attributes.iter() {
            text("customer", "attribute code", code, 64)?;
            if let AttributeValue::Text(t) | AttributeValue::Enum(t) = value {
                text("customer", "attribute value", t, 1_024)?;
            }
        }
        if let Some(m) = &self.company {
            text("customer", "company", &m.company, 128)?;
        }
        Ok(())
    }
}

fn list(field: &str, labels: &[String]) -> Result<()> {
    if labels.len() > MAX_ITEMS {
        return Err(invalid("customer", field, format!("at most {MAX_ITEMS}")));
    }
    for (i, label) in labels.iter().enumerate() {
        text("customer", field, label, 64)?;
        if label.trim().is_empty() || labels[..i].contains(label) {
            return Err(invalid(
                "customer",
                field,
                format!("{label:?} is empty or listed twice"),
            ));
        }
    }
    Ok(())
}

/// `en`, `pt-BR`, `zh-Hant-TW`, `es-419`: a 2-3 letter language, then
/// subtags of 2-8 letters or digits.
fn valid_locale(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    language_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `UTC` or `Area/Location[/More]` with letters, digits, `_`, `-`, `+`.
fn valid_timezone(zone: &str) -> bool {
    if zone == "UTC" {
        return true;
    }
    let parts: Vec<&str> = zone.split('/').collect();
    zone.len() <= 64
        && parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Customer {
        Customer::new("cus_1", Timestamp(1))
    }

    #[test]
    fn address_book_and_defaults() {
        let mut c = ada();
        c.put_address(
            "home",
            Address::new("Ada", "1 Main St", "Springfield", "US"),
        )
        .unwrap();
        c.put_address(
            "office",
            Address::new("Ada", "2 Work Rd", "Springfield", "US"),
        )
        .unwrap();
        c.default_shipping = Some("office".into());
        c.default_billing = Some("home".into());
        c.validate().unwrap();
        assert_eq!(c.shipping_address().unwrap().line1, "2 Work Rd");
        c.remove_address("office");
        assert_eq!(c.default_shipping, None);
        assert_eq!(c.billing_address().unwrap().line1, "1 Main St");
        c.default_billing = Some("gone".into());
        assert_eq!(c.validate().unwrap_err().code(), "invalid_field");
        let bad = Address::new("Ada", "1 Main St", "Springfield", "USA");
        assert!(c.put_address("bad", bad).is_err());
        assert!(
            c.addresses.iter().all(|a| a.id != "bad"),
            "nothing half-added"
        );
    }

    #[test]
    fn field_checks() {
        type Change = Box<dyn Fn(&mut Customer)>;
        let cases: Vec<(&str, Change)> = vec![
            ("locale", Box::new(|c| c.locale = Some("english".into()))),
            ("locale", Box::new(|c| c.locale = Some("en-".into()))),
            ("timezone", Box::new(|c| c.timezone = Some("Berlin".into()))),
            (
                "timezone",
                Box::new(|c| c.timezone = Some("Europe/Ber lin".into())),
            ),
            (
                "tags",
                Box::new(|c| c.tags = vec!["vip".into(), "vip".into()]),
            ),
            ("groups", Box::new(|c| c.groups = vec![String::new()])),
            ("name", Box::new(|c| c.name = "x".repeat(300))),
        ];
        for (field, change) in cases {
            let mut c = ada();
            change(&mut c);
            let e = c.validate().unwrap_err();
            assert_eq!(e.code(), "invalid_field", "{field}");
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        let mut ok = ada();
        ok.locale = Some("zh-Hant-TW".into());
        ok.timezone = Some("America/Argentina/Buenos_Aires".into());
        ok.tags = vec!["vip".into(), "b2b".into()];
        ok.validate().unwrap();
    }

    #[test]
    fn notes_and_contacts() {
        let mut c = ada();
        c.add_note("support:joe", "Prefers phone calls", Timestamp(5))
            .unwrap();
        assert_eq!(c.notes[0].author, "support:joe");
        assert!(c.add_note("", "x", Timestamp(6)).is_err());
        assert!(c.add_note("joe", &"x".repeat(4_001), Timestamp(6)).is_err());
        assert_eq!(c.notes.len(), 1);
        c.set_email(Some("Ada@Example.com")).unwrap();
        assert!(c.set_email(Some("nope")).is_err());
        assert_eq!(
            c.email.as_ref().unwrap().key(),
            "ada@example.com",
            "kept on error"
        );
        c.set_phone(Some("+1 415 555 0123")).unwrap();
        c.set_email(None).unwrap();
        assert!(c.email.is_none());
    }
}
