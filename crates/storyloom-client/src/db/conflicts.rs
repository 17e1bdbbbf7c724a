//! Conflicts parked for the app: a local edit that clashed with a server edit, or an entity
//! edited locally and deleted on the server, waiting for `keep_local` / `keep_server`.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use storyloom_domain::EntityKind;
use uuid::Uuid;

use super::rows::{now_ms, parse_json, parse_uuid};
use crate::entity::merge_fields;
use crate::error::Result;

/// A conflict waiting for the app.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRecord {
    /// Handle to pass to `keep_local` / `keep_server`.
    pub seq: i64,
    /// Entity kind (stories and custom events have conflicts).
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: Uuid,
    /// What clashed.
    pub kind: ConflictKind,
    /// The local version of the clashing fields (`{title?, content?}`) or the whole local
    /// entity when the server deleted it.
    pub local: Value,
    /// The server's entity, or `None` when the server deleted it.
    pub server: Option<Value>,
    /// When it was found (epoch ms).
    pub created_at: i64,
}

/// What kind of clash a conflict record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Both sides edited the same text fields.
    Edit,
    /// Edited locally, deleted on the server.
    DeletedOnServer,
}

impl ConflictKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::DeletedOnServer => "deletedOnServer",
        }
    }
}

fn conflict_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConflictRecord> {
    let entity: String = r.get(1)?;
    let kind: String = r.get(3)?;
    let server: Option<String> = r.get(5)?;
    Ok(ConflictRecord {
        seq: r.get(0)?,
        entity: EntityKind::from_name(&entity).unwrap_or(EntityKind::Story),
        entity_id: parse_uuid(&r.get::<_, String>(2)?)?,
        kind: if kind == "edit" {
            ConflictKind::Edit
        } else {
            ConflictKind::DeletedOnServer
        },
        local: parse_json(&r.get::<_, String>(4)?)?,
        server: server.as_deref().map(parse_json).transpose()?,
        created_at: r.get(6)?,
    })
}

const CONFLICT_COLS: &str = "seq, entity, entity_id, kind, local, server, created_at";

/// Record a conflict; a newer clash on the same entity merges into the existing record
/// (local fields accumulate, server copy is the latest).
pub(crate) fn put(
    conn: &Connection,
    entity: EntityKind,
    id: Uuid,
    kind: ConflictKind,
    local: &Value,
    server: Option<&Value>,
) -> Result<()> {
    let mut local = local.clone();
    if let Some(old) = for_entity(conn, entity, id)?
        && kind == ConflictKind::Edit
        && old.kind == ConflictKind::Edit
    {
        let mut merged = old.local.clone();
        merge_fields(&mut merged, &local);
        local = merged;
    }
    conn.execute(
        "INSERT INTO conflicts (entity, entity_id, kind, local, server, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
           kind = excluded.kind, local = excluded.local, server = excluded.server",
        params![
            entity.name(),
            id.to_string(),
            kind.as_str(),
            serde_json::to_string(&local)?,
            server.map(serde_json::to_string).transpose()?,
            now_ms()
        ],
    )?;
    Ok(())
}

pub(crate) fn for_entity(
    conn: &Connection,
    entity: EntityKind,
    id: Uuid,
) -> Result<Option<ConflictRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CONFLICT_COLS} FROM conflicts WHERE entity = ?1 AND entity_id = ?2"
        ))?
        .query_row(params![entity.name(), id.to_string()], conflict_from)
        .optional()?)
}

pub(crate) fn get(conn: &Connection, seq: i64) -> Result<Option<ConflictRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {CONFLICT_COLS} FROM conflicts WHERE seq = ?1"),
            params![seq],
            conflict_from,
        )
        .optional()?)
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<ConflictRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CONFLICT_COLS} FROM conflicts ORDER BY seq"
    ))?;
    let rows = stmt
        .query_map([], conflict_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn remove(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM conflicts WHERE seq = ?1", params![seq])?;
    Ok(())
}

pub(crate) fn remove_for(conn: &Connection, entity: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        "DELETE FROM conflicts WHERE entity = ?1 AND entity_id = ?2",
        params![entity.name(), id.to_string()],
    )?;
    Ok(())
}

//
