//! B2B quotes end to end: offered from a customer's cart with negotiated
//! prices, revised (earlier revisions frozen), accepted into a cart that
//! checkout prices at the quoted prices, expired, withdrawn.

use std::sync::Arc;

use kassa::cart::{Address, QuoteStatus};
use kassa::catalog::SortedMap;
use kassa::customer::{CompanyRole, Membership};
use kassa::engine::{CheckoutOptions, Engine, ManualClock, SequentialIds};
use kassa::money::Rate;
use kassa::payment::TestGateway;
use kassa::pricing::{Action, Promotion, Timestamp};
use kassa::store::{EventKind, MemoryStore};
use kassa::testing::fixtures::tee_shop;
use kassa::{Currency, Money};

const DAY: i64 = 86_400_000;

fn eur(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::EUR)
}

struct Shop {
    engine: Engine<MemoryStore>,
    clock: Arc<ManualClock>,
    cart: String,
}

/// The tee shop (TEE at 20.00 EUR) with an automatic 10 % promotion, and
/// a cart of 50 tees for customer `buyer`.
fn shop() -> Shop {
    let clock = Arc::new(ManualClock::new(Timestamp(100 * DAY)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    tee_shop(&engine, 1_000, None).unwrap();
    let (mut settings, version) = engine.pricing().unwrap();
    settings.promotions.push(Promotion::new(
        "everything-10",
        5,
        Action::OrderPercent {
            value: Rate::parse("0.10").unwrap(),
        },
    ));
    engine.set_pricing(&settings, Some(version)).unwrap();
    let (buyer, _) = engine
        .create_customer(|c| {
            c.company = Some(Membership {
                company: "acme".into(),
                role: CompanyRole::Buyer,
            });
            Ok(())
        })
        .unwrap();
    let (cart, v) = engine.create_cart(Currency::EUR, Some(&buyer.id)).unwrap();
    engine
        .add_to_cart(&cart.id, v, "TEE", 50, SortedMap::new())
        .unwrap();
    Shop {
        engine,
        clock,
        cart: cart.id.to_string(),
    }
}

#[test]
fn a_negotiated_quote_is_revised_accepted_and_checked_out_at_its_prices() {
    let Shop {
        engine,
        clock,
        cart,
    } = shop();
    // The catalog cart: 50 x 20.00 with the automatic 10 % = 900.00.
    assert_eq!(engine.price_cart(&cart).unwrap().grand_total, eur(90_000));
    let (quote, v1) = engine
        .create_quote(
            &cart,
            &[("TEE", eur(1_700))],
            Timestamp(130 * DAY),
            "rep-ann",
        )
        .unwrap();
    assert_eq!(quote.current.revision, 1);
    assert_eq!(
        (
            quote.current.lines[0].list_price,
            quote.current.lines[0].unit_price
        ),
        (eur(2_000), eur(1_700))
    );
    assert_eq!(quote.current.subtotal(Currency::EUR).unwrap(), eur(85_000));
    // The buyer asks for more units and a better price: revision 2.
    clock.advance(DAY);
    let (revised, v2) = engine
        .revise_quote(
            &quote.id,
            v1,
            &[("TEE", 80)],
            &[("TEE", eur(1_600))],
            Timestamp(140 * DAY),
            "rep-ann",
        )
        .unwrap();
    assert_eq!(revised.current.revision, 2);
    assert_eq!(
        revised.superseded,
        std::slice::from_ref(&quote.current),
        "revision 1 kept as offered"
    );
    // A stale version, or the superseded revision, is refused.
    let stale = engine.revise_quote(&quote.id, v1, &[("TEE", 1)], &[], Timestamp(140 * DAY), "x");
    assert_eq!(stale.unwrap_err().code(), "concurrent_modification");
    let old = engine.accept_quote(&quote.id, v2, 1).unwrap_err();
    assert_eq!(old.code(), "quote_refused");
    assert!(
        old.to_string()
            .contains("revision 1 was replaced by revision 2"),
        "{old}"
    );
    // Accepted: a new cart of the buyer, priced at 16.00 with no
    // promotion on top.
    let (quoted, cv) = engine.accept_quote(&quote.id, v2, 2).unwrap();
    assert_eq!(quoted.customer.as_deref(), Some(quote.customer.as_str()));
    assert_eq!(quote.company.as_deref(), Some("acme"));
    assert_eq!(quoted.quote.as_deref(), Some(quote.id.as_str()));
    let priced = engine.price_cart(&quoted.id).unwrap();
    assert_eq!(
        (priced.subtotal, priced.grand_total),
        (eur(128_000), eur(128_000))
    );
    assert_eq!(
        engine
            .quote(&quote.id)
            .unwrap()
            .0
            .status_at(clock_now(&clock)),
        QuoteStatus::Accepted
    );
    // Checkout at the quoted prices.
    let address = Address::new("Buyer", "1 Main St", "Berlin", "DE");
    engine
        .update_cart(&quoted.id, cv, |c, e| {
            let now = e.clock().now();
            c.set_shipping_address(address, now)?;
            c.select_shipping("pickup", now)
        })
        .unwrap();
    let order = engine
        .complete_checkout(
            &quoted.id,
            "q-1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    assert_eq!(order.grand_total, eur(128_000));
    // The order remembers its quote and the company it was bought for.
    assert_eq!(order.quote.as_deref(), Some(quote.id.as_str()));
    assert_eq!(order.company.as_deref(), Some("acme"));
    // Every change was announced.
    let changes: Vec<(u32, QuoteStatus)> = engine
        .events_since(0, 1_000)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::QuoteChanged {
                revision, status, ..
            } => Some((revision, status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (1, QuoteStatus::Open),
            (2, QuoteStatus::Open),
            (2, QuoteStatus::Accepted)
        ]
    );
}

fn clock_now(clock: &ManualClock) -> Timestamp {
    kassa::engine::Clock::now(clock)
}

#[test]
fn a_quoted_cart_holds_only_its_quoted_lines_and_only_until_expiry() {
    let Shop {
        engine,
        clock,
        cart,
    } = shop();
    let (quote, v) = engine
        .create_quote(&cart, &[("TEE", eur(1_500))], Timestamp(110 * DAY), "rep")
        .unwrap();
    let (quoted, cv) = engine.accept_quote(&quote.id, v, 1).unwrap();
    // The buyer changes the units: no longer the quote.
    let line = quoted.lines[0].id.clone();
    engine
        .update_cart(&quoted.id, cv, |c, e| {
            c.set_quantity(&line, 60, e.clock().now())
        })
        .unwrap();
    let err = engine.price_cart(&quoted.id).unwrap_err();
    assert_eq!(err.code(), "quote_refused");
    assert!(err.to_string().contains("not the quoted"), "{err}");
    // Back to the quoted units, then past the expiry.
    let (_, cv) = engine.cart(&quoted.id).unwrap();
    engine
        .update_cart(&quoted.id, cv, |c, e| {
            c.set_quantity(&line, 50, e.clock().now())
        })
        .unwrap();
    assert_eq!(engine.price_cart(&quoted.id).unwrap().subtotal, eur(75_000));
    clock.advance(10 * DAY);
    assert_eq!(
        engine.price_cart(&quoted.id).unwrap_err().code(),
        "quote_expired"
    );
}

#[test]
fn expired_withdrawn_and_bad_quotes_are_refused_with_nothing_written() {
    let Shop {
        engine,
        clock,
        cart,
    } = shop();
    let (quote, v) = engine
        .create_quote(&cart, &[], Timestamp(101 * DAY), "rep")
        .unwrap();
    assert_eq!(quote.current.lines[0].unit_price, eur(2_000), "list price");
    clock.advance(DAY);
    let (read, _) = engine.quote(&quote.id).unwrap();
    assert_eq!(read.status_at(clock_now(&clock)), QuoteStatus::Expired);
    assert_eq!(
        engine.accept_quote(&quote.id, v, 1).unwrap_err().code(),
        "quote_expired"
    );
    assert_eq!(
        engine
            .revise_quote(
                &quote.id,
                v,
                &[("TEE", 1)],
                &[],
                Timestamp(200 * DAY),
                "rep"
            )
            .unwrap_err()
            .code(),
        "quote_expired"
    );
    // An expired quote may be withdrawn (closed); then nothing more.
    let (withdrawn, v) = engine.withdraw_quote(&quote.id, v, "rep").unwrap();
    assert_eq!(
        withdrawn.status_at(clock_now(&clock)),
        QuoteStatus::Withdrawn
    );
    assert_eq!(
        engine
            .withdraw_quote(&quote.id, v, "rep")
            .unwrap_err()
            .code(),
        "quote_refused"
    );
    // Bad offers.
    let (guest, gv) = engine.create_cart(Currency::EUR, None).unwrap();
    engine
        .add_to_cart(&guest.id, gv, "TEE", 1, SortedMap::new())
        .unwrap();
    let far = Timestamp(300 * DAY);
    for (cart, prices, expires, code) in [
        (&*guest.id, vec![], far, "invalid_field"),
        (cart.as_str(), vec![("HAT", eur(100))], far, "invalid_field"),
        (cart.as_str(), vec![("TEE", eur(-1))], far, "invalid_field"),
        (
            cart.as_str(),
            vec![("TEE", Money::from_minor_units(100, Currency::USD))],
            far,
            "invalid_field",
        ),
        (cart.as_str(), vec![], Timestamp(DAY), "invalid_field"),
        ("no-such-cart", vec![], far, "unknown_cart"),
    ] {
        let err = engine
            .create_quote(cart, &prices, expires, "rep")
            .unwrap_err();
        assert_eq!(err.code(), code, "{cart} {prices:?}: {err}");
    }
    assert_eq!(engine.quote("nope").unwrap_err().code(), "unknown_quote");
}

#[test]
fn the_customer_view_shows_the_quotes_still_open() {
    let Shop { engine, cart, .. } = shop();
    let (quote, v) = engine
        .create_quote(&cart, &[("TEE", eur(1_800))], Timestamp(200 * DAY), "rep")
        .unwrap();
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    let open = |engine: &Engine<MemoryStore>| -> Vec<String> {
        engine
            .customer_view(&quote.customer, Currency::EUR)
            .unwrap()
            .open_quotes
            .into_iter()
            .map(|q| q.id)
            .collect()
    };
    assert_eq!(open(&engine), [quote.id.as_str()]);
    engine.withdraw_quote(&quote.id, v, "rep").unwrap();
    while engine.refresh_customer_metrics(1_000).unwrap() > 0 {}
    assert!(open(&engine).is_empty());
    assert_eq!(
        engine.customer_index(&quote.customer).unwrap().quotes,
        [quote.id.as_str()]
    );
}

#[test]
fn an_expiry_sweep_records_each_lapsed_open_quote_once() {
    let Shop {
        engine,
        clock,
        cart,
    } = shop();
    let quote = |expires_days| {
        engine
            .create_quote(&cart, &[], Timestamp(expires_days * DAY), "rep")
            .unwrap()
    };
    let (lapsing, _) = quote(101);
    let (later, _) = quote(105);
    let (accepted, v) = quote(101);
    engine.accept_quote(&accepted.id, v, 1).unwrap();
    let (withdrawn, v) = quote(101);
    engine.withdraw_quote(&withdrawn.id, v, "rep").unwrap();
    let cursor = engine.events_since(0, usize::MAX).unwrap().len() as u64;

    // Nothing has lapsed yet.
    assert_eq!(engine.expire_quotes(None, 100).unwrap(), (vec![], None));

    clock.advance(2 * DAY);
    // One quote per page: the sweep continues after the last one seen.
    let mut recorded = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let (page, next) = engine.expire_quotes(after.as_deref(), 1).unwrap();
        recorded.extend(page);
        pages += 1;
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(recorded, vec![lapsing.id.clone()]);
    assert!(pages >= 4, "4 quotes in pages of 1 took {pages} page(s)");
    let events: Vec<_> = engine
        .events_since(cursor, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        events,
        vec![EventKind::QuoteChanged {
            quote: lapsing.id.as_str().into(),
            customer: lapsing.customer.as_str().into(),
            status: QuoteStatus::Expired,
            revision: 1,
        }]
    );
    let (stored, _) = engine.quote(&lapsing.id).unwrap();
    assert!(stored.expiry_recorded);
    assert_eq!(stored.status_at(clock_now(&clock)), QuoteStatus::Expired);

    // Recorded once: the next sweep finds nothing new.
    assert_eq!(
        engine.expire_quotes(None, 100).unwrap().0,
        Vec::<String>::new()
    );
    // The later quote lapses in its turn.
    clock.advance(10 * DAY);
    assert_eq!(engine.expire_quotes(None, 100).unwrap().0, vec![later.id]);
}
