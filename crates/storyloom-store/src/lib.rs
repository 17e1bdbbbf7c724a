//! Server persistence for Storyloom.
//!
//! One object-safe [`Store`] trait, held by the server as `Arc<dyn Store>`, and one SQL
//! implementation ([`SqlStore`]) that runs on SQLite (the embedded default) and PostgreSQL
//! (production) through sqlx's `Any` driver. Both backends have their own migrations
//! (`migrations/{sqlite,postgres}`) with the same column types (ids as TEXT, times as epoch
//! milliseconds, booleans as 0/1), so the queries are written once and the conformance suite
//! in `tests/` proves them on both. Where the backends really differ (connection setup, the
//! job claim) the code branches on [`Backend`].
//!
//! Invariants kept here, so no handler can forget them:
//! - every method that touches user data takes the user id and filters by it; another user's
//!   row is `NotFound`, never an error that tells it exists;
//! - every write to a synced entity takes the next number of the user's change sequence in the
//!   same transaction and stores it as the row's `version`; deletes leave tombstones.
//! - media fields (`avatarUrl`, `audioUrl`, `imageUrl`) hold the storage *key*; the server
//!   turns keys into signed URLs at the edge.
#![warn(missing_docs)]

mod batch;
mod error;
mod health;
mod rows;
mod sql;
mod types;

pub use error::StoreError;
pub use sql::{SqlStore, loopback_without_tls, redact_url, sqlite_url};
pub use types::*;

use async_trait::async_trait;
use storyloom_domain::{
    AvatarStatus, CustomEvent, CustomEventCreate, CustomEventUpdate, GenerationStatus, Hero,
    HeroCreate, HeroUpdate, Illustration, IllustrationStatus, Operation, ProfileStats,
    ProfileUpdate, StorageUsage, Story, StoryUpdate, UsageTotals,
};
use uuid::Uuid;

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server persists. Object-safe so the server holds one `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// A cheap round trip, for health checks. [`StoreError::StorageFull`] while writes are
    /// failing for lack of space (reads still work): a read cannot see a full disk, so this
    /// reports what the store's last writes met.
    async fn ping(&self) -> StoreResult<()>;

    // ---- users and sessions ----

    /// Create an account. `EmailTaken` when the (normalised) email exists.
    async fn create_user(&self, new: NewUser) -> StoreResult<UserRecord>;
    /// Find an account by normalised email.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    /// Find an account by id.
    async fn user_by_id(&self, user: Uuid) -> StoreResult<UserRecord>;
    /// Change the profile fields.
    async fn update_profile(
        &self,
        user: Uuid,
        patch: &ProfileUpdate,
        now: i64,
    ) -> StoreResult<UserRecord>;
    /// Counts for the profile page.
    async fn profile_stats(&self, user: Uuid) -> StoreResult<ProfileStats>;
    /// What the account stores (counts and text bytes; the limits are left at 0 for the
    /// caller to fill in).
    async fn storage_usage(&self, user: Uuid) -> StoreResult<StorageUsage>;
    /// Erase the account and everything it owns; returns the media keys to delete.
    async fn delete_user(&self, user: Uuid) -> StoreResult<Vec<String>>;

    /// Store a session by the hash of its token.
    async fn create_session(&self, session: SessionRecord) -> StoreResult<()>;
    /// The live session with this token hash (not expired at `now`), with its user and the
    /// user's latest version.
    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord, i64)>>;
    /// The user's latest version (last number taken from the change sequence).
    async fn latest_version(&self, user: Uuid) -> StoreResult<i64>;
    /// Move a session's expiry (refresh grace: shortened to 60 s).
    async fn set_session_expiry(&self, token_hash: &str, expires_at: i64) -> StoreResult<()>;
    /// Revoke a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Delete sessions that expired before `before`; returns how many. An expired session
    /// already signs nothing in; this only keeps the table from growing with every sign-in.
    async fn purge_sessions(&self, before: i64) -> StoreResult<u64>;

    /// Failed sign-ins for `email` from `address` since `since` (epoch ms): how many, and the
    /// oldest. Kept in the database so every server process counts the same failures.
    async fn signin_failures(
        &self,
        email: &str,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)>;
    /// Count a failed sign-in.
    async fn record_signin_failure(&self, email: &str, address: &str, now: i64) -> StoreResult<()>;
    /// Forget the failures of `email` from `address` (it signed in).
    async fn clear_signin_failures(&self, email: &str, address: &str) -> StoreResult<()>;
    /// Forget failures older than `before`.
    async fn purge_signin_failures(&self, before: i64) -> StoreResult<u64>;

    // ---- heroes ----

    /// The user's heroes, newest first, and how many there are in all.
    async fn list_heroes(&self, user: Uuid, page: Page) -> StoreResult<(Vec<Hero>, i64)>;
    /// One hero.
    async fn get_hero(&self, user: Uuid, id: Uuid) -> StoreResult<Hero>;
    /// Create, or return the existing hero for a retried create with the same body.
    async fn create_hero(
        &self,
        user: Uuid,
        id: Uuid,
        body: &HeroCreate,
        now: i64,
    ) -> StoreResult<Created<Hero>>;
    /// Apply a patch; `if_match` is the version the client last saw.
    async fn update_hero(
        &self,
        user: Uuid,
        id: Uuid,
        patch: &HeroUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Hero>;
    /// Delete with its stories and illustrations, leaving tombstones.
    async fn delete_hero(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;

    // ---- stories ----

    /// The user's stories, newest first, filtered.
    async fn list_stories(
        &self,
        user: Uuid,
        filter: StoryFilter,
        page: Page,
    ) -> StoreResult<(Vec<Story>, i64)>;
    /// One story with its illustrations.
    async fn get_story(&self, user: Uuid, id: Uuid) -> StoreResult<Story>;
    /// Insert a written story (bumping its custom event's usage). `IdConflict` when the id is
    /// taken: whether a taken id is a retry of the same create is the service layer's rule
    /// (`StoryCreate::same_content`), since only it knows the request.
    async fn create_story(&self, user: Uuid, new: NewStory) -> StoreResult<Created<Story>>;
    /// Apply a patch, setting the story's `audio_stale` flag to `audio_stale` (the service
    /// decides it: see `service::stories::update`).
    async fn update_story(
        &self,
        user: Uuid,
        id: Uuid,
        patch: &StoryUpdate,
        audio_stale: bool,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Story>;
    /// Add plays (a counter: concurrent adds never overwrite each other).
    async fn play_story(&self, user: Uuid, id: Uuid, count: i64, now: i64) -> StoreResult<Story>;
    /// Delete with its illustrations, leaving tombstones.
    async fn delete_story(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;

    // ---- custom events ----

    /// The user's custom events, newest first.
    async fn list_events(&self, user: Uuid, page: Page) -> StoreResult<(Vec<CustomEvent>, i64)>;
    /// One custom event.
    async fn get_event(&self, user: Uuid, id: Uuid) -> StoreResult<CustomEvent>;
    /// Create, or return the existing event for a retried create with the same body.
    async fn create_event(
        &self,
        user: Uuid,
        id: Uuid,
        body: &CustomEventCreate,
        now: i64,
    ) -> StoreResult<Created<CustomEvent>>;
    /// Apply a patch.
    async fn update_event(
        &self,
        user: Uuid,
        id: Uuid,
        patch: &CustomEventUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<CustomEvent>;
    /// Delete, leaving a tombstone.
    async fn delete_event(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted>;

    // ---- usage ----

    /// Per operation: uses counted since `since` (epoch ms) and the oldest of them.
    async fn usage_window(&self, user: Uuid, since: i64) -> StoreResult<Vec<UsageWindow>>;
    /// All-time totals over the user's usage records.
    async fn usage_totals(&self, user: Uuid) -> StoreResult<UsageTotals>;

    /// Reserve one use of `operation` if fewer than `limit` were used since `window_start`.
    /// Atomic per user (concurrent requests cannot both take the last slot); the reservation
    /// counts until [`Store::finish_usage`] records the call's outcome (a failed call stops
    /// counting).
    async fn reserve_usage(
        &self,
        user: Uuid,
        operation: Operation,
        limit: i64,
        window_start: i64,
        now: i64,
    ) -> StoreResult<Quota>;
    /// Drop a reservation that was never used (the request failed before the provider call).
    async fn cancel_usage(&self, user: Uuid, record_id: Uuid) -> StoreResult<()>;
    /// Fill in a reserved usage record with what the provider call did.
    async fn finish_usage(
        &self,
        user: Uuid,
        record_id: Uuid,
        record: &UsageRecord,
    ) -> StoreResult<()>;
    /// Write a usage record that needed no reservation (e.g. a job's extra provider calls).
    async fn add_usage(&self, user: Uuid, record: &UsageRecord, now: i64) -> StoreResult<()>;

    // ---- generation state (each write bumps the entity's version, like any other) ----

    /// Mark a story's audio `pending` and queue its job, in one transaction.
    async fn request_audio(&self, user: Uuid, story: Uuid, job: NewJob) -> StoreResult<Story>;
    /// Mark a story's illustrations `pending` and queue their job, in one transaction.
    async fn request_illustrations(
        &self,
        user: Uuid,
        story: Uuid,
        job: NewJob,
    ) -> StoreResult<Story>;
    /// Mark a hero's avatar `pending` and queue its job, in one transaction.
    async fn request_avatar(&self, user: Uuid, hero: Uuid, job: NewJob) -> StoreResult<Hero>;
    /// Record the audio's progress or result (`key`/`duration` when completed).
    async fn set_story_audio(
        &self,
        user: Uuid,
        story: Uuid,
        status: GenerationStatus,
        key: Option<&str>,
        duration: Option<f64>,
        now: i64,
    ) -> StoreResult<Story>;
    /// Record the illustrations' overall status.
    async fn set_illustration_status(
        &self,
        user: Uuid,
        story: Uuid,
        status: IllustrationStatus,
        now: i64,
    ) -> StoreResult<Story>;
    /// Replace a story's illustrations with new pending ones for `scenes` (description,
    /// timestamp); returns them in order and the media keys of the ones replaced.
    async fn replace_illustrations(
        &self,
        user: Uuid,
        story: Uuid,
        scenes: &[(String, f64)],
        now: i64,
    ) -> StoreResult<(Vec<Illustration>, Vec<String>)>;
    /// Record one illustration's progress or result.
    async fn set_illustration(
        &self,
        user: Uuid,
        illustration: Uuid,
        status: GenerationStatus,
        key: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<Illustration>;
    /// Record the avatar's progress or result.
    async fn set_hero_avatar(
        &self,
        user: Uuid,
        hero: Uuid,
        status: AvatarStatus,
        key: Option<&str>,
        generation_id: Option<&str>,
        now: i64,
    ) -> StoreResult<Hero>;
    /// Store an enhanced custom event's keywords and prompt seed (`aiEnhanced: true`).
    async fn set_event_enhancement(
        &self,
        user: Uuid,
        event: Uuid,
        keywords: &[String],
        prompt_seed: &str,
        now: i64,
    ) -> StoreResult<CustomEvent>;

    // ---- jobs ----

    /// Queue a job.
    async fn enqueue_job(&self, job: NewJob) -> StoreResult<()>;
    /// Claim the next runnable job (queued and due, or running with an expired lease) for
    /// `lease_ms`. On PostgreSQL many workers claim concurrently with `SKIP LOCKED`.
    async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<Option<JobRecord>>;
    /// Mark a job done (only by the worker holding it).
    async fn complete_job(&self, id: Uuid, worker: &str, now: i64) -> StoreResult<bool>;
    /// Record a failure: queue again at `retry_at`, or mark failed when `None`.
    async fn fail_job(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool>;
    /// Give a claimed job back untouched (graceful shutdown): queued again, the try not counted.
    async fn release_job(&self, id: Uuid, worker: &str, now: i64) -> StoreResult<bool>;
    /// Extend the lease of a job still being worked on.
    async fn extend_lease(&self, id: Uuid, worker: &str, until: i64) -> StoreResult<bool>;
    /// A job's state.
    async fn job_status(&self, id: Uuid) -> StoreResult<Option<JobStatus>>;

    // ---- sync ----

    /// Changes with `version > since`, in version order, at most `limit`.
    async fn changes(&self, user: Uuid, since: i64, limit: i64) -> StoreResult<ChangePage>;
    /// [`Store::changes`], also stopping before the stories' title and content pass
    /// `text_budget` bytes (always at least one change; `has_more` then says there is
    /// more). Story text is the only unbounded part of a change: without this, a page of
    /// long stories is read whole, whatever the answer may hold.
    async fn changes_within(
        &self,
        user: Uuid,
        since: i64,
        limit: i64,
        text_budget: i64,
    ) -> StoreResult<ChangePage>;
    /// Drop tombstones deleted before `before` and move each user's horizon past them.
    async fn purge_tombstones(&self, before: i64) -> StoreResult<u64>;
    /// The remembered result (JSON) of a sync mutation, if it was seen before.
    async fn find_mutation(&self, user: Uuid, mutation_id: Uuid) -> StoreResult<Option<String>>;
    /// Remember a sync mutation's result. The first result wins: `false` when another call
    /// remembered this mutation first (its result is then the one [`Store::find_mutation`]
    /// answers).
    async fn remember_mutation(
        &self,
        user: Uuid,
        mutation_id: Uuid,
        result: &str,
        now: i64,
    ) -> StoreResult<bool>;
    /// Add plays for a sync `increment` exactly once: the count and the remembered mutation
    /// commit together, so a replay after a lost answer cannot count twice.
    async fn play_story_once(
        &self,
        user: Uuid,
        id: Uuid,
        count: i64,
        now: i64,
        mutation_id: Uuid,
    ) -> StoreResult<PlayOnce>;
    /// Send a PostgreSQL `NOTIFY` (a no-op on SQLite, which has one process).
    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()>;
    /// Forget sync mutations remembered before `before`.
    async fn purge_mutations(&self, before: i64) -> StoreResult<u64>;
}
