//! Store credit: money a shop owes a customer (a return refunded as
//! credit), one balance per currency, with every change kept.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;

/// One change to a balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditEntry {
    /// When.
    pub at: Timestamp,
    /// The change (negative: spent).
    pub amount: Money,
    /// Why (a return id, an order id).
    pub reason: String,
}

/// A customer's store credit.
///
/// # Examples
///
/// ```
/// use kassa::customer::StoreCredit;
/// use kassa::pricing::Timestamp;
/// use kassa::{Currency, Money};
///
/// let mut credit = StoreCredit::default();
/// credit.add(Money::parse("12.50", Currency::EUR)?, "ret_1", Timestamp(0))?;
/// credit.add(Money::parse("2.50", Currency::EUR)?, "ret_2", Timestamp(1))?;
/// assert_eq!(credit.balance(Currency::EUR).to_string(), "15.00");
/// assert!(credit.balance(Currency::USD).is_zero());
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCredit {
    /// One balance per currency that ever had credit.
    pub balances: Vec<Money>,
    /// Every change, oldest first.
    pub entries: Vec<CreditEntry>,
}

impl StoreCredit {
    /// The balance in `currency` (zero when none).
    pub fn balance(&self, currency: Currency) -> Money {
        self.balances
            .iter()
            .copied()
            .find(|m| m.currency() == currency)
            .unwrap_or(Money::zero(currency))
    }

    /// Spends `amount` of the balance (a checkout paying with credit) for
    /// `reason`.
    ///
    /// # Errors
    ///
    /// `insufficient_store_credit` beyond the balance; `invalid_amount`
    /// unless positive.
    pub fn spend(&mut self, amount: Money, reason: &str, at: Timestamp) -> Result<Money> {
        let balance = self.balance(amount.currency());
        if amount.minor_units() <= 0 {
            return Err(crate::Error::InvalidAmount {
                value: amount.to_string(),
                reason: "store credit spent must be greater than zero",
            });
        }
        if amount.minor_units() > balance.minor_units() {
            return Err(crate::Error::InsufficientStoreCredit {
                requested: amount.to_string(),
                balance: balance.to_string(),
            });
        }
        self.add(amount.checked_neg()?, reason, at)
    }

    /// Adds `amount` (a refund as credit) for `reason`.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the balance would overflow.
    pub fn add(&mut self, amount: Money, reason: &str, at: Timestamp) -> Result<Money> {
        let next = self.balance(amount.currency()).checked_add(amount)?;
        match self
            .balances
            .iter_mut()
            .find(|m| m.currency() == amount.currency())
        {
            Some(m) => *m = next,
            None => self.balances.push(next),
        }
        self.entries.push(CreditEntry {
            at,
            amount,
            reason: reason.to_owned(),
        });
        Ok(next)
    }
}
