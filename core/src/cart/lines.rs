//! The cart aggregate: lines, saved-for-later lines, coupons, addresses,
//! the shipping choice, notes, and the checkout state they move.
//!
//! Every operation checks its input, then asks the checkout machine for
//! the transition, and only then changes the cart: a refused operation
//! changes nothing.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Address, Shared};
use crate::catalog::{limits, SortedMap};
use crate::checkout::{transition, CheckoutCommand, CheckoutEffect, CheckoutState};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;

/// Lines in one cart.
pub const MAX_LINES: usize = 500;
/// Units on one line.
pub const MAX_QUANTITY: u64 = 1_000_000;
/// Coupon codes on one cart.
pub const MAX_COUPONS: usize = 20;
/// Notes, in bytes.
pub const MAX_NOTES_BYTES: usize = 4096;
/// A custom attribute value (engraving text), in bytes.
pub const MAX_LINE_ATTRIBUTE_BYTES: usize = 1024;

/// The price and name a line was shown at, for revalidation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSnapshot {
    /// The unit price shown.
    pub unit_price: Money,
    /// The product name shown.
    pub name: String,
    /// When.
    pub at: Timestamp,
}

/// One cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The line's id (from the engine's id source; held inline up to 24
    /// bytes).
    pub id: LineId,
    /// The variant (shared with the order line and the stock reservation
    /// made from it).
    pub sku: Arc<str>,
    /// Units, 1..=[`MAX_QUANTITY`].
    pub qty: u64,
    /// Custom attributes (engraving text, gift message); lines with the
    /// same SKU and attributes are one line.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub attributes: SortedMap<String>,
    /// What the shopper was shown when the line was last priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<LineSnapshot>,
}

/// A cart line's id: text held inline up to 24 bytes (the engine's own
/// ids, `line_42`, allocate nothing), serialized as a plain JSON string.
///
/// ```
/// use kassa::cart::LineId;
/// let id = LineId::from("line_42");
/// assert_eq!(id, "line_42");
/// assert!(!id.is_heap_allocated());
/// ```
pub type LineId = compact_str::CompactString;

/// A line put aside for later (not priced, not checked out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLine {
    /// The variant.
    pub sku: String,
    /// Units.
    pub qty: u64,
    /// Custom attributes.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub attributes: SortedMap<String>,
}

/// A shopper's cart.
///
/// # Examples
///
/// ```
/// use kassa::cart::{Address, Cart};
/// use kassa::catalog::SortedMap;
/// use kassa::checkout::CheckoutState;
/// use kassa::pricing::Timestamp;
/// use kassa::Currency;
///
/// let mut cart = Cart::new("c1", Currency::EUR, Timestamp(0));
/// cart.add_line("l1", "TEE-M", 2, SortedMap::new(), Timestamp(1))?;
/// cart.add_line("l2", "TEE-M", 1, SortedMap::new(), Timestamp(2))?; // same SKU: one line
/// assert_eq!((cart.lines.len(), cart.lines[0].qty), (1, 3));
/// cart.set_shipping_address(Address::new("Ada", "1 Main St", "Berlin", "DE"), Timestamp(3))?;
/// cart.select_shipping("dhl", Timestamp(4))?;
/// cart.set_quantity("l1", 4, Timestamp(5))?; // the shipping choice no longer holds
/// assert_eq!((cart.checkout, cart.shipping_method.as_deref()), (CheckoutState::Addressed, None));
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// Its id (shared: every copy made for a change shares it).
    pub id: Arc<str>,
    /// The currency it is priced in.
    pub currency: Currency,
    /// The customer; none for a guest (shared, like the id).
    #[serde(default)]
    pub customer: Option<Arc<str>>,
    /// The sales channel (`web`, `pos`; shared, like the id).
    #[serde(default)]
    pub channel: Option<Arc<str>>,
    /// The shopper's locale (`de-DE`).
    #[serde(default)]
    pub locale: Option<String>,
    /// The lines, in the order added (shared between copies of the cart
    /// until one changes: see [`Shared`]).
    #[serde(default)]
    pub lines: Vec<Shared<CartLine>>,
    /// Lines saved for later.
    #[serde(default)]
    pub saved_for_later: Vec<SavedLine>,
    /// Coupon codes entered (compared case-insensitively).
    #[serde(default)]
    pub coupons: Vec<String>,
    /// Where it ships (and is taxed).
    #[serde(default)]
    pub shipping_address: Option<Shared<Address>>,
    /// Where the invoice goes.
    #[serde(default)]
    pub billing_address: Option<Shared<Address>>,
    /// The chosen shipping method id.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// The shopper's notes.
    #[serde(default)]
    pub notes: String,
    /// Where the checkout stands.
    #[serde(default)]
    pub checkout: CheckoutState,
    /// The accepted quote this cart was made from: it is priced at the
    /// quoted prices, and only while its lines are the quote's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed (for abandonment).
    pub updated_at: Timestamp,
}

pub(super) fn quantity(qty: u64) -> Result<u64> {
    if qty == 0 || qty > MAX_QUANTITY {
        return Err(Error::InvalidQuantity {
            value: qty.to_string(),
            reason: "must be between 1 and 1,000,000",
        });
    }
    Ok(qty)
}

pub(super) fn check_line(sku: &str, attributes: &SortedMap<String>) -> Result<()> {
    limits::text("cart line", "sku", sku, limits::MAX_SKU_BYTES)?;
    if attributes.len() > 20 {
        return Err(limits::invalid(
            "cart line",
            "attributes",
            "more than 20 entries".into(),
        ));
    }
    for (k, v) in attributes.iter() {
        limits::text("cart line", "attributes", k, limits::MAX_LABEL_BYTES)?;
        limits::optional_text("cart line", "attributes", v, MAX_LINE_ATTRIBUTE_BYTES)?;
    }
    Ok(())
}

impl Cart {
    /// A copy to change: as [`Clone::clone`], with room for one more line
    /// (the engine copies the stored cart for every change, and an added
    /// line then does not reallocate the copied list).
    pub fn copy_for_change(&self) -> Cart {
        // Destructured, so a new field cannot be forgotten here.
        let Cart {
            id,
            currency,
            customer,
            channel,
            locale,
            lines,
            saved_for_later,
            coupons,
            shipping_address,
            billing_address,
            shipping_method,
            notes,
            checkout,
            quote,
            created_at,
            updated_at,
        } = self;
        let mut copied = Vec::with_capacity(lines.len() + 1);
        copied.extend(lines.iter().cloned());
        Cart {
            id: id.clone(),
            currency: *currency,
            customer: customer.clone(),
            channel: channel.clone(),
            locale: locale.clone(),
            lines: copied,
            saved_for_later: saved_for_later.clone(),
            coupons: coupons.clone(),
            shipping_address: shipping_address.clone(),
            billing_address: billing_address.clone(),
            shipping_method: shipping_method.clone(),
            notes: notes.clone(),
            checkout: *checkout,
            quote: quote.clone(),
            created_at: *created_at,
            updated_at: *updated_at,
        }
    }

    /// An empty cart.
    pub fn new(id: impl Into<Arc<str>>, currency: Currency, now: Timestamp) -> Self {
        Cart {
            id: id.into(),
            currency,
            customer: None,
            channel: None,
            locale: None,
            lines: Vec::new(),
            saved_for_later: Vec::new(),
            coupons: Vec::new(),
            shipping_address: None,
            billing_address: None,
            shipping_method: None,
            notes: String::new(),
            checkout: CheckoutState::Cart,
            quote: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Moves the checkout by `command`, clearing the shipping choice when
    /// the transition says so; returns the effects left for the engine.
    ///
    /// # Errors
    ///
    /// `invalid_transition`; nothing changes.
    pub fn step(
        &mut self,
        command: CheckoutCommand,
        now: Timestamp,
    ) -> Result<Vec<CheckoutEffect>> {
        let t = transition(self.checkout, command)?;
        self.checkout = t.state;
        self.updated_at = now;
        let mut rest = Vec::with_capacity(t.effects.len());
        for effect in t.effects {
            match effect {
                CheckoutEffect::ClearShipping => self.shipping_method = None,
                other => rest.push(other),
            }
        }
        Ok(rest)
    }

    /// Adds `qty` of `sku`; a line with the same SKU and attributes grows
    /// instead. `line_id` names a new line (an owned `String` is moved in).
    ///
    /// # Errors
    ///
    /// `invalid_quantity` (also when the merged line would pass
    /// [`MAX_QUANTITY`]), `invalid_field` (SKU, attributes, too many
    /// lines), `invalid_transition` once the payment is authorized.
    pub fn add_line(
        &mut self,
        line_id: impl AsRef<str> + Into<LineId>,
        sku: &str,
        qty: u64,
        attributes: SortedMap<String>,
        now: Timestamp,
    ) -> Result<()> {
        quantity(qty)?;
        check_line(sku, &attributes)?;
        let existing = self
            .lines
            .iter()
            .position(|l| &*l.sku == sku && l.attributes == attributes);
        let merged = match existing {
            Some(i) => Some(quantity(self.lines[i].qty.saturating_add(qty))?),
            None if self.lines.len() >= MAX_LINES => {
                return Err(limits::invalid(
                    &self.id,
                    "lines",
                    format!("at most {MAX_LINES} lines"),
                ))
            }
            None => {
                limits::text(&self.id, "line id", line_id.as_ref(), limits::MAX_ID_BYTES)?;
                None
            }
        };
        self.step(CheckoutCommand::EditCart, now)?;
        match (existing, merged) {
            (Some(i), Some(total)) => self.lines[i].qty = total,
            _ => self.lines.push(
                CartLine {
                    // (An owned id is moved in, not copied.)
                    id: line_id.into(),
                    sku: Arc::from(sku),
                    qty,
                    attributes,
                    snapshot: None,
                }
                .into(),
            ),
        }
        Ok(())
    }

    fn line_index(&self, line_id: &str) -> Result<usize> {
        self.lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or_else(|| Error::UnknownLine { id: shown(line_id) })
    }

    /// Sets a line's quantity; 0 removes it.
    ///
    /// # Errors
    ///
    /// `unknown_line`, `invalid_quantity`, `invalid_transition`.
    pub fn set_quantity(&mut self, line_id: &str, qty: u64, now: Timestamp) -> Result<()> {
        let i = self.line_index(line_id)?;
        if qty != 0 {
            quantity(qty)?;
        }
        self.step(CheckoutCommand::EditCart, now)?;
        if qty == 0 {
            self.lines.remove(i);
        } else {
            self.lines[i].qty = qty;
        }
        Ok(())
    }

    /// Removes a line.
    ///
    /// # Errors
    ///
    /// `unknown_line`, `invalid_transition`.
    pub fn remove_line(&mut self, line_id: &str, now: Timestamp) -> Result<()> {
        self.set_quantity(line_id, 0, now)
    }

    /// Moves a line to the saved-for-later list.
    ///
    /// # Errors
    ///
    /// `unknown_line`, `invalid_transition`.
    pub fn save_for_later(&mut self, line_id: &str, now: Timestamp) -> Result<()> {
        let i = self.line_index(line_id)?;
        self.step(CheckoutCommand::EditCart, now)?;
        let line = self.lines.remove(i).into_inner();
        self.saved_for_later.push(SavedLine {
            sku: String::from(&*line.sku),
            qty: line.qty,
            attributes: line.attributes,
        });
        Ok(())
    }

    /// Moves saved line `index` back into the cart as `line_id`.
    ///
    /// # Errors
    ///
    /// `unknown_line` for an index past the list; as [`Cart::add_line`].
    pub fn move_to_cart(&mut self, index: usize, line_id: &str, now: Timestamp) -> Result<()> {
        let saved = self
            .saved_for_later
            .get(index)
            .cloned()
            .ok_or_else(|| Error::UnknownLine {
                id: format!("saved[{index}]"),
            })?;
        self.add_line(line_id, &saved.sku, saved.qty, saved.attributes, now)?;
        self.saved_for_later.remove(index);
        Ok(())
    }

    /// Enters a coupon code (once, compared case-insensitively). Whether it
    /// applies is the pricing kernel's answer, with a typed reason.
    ///
    /// # Errors
    ///
    /// `invalid_field` (empty, too long, too many codes), `invalid_transition`.
    pub fn add_coupon(&mut self, code: &str, now: Timestamp) -> Result<()> {
        limits::text(&self.id, "coupon", code, limits::MAX_LABEL_BYTES)?;
        if self.coupons.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            return Ok(());
        }
        if self.coupons.len() >= MAX_COUPONS {
            return Err(limits::invalid(
                &self.id,
                "coupons",
                format!("at most {MAX_COUPONS} codes"),
            ));
        }
        self.step(CheckoutCommand::EditCart, now)?;
        self.coupons.push(code.to_owned());
        Ok(())
    }

    /// Removes a coupon code (case-insensitively); absent codes are ignored.
    ///
    /// # Errors
    ///
    /// `invalid_transition`.
    pub fn remove_coupon(&mut self, code: &str, now: Timestamp) -> Result<()> {
        if !self.coupons.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            return Ok(());
        }
        self.step(CheckoutCommand::EditCart, now)?;
        self.coupons.retain(|c| !c.eq_ignore_ascii_case(code));
        Ok(())
    }

    /// Sets the shipping address (a new one clears the shipping choice).
    ///
    /// # Errors
    ///
    /// `invalid_field`, `invalid_transition`.
    pub fn set_shipping_address(&mut self, address: Address, now: Timestamp) -> Result<()> {
        address.validate()?;
        self.step(CheckoutCommand::SetAddress, now)?;
        self.shipping_address = Some(address.into());
        Ok(())
    }

    /// Sets the billing address (it moves no checkout step).
    ///
    /// # Errors
    ///
    /// `invalid_field`; `invalid_transition` once the checkout has ended.
    pub fn set_billing_address(&mut self, address: Address, now: Timestamp) -> Result<()> {
        address.validate()?;
        self.refuse_when_frozen("set_billing_address")?;
        self.billing_address = Some(address.into());
        self.updated_at = now;
        Ok(())
    }

    /// Chooses a shipping method (the engine checks it serves the address).
    ///
    /// # Errors
    ///
    /// `invalid_field`, `invalid_transition` (no address yet, or paid).
    pub fn select_shipping(&mut self, method: &str, now: Timestamp) -> Result<()> {
        limits::text(&self.id, "shipping_method", method, limits::MAX_ID_BYTES)?;
        self.step(CheckoutCommand::SelectShipping, now)?;
        self.shipping_method = Some(method.to_owned());
        Ok(())
    }

    /// Settles the shipping step with no method: nothing to ship. The
    /// engine's [`crate::engine::Engine::skip_shipping`] checks that every
    /// line is digital; checkout refuses a cart that skipped shipping
    /// with a line to ship.
    ///
    /// # Errors
    ///
    /// `invalid_transition` before an address or after payment started.
    pub fn skip_shipping(&mut self, now: Timestamp) -> Result<()> {
        self.step(CheckoutCommand::SkipShipping, now)?;
        self.shipping_method = None;
        Ok(())
    }

    /// Sets the notes.
    ///
    /// # Errors
    ///
    /// `invalid_field` past [`MAX_NOTES_BYTES`]; `invalid_transition` once
    /// the checkout has ended.
    pub fn set_notes(&mut self, notes: &str, now: Timestamp) -> Result<()> {
        limits::optional_text(&self.id, "notes", notes, MAX_NOTES_BYTES)?;
        self.refuse_when_frozen("set_notes")?;
        self.notes = notes.to_owned();
        self.updated_at = now;
        Ok(())
    }

    fn refuse_when_frozen(&self, command: &'static str) -> Result<()> {
        if self.checkout.is_terminal() {
            return Err(Error::InvalidTransition {
                state: self.checkout.as_str(),
                command,
            });
        }
        Ok(())
    }

    /// Total units over the lines.
    pub fn units(&self) -> u64 {
        self.lines.iter().fold(0, |n, l| n.saturating_add(l.qty))
    }
}
