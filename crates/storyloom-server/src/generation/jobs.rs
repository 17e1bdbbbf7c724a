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
use storyloom_domain::{JobId, JobKind, Language, Operation, UsageRecordId, UserId, Voice, time};
use storyloom_store::{JobRecord, NewJob};
use tokio::sync::watch;
use uuid::Uuid;

use storyloom_media::{MediaKey, MediaKind};

use crate::{
    generation::{Reservation, call, limit_of, settle},
    service,
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
        record_id: UsageRecordId,
        /// Narration language.
        language: Language,
        /// Voice.
        voice: Voice,
    },
    /// Illustrate a story.
    Illustrations {
        /// The reserved usage record.
        record_id: UsageRecordId,
    },
    /// Draw a hero's avatar.
    Avatar {
        /// The reserved usage record.
        record_id: UsageRecordId,
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
    pub fn job(&self, user: UserId, entity: impl Into<Uuid>) -> NewJob {
        NewJob {
            id: JobId::new(),
            user_id: user,
            kind: self.kind(),
            entity_id: entity.into(),
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
    tracing::warn!(error = %message, "job failed for good");
    if let Err(e) = service::jobs::failed_for_good(state, job).await {
        tracing::warn!(error = %e, "could not mark the job's entity failed");
    }
}

fn reservation(
    state: &AppState,
    job: &JobRecord,
    op: Operation,
    record_id: UsageRecordId,
) -> Reservation {
    Reservation {
        user: job.user_id,
        operation: op,
        record_id,
        limit: limit_of(state, op),
        remaining: 0,
        reset_at: 0,
    }
}

/// A flagged story (an import that failed the child-safety screening, not approved) is never
/// fed to narration or illustration: the service refuses to queue such jobs, and a job that
/// finds its story flagged anyway fails without retrying.
fn flagged(story: &storyloom_domain::Story) -> Result<(), JobError> {
    if story.content_flagged {
        return Err(JobError {
            message: "the story is flagged by the child-safety screening; approve it first".into(),
            retry: false,
        });
    }
    Ok(())
}

/// Run one job: the providers are called here, every write of what they made goes through
/// [`service::jobs`]. An entity deleted while the job ran ends it quietly.
async fn run_job(state: &AppState, job: &JobRecord) -> Result<(), JobError> {
    let spec: JobSpec = serde_json::from_str(&job.payload).map_err(|e| JobError {
        message: format!("unreadable job: {e}"),
        retry: false,
    })?;
    let user = job.user_id.uuid();
    match spec {
        JobSpec::Audio {
            record_id,
            language,
            voice,
        } => {
            let Some(story) = service::jobs::audio_started(state, job).await? else {
                return Ok(());
            };
            flagged(&story)?;
            let r = reservation(state, job, Operation::AudioGeneration, record_id);
            let text = format!("{}.\n\n{}", story.title, story.content);
            let narration = call(state, &r, state.ai.narrator.narrate(&text, language, voice))
                .await
                .map_err(ai_job_error)?;
            // Keyed by the job: a retry overwrites its own blob, a new narration gets a new URL.
            let key = MediaKey::new(user, MediaKind::Audio, job.id.uuid());
            state.media.put(&key, narration.mp3).await?;
            service::jobs::audio_done(state, job, &story, &key, narration.duration_seconds).await?;
        }
        JobSpec::Illustrations { record_id } => {
            let Some((story, hero)) = service::jobs::illustrations_started(state, job).await?
            else {
                return Ok(());
            };
            flagged(&story)?;
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
            let pairs: Vec<(String, f64)> = scenes
                .output
                .iter()
                .map(|s| (s.description.clone(), s.audio_timestamp))
                .collect();
            let Some(ills) = service::jobs::scenes_chosen(state, job, story.id, &pairs).await?
            else {
                return Ok(());
            };
            let mut previous = hero.avatar_generation_id.clone();
            let (mut drawn, mut failed) = (0, 0);
            for ill in &ills {
                let picture = state
                    .ai
                    .illustrator
                    .scene(&ill.scene_description, &hero, previous.as_deref())
                    .await;
                let stored = match picture {
                    Ok(p) => {
                        usage.images += p.usage.images;
                        usage.tokens += p.usage.tokens;
                        usage.estimated_cost_usd += p.usage.estimated_cost_usd;
                        usage.model = p.usage.model.clone();
                        let key = MediaKey::new(user, MediaKind::Illustration, ill.id.uuid());
                        match state.media.put(&key, p.output.png).await {
                            Ok(()) => Ok((key, p.output.generation_id)),
                            Err(e) => Err(format!("could not store the picture: {e}")),
                        }
                    }
                    Err(e) => Err(e.to_string()),
                };
                let outcome = stored.as_ref().map(|(k, _)| k).map_err(String::as_str);
                if !service::jobs::illustration_drawn(state, job, ill.id, outcome).await? {
                    return Ok(());
                }
                match stored {
                    Ok((_, generation_id)) => {
                        previous = Some(generation_id);
                        drawn += 1;
                    }
                    Err(_) => failed += 1,
                }
            }
            settle(state, &r, started, Ok(&usage)).await;
            service::jobs::illustrations_done(state, job, story.id, drawn, failed).await?;
        }
        JobSpec::Avatar { record_id, prompt } => {
            let Some(hero) = service::jobs::avatar_started(state, job).await? else {
                return Ok(());
            };
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
            let key = MediaKey::new(user, MediaKind::Avatar, job.id.uuid());
            state.media.put(&key, picture.png).await?;
            service::jobs::avatar_done(state, job, &hero, &key, &picture.generation_id).await?;
        }
    }
    Ok(())
}

fn ai_job_error(e: storyloom_ai::AiError) -> JobError {
    // A refusal will be refused again; a missing program needs an operator. Do not retry those.
    let retry = e.is_provider_error();
    JobError {
        message: e.to_string(),
        retry,
    }
}
