//! Generation state and the job queue.

use async_trait::async_trait;

use storyloom_domain::{
    AvatarStatus, CustomEvent, CustomEventId, GenerationStatus, Hero, HeroId, Illustration,
    IllustrationId, IllustrationStatus, JobId, Story, StoryId, UserId,
};

use crate::*;

/// What generation writes: the pending/processing/completed state of audio, illustrations, avatars and enhancements, and the jobs that produce them.
#[async_trait]
pub trait GenerationStore: Send + Sync {
    // ---- generation state (each write bumps the entity's version, like any other) ----

    /// Mark a story's audio `pending` and queue its job, in one transaction.
    async fn request_audio(&self, user: UserId, story: StoryId, job: NewJob) -> StoreResult<Story>;
    /// Mark a story's illustrations `pending` and queue their job, in one transaction.
    async fn request_illustrations(
        &self,
        user: UserId,
        story: StoryId,
        job: NewJob,
    ) -> StoreResult<Story>;
    /// Mark a hero's avatar `pending` and queue its job, in one transaction.
    async fn request_avatar(&self, user: UserId, hero: HeroId, job: NewJob) -> StoreResult<Hero>;
    /// Record the audio's progress or result (`key`/`duration` when completed).
    async fn set_story_audio(
        &self,
        user: UserId,
        story: StoryId,
        status: GenerationStatus,
        key: Option<&str>,
        duration: Option<f64>,
        now: i64,
    ) -> StoreResult<Story>;
    /// Record the illustrations' overall status.
    async fn set_illustration_status(
        &self,
        user: UserId,
        story: StoryId,
        status: IllustrationStatus,
        now: i64,
    ) -> StoreResult<Story>;
    /// Replace a story's illustrations with new pending ones for `scenes` (description,
    /// timestamp); returns them in order and the media keys of the ones replaced.
    async fn replace_illustrations(
        &self,
        user: UserId,
        story: StoryId,
        scenes: &[(String, f64)],
        now: i64,
    ) -> StoreResult<(Vec<Illustration>, Vec<String>)>;
    /// Record one illustration's progress or result.
    async fn set_illustration(
        &self,
        user: UserId,
        illustration: IllustrationId,
        status: GenerationStatus,
        key: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<Illustration>;
    /// Record the avatar's progress or result.
    async fn set_hero_avatar(
        &self,
        user: UserId,
        hero: HeroId,
        status: AvatarStatus,
        key: Option<&str>,
        generation_id: Option<&str>,
        now: i64,
    ) -> StoreResult<Hero>;
    /// Store an enhanced custom event's keywords and prompt seed (`aiEnhanced: true`).
    async fn set_event_enhancement(
        &self,
        user: UserId,
        event: CustomEventId,
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
    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<bool>;
    /// Record a failure: queue again at `retry_at`, or mark failed when `None`.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool>;
    /// Give a claimed job back untouched (graceful shutdown): queued again, the try not counted.
    async fn release_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<bool>;
    /// Extend the lease of a job still being worked on.
    async fn extend_lease(&self, id: JobId, worker: &str, until: i64) -> StoreResult<bool>;
    /// A job's state.
    async fn job_status(&self, id: JobId) -> StoreResult<Option<JobStatus>>;
}
