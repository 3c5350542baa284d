//! Connections: one writer, a pool of readers, busy handling.
//!
//! SQLite allows one writer at a time per file; in WAL mode readers never
//! block it and it never blocks them. So writes go through one connection
//! (threads of this process queue there instead of spinning on the file
//! lock, and share commits: [`crate::writer`]), in `BEGIN IMMEDIATE`
//! transactions that take the file's write lock up front (other processes
//! wait in SQLite's busy handler, bounded by
//! [`SqliteOptions::busy_timeout`], then a few bounded retries here). Reads
//! take a connection from a small pool.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use kassa::{Error, Result};
use rusqlite::{Connection, OpenFlags};

use crate::writer::{Commit, Writer};

/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// The default: in WAL mode a commit survives a crash of the process
    /// (it is in the log when the call returns) and the database is never
    /// corrupted; a power loss may roll back the last commits. SQLite's
    /// recommended setting for WAL.
    #[default]
    Normal,
    /// Every commit is fsynced: it also survives a power loss, at the cost
    /// of one disk flush per transaction.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Settings of [`crate::SqliteStore::open_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability of each commit.
    pub synchronous: Synchronous,
    /// How long one attempt waits for another process's write lock.
    pub busy_timeout: Duration,
    /// Attempts of a write that found the file locked (each after waiting
    /// `busy_timeout`) before `storage_error`.
    pub busy_retries: u32,
    /// Reader connections kept open between reads.
    pub max_idle_readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            busy_retries: 3,
            max_idle_readers: 4,
        }
    }
}

/// A storage failure from SQLite.
pub(crate) fn sql(err: rusqlite::Error) -> Error {
    Error::Storage {
        reason: format!("sqlite: {err}"),
    }
}

/// The file and its connections.
#[derive(Debug)]
pub(crate) struct Db {
    path: PathBuf,
    options: SqliteOptions,
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
}

impl Db {
    pub(crate) fn open(path: &Path, options: SqliteOptions) -> Result<Db> {
        let writer = connect(path, &options).map_err(sql)?;
        Ok(Db {
            path: path.to_owned(),
            writer: Writer::new(writer, &options),
            options,
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction: committed when it
    /// returns `Ok`, rolled back (nothing written) when it returns `Err`.
    /// Threads writing at the same time share commits (see
    /// [`crate::writer`]); the call returns once its change is committed.
    pub(crate) fn write<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.writer.write(Commit::Shared, work)
    }

    /// As [`Db::write`], committed before it returns even when other
    /// threads are queued: for callers that update in-memory state after
    /// the commit.
    pub(crate) fn write_alone<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.writer.write(Commit::Alone, work)
    }

    /// Runs `work` on a reader connection inside one read transaction, so
    /// everything it reads is one committed snapshot.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, &self.options).map_err(sql)?,
        };
        let result = {
            let tx = conn.unchecked_transaction().map_err(sql)?;
            let value = work(&tx);
            // A read transaction has nothing to commit; ending it releases
            // the snapshot so the log can be checkpointed.
            tx.finish().map_err(sql)?;
            value
        };
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.options.max_idle_readers {
            pool.push(conn);
        }
        result
    }

    /// Runs `work` on the writer connection outside a transaction (schema
    /// migration manages its own).
    pub(crate) fn with_writer<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        self.writer.with_connection(work)
    }
}

fn connect(path: &Path, options: &SqliteOptions) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(64);
    // Setting the journal mode returns the mode now in force.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", options.synchronous.pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Statement journals and sorts stay in memory instead of temp files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
    Ok(conn)
}
