//! The engine's inventory operations.

use std::sync::Arc;

use super::Engine;
use crate::catalog::limits;
use crate::catalog::{Component, SkuFacts};
use crate::error::Result;
use crate::inventory::{Reservation, StockKey, StockPolicy, StockRecord};
use crate::pricing::Timestamp;
use crate::store::{EventKind, NewEvent, StockChange, Store};

/// A `low_stock` event when `available` crosses the threshold downwards.
/// A key that creates a record must fit the catalog's limits (a SKU of at
/// most [`limits::MAX_SKU_BYTES`], a location id of at most
/// [`limits::MAX_ID_BYTES`]), checked before any store sees it.
fn check_key(key: &StockKey) -> Result<()> {
    limits::text("stock", "sku", &key.sku, limits::MAX_SKU_BYTES)?;
    limits::text("stock", "location", &key.location, limits::MAX_ID_BYTES)
}

/// A reason is kept in the event; at most [`limits::MAX_NAME_BYTES`].
fn check_reason(reason: &str) -> Result<()> {
    limits::optional_text("stock", "reason", reason, limits::MAX_NAME_BYTES)
}

fn low_stock(key: &StockKey, before: &StockRecord, after: &StockRecord) -> Option<EventKind> {
    let threshold = after.low_stock_threshold?;
    let (was, is) = (before.level.available(), after.level.available());
    (is <= threshold && was > threshold).then(|| EventKind::LowStock {
        key: key.clone(),
        available: is,
        threshold,
    })
}

/// What [`Engine::reserve_kits`] holds: the reservations, each item's kit
/// components, the new versions of the documents written with them, and
/// the number the store took with them (when asked and able:
/// [`crate::store::InventoryStore::reserve_all_and_write_numbered`]).
pub(super) type HeldKits = (Vec<Reservation>, Vec<Vec<Component>>, Vec<u64>, Option<u64>);

/// An item's SKU as [`Engine::reserve_kits`] takes it: text, or text
/// already shared (a cart line's), which the reservation then shares
/// instead of copying.
pub(super) trait ItemSku {
    /// The SKU.
    fn text(&self) -> &str;
    /// The SKU as shared text for a reservation's key.
    fn shared(&self) -> Arc<str>;
}

impl ItemSku for &str {
    fn text(&self) -> &str {
        self
    }

    fn shared(&self) -> Arc<str> {
        Arc::from(*self)
    }
}

impl ItemSku for &Arc<str> {
    fn text(&self) -> &str {
        self
    }

    fn shared(&self) -> Arc<str> {
        Arc::clone(self)
    }
}

impl<S: Store> Engine<S> {
    /// Events for a change, plus a `low_stock` event when it crosses the threshold.
    fn with_low_stock(
        &self,
        key: &StockKey,
        kind: EventKind,
        before: &StockRecord,
        after: &StockRecord,
        at: Timestamp,
    ) -> Vec<NewEvent> {
        let mut events = Vec::with_capacity(1);
        self.push_with_low_stock(key, kind, before, after, at, &mut events);
        events
    }

    /// [`Engine::with_low_stock`] pushed onto `out`.
    fn push_with_low_stock(
        &self,
        key: &StockKey,
        kind: EventKind,
        before: &StockRecord,
        after: &StockRecord,
        at: Timestamp,
        out: &mut Vec<NewEvent>,
    ) {
        out.push(self.event_at(kind, at));
        out.extend(low_stock(key, before, after).map(|k| self.event_at(k, at)));
    }

    /// Sets a key's policy and low-stock threshold (creating its record).
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or oversized SKU or location (see
    /// [`limits`]); storage failures.
    pub fn configure_stock(
        &self,
        key: &StockKey,
        policy: StockPolicy,
        low_stock_threshold: Option<i64>,
    ) -> Result<StockRecord> {
        check_key(key)?;
        let change = StockChange::Configure {
            policy,
            low_stock_threshold,
        };
        self.store.apply_stock(key, &change, &|_, _| {
            vec![self.event(EventKind::StockConfigured {
                key: key.clone(),
                policy,
                low_stock_threshold,
            })]
        })
    }

    /// Changes `on_hand` by `delta` for `reason` (creating the record).
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when on hand would fall below what is held;
    /// `invalid_field` for an empty or oversized SKU or location, or a
    /// reason over [`limits::MAX_NAME_BYTES`] (nothing reaches the store).
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::engine::Engine;
    /// use kassa::inventory::StockKey;
    /// let engine = Engine::in_memory();
    /// let key = StockKey::new("TEE-M", "main");
    /// engine.adjust_stock(&key, 10, "delivery")?;
    /// let reservation = engine.reserve(&key, 3, 15 * 60_000)?;
    /// assert_eq!(engine.stock(&key)?.unwrap().level.available(), 7);
    /// engine.release(&reservation.id)?;
    /// assert_eq!(engine.events_since(0, 10)?.len(), 3);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn adjust_stock(&self, key: &StockKey, delta: i64, reason: &str) -> Result<StockRecord> {
        check_key(key)?;
        check_reason(reason)?;
        self.store
            .apply_stock(key, &StockChange::Adjust { delta }, &|before, after| {
                let kind = EventKind::StockAdjusted {
                    key: key.clone(),
                    delta,
                    reason: reason.into(),
                    level: after.level,
                };
                self.with_low_stock(key, kind, before, after, self.clock.now())
            })
    }

    /// Sets `delta` units of `key` aside as unavailable for `reason`
    /// (negative: returns them to sale).
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer units are available (or
    /// unavailable, to return).
    pub fn set_aside(&self, key: &StockKey, delta: i64, reason: &str) -> Result<StockRecord> {
        check_reason(reason)?;
        self.store
            .apply_stock(key, &StockChange::SetAside { delta }, &|before, after| {
                let kind = EventKind::StockSetAside {
                    key: key.clone(),
                    delta,
                    reason: reason.into(),
                    level: after.level,
                };
                self.with_low_stock(key, kind, before, after, self.clock.now())
            })
    }

    /// Reserves `qty` units of `key` for `ttl_ms` milliseconds: an atomic
    /// conditional decrement, never an oversell.
    ///
    /// # Errors
    ///
    /// `insufficient_stock`, `unknown_stock`, `invalid_stock_operation`.
    pub fn reserve(&self, key: &StockKey, qty: u64, ttl_ms: i64) -> Result<Reservation> {
        let now = self.clock.now();
        let reservation = Reservation {
            id: self.ids.next_inline_id("res"),
            key: key.clone(),
            qty,
            expires_at: Timestamp(now.0.saturating_add(ttl_ms)),
        };
        self.store.reserve(&reservation, &|before, after| {
            let kind = EventKind::StockReserved {
                reservation: reservation.id.clone(),
                key: key.clone(),
                qty,
                level: after.level,
            };
            self.with_low_stock(key, kind, before, after, now)
        })?;
        Ok(reservation)
    }

    /// Releases a reservation.
    ///
    /// # Errors
    ///
    /// `unknown_reservation` when it is not open (already released or committed).
    pub fn release(&self, reservation_id: &str) -> Result<StockRecord> {
        self.settle(reservation_id, false, false)
    }

    /// Turns a reservation into committed stock (the order was placed).
    ///
    /// # Errors
    ///
    /// `unknown_reservation` when it is not open.
    pub fn commit(&self, reservation_id: &str) -> Result<StockRecord> {
        self.settle(reservation_id, true, false)
    }

    fn settle(&self, reservation_id: &str, commit: bool, expired: bool) -> Result<StockRecord> {
        let (_, after) = self
            .store
            .settle(reservation_id, commit, &|r, _, after, out| {
                let (reservation, key, qty, level) =
                    (r.id.clone(), r.key.clone(), r.qty, after.level);
                out.push(self.event(if commit {
                    EventKind::StockCommitted {
                        reservation,
                        key,
                        qty,
                        level,
                    }
                } else {
                    EventKind::StockReleased {
                        reservation,
                        key,
                        qty,
                        expired,
                        level,
                    }
                }));
            })?;
        Ok(after)
    }

    /// Ships `qty` committed units of `key`.
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer are committed.
    pub fn fulfil(&self, key: &StockKey, qty: u64) -> Result<StockRecord> {
        self.store
            .apply_stock(key, &StockChange::Fulfil { qty }, &|_, after| {
                vec![self.event(EventKind::StockFulfilled {
                    key: key.clone(),
                    qty,
                    level: after.level,
                })]
            })
    }

    /// Releases reservations that have expired by now, at most `limit`;
    /// returns how many it released. One released concurrently by the host
    /// is skipped.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn sweep_expired(&self, limit: usize) -> Result<usize> {
        let mut released = 0;
        for reservation in self.store.expired(self.clock.now(), limit)? {
            match self.settle(&reservation.id, false, true) {
                Ok(_) => released += 1,
                Err(e) if e.code() == "unknown_reservation" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// The stock record of `key`.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>> {
        self.store.stock(key)
    }
}

impl<S: Store> Engine<S> {
    /// Reserves `items` (SKU, units) at `location` for `ttl_ms`, all or
    /// nothing. A kit's SKU draws its components instead of itself, and the
    /// demand on each SKU is added up before it is checked (a kit and a
    /// loose unit of one of its parts compete for the same stock). Returns
    /// one reservation per SKU drawn, in order of first demand.
    ///
    /// # Errors
    ///
    /// `invalid_quantity` for a zero count, `insufficient_stock` naming the
    /// total demand, `unknown_stock`; nothing is reserved.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::catalog::{Component, Product, Variant};
    /// use kassa::engine::Engine;
    /// use kassa::inventory::StockKey;
    ///
    /// let engine = Engine::in_memory();
    /// let mut kit = Product::new("kit", "Tea kit");
    /// let mut v = Variant::new("KIT");
    /// v.components = vec![Component { sku: "CUP".into(), qty: 2 }, Component { sku: "TEA".into(), qty: 1 }];
    /// kit.variants.push(v);
    /// engine.create_product(kit)?;
    /// engine.adjust_stock(&StockKey::new("CUP", "main"), 5, "delivery")?;
    /// engine.adjust_stock(&StockKey::new("TEA", "main"), 9, "delivery")?;
    ///
    /// // 2 kits + 1 loose cup = 5 cups: fits. One more cup would not.
    /// let held = engine.reserve_items("main", &[("KIT", 2), ("CUP", 1)], 60_000)?;
    /// assert_eq!(held.iter().map(|r| (&*r.key.sku, r.qty)).collect::<Vec<_>>(), [("CUP", 5), ("TEA", 2)]);
    /// let err = engine.reserve_items("main", &[("CUP", 1)], 60_000).unwrap_err();
    /// assert_eq!(err.code(), "insufficient_stock");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn reserve_items(
        &self,
        location: &str,
        items: &[(&str, u64)],
        ttl_ms: i64,
    ) -> Result<Vec<Reservation>> {
        Ok(self.reserve_lines(location, items, ttl_ms)?.0)
    }

    /// Per SKU, its kit components (empty for a plain variant or an
    /// unknown SKU): what one unit draws from stock.
    pub(super) fn kit_components(&self, skus: &[&str]) -> Result<Vec<Vec<Component>>> {
        Ok(kits_of(&self.store.products_by_skus(skus)?))
    }

    /// [`Engine::reserve_items`], also returning each item's kit
    /// components (empty for a plain variant): what one unit of it draws
    /// from stock, which an order keeps to ship or give back later.
    pub(super) fn reserve_lines(
        &self,
        location: &str,
        items: &[(&str, u64)],
        ttl_ms: i64,
    ) -> Result<(Vec<Reservation>, Vec<Vec<Component>>)> {
        let skus: Vec<&str> = items.iter().map(|&(sku, _)| sku).collect();
        let kits = self.kit_components(&skus)?;
        let (reservations, parts, _, _) = self.reserve_kits(
            location,
            items,
            kits,
            ttl_ms,
            Vec::new(),
            None,
            self.clock.now(),
        )?;
        Ok((reservations, parts))
    }

    /// Places `writes` with the reservations `commit` turned into committed
    /// stock ([`crate::store::OrderStore::place_order`]), recording
    /// `events` and a `stock_committed` event per reservation.
    pub(super) fn place_committing(
        &self,
        writes: Vec<crate::store::DocumentWrite>,
        commit: &[crate::inventory::ReservationId],
        events: Vec<crate::store::NewEvent>,
        now: Timestamp,
    ) -> Result<Vec<u64>> {
        self.store.place_order(writes, commit, events, &|r, after| {
            self.stock_committed(r, after, now)
        })
    }

    /// The `stock_committed` event of reservation `r` placed, its record
    /// now `after`.
    pub(super) fn stock_committed(
        &self,
        r: &Reservation,
        after: &StockRecord,
        at: Timestamp,
    ) -> crate::store::NewEvent {
        self.event_at(
            EventKind::StockCommitted {
                reservation: r.id.clone(),
                key: r.key.clone(),
                qty: r.qty,
                level: after.level,
            },
            at,
        )
    }

    /// [`Engine::reserve_lines`] with each item's kit components already
    /// read (`kits`, in the order of `items`), saving `writes` in the same
    /// atomic step (their new versions come third), and with `number_of`,
    /// perhaps taking the next number of that sequence too (last).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reserve_kits(
        &self,
        location: &str,
        items: &[(impl ItemSku, u64)],
        kits: Vec<Vec<Component>>,
        ttl_ms: i64,
        writes: Vec<crate::store::DocumentWrite>,
        number_of: Option<&str>,
        now: Timestamp,
    ) -> Result<HeldKits> {
        let mut parts = Vec::with_capacity(items.len());
        let mut demand: Vec<(Arc<str>, u64)> = Vec::with_capacity(items.len());
        let mut add = |sku: &dyn ItemSku, qty: u64| -> Result<()> {
            match demand.iter_mut().find(|(s, _)| **s == *sku.text()) {
                Some((_, total)) => {
                    *total = total.checked_add(qty).ok_or_else(|| overflow(qty))?;
                }
                None => demand.push((sku.shared(), qty)),
            }
            Ok(())
        };
        for ((sku, qty), components) in items.iter().zip(kits) {
            let qty = *qty;
            if qty == 0 {
                return Err(crate::Error::InvalidQuantity {
                    value: "0".to_owned(),
                    reason: "must be >= 1",
                });
            }
            if components.is_empty() {
                add(sku, qty)?;
            } else {
                for c in &components {
                    let units = qty
                        .checked_mul(u64::from(c.qty))
                        .ok_or_else(|| overflow(qty))?;
                    add(&c.sku.as_str(), units)?;
                }
            }
            parts.push(components);
        }
        let expires_at = Timestamp(now.0.saturating_add(ttl_ms));
        // One shared location text for every key.
        let location: Arc<str> = location.into();
        let reservations: Vec<Reservation> = demand
            .into_iter()
            .map(|(sku, qty)| Reservation {
                id: self.ids.next_inline_id("res"),
                key: StockKey::new(sku, Arc::clone(&location)),
                qty,
                expires_at,
            })
            .collect();
        let events = |r: &Reservation,
                      before: &StockRecord,
                      after: &StockRecord,
                      out: &mut Vec<NewEvent>| {
            let kind = EventKind::StockReserved {
                reservation: r.id.clone(),
                key: r.key.clone(),
                qty: r.qty,
                level: after.level,
            };
            self.push_with_low_stock(&r.key, kind, before, after, now, out);
        };
        let (versions, number) = match number_of {
            Some(sequence) => {
                let (_, versions, number) = self.store.reserve_all_and_write_numbered(
                    &reservations,
                    &events,
                    writes,
                    sequence,
                )?;
                (versions, number)
            }
            None => {
                let (_, versions) =
                    self.store
                        .reserve_all_and_write(&reservations, &events, writes)?;
                (versions, None)
            }
        };
        Ok((reservations, parts, versions, number))
    }

    /// Stock of `sku` over every location, and units sold.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn stock_total(&self, sku: &str) -> Result<SkuFacts> {
        self.store.sku_facts(sku)
    }
}

fn overflow(qty: u64) -> crate::Error {
    crate::Error::InvalidQuantity {
        value: qty.to_string(),
        reason: "total demand overflows",
    }
}

/// Per variant found (as [`crate::store::CatalogStore::products_by_skus`]
/// returns them), its kit components (empty for a plain variant or none
/// found).
pub(super) fn kits_of(found: &[Option<crate::store::VariantOf>]) -> Vec<Vec<Component>> {
    found
        .iter()
        .map(|found| {
            found
                .as_ref()
                .and_then(|(p, i)| p.variants.get(*i).map(|v| v.components.clone()))
                .unwrap_or_default()
        })
        .collect()
}
