//! Repositories: what the app calls to read and change its data.
//!
//! Reads come from the local cache only. Writes change the local row **and** append a mutation
//! to the outbox in one transaction, then return (optimistic; ids are client-made UUIDv7, so an
//! offline-made entity keeps its id on the server). Consecutive edits of an entity that has not
//! been handed to the network yet are folded into its queued create/update, so "create then
//! edit offline" reaches the server as one create with the final fields, and an edit never
//! conflicts with its own earlier edit. Generation (story text, audio, illustrations, avatar,
//! event enhancement) can only happen on the server: those calls go online and answer
//! [`crate::Error::Offline`] without a connection.

mod events;
mod heroes;
mod stories;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;
use storyloom_domain::{Change, EntityKind, FieldErrors, MutationOp, Validate};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::api::ApiClient;
use crate::db::dao::{self, StoredRow, now_ms};
use crate::db::{Db, SyncStatus};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

pub use events::CustomEventRepository;
pub use heroes::HeroRepository;
pub use stories::StoryRepository;

/// Local sync bookkeeping of one entity, for "not yet synced" badges and error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncInfo {
    /// Where the row stands.
    pub status: SyncStatus,
    /// The server's message when a mutation was refused.
    pub error: Option<String>,
    /// Server version of the last synced copy (0: never synced).
    pub version: i64,
    /// When it last matched the server (epoch ms).
    pub last_synced_at: Option<i64>,
}

/// What every repository shares.
#[derive(Clone)]
pub(crate) struct RepoCtx {
    pub db: Db,
    pub api: ApiClient,
    /// Wakes the background sync (debounced) after a local write.
    pub trigger: Arc<Notify>,
    pub events: broadcast::Sender<EntityEvent>,
}

impl RepoCtx {
    pub(crate) fn written(&self, events: Vec<EntityEvent>) {
        self.trigger.notify_one();
        for e in events {
            let _ = self.events.send(e);
        }
    }

    pub(crate) async fn get<T: DeserializeOwned + Send + 'static>(
        &self,
        kind: EntityKind,
        id: Uuid,
    ) -> Result<Option<T>> {
        self.db
            .read_async(move |c| match dao::get_row(c, kind, id)? {
                Some(r) if !r.deleted => Ok(Some(serde_json::from_value(r.data)?)),
                _ => Ok(None),
            })
            .await
    }

    pub(crate) async fn list<T: DeserializeOwned + Send + 'static>(
        &self,
        kind: EntityKind,
        filter: &'static str,
        args: Vec<rusqlite::types::Value>,
    ) -> Result<Vec<T>> {
        self.db
            .read_async(move |c| {
                let refs: Vec<&dyn rusqlite::ToSql> =
                    args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
                dao::list_rows(c, kind, filter, &refs)?
                    .into_iter()
                    .map(|r| Ok(serde_json::from_value(r.data)?))
                    .collect()
            })
            .await
    }

    pub(crate) async fn sync_info(&self, kind: EntityKind, id: Uuid) -> Result<Option<SyncInfo>> {
        self.db
            .read_async(move |c| {
                Ok(dao::get_row(c, kind, id)?.map(|r| SyncInfo {
                    status: r.status,
                    error: r.sync_error,
                    version: r.version,
                    last_synced_at: r.last_synced_at,
                }))
            })
            .await
    }

    /// Fold a server answer (generation calls) into the cache through the planner, so a
    /// pending local edit is not overwritten by it.
    pub(crate) async fn absorb(&self, kind: EntityKind, id: Uuid, data: Value) -> Result<()> {
        let version = data.get("version").and_then(Value::as_i64).unwrap_or(0);
        let change = Change {
            entity: kind,
            id,
            version,
            deleted: false,
            data: Some(data),
        };
        let events = self
            .db
            .write_async(move |tx| {
                let mut ev = Vec::new();
                crate::sync::apply::apply_change(tx, &change, &mut ev)?;
                Ok(ev)
            })
            .await?;
        for e in events {
            let _ = self.events.send(e);
        }
        Ok(())
    }
}

pub(crate) fn validate<T: Validate>(body: &T) -> Result<()> {
    body.validate()
        .map_err(|e: FieldErrors| Error::Validation(e))
}

/// Copy every top-level key of `fields` into `target` (a JSON object merge, one level deep,
/// which is exactly PATCH semantics: present keys replace, `null` clears).
pub(crate) fn merge_fields(target: &mut Value, fields: &Value) {
    if let (Some(t), Some(f)) = (target.as_object_mut(), fields.as_object()) {
        for (k, v) in f {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// Fields a create body of `kind` can carry, so a later local edit can fold into it.
fn create_accepts(kind: EntityKind, field: &str) -> bool {
    match kind {
        EntityKind::Story => matches!(field, "title" | "content"),
        EntityKind::Hero | EntityKind::CustomEvent => true,
        EntityKind::Illustration => false,
    }
}

/// Store a new local entity and queue its create.
pub(crate) fn local_create(
    tx: &rusqlite::Connection,
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
        favorite_edited_at: None,
    };
    dao::put_row(tx, kind, &row)?;
    dao::outbox_push(tx, kind, MutationOp::Create, id, None, Some(create_body))?;
    Ok(())
}

fn live_row(tx: &rusqlite::Connection, kind: EntityKind, id: Uuid) -> Result<StoredRow> {
    match dao::get_row(tx, kind, id)? {
        Some(r) if !r.deleted => Ok(r),
        _ => Err(Error::NotFound { entity: kind, id }),
    }
}

/// Apply `patch` (an update body) to the local row and queue it; returns the new row data.
pub(crate) fn local_update(
    tx: &rusqlite::Connection,
    kind: EntityKind,
    id: Uuid,
    patch: &Value,
) -> Result<Value> {
    let mut row = live_row(tx, kind, id)?;
    merge_fields(&mut row.data, patch);
    row.local_updated_at = now_ms();
    if patch.get("isFavorite").is_some() {
        row.favorite_edited_at = Some(row.local_updated_at);
    }
    if matches!(row.status, SyncStatus::Synced | SyncStatus::Failed) {
        row.status = SyncStatus::PendingUpdate;
    }
    dao::put_row(tx, kind, &row)?;

    // Fold into the last queued mutation of this entity if it has never been handed to the
    // network (attempts = 0): a create or update that can carry every patched field.
    let queued = dao::outbox_for(tx, kind, id)?;
    if let Some(last) = queued
        .last()
        .filter(|e| e.attempts == 0 && e.state == dao::OutboxState::Queued)
    {
        let foldable = match last.op {
            MutationOp::Update => true,
            MutationOp::Create => patch
                .as_object()
                .is_some_and(|o| o.keys().all(|k| create_accepts(kind, k))),
            _ => false,
        };
        if foldable {
            let mut fields = last
                .fields
                .clone()
                .unwrap_or_else(|| Value::Object(Default::default()));
            merge_fields(&mut fields, patch);
            dao::outbox_set_fields(tx, last.seq, &fields)?;
            return Ok(row.data);
        }
    }
    let base = (row.version > 0).then_some(row.version);
    dao::outbox_push(tx, kind, MutationOp::Update, id, base, Some(patch))?;
    Ok(row.data)
}

/// Delete locally (hidden at once) and queue the delete; an entity the server never saw is
/// simply forgotten. Children go too, as they do on the server.
pub(crate) fn local_delete(tx: &rusqlite::Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    let mut row = live_row(tx, kind, id)?;
    let queued = dao::outbox_for(tx, kind, id)?;
    let never_sent = row.version == 0 && queued.iter().all(|e| e.attempts == 0);
    match kind {
        EntityKind::Hero => {
            for story in dao::child_ids(tx, EntityKind::Story, "hero_id", id)? {
                forget(tx, EntityKind::Story, story)?;
            }
        }
        EntityKind::Story => {
            for ill in dao::child_ids(tx, EntityKind::Illustration, "story_id", id)? {
                dao::delete_row(tx, EntityKind::Illustration, ill)?;
            }
        }
        _ => {}
    }
    if never_sent {
        dao::delete_row(tx, kind, id)?;
        dao::outbox_remove_for(tx, kind, id)?;
        dao::conflict_remove_for(tx, kind, id)?;
        return Ok(());
    }
    // Queued edits of a row about to be deleted are pointless; ones maybe sent stay in order.
    for e in queued
        .iter()
        .filter(|e| e.attempts == 0 && e.op != MutationOp::Create)
    {
        dao::outbox_remove(tx, e.seq)?;
    }
    dao::conflict_remove_for(tx, kind, id)?;
    row.deleted = true;
    row.status = SyncStatus::PendingDelete;
    row.local_updated_at = now_ms();
    dao::put_row(tx, kind, &row)?;
    let base = (row.version > 0).then_some(row.version);
    dao::outbox_push(tx, kind, MutationOp::Delete, id, base, None)?;
    Ok(())
}

/// Drop a child row and everything queued for it (the server deletes it with its parent).
pub(crate) fn forget(tx: &rusqlite::Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    if kind == EntityKind::Story {
        for ill in dao::child_ids(tx, EntityKind::Illustration, "story_id", id)? {
            dao::delete_row(tx, EntityKind::Illustration, ill)?;
        }
    }
    dao::delete_row(tx, kind, id)?;
    dao::outbox_remove_for(tx, kind, id)?;
    dao::conflict_remove_for(tx, kind, id)?;
    Ok(())
}

#[cfg(test)]
mod tests;
