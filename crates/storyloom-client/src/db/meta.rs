//! Meta: the cache's key-value settings (the change-feed cursor, the account it belongs to).

use rusqlite::{Connection, OptionalExtension, params};

use crate::entity;
use crate::error::Result;

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Forget every cached row, queued mutation, conflict and the cursor (another account signed
/// in on this device: its data must not mix with the previous one's).
pub(crate) fn wipe(conn: &Connection) -> Result<()> {
    for spec in entity::ALL {
        conn.execute(&format!("DELETE FROM {}", spec.table), [])?;
    }
    conn.execute_batch("DELETE FROM outbox; DELETE FROM conflicts; DELETE FROM meta;")?;
    Ok(())
}

/// Meta key of the account the cache belongs to.
pub(crate) const OWNER: &str = "owner";

/// Meta key of the change-feed cursor.
pub(crate) const CURSOR: &str = "cursor";
