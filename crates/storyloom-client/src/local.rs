//! Local writes: the optimistic change of a cached row **and** the outbox mutation that sends
//! it, inside the caller's transaction (SYNC.md "Client side"), generic over the entity kind.
//!
//! Consecutive edits of an entity that has not been handed to the network yet are folded into
//! its queued create/update, so "create then edit offline" reaches the server as one create
//! with the final fields, and an edit never conflicts with its own earlier edit.
//!
//! Both the repositories (the app's writes) and the sync engine (re-creating an entity the
//! app kept after the server deleted it) write through here; it calls only the cache.

use rusqlite::Connection;
use serde_json::Value;
use storyloom_domain::{EntityKind, MutationOp};
use uuid::Uuid;

use crate::db::rows::{self, StoredRow, now_ms};
use crate::db::{SyncStatus, conflicts, outbox};
use crate::entity::{self, merge_fields};
use crate::error::{Error, Result};

/// Store a new local entity and queue its create.
pub(crate) fn create(
    tx: &Connection,
    kind: EntityKind,
    id: Uuid,
    data: Value,
    create_body: &Value,
) -> Result<()> {
    let row = StoredRow {
        id,
        data,
        base: None,
        version: 0,
        status: SyncStatus::PendingCreate,
        deleted: false,
        local_updated_at: now_ms(),
        last_synced_at: None,
        sync_error: None,
        edited_at: None,
    };
    rows::put(tx, kind, &row)?;
    outbox::push(tx, kind, MutationOp::Create, id, None, Some(create_body))?;
    Ok(())
}

/// The visible (not locally deleted) row of `id`, or [`Error::NotFound`].
pub(crate) fn live_row(tx: &Connection, kind: EntityKind, id: Uuid) -> Result<StoredRow> {
    match rows::get(tx, kind, id)? {
        Some(r) if !r.deleted => Ok(r),
        _ => Err(Error::NotFound { entity: kind, id }),
    }
}

/// The last queued mutation of `(kind, id)` if it has never been handed to the network
/// (attempts = 0), so a later local change may still be folded into it.
fn foldable_tail(
    tx: &Connection,
    kind: EntityKind,
    id: Uuid,
) -> Result<Option<outbox::OutboxEntry>> {
    Ok(outbox::for_entity(tx, kind, id)?
        .pop()
        .filter(|e| e.attempts == 0 && e.state == outbox::OutboxState::Queued))
}

/// Apply `patch` (an update body) to the local row and queue it; returns the new row data.
pub(crate) fn update(tx: &Connection, kind: EntityKind, id: Uuid, patch: &Value) -> Result<Value> {
    let spec = entity::spec(kind);
    let mut row = live_row(tx, kind, id)?;
    merge_fields(&mut row.data, patch);
    row.local_updated_at = now_ms();
    if spec
        .last_writer_field()
        .is_some_and(|f| patch.get(f).is_some())
    {
        row.edited_at = Some(row.local_updated_at);
    }
    if matches!(row.status, SyncStatus::Synced | SyncStatus::Failed) {
        row.status = SyncStatus::PendingUpdate;
    }
    rows::put(tx, kind, &row)?;

    // Fold into a create or update that can carry every patched field.
    if let Some(last) = foldable_tail(tx, kind, id)? {
        let foldable = match last.op {
            MutationOp::Update => true,
            MutationOp::Create => patch
                .as_object()
                .is_some_and(|o| o.keys().all(|k| spec.create_accepts(k))),
            _ => false,
        };
        if foldable {
            let mut fields = last
                .fields
                .clone()
                .unwrap_or_else(|| Value::Object(Default::default()));
            merge_fields(&mut fields, patch);
            outbox::set_fields(tx, last.seq, &fields)?;
            return Ok(row.data);
        }
    }
    let base = (row.version > 0).then_some(row.version);
    outbox::push(tx, kind, MutationOp::Update, id, base, Some(patch))?;
    Ok(row.data)
}

/// Add `count` to the entity's counter ([`entity::Merge::SumOfIncrements`]) and queue it as
/// an increment, at most `max` per mutation; `touch` records the rest of the change on the
/// row (a story's last-played time). Returns the new row data.
pub(crate) fn increment(
    tx: &Connection,
    kind: EntityKind,
    id: Uuid,
    count: i64,
    max: i64,
    touch: impl FnOnce(&mut Value, i64),
) -> Result<Value> {
    let spec = entity::spec(kind);
    let mut row = live_row(tx, kind, id)?;
    touch(&mut row.data, count);
    row.local_updated_at = now_ms();
    if matches!(row.status, SyncStatus::Synced | SyncStatus::Failed) {
        row.status = SyncStatus::PendingUpdate;
    }
    rows::put(tx, kind, &row)?;
    if let Some(last) = foldable_tail(tx, kind, id)?.filter(|e| e.op == MutationOp::Increment) {
        let n = spec.increment_of(last.fields.as_ref()).unwrap_or(0);
        if n + count <= max
            && let Some(body) = spec.increment_body(n + count)
        {
            outbox::set_fields(tx, last.seq, &body)?;
            return Ok(row.data);
        }
    }
    let body = spec
        .increment_body(count)
        .ok_or_else(|| Error::Invalid(format!("{} has no counter to increment", kind.name())))?;
    outbox::push(tx, kind, MutationOp::Increment, id, None, Some(&body))?;
    Ok(row.data)
}

/// Delete locally (hidden at once) and queue the delete; an entity the server never saw is
/// simply forgotten. Children go too, as they do on the server.
pub(crate) fn delete(tx: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    let mut row = live_row(tx, kind, id)?;
    let queued = outbox::for_entity(tx, kind, id)?;
    let never_sent = row.version == 0 && queued.iter().all(|e| e.attempts == 0);
    crate::db::forget_children(tx, kind, id)?;
    if never_sent {
        rows::delete(tx, kind, id)?;
        outbox::remove_for(tx, kind, id)?;
        conflicts::remove_for(tx, kind, id)?;
        return Ok(());
    }
    // Queued edits of a row about to be deleted are pointless; ones maybe sent stay in order.
    for e in queued
        .iter()
        .filter(|e| e.attempts == 0 && e.op != MutationOp::Create)
    {
        outbox::remove(tx, e.seq)?;
    }
    conflicts::remove_for(tx, kind, id)?;
    row.deleted = true;
    row.status = SyncStatus::PendingDelete;
    row.local_updated_at = now_ms();
    rows::put(tx, kind, &row)?;
    let base = (row.version > 0).then_some(row.version);
    outbox::push(tx, kind, MutationOp::Delete, id, base, None)?;
    Ok(())
}
