//! The background worker: claims jobs from the store, runs them, records the outcome.
//!
//! Jobs are durable rows (queued in the same transaction as the status they drive), claimed
//! with a lease that a heartbeat extends while the job runs. A worker that dies stops
//! extending; once the lease lapses another worker claims the job again. Every step is
//! idempotent — the same media key is overwritten, illustrations are replaced as a set — so a
//! job run twice leaves the same result. Failures are retried with exponential backoff up to
//! `max_attempts`; then the entity is marked `failed` with a message a parent can read.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use storyloom_domain::{
    AvatarStatus, GenerationStatus, IllustrationStatus, JobKind, JobProgress, Language, Operation,
    Voice, time,
};
use storyloom_store::{JobRecord, NewJob, StoreError};
use tokio::sync::watch;
use uuid::Uuid;

use storyloom_media::{MediaKey, MediaKind};

use crate::{
    generation::{Reservation, call, limit_of, settle},
    state::AppState,
};

/// Tries of a job before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 3;

/// Job arguments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum JobSpec {
    /// Narrate a story.
    Audio {
        /// The reserved usage record.
        record_id: Uuid,
        /// Narration language.
        language: Language,
        /// Voice.
        voice: Voice,
    },
    /// Illustrate a story.
    Illustrations {
        /// The reserved usage record.
        record_id: Uuid,
    },
    /// Draw a hero's avatar.
    Avatar {
        /// The reserved usage record.
        record_id: Uuid,
        /// The parent's extra description.
        prompt: Option<String>,
    },
}

impl JobSpec {
    fn kind(&self) -> JobKind {
        match self {
            Self::Audio { .. } => JobKind::Audio,
            Self::Illustrations { .. } => JobKind::Illustrations,
            Self::Avatar { .. } => JobKind::Avatar,
        }
    }

    /// A queued job for `entity`.
    pub fn job(&self, user: Uuid, entity: Uuid) -> NewJob {
        NewJob {
            id: storyloom_domain::new_id(),
            user_id: user,
            kind: self.kind(),
            entity_id: entity,
            payload: serde_json::to_string(self).unwrap_or_default(),
            max_attempts: MAX_ATTEMPTS,
            now: time::now().timestamp_millis(),
        }
    }
}

/// How workers poll and lease.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a claim holds before another worker may take the job.
    pub lease: Duration,
    /// Sleep between polls when the queue is empty.
    pub idle_poll: Duration,
    /// First retry delay (doubles per attempt).
    pub retry_base: Duration,
}

impl WorkerSettings {
    /// From the server config.
    pub fn from_config(c: &crate::Config) -> Self {
        Self {
            lease: Duration::from_millis(c.job_lease_ms.max(100)),
            idle_poll: Duration::from_millis(c.job_poll_ms.max(10)),
            retry_base: Duration::from_millis(c.job_retry_base_ms),
        }
    }
}

/// Start `n` workers; they stop (finishing or releasing their job) when `stop` turns true.
pub fn spawn_workers(
    state: &AppState,
    n: usize,
    stop: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let state = state.clone();
            let stop = stop.clone();
            let name = format!("{}-{}-{i}", hostname(), std::process::id());
            tokio::spawn(async move { run_worker(state, name, stop).await })
        })
        .collect()
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned())
}

/// One worker's loop.
pub async fn run_worker(state: AppState, name: String, mut stop: watch::Receiver<bool>) {
    let settings = WorkerSettings::from_config(&state.config);
    tracing::info!(worker = %name, "job worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        let now = time::now().timestamp_millis();
        let claimed = match state
            .store
            .claim_job(&name, now, settings.lease.as_millis() as i64)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a job failed");
                None
            }
        };
        let Some(job) = claimed else {
            tokio::select! {
                () = tokio::time::sleep(settings.idle_poll) => {}
                () = state.jobs_ready.notified() => {}
                _ = stop.changed() => {}
            }
            continue;
        };
        run_claimed(&state, &name, &settings, job, &mut stop).await;
    }
    tracing::info!(worker = %name, "job worker stopped");
}

async fn run_claimed(
    state: &AppState,
    worker: &str,
    settings: &WorkerSettings,
    job: JobRecord,
    stop: &mut watch::Receiver<bool>,
) {
    let span =
        tracing::info_span!("job", id = %job.id, kind = job.kind.name(), attempt = job.attempts);
    let _enter = span.enter();
    // A job whose earlier tries all died with their workers is not run again.
    if job.attempts > job.max_attempts {
        finish_failed(state, worker, &job, "gave up after repeated interruptions").await;
        return;
    }
    let heartbeat = {
        let store = state.store.clone();
        let (id, worker, lease) = (job.id, worker.to_owned(), settings.lease);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let until = time::now().timestamp_millis() + lease.as_millis() as i64;
                if !store
                    .extend_lease(id, &worker, until)
                    .await
                    .unwrap_or(false)
                {
                    break;
                }
            }
        })
    };
    let work = run_job(state, &job);
    tokio::pin!(work);
    let outcome = tokio::select! {
        r = &mut work => Some(r),
        _ = wait_stop(stop) => {
            // Shutting down: give the job a grace period, then hand it back.
            tokio::time::timeout(Duration::from_secs(10), &mut work).await.ok()
        }
    };
    heartbeat.abort();
    let now = time::now().timestamp_millis();
    match outcome {
        None => {
            let _ = state.store.release_job(job.id, worker, now).await;
            tracing::info!("job released at shutdown");
        }
        Some(Ok(())) => {
            let _ = state.store.complete_job(job.id, worker, now).await;
        }
        Some(Err(e)) if e.retry && job.attempts < job.max_attempts => {
            let delay = settings
                .retry_base
                .saturating_mul(1 << (job.attempts.clamp(1, 10) - 1) as u32);
            let at = now + delay.as_millis() as i64;
            tracing::warn!(error = %e.message, retry_in_ms = delay.as_millis() as u64, "job failed; will retry");
            let _ = state
                .store
                .fail_job(job.id, worker, &e.message, Some(at), now)
                .await;
        }
        Some(Err(e)) => finish_failed(state, worker, &job, &e.message).await,
    }
}

async fn wait_stop(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A job's failure: retried when `retry`.
#[derive(Debug)]
pub struct JobError {
    message: String,
    retry: bool,
}

impl<E: std::fmt::Display> From<E> for JobError {
    fn from(e: E) -> Self {
        Self {
            message: e.to_string(),
            retry: true,
        }
    }
}

async fn finish_failed(state: &AppState, worker: &str, job: &JobRecord, message: &str) {
    let now = time::now().timestamp_millis();
    let _ = state
        .store
        .fail_job(job.id, worker, message, None, now)
        .await;
    let spec: Option<JobSpec> = serde_json::from_str(&job.payload).ok();
    let user = job.user_id;
    let version = match spec {
        Some(JobSpec::Audio { .. }) => state
            .store
            .set_story_audio(
                user,
                job.entity_id,
                GenerationStatus::Failed,
                None,
                None,
                now,
            )
            .await
            .map(|s| s.version),
        Some(JobSpec::Illustrations { .. }) => state
            .store
            .set_illustration_status(user, job.entity_id, IllustrationStatus::Failed, now)
            .await
            .map(|s| s.version),
        Some(JobSpec::Avatar { .. }) => state
            .store
            .set_hero_avatar(user, job.entity_id, AvatarStatus::Failed, None, None, now)
            .await
            .map(|h| h.version),
        None => return,
    };
    tracing::warn!(error = %message, "job failed for good");
    if let Ok(v) = version {
        announce(state, job, JobProgress::Failed, v).await;
    }
}

/// Tell the user's streams about job progress and the new data.
async fn announce(state: &AppState, job: &JobRecord, status: JobProgress, version: i64) {
    crate::service::generation::job_progress(state, job, status, version).await;
}

fn reservation(state: &AppState, job: &JobRecord, op: Operation, record_id: Uuid) -> Reservation {
    Reservation {
        user: job.user_id,
        operation: op,
        record_id,
        limit: limit_of(state, op),
        remaining: 0,
        reset_at: 0,
    }
}

async fn run_job(state: &AppState, job: &JobRecord) -> Result<(), JobError> {
    let spec: JobSpec = serde_json::from_str(&job.payload).map_err(|e| JobError {
        message: format!("unreadable job: {e}"),
        retry: false,
    })?;
    let user = job.user_id;
    let now = || time::now().timestamp_millis();
    let gone = |e: &StoreError| matches!(e, StoreError::NotFound);
    match spec {
        JobSpec::Audio {
            record_id,
            language,
            voice,
        } => {
            let story = match state.store.get_story(user, job.entity_id).await {
                Ok(s) => s,
                Err(e) if gone(&e) => return Ok(()), // deleted meanwhile: nothing to do
                Err(e) => return Err(e.into()),
            };
            let s = state
                .store
                .set_story_audio(
                    user,
                    story.id,
                    GenerationStatus::Processing,
                    None,
                    None,
                    now(),
                )
                .await?;
            announce(state, job, JobProgress::Processing, s.version).await;
            let r = reservation(state, job, Operation::AudioGeneration, record_id);
            let text = format!("{}.\n\n{}", story.title, story.content);
            let narration = call(state, &r, state.ai.narrator.narrate(&text, language, voice))
                .await
                .map_err(ai_job_error)?;
            // Keyed by the job: a retry overwrites its own blob, a new narration gets a new URL.
            let key = MediaKey::new(user, MediaKind::Audio, job.id).to_string();
            let media_key = MediaKey::new(user, MediaKind::Audio, job.id);
            state.media.put(&media_key, narration.mp3).await?;
            let recorded = state
                .store
                .set_story_audio(
                    user,
                    story.id,
                    GenerationStatus::Completed,
                    Some(&key),
                    Some(narration.duration_seconds),
                    now(),
                )
                .await;
            let Some(s) = keep_or_drop(state, &media_key, recorded).await? else {
                return Ok(());
            };
            // An edit while narrating leaves the new audio reading the old text: stale.
            let s = crate::service::stories::narration_stored(
                state,
                storyloom_domain::UserId(user),
                &story,
                s,
            )
            .await
            .map_err(|e| JobError {
                message: format!("marking narration stale failed: {e}"),
                retry: true,
            })?;
            if let Some(old) = story.audio_url.filter(|old| *old != key) {
                state.media.delete_keys(&[old]).await;
            }
            announce(state, job, JobProgress::Completed, s.version).await;
        }
        JobSpec::Illustrations { record_id } => {
            let story = match state.store.get_story(user, job.entity_id).await {
                Ok(s) => s,
                Err(e) if gone(&e) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            let hero = state.store.get_hero(user, story.hero_id).await?;
            let s = state
                .store
                .set_illustration_status(user, story.id, IllustrationStatus::Processing, now())
                .await?;
            announce(state, job, JobProgress::Processing, s.version).await;
            let r = reservation(state, job, Operation::IllustrationGeneration, record_id);
            let started = Instant::now();
            // Without narration yet, time scenes as if read at ~14 characters a second.
            let duration = story
                .audio_duration
                .unwrap_or(story.content.chars().count() as f64 / 14.0);
            let scenes = match state
                .ai
                .scene_extractor
                .extract_scenes(&story.content, story.language, duration)
                .await
            {
                Ok(g) => g,
                Err(e) => {
                    settle(state, &r, started, Err(&e)).await;
                    return Err(ai_job_error(e));
                }
            };
            // One usage record for the whole set: scenes plus every picture.
            let mut usage = scenes.usage.clone();
            let scenes = scenes.output;
            let pairs: Vec<(String, f64)> = scenes
                .iter()
                .map(|s| (s.description.clone(), s.audio_timestamp))
                .collect();
            let (ills, old_keys) = state
                .store
                .replace_illustrations(user, story.id, &pairs, now())
                .await?;
            state.media.delete_keys(&old_keys).await;
            let mut previous = hero.avatar_generation_id.clone();
            let (mut ok, mut failed) = (0, 0);
            for ill in &ills {
                let picture = state
                    .ai
                    .illustrator
                    .scene(&ill.scene_description, &hero, previous.as_deref())
                    .await;
                match picture {
                    Ok(p) => {
                        usage.images += p.usage.images;
                        usage.tokens += p.usage.tokens;
                        usage.estimated_cost_usd += p.usage.estimated_cost_usd;
                        usage.model = p.usage.model.clone();
                        let media_key = MediaKey::new(user, MediaKind::Illustration, ill.id);
                        let key = media_key.to_string();
                        match state.media.put(&media_key, p.output.png).await {
                            Ok(()) => {
                                let recorded = state
                                    .store
                                    .set_illustration(
                                        user,
                                        ill.id,
                                        GenerationStatus::Completed,
                                        Some(&key),
                                        None,
                                        now(),
                                    )
                                    .await;
                                if keep_or_drop(state, &media_key, recorded).await?.is_none() {
                                    return Ok(());
                                }
                                previous = Some(p.output.generation_id);
                                ok += 1;
                            }
                            Err(e) => {
                                let msg = format!("could not store the picture: {e}");
                                state
                                    .store
                                    .set_illustration(
                                        user,
                                        ill.id,
                                        GenerationStatus::Failed,
                                        None,
                                        Some(&msg),
                                        now(),
                                    )
                                    .await?;
                                failed += 1;
                            }
                        }
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        state
                            .store
                            .set_illustration(
                                user,
                                ill.id,
                                GenerationStatus::Failed,
                                None,
                                Some(&msg),
                                now(),
                            )
                            .await?;
                        failed += 1;
                    }
                }
            }
            let status = match (ok, failed) {
                (_, 0) => IllustrationStatus::Completed,
                (0, _) => IllustrationStatus::Failed,
                _ => IllustrationStatus::Partial,
            };
            settle(state, &r, started, Ok(&usage)).await;
            let s = state
                .store
                .set_illustration_status(user, story.id, status, now())
                .await?;
            let word = match status {
                IllustrationStatus::Completed => JobProgress::Completed,
                IllustrationStatus::Partial => JobProgress::Partial,
                _ => JobProgress::Failed,
            };
            announce(state, job, word, s.version).await;
        }
        JobSpec::Avatar { record_id, prompt } => {
            let hero = match state.store.get_hero(user, job.entity_id).await {
                Ok(h) => h,
                Err(e) if gone(&e) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            let h = state
                .store
                .set_hero_avatar(user, hero.id, AvatarStatus::Processing, None, None, now())
                .await?;
            announce(state, job, JobProgress::Processing, h.version).await;
            let r = reservation(state, job, Operation::AvatarGeneration, record_id);
            let picture = call(
                state,
                &r,
                state.ai.illustrator.avatar(
                    &hero,
                    prompt.as_deref(),
                    hero.avatar_generation_id.as_deref(),
                ),
            )
            .await
            .map_err(ai_job_error)?;
            let media_key = MediaKey::new(user, MediaKind::Avatar, job.id);
            let key = media_key.to_string();
            state.media.put(&media_key, picture.png).await?;
            let recorded = state
                .store
                .set_hero_avatar(
                    user,
                    hero.id,
                    AvatarStatus::Completed,
                    Some(&key),
                    Some(&picture.generation_id),
                    now(),
                )
                .await;
            let Some(h) = keep_or_drop(state, &media_key, recorded).await? else {
                return Ok(());
            };
            if let Some(old) = hero.avatar_url.filter(|old| *old != key) {
                state.media.delete_keys(&[old]).await;
            }
            announce(state, job, JobProgress::Completed, h.version).await;
        }
    }
    Ok(())
}

/// Settle a blob the job just stored by the write that records it. When that write fails, no
/// row points at the blob and nothing ever would: it is deleted again. `NotFound` means the
/// owner (or the story, or the hero) was deleted while the job ran — and that deletion swept
/// the owner's media before this blob existed — so the job is over: `Ok(None)`. Any other
/// failure is the job's, retried like the rest (a retry stores its blob again).
async fn keep_or_drop<T>(
    state: &AppState,
    key: &MediaKey,
    recorded: Result<T, StoreError>,
) -> Result<Option<T>, JobError> {
    match recorded {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            state.media.delete_keys(&[key.to_string()]).await;
            if matches!(e, StoreError::NotFound) {
                tracing::info!(%key, "deleted while the job ran; its media is removed");
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

fn ai_job_error(e: storyloom_ai::AiError) -> JobError {
    // A refusal will be refused again; a missing program needs an operator. Do not retry those.
    let retry = e.is_provider_error();
    JobError {
        message: e.to_string(),
        retry,
    }
}
