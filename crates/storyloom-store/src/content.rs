//! The family's content: heroes, stories and custom events.

use async_trait::async_trait;

use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate, Hero, HeroCreate, HeroId,
    HeroUpdate, Story, StoryId, StoryUpdate, UserId,
};

use crate::*;

/// Heroes, stories and custom events, each filtered by its owner.
#[async_trait]
pub trait ContentStore: Send + Sync {
    // ---- heroes ----

    /// The user's heroes, newest first, and how many there are in all.
    async fn list_heroes(&self, user: UserId, page: Page) -> StoreResult<(Vec<Hero>, i64)>;
    /// One hero.
    async fn get_hero(&self, user: UserId, id: HeroId) -> StoreResult<Hero>;
    /// Create, or return the existing hero for a retried create with the same body.
    async fn create_hero(
        &self,
        user: UserId,
        id: HeroId,
        body: &HeroCreate,
        now: i64,
    ) -> StoreResult<Created<Hero>>;
    /// Apply a patch; `if_match` is the version the client last saw.
    async fn update_hero(
        &self,
        user: UserId,
        id: HeroId,
        patch: &HeroUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Hero>;
    /// Delete with its stories and illustrations, leaving tombstones.
    async fn delete_hero(
        &self,
        user: UserId,
        id: HeroId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;

    // ---- stories ----

    /// The user's stories, newest first, filtered.
    async fn list_stories(
        &self,
        user: UserId,
        filter: StoryFilter,
        page: Page,
    ) -> StoreResult<(Vec<Story>, i64)>;
    /// One story with its illustrations.
    async fn get_story(&self, user: UserId, id: StoryId) -> StoreResult<Story>;
    /// Insert a written story (bumping its custom event's usage). `IdConflict` when the id is
    /// taken: whether a taken id is a retry of the same create is the service layer's rule
    /// (`StoryCreate::same_content`), since only it knows the request.
    async fn create_story(&self, user: UserId, new: NewStory) -> StoreResult<Created<Story>>;
    /// Apply a patch, setting the story's `audio_stale` flag to `audio_stale` (the service
    /// decides it: see `service::stories::update`).
    async fn update_story(
        &self,
        user: UserId,
        id: StoryId,
        patch: &StoryUpdate,
        audio_stale: bool,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Story>;
    /// Add plays (a counter: concurrent adds never overwrite each other).
    async fn play_story(
        &self,
        user: UserId,
        id: StoryId,
        count: i64,
        now: i64,
    ) -> StoreResult<Story>;
    /// Set or clear a story's child-safety flag (a parent's approval clears it), as a new
    /// version of the story.
    async fn set_story_flag(
        &self,
        user: UserId,
        id: StoryId,
        flagged: bool,
        now: i64,
    ) -> StoreResult<Story>;
    /// Delete with its illustrations, leaving tombstones.
    async fn delete_story(
        &self,
        user: UserId,
        id: StoryId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;

    // ---- custom events ----

    /// The user's custom events, newest first.
    async fn list_events(&self, user: UserId, page: Page) -> StoreResult<(Vec<CustomEvent>, i64)>;
    /// One custom event.
    async fn get_event(&self, user: UserId, id: CustomEventId) -> StoreResult<CustomEvent>;
    /// Create, or return the existing event for a retried create with the same body.
    async fn create_event(
        &self,
        user: UserId,
        id: CustomEventId,
        body: &CustomEventCreate,
        now: i64,
    ) -> StoreResult<Created<CustomEvent>>;
    /// Apply a patch.
    async fn update_event(
        &self,
        user: UserId,
        id: CustomEventId,
        patch: &CustomEventUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<CustomEvent>;
    /// Delete, leaving a tombstone.
    async fn delete_event(
        &self,
        user: UserId,
        id: CustomEventId,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;
}
