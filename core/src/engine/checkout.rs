//! Completing a checkout: one order per cart, whatever the retries and
//! races (the browser and the payment webhook, a double click, a timeout).
//!
//! 1. Claim the idempotency key (see `idempotency.rs`). The same key
//!    again returns the same order, or `checkout_in_progress` while the
//!    first call runs, or `idempotency_key_reused` for another cart. A key
//!    whose attempt failed may be used again (the failure consumed
//!    nothing).
//! 2. Price the cart with the stored coupon counts; reserve its stock, all
//!    lines at once (demand added up, kits expanded), creating a new key's
//!    record in the same atomic step (only one of two calls racing with
//!    one key gets past it).
//! 3. Authorize the grand total with the provider, outside any store
//!    operation, under a key derived from the cart, its version, the
//!    idempotency key and the attempt (a retry after a timeout replays the
//!    same authorization; a losing attempt voids only its own; a new
//!    attempt after a decline asks afresh).
//! 4. Place the order in one atomic store step: order (created only if
//!    absent: one per cart), cart (completed, at the version read), key
//!    (done), coupon counts, stock committed, events. Its number comes
//!    from the same step where the store can
//!    ([`crate::store::OrderStore::place_numbered_order`]: a failed
//!    placement takes none), else from
//!    [`crate::store::DocumentStore::next_number`] just before (atomic, so
//!    numbers never repeat; a checkout failing after it leaves a gap).
//!    Coupon conflicts are retried; a lost race for the order returns the
//!    winner's order.
//! 5. Capture under a key derived from the order, retried on a timeout.
//!
//! Any failure before step 4 releases the stock and voids the
//! authorization: a failed payment consumes no coupon use and no stock.

use super::cart_pricing::PricingSettings;
use std::cell::Cell;
use std::sync::Arc;

use super::store_credit::CREDIT;
use super::Engine;
use crate::cart::Cart;
use crate::checkout::{CheckoutCommand, CheckoutState};
use crate::coupon::CouponUsage;
use crate::error::{shown, Error, Result};
use crate::inventory::{Reservation, StockRecord};
use crate::order::{CommittedStock, Order, OrderPayment};
use crate::payment::{GatewayOutcome, GatewayRequest, PaymentGateway};
use crate::pricing::NotAppliedReason;
use crate::store::{DocumentWrite, EventKind, NewEvent, Store};

pub(super) const KEYS: &str = "idempotency";
pub(super) const ORDERS: &str = "orders";
const CARTS: &str = "carts";
const COUPONS: &str = "coupons";

/// How checkouts complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutOptions {
    /// The stock location orders draw from.
    pub location: String,
    /// How long reservations live if a completion dies half-way.
    pub reservation_ttl_ms: i64,
    /// After this long, a key still marked in progress is taken over (its
    /// process died).
    pub in_progress_lease_ms: i64,
    /// Retries of a provider call that timed out (same key each time).
    pub gateway_retries: u32,
    /// Capture the payment when the order is placed (the default). Off,
    /// the order is placed with the payment authorized and the money is
    /// taken later (`Engine::record_payment`): bank transfer, cash on
    /// delivery, on account.
    pub capture_now: bool,
    /// For an order paid later: when the money is due (terms from the
    /// order's placement, and how it is split). The order keeps the
    /// schedule, and each recorded payment pays its parts in due order.
    pub terms: Option<(crate::payment::PaymentTerms, crate::payment::Plan)>,
    /// How the shopper pays: several tenders split the total (store
    /// credit, a gift card, then a card for the rest; see
    /// [`crate::payment::split_tenders`]). Empty (the default): one
    /// payment of the whole total through the gateway.
    pub tenders: Vec<crate::payment::Tender>,
}

impl Default for CheckoutOptions {
    fn default() -> Self {
        CheckoutOptions {
            location: "main".into(),
            reservation_ttl_ms: 15 * 60_000,
            in_progress_lease_ms: 60_000,
            gateway_retries: 3,
            capture_now: true,
            terms: None,
            tenders: Vec::new(),
        }
    }
}

/// A coupon's stored usage: (upper-case code, usage, stored version).
type CouponRow = (String, CouponUsage, Option<u64>);

/// A numbered order, its documents and its events, ready to place.
type Placement = (Arc<Order>, Vec<DocumentWrite>, Vec<NewEvent>);

use super::cart_pricing::{Audience, PRICING_DOC};
use super::customer::CUSTOMERS;
use super::idempotency::{Claim, KeyHold, KeyRecord, KeyState};
use super::read_ahead::ReadAhead;

impl<S: Store> Engine<S> {
    /// Completes the checkout of cart `cart_id` under `idempotency_key`,
    /// paying through `gateway`: exactly one order per cart. Returns the
    /// order shared with the store that keeps it (the in-memory store
    /// keeps values), as cart operations return their cart.
    ///
    /// # Errors
    ///
    /// `idempotency_key_reused` (the key belongs to another cart),
    /// `checkout_in_progress`, `invalid_transition` (the cart has no
    /// shipping choice yet), `insufficient_stock`, `payment_failed`,
    /// `coupon_usage_limit_reached`, `coupon_customer_limit_reached`,
    /// `concurrent_modification` (the cart changed meanwhile), the pricing
    /// kernel's errors. After any error nothing stays reserved or counted.
    pub fn complete_checkout(
        &self,
        cart_id: &str,
        idempotency_key: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Arc<Order>> {
        crate::catalog::limits::text("checkout", "idempotency_key", idempotency_key, 128)?;
        // The key, the cart, the pricing settings and (when this engine
        // knows the cart) its customer, read together: one round trip on
        // a server database. A second attempt reads again.
        let customer = self
            .store
            .batches_reads()
            .then(|| self.kept_cart_customer(cart_id))
            .flatten();
        let keys = [
            (KEYS, idempotency_key),
            (CARTS, cart_id),
            PRICING_DOC,
            (CUSTOMERS, customer.as_deref().unwrap_or_default()),
        ];
        let known = if customer.is_some() { 4 } else { 3 };
        let mut ahead = ReadAhead::load(&self.store, &keys[..known])?;
        // A key claimed by someone else between our look and our
        // reservation: look again (their record decides), a few times.
        for _ in 0..4 {
            let mut hold = match self.claim(cart_id, idempotency_key, options, &mut ahead)? {
                Claim::Owned(hold) => hold,
                Claim::Replay(result) => return *result,
            };
            let result = self.run_checkout(
                cart_id,
                idempotency_key,
                &mut hold,
                gateway,
                options,
                &mut ahead,
            );
            if let Err(e) = &result {
                if hold.lost_to_another(e) {
                    continue;
                }
                self.record_failure(cart_id, idempotency_key, &hold, e);
            }
            return result;
        }
        Err(Error::CheckoutInProgress {
            key: shown(idempotency_key),
        })
    }

    /// The order `id`.
    ///
    /// # Errors
    ///
    /// `unknown_order`.
    pub fn order(&self, id: &str) -> Result<(Order, u64)> {
        let doc = self.order_doc(id)?;
        Ok((doc.value.read("order")?, doc.version))
    }

    /// The order `id` as the store keeps it (shared, not copied, when the
    /// store keeps values).
    pub(super) fn shared_order(&self, id: &str) -> Result<Arc<Order>> {
        self.order_doc(id)?.value.read_shared("order")
    }

    /// The stored document of order `id`.
    fn order_doc(&self, id: &str) -> Result<crate::store::Versioned> {
        self.store
            .load(ORDERS, id)?
            .ok_or_else(|| Error::UnknownOrder { id: shown(id) })
    }

    /// Calls the provider, retrying under the same key while the outcome
    /// is unknown (a timeout may have succeeded).
    pub(super) fn call(
        &self,
        gateway: &dyn PaymentGateway,
        request: &GatewayRequest,
        key: &str,
        retries: u32,
    ) -> GatewayOutcome {
        let mut outcome = gateway.call(request, key);
        for _ in 0..retries {
            if !matches!(outcome, GatewayOutcome::Unknown { .. }) {
                break;
            }
            outcome = gateway.call(request, key);
        }
        outcome
    }

    /// Stored coupon counts, and the settings with them filled in (the
    /// settings themselves when no promotion has a coupon).
    fn coupon_state<'s>(
        &self,
        settings: &'s PricingSettings,
    ) -> Result<(std::borrow::Cow<'s, PricingSettings>, Vec<CouponRow>)> {
        if settings.promotions.iter().all(|p| p.coupon_code.is_none()) {
            return Ok((std::borrow::Cow::Borrowed(settings), Vec::new()));
        }
        let mut out = settings.clone();
        let mut state = Vec::new();
        for promo in &mut out.promotions {
            let Some(code) = promo.coupon_code.clone() else {
                continue;
            };
            let id = code.to_ascii_uppercase();
            let usage = match self.store.load(COUPONS, &id)? {
                Some(doc) => (doc.value.read::<CouponUsage>("coupon")?, Some(doc.version)),
                None => match &promo.coupon_usage {
                    Some(u) => (u.clone(), None),
                    None => (CouponUsage::new(code.clone(), None, None), None),
                },
            };
            promo.coupon_usage = Some(usage.0.clone());
            state.push((id, usage.0, usage.1));
        }
        Ok((std::borrow::Cow::Owned(out), state))
    }

    fn run_checkout(
        &self,
        cart_id: &str,
        key: &str,
        hold: &mut KeyHold,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
        ahead: &mut ReadAhead<'_>,
    ) -> Result<Arc<Order>> {
        let (cart, cart_version) =
            self.cart_of(cart_id, ahead.take(&self.store, CARTS, cart_id)?)?;
        let order_id = Order::id_for(cart_id);
        if cart.checkout == CheckoutState::Completed {
            return self.finish_with(&order_id, cart_id, key, hold.version());
        }
        // A cart that skipped shipping must have nothing to ship.
        let settled = matches!(
            cart.checkout,
            CheckoutState::ShippingSelected
                | CheckoutState::PaymentPending
                | CheckoutState::Authorized
        );
        if settled && cart.shipping_method.is_none() {
            self.refuse_shipped_lines(&cart)?;
        }
        let mut done = Cart::clone(&cart);
        let now = self.clock.now();
        if done.checkout == CheckoutState::ShippingSelected {
            done.step(CheckoutCommand::StartPayment, now)?;
        }
        if done.checkout == CheckoutState::PaymentPending {
            done.step(CheckoutCommand::PaymentAuthorized, now)?;
        }
        done.step(CheckoutCommand::Complete, now)?;
        let done = Arc::new(done);

        let (settings, _) =
            self.pricing_of(ahead.take(&self.store, PRICING_DOC.0, PRICING_DOC.1)?)?;
        let (priced_settings, _) = self.coupon_state(&settings)?;
        // The customer is read once, for pricing and for the company.
        let profile = match &cart.customer {
            Some(id) => self
                .customer_of(ahead.take(&self.store, CUSTOMERS, id)?)?
                .map(|(profile, _)| profile),
            None => None,
        };
        let audience = profile
            .as_ref()
            .map(|p| self.audience_of(p, cart.currency))
            .transpose()?;
        // The catalog is read once, for pricing and for the kits to reserve.
        let skus: Vec<&str> = cart.lines.iter().map(|l| &*l.sku).collect();
        // As new as the read ahead saw it: no second look on a server.
        let catalog = self
            .store
            .pricing_catalog_as_of(&skus, ahead.catalog_mark())?;
        let kits = super::inventory::kits_of(&catalog.0);
        let priced = self.price_for(
            &cart,
            &priced_settings,
            Audience::Known(audience),
            Some(catalog),
            now,
        )?;
        // A coupon the shopper entered that is used up is an error, not a
        // silent full price.
        for skipped in &priced.promotions_not_applied {
            let code = || {
                settings
                    .promotions
                    .iter()
                    .find(|p| p.id == skipped.id)
                    .and_then(|p| p.coupon_code.clone())
                    .unwrap_or_default()
            };
            match skipped.reason {
                NotAppliedReason::CouponUsageLimitReached { limit } => {
                    return Err(Error::CouponUsageLimitReached {
                        code: code(),
                        limit,
                    })
                }
                NotAppliedReason::CouponCustomerLimitReached { limit } => {
                    return Err(Error::CouponCustomerLimitReached {
                        code: code(),
                        customer: cart.customer.as_deref().unwrap_or_default().to_owned(),
                        limit,
                    })
                }
                _ => {}
            }
        }
        let amount = priced.grand_total;
        // What the order will hold besides its lines, prepared once (a
        // placement retried on a coupon race reuses it) and before any
        // stock is held, so a failure here needs no undoing.
        let mut payments = self.prepare_payments(&cart, amount, options, now)?;
        let company = profile.and_then(|p| p.company.map(|m| m.company));
        let items: Vec<(&Arc<str>, u64)> = cart.lines.iter().map(|l| (&l.sku, l.qty)).collect();
        // A key not yet stored is claimed with the stock: one commit.
        let claim = hold.write(key).into_iter().collect();
        // A server database takes the order number with the stock (one
        // round trip fewer; see `try_place`).
        let (reservations, parts, versions, taken_number) = self.reserve_kits(
            &options.location,
            &items,
            kits,
            options.reservation_ttl_ms,
            claim,
            Some(ORDERS),
            now,
        )?;
        if let Some(&version) = versions.first() {
            *hold = KeyHold::Claimed(version);
        }
        let key_version = hold.version().unwrap_or(0);
        let held = CommittedStock {
            reservations: reservations.iter().map(|r| r.id.clone()).collect(),
            location: options.location.clone(),
            parts,
        };
        let release = |held: &[Reservation]| {
            for r in held {
                let _ = self.release(&r.id);
            }
        };
        // One authorization per attempt and tender: a losing attempt voids
        // its own, never the winner's. Nothing to pay (a 100 % promotion)
        // asks no provider.
        let (mut cart_digits, mut key_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
        let attempt = [
            cart_id,
            ":",
            cart_digits.format(cart_version),
            ":",
            key,
            ":",
            key_digits.format(key_version),
        ]
        .concat();
        let void_base = ["void:", &attempt].concat();
        if let Err(e) = self.authorize_payments(
            &mut payments,
            &["auth:", &attempt].concat(),
            &void_base,
            gateway,
            options,
        ) {
            release(&reservations);
            return Err(e);
        }
        let void = || self.void_payments(&payments, &void_base, gateway, options);
        let used: Vec<String> = priced
            .promotions_applied
            .iter()
            .filter_map(|a| settings.promotions.iter().find(|p| p.id == a.id))
            .filter_map(|p| p.coupon_code.clone())
            .collect();
        // The order number: taken with the stock by a store that did,
        // else in the placement by a store that can, else once before the
        // first placement (see `try_place`).
        let number = Cell::new(taken_number);
        let mut placed = None;
        for attempt in 0..64u32 {
            if attempt > 0 {
                // Another checkout took a coupon use (or spent store
                // credit) first; a store that shares commits between
                // writers shows it only once that commit lands, so wait a
                // little longer after each conflict (20 us doubling, at
                // most 5 ms).
                let micros = 20u64 << attempt.min(8);
                std::thread::sleep(std::time::Duration::from_micros(micros.min(5_000)));
            }
            match self.try_place(
                &done,
                &number,
                cart_version,
                key,
                key_version,
                &priced,
                &settings,
                &used,
                &held,
                &payments,
                company.as_deref(),
                // A retry after a conflict places at its own time.
                if attempt == 0 { now } else { self.clock.now() },
            ) {
                Ok(order) => {
                    placed = Some(order);
                    break;
                }
                Err(Error::ConcurrentModification { entity, .. })
                    if entity.starts_with(COUPONS) || entity.starts_with(CREDIT) =>
                {
                    continue
                }
                Err(Error::ConcurrentModification { entity, .. })
                    if entity.starts_with(ORDERS) || entity.starts_with(CARTS) =>
                {
                    release(&reservations);
                    void();
                    if self.store.load(ORDERS, &order_id)?.is_some() {
                        // Another attempt on this cart won: its order is the answer.
                        return self.finish_with(&order_id, cart_id, key, Some(key_version));
                    }
                    return Err(Error::ConcurrentModification {
                        entity,
                        expected: Some(cart_version),
                        current: None,
                    });
                }
                Err(e) => {
                    release(&reservations);
                    void();
                    return Err(e);
                }
            }
        }
        let Some(placed) = placed else {
            release(&reservations);
            void();
            return Err(Error::CheckoutInProgress { key: shown(key) });
        };
        if !options.capture_now || amount.is_zero() {
            return Ok(placed);
        }
        // The placed order stays as stored (version 1); the captured one
        // is a new value (copied only when the store keeps the placed one).
        let mut order = Arc::unwrap_or_clone(placed);
        let events = self.capture_payments(&mut order, gateway, options)?;
        if events.is_empty() {
            return Ok(Arc::new(order));
        }
        order.status = order.derive_status();
        let order = Arc::new(order);
        // The capture happened; if this save loses a race the order
        // document is re-read by whoever reads it next.
        let _ = self.store.save(
            ORDERS,
            &order.id,
            Some(1),
            self.body_of(Arc::clone(&order))?,
            events,
        );
        Ok(order)
    }

    #[allow(clippy::too_many_arguments)]
    fn try_place(
        &self,
        done: &Arc<Cart>,
        number: &Cell<Option<u64>>,
        cart_version: u64,
        key: &str,
        key_version: u64,
        priced: &crate::pricing::PriceBreakdown,
        settings: &PricingSettings,
        used: &[String],
        held: &CommittedStock,
        payments: &[OrderPayment],
        company: Option<&str>,
        now: crate::pricing::Timestamp,
    ) -> Result<Arc<Order>> {
        let (_, coupons) = self.coupon_state(settings)?;
        let customer = done.customer.clone().unwrap_or_default();
        let mut writes = Vec::new();
        for code in used {
            let id = code.to_ascii_uppercase();
            if let Some((_, usage, version)) = coupons.iter().find(|(c, _, _)| *c == id) {
                let mut usage = usage.clone();
                usage.redeem(&customer, Ok(()))?;
                let usage = self.body_of(Arc::new(usage))?;
                writes.push(DocumentWrite::new(COUPONS, &id, *version, usage));
            }
        }
        // Numbered below: the number is the only part that waits for it.
        let mut order = Order::place(
            done,
            priced,
            0,
            used.to_vec(),
            held,
            payments.first().cloned().ok_or(Error::InvalidState {
                operation: "place",
                status: "no payment",
            })?,
            now,
        );
        order.more_payments = payments.get(1..).unwrap_or_default().to_vec();
        order.company = company.map(str::to_owned);
        let credit = self.spend_credit(&order)?;
        let record = KeyRecord {
            cart: Arc::clone(&done.id),
            at: now,
            state: KeyState::Done {
                order: Arc::clone(&order.id),
            },
        };
        writes.push(DocumentWrite::new(
            CARTS,
            &done.id,
            Some(cart_version),
            self.body_of(Arc::clone(done))?,
        ));
        writes.push(DocumentWrite::new(
            KEYS,
            key,
            Some(key_version),
            self.body_of(Arc::new(record))?,
        ));
        let mut events: Vec<NewEvent> = Vec::with_capacity(2);
        events.push(self.cart_updated(&done.id, cart_version + 1, done.checkout, now));
        if let Some((write, event)) = credit {
            writes.push(write);
            events.push(event);
        }
        // The order under `n`: its document and its event join the rest.
        // (Given the writes and events to join: copies for a store that
        // numbers placements, the originals otherwise.)
        let numbered = |order: Order,
                        n: u64,
                        writes: Vec<DocumentWrite>,
                        events: Vec<NewEvent>|
         -> Result<Placement> {
            let mut order = order;
            order.number = n;
            let order = Arc::new(order);
            let body = self.body_of(Arc::clone(&order))?;
            let mut all = Vec::with_capacity(writes.len() + 1);
            all.push(DocumentWrite::new(ORDERS, &order.id, None, body));
            all.extend(writes);
            // (Room for the store's `stock_committed` event per reservation.)
            let mut placed = Vec::with_capacity(events.len() + 1 + held.reservations.len());
            placed.push(self.event_at(
                EventKind::OrderPlaced {
                    order: (&*order.id).into(),
                    number: n,
                    cart: (&*done.id).into(),
                    total: order.grand_total,
                },
                now,
            ));
            placed.extend(events);
            Ok((order, all, placed))
        };
        let committed = |r: &Reservation, after: &StockRecord| self.stock_committed(r, after, now);
        // A number taken with the stock is used as it is. Else a store
        // that numbers placements takes the number itself (SQLite: none
        // for a placement that fails); otherwise the number is taken
        // first, once (a retry keeps it; a failed checkout leaves a gap).
        let n = match number.get() {
            Some(n) => n,
            None => {
                // (A store that numbers placements gets a copy per attempt.)
                let copy = |n: u64| {
                    numbered(order.clone(), n, writes.clone(), events.clone())
                        .map(|(_, all, ev)| (all, ev))
                };
                if let Some(n) = self.store.place_numbered_order(
                    ORDERS,
                    &copy,
                    &held.reservations,
                    &committed,
                )? {
                    order.number = n;
                    return Ok(Arc::new(order));
                }
                let n = self.store.next_number(ORDERS)?;
                number.set(Some(n));
                n
            }
        };
        let (order, all, placed) = numbered(order, n, writes, events)?;
        self.place_committing(all, &held.reservations, placed, now)?;
        Ok(order)
    }
}
