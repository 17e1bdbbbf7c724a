//! The repositories: what the app's screens read and change.
//!
//! Reads come from the device's cache only (instant, offline). Writes change the cache and
//! queue the change for sync in one transaction, then return: the UI updates at once and the
//! sync engine sends it when it can. Generation (avatar, narration, pictures, AI
//! enhancement) happens on the server and answers `Offline` without a connection.

use std::sync::Arc;

use storyloom_client as core;
use storyloom_domain as d;

use crate::error::StoryloomError;
use crate::runtime::run;
use crate::types::{
    CustomEvent, CustomEventPatch, Hero, HeroPatch, Illustration, IllustrationProgress, Language,
    NewCustomEvent, NewHero, NewStory, Story, StoryPatch, SyncInfo, Voice, parse_id,
};

/// Map a list of core values to FFI values.
fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(Into::into).collect()
}

/// The family's heroes.
#[derive(uniffi::Object)]
pub struct HeroRepository {
    client: Arc<core::Client>,
}

impl HeroRepository {
    pub(crate) fn new(client: Arc<core::Client>) -> Self {
        Self { client }
    }
}

#[uniffi::export]
impl HeroRepository {
    /// Every hero on the device, newest first.
    pub async fn list(&self) -> Result<Vec<Hero>, StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(all(c.heroes().list().await?)) }).await
    }

    /// One hero, or `None` when it is not (or no longer) on the device.
    pub async fn get(&self, id: String) -> Result<Option<Hero>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.heroes().get(id).await?.map(Into::into)) }).await
    }

    /// Create a hero on the device (works offline); it is sent at the next sync with the id
    /// it has now.
    pub async fn create(&self, hero: NewHero) -> Result<Hero, StoryloomError> {
        let body = d::HeroCreate::from(hero);
        let c = self.client.clone();
        run(async move { Ok(c.heroes().create(body).await?.into()) }).await
    }

    /// Edit a hero on the device (works offline).
    pub async fn update(&self, id: String, patch: HeroPatch) -> Result<Hero, StoryloomError> {
        let id = parse_id("id", &id)?;
        let patch = d::HeroUpdate::from(patch);
        let c = self.client.clone();
        run(async move { Ok(c.heroes().update(id, patch).await?.into()) }).await
    }

    /// Delete a hero and its stories on the device (works offline).
    pub async fn delete(&self, id: String) -> Result<(), StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.heroes().delete(id).await?) }).await
    }

    /// Whether the hero is synced, for a "not synced yet" badge.
    pub async fn sync_info(&self, id: String) -> Result<Option<SyncInfo>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.heroes().sync_info(id).await?.map(Into::into)) }).await
    }

    /// Ask the server to draw the hero's avatar (needs a connection, and the hero must have
    /// been synced). `prompt` adds to the description (≤ 500 characters).
    pub async fn generate_avatar(
        &self,
        id: String,
        prompt: Option<String>,
    ) -> Result<Hero, StoryloomError> {
        let id = parse_id("id", &id)?;
        let body = d::AvatarRequest { prompt };
        let c = self.client.clone();
        run(async move { Ok(c.heroes().generate_avatar(id, body).await?.into()) }).await
    }
}

/// The family's stories.
#[derive(uniffi::Object)]
pub struct StoryRepository {
    client: Arc<core::Client>,
}

impl StoryRepository {
    pub(crate) fn new(client: Arc<core::Client>) -> Self {
        Self { client }
    }
}

#[uniffi::export]
impl StoryRepository {
    /// Stories on the device, newest first; optionally only one hero's and/or only
    /// favourites (`Some(true)`) or non-favourites (`Some(false)`).
    pub async fn list(
        &self,
        hero_id: Option<String>,
        favorite: Option<bool>,
    ) -> Result<Vec<Story>, StoryloomError> {
        let hero_id = hero_id.map(|h| parse_id("heroId", &h)).transpose()?;
        let c = self.client.clone();
        run(async move { Ok(all(c.stories().list_by(hero_id, favorite).await?)) }).await
    }

    /// One story, or `None`.
    pub async fn get(&self, id: String) -> Result<Option<Story>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().get(id).await?.map(Into::into)) }).await
    }

    /// A story's illustrations on the device, in display order.
    pub async fn illustrations(
        &self,
        story_id: String,
    ) -> Result<Vec<Illustration>, StoryloomError> {
        let id = parse_id("storyId", &story_id)?;
        let c = self.client.clone();
        run(async move { Ok(all(c.stories().illustrations(id).await?)) }).await
    }

    /// Create a story: an import (title and content given) is stored on the device and
    /// synced later; otherwise the server writes it, which needs a connection.
    pub async fn create(&self, story: NewStory) -> Result<Story, StoryloomError> {
        let body = d::StoryCreate::try_from(story)?;
        let c = self.client.clone();
        run(async move {
            let story = if body.is_import() {
                c.stories().create(body).await?
            } else {
                c.stories().generate(body).await?
            };
            Ok(story.into())
        })
        .await
    }

    /// Edit title, text or favourite flag on the device (works offline).
    pub async fn update(&self, id: String, patch: StoryPatch) -> Result<Story, StoryloomError> {
        let id = parse_id("id", &id)?;
        let patch = d::StoryUpdate::from(patch);
        let c = self.client.clone();
        run(async move { Ok(c.stories().update(id, patch).await?.into()) }).await
    }

    /// Mark as favourite or not (works offline).
    pub async fn set_favorite(&self, id: String, favorite: bool) -> Result<Story, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().set_favorite(id, favorite).await?.into()) }).await
    }

    /// Count `count` plays (1–100) now (works offline); plays on several devices add up.
    pub async fn play(&self, id: String, count: u32) -> Result<Story, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().play(id, i64::from(count)).await?.into()) }).await
    }

    /// Delete on the device (works offline).
    pub async fn delete(&self, id: String) -> Result<(), StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().delete(id).await?) }).await
    }

    /// Whether the story is synced.
    pub async fn sync_info(&self, id: String) -> Result<Option<SyncInfo>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().sync_info(id).await?.map(Into::into)) }).await
    }

    /// Ask the server to narrate the story (needs a connection). A narration that is
    /// complete and matches the text comes back as it is unless `regenerate`.
    pub async fn generate_audio(
        &self,
        id: String,
        language: Option<Language>,
        voice: Option<Voice>,
        regenerate: bool,
    ) -> Result<Story, StoryloomError> {
        let id = parse_id("id", &id)?;
        let body = d::AudioRequest {
            language: language.map(Into::into),
            voice: voice.map(Into::into),
            regenerate,
        };
        let c = self.client.clone();
        run(async move { Ok(c.stories().generate_audio(id, body).await?.into()) }).await
    }

    /// Ask the server to illustrate the story (needs a connection).
    pub async fn generate_illustrations(&self, id: String) -> Result<Story, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().generate_illustrations(id).await?.into()) }).await
    }

    /// How far the story's illustrations are (needs a connection); finished pictures are
    /// stored on the device too.
    pub async fn illustration_status(
        &self,
        id: String,
    ) -> Result<IllustrationProgress, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.stories().illustration_status(id).await?.into()) }).await
    }
}

/// The family's own story occasions.
#[derive(uniffi::Object)]
pub struct CustomEventRepository {
    client: Arc<core::Client>,
}

impl CustomEventRepository {
    pub(crate) fn new(client: Arc<core::Client>) -> Self {
        Self { client }
    }
}

#[uniffi::export]
impl CustomEventRepository {
    /// Every custom event on the device, newest first.
    pub async fn list(&self) -> Result<Vec<CustomEvent>, StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(all(c.custom_events().list().await?)) }).await
    }

    /// One custom event, or `None`.
    pub async fn get(&self, id: String) -> Result<Option<CustomEvent>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().get(id).await?.map(Into::into)) }).await
    }

    /// Create on the device (works offline).
    pub async fn create(&self, event: NewCustomEvent) -> Result<CustomEvent, StoryloomError> {
        let body = d::CustomEventCreate::from(event);
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().create(body).await?.into()) }).await
    }

    /// Edit on the device (works offline).
    pub async fn update(
        &self,
        id: String,
        patch: CustomEventPatch,
    ) -> Result<CustomEvent, StoryloomError> {
        let id = parse_id("id", &id)?;
        let patch = d::CustomEventUpdate::from(patch);
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().update(id, patch).await?.into()) }).await
    }

    /// Delete on the device (works offline).
    pub async fn delete(&self, id: String) -> Result<(), StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().delete(id).await?) }).await
    }

    /// Whether the custom event is synced.
    pub async fn sync_info(&self, id: String) -> Result<Option<SyncInfo>, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().sync_info(id).await?.map(Into::into)) }).await
    }

    /// Let the AI add keywords and a richer prompt seed (needs a connection; the event must
    /// have been synced).
    pub async fn enhance(&self, id: String) -> Result<CustomEvent, StoryloomError> {
        let id = parse_id("id", &id)?;
        let c = self.client.clone();
        run(async move { Ok(c.custom_events().enhance(id).await?.into()) }).await
    }
}
