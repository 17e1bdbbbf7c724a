//! Listening sessions and what the Reading Journey figures read (issue 18).

use async_trait::async_trait;

use storyloom_domain::{
    HeroFacts, ListeningSession, ListeningSessionCreate, ListeningSessionId, StoryFacts, StoryId,
    UserId,
};

use crate::*;

/// Which sessions a list returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListeningFilter {
    /// Only this story's sessions.
    pub story_id: Option<StoryId>,
    /// `startedAt` at or after this (epoch ms).
    pub from: Option<i64>,
    /// `startedAt` at or before this (epoch ms).
    pub to: Option<i64>,
    /// Only completed (or only unfinished) sessions.
    pub completed: Option<bool>,
}

/// Everything the journey figures are computed from, read in one snapshot.
#[derive(Debug, Clone, Default)]
pub struct JourneyData {
    /// Every session of the user.
    pub sessions: Vec<ListeningSession>,
    /// Every story of the user (title, hero, narration length, favourite).
    pub stories: Vec<StoryFacts>,
    /// Every hero of the user; `avatar_url` holds the storage key, as on a hero.
    pub heroes: Vec<HeroFacts>,
}

/// Listening sessions, each filtered by its owner.
#[async_trait]
pub trait ListeningStore: Send + Sync {
    /// The user's sessions, newest `startedAt` first, filtered, and how many match in all.
    async fn list_listening_sessions(
        &self,
        user: UserId,
        filter: ListeningFilter,
        page: Page,
    ) -> StoreResult<(Vec<ListeningSession>, i64)>;
    /// One session.
    async fn get_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
    ) -> StoreResult<ListeningSession>;
    /// Record a session of one of the user's stories (`NotFound` otherwise) and count the
    /// listen on the story (`playCount` + 1, `lastPlayedAt`) in the same transaction, so a
    /// listen is counted exactly once. A taken id is the existing session when the body is
    /// the same (`ListeningSessionCreate::same_content`: a retry counts nothing), else
    /// `IdConflict`.
    async fn create_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
        body: &ListeningSessionCreate,
        now: i64,
    ) -> StoreResult<Created<ListeningSession>>;
    /// Delete, leaving a tombstone. The story's `playCount` stays: the listen happened.
    async fn delete_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
        now: i64,
    ) -> StoreResult<Deleted>;
    /// The user's sessions, stories and heroes, for the journey figures.
    async fn journey_data(&self, user: UserId) -> StoreResult<JourneyData>;
}
