//! Customer profiles through the engine: versioned documents
//! (`customers/<id>`) with emails kept unique per store.
//!
//! Uniqueness uses one claim document per lower-cased email
//! (`customer_emails/<email>`: `{"customer": id}`), written in the same
//! atomic step as the profile (`DocumentStore::save_all`). Two profiles
//! racing for one email both try to create (or take over) the claim; the
//! store lets exactly one write win and the other gets `duplicate_email`.
//! Changing or removing an email releases the old claim
//! (`{"customer": null}`) in that same step, so the address is free again.

use serde_json::json;

use super::cart::{from_json, to_json};
use super::Engine;
use crate::customer::{Customer, Email};
use crate::error::{shown, Error, Result};
use crate::store::{DocumentWrite, EventKind, Store, Versioned};

pub(super) const CUSTOMERS: &str = "customers";
pub(super) const EMAILS: &str = "customer_emails";

/// Attempts at claiming an email that keeps changing under us.
const CLAIM_ATTEMPTS: usize = 8;

impl<S: Store> Engine<S> {
    /// Creates a customer profile: `fill` sets its fields on a new profile
    /// (id and creation time already set), then it is checked and saved
    /// with a `customer_created` event.
    ///
    /// # Errors
    ///
    /// Whatever `fill` returns (`invalid_email`, `invalid_phone`, ...),
    /// `invalid_field` from [`Customer::validate`], `duplicate_email`;
    /// nothing is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let engine = kassa::engine::Engine::in_memory();
    /// let (ada, _) = engine.create_customer(|c| {
    ///     c.name = "Ada Lovelace".into();
    ///     c.set_email(Some("Ada@Example.com"))
    /// })?;
    /// let (found, _) = engine.customer_by_email("ada@example.COM")?.unwrap();
    /// assert_eq!(found.id, ada.id);
    /// let taken = engine.create_customer(|c| c.set_email(Some("ADA@example.com")));
    /// assert_eq!(taken.unwrap_err().code(), "duplicate_email");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn create_customer(
        &self,
        fill: impl FnOnce(&mut Customer) -> Result<()>,
    ) -> Result<(Customer, u64)> {
        let mut customer = Customer::new(self.ids.next_id("cus"), self.clock.now());
        fill(&mut customer)?;
        customer.validate()?;
        let event = self.event(EventKind::CustomerCreated {
            customer: customer.id.as_str().into(),
        });
        self.save_customer(&customer, None, None, event)?;
        Ok((customer, 1))
    }

    /// The customer `id` and its version.
    ///
    /// # Errors
    ///
    /// `unknown_customer`.
    pub fn customer(&self, id: &str) -> Result<(Customer, u64)> {
        self.stored_customer(id)?
            .ok_or_else(|| Error::UnknownCustomer { id: shown(id) })
    }

    /// The customer holding `email` (letter case ignored), if any.
    ///
    /// # Errors
    ///
    /// `invalid_email`.
    pub fn customer_by_email(&self, email: &str) -> Result<Option<(Customer, u64)>> {
        let key = Email::parse(email)?.key();
        let Some(owner) = self.email_owner(&key)?.0 else {
            return Ok(None);
        };
        self.stored_customer(&owner)
    }

    /// Customer `id` and its version, if a profile is stored (none for an
    /// id without one: a guest's or an erased customer's).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(super) fn stored_customer(&self, id: &str) -> Result<Option<(Customer, u64)>> {
        self.customer_of(self.store.load(CUSTOMERS, id)?)
    }

    /// [`Engine::stored_customer`] from the profile's stored document
    /// `doc`, read by the caller (perhaps ahead, with others).
    ///
    /// # Errors
    ///
    /// A malformed stored profile.
    pub(super) fn customer_of(&self, doc: Option<Versioned>) -> Result<Option<(Customer, u64)>> {
        match doc {
            Some(doc) => Ok(Some((from_json("customer", doc.value)?, doc.version))),
            None => Ok(None),
        }
    }

    /// Applies `change` to the customer read at version `expected` and
    /// saves it with a `customer_updated` event; returns the profile and
    /// its new version.
    ///
    /// # Errors
    ///
    /// `unknown_customer`; `concurrent_modification` when someone saved
    /// since `expected`; whatever `change` returns; `invalid_field`;
    /// `duplicate_email`. Nothing is written on any error.
    pub fn update_customer(
        &self,
        id: &str,
        expected: u64,
        change: impl FnOnce(&mut Customer) -> Result<()>,
    ) -> Result<(Customer, u64)> {
        let (before, version) = self.customer(id)?;
        if version != expected {
            return Err(Error::ConcurrentModification {
                entity: format!("{CUSTOMERS}/{}", shown(id)),
                expected: Some(expected),
                current: Some(version),
            });
        }
        let mut after = before.clone();
        change(&mut after)?;
        after.id = before.id.clone();
        after.created_at = before.created_at;
        after.validate()?;
        let event = self.event(EventKind::CustomerUpdated {
            customer: after.id.as_str().into(),
            version: version + 1,
        });
        self.save_customer(&after, Some(&before), Some(version), event)?;
        Ok((after, version + 1))
    }

    /// The company customer `id` buys for (their membership), if any;
    /// none for an id without a profile.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(super) fn company_of(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .stored_customer(id)?
            .and_then(|(profile, _)| profile.company.map(|m| m.company)))
    }

    /// Who holds the email claim `key`, and the claim's version.
    pub(super) fn email_owner(&self, key: &str) -> Result<(Option<String>, Option<u64>)> {
        Ok(match self.store.load(EMAILS, key)? {
            Some(doc) => (
                doc.value.to_value()?["customer"]
                    .as_str()
                    .map(str::to_owned),
                Some(doc.version),
            ),
            None => (None, None),
        })
    }

    /// Saves `after` (over `before` at `version`; none: new) with its email
    /// claims, atomically; retries while a claim changes under it.
    fn save_customer(
        &self,
        after: &Customer,
        before: Option<&Customer>,
        version: Option<u64>,
        event: crate::store::NewEvent,
    ) -> Result<()> {
        let new_key = after.email.as_ref().map(Email::key);
        let old_key = before.and_then(|b| b.email.as_ref()).map(Email::key);
        for _ in 0..CLAIM_ATTEMPTS {
            let mut writes = vec![DocumentWrite::new(
                CUSTOMERS,
                &after.id,
                version,
                to_json(after)?,
            )];
            if new_key != old_key {
                if let Some(key) = &new_key {
                    let (owner, claim_version) = self.email_owner(key)?;
                    if let Some(owner) = owner.filter(|o| *o != after.id) {
                        return Err(Error::DuplicateEmail {
                            email: shown(after.email.as_ref().map_or("", Email::as_str)),
                            customer: owner,
                        });
                    }
                    writes.push(claim_write(key, claim_version, Some(&after.id)));
                }
                if let Some(key) = &old_key {
                    let (owner, claim_version) = self.email_owner(key)?;
                    if owner.as_deref() == Some(after.id.as_str()) {
                        writes.push(claim_write(key, claim_version, None));
                    }
                }
            }
            match self.store.save_all(writes, vec![event.clone()]) {
                Ok(_) => return Ok(()),
                Err(Error::ConcurrentModification { entity, .. }) if entity.starts_with(EMAILS) => {
                    continue
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::ConcurrentModification {
            entity: format!("{EMAILS}/{}", shown(new_key.as_deref().unwrap_or(""))),
            expected: None,
            current: None,
        })
    }
}

/// The write that gives the email claim `key` (stored at `version`) to
/// `owner`, or releases it (none).
pub(super) fn claim_write(key: &str, version: Option<u64>, owner: Option<&str>) -> DocumentWrite {
    DocumentWrite::new(EMAILS, key, version, json!({ "customer": owner }))
}
