//! Carry out the planner's decision on the cache, inside the caller's transaction.
//!
//! This module owns "apply a server row to the cache": the sync engine calls it for pulled
//! changes and conflict answers, the repositories for the answers of generation calls.

use rusqlite::Connection;
use serde_json::Value;
use storyloom_domain::{Change, EntityKind, MutationOp};
use uuid::Uuid;

use super::EntityEvent;
use super::plan::{Action, LocalRow, plan_by};
use crate::db::SyncStatus;
use crate::db::conflicts::{self, ConflictKind};
use crate::db::outbox::{self, OutboxState};
use crate::db::rows::{self, StoredRow, now_ms};
use crate::entity::{self, VERSION, merge_fields};
use crate::error::Result;

fn ms_to_time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    storyloom_domain::time::from_millis(ms)
}

/// The planner's view of a stored row plus what is queued for it.
pub(crate) fn local_view(conn: &Connection, row: &StoredRow, kind: EntityKind) -> Result<LocalRow> {
    let spec = entity::spec(kind);
    let queued = outbox::for_entity(conn, kind, row.id)?;
    let pending_increments = queued
        .iter()
        .filter(|e| e.op == MutationOp::Increment)
        .filter_map(|e| spec.increment_of(e.fields.as_ref()))
        .sum();
    let has_pending_edit = queued
        .iter()
        .any(|e| matches!(e.op, MutationOp::Create | MutationOp::Update));
    Ok(LocalRow {
        data: row.data.clone(),
        version: row.version,
        status: row.status,
        deleted: row.deleted,
        lww_edited_at: row.edited_at.map(ms_to_time),
        pending_increments,
        has_pending_edit,
    })
}

/// Plan and apply one server change; observers' events are appended to `events` (sent by the
/// caller once the transaction has committed).
pub(crate) fn apply_change(
    tx: &Connection,
    change: &Change,
    events: &mut Vec<EntityEvent>,
) -> Result<()> {
    let kind = change.entity;
    let id = change.id;
    let row = rows::get(tx, kind, id)?;
    let local = row.as_ref().map(|r| local_view(tx, r, kind)).transpose()?;
    let action = plan_by(
        entity::spec(kind),
        local.as_ref(),
        row.as_ref().and_then(|r| r.base.as_ref()),
        change,
    );
    tracing::trace!(entity = kind.name(), %id, version = change.version, ?action, "planned");
    execute(tx, change, row, action, events)
}

fn drop_edits(tx: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    for e in outbox::for_entity(tx, kind, id)? {
        if matches!(e.op, MutationOp::Create | MutationOp::Update) {
            outbox::remove(tx, e.seq)?;
        }
    }
    Ok(())
}

fn remove_local(
    tx: &Connection,
    kind: EntityKind,
    id: Uuid,
    row: Option<&StoredRow>,
) -> Result<()> {
    // A text conflict still waiting for the app now concerns a deleted story: keep the
    // user's words as a "deleted on server" conflict instead of dropping them.
    if let Some(c) = conflicts::for_entity(tx, kind, id)?
        && c.kind == ConflictKind::Edit
    {
        let mut local = row.map(|r| r.data.clone()).unwrap_or(Value::Null);
        merge_fields(&mut local, &c.local);
        conflicts::put(tx, kind, id, ConflictKind::DeletedOnServer, &local, None)?;
    }
    crate::db::forget_children(tx, kind, id)?;
    rows::delete(tx, kind, id)?;
    outbox::remove_for(tx, kind, id)?;
    Ok(())
}

fn synced_row(id: Uuid, data: Value, version: i64, old: Option<&StoredRow>) -> StoredRow {
    let mut r = StoredRow::synced(id, data, version);
    if let Some(old) = old {
        r.edited_at = old.edited_at;
    }
    r
}

fn execute(
    tx: &Connection,
    change: &Change,
    row: Option<StoredRow>,
    action: Action,
    events: &mut Vec<EntityEvent>,
) -> Result<()> {
    let (kind, id, version) = (change.entity, change.id, change.version);
    let remote = if change.deleted {
        None
    } else {
        change.data.as_ref()
    };
    match action {
        Action::Ignore => {}
        Action::TakeServer { data } => {
            let mut r = synced_row(id, data, version, row.as_ref());
            if conflicts::for_entity(tx, kind, id)?.is_some() {
                r.status = SyncStatus::Conflict;
            }
            rows::put(tx, kind, &r)?;
            events.push(EntityEvent::Changed { entity: kind, id });
        }
        Action::DeleteLocal => {
            if row.is_some() {
                remove_local(tx, kind, id, row.as_ref())?;
                events.push(EntityEvent::Deleted { entity: kind, id });
            }
        }
        Action::ServerWins { data, lost } => {
            drop_edits(tx, kind, id)?;
            match data {
                Some(d) => {
                    rows::put(tx, kind, &synced_row(id, d, version, row.as_ref()))?;
                    events.push(EntityEvent::Changed { entity: kind, id });
                }
                None => {
                    remove_local(tx, kind, id, row.as_ref())?;
                    events.push(EntityEvent::Deleted { entity: kind, id });
                }
            }
            events.push(EntityEvent::LostLocalEdit {
                entity: kind,
                id,
                local: lost,
            });
        }
        Action::KeepLocal { base } => {
            if let Some(mut r) = row {
                if let Some(b) = base {
                    r.base = Some(b);
                }
                r.version = r.version.max(version);
                rows::put(tx, kind, &r)?;
                for e in outbox::for_entity(tx, kind, id)? {
                    if e.op == MutationOp::Delete && e.base_version.is_some_and(|b| b < r.version) {
                        outbox::set_base(tx, e.seq, Some(r.version))?;
                    }
                }
            }
        }
        Action::Merge {
            data,
            resend,
            conflict,
        } => {
            drop_edits(tx, kind, id)?;
            let mut r = synced_row(id, data, version, row.as_ref());
            // The base is the server copy, so the next 3-way decision sees what is local.
            r.base = remote.cloned();
            if let Some(fields) = &resend {
                outbox::push(
                    tx,
                    kind,
                    MutationOp::Update,
                    id,
                    Some(version),
                    Some(fields),
                )?;
            }
            let pending = !outbox::for_entity(tx, kind, id)?.is_empty();
            if let Some(c) = &conflict {
                conflicts::put(tx, kind, id, ConflictKind::Edit, c, r.base.as_ref())?;
                events.push(EntityEvent::Conflict { entity: kind, id });
            }
            r.status = if conflict.is_some() || conflicts::for_entity(tx, kind, id)?.is_some() {
                SyncStatus::Conflict
            } else if pending {
                SyncStatus::PendingUpdate
            } else {
                SyncStatus::Synced
            };
            rows::put(tx, kind, &r)?;
            events.push(EntityEvent::Changed { entity: kind, id });
        }
        Action::ConflictDeleted { local } => {
            conflicts::put(tx, kind, id, ConflictKind::DeletedOnServer, &local, None)?;
            remove_local(tx, kind, id, row.as_ref())?;
            events.push(EntityEvent::Deleted { entity: kind, id });
            events.push(EntityEvent::Conflict { entity: kind, id });
        }
    }
    Ok(())
}

/// Mark an outbox entry as parked for the app, with the server's message on its row.
pub(crate) fn park(
    tx: &Connection,
    seq: i64,
    kind: EntityKind,
    id: Uuid,
    message: &str,
) -> Result<()> {
    outbox::park(tx, seq, message)?;
    if let Some(mut r) = rows::get(tx, kind, id)? {
        r.status = SyncStatus::Failed;
        r.sync_error = Some(message.to_owned());
        rows::put(tx, kind, &r)?;
    }
    Ok(())
}

/// After mutation `seq` of `(kind, id)` was applied at `version`: remember the new server
/// state, re-base later queued edits of the entity on it, and mark the row synced when
/// nothing else waits.
pub(crate) fn mark_applied(
    tx: &Connection,
    entry: &outbox::OutboxEntry,
    version: Option<i64>,
) -> Result<()> {
    let (kind, id) = (entry.entity, entry.id);
    outbox::remove(tx, entry.seq)?;
    let Some(mut row) = rows::get(tx, kind, id)? else {
        return Ok(());
    };
    if entry.op == MutationOp::Delete {
        if row.deleted {
            rows::delete(tx, kind, id)?;
            outbox::remove_for(tx, kind, id)?;
        }
        return Ok(());
    }
    let version = version.unwrap_or(row.version).max(row.version);
    let mut base = row.base.clone().unwrap_or_else(|| row.data.clone());
    match entry.op {
        MutationOp::Create | MutationOp::Update => {
            if let Some(f) = &entry.fields {
                merge_fields(&mut base, f);
            }
        }
        MutationOp::Increment => {
            let spec = entity::spec(kind);
            let n = spec.increment_of(entry.fields.as_ref());
            if let Some(n) = n {
                base = spec.with_increments(base, n);
            }
        }
        MutationOp::Delete => {}
    }
    base[VERSION] = Value::from(version);
    row.base = Some(base);
    row.version = version;
    row.data[VERSION] = Value::from(version);
    let rest = outbox::for_entity(tx, kind, id)?;
    for e in &rest {
        if matches!(e.op, MutationOp::Update | MutationOp::Delete)
            && e.state == OutboxState::Queued
            && e.base_version.is_none_or(|b| b < version)
        {
            outbox::set_base(tx, e.seq, Some(version))?;
        }
    }
    let has_conflict = conflicts::for_entity(tx, kind, id)?.is_some();
    if rest.is_empty() {
        row.status = if has_conflict {
            SyncStatus::Conflict
        } else {
            SyncStatus::Synced
        };
        row.sync_error = None;
        row.last_synced_at = Some(now_ms());
    } else if row.status == SyncStatus::PendingCreate {
        row.status = SyncStatus::PendingUpdate;
    }
    rows::put(tx, kind, &row)?;
    Ok(())
}
