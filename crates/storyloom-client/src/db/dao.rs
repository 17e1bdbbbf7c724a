//! Row-level access to the cache tables. Every function takes a connection or a transaction
//! and does one thing; the repositories and the sync engine compose them inside
//! [`super::Db::write`].

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use storyloom_domain::{EntityKind, MutationOp};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Where a local row stands with the server (SYNC.md "Client side").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncStatus {
    /// Equal to the last server copy.
    Synced,
    /// Made locally, not yet on the server.
    PendingCreate,
    /// Edited locally, not yet on the server.
    PendingUpdate,
    /// Deleted locally (hidden), not yet on the server.
    PendingDelete,
    /// The server refused a mutation permanently; see `sync_error`.
    Failed,
    /// A local edit clashed with a server edit; a conflict record waits for the app.
    Conflict,
}

impl SyncStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "synced",
            Self::PendingCreate => "pendingCreate",
            Self::PendingUpdate => "pendingUpdate",
            Self::PendingDelete => "pendingDelete",
            Self::Failed => "failed",
            Self::Conflict => "conflict",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "synced" => Self::Synced,
            "pendingCreate" => Self::PendingCreate,
            "pendingUpdate" => Self::PendingUpdate,
            "pendingDelete" => Self::PendingDelete,
            "failed" => Self::Failed,
            "conflict" => Self::Conflict,
            _ => return None,
        })
    }
}

pub(crate) fn table(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Hero => "heroes",
        EntityKind::Story => "stories",
        EntityKind::Illustration => "illustrations",
        EntityKind::CustomEvent => "custom_events",
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One stored entity row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredRow {
    pub id: Uuid,
    /// The entity as the app sees it (wire JSON shape).
    pub data: Value,
    /// The last server copy, for 3-way decisions.
    pub base: Option<Value>,
    /// Server version of `base` (0: never on the server).
    pub version: i64,
    pub status: SyncStatus,
    /// Deleted locally, delete not yet pushed: hidden from reads.
    pub deleted: bool,
    pub local_updated_at: i64,
    pub last_synced_at: Option<i64>,
    pub sync_error: Option<String>,
    /// Stories only: when the app last set `isFavorite` (last-writer-wins input).
    pub favorite_edited_at: Option<i64>,
}

impl StoredRow {
    /// A row just received from the server.
    pub fn synced(id: Uuid, data: Value, version: i64) -> Self {
        let now = now_ms();
        Self {
            id,
            base: Some(data.clone()),
            data,
            version,
            status: SyncStatus::Synced,
            deleted: false,
            local_updated_at: now,
            last_synced_at: Some(now),
            sync_error: None,
            favorite_edited_at: None,
        }
    }
}

fn uuid_field(data: &Value, field: &str) -> Result<String> {
    data.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Invalid(format!("row has no {field}")))
}

fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_json(s: &str) -> rusqlite::Result<Value> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

const ROW_COLS: &str =
    "id, data, base, version, sync_status, deleted, local_updated_at, last_synced_at, sync_error";

fn row_from(r: &rusqlite::Row<'_>, has_fav: bool) -> rusqlite::Result<StoredRow> {
    let status: String = r.get(4)?;
    let base: Option<String> = r.get(2)?;
    Ok(StoredRow {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        data: parse_json(&r.get::<_, String>(1)?)?,
        base: base.as_deref().map(parse_json).transpose()?,
        version: r.get(3)?,
        status: SyncStatus::parse(&status).unwrap_or(SyncStatus::Failed),
        deleted: r.get::<_, i64>(5)? != 0,
        local_updated_at: r.get(6)?,
        last_synced_at: r.get(7)?,
        sync_error: r.get(8)?,
        favorite_edited_at: if has_fav { r.get(9)? } else { None },
    })
}

fn select_cols(kind: EntityKind) -> String {
    if kind == EntityKind::Story {
        format!("{ROW_COLS}, favorite_edited_at")
    } else {
        ROW_COLS.to_owned()
    }
}

/// The stored row of `id`, deleted or not.
pub(crate) fn get_row(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<Option<StoredRow>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        select_cols(kind),
        table(kind)
    );
    Ok(conn
        .query_row(&sql, params![id.to_string()], |r| {
            row_from(r, kind == EntityKind::Story)
        })
        .optional()?)
}

/// Visible rows (not locally deleted) matching `filter` (an SQL condition on `?1`, `?2`…).
pub(crate) fn list_rows(
    conn: &Connection,
    kind: EntityKind,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredRow>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE deleted = 0 {} {} ORDER BY id DESC",
        select_cols(kind),
        table(kind),
        if filter.is_empty() { "" } else { "AND" },
        filter
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(args, |r| row_from(r, kind == EntityKind::Story))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Insert or replace a row.
pub(crate) fn put_row(conn: &Connection, kind: EntityKind, row: &StoredRow) -> Result<()> {
    let data = serde_json::to_string(&row.data)?;
    let base = row.base.as_ref().map(serde_json::to_string).transpose()?;
    let common = params![
        row.id.to_string(),
        data,
        base,
        row.version,
        row.status.as_str(),
        row.deleted as i64,
        row.local_updated_at,
        row.last_synced_at,
        row.sync_error,
    ];
    match kind {
        EntityKind::Story => {
            let hero = uuid_field(&row.data, "heroId")?;
            let sql = format!(
                "INSERT OR REPLACE INTO stories ({ROW_COLS}, hero_id, favorite_edited_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            );
            let mut all: Vec<&dyn rusqlite::ToSql> = common.to_vec();
            all.push(&hero);
            all.push(&row.favorite_edited_at);
            conn.execute(&sql, all.as_slice())?;
        }
        EntityKind::Illustration => {
            let story = uuid_field(&row.data, "storyId")?;
            let sql = format!(
                "INSERT OR REPLACE INTO illustrations ({ROW_COLS}, story_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            );
            let mut all: Vec<&dyn rusqlite::ToSql> = common.to_vec();
            all.push(&story);
            conn.execute(&sql, all.as_slice())?;
        }
        _ => {
            let sql = format!(
                "INSERT OR REPLACE INTO {} ({ROW_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                table(kind)
            );
            conn.execute(&sql, common)?;
        }
    }
    Ok(())
}

/// Remove a row for good.
pub(crate) fn delete_row(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        &format!("DELETE FROM {} WHERE id = ?1", table(kind)),
        params![id.to_string()],
    )?;
    Ok(())
}

/// Ids of the rows of `kind` whose `column` equals `parent`.
pub(crate) fn child_ids(
    conn: &Connection,
    kind: EntityKind,
    column: &str,
    parent: Uuid,
) -> Result<Vec<Uuid>> {
    let sql = format!("SELECT id FROM {} WHERE {column} = ?1", table(kind));
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt
        .query_map(params![parent.to_string()], |r| {
            parse_uuid(&r.get::<_, String>(0)?)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

/// Every `(id, status)` of a table (for the full-resync sweep).
pub(crate) fn all_ids(conn: &Connection, kind: EntityKind) -> Result<Vec<(Uuid, SyncStatus)>> {
    let mut stmt = conn.prepare(&format!("SELECT id, sync_status FROM {}", table(kind)))?;
    let ids = stmt
        .query_map([], |r| {
            let s: String = r.get(1)?;
            Ok((
                parse_uuid(&r.get::<_, String>(0)?)?,
                SyncStatus::parse(&s).unwrap_or(SyncStatus::Failed),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// Outbox

/// State of an outbox entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting to be pushed (or being retried).
    Queued,
    /// Refused permanently; parked until the app retries or discards it.
    Failed,
}

/// One queued mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Position in the queue.
    pub seq: i64,
    /// Idempotency key sent to the server.
    pub mutation_id: Uuid,
    /// Entity kind.
    pub entity: EntityKind,
    /// Operation.
    pub op: MutationOp,
    /// Entity id.
    pub id: Uuid,
    /// Version the edit was made on (`None`: no precondition).
    pub base_version: Option<i64>,
    /// Create/update body, or `{playCount: n}`.
    pub fields: Option<Value>,
    /// Times it was handed to the network.
    pub attempts: i64,
    /// Queued or parked.
    pub state: OutboxState,
    /// The server's message for a parked entry.
    pub last_error: Option<String>,
    /// When it was queued (epoch ms).
    pub created_at: i64,
}

pub(crate) fn op_name(op: MutationOp) -> &'static str {
    match op {
        MutationOp::Create => "create",
        MutationOp::Update => "update",
        MutationOp::Delete => "delete",
        MutationOp::Increment => "increment",
    }
}

fn op_parse(s: &str) -> Option<MutationOp> {
    Some(match s {
        "create" => MutationOp::Create,
        "update" => MutationOp::Update,
        "delete" => MutationOp::Delete,
        "increment" => MutationOp::Increment,
        _ => return None,
    })
}

const OUTBOX_COLS: &str = "seq, mutation_id, entity, op, id, base_version, fields, attempts, state, last_error, created_at";

fn outbox_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let bad = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("bad outbox {what}").into(),
        )
    };
    let entity: String = r.get(2)?;
    let op: String = r.get(3)?;
    let fields: Option<String> = r.get(6)?;
    let state: String = r.get(8)?;
    Ok(OutboxEntry {
        seq: r.get(0)?,
        mutation_id: parse_uuid(&r.get::<_, String>(1)?)?,
        entity: EntityKind::from_name(&entity).ok_or_else(|| bad("entity"))?,
        op: op_parse(&op).ok_or_else(|| bad("op"))?,
        id: parse_uuid(&r.get::<_, String>(4)?)?,
        base_version: r.get(5)?,
        fields: fields.as_deref().map(parse_json).transpose()?,
        attempts: r.get(7)?,
        state: if state == "failed" {
            OutboxState::Failed
        } else {
            OutboxState::Queued
        },
        last_error: r.get(9)?,
        created_at: r.get(10)?,
    })
}

/// Append a mutation; returns its `seq`.
pub(crate) fn outbox_push(
    conn: &Connection,
    entity: EntityKind,
    op: MutationOp,
    id: Uuid,
    base_version: Option<i64>,
    fields: Option<&Value>,
) -> Result<i64> {
    let fields = fields.map(serde_json::to_string).transpose()?;
    conn.execute(
        "INSERT INTO outbox (mutation_id, entity, op, id, base_version, fields, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            Uuid::now_v7().to_string(),
            entity.name(),
            op_name(op),
            id.to_string(),
            base_version,
            fields,
            now_ms()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every entry for one entity, oldest first.
pub(crate) fn outbox_for(
    conn: &Connection,
    entity: EntityKind,
    id: Uuid,
) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OUTBOX_COLS} FROM outbox WHERE entity = ?1 AND id = ?2 ORDER BY seq"
    ))?;
    let rows = stmt
        .query_map(params![entity.name(), id.to_string()], outbox_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The next `limit` queued entries after `after`, oldest first.
pub(crate) fn outbox_queued(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OUTBOX_COLS} FROM outbox WHERE state = 'queued' AND seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![after, limit as i64], outbox_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The whole outbox, oldest first (for the app's "pending changes" view).
pub(crate) fn outbox_all(conn: &Connection) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {OUTBOX_COLS} FROM outbox ORDER BY seq"))?;
    let rows = stmt
        .query_map([], outbox_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn outbox_get(conn: &Connection, seq: i64) -> Result<Option<OutboxEntry>> {
    Ok(conn
        .query_row(
            &format!("SELECT {OUTBOX_COLS} FROM outbox WHERE seq = ?1"),
            params![seq],
            outbox_from,
        )
        .optional()?)
}

pub(crate) fn outbox_remove(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM outbox WHERE seq = ?1", params![seq])?;
    Ok(())
}

pub(crate) fn outbox_remove_for(conn: &Connection, entity: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        "DELETE FROM outbox WHERE entity = ?1 AND id = ?2",
        params![entity.name(), id.to_string()],
    )?;
    Ok(())
}

pub(crate) fn outbox_set_fields(conn: &Connection, seq: i64, fields: &Value) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET fields = ?2 WHERE seq = ?1",
        params![seq, serde_json::to_string(fields)?],
    )?;
    Ok(())
}

/// Re-base a queued mutation on a newer server version. It becomes a new mutation with a new
/// idempotency key: the server remembers the old key with its old answer (a conflict) and
/// would replay that instead of applying the re-based one.
pub(crate) fn outbox_set_base(conn: &Connection, seq: i64, base: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET base_version = ?2, mutation_id = ?3 WHERE seq = ?1",
        params![seq, base, Uuid::now_v7().to_string()],
    )?;
    Ok(())
}

/// Count one more hand-over to the network. Entries with attempts > 0 may have reached the
/// server, so later local edits are never folded into them.
pub(crate) fn outbox_bump_attempts(conn: &Connection, seqs: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1")?;
    for s in seqs {
        stmt.execute(params![s])?;
    }
    Ok(())
}

pub(crate) fn outbox_park(conn: &Connection, seq: i64, message: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE seq = ?1",
        params![seq, message],
    )?;
    Ok(())
}

pub(crate) fn outbox_requeue(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'queued', last_error = NULL WHERE seq = ?1",
        params![seq],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Conflicts

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
pub(crate) fn conflict_put(
    conn: &Connection,
    entity: EntityKind,
    id: Uuid,
    kind: ConflictKind,
    local: &Value,
    server: Option<&Value>,
) -> Result<()> {
    let mut local = local.clone();
    if let Some(old) = conflict_for(conn, entity, id)?
        && kind == ConflictKind::Edit
        && old.kind == ConflictKind::Edit
    {
        let mut merged = old.local.clone();
        crate::repo::merge_fields(&mut merged, &local);
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

pub(crate) fn conflict_for(
    conn: &Connection,
    entity: EntityKind,
    id: Uuid,
) -> Result<Option<ConflictRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {CONFLICT_COLS} FROM conflicts WHERE entity = ?1 AND entity_id = ?2"),
            params![entity.name(), id.to_string()],
            conflict_from,
        )
        .optional()?)
}

pub(crate) fn conflict_get(conn: &Connection, seq: i64) -> Result<Option<ConflictRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {CONFLICT_COLS} FROM conflicts WHERE seq = ?1"),
            params![seq],
            conflict_from,
        )
        .optional()?)
}

pub(crate) fn conflicts_all(conn: &Connection) -> Result<Vec<ConflictRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CONFLICT_COLS} FROM conflicts ORDER BY seq"
    ))?;
    let rows = stmt
        .query_map([], conflict_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn conflict_remove(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM conflicts WHERE seq = ?1", params![seq])?;
    Ok(())
}

pub(crate) fn conflict_remove_for(conn: &Connection, entity: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        "DELETE FROM conflicts WHERE entity = ?1 AND entity_id = ?2",
        params![entity.name(), id.to_string()],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Meta

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
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
    conn.execute_batch(
        "DELETE FROM heroes; DELETE FROM stories; DELETE FROM illustrations;
         DELETE FROM custom_events; DELETE FROM outbox; DELETE FROM conflicts; DELETE FROM meta;",
    )?;
    Ok(())
}

/// Meta key of the account the cache belongs to.
pub(crate) const OWNER: &str = "owner";

/// Meta key of the change-feed cursor.
pub(crate) const CURSOR: &str = "cursor";
