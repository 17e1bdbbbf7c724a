//! Stories: local reads, optimistic edits and play counts, generation online.

use serde_json::{Value, json};
use storyloom_domain::{
    AudioRequest, EntityKind, GenerationStatus, Illustration, IllustrationStatus,
    IllustrationStatusResponse, MutationOp, Story, StoryCreate, StoryUpdate, new_id, time,
};
use uuid::Uuid;

use super::{RepoCtx, SyncInfo, live_row, local_create, local_delete, local_update, validate};
use crate::db::{SyncStatus, dao};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

const KIND: EntityKind = EntityKind::Story;

/// Most plays one increment mutation may carry (SYNC.md: 1..100).
const MAX_PLAYS_PER_MUTATION: i64 = 100;

/// The app's stories.
#[derive(Clone)]
pub struct StoryRepository {
    ctx: RepoCtx,
}

impl std::fmt::Debug for StoryRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoryRepository").finish_non_exhaustive()
    }
}

impl StoryRepository {
    pub(crate) fn new(ctx: RepoCtx) -> Self {
        Self { ctx }
    }

    /// Stories in the cache, newest first, optionally of one hero and/or by favourite flag.
    pub async fn list(&self, hero_id: Option<Uuid>, favorite: Option<bool>) -> Result<Vec<Story>> {
        use rusqlite::types::Value as Sql;
        let (filter, args): (&'static str, Vec<Sql>) = match (hero_id, favorite) {
            (None, None) => ("", vec![]),
            (Some(h), None) => ("hero_id = ?1", vec![Sql::Text(h.to_string())]),
            (None, Some(f)) => (
                "json_extract(data, '$.isFavorite') = ?1",
                vec![Sql::Integer(f as i64)],
            ),
            (Some(h), Some(f)) => (
                "hero_id = ?1 AND json_extract(data, '$.isFavorite') = ?2",
                vec![Sql::Text(h.to_string()), Sql::Integer(f as i64)],
            ),
        };
        self.ctx.list(KIND, filter, args).await
    }

    /// One story from the cache (without illustrations; see [`Self::illustrations`]).
    pub async fn get(&self, id: Uuid) -> Result<Option<Story>> {
        self.ctx.get(KIND, id).await
    }

    /// A story's illustrations from the cache, in display order.
    pub async fn illustrations(&self, story_id: Uuid) -> Result<Vec<Illustration>> {
        let mut list: Vec<Illustration> = self
            .ctx
            .list(
                EntityKind::Illustration,
                "story_id = ?1",
                vec![rusqlite::types::Value::Text(story_id.to_string())],
            )
            .await?;
        list.sort_by_key(|i| i.display_order);
        Ok(list)
    }

    /// Sync bookkeeping of one story.
    pub async fn sync_info(&self, id: Uuid) -> Result<Option<SyncInfo>> {
        self.ctx.sync_info(KIND, id).await
    }

    /// Create a story. With `title` and `content` it is an import: stored locally and queued,
    /// works offline. Otherwise the server writes it (online only; [`Error::Offline`] without
    /// a connection). A client id is always sent, so a retried generation is not run twice.
    pub async fn create(&self, mut body: StoryCreate) -> Result<Story> {
        validate(&body)?;
        let id = *body.id.get_or_insert_with(new_id);
        if !body.is_import() {
            let story = self
                .ctx
                .api
                .create_story(&body)
                .await
                .map_err(Error::offline_if_network)?;
            self.absorb_story(&story).await?;
            return Ok(story);
        }
        let now = time::now();
        let story = Story {
            id,
            title: body.title.clone().unwrap_or_default(),
            content: body.content.clone().unwrap_or_default(),
            hero_id: body.hero_id,
            event_type: body.event_type,
            custom_event_id: body.custom_event_id,
            language: body.language,
            audio_url: None,
            audio_duration: None,
            audio_generation_status: GenerationStatus::None,
            illustration_status: IllustrationStatus::None,
            illustration_count: 0,
            is_favorite: false,
            play_count: 0,
            last_played_at: None,
            version: 0,
            created_at: now,
            updated_at: now,
            illustrations: None,
        };
        // Generation of audio/illustrations for an import is asked for once it is online.
        body.generate_audio = false;
        body.generate_illustrations = false;
        let data = serde_json::to_value(&story)?;
        let fields = serde_json::to_value(&body)?;
        self.ctx
            .db
            .write_async(move |tx| local_create(tx, KIND, id, data, &fields))
            .await?;
        self.ctx
            .written(vec![EntityEvent::Changed { entity: KIND, id }]);
        Ok(story)
    }

    /// Edit title, content or favourite flag locally and queue the edit.
    pub async fn update(&self, id: Uuid, patch: StoryUpdate) -> Result<Story> {
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

    /// Mark as favourite or not.
    pub async fn set_favorite(&self, id: Uuid, favorite: bool) -> Result<Story> {
        self.update(
            id,
            StoryUpdate {
                is_favorite: Some(favorite),
                ..Default::default()
            },
        )
        .await
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

    /// Count `count` plays (1–100) now; they travel as `increment` mutations, so plays on
    /// several devices add up instead of overwriting each other.
    pub async fn play(&self, id: Uuid, count: i64) -> Result<Story> {
        if !(1..=MAX_PLAYS_PER_MUTATION).contains(&count) {
            let mut e = storyloom_domain::FieldErrors::new();
            e.insert("count".into(), "must be between 1 and 100".into());
            return Err(Error::Validation(e));
        }
        let data = self
            .ctx
            .db
            .write_async(move |tx| {
                let mut row = live_row(tx, KIND, id)?;
                let plays = row
                    .data
                    .get("playCount")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                row.data["playCount"] = json!(plays + count);
                row.data["lastPlayedAt"] = json!(time::format(&time::now()));
                row.local_updated_at = dao::now_ms();
                if matches!(row.status, SyncStatus::Synced | SyncStatus::Failed) {
                    row.status = SyncStatus::PendingUpdate;
                }
                dao::put_row(tx, KIND, &row)?;
                let queued = dao::outbox_for(tx, KIND, id)?;
                if let Some(last) = queued.last().filter(|e| {
                    e.op == MutationOp::Increment
                        && e.attempts == 0
                        && e.state == dao::OutboxState::Queued
                }) {
                    let n = last
                        .fields
                        .as_ref()
                        .and_then(|f| f.get("playCount"))
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    if n + count <= MAX_PLAYS_PER_MUTATION {
                        dao::outbox_set_fields(tx, last.seq, &json!({"playCount": n + count}))?;
                        return Ok(row.data);
                    }
                }
                dao::outbox_push(
                    tx,
                    KIND,
                    MutationOp::Increment,
                    id,
                    None,
                    Some(&json!({"playCount": count})),
                )?;
                Ok(row.data)
            })
            .await?;
        self.ctx
            .written(vec![EntityEvent::Changed { entity: KIND, id }]);
        Ok(serde_json::from_value(data)?)
    }

    /// Ask the server to narrate the story (online only).
    pub async fn generate_audio(&self, id: Uuid, body: AudioRequest) -> Result<Story> {
        let story = self
            .ctx
            .api
            .generate_audio(id, &body)
            .await
            .map_err(Error::offline_if_network)?;
        self.absorb_story(&story).await?;
        Ok(story)
    }

    /// Ask the server to illustrate the story (online only).
    pub async fn generate_illustrations(&self, id: Uuid) -> Result<Story> {
        let story = self
            .ctx
            .api
            .generate_illustrations(id)
            .await
            .map_err(Error::offline_if_network)?;
        self.absorb_story(&story).await?;
        Ok(story)
    }

    /// Progress of the story's illustrations (online only); the pictures are cached.
    pub async fn illustration_status(&self, id: Uuid) -> Result<IllustrationStatusResponse> {
        let status = self
            .ctx
            .api
            .illustration_status(id)
            .await
            .map_err(Error::offline_if_network)?;
        for ill in &status.illustrations {
            self.ctx
                .absorb(EntityKind::Illustration, ill.id, serde_json::to_value(ill)?)
                .await?;
        }
        Ok(status)
    }

    async fn absorb_story(&self, story: &Story) -> Result<()> {
        let mut data = serde_json::to_value(story)?;
        if let Some(o) = data.as_object_mut() {
            // Illustrations live in their own table, as the change feed sends them.
            o.remove("illustrations");
        }
        self.ctx.absorb(KIND, story.id, data).await?;
        for ill in story.illustrations.iter().flatten() {
            self.ctx
                .absorb(EntityKind::Illustration, ill.id, serde_json::to_value(ill)?)
                .await?;
        }
        Ok(())
    }
}
