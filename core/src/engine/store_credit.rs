//! Store credit accounts: money a shop owes a customer. Credit is granted
//! (goodwill, a return refunded as credit), spent as a checkout tender and
//! given back when such a payment is refunded. Every change is a write at
//! the version read, saved with whatever caused it, and a
//! `store_credit_changed` event.

use super::cart::{from_json, to_json};
use super::Engine;
use crate::customer::StoreCredit;
use crate::error::Result;
use crate::money::Money;
use crate::store::{DocumentWrite, EventKind, NewEvent, Store};

/// The collection of store-credit accounts, by customer id.
pub(super) const CREDIT: &str = "store_credit";

impl<S: Store> Engine<S> {
    /// Customer `customer`'s store credit (empty when none).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn store_credit(&self, customer: &str) -> Result<StoreCredit> {
        match self.store.load(CREDIT, customer)? {
            Some(doc) => from_json("store credit", doc.value),
            None => Ok(StoreCredit::default()),
        }
    }

    /// Grants customer `customer` `amount` of store credit for `reason`
    /// (goodwill, a price match), recorded with a `store_credit_changed`
    /// event. Returns the account.
    ///
    /// # Errors
    ///
    /// `unknown_customer`; `invalid_amount` unless positive; `invalid_field`
    /// for an oversized reason; `concurrent_modification` when the account
    /// changed meanwhile (retry).
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::engine::Engine;
    /// use kassa::{Currency, Money};
    ///
    /// let engine = Engine::in_memory();
    /// let (ann, _) = engine.create_customer(|c| c.set_email(Some("ann@example.com")))?;
    /// let ten = Money::parse("10.00", Currency::EUR)?;
    /// let credit = engine.grant_store_credit(&ann.id, ten, "late delivery")?;
    /// assert_eq!(credit.balance(Currency::EUR), ten);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn grant_store_credit(
        &self,
        customer: &str,
        amount: Money,
        reason: &str,
    ) -> Result<StoreCredit> {
        crate::catalog::limits::text("store_credit", "reason", reason, 512)?;
        if amount.minor_units() <= 0 {
            return Err(crate::Error::InvalidAmount {
                value: amount.to_string(),
                reason: "store credit granted must be greater than zero",
            });
        }
        self.customer(customer)?;
        let (write, event, credit) = self.credit_change(customer, amount, reason)?;
        self.store.save_all(vec![write], vec![event])?;
        Ok(credit)
    }

    /// Changes `customer`'s balance by `amount` (negative: spent) for
    /// `reason`: the account write at the version read and its event, to
    /// save with the change that causes it, and the account after.
    ///
    /// # Errors
    ///
    /// `insufficient_store_credit` when spending more than the balance.
    pub(super) fn credit_change(
        &self,
        customer: &str,
        amount: Money,
        reason: &str,
    ) -> Result<(DocumentWrite, NewEvent, StoreCredit)> {
        let stored = self.store.load(CREDIT, customer)?;
        let mut credit: StoreCredit = match &stored {
            Some(doc) => from_json("store credit", &doc.value)?,
            None => StoreCredit::default(),
        };
        let now = self.clock.now();
        if amount.minor_units() < 0 {
            credit.spend(amount.checked_neg()?, reason, now)?;
        } else {
            credit.add(amount, reason, now)?;
        }
        let write = DocumentWrite::new(
            CREDIT,
            customer,
            stored.map(|d| d.version),
            to_json(&credit)?,
        );
        let event = self.event(EventKind::StoreCreditChanged {
            customer: customer.into(),
            amount,
            reason: reason.into(),
        });
        Ok((write, event, credit))
    }
}
