//! B2B quotes: a sales rep prices a customer's cart with negotiated unit
//! prices and an expiry; the quote is frozen (each revision is kept as it
//! was), and the buyer accepts the current revision into a cart that
//! checkout prices at the quoted prices, or it expires.
//!
//! Pure: the engine (`Engine::create_quote` and friends) reads the catalog
//! prices, stores the quote and makes the cart.

use serde::{Deserialize, Serialize};

use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;

/// Lines a quote may hold.
pub const MAX_QUOTE_LINES: usize = 500;

/// One quoted line: the catalog's unit price when it was quoted, and the
/// negotiated one the buyer pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The variant.
    pub sku: String,
    /// Units.
    pub qty: u64,
    /// The catalog unit price when the revision was made.
    pub list_price: Money,
    /// The negotiated unit price.
    pub unit_price: Money,
}

/// One frozen revision: what was offered, until when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRevision {
    /// 1 for the first offer, then one more per revision.
    pub revision: u32,
    /// The lines offered.
    pub lines: Vec<QuoteLine>,
    /// When the offer lapses.
    pub expires_at: Timestamp,
    /// The sales rep who made it.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

impl QuoteRevision {
    /// The quoted subtotal: each line's unit price times its units (tax
    /// and shipping come at checkout).
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` on overflow.
    pub fn subtotal(&self, currency: Currency) -> Result<Money> {
        self.lines.iter().try_fold(Money::zero(currency), |sum, l| {
            sum.checked_add(l.unit_price.multiply_quantity(l.qty)?)
        })
    }
}

/// Where a quote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Offered; may be revised, accepted or withdrawn.
    Open,
    /// Open, but past its expiry: nothing more can happen to it.
    Expired,
    /// Accepted into a cart.
    Accepted,
    /// Taken back by the seller.
    Withdrawn,
}

/// A quote for one customer (and their company, if buying for one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Its id.
    pub id: String,
    /// The buyer.
    pub customer: String,
    /// The company the buyer buys for, if any.
    #[serde(default)]
    pub company: Option<String>,
    /// The currency.
    pub currency: Currency,
    /// The current revision (the last of `revisions`).
    pub current: QuoteRevision,
    /// Earlier revisions, oldest first, as they were offered.
    #[serde(default)]
    pub superseded: Vec<QuoteRevision>,
    /// Accepted, withdrawn, or open (expiry is read from the clock).
    pub state: QuoteState,
    /// An expiry sweep ([`Quote::record_expiry`]) has recorded that the
    /// quote lapsed, so it is reported once.
    #[serde(default)]
    pub expiry_recorded: bool,
}

/// What happened to a quote, beyond being offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum QuoteState {
    /// Offered.
    Open,
    /// Accepted into cart `cart` at `at`.
    Accepted {
        /// The revision accepted.
        revision: u32,
        /// The cart it became.
        cart: String,
        /// When.
        at: Timestamp,
    },
    /// Withdrawn by `by` at `at`.
    Withdrawn {
        /// Who.
        by: String,
        /// When.
        at: Timestamp,
    },
}

impl Quote {
    /// A first offer of `lines` to `customer`, valid until `expires_at`.
    ///
    /// # Errors
    ///
    /// `invalid_field` for no lines, too many, a zero quantity, a price in
    /// another currency or below zero, or an expiry not after `now`.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::cart::{Quote, QuoteLine, QuoteStatus};
    /// use kassa::pricing::Timestamp;
    /// use kassa::{Currency, Money};
    /// let eur = |m| Money::from_minor_units(m, Currency::EUR);
    /// let line = QuoteLine { sku: "DESK".into(), qty: 10, list_price: eur(30_000), unit_price: eur(25_000) };
    /// let mut quote = Quote::new("q1", "acme-buyer", Currency::EUR, vec![line], Timestamp(1_000), "rep", Timestamp(0))?;
    /// assert_eq!(quote.current.subtotal(Currency::EUR)?, eur(250_000));
    /// assert_eq!(quote.status_at(Timestamp(999)), QuoteStatus::Open);
    /// assert_eq!(quote.status_at(Timestamp(1_000)), QuoteStatus::Expired);
    /// quote.accept(1, "cart-9", Timestamp(500))?;
    /// assert_eq!(quote.status_at(Timestamp(5_000)), QuoteStatus::Accepted);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn new(
        id: impl Into<String>,
        customer: impl Into<String>,
        currency: Currency,
        lines: Vec<QuoteLine>,
        expires_at: Timestamp,
        by: impl Into<String>,
        now: Timestamp,
    ) -> Result<Quote> {
        let current = QuoteRevision {
            revision: 1,
            lines,
            expires_at,
            by: by.into(),
            at: now,
        };
        check(&current, currency, now)?;
        Ok(Quote {
            id: id.into(),
            customer: customer.into(),
            company: None,
            currency,
            current,
            superseded: Vec::new(),
            state: QuoteState::Open,
            expiry_recorded: false,
        })
    }

    /// Marks an open quote past its expiry at `now` as recorded; true the
    /// first time only (an accepted, withdrawn or still valid quote, or one
    /// already recorded, is left as it is).
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::cart::{Quote, QuoteLine};
    /// use kassa::pricing::Timestamp;
    /// use kassa::{Currency, Money};
    /// let eur = |m| Money::from_minor_units(m, Currency::EUR);
    /// let line = QuoteLine { sku: "DESK".into(), qty: 1, list_price: eur(300), unit_price: eur(250) };
    /// let mut quote = Quote::new("q1", "buyer", Currency::EUR, vec![line], Timestamp(1_000), "rep", Timestamp(0))?;
    /// assert!(!quote.record_expiry(Timestamp(999)));
    /// assert!(quote.record_expiry(Timestamp(1_000)));
    /// assert!(!quote.record_expiry(Timestamp(2_000)));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn record_expiry(&mut self, now: Timestamp) -> bool {
        if self.expiry_recorded || self.status_at(now) != QuoteStatus::Expired {
            return false;
        }
        self.expiry_recorded = true;
        true
    }

    /// Where the quote stands at `now`.
    pub fn status_at(&self, now: Timestamp) -> QuoteStatus {
        match self.state {
            QuoteState::Accepted { .. } => QuoteStatus::Accepted,
            QuoteState::Withdrawn { .. } => QuoteStatus::Withdrawn,
            QuoteState::Open if now >= self.current.expires_at => QuoteStatus::Expired,
            QuoteState::Open => QuoteStatus::Open,
        }
    }

    /// Replaces the offer with a new revision (the current one is kept,
    /// frozen, in `superseded`).
    ///
    /// # Errors
    ///
    /// `quote_expired`, `quote_refused` unless open; `invalid_field` as in
    /// [`Quote::new`]. Nothing changes on error.
    pub fn revise(
        &mut self,
        lines: Vec<QuoteLine>,
        expires_at: Timestamp,
        by: impl Into<String>,
        now: Timestamp,
    ) -> Result<()> {
        self.must_be_open("revise", now)?;
        let next = QuoteRevision {
            revision: self.current.revision + 1,
            lines,
            expires_at,
            by: by.into(),
            at: now,
        };
        check(&next, self.currency, now)?;
        let before = std::mem::replace(&mut self.current, next);
        self.superseded.push(before);
        Ok(())
    }

    /// Accepts revision `revision` (it must be the current one: a buyer
    /// never accepts an offer that was replaced after they read it) into
    /// cart `cart`.
    ///
    /// # Errors
    ///
    /// `quote_expired`; `quote_refused` unless open or for a superseded
    /// revision. Nothing changes on error.
    pub fn accept(&mut self, revision: u32, cart: impl Into<String>, now: Timestamp) -> Result<()> {
        self.must_be_open("accept", now)?;
        if revision != self.current.revision {
            return Err(self.refused(
                "accept",
                format!(
                    "revision {revision} was replaced by revision {}",
                    self.current.revision
                ),
            ));
        }
        self.state = QuoteState::Accepted {
            revision,
            cart: cart.into(),
            at: now,
        };
        Ok(())
    }

    /// Takes the offer back.
    ///
    /// # Errors
    ///
    /// `quote_refused` once accepted or withdrawn (an expired quote may be
    /// withdrawn, to close it).
    pub fn withdraw(&mut self, by: impl Into<String>, now: Timestamp) -> Result<()> {
        if self.state != QuoteState::Open {
            return Err(self.refused("withdraw", format!("it is {}", self.status_name(now))));
        }
        self.state = QuoteState::Withdrawn {
            by: by.into(),
            at: now,
        };
        Ok(())
    }

    /// The negotiated unit price of `sku` in the accepted revision.
    pub fn accepted_line(&self, sku: &str) -> Option<&QuoteLine> {
        match self.state {
            QuoteState::Accepted { .. } => self.current.lines.iter().find(|l| l.sku == sku),
            _ => None,
        }
    }

    fn must_be_open(&self, action: &'static str, now: Timestamp) -> Result<()> {
        match self.status_at(now) {
            QuoteStatus::Open => Ok(()),
            QuoteStatus::Expired => Err(self.expired()),
            _ => Err(self.refused(action, format!("it is {}", self.status_name(now)))),
        }
    }

    fn status_name(&self, now: Timestamp) -> &'static str {
        match self.status_at(now) {
            QuoteStatus::Open => "open",
            QuoteStatus::Expired => "expired",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Withdrawn => "withdrawn",
        }
    }

    /// `quote_expired` for this quote.
    pub fn expired(&self) -> Error {
        Error::QuoteExpired {
            quote: shown(&self.id),
            expired_at: self.current.expires_at.0,
        }
    }

    /// `quote_refused` for `action` on this quote.
    pub fn refused(&self, action: &'static str, reason: String) -> Error {
        Error::QuoteRefused {
            quote: shown(&self.id),
            action,
            reason,
        }
    }
}

fn check(revision: &QuoteRevision, currency: Currency, now: Timestamp) -> Result<()> {
    let invalid = |reason: String| crate::catalog::limits::invalid("quote", "lines", reason);
    if revision.lines.is_empty() || revision.lines.len() > MAX_QUOTE_LINES {
        return Err(invalid(format!(
            "{} lines (1 to {MAX_QUOTE_LINES})",
            revision.lines.len()
        )));
    }
    for l in &revision.lines {
        super::lines::quantity(l.qty)?;
        crate::catalog::limits::text(
            "quote",
            "sku",
            &l.sku,
            crate::catalog::limits::MAX_SKU_BYTES,
        )?;
        for price in [l.list_price, l.unit_price] {
            if price.currency() != currency || price.is_negative() {
                return Err(invalid(format!(
                    "line {}: price {price} (must be {} and not negative)",
                    shown(&l.sku),
                    currency.code()
                )));
            }
        }
    }
    if revision.expires_at <= now {
        return Err(crate::catalog::limits::invalid(
            "quote",
            "expires_at",
            format!(
                "{} ms is not after now ({} ms)",
                revision.expires_at.0, now.0
            ),
        ));
    }
    Ok(())
}
