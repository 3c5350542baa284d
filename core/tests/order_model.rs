//! Model-based test of checkout, payments and stock through the engine:
//! random sequences of checkouts (with scripted provider outcomes), refunds,
//! order edits, stock deliveries and expiries. After every step the
//! invariants hold: refunded <= captured <= authorized on every payment of
//! every order, no order keeps more money than its total, the stock
//! identity, committed stock equals the units ordered, one order per
//! completed cart, and the model's count of orders and refunded money
//! agrees.
//!
//! `KASSA_PROPTEST_CASES` sets the number of sequences (default 10,000,
//! each of 1 to 12 operations).

use std::sync::Arc;

use kassa::cart::Address;
use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
use kassa::checkout::CheckoutState;
use kassa::engine::{CheckoutOptions, Engine, ManualClock, PricingSettings, SequentialIds};
use kassa::inventory::StockKey;
use kassa::order::LineEdit;
use kassa::payment::{Script, TestGateway};
use kassa::pricing::Timestamp;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("KASSA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[derive(Debug, Clone)]
enum Op {
    /// A cart of `qty` units of SKU `sku`, checked out; `script` 0 approves,
    /// 1 declines the authorization, 2 times out after success on capture.
    Checkout {
        sku: u8,
        qty: u64,
        script: u8,
        retry: bool,
    },
    /// Refund `cents` of order `order` (modulo the orders so far).
    Refund { order: usize, cents: i64 },
    /// Order `order`'s first line set to `qty` units, and `add` units of
    /// the other SKU added (0: none).
    Edit { order: usize, qty: u64, add: u64 },
    /// A delivery of `units` of SKU `sku`.
    Deliver { sku: u8, units: i64 },
    /// Time passes and expired reservations are swept.
    Sweep,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..2, 1u64..4, 0u8..3, any::<bool>())
            .prop_map(|(sku, qty, script, retry)| Op::Checkout { sku, qty, script, retry }),
        2 => (0usize..8, 1i64..3_000).prop_map(|(order, cents)| Op::Refund { order, cents }),
        2 => (0usize..8, 1u64..5, 0u64..3).prop_map(|(order, qty, add)| Op::Edit { order, qty, add }),
        1 => (0u8..2, 1i64..4).prop_map(|(sku, units)| Op::Deliver { sku, units }),
        1 => Just(Op::Sweep),
    ]
}

struct World {
    engine: Engine<MemoryStore>,
    clock: Arc<ManualClock>,
    gateway: TestGateway,
    orders: Vec<(String, u8)>,
    ordered_units: [i64; 2],
    refunded_cents: i64,
    keys: u64,
}

fn world() -> World {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    for (i, cents) in [1_250i64, 999].iter().enumerate() {
        let mut p = Product::new(format!("p{i}"), format!("P{i}"));
        p.status = ProductStatus::Active;
        let mut v = Variant::new(format!("S{i}"));
        v.prices = vec![Money::from_minor_units(*cents, Currency::EUR)];
        p.variants.push(v);
        engine.create_product(p).unwrap();
        engine
            .adjust_stock(&StockKey::new(format!("S{i}"), "main"), 4, "start")
            .unwrap();
    }
    engine
        .set_pricing(&PricingSettings::default(), None)
        .unwrap();
    World {
        engine,
        clock,
        gateway: TestGateway::default(),
        orders: Vec::new(),
        ordered_units: [0, 0],
        refunded_cents: 0,
        keys: 0,
    }
}

impl World {
    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let options = CheckoutOptions::default();
        match op {
            Op::Checkout {
                sku,
                qty,
                script,
                retry,
            } => {
                let (cart, v) = self.engine.create_cart(Currency::EUR, Some("ann")).unwrap();
                let Ok((_, v)) = self.engine.add_to_cart(
                    &cart.id,
                    v,
                    &format!("S{sku}"),
                    *qty,
                    SortedMap::new(),
                ) else {
                    return Ok(());
                };
                let address = Address::new("Ann", "1 Main St", "Berlin", "DE");
                self.engine
                    .update_cart(&cart.id, v, |c, e| {
                        c.set_shipping_address(address, e.clock().now())?;
                        c.select_shipping("pickup", e.clock().now())
                    })
                    .unwrap();
                match script {
                    1 => self
                        .gateway
                        .script("authorize", Script::Decline("no".into())),
                    2 => self.gateway.script("capture", Script::TimeoutAfterSuccess),
                    _ => {}
                }
                self.keys += 1;
                let key = format!("k{}", self.keys);
                let first = self
                    .engine
                    .complete_checkout(&cart.id, &key, &self.gateway, &options);
                // A retry with the same key returns the same order; after a
                // failure (which consumed nothing) it is a fresh attempt.
                let outcome = if *retry {
                    let again =
                        self.engine
                            .complete_checkout(&cart.id, &key, &self.gateway, &options);
                    if let (Ok(a), Ok(b)) = (&first, &again) {
                        prop_assert_eq!(a, b, "a retried key returned another order");
                    }
                    if let (Ok(_), Err(e)) = (&first, &again) {
                        prop_assert!(false, "a retry of a placed order failed: {}", e.code());
                    }
                    if first.is_ok() {
                        first
                    } else {
                        again
                    }
                } else {
                    first
                };
                match outcome {
                    Ok(order) => {
                        self.orders.push((order.id.to_string(), *sku));
                        self.ordered_units[*sku as usize] += *qty as i64;
                        let (c, _) = self.engine.cart(&cart.id).unwrap();
                        prop_assert_eq!(c.checkout, CheckoutState::Completed);
                    }
                    Err(e) => {
                        prop_assert!(
                            ["insufficient_stock", "payment_failed"].contains(&e.code()),
                            "unexpected checkout error {}",
                            e.code()
                        );
                        let (c, _) = self.engine.cart(&cart.id).unwrap();
                        prop_assert_ne!(c.checkout, CheckoutState::Completed);
                    }
                }
            }
            Op::Refund { order, cents } => {
                if self.orders.is_empty() {
                    return Ok(());
                }
                let id = self.orders[order % self.orders.len()].0.clone();
                self.keys += 1;
                let amount = Money::from_minor_units(*cents, Currency::EUR);
                match self.engine.refund_order(
                    &id,
                    amount,
                    &format!("r{}", self.keys),
                    "staff:model",
                    &self.gateway,
                    &options,
                ) {
                    Ok(_) => self.refunded_cents += cents,
                    Err(e) => prop_assert!(
                        ["refund_exceeds_captured", "invalid_state"].contains(&e.code()),
                        "unexpected refund error {}",
                        e.code()
                    ),
                }
            }
            Op::Edit { order, qty, add } => {
                if self.orders.is_empty() {
                    return Ok(());
                }
                let (id, sku) = self.orders[order % self.orders.len()].clone();
                let (before, _) = self.engine.order(&id).unwrap();
                let mut edits = vec![LineEdit::SetQuantity { line: 0, qty: *qty }];
                if *add > 0 {
                    edits.push(LineEdit::Add {
                        sku: format!("S{}", 1 - sku),
                        qty: *add,
                    });
                }
                self.keys += 1;
                let key = format!("e{}", self.keys);
                match self.engine.edit_order(
                    &id,
                    &edits,
                    &key,
                    "staff:model",
                    &self.gateway,
                    &options,
                ) {
                    Ok(after) => {
                        for (i, sku) in ["S0", "S1"].iter().enumerate() {
                            let units = |o: &kassa::order::Order| -> i64 {
                                o.lines
                                    .iter()
                                    .filter(|l| &*l.sku == *sku)
                                    .map(|l| l.qty as i64)
                                    .sum()
                            };
                            self.ordered_units[i] += units(&after) - units(&before);
                        }
                        let refunded = |o: &kassa::order::Order| -> i64 {
                            o.payments()
                                .map(|p| p.ledger.state().refunded.minor_units())
                                .sum()
                        };
                        self.refunded_cents += refunded(&after) - refunded(&before);
                        prop_assert!(after.edits.last().is_some_and(|e| e.settled));
                    }
                    Err(e) => {
                        prop_assert!(
                            [
                                "insufficient_stock",
                                "order_change_refused",
                                "payment_failed"
                            ]
                            .contains(&e.code()),
                            "unexpected edit error {}",
                            e.code()
                        );
                        let (unchanged, _) = self.engine.order(&id).unwrap();
                        prop_assert_eq!(unchanged, before, "a refused edit changed the order");
                    }
                }
            }
            Op::Deliver { sku, units } => {
                self.engine
                    .adjust_stock(
                        &StockKey::new(format!("S{sku}"), "main"),
                        *units,
                        "delivery",
                    )
                    .unwrap();
            }
            Op::Sweep => {
                self.clock.advance(16 * 60_000);
                self.engine.sweep_expired(1_000).unwrap();
            }
        }
        self.check()
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let mut refunded = 0;
        for (id, _) in &self.orders {
            let (order, _) = self.engine.order(id).unwrap();
            for p in order.payments() {
                let s = p.ledger.state();
                let (a, c, r) = (
                    s.authorized.minor_units(),
                    s.captured.minor_units(),
                    s.refunded.minor_units(),
                );
                prop_assert!(
                    r <= c && c <= a,
                    "order {}: refunded {} captured {} authorized {}",
                    id,
                    r,
                    c,
                    a
                );
                refunded += r;
            }
            let kept = order.net_paid().unwrap();
            prop_assert!(
                kept.minor_units() <= order.grand_total.minor_units(),
                "order {} keeps {} of a {} total",
                id,
                kept,
                order.grand_total
            );
        }
        prop_assert_eq!(refunded, self.refunded_cents, "refunds recorded on orders");
        for sku in 0..2usize {
            let l = self
                .engine
                .stock(&StockKey::new(format!("S{sku}"), "main"))
                .unwrap()
                .unwrap()
                .level;
            prop_assert_eq!(
                l.on_hand,
                l.available() + l.reserved + l.committed + l.unavailable
            );
            prop_assert!(l.available() >= 0, "oversold: {:?}", l);
            prop_assert_eq!(
                l.committed,
                self.ordered_units[sku],
                "committed stock vs units ordered"
            );
            prop_assert_eq!(l.reserved, 0, "a reservation outlived its checkout");
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn checkout_payments_and_stock_follow_the_rules(ops in prop::collection::vec(op(), 1..12)) {
        let mut w = world();
        for op in &ops {
            w.apply(op)?;
        }
    }
}
