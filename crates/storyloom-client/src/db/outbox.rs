//! The outbox: the durable, ordered queue of local mutations waiting for the server
//! (SYNC.md "Client side"). Each entry is appended in the same transaction as the local row
//! change it sends.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use storyloom_domain::{EntityKind, MutationOp};
use uuid::Uuid;

use super::rows::{now_ms, parse_json, parse_uuid};
use crate::error::Result;

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
    pub mutation_id: storyloom_domain::MutationId,
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
        mutation_id: parse_uuid(&r.get::<_, String>(1)?)?.into(),
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
pub(crate) fn push(
    conn: &Connection,
    entity: EntityKind,
    op: MutationOp,
    id: Uuid,
    base_version: Option<i64>,
    fields: Option<&Value>,
) -> Result<i64> {
    let fields = fields.map(serde_json::to_string).transpose()?;
    conn.prepare_cached(
        "INSERT INTO outbox (mutation_id, entity, op, id, base_version, fields, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        Uuid::now_v7().to_string(),
        entity.name(),
        op_name(op),
        id.to_string(),
        base_version,
        fields,
        now_ms()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Every entry for one entity, oldest first.
pub(crate) fn for_entity(
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
pub(crate) fn queued(conn: &Connection, after: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OUTBOX_COLS} FROM outbox WHERE state = 'queued' AND seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![after, limit as i64], outbox_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The whole outbox, oldest first (for the app's "pending changes" view).
pub(crate) fn all(conn: &Connection) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {OUTBOX_COLS} FROM outbox ORDER BY seq"))?;
    let rows = stmt
        .query_map([], outbox_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn get(conn: &Connection, seq: i64) -> Result<Option<OutboxEntry>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {OUTBOX_COLS} FROM outbox WHERE seq = ?1"))?
        .query_row(params![seq], outbox_from)
        .optional()?)
}

pub(crate) fn remove(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM outbox WHERE seq = ?1", params![seq])?;
    Ok(())
}

pub(crate) fn remove_for(conn: &Connection, entity: EntityKind, id: Uuid) -> Result<()> {
    conn.execute(
        "DELETE FROM outbox WHERE entity = ?1 AND id = ?2",
        params![entity.name(), id.to_string()],
    )?;
    Ok(())
}

pub(crate) fn set_fields(conn: &Connection, seq: i64, fields: &Value) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET fields = ?2 WHERE seq = ?1",
        params![seq, serde_json::to_string(fields)?],
    )?;
    Ok(())
}

/// Re-base a queued mutation on a newer server version. It becomes a new mutation with a new
/// idempotency key: the server remembers the old key with its old answer (a conflict) and
/// would replay that instead of applying the re-based one.
pub(crate) fn set_base(conn: &Connection, seq: i64, base: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET base_version = ?2, mutation_id = ?3 WHERE seq = ?1",
        params![seq, base, Uuid::now_v7().to_string()],
    )?;
    Ok(())
}

/// Count one more hand-over to the network. Entries with attempts > 0 may have reached the
/// server, so later local edits are never folded into them.
pub(crate) fn bump_attempts(conn: &Connection, seqs: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1")?;
    for s in seqs {
        stmt.execute(params![s])?;
    }
    Ok(())
}

pub(crate) fn park(conn: &Connection, seq: i64, message: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE seq = ?1",
        params![seq, message],
    )?;
    Ok(())
}

pub(crate) fn requeue(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'queued', last_error = NULL WHERE seq = ?1",
        params![seq],
    )?;
    Ok(())
}

//
