//! B2B quotes through the engine: offered from a customer's cart at the
//! catalog's prices or negotiated ones, revised, withdrawn, and accepted
//! into a new cart that checkout prices at the quoted prices.

use std::sync::Arc;

use super::cart::{from_json, to_json, CARTS};
use super::Engine;
use crate::cart::{Cart, Quote, QuoteLine, QuoteState};
use crate::catalog::SortedMap;
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, EventKind, Store};

/// Where quotes are stored.
pub(super) const QUOTES: &str = "quotes";

impl<S: Store> Engine<S> {
    /// Offers the lines of cart `cart` to its customer, valid until
    /// `expires_at`, prepared by sales rep `by`. Each line is quoted at
    /// the catalog's unit price unless `prices` names a negotiated unit
    /// price for its SKU. The quote records the buyer's company, if any.
    ///
    /// # Errors
    ///
    /// `unknown_cart`; `invalid_field` for a guest or empty cart, a
    /// negotiated price for a SKU not in the cart, or a bad expiry (see
    /// [`Quote::new`]); `unknown_sku`, `no_price_for_currency`.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
    /// use kassa::pricing::Timestamp;
    /// use kassa::{Currency, Money};
    /// use std::sync::Arc;
    /// use kassa::engine::{Engine, ManualClock, SequentialIds};
    /// use kassa::store::MemoryStore;
    /// let clock = Arc::new(ManualClock::new(Timestamp(0)));
    /// let engine = Engine::new(MemoryStore::new(), clock, Arc::new(SequentialIds::default()));
    /// let mut desk = Product::new("desk", "Desk");
    /// desk.status = ProductStatus::Active;
    /// let mut v = Variant::new("DESK");
    /// v.prices = vec![Money::from_minor_units(30_000, Currency::EUR)];
    /// desk.variants.push(v);
    /// engine.create_product(desk)?;
    /// let (cart, v) = engine.create_cart(Currency::EUR, Some("buyer-1"))?;
    /// engine.add_to_cart(&cart.id, v, "DESK", 10, SortedMap::new())?;
    /// let deal = [("DESK", Money::from_minor_units(25_000, Currency::EUR))];
    /// let (quote, version) = engine.create_quote(&cart.id, &deal, Timestamp(86_400_000), "rep-ann")?;
    /// let (quoted_cart, _) = engine.accept_quote(&quote.id, version, 1)?;
    /// let priced = engine.price_cart(&quoted_cart.id)?;
    /// assert_eq!(priced.subtotal, Money::from_minor_units(250_000, Currency::EUR));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn create_quote(
        &self,
        cart: &str,
        prices: &[(&str, Money)],
        expires_at: Timestamp,
        by: &str,
    ) -> Result<(Quote, u64)> {
        let (cart, _) = self.cart(cart)?;
        let Some(customer) = cart.customer.as_deref().map(str::to_owned) else {
            return Err(crate::catalog::limits::invalid(
                "quote",
                "customer",
                format!("cart {} is a guest cart", shown(&cart.id)),
            ));
        };
        let wanted: Vec<(&str, u64)> = cart.lines.iter().map(|l| (&*l.sku, l.qty)).collect();
        let lines = self.quote_lines(&wanted, cart.currency, prices)?;
        let mut quote = Quote::new(
            self.ids.next_id("quo"),
            customer,
            cart.currency,
            lines,
            expires_at,
            by,
            self.clock.now(),
        )?;
        quote.company = self.company_of(&quote.customer)?;
        let event = self.quote_event(&quote);
        let version = self
            .store
            .save(QUOTES, &quote.id, None, to_json(&quote)?, vec![event])?;
        Ok((quote, version))
    }

    /// The quote `id` and its version.
    ///
    /// # Errors
    ///
    /// `unknown_quote`.
    pub fn quote(&self, id: &str) -> Result<(Quote, u64)> {
        let doc = self
            .store
            .load(QUOTES, id)?
            .ok_or_else(|| Error::UnknownQuote { id: shown(id) })?;
        Ok((from_json("quote", doc.value)?, doc.version))
    }

    /// Replaces the offer of quote `id` (read at version `expected`) with
    /// `lines` (SKU, units) at the catalog's prices or the negotiated
    /// `prices`, valid until `expires_at`. The replaced revision stays in
    /// the quote as it was.
    ///
    /// # Errors
    ///
    /// `unknown_quote`, `concurrent_modification`, `quote_expired`,
    /// `quote_refused` unless open; as [`Engine::create_quote`].
    pub fn revise_quote(
        &self,
        id: &str,
        expected: u64,
        lines: &[(&str, u64)],
        prices: &[(&str, Money)],
        expires_at: Timestamp,
        by: &str,
    ) -> Result<(Quote, u64)> {
        let (mut quote, _) = self.quote(id)?;
        let lines = self.quote_lines(lines, quote.currency, prices)?;
        quote.revise(lines, expires_at, by, self.clock.now())?;
        self.save_quote(quote, expected)
    }

    /// Withdraws quote `id` (read at version `expected`).
    ///
    /// # Errors
    ///
    /// `unknown_quote`, `concurrent_modification`, `quote_refused` once
    /// accepted or withdrawn.
    pub fn withdraw_quote(&self, id: &str, expected: u64, by: &str) -> Result<(Quote, u64)> {
        let (mut quote, _) = self.quote(id)?;
        quote.withdraw(by, self.clock.now())?;
        self.save_quote(quote, expected)
    }

    /// Accepts revision `revision` of quote `id` (read at version
    /// `expected`): a new cart of the buyer holding the quoted lines, which
    /// [`Engine::price_cart`] and checkout price at the quoted unit prices
    /// (no promotions on top; tax and shipping as usual) until the quote
    /// expires. The quote and the cart are saved together.
    ///
    /// # Errors
    ///
    /// `unknown_quote`, `concurrent_modification`, `quote_expired`,
    /// `quote_refused` (not open, or a superseded revision), `unknown_sku`
    /// for a quoted variant that is gone.
    pub fn accept_quote(&self, id: &str, expected: u64, revision: u32) -> Result<(Arc<Cart>, u64)> {
        let (mut quote, _) = self.quote(id)?;
        let now = self.clock.now();
        let mut cart = Cart::new(self.ids.next_id("cart"), quote.currency, now);
        cart.customer = Some(Arc::from(quote.customer.as_str()));
        cart.quote = Some(quote.id.clone());
        quote.accept(revision, String::from(&*cart.id), now)?;
        for line in &quote.current.lines {
            let (product, index) = self.product_by_sku(&line.sku)?;
            self.add_priced_line(&mut cart, &product, index, line.qty, SortedMap::new(), now)?;
            // The snapshot shows the price the buyer pays.
            if let Some(snapshot) = cart
                .lines
                .iter_mut()
                .find(|l| *l.sku == *line.sku)
                .and_then(|l| l.snapshot.as_mut())
            {
                snapshot.unit_price = line.unit_price;
            }
        }
        let events = vec![
            self.event(EventKind::CartCreated {
                cart: (&*cart.id).into(),
                customer: cart.customer.as_deref().map(Into::into),
            }),
            self.quote_event(&quote),
        ];
        let writes = vec![
            DocumentWrite::new(QUOTES, &quote.id, Some(expected), to_json(&quote)?),
            DocumentWrite::new(CARTS, &cart.id, None, to_json(&cart)?),
        ];
        let versions = self.store.save_all(writes, events)?;
        Ok((Arc::new(cart), versions.get(1).copied().unwrap_or(1)))
    }

    /// The quote `cart` was accepted from, checked for pricing: accepted
    /// into this cart, not expired, and the cart's lines (SKU and units)
    /// still the quoted ones.
    ///
    /// # Errors
    ///
    /// `unknown_quote`, `quote_expired`, `quote_refused`.
    pub(super) fn quote_for_pricing(&self, cart: &Cart, id: &str) -> Result<Quote> {
        let (quote, _) = self.quote(id)?;
        match &quote.state {
            QuoteState::Accepted { cart: into, .. } if **into == *cart.id => {}
            _ => {
                return Err(quote.refused(
                    "price",
                    format!("it was not accepted into cart {}", shown(&cart.id)),
                ))
            }
        }
        if self.clock.now() >= quote.current.expires_at {
            return Err(quote.expired());
        }
        let mut in_cart: Vec<(&str, u64)> = Vec::new();
        for l in &cart.lines {
            match in_cart.iter_mut().find(|(sku, _)| *sku == &*l.sku) {
                Some((_, qty)) => *qty += l.qty,
                None => in_cart.push((&l.sku, l.qty)),
            }
        }
        let quoted: Vec<(&str, u64)> = quote
            .current
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.qty))
            .collect();
        let same = in_cart.len() == quoted.len() && quoted.iter().all(|q| in_cart.contains(q));
        if !same {
            return Err(quote.refused(
                "price",
                format!("the cart's lines {in_cart:?} are not the quoted {quoted:?}"),
            ));
        }
        Ok(quote)
    }

    /// Quoted lines for (SKU, units): the catalog price as the list price,
    /// the negotiated price from `prices` or the list price.
    fn quote_lines(
        &self,
        wanted: &[(&str, u64)],
        currency: Currency,
        prices: &[(&str, Money)],
    ) -> Result<Vec<QuoteLine>> {
        if let Some((sku, _)) = prices
            .iter()
            .find(|(sku, _)| !wanted.iter().any(|(w, _)| w == sku))
        {
            return Err(crate::catalog::limits::invalid(
                "quote",
                "prices",
                format!("a price for {} which is not quoted", shown(sku)),
            ));
        }
        wanted
            .iter()
            .map(|&(sku, qty)| {
                let (product, index) = self.product_by_sku(sku)?;
                let variant = product
                    .variants
                    .get(index)
                    .ok_or_else(|| Error::UnknownSku {
                        sku: shown(sku),
                        line: 0,
                    })?;
                let list_price =
                    variant
                        .price(currency)
                        .ok_or_else(|| Error::NoPriceForCurrency {
                            sku: shown(sku),
                            currency,
                        })?;
                let unit_price = prices
                    .iter()
                    .find(|(s, _)| *s == sku)
                    .map_or(list_price, |(_, p)| *p);
                Ok(QuoteLine {
                    sku: sku.to_owned(),
                    qty,
                    list_price,
                    unit_price,
                })
            })
            .collect()
    }

    fn save_quote(&self, quote: Quote, expected: u64) -> Result<(Quote, u64)> {
        let event = self.quote_event(&quote);
        let version = self.store.save(
            QUOTES,
            &quote.id,
            Some(expected),
            to_json(&quote)?,
            vec![event],
        )?;
        Ok((quote, version))
    }

    /// Records the expiry of every open quote past its expiry not yet
    /// recorded, among up to `limit` quotes after the quote id `after`:
    /// each gets a `quote_changed` event with status `expired` (once, so a
    /// host can follow up with the buyer). Returns the quotes recorded and
    /// where to continue (none: the end).
    ///
    /// # Errors
    ///
    /// Storage failures. A quote changed meanwhile is skipped (the next
    /// sweep sees it).
    pub fn expire_quotes(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>)> {
        let now = self.clock.now();
        let (page, next) = self.scan_page(QUOTES, after, limit)?;
        let mut expired = Vec::new();
        for (id, doc) in page {
            let mut quote: Quote = from_json("quote", doc.value)?;
            if !quote.record_expiry(now) {
                continue;
            }
            let events = vec![self.quote_event(&quote)];
            if self.save_swept(QUOTES, &id, doc.version, to_json(&quote)?, events)? {
                expired.push(id);
            }
        }
        Ok((expired, next))
    }

    fn quote_event(&self, quote: &Quote) -> crate::store::NewEvent {
        self.event(EventKind::QuoteChanged {
            quote: quote.id.as_str().into(),
            customer: quote.customer.as_str().into(),
            status: quote.status_at(self.clock.now()),
            revision: quote.current.revision,
        })
    }
}
