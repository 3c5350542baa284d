//! A PostgreSQL server for the tests: `KASSA_POSTGRES_URL`, and a fresh
//! schema per store, dropped afterwards.
//!
//! Without the variable the tests say they were skipped and pass, unless
//! `KASSA_REQUIRE_POSTGRES` or `CI` is set: there a skip is a failure.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use kassa_postgres::{PostgresOptions, PostgresStore};

/// The server's connection string, or `None` (after saying so) when the
/// suite may be skipped.
pub fn url(suite: &str) -> Option<String> {
    match std::env::var("KASSA_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var_os("KASSA_REQUIRE_POSTGRES").is_some()
                || std::env::var_os("CI").is_some();
            assert!(
                !required,
                "KASSA_POSTGRES_URL is not set, and PostgreSQL is required here \
                 (run through scripts/with-postgres)"
            );
            eprintln!(
                "SKIPPED {suite}: KASSA_POSTGRES_URL is not set \
                 (run `scripts/with-postgres cargo test -p kassa-postgres`)"
            );
            None
        }
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Schemas made by this test process, dropped by [`Schemas::drop`].
#[derive(Debug)]
pub struct Schemas {
    pub url: String,
    made: Mutex<Vec<String>>,
}

impl Schemas {
    pub fn new(url: String) -> Self {
        Schemas {
            url,
            made: Mutex::new(Vec::new()),
        }
    }

    /// A new, empty schema's name.
    pub fn name(&self) -> String {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.made.lock().unwrap().push(name.clone());
        name
    }

    /// A store in a new, empty schema.
    pub fn store(&self) -> PostgresStore {
        self.store_in(&self.name())
    }

    /// A store in `schema`.
    pub fn store_in(&self, schema: &str) -> PostgresStore {
        PostgresStore::connect_with(
            &self.url,
            PostgresOptions {
                schema: schema.into(),
                pool_size: 12,
                ..PostgresOptions::default()
            },
        )
        .unwrap()
    }

    /// A plain client, for checks and faults.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        let made = std::mem::take(&mut *self.made.lock().unwrap_or_else(|p| p.into_inner()));
        if made.is_empty() {
            return;
        }
        if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
            for schema in made {
                let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}
