//! Stock levels and the pure transitions on them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a variant's stock is policed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum StockPolicy {
    /// Never reserve beyond what is available.
    #[default]
    Deny,
    /// Sell beyond what is available, down to `-limit` (no limit: unbounded).
    Backorder {
        /// How far below zero `available` may go.
        limit: Option<u64>,
    },
    /// Stock is not policed (digital goods, services): reservations always
    /// succeed. The counts are still kept, so a later release or commit
    /// balances and the identity holds (`available` may go negative).
    NotTracked,
}

/// The stock of one variant at one location.
///
/// `available` is derived, so the identity
/// `on_hand = available + reserved + committed + unavailable` always holds.
/// `available` is negative only under a backorder policy.
///
/// # Examples
///
/// ```
/// use kassa::inventory::{StockLevel, StockPolicy};
///
/// let level = StockLevel { on_hand: 10, ..StockLevel::default() };
/// let level = level.reserve(3, StockPolicy::Deny)?;
/// assert_eq!((level.available(), level.reserved), (7, 3));
/// assert_eq!(level.reserve(8, StockPolicy::Deny).unwrap_err().code(), "insufficient_stock");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct StockLevel {
    /// Units physically present.
    pub on_hand: i64,
    /// Units held by open reservations (carts in checkout).
    pub reserved: i64,
    /// Units sold (orders placed) and not yet shipped.
    pub committed: i64,
    /// Units present but not sellable (damaged, quarantined).
    pub unavailable: i64,
}

fn invalid(operation: &'static str, reason: String) -> Error {
    Error::InvalidStockOperation { operation, reason }
}

fn positive(operation: &'static str, qty: u64) -> Result<i64> {
    match i64::try_from(qty) {
        Ok(q) if q > 0 => Ok(q),
        _ => Err(invalid(
            operation,
            format!("quantity {qty} must be between 1 and 2^63-1"),
        )),
    }
}

impl StockLevel {
    /// Units that can still be reserved: `on_hand - reserved - committed - unavailable`.
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved - self.committed - self.unavailable
    }

    fn checked(self, operation: &'static str) -> Result<StockLevel> {
        let sums = self
            .reserved
            .checked_add(self.committed)
            .and_then(|s| s.checked_add(self.unavailable))
            .and_then(|s| self.on_hand.checked_sub(s));
        let fields = [
            self.on_hand,
            self.reserved,
            self.committed,
            self.unavailable,
        ];
        if sums.is_none() || fields.iter().any(|&f| f < 0) {
            return Err(invalid(
                operation,
                format!("would leave an impossible level {self:?}"),
            ));
        }
        Ok(self)
    }

    /// Holds `qty` units for a checkout.
    ///
    /// # Errors
    ///
    /// `insufficient_stock` when the policy does not allow it;
    /// `invalid_stock_operation` for a zero or huge quantity.
    pub fn reserve(self, qty: u64, policy: StockPolicy) -> Result<StockLevel> {
        let q = positive("reserve", qty)?;
        let floor = match policy {
            StockPolicy::Deny => 0,
            StockPolicy::Backorder { limit: Some(limit) } => {
                -i64::try_from(limit).unwrap_or(i64::MAX)
            }
            StockPolicy::Backorder { limit: None } | StockPolicy::NotTracked => i64::MIN,
        };
        let after = self.available().checked_sub(q);
        if after.is_none_or(|a| a < floor) {
            return Err(Error::InsufficientStock {
                requested: qty,
                available: self.available(),
            });
        }
        let reserved = self.reserved.checked_add(q).ok_or_else(|| {
            invalid(
                "reserve",
                format!("{qty} units overflow the reserved count"),
            )
        })?;
        StockLevel { reserved, ..self }.checked("reserve")
    }

    /// Gives back `qty` reserved units (a cart abandoned, a reservation expired).
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer are reserved.
    pub fn release(self, qty: u64) -> Result<StockLevel> {
        let q = positive("release", qty)?;
        if q > self.reserved {
            return Err(invalid(
                "release",
                format!("{qty} units but only {} reserved", self.reserved),
            ));
        }
        Ok(StockLevel {
            reserved: self.reserved - q,
            ..self
        })
    }

    /// Turns `qty` reserved units into committed ones (the order was placed).
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer are reserved.
    pub fn commit(self, qty: u64) -> Result<StockLevel> {
        let q = positive("commit", qty)?;
        if q > self.reserved {
            return Err(invalid(
                "commit",
                format!("{qty} units but only {} reserved", self.reserved),
            ));
        }
        Ok(StockLevel {
            reserved: self.reserved - q,
            committed: self.committed + q,
            ..self
        })
    }

    /// Gives back `qty` committed units that will not ship (an order
    /// cancelled, a line removed before fulfilment): they become available
    /// again.
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer are committed.
    pub fn uncommit(self, qty: u64) -> Result<StockLevel> {
        let q = positive("uncommit", qty)?;
        if q > self.committed {
            return Err(invalid(
                "uncommit",
                format!("{qty} units but only {} committed", self.committed),
            ));
        }
        Ok(StockLevel {
            committed: self.committed - q,
            ..self
        })
    }

    /// Ships `qty` committed units: they leave `on_hand`.
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when fewer are committed.
    pub fn fulfil(self, qty: u64) -> Result<StockLevel> {
        let q = positive("fulfil", qty)?;
        if q > self.committed {
            return Err(invalid(
                "fulfil",
                format!("{qty} units but only {} committed", self.committed),
            ));
        }
        StockLevel {
            on_hand: self.on_hand - q,
            committed: self.committed - q,
            ..self
        }
        .checked("fulfil")
    }

    /// Changes `on_hand` by `delta` (a delivery, a count, a loss). A
    /// delivery is always taken, even one that only partly covers
    /// backorders; a loss may not take `available` below zero (or below
    /// where backorders already put it).
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when a loss exceeds what is available, or
    /// `on_hand` would go negative.
    pub fn adjust(self, delta: i64) -> Result<StockLevel> {
        let on_hand = self
            .on_hand
            .checked_add(delta)
            .ok_or_else(|| invalid("adjust", format!("{delta} overflows")))?;
        let next = StockLevel { on_hand, ..self };
        if delta < 0 && next.available() < self.available().min(0) {
            return Err(invalid(
                "adjust",
                format!(
                    "removing {} units, but only {} are available",
                    -i128::from(delta),
                    self.available().max(0)
                ),
            ));
        }
        if on_hand < 0 {
            return Err(invalid(
                "adjust",
                format!("on hand {on_hand} would be negative"),
            ));
        }
        Ok(next)
    }

    /// Moves `delta` units from available to unavailable (damaged,
    /// quarantined, held for display), or back when negative. `on_hand`
    /// does not change.
    ///
    /// # Errors
    ///
    /// `invalid_stock_operation` when setting aside more than is available,
    /// or returning more than is unavailable.
    ///
    /// ```
    /// use kassa::inventory::StockLevel;
    /// let level = StockLevel { on_hand: 10, ..StockLevel::default() }.set_aside(3)?;
    /// assert_eq!((level.available(), level.unavailable), (7, 3));
    /// assert_eq!(level.set_aside(-4).unwrap_err().code(), "invalid_stock_operation");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn set_aside(self, delta: i64) -> Result<StockLevel> {
        let unavailable = self
            .unavailable
            .checked_add(delta)
            .ok_or_else(|| invalid("set_aside", format!("{delta} overflows")))?;
        if unavailable < 0 {
            return Err(invalid(
                "set_aside",
                format!(
                    "returning {} units, but only {} are unavailable",
                    -i128::from(delta),
                    self.unavailable
                ),
            ));
        }
        let next = StockLevel {
            unavailable,
            ..self
        };
        if delta > 0 && next.available() < 0 {
            return Err(invalid(
                "set_aside",
                format!(
                    "setting aside {delta} units, but only {} are available",
                    self.available().max(0)
                ),
            ));
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(on_hand: i64, reserved: i64, committed: i64, unavailable: i64) -> StockLevel {
        StockLevel {
            on_hand,
            reserved,
            committed,
            unavailable,
        }
    }

    #[test]
    fn transitions_table() {
        let deny = StockPolicy::Deny;
        let start = level(10, 2, 3, 1); // available 4
        assert_eq!(start.available(), 4);
        assert_eq!(start.reserve(4, deny).unwrap(), level(10, 6, 3, 1));
        assert_eq!(
            start.reserve(5, deny).unwrap_err().code(),
            "insufficient_stock"
        );
        let back = StockPolicy::Backorder { limit: Some(3) };
        assert_eq!(start.reserve(7, back).unwrap().available(), -3);
        assert_eq!(
            start.reserve(8, back).unwrap_err().code(),
            "insufficient_stock"
        );
        let unlimited = StockPolicy::Backorder { limit: None };
        assert!(start.reserve(1_000_000, unlimited).is_ok());
        let untracked = start.reserve(90, StockPolicy::NotTracked).unwrap();
        assert_eq!((untracked.reserved, untracked.available()), (92, -86));
        assert_eq!(untracked.release(90).unwrap(), start);
        assert_eq!(start.release(2).unwrap(), level(10, 0, 3, 1));
        assert_eq!(
            start.release(3).unwrap_err().code(),
            "invalid_stock_operation"
        );
        assert_eq!(start.commit(2).unwrap(), level(10, 0, 5, 1));
        assert_eq!(start.fulfil(3).unwrap(), level(7, 2, 0, 1));
        assert_eq!(
            start.fulfil(4).unwrap_err().code(),
            "invalid_stock_operation"
        );
        assert_eq!(start.adjust(5).unwrap(), level(15, 2, 3, 1));
        assert_eq!(start.adjust(-4).unwrap(), level(6, 2, 3, 1));
        assert_eq!(
            start.adjust(-5).unwrap_err().code(),
            "invalid_stock_operation"
        );
        // Backorders: a partial delivery is taken; a loss cannot deepen them.
        let owed = level(0, 5, 0, 0)
            .reserve(2, StockPolicy::Backorder { limit: None })
            .unwrap();
        assert_eq!(owed.available(), -7);
        assert_eq!(owed.adjust(3).unwrap().available(), -4);
        assert_eq!(
            owed.adjust(3).unwrap().adjust(-1).unwrap_err().code(),
            "invalid_stock_operation"
        );
        assert_eq!(start.set_aside(4).unwrap(), level(10, 2, 3, 5));
        assert_eq!(start.set_aside(-1).unwrap(), level(10, 2, 3, 0));
        for bad in [start.set_aside(5), start.set_aside(-2), owed.set_aside(1)] {
            assert_eq!(bad.unwrap_err().code(), "invalid_stock_operation");
        }
        for bad in [
            start.reserve(0, deny),
            start.release(0),
            start.commit(0),
            start.fulfil(0),
        ] {
            assert_eq!(bad.unwrap_err().code(), "invalid_stock_operation");
        }
        assert_eq!(
            start.reserve(u64::MAX, deny).unwrap_err().code(),
            "invalid_stock_operation"
        );
    }

    #[test]
    fn the_identity_holds_after_every_transition() {
        let start = level(10, 2, 3, 1);
        for next in [
            start.reserve(3, StockPolicy::Deny),
            start.release(1),
            start.commit(1),
            start.fulfil(2),
            start.adjust(7),
            start.set_aside(2),
            start.set_aside(-1),
        ] {
            let l = next.unwrap();
            assert_eq!(
                l.on_hand,
                l.available() + l.reserved + l.committed + l.unavailable
            );
        }
    }
}
