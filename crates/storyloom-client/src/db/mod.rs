//! The local SQLite cache (rusqlite, bundled SQLite), done the mobile way (STYLE.md §14).
//!
//! - WAL, `foreign_keys = ON`, `synchronous = NORMAL`: fast commits that survive an app kill
//!   (only an OS crash can lose the last transactions, never corrupt the file).
//! - One writer connection and, for files, one reader, so reads never wait for a sync page
//!   being applied.
//! - Every write is a closure run by [`Db::write`] inside one immediate transaction that commits
//!   or rolls back as a unit: a repository's local row and its outbox mutation, or a pulled
//!   page and its cursor, are never half-stored.
//! - Async code calls [`Db::write_async`]/[`Db::read_async`], which move the work to tokio's
//!   blocking pool (no tokio-rusqlite).
//!
//! Submodules, each a set of functions on a connection or transaction that the layers above
//! compose inside [`Db::write`]: [`rows`] (the entity tables), [`outbox`] (queued
//! mutations), [`conflicts`] (clashes parked for the app), [`meta`] (cursor, owner). The
//! cache knows entities only through their declarations ([`crate::entity`]); it calls
//! nothing above it.

pub mod conflicts;
pub(crate) mod meta;
pub mod outbox;
pub(crate) mod rows;
pub mod schema;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use storyloom_domain::EntityKind;
use uuid::Uuid;

use crate::entity;
use crate::error::{Error, Result};

pub use rows::SyncStatus;

/// Drop a row for good with everything that belongs to it — its children (declared by their
/// [`entity::Parent`]), and everything queued or parked for any of them — as the server
/// deletes them with their parent.
pub(crate) fn forget(tx: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    forget_children(tx, kind, id)?;
    rows::delete(tx, kind, id)?;
    outbox::remove_for(tx, kind, id)?;
    conflicts::remove_for(tx, kind, id)?;
    Ok(())
}

/// [`forget`] every child of `(kind, id)`, keeping the row itself.
pub(crate) fn forget_children(tx: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    for child in entity::spec(kind).children() {
        for child_id in rows::child_ids(tx, child.kind, id)? {
            forget(tx, child.kind, child_id)?;
        }
    }
    Ok(())
}

/// Handle to the local cache; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    writer: Mutex<Connection>,
    /// `None` for in-memory databases, which a second connection could not see.
    reader: Option<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The per-row statements (a row and its outbox entry per write, a row, a conflict lookup
    // and a write per pulled change) are prepared once per connection: preparing them anew
    // was a tenth of a sync's time. One statement per entity kind for each, and some room.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Db {
    /// Open (or create) the cache at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = Connection::open(path)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "local cache could not switch to WAL");
        }
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&reader)?;
        Ok(Self {
            inner: Arc::new(DbInner {
                writer: Mutex::new(writer),
                reader: Some(Mutex::new(reader)),
            }),
        })
    }

    /// A private in-memory cache (tests, or an app that keeps nothing).
    pub fn open_in_memory() -> Result<Self> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        Ok(Self {
            inner: Arc::new(DbInner {
                writer: Mutex::new(writer),
                reader: None,
            }),
        })
    }

    fn lock(m: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>> {
        m.lock()
            .map_err(|_| Error::Invalid("database lock poisoned".into()))
    }

    /// Run `f` in one immediate transaction; commit if it returns `Ok`, roll back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = Self::lock(&self.inner.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Run `f` on the reader connection (a consistent snapshot per statement).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match &self.inner.reader {
            Some(r) => f(&*Self::lock(r)?),
            None => f(&*Self::lock(&self.inner.writer)?),
        }
    }

    /// [`Db::write`] on the blocking pool.
    pub async fn write_async<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write(f)).await?
    }

    /// [`Db::read`] on the blocking pool.
    pub async fn read_async<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read(f)).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_database_uses_wal_and_sees_writes_from_reader() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("cache.sqlite")).unwrap();
        db.write(|tx| {
            meta::set(tx, "cursor", "7")?;
            Ok(())
        })
        .unwrap();
        let v = db.read(|c| meta::get(c, "cursor")).unwrap();
        assert_eq!(v.as_deref(), Some("7"));
        let mode: String = db
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let fk: i64 = db
            .write(|tx| Ok(tx.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn failed_write_rolls_back() {
        let db = Db::open_in_memory().unwrap();
        let r: Result<()> = db.write(|tx| {
            meta::set(tx, "cursor", "1")?;
            Err(Error::Invalid("boom".into()))
        });
        assert!(r.is_err());
        assert_eq!(db.read(|c| meta::get(c, "cursor")).unwrap(), None);
    }
}
