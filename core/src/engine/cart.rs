//! The engine's cart operations: carts are versioned documents; every
//! change is a pure cart operation saved over the version the caller read
//! (`concurrent_modification` otherwise) with its event.

use std::sync::{Arc, PoisonError};

/// Parsed carts an engine keeps at most (then it starts again).
const MAX_KEPT_CARTS: usize = 10_000;

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::cart::{revalidate, Address, Cart, CartWarning, CurrentVariant, LineSnapshot};
use crate::catalog::{Product, ProductStatus, SortedMap};
use crate::checkout::CheckoutState;
use crate::error::{shown, Error, Result};
use crate::money::Currency;
use crate::pricing::Timestamp;
use crate::store::{Body, EventKind, NewEvent, Store, Versioned};

pub(super) const CARTS: &str = "carts";
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<Body> {
    Body::of(value)
}

impl<S: Store> Engine<S> {
    /// `value` as a body for this engine's store: the value itself for a
    /// store that keeps values (nothing is serialized unless someone reads
    /// the text), else its text, written now on this thread.
    pub(super) fn body_of<T: Serialize + std::any::Any + Send + Sync>(
        &self,
        value: Arc<T>,
    ) -> Result<Body> {
        if self.store.keeps_values() {
            Ok(Body::typed(value))
        } else {
            Body::of(&*value)
        }
    }
}

pub(super) fn from_json<T: for<'de> Deserialize<'de>>(
    what: &str,
    body: impl std::borrow::Borrow<Body>,
) -> Result<T> {
    body.borrow().parse(what)
}

impl<S: Store> Engine<S> {
    /// Creates an empty cart.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn create_cart(
        &self,
        currency: Currency,
        customer: Option<&str>,
    ) -> Result<(Arc<Cart>, u64)> {
        let now = self.clock.now();
        let mut cart = Cart::new(self.ids.next_shared_id("cart"), currency, now);
        cart.customer = customer.map(Arc::from);
        let event = self.event_at(
            EventKind::CartCreated {
                cart: (&*cart.id).into(),
                customer: cart.customer.as_deref().map(Into::into),
            },
            now,
        );
        let cart = Arc::new(cart);
        let body = self.body_of(Arc::clone(&cart))?;
        let version = self
            .store
            .save(CARTS, &cart.id, None, body.clone(), vec![event])?;
        self.remember_cart(&cart.id, body, Arc::clone(&cart));
        Ok((cart, version))
    }

    /// The cart `id` and its version. Carts are returned shared (here and
    /// from every cart operation): a cart is a snapshot of one version,
    /// and [`Cart::clone`] of it gives a copy to change (its lines are
    /// shared until changed).
    ///
    /// # Errors
    ///
    /// `unknown_cart`.
    pub fn cart(&self, id: &str) -> Result<(Arc<Cart>, u64)> {
        let (cart, version) = self.shared_cart(id)?;
        Ok((cart, version))
    }

    /// The cart `id`, shared, and its version. A cart this engine parsed
    /// or wrote is kept with the body it came from; it is parsed again
    /// only when the stored body differs (another engine, or a later
    /// write, changed it).
    ///
    /// # Errors
    ///
    /// `unknown_cart`.
    pub(super) fn shared_cart(&self, id: &str) -> Result<(Arc<Cart>, u64)> {
        self.cart_of(id, self.store.load(CARTS, id)?)
    }

    /// [`Engine::shared_cart`] from the cart's stored document `doc`,
    /// read by the caller (perhaps ahead, with others).
    ///
    /// # Errors
    ///
    /// `unknown_cart` when `doc` is none.
    pub(super) fn cart_of(&self, id: &str, doc: Option<Versioned>) -> Result<(Arc<Cart>, u64)> {
        let doc = doc.ok_or_else(|| Error::UnknownCart { id: shown(id) })?;
        // A store that keeps values holds the cart itself.
        if let Some(cart) = doc.value.shared::<Cart>() {
            return Ok((cart, doc.version));
        }
        {
            let carts = self.carts.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((body, cart)) = carts.get(id) {
                if *body == doc.value {
                    return Ok((Arc::clone(cart), doc.version));
                }
            }
        }
        let cart: Arc<Cart> = Arc::new(from_json("cart", &doc.value)?);
        self.remember_cart(id, doc.value, Arc::clone(&cart));
        Ok((cart, doc.version))
    }

    /// The customer of cart `id` as this engine last read or wrote it
    /// (none when it keeps no copy): a guess to read the profile ahead
    /// with the cart; the stored cart decides.
    pub(super) fn kept_cart_customer(&self, id: &str) -> Option<String> {
        let carts = self.carts.lock().unwrap_or_else(PoisonError::into_inner);
        carts
            .get(id)
            .and_then(|(_, cart)| cart.customer.as_deref().map(str::to_owned))
    }

    /// Keeps `cart`, stored as `body`, for [`Engine::shared_cart`].
    fn remember_cart(&self, id: &str, body: Body, cart: Arc<Cart>) {
        if body.shared::<Cart>().is_some() {
            // The body is the cart: nothing to keep.
            return;
        }
        let mut carts = self.carts.lock().unwrap_or_else(PoisonError::into_inner);
        if carts.len() >= MAX_KEPT_CARTS && !carts.contains_key(id) {
            carts.clear();
        }
        carts.insert(id.to_owned(), (body, cart));
    }

    /// Applies `change` to the cart read at version `expected` and saves it
    /// with a `cart_updated` event. Returns the cart and its new version.
    ///
    /// # Errors
    ///
    /// `unknown_cart`; `concurrent_modification` when someone saved since
    /// `expected`; whatever `change` refuses (nothing is saved).
    pub fn update_cart(
        &self,
        id: &str,
        expected: u64,
        change: impl FnOnce(&mut Cart, &Self) -> Result<()>,
    ) -> Result<(Arc<Cart>, u64)> {
        self.update_cart_with(id, expected, None, self.clock.now(), change)
    }

    /// [`Engine::update_cart`]; `known` is a `(sku, product)` pair the
    /// caller already looked up, for the behaviour events; `now` the time
    /// of the change and its events (read once by the caller).
    pub(super) fn update_cart_with(
        &self,
        id: &str,
        expected: u64,
        known: Option<(&str, &str)>,
        now: Timestamp,
        change: impl FnOnce(&mut Cart, &Self) -> Result<()>,
    ) -> Result<(Arc<Cart>, u64)> {
        let (before, version) = self.shared_cart(id)?;
        if version != expected {
            return Err(Error::ConcurrentModification {
                entity: format!("{CARTS}/{}", shown(id)),
                expected: Some(expected),
                current: Some(version),
            });
        }
        let mut cart = before.copy_for_change();
        change(&mut cart, self)?;
        // The update, then what the shopper did (usually one event), at
        // one time.
        let mut events: Vec<NewEvent> = Vec::with_capacity(2);
        events.push(self.cart_updated(&cart.id, version + 1, cart.checkout, now));
        self.cart_behaviour(&before, &cart, known, now, &mut events)?;
        let cart = Arc::new(cart);
        let body = self.body_of(Arc::clone(&cart))?;
        let version = self
            .store
            .save(CARTS, id, Some(version), body.clone(), events)?;
        self.remember_cart(id, body, Arc::clone(&cart));
        Ok((cart, version))
    }

    /// The `cart_updated` event of the cart `id`, written as `version` in
    /// the checkout state `checkout`, at `at`.
    pub(super) fn cart_updated(
        &self,
        id: &str,
        version: u64,
        checkout: CheckoutState,
        at: Timestamp,
    ) -> NewEvent {
        self.event_at(
            EventKind::CartUpdated {
                cart: id.into(),
                version,
                checkout,
            },
            at,
        )
    }

    /// Adds `qty` of the catalog variant `sku` to a cart, with custom
    /// `attributes`, and snapshots its price and name for revalidation.
    ///
    /// # Errors
    ///
    /// `unknown_sku`; `no_price_for_currency`; `invalid_transition` for a
    /// product not on sale (draft or archived); as [`Cart::add_line`] and
    /// [`Engine::update_cart`].
    pub fn add_to_cart(
        &self,
        id: &str,
        expected: u64,
        sku: &str,
        qty: u64,
        attributes: SortedMap<String>,
    ) -> Result<(Arc<Cart>, u64)> {
        let (product, index) = self.product_by_sku(sku)?;
        if product.status != ProductStatus::Active {
            return Err(Error::InvalidTransition {
                state: "not_on_sale",
                command: "add_to_cart",
            });
        }
        let known = Some((sku, product.id.as_str()));
        let now = self.clock.now();
        self.update_cart_with(id, expected, known, now, |cart, engine| {
            engine.add_priced_line(cart, &product, index, qty, attributes, now)
        })
    }

    /// Adds `qty` of variant `index` of `product` to `cart` at `now`, with
    /// a price and name snapshot (the line grows when one with the same
    /// SKU and attributes exists).
    ///
    /// # Errors
    ///
    /// `no_price_for_currency`; as [`Cart::add_line`].
    pub(super) fn add_priced_line(
        &self,
        cart: &mut Cart,
        product: &Product,
        index: usize,
        qty: u64,
        attributes: SortedMap<String>,
        now: Timestamp,
    ) -> Result<()> {
        let variant = product.variants.get(index);
        let sku = variant.map(|v| v.sku.as_str()).unwrap_or_default();
        let unit_price = variant
            .and_then(|v| v.price(cart.currency))
            .ok_or_else(|| Error::NoPriceForCurrency {
                sku: shown(sku),
                currency: cart.currency,
            })?;
        let line_id = self.ids.next_inline_id("line");
        cart.add_line(line_id, sku, qty, attributes.clone(), now)?;
        // The line added or grown: same SKU and same attributes.
        let added = cart
            .lines
            .iter_mut()
            .find(|l| &*l.sku == sku && l.attributes == attributes);
        if let Some(line) = added {
            line.snapshot = Some(LineSnapshot {
                unit_price,
                name: product.name.clone(),
                at: now,
            });
        }
        Ok(())
    }

    /// Sets a cart's shipping address.
    ///
    /// # Errors
    ///
    /// As [`Cart::set_shipping_address`] and [`Engine::update_cart`].
    pub fn set_cart_address(
        &self,
        id: &str,
        expected: u64,
        address: Address,
    ) -> Result<(Arc<Cart>, u64)> {
        self.update_cart(id, expected, |cart, engine| {
            cart.set_shipping_address(address, engine.clock.now())
        })
    }

    /// Expires carts idle for `idle_ms` or more (not yet completed,
    /// cancelled or expired), recording a `cart_abandoned` event for each
    /// (the CRM counts them); looks at up to `limit` carts after the cart
    /// id `after`. Returns the expired carts and where to continue.
    ///
    /// # Errors
    ///
    /// Storage failures. A cart changed meanwhile is skipped, not expired.
    pub fn expire_idle_carts(
        &self,
        idle_ms: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>)> {
        let now = self.clock.now();
        let (page, next) = self.scan_page(CARTS, after, limit)?;
        let mut expired = Vec::new();
        for (id, doc) in page {
            let mut cart: Cart = doc.value.read("cart")?;
            if cart.checkout.is_terminal() || now.0.saturating_sub(cart.updated_at.0) < idle_ms {
                continue;
            }
            if cart
                .step(crate::checkout::CheckoutCommand::Expire, now)
                .is_err()
            {
                continue;
            }
            let abandoned = EventKind::CartAbandoned {
                cart: id.as_str().into(),
                customer: cart.customer.as_deref().map(Into::into),
                lines: cart.lines.len(),
            };
            let events = vec![
                self.event_at(abandoned, now),
                self.cart_updated(&id, doc.version + 1, cart.checkout, now),
            ];
            if self.save_swept(CARTS, &id, doc.version, to_json(&cart)?, events)? {
                expired.push(id);
            }
        }
        Ok((expired, next))
    }

    /// What changed since each line was shown: prices, availability, stock.
    ///
    /// # Errors
    ///
    /// `unknown_cart`, storage failures.
    pub fn revalidate_cart(&self, id: &str) -> Result<Vec<CartWarning>> {
        let (cart, _) = self.cart(id)?;
        let mut known = Vec::new();
        for line in &cart.lines {
            let current = match self.store.product_by_sku(&line.sku)? {
                Some((product, i)) => {
                    let facts = self.store.sku_facts(&line.sku)?;
                    product.variants.get(i).map(|v| CurrentVariant {
                        status: product.status,
                        unit_price: v.price(cart.currency),
                        sellable: (facts.tracked && !facts.unlimited).then_some(facts.available),
                    })
                }
                None => None,
            };
            known.push((line.sku.clone(), current));
        }
        Ok(revalidate(&cart, &|sku| {
            known
                .iter()
                .find(|(s, _)| &**s == sku)
                .and_then(|(_, c)| c.clone())
        }))
    }
}
