//! The connection pool, transactions with bounded retries, and statement
//! caching.
//!
//! Connections come from an `r2d2` pool; each carries its own cache of
//! prepared statements (a statement is parsed once per connection, then
//! only bound and executed: one round trip). Writes run in `READ
//! COMMITTED` transactions that lock what they decide on (`SELECT ... FOR
//! UPDATE`, conditional `UPDATE`s); a deadlock or serialization failure
//! rolls back and retries the whole operation a bounded number of times.

use std::collections::HashMap;

use kassa::{Error, Result};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};

/// Attempts of a write that hit a deadlock or serialization failure.
const RETRIES: u32 = 8;

pub(crate) fn pg(err: postgres::Error) -> Error {
    let reason = match err.as_db_error() {
        Some(db) => format!("postgres {}: {}", db.code().code(), db.message()),
        None => format!("postgres: {err}"),
    };
    Error::Storage { reason }
}

fn retryable(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

/// The SQLSTATE `kassa_require` raises: a guarded statement found a row
/// changed since it was read (see `optimistic.rs`).
const ROW_CHANGED: &str = "KA001";

/// A connection's prepared statements, by the address and length of
/// their text: every statement of this store is a `&'static str`, so its
/// address names it, and a lookup does not hash the text (2 KiB for a
/// guarded statement) on every call. Two copies of one text at two
/// addresses are only prepared twice.
type Statements = HashMap<(usize, usize), Statement>;

/// The key of `sql` in [`Statements`].
fn key(sql: &'static str) -> (usize, usize) {
    (sql.as_ptr() as usize, sql.len())
}

/// A pooled connection and its prepared statements.
pub(crate) struct Conn {
    client: Client,
    statements: Statements,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("statements", &self.statements.len())
            .finish()
    }
}

/// Opens connections for the pool.
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> std::result::Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// Where statements go: an open transaction, or the bare connection
/// (autocommit: each statement is its own transaction).
enum Inner<'a> {
    Tx(Transaction<'a>),
    Direct(&'a mut Client),
}

/// One transaction (or one autocommit statement), with the connection's
/// statement cache.
pub(crate) struct Tx<'a> {
    inner: Inner<'a>,
    statements: &'a mut Statements,
    /// Set when a statement failed in a way a retry can fix.
    retry: bool,
}

impl Tx<'_> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(&key(sql)) {
            return Ok(s.clone());
        }
        let prepared = match &mut self.inner {
            Inner::Tx(tx) => tx.prepare(sql),
            Inner::Direct(client) => client.prepare(sql),
        };
        let s = prepared.map_err(|e| self.fail(e))?;
        self.statements.insert(key(sql), s.clone());
        Ok(s)
    }

    fn fail(&mut self, err: postgres::Error) -> Error {
        self.retry |= retryable(&err);
        pg(err)
    }

    /// Marks the operation as worth retrying (a lost insert race).
    pub(crate) fn retry_later(&mut self) {
        self.retry = true;
    }

    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64> {
        let s = self.statement(sql)?;
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.execute(&s, params),
            Inner::Direct(client) => client.execute(&s, params),
        };
        done.map_err(|e| self.fail(e))
    }

    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.query(&s, params),
            Inner::Direct(client) => client.query(&s, params),
        };
        done.map_err(|e| self.fail(e))
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.query_opt(&s, params),
            Inner::Direct(client) => client.query_opt(&s, params),
        };
        done.map_err(|e| self.fail(e))
    }

    pub(crate) fn query_one(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row> {
        let s = self.statement(sql)?;
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.query_one(&s, params),
            Inner::Direct(client) => client.query_one(&s, params),
        };
        done.map_err(|e| self.fail(e))
    }

    /// Runs a guarded statement outside a transaction (one ending in
    /// `kassa_require`, see `optimistic.rs`): its rows when it landed,
    /// none when it was rolled back whole because a row had changed since
    /// it was read, a row it inserts was already there, or it lost a
    /// deadlock (the caller then decides again).
    pub(crate) fn query_guarded(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Vec<Row>>> {
        let s = self.statement(sql)?;
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.query(&s, params),
            Inner::Direct(client) => client.query(&s, params),
        };
        match done {
            Ok(rows) => Ok(Some(rows)),
            Err(e)
                if e.code().is_some_and(|c| {
                    c.code() == ROW_CHANGED || *c == SqlState::UNIQUE_VIOLATION
                }) || retryable(&e) =>
            {
                Ok(None)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        let done = match &mut self.inner {
            Inner::Tx(tx) => tx.batch_execute(sql),
            Inner::Direct(client) => client.batch_execute(sql),
        };
        done.map_err(|e| self.fail(e))
    }

    fn commit(self) -> std::result::Result<(), postgres::Error> {
        match self.inner {
            Inner::Tx(tx) => tx.commit(),
            Inner::Direct(_) => Ok(()),
        }
    }
}

/// What a statement run outside a transaction came to.
struct Ran<T> {
    result: Result<T>,
    /// A retry could fix the failure (the statement was rolled back).
    retry: bool,
    /// The connection is closed now.
    closed: bool,
}

/// The pool.
#[derive(Debug)]
pub(crate) struct Db {
    pool: r2d2::Pool<Manager>,
}

fn pool_error(err: r2d2::Error) -> Error {
    Error::Storage {
        reason: format!("postgres pool: {err}"),
    }
}

impl Db {
    pub(crate) fn new(pool: r2d2::Pool<Manager>) -> Db {
        Db { pool }
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`,
    /// rolled back when it returns `Err`; retried (from the start) after
    /// a deadlock or serialization failure, so `work` must not have
    /// effects outside the transaction.
    pub(crate) fn write<T>(&self, mut work: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get().map_err(pool_error)?;
            let Conn { client, statements } = &mut *conn;
            let tx = match client.transaction() {
                Ok(tx) => tx,
                // A connection the server closed (restart, terminated
                // backend) fails at BEGIN, before anything was sent: the
                // pool drops it and another one is taken.
                Err(_) if attempt < RETRIES => continue,
                Err(e) => return Err(pg(e)),
            };
            let mut tx = Tx {
                inner: Inner::Tx(tx),
                statements,
                retry: false,
            };
            match work(&mut tx) {
                Ok(value) => match tx.commit() {
                    Ok(()) => return Ok(value),
                    Err(e) if retryable(&e) && attempt < RETRIES => continue,
                    Err(e) => return Err(pg(e)),
                },
                Err(e) => {
                    let retry = tx.retry;
                    drop(tx);
                    if retry && attempt < RETRIES {
                        std::thread::sleep(std::time::Duration::from_micros(
                            200 * u64::from(attempt),
                        ));
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Runs `work`, a single writing statement, without a transaction
    /// around it: the statement is its own transaction (one round trip
    /// instead of three), so `work` must change the database in exactly
    /// one statement; reads after it (to explain a failure) see the result.
    /// Retried when the statement was rolled back (deadlock, serialization
    /// failure, a lost insert race) or the pooled connection was already
    /// closed before anything was sent. A connection lost while the
    /// statement ran is reported, not retried: it may have committed.
    pub(crate) fn write_one<T>(&self, mut work: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ran = self.direct(&mut work, attempt < RETRIES)?;
            match ran.result {
                Ok(value) => return Ok(value),
                Err(_) if ran.retry && attempt < RETRIES => {
                    std::thread::sleep(std::time::Duration::from_micros(200 * u64::from(attempt)));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs `work` on a pooled connection outside any transaction. With
    /// `fresh_only`, a connection already closed runs nothing: the outcome
    /// is a failure worth retrying.
    fn direct<T>(
        &self,
        work: &mut impl FnMut(&mut Tx<'_>) -> Result<T>,
        fresh_only: bool,
    ) -> Result<Ran<T>> {
        let mut conn = self.pool.get().map_err(pool_error)?;
        if fresh_only && conn.client.is_closed() {
            return Ok(Ran {
                result: Err(Error::Storage {
                    reason: "postgres: the pooled connection was closed".into(),
                }),
                retry: true,
                closed: true,
            });
        }
        let Conn { client, statements } = &mut *conn;
        let mut tx = Tx {
            inner: Inner::Direct(client),
            statements,
            retry: false,
        };
        let result = work(&mut tx);
        let retry = tx.retry;
        drop(tx);
        Ok(Ran {
            result,
            retry,
            closed: conn.client.is_closed(),
        })
    }

    /// Runs `work` in one read-only `REPEATABLE READ` transaction: one
    /// consistent snapshot.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get().map_err(pool_error)?;
            let Conn { client, statements } = &mut *conn;
            let begun = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start();
            match begun {
                Ok(tx) => {
                    let mut tx = Tx {
                        inner: Inner::Tx(tx),
                        statements,
                        retry: false,
                    };
                    let value = work(&mut tx)?;
                    tx.commit().map_err(pg)?;
                    return Ok(value);
                }
                // A connection the server closed fails at BEGIN; the pool
                // drops it and another one is taken.
                Err(_) if attempt < RETRIES => continue,
                Err(e) => return Err(pg(e)),
            }
        }
    }

    /// Runs `work`, a single read statement, without a transaction around
    /// it (one round trip instead of three; one statement is one snapshot).
    /// Retried on a fresh connection if the server closed this one, since a
    /// read has no effect to repeat.
    pub(crate) fn read_one<T>(&self, mut work: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ran = self.direct(&mut work, false)?;
            match ran.result {
                Ok(value) => return Ok(value),
                Err(_) if attempt < RETRIES && ran.closed => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
