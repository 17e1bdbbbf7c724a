//! Custom events: local reads, optimistic writes, AI enhancement online.

use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventUpdate, EntityKind, new_id, time,
};
use uuid::Uuid;

use super::{RepoCtx, SyncInfo, local_create, local_delete, local_update, validate};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

const KIND: EntityKind = EntityKind::CustomEvent;

/// The family's own story occasions.
#[derive(Clone)]
pub struct CustomEventRepository {
    ctx: RepoCtx,
}

impl std::fmt::Debug for CustomEventRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomEventRepository")
            .finish_non_exhaustive()
    }
}

impl CustomEventRepository {
    pub(crate) fn new(ctx: RepoCtx) -> Self {
        Self { ctx }
    }

    /// Every custom event in the cache, newest first.
    pub async fn list(&self) -> Result<Vec<CustomEvent>> {
        self.ctx.list(KIND, "", Vec::new()).await
    }

    /// One custom event from the cache.
    pub async fn get(&self, id: Uuid) -> Result<Option<CustomEvent>> {
        self.ctx.get(KIND, id).await
    }

    /// Sync bookkeeping of one event.
    pub async fn sync_info(&self, id: Uuid) -> Result<Option<SyncInfo>> {
        self.ctx.sync_info(KIND, id).await
    }

    /// Create locally and queue it.
    pub async fn create(&self, mut body: CustomEventCreate) -> Result<CustomEvent> {
        validate(&body)?;
        let id = *body.id.get_or_insert_with(new_id);
        let now = time::now();
        let ev = CustomEvent {
            id,
            title: body.title.clone(),
            description: body.description.clone().unwrap_or_default(),
            prompt_seed: body.prompt_seed.clone(),
            category: body.category.unwrap_or_default(),
            age_range: body.age_range,
            tone: body.tone.unwrap_or_default(),
            pictogram_emoji: body.pictogram_emoji.clone(),
            keywords: body.keywords.clone().unwrap_or_default(),
            ai_enhanced: false,
            usage_count: 0,
            is_favorite: body.is_favorite.unwrap_or(false),
            last_used_at: None,
            version: 0,
            created_at: now,
            updated_at: now,
        };
        let data = serde_json::to_value(&ev)?;
        let fields = serde_json::to_value(&body)?;
        self.ctx
            .db
            .write_async(move |tx| local_create(tx, KIND, id, data, &fields))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Changed { entity: KIND, id }]);
        Ok(ev)
    }

    /// Edit locally and queue the edit.
    pub async fn update(&self, id: Uuid, patch: CustomEventUpdate) -> Result<CustomEvent> {
        validate(&patch)?;
        let patch = serde_json::to_value(&patch)?;
        let data = self
            .ctx
            .db
            .write_async(move |tx| local_update(tx, KIND, id, &patch))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Changed { entity: KIND, id }]);
        Ok(serde_json::from_value(data)?)
    }

    /// Delete locally and queue the delete.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.ctx
            .db
            .write_async(move |tx| local_delete(tx, KIND, id))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Deleted { entity: KIND, id }]);
        Ok(())
    }

    /// Let the AI add keywords and a richer prompt seed (online only).
    pub async fn enhance(&self, id: Uuid) -> Result<CustomEvent> {
        let ev = self
            .ctx
            .api
            .enhance_custom_event(id)
            .await
            .map_err(Error::offline_if_network)?;
        self.ctx
            .absorb(KIND, id, serde_json::to_value(&ev)?)
            .await?;
        Ok(ev)
    }
}
