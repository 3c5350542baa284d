//! Customer profiles: emails unique per store whatever the letter case,
//! under concurrency too.

use std::sync::{Arc, Barrier};
use std::thread;

use super::{engine, ensure, run, Outcome, THREADS};
use crate::store::{EventKind, Store};

/// Emails are unique ignoring case; changing an email frees the old one;
/// a stale update is refused; `THREADS` threads creating profiles with
/// one email at once leave exactly one profile holding it.
///
/// # Errors
///
/// The violated property.
pub fn customer_emails_stay_unique<S: Store + 'static>(store: S) -> Outcome {
    let engine = Arc::new(engine(store));
    let (ada, v) = run(
        engine.create_customer(|c| {
            c.name = "Ada".into();
            c.set_email(Some("Ada@Example.com"))
        }),
        "create",
    )?;
    let by_email = run(engine.customer_by_email("ADA@example.com"), "by email")?;
    ensure(by_email.is_some_and(|(c, _)| c.id == ada.id), || {
        "lookup by email must ignore case".into()
    })?;
    let taken = engine.create_customer(|c| c.set_email(Some("ada@EXAMPLE.com")));
    ensure(taken.is_err_and(|e| e.code() == "duplicate_email"), || {
        "a second profile with the same email (other case) must be duplicate_email".into()
    })?;
    let (moved, v2) = run(
        engine.update_customer(&ada.id, v, |c| c.set_email(Some("ada@lovelace.org"))),
        "change email",
    )?;
    ensure(v2 == v + 1 && moved.email.is_some(), || {
        "update returns the new version".into()
    })?;
    ensure(
        run(engine.customer_by_email("ada@example.com"), "old email")?.is_none(),
        || "the old email must be free after a change".into(),
    )?;
    let (other, _) = run(
        engine.create_customer(|c| c.set_email(Some("ada@example.com"))),
        "reuse a freed email",
    )?;
    ensure(other.id != ada.id, || "a new profile gets a new id".into())?;
    ensure(
        engine
            .update_customer(&ada.id, v, |c| {
                c.name = "stale".into();
                Ok(())
            })
            .is_err_and(|e| e.code() == "concurrent_modification"),
        || "a stale update must be concurrent_modification".into(),
    )?;
    let bad = engine.update_customer(&ada.id, v2, |c| c.set_email(Some("not an email")));
    ensure(bad.is_err_and(|e| e.code() == "invalid_email"), || {
        "a bad email must be invalid_email".into()
    })?;
    let (now, _) = run(engine.customer(&ada.id), "read")?;
    ensure(now == moved, || {
        "a refused update must change nothing".into()
    })?;
    // Racing creators.
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                let email = if t % 2 == 0 {
                    "race@example.com"
                } else {
                    "RACE@example.com"
                };
                engine
                    .create_customer(|c| c.set_email(Some(email)))
                    .map(|(c, _)| c.id)
                    .map_err(|e| (e.code(), e.to_string()))
            })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        match h.join().map_err(|_| "a creator panicked".to_string())? {
            Ok(id) => winners.push(id),
            Err(("duplicate_email", _)) => {}
            Err((code, message)) => {
                return Err(format!("a racing creator failed with {code}: {message}"))
            }
        }
    }
    ensure(winners.len() == 1, || {
        format!("{} profiles hold one email after a race", winners.len())
    })?;
    let holder = run(engine.customer_by_email("race@example.com"), "race email")?;
    ensure(holder.is_some_and(|(c, _)| c.id == winners[0]), || {
        "the winner holds the email".into()
    })?;
    let events = run(engine.events_since(0, 1_000), "events")?;
    let created = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::CustomerCreated { .. }))
        .count();
    ensure(created == 3, || {
        format!("{created} customer_created events for 3 profiles")
    })
}
