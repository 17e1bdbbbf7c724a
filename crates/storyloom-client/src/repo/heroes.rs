//! Heroes: local reads, optimistic writes, avatar generation online.

use storyloom_domain::{AvatarRequest, EntityKind, Hero, HeroCreate, HeroUpdate, new_id, time};
use uuid::Uuid;

use super::{RepoCtx, SyncInfo, local_create, local_delete, local_update, validate};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

const KIND: EntityKind = EntityKind::Hero;

/// The app's heroes.
#[derive(Clone)]
pub struct HeroRepository {
    ctx: RepoCtx,
}

impl std::fmt::Debug for HeroRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeroRepository").finish_non_exhaustive()
    }
}

impl HeroRepository {
    pub(crate) fn new(ctx: RepoCtx) -> Self {
        Self { ctx }
    }

    /// Every hero in the cache, newest first.
    pub async fn list(&self) -> Result<Vec<Hero>> {
        self.ctx.list(KIND, "", Vec::new()).await
    }

    /// One hero from the cache.
    pub async fn get(&self, id: Uuid) -> Result<Option<Hero>> {
        self.ctx.get(KIND, id).await
    }

    /// Sync bookkeeping of one hero.
    pub async fn sync_info(&self, id: Uuid) -> Result<Option<SyncInfo>> {
        self.ctx.sync_info(KIND, id).await
    }

    /// Create a hero locally and queue it. The id is made here (or taken from `body.id`).
    pub async fn create(&self, mut body: HeroCreate) -> Result<Hero> {
        validate(&body)?;
        let id = *body.id.get_or_insert_with(new_id);
        let hero = body.to_hero(id, 0, time::now());
        let data = serde_json::to_value(&hero)?;
        let fields = serde_json::to_value(&body)?;
        self.ctx
            .db
            .write_async(move |tx| local_create(tx, KIND, id, data, &fields))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Changed { entity: KIND, id }]);
        Ok(hero)
    }

    /// Edit a hero locally and queue the edit.
    pub async fn update(&self, id: Uuid, patch: HeroUpdate) -> Result<Hero> {
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

    /// Delete a hero (and, as on the server, its stories) locally and queue the delete.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.ctx
            .db
            .write_async(move |tx| local_delete(tx, KIND, id))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Deleted { entity: KIND, id }]);
        Ok(())
    }

    /// Ask the server to draw the avatar (online only). The hero must already be on the
    /// server: sync first after creating it offline.
    pub async fn generate_avatar(&self, id: Uuid, body: AvatarRequest) -> Result<Hero> {
        validate(&body)?;
        let hero = self
            .ctx
            .api
            .generate_avatar(id, &body)
            .await
            .map_err(Error::offline_if_network)?;
        self.ctx
            .absorb(KIND, id, serde_json::to_value(&hero)?)
            .await?;
        Ok(hero)
    }
}
