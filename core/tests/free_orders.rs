//! Orders with nothing to pay (a 100 % promotion): placed without a
//! provider call, paid in full by nothing.

use kassa::money::Rate;
use kassa::order::OrderStatus;
use kassa::payment::{PaymentStatus, Script, TestGateway};
use kassa::pricing::{Action, Promotion};
use kassa::testing::fixtures::{ready_cart, tee_shop};

#[test]
fn a_fully_discounted_cart_checks_out_without_a_payment() {
    let engine = kassa::engine::Engine::in_memory();
    tee_shop(&engine, 10, None).unwrap();
    let (mut settings, version) = engine.pricing().unwrap();
    settings.promotions.push(Promotion::new(
        "on-the-house",
        9,
        Action::OrderPercent {
            value: Rate::parse("1").unwrap(),
        },
    ));
    engine.set_pricing(&settings, Some(version)).unwrap();
    let cart = ready_cart(&engine, 2, false).unwrap();
    // A provider that would decline everything is never asked.
    let gateway = TestGateway::default();
    gateway.script("authorize", Script::Decline("no card".into()));
    let order = engine
        .complete_checkout(&cart, "k1", &gateway, &Default::default())
        .unwrap();
    assert!(order.grand_total.is_zero());
    assert_eq!(order.payment.ledger.state().status, PaymentStatus::Captured);
    assert_eq!(order.status, OrderStatus::Placed);
    assert!(gateway.acted().is_empty(), "{:?}", gateway.acted());
    let stock = engine
        .stock(&kassa::inventory::StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap();
    assert_eq!(stock.level.committed, 2);
    // Cancelled before shipping: the stock comes back, no provider call.
    let cancelled = engine
        .cancel_order(
            &order.id,
            "changed mind",
            "ann",
            &gateway,
            &Default::default(),
        )
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert!(gateway.acted().is_empty(), "{:?}", gateway.acted());
    let stock = engine
        .stock(&kassa::inventory::StockKey::new("TEE", "main"))
        .unwrap()
        .unwrap();
    assert_eq!((stock.level.committed, stock.level.available()), (0, 10));
}
