//! Idempotency keys are kept at least a day, then may be forgotten; a
//! forgotten key never lets a cart be charged or ordered twice.

use std::sync::Arc;

use kassa::engine::{CheckoutOptions, Engine, ManualClock, SequentialIds, MIN_KEY_RETENTION_MS};
use kassa::payment::{GatewayRequest, Script, TestGateway};
use kassa::pricing::Timestamp;
use kassa::store::{DocumentStore, MemoryStore};
use kassa::testing::fixtures::{ready_cart, tee_shop};

const HOUR: i64 = 3_600_000;

#[test]
fn finished_keys_are_forgotten_after_their_retention_and_carts_still_order_once() {
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    tee_shop(&engine, 10, None).unwrap();
    let gateway = TestGateway::default();
    let options = CheckoutOptions::default();
    let paid = ready_cart(&engine, 1, false).unwrap();
    let order = engine
        .complete_checkout(&paid, "k1", &gateway, &options)
        .unwrap();
    gateway.script("authorize", Script::Decline("no funds".into()));
    let declined = ready_cart(&engine, 1, false).unwrap();
    assert!(engine
        .complete_checkout(&declined, "k2", &gateway, &options)
        .is_err());
    let keys = || engine.store().scan("idempotency", None, 10).unwrap().len();
    assert_eq!(keys(), 2);
    // Within the retention nothing is forgotten, and the key replays.
    clock.advance(23 * HOUR);
    assert_eq!(
        engine
            .purge_idempotency_keys(MIN_KEY_RETENTION_MS, None, 10)
            .unwrap(),
        (0, None)
    );
    let again = engine
        .complete_checkout(&paid, "k1", &gateway, &options)
        .unwrap();
    assert_eq!(again, order);
    // After it, page by page.
    clock.advance(2 * HOUR);
    let (first, next) = engine
        .purge_idempotency_keys(MIN_KEY_RETENTION_MS, None, 1)
        .unwrap();
    assert_eq!((first, next.as_deref()), (1, Some("k1")));
    let (rest, next) = engine
        .purge_idempotency_keys(MIN_KEY_RETENTION_MS, next.as_deref(), 1)
        .unwrap();
    assert_eq!((rest, next.as_deref()), (1, Some("k2")));
    assert_eq!(
        engine
            .purge_idempotency_keys(MIN_KEY_RETENTION_MS, next.as_deref(), 1)
            .unwrap(),
        (0, None)
    );
    assert_eq!(keys(), 0);
    // The completed cart still has one order, charged once.
    let authorized = |g: &TestGateway| {
        g.acted()
            .iter()
            .filter(|(r, _)| matches!(r, GatewayRequest::Authorize { .. }))
            .count()
    };
    let before = authorized(&gateway);
    let replayed = engine
        .complete_checkout(&paid, "k1", &gateway, &options)
        .unwrap();
    assert_eq!(replayed.id, order.id);
    assert_eq!(authorized(&gateway), before);
    // A forgotten key may serve a new cart.
    let fresh = ready_cart(&engine, 1, false).unwrap();
    let other = engine
        .complete_checkout(&fresh, "k2", &gateway, &options)
        .unwrap();
    assert_ne!(other.id, order.id);
    // Under a day is refused.
    let err = engine.purge_idempotency_keys(HOUR, None, 10).unwrap_err();
    assert_eq!(err.code(), "invalid_field");
}
