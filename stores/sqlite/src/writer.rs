//! The writer connection, with group commit.
//!
//! SQLite runs one write transaction at a time per file, and on a busy
//! store most of a small write's cost is its commit (the log frames, the
//! shared-memory locks, the checkpoints). So threads of this process that
//! queue for the writer share commits: each write runs in a savepoint of
//! the open transaction (its own changes roll back alone if it fails), and
//! the thread that finds nobody queued behind it commits for everyone
//! before it. A caller returns only once the commit that holds its change
//! has happened, so durability and read-your-writes are exactly as with
//! one transaction per write; a failed commit fails every write in it. A
//! write that fails (a version conflict) also returns only once its group
//! is finished, so what it met is visible to the caller's next read.
//!
//! A thread that hands over waits on a condition variable. If the commit
//! it waits for does not come (the committing thread died), it takes the
//! writer after a short timeout and commits the group itself.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use kassa::{Error, Result};
use rusqlite::{Connection, ErrorCode};

use crate::conn::{sql, SqliteOptions};

/// Writes committed together at most (bounds a waiting caller's latency).
const MAX_GROUP: usize = 32;
/// How long a caller that handed over waits before committing itself.
const HANDOVER_TIMEOUT: Duration = Duration::from_millis(50);

/// Whether a write may share its commit with the writes queued after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// Hand the open transaction over when others are queued.
    Shared,
    /// Commit before returning (the caller updates in-memory state after
    /// the commit and must know it happened).
    Alone,
}

#[derive(Debug)]
struct Slot {
    conn: Connection,
    /// The group of the open transaction, if one is open.
    open: Option<u64>,
    /// Successful writes in the open transaction.
    members: usize,
    next_group: u64,
}

#[derive(Debug, Default)]
struct Finished {
    /// Every group up to this one is committed or failed.
    upto: u64,
    /// Recent failed commits: group and reason.
    failures: VecDeque<(u64, String)>,
}

/// One writer connection shared by the threads of this process.
#[derive(Debug)]
pub(crate) struct Writer {
    slot: Mutex<Slot>,
    queued: AtomicUsize,
    finished: Mutex<Finished>,
    done: Condvar,
    busy_retries: u32,
}

fn busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

impl Writer {
    pub(crate) fn new(conn: Connection, options: &SqliteOptions) -> Writer {
        Writer {
            slot: Mutex::new(Slot {
                conn,
                open: None,
                members: 0,
                next_group: 1,
            }),
            queued: AtomicUsize::new(0),
            finished: Mutex::new(Finished::default()),
            done: Condvar::new(),
            busy_retries: options.busy_retries,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A panic inside a write rolls its savepoint back (the guard's
        // drop), so a poisoned mutex still holds a usable connection.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finished(&self) -> MutexGuard<'_, Finished> {
        self.finished.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `work` in a `BEGIN IMMEDIATE` transaction (its own savepoint
    /// of it): its changes are committed when it returns `Ok` (possibly
    /// with other threads' writes, see the module documentation) and rolled
    /// back when it returns `Err`.
    pub(crate) fn write<T>(
        &self,
        commit: Commit,
        work: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut slot = self.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let group = match slot.open {
            Some(group) => group,
            None => self.begin(&mut slot)?,
        };
        let result = {
            let savepoint = slot.conn.savepoint().map_err(sql)?;
            let result = work(&savepoint);
            if result.is_ok() {
                savepoint.commit().map_err(sql)?;
            }
            // Dropped without commit: rolled back to where it began.
            result
        };
        if result.is_ok() {
            slot.members += 1;
        }
        // An I/O error or a full disk can make SQLite roll the whole
        // transaction back; then the group ends here, failed.
        let hand_over = commit == Commit::Shared
            && !slot.conn.is_autocommit()
            && slot.members < MAX_GROUP
            && self.queued.load(Ordering::SeqCst) > 0;
        if !hand_over {
            let committed = self.finish(&mut slot, group);
            return committed.and(result);
        }
        drop(slot);
        // A failed write waits for the group too: what it conflicted with
        // may be an uncommitted write of this group, and a caller that
        // reads again after `concurrent_modification` must see it (else
        // it retries against a snapshot without it, and conflicts again).
        let waited = self.wait_for(group);
        let value = result?;
        waited.map(|()| value)
    }

    /// Commits whatever transaction is open (before work that manages its
    /// own, such as a migration), then runs `work` on the connection.
    pub(crate) fn with_connection<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut slot = self.lock();
        if let Some(group) = slot.open {
            self.finish(&mut slot, group)?;
        }
        work(&mut slot.conn)
    }

    fn begin(&self, slot: &mut Slot) -> Result<u64> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match slot.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(e) if busy(&e) && attempt <= self.busy_retries => continue,
                Err(e) => return Err(sql(e)),
            }
        }
        let group = slot.next_group;
        slot.next_group += 1;
        slot.open = Some(group);
        slot.members = 0;
        Ok(group)
    }

    /// Commits (or, with nothing in it, rolls back) the open transaction of
    /// `group` and wakes the threads waiting for it.
    fn finish(&self, slot: &mut Slot, group: u64) -> Result<()> {
        let outcome = if slot.conn.is_autocommit() {
            // Nothing open any more: SQLite rolled it back after an error.
            if slot.members == 0 {
                Ok(())
            } else {
                Err(Error::Storage {
                    reason: "sqlite rolled the transaction back after an error".into(),
                })
            }
        } else if slot.members == 0 {
            slot.conn.execute_batch("ROLLBACK").map_err(sql)
        } else {
            self.commit(&slot.conn)
        };
        slot.open = None;
        slot.members = 0;
        let mut finished = self.finished();
        finished.upto = group;
        if let Err(e) = &outcome {
            finished.failures.push_back((group, e.to_string()));
            while finished.failures.len() > 64 {
                finished.failures.pop_front();
            }
        }
        drop(finished);
        self.done.notify_all();
        outcome
    }

    fn commit(&self, conn: &Connection) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // A busy COMMIT leaves the transaction open; it may be retried.
            match conn.execute_batch("COMMIT") {
                Ok(()) => return Ok(()),
                Err(e) if busy(&e) && attempt <= self.busy_retries => continue,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(sql(e));
                }
            }
        }
    }

    /// Waits until `group` is committed; commits it here if its committer
    /// does not within the timeout.
    fn wait_for(&self, group: u64) -> Result<()> {
        let mut finished = self.finished();
        while finished.upto < group {
            let (next, timeout) = self
                .done
                .wait_timeout(finished, HANDOVER_TIMEOUT)
                .unwrap_or_else(|p| p.into_inner());
            finished = next;
            if timeout.timed_out() && finished.upto < group {
                drop(finished);
                let mut slot = self.lock();
                if slot.open == Some(group) {
                    self.finish(&mut slot, group)?;
                }
                drop(slot);
                finished = self.finished();
            }
        }
        match finished.failures.iter().find(|(g, _)| *g == group) {
            Some((_, reason)) => Err(Error::Storage {
                reason: format!("the commit of this write failed: {reason}"),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn open(path: &std::path::Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn
    }

    #[test]
    fn shared_commits_keep_every_success_and_no_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let setup = open(&path);
        setup
            .execute_batch("CREATE TABLE t (thread INTEGER, n INTEGER)")
            .unwrap();
        let writer = Arc::new(Writer::new(open(&path), &SqliteOptions::default()));
        let handles: Vec<_> = (0..8)
            .map(|thread| {
                let writer = Arc::clone(&writer);
                let path = path.clone();
                std::thread::spawn(move || {
                    let reader = open(&path);
                    for n in 0..100 {
                        let result = writer.write(Commit::Shared, |conn| {
                            conn.execute("INSERT INTO t VALUES (?1, ?2)", [thread, n])
                                .map_err(sql)?;
                            if n % 3 == 0 {
                                return Err(Error::Storage {
                                    reason: "refused".into(),
                                });
                            }
                            Ok(n)
                        });
                        assert_eq!(result.is_ok(), n % 3 != 0);
                        // Committed when the call returns: another
                        // connection sees it (or, for a failure, never does).
                        let seen: i64 = reader
                            .query_row(
                                "SELECT count(*) FROM t WHERE thread = ?1 AND n = ?2",
                                [thread, n],
                                |r| r.get(0),
                            )
                            .unwrap();
                        assert_eq!(seen, i64::from(n % 3 != 0), "thread {thread} write {n}");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let rows: i64 = setup
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 8 * 66);
        let groups = writer.lock().next_group - 1;
        assert!(
            groups < 800,
            "800 writes in {groups} transactions: none shared"
        );
    }

    #[test]
    fn a_failed_write_returns_once_what_it_met_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let setup = open(&path);
        setup.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let writer = Arc::new(Writer::new(open(&path), &SqliteOptions::default()));
        // Another thread seems queued, so the first write hands its open
        // transaction over instead of committing it.
        writer.queued.fetch_add(1, Ordering::SeqCst);
        let first = {
            let writer = Arc::clone(&writer);
            std::thread::spawn(move || {
                writer.write(Commit::Shared, |conn| {
                    conn.execute("INSERT INTO t VALUES (1)", []).map_err(sql)
                })
            })
        };
        while writer.lock().members == 0 {
            std::thread::yield_now();
        }
        // The second write meets the first one's row (uncommitted, in the
        // same transaction) and fails, as a version conflict would.
        let second = writer.write(Commit::Shared, |conn| {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .map_err(sql)?;
            Err::<(), _>(Error::Storage {
                reason: format!("met {n} row"),
            })
        });
        assert_eq!(
            second.unwrap_err().to_string(),
            "storage failure: met 1 row"
        );
        // When it returns, the row it met is visible to every reader.
        let rows: i64 = setup
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        assert_eq!(first.join().unwrap().unwrap(), 1);
    }

    #[test]
    fn a_group_left_open_is_committed_by_a_waiting_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let setup = open(&path);
        setup.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let writer = Writer::new(open(&path), &SqliteOptions::default());
        // Pretend another thread is queued, so this write hands over; nobody
        // comes, and the member commits its own group after the timeout.
        writer.queued.fetch_add(1, Ordering::SeqCst);
        let done = writer.write(Commit::Shared, |conn| {
            conn.execute("INSERT INTO t VALUES (1)", []).map_err(sql)
        });
        assert_eq!(done.unwrap(), 1);
        let rows: i64 = setup
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        assert!(writer.lock().open.is_none());
    }
}
