//! The local cache's schema: the current `CREATE` script, its version, and the ladder that
//! brings an older database up to it (`PRAGMA user_version`), as in app-services' components.
//!
//! Rules: a released step is never edited, only followed by a new one; every step runs in the
//! opening transaction; the test at the bottom checks that an upgraded old database has exactly
//! the tables, columns and indexes of a fresh one.
//!
//! There are no foreign keys between entity tables on purpose: the change feed orders rows by
//! version, not by reference (a story can arrive before its hero was last updated), so a page
//! may hold a child before its parent. Cascades (hero → stories → illustrations) are done by the
//! repositories and by the server's own tombstones.

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// The schema version [`CREATE`] builds.
pub const VERSION: i64 = 3;

/// Version 1's tables. Frozen: version 1 databases in the field were made by exactly this.
macro_rules! tables_v1 {
    () => {
        "
CREATE TABLE heroes (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    base TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    sync_status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    local_updated_at INTEGER NOT NULL,
    last_synced_at INTEGER,
    sync_error TEXT
);
CREATE TABLE stories (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    base TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    sync_status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    local_updated_at INTEGER NOT NULL,
    last_synced_at INTEGER,
    sync_error TEXT,
    hero_id TEXT NOT NULL,
    favorite_edited_at INTEGER
);
CREATE TABLE illustrations (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    base TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    sync_status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    local_updated_at INTEGER NOT NULL,
    last_synced_at INTEGER,
    sync_error TEXT,
    story_id TEXT NOT NULL
);
CREATE TABLE custom_events (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    base TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    sync_status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    local_updated_at INTEGER NOT NULL,
    last_synced_at INTEGER,
    sync_error TEXT
);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    op TEXT NOT NULL,
    id TEXT NOT NULL,
    base_version INTEGER,
    fields TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed')),
    last_error TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE conflicts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    local TEXT NOT NULL,
    server TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (entity, entity_id)
);
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
"
    };
}

/// Version 2: indexes for "stories of a hero", "illustrations of a story" and "pending
/// mutations of an entity", which the repositories and the sync engine ask on every write.
macro_rules! step_v2 {
    () => {
        "
CREATE INDEX stories_hero_id ON stories (hero_id);
CREATE INDEX illustrations_story_id ON illustrations (story_id);
CREATE INDEX outbox_entity_id ON outbox (entity, id);
"
    };
}

/// Version 3: listening sessions (issue 18), the common columns of a synced table.
macro_rules! step_v3 {
    () => {
        "
CREATE TABLE listening_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    base TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    sync_status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    local_updated_at INTEGER NOT NULL,
    last_synced_at INTEGER,
    sync_error TEXT
);
"
    };
}

/// The whole current schema, for a new database.
pub const CREATE: &str = concat!(tables_v1!(), step_v2!(), step_v3!());

#[cfg(test)]
const V1: &str = tables_v1!();

/// Bring `conn` to [`VERSION`]: create it when empty, else climb the ladder.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == 0 {
        tx.execute_batch(CREATE)?;
    } else if current < VERSION {
        upgrade_from(&tx, current)?;
    } else if current > VERSION {
        // A newer app wrote this file; reading it could misinterpret rows.
        return Err(Error::Invalid(format!(
            "local database is version {current}, this build knows up to {VERSION}"
        )));
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Apply every step after `version`.
pub(crate) fn upgrade_from(tx: &Transaction<'_>, version: i64) -> Result<()> {
    if version < 2 {
        tx.execute_batch(step_v2!())?;
    }
    if version < 3 {
        tx.execute_batch(step_v3!())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table's columns and every index's definition, sorted: two databases with the same
    /// description have the same schema.
    fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT type, name, tbl_name, sql FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )
            .unwrap();
        let objects: Vec<(String, String, String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (ty, name, tbl, sql) in objects {
            if ty == "table" {
                let mut cols = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "{}:{}:{}:{:?}:{}",
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.push(format!("table {name}: {}", cols.join(", ")));
            } else {
                let sql = sql
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(format!("{ty} {name} on {tbl}: {sql}"));
            }
        }
        out
    }

    #[test]
    fn fresh_database_is_at_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
        // Migrating again is a no-op.
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn version_1_upgraded_equals_fresh() {
        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(V1).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        old.execute("INSERT INTO meta (key, value) VALUES ('cursor', '42')", [])
            .unwrap();
        migrate(&mut old).unwrap();

        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();

        assert_eq!(describe(&old), describe(&fresh));
        let v: i64 = old
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
        // Data survives the upgrade.
        let cursor: String = old
            .query_row("SELECT value FROM meta WHERE key = 'cursor'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(cursor, "42");
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(migrate(&mut conn).is_err());
    }
}
