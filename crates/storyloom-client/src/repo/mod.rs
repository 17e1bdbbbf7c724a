//! Repositories: what the app calls to read and change its data.
//!
//! One generic [`Repository`] serves every synced entity the app edits: reads come from the
//! local cache only; writes validate the body, change the local row **and** append a
//! mutation to the outbox in one transaction ([`crate::local`]), then return (optimistic;
//! ids are client-made UUIDv7, so an offline-made entity keeps its id on the server). What
//! an entity adds beyond that lives in its own file: a story's plays and filters, the
//! generation calls. Generation (story text, audio, illustrations, avatar, event enhancement)
//! can only happen on the server: those calls go online and answer [`crate::Error::Offline`]
//! without a connection; their answers are folded into the cache through the sync planner
//! ([`crate::sync`] owns "apply a server row"), so a pending local edit is not overwritten.

mod events;
mod heroes;
mod journey;
mod stories;

pub use journey::{JourneyReader, JourneySnapshot, ListeningSessionRepository};

use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::Value;
use storyloom_domain::{Change, CustomEvent, EntityKind, FieldErrors, Hero, Story, Validate, time};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::api::ApiClient;
use crate::db::rows::{self, Filter};
use crate::db::{Db, SyncStatus};
use crate::entity::{SyncEntity, VERSION};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

/// The app's heroes.
pub type HeroRepository = Repository<Hero>;
/// The app's stories.
pub type StoryRepository = Repository<Story>;
/// The family's own story occasions.
pub type CustomEventRepository = Repository<CustomEvent>;

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
    fn written(&self, events: Vec<EntityEvent>) {
        self.trigger.notify_one();
        self.emit(events);
    }

    fn emit(&self, events: Vec<EntityEvent>) {
        for e in events {
            let _ = self.events.send(e);
        }
    }

    async fn list<E: SyncEntity>(&self, filter: Filter) -> Result<Vec<E>> {
        self.db
            .read_async(move |c| {
                rows::list(c, E::SPEC.kind, &filter)?
                    .into_iter()
                    .map(|r| Ok(serde_json::from_value(r.data)?))
                    .collect()
            })
            .await
    }

    /// Fold a server answer (generation calls) into the cache through the planner, so a
    /// pending local edit is not overwritten by it.
    async fn absorb(&self, kind: EntityKind, id: impl Into<Uuid>, data: Value) -> Result<()> {
        let version = data.get(VERSION).and_then(Value::as_i64).unwrap_or(0);
        let change = Change {
            entity: kind,
            id: id.into(),
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
        self.emit(events);
        Ok(())
    }

    async fn absorb_entity<E: SyncEntity>(&self, id: impl Into<Uuid>, entity: &E) -> Result<()> {
        self.absorb(E::SPEC.kind, id, serde_json::to_value(entity)?)
            .await
    }
}

fn validate<T: Validate>(body: &T) -> Result<()> {
    body.validate()
        .map_err(|e: FieldErrors| Error::Validation(e))
}

/// The repository of one synced entity `E` (heroes, stories, custom events): local reads,
/// optimistic writes. Cheap to clone.
pub struct Repository<E> {
    ctx: RepoCtx,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Repository<E> {
    fn clone(&self) -> Self {
        Self {
            ctx: self.ctx.clone(),
            entity: PhantomData,
        }
    }
}

impl<E: SyncEntity> std::fmt::Debug for Repository<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("entity", &E::SPEC.kind)
            .finish_non_exhaustive()
    }
}

impl<E: SyncEntity> Repository<E> {
    pub(crate) fn new(ctx: RepoCtx) -> Self {
        Self {
            ctx,
            entity: PhantomData,
        }
    }

    const KIND: EntityKind = E::SPEC.kind;

    /// Every entity in the cache, newest first.
    pub async fn list(&self) -> Result<Vec<E>> {
        self.ctx.list(Filter::all()).await
    }

    /// One entity from the cache; `None` when it is not (or no longer) on the device.
    pub async fn get(&self, id: E::Id) -> Result<Option<E>> {
        let id: Uuid = id.into();
        self.ctx
            .db
            .read_async(move |c| match rows::get(c, Self::KIND, id)? {
                Some(r) if !r.deleted => Ok(Some(serde_json::from_value(r.data)?)),
                _ => Ok(None),
            })
            .await
    }

    /// Sync bookkeeping of one entity.
    pub async fn sync_info(&self, id: E::Id) -> Result<Option<SyncInfo>> {
        let id: Uuid = id.into();
        self.ctx
            .db
            .read_async(move |c| {
                Ok(rows::get(c, Self::KIND, id)?.map(|r| SyncInfo {
                    status: r.status,
                    error: r.sync_error,
                    version: r.version,
                    last_synced_at: r.last_synced_at,
                }))
            })
            .await
    }

    /// Create locally and queue it. The id is made here unless the body brings one.
    pub async fn create(&self, mut body: E::Create) -> Result<E> {
        validate(&body)?;
        let id = E::create_id(&mut body);
        let entity = E::new_local(id, &mut body, time::now()).map_err(Error::Validation)?;
        let id: Uuid = id.into();
        let data = serde_json::to_value(&entity)?;
        let fields = serde_json::to_value(&body)?;
        self.ctx
            .db
            .write_async(move |tx| crate::local::create(tx, Self::KIND, id, data, &fields))
            .await?;
        self.ctx.written(vec![EntityEvent::Changed {
            entity: Self::KIND,
            id,
        }]);
        Ok(entity)
    }

    /// Edit locally and queue the edit.
    pub async fn update(&self, id: E::Id, patch: E::Update) -> Result<E> {
        validate(&patch)?;
        let id: Uuid = id.into();
        let patch = serde_json::to_value(&patch)?;
        let data = self
            .ctx
            .db
            .write_async(move |tx| crate::local::update(tx, Self::KIND, id, &patch))
            .await?;
        self.ctx.written(vec![EntityEvent::Changed {
            entity: Self::KIND,
            id,
        }]);
        Ok(serde_json::from_value(data)?)
    }

    /// Delete locally (and, as on the server, what belongs to it) and queue the delete.
    pub async fn delete(&self, id: E::Id) -> Result<()> {
        let id: Uuid = id.into();
        self.ctx
            .db
            .write_async(move |tx| crate::local::delete(tx, Self::KIND, id))
            .await?;
        self.ctx.written(vec![EntityEvent::Deleted {
            entity: Self::KIND,
            id,
        }]);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
