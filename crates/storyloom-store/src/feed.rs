//! The sync feed and remembered mutations.

use async_trait::async_trait;

use storyloom_domain::{MutationId, StoryId, UserId};

use crate::*;

/// The change feed clients pull, and the mutation ids that make pushes idempotent.
#[async_trait]
pub trait SyncStore: Send + Sync {
    // ---- sync ----

    /// Changes with `version > since`, in version order, at most `limit`.
    async fn changes(&self, user: UserId, since: i64, limit: i64) -> StoreResult<ChangePage>;
    /// [`Self::changes`], also stopping before the stories' title and content pass
    /// `text_budget` bytes (always at least one change; `has_more` then says there is
    /// more). Story text is the only unbounded part of a change: without this, a page of
    /// long stories is read whole, whatever the answer may hold.
    async fn changes_within(
        &self,
        user: UserId,
        since: i64,
        limit: i64,
        text_budget: i64,
    ) -> StoreResult<ChangePage>;
    /// Drop tombstones deleted before `before` and move each user's horizon past them.
    async fn purge_tombstones(&self, before: i64) -> StoreResult<u64>;
    /// The remembered result (JSON) of a sync mutation, if it was seen before.
    async fn find_mutation(
        &self,
        user: UserId,
        mutation_id: MutationId,
    ) -> StoreResult<Option<String>>;
    /// Remember a sync mutation's result. The first result wins: `false` when another call
    /// remembered this mutation first (its result is then the one [`Self::find_mutation`]
    /// answers).
    async fn remember_mutation(
        &self,
        user: UserId,
        mutation_id: MutationId,
        result: &str,
        now: i64,
    ) -> StoreResult<bool>;
    /// Add plays for a sync `increment` exactly once: the count and the remembered mutation
    /// commit together, so a replay after a lost answer cannot count twice.
    async fn play_story_once(
        &self,
        user: UserId,
        id: StoryId,
        count: i64,
        now: i64,
        mutation_id: MutationId,
    ) -> StoreResult<PlayOnce>;
    /// Send a PostgreSQL `NOTIFY` (a no-op on SQLite, which has one process).
    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()>;
    /// Forget sync mutations remembered before `before`.
    async fn purge_mutations(&self, before: i64) -> StoreResult<u64>;
}
