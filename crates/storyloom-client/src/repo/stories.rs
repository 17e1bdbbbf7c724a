//! What stories add to the generic repository: filters, illustrations, favourites, plays
//! (increments) and the generation calls (online).

use storyloom_domain::{
    AudioRequest, FieldErrors, HeroId, Illustration, IllustrationStatusResponse, Story,
    StoryCreate, StoryId, StoryUpdate,
};
use uuid::Uuid;

use super::{Repository, validate};
use crate::db::rows::Filter;
use crate::entity::{self, SyncEntity};
use crate::error::{Error, Result};
use crate::sync::EntityEvent;

/// Most plays one increment mutation may carry (SYNC.md: 1..100).
const MAX_PLAYS_PER_MUTATION: i64 = 100;

impl Repository<Story> {
    /// Stories in the cache, newest first, optionally of one hero and/or by favourite flag.
    pub async fn list_by(
        &self,
        hero: Option<HeroId>,
        favorite: Option<bool>,
    ) -> Result<Vec<Story>> {
        let mut filter = match hero {
            Some(h) => Filter::child_of(Story::SPEC, h.into()),
            None => Filter::all(),
        };
        if let Some(f) = favorite {
            filter.and(&entity::favorite_filter(), (f as i64).into());
        }
        self.ctx.list(filter).await
    }

    /// A story's illustrations from the cache, in display order.
    pub async fn illustrations(&self, story: StoryId) -> Result<Vec<Illustration>> {
        let mut list: Vec<Illustration> = self
            .ctx
            .list(Filter::child_of(Illustration::SPEC, story.into()))
            .await?;
        list.sort_by_key(|i| i.display_order);
        Ok(list)
    }

    /// Have the server write a story (online only; [`Error::Offline`] without a
    /// connection). A client id is always sent, so a retried generation is not run twice.
    /// An import (title and content given) is [`Self::create`]d on the device instead.
    pub async fn generate(&self, mut body: StoryCreate) -> Result<Story> {
        validate(&body)?;
        Story::create_id(&mut body);
        let story = self
            .ctx
            .api
            .create_story(&body)
            .await
            .map_err(Error::offline_if_network)?;
        self.absorb_story(&story).await?;
        Ok(story)
    }

    /// Mark as favourite or not.
    pub async fn set_favorite(&self, id: StoryId, favorite: bool) -> Result<Story> {
        self.update(
            id,
            StoryUpdate {
                is_favorite: Some(favorite),
                ..Default::default()
            },
        )
        .await
    }

    /// Count `count` plays (1–100) now; they travel as `increment` mutations, so plays on
    /// several devices add up instead of overwriting each other.
    pub async fn play(&self, id: StoryId, count: i64) -> Result<Story> {
        if !(1..=MAX_PLAYS_PER_MUTATION).contains(&count) {
            let mut e = FieldErrors::new();
            e.insert("count".into(), "must be between 1 and 100".into());
            return Err(Error::Validation(e));
        }
        let id: Uuid = id.into();
        let data = self
            .ctx
            .db
            .write_async(move |tx| {
                crate::local::increment(
                    tx,
                    Self::KIND,
                    id,
                    count,
                    MAX_PLAYS_PER_MUTATION,
                    entity::record_plays,
                )
            })
            .await?;
        self.ctx.written(vec![EntityEvent::Changed {
            entity: Self::KIND,
            id,
        }]);
        Ok(serde_json::from_value(data)?)
    }

    /// Ask the server to narrate the story (online only).
    pub async fn generate_audio(&self, id: StoryId, body: AudioRequest) -> Result<Story> {
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
    pub async fn generate_illustrations(&self, id: StoryId) -> Result<Story> {
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
    pub async fn illustration_status(&self, id: StoryId) -> Result<IllustrationStatusResponse> {
        let status = self
            .ctx
            .api
            .illustration_status(id)
            .await
            .map_err(Error::offline_if_network)?;
        for ill in &status.illustrations {
            self.ctx.absorb_entity(ill.id, ill).await?;
        }
        Ok(status)
    }

    async fn absorb_story(&self, story: &Story) -> Result<()> {
        let data = entity::without_illustrations(serde_json::to_value(story)?);
        self.ctx.absorb(Self::KIND, story.id, data).await?;
        for ill in story.illustrations.iter().flatten() {
            self.ctx.absorb_entity(ill.id, ill).await?;
        }
        Ok(())
    }
}
