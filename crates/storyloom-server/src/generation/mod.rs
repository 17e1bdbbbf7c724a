//! Generation: quotas, provider calls and usage records, shared by the HTTP handlers (which
//! write story text and enhance events before answering) and the job worker (which narrates
//! and draws in the background).

pub mod jobs;

use std::time::Instant;

use axum::http::HeaderMap;
use storyloom_ai::{AiError, Generated, UsageInfo};
use storyloom_domain::{Operation, UsageRecordId, UserId, time};
use storyloom_store::{Quota, UsageRecord};

use crate::{error::ApiError, routes::rate_limit_headers, state::AppState};

/// The rolling window generation limits are counted over.
pub const WINDOW_MS: i64 = 3_600_000;

/// A reserved slot of an operation's hourly limit, to be settled with the call's outcome.
#[derive(Debug, Clone)]
pub struct Reservation {
    /// Whose.
    pub user: UserId,
    /// What for.
    pub operation: Operation,
    /// The usage record holding the slot.
    pub record_id: UsageRecordId,
    /// The limit.
    pub limit: i64,
    /// Uses left after this one.
    pub remaining: i64,
    /// Epoch ms when the oldest counted use leaves the window.
    pub reset_at: i64,
}

impl Reservation {
    /// Put `X-RateLimit-*` on an answer.
    pub fn headers(&self, headers: &mut HeaderMap) {
        rate_limit_headers(
            headers,
            self.limit as u32,
            self.remaining.max(0) as u32,
            self.reset_at / 1000,
        );
    }
}

/// The configured hourly limit of an operation.
pub fn limit_of(state: &AppState, op: Operation) -> i64 {
    let c = &state.config;
    match op {
        Operation::StoryGeneration => c.limit_story_per_hour,
        Operation::AudioGeneration => c.limit_audio_per_hour,
        Operation::IllustrationGeneration => c.limit_illustrations_per_hour,
        Operation::AvatarGeneration => c.limit_avatar_per_hour,
        Operation::EventEnhancement => c.limit_enhance_per_hour,
    }
}

/// Take one use of `op` for `user`, or answer 429 with the headers.
pub async fn reserve(
    state: &AppState,
    user: UserId,
    op: Operation,
) -> Result<Reservation, ApiError> {
    let limit = limit_of(state, op);
    let now = time::now().timestamp_millis();
    match state
        .store
        .reserve_usage(user, op, limit, now - WINDOW_MS, now)
        .await?
    {
        Quota::Granted {
            record_id,
            remaining,
            reset_at,
        } => Ok(Reservation {
            user,
            operation: op,
            record_id,
            limit,
            remaining,
            reset_at,
        }),
        Quota::Exceeded { reset_at } => {
            let retry_after = ((reset_at - now).max(1000) / 1000) as u64;
            Err(ApiError::GenerationLimited {
                limit,
                reset_at: reset_at / 1000,
                retry_after,
                operation: op,
            })
        }
    }
}

/// Give a reservation back unused (the request failed before calling the provider).
pub async fn cancel(state: &AppState, r: &Reservation) {
    if let Err(e) = state.store.cancel_usage(r.user, r.record_id).await {
        tracing::warn!(error = %e, "could not cancel a usage reservation");
    }
}

/// Record what a provider call did on its reservation.
pub async fn settle(
    state: &AppState,
    r: &Reservation,
    started: Instant,
    outcome: Result<&UsageInfo, &AiError>,
) {
    let duration_ms = started.elapsed().as_millis() as i64;
    let record = match outcome {
        Ok(u) => UsageRecord {
            operation: r.operation,
            provider: u.provider.clone(),
            model: u.model.clone(),
            tokens: u.tokens,
            characters: u.characters,
            images: u.images,
            cost_usd: u.estimated_cost_usd,
            duration_ms,
            success: true,
            error: None,
        },
        // Unsafe output still cost its generations: the record carries them, as a failure.
        Err(AiError::UnsafeOutput { usage: u, .. }) => UsageRecord {
            operation: r.operation,
            provider: u.provider.clone(),
            model: u.model.clone(),
            tokens: u.tokens,
            characters: u.characters,
            images: u.images,
            cost_usd: u.estimated_cost_usd,
            duration_ms,
            success: false,
            error: outcome.err().map(ToString::to_string),
        },
        Err(e) => UsageRecord {
            operation: r.operation,
            provider: state.ai.kind.name().to_owned(),
            model: String::new(),
            duration_ms,
            tokens: 0,
            characters: 0,
            images: 0,
            cost_usd: 0.0,
            success: false,
            error: Some(e.to_string()),
        },
    };
    if let Err(e) = state.store.finish_usage(r.user, r.record_id, &record).await {
        tracing::warn!(error = %e, "could not record usage");
    }
}

/// Run a provider call on a reservation, settling it either way.
pub async fn call<T>(
    state: &AppState,
    r: &Reservation,
    fut: impl Future<Output = Result<Generated<T>, AiError>>,
) -> Result<T, AiError> {
    let started = Instant::now();
    let out = fut.await;
    match &out {
        Ok(g) => settle(state, r, started, Ok(&g.usage)).await,
        Err(e) => settle(state, r, started, Err(e)).await,
    }
    out.map(|g| g.output)
}

impl From<AiError> for ApiError {
    fn from(e: AiError) -> Self {
        match e {
            AiError::ContentRejected {
                field,
                category,
                message,
            } => ApiError::ContentRejected {
                field,
                category,
                message,
            },
            AiError::UnsafeOutput {
                field, category, ..
            } => ApiError::ContentRejected {
                field,
                category: Some(category),
                message: "The AI wrote something that did not pass Storyloom's child-safety \
                          check, twice, so nothing was kept. Please try again, perhaps with a \
                          simpler description."
                    .to_owned(),
            },
            AiError::Unavailable(why) => ApiError::Unavailable(why),
            other => ApiError::Provider(other.to_string()),
        }
    }
}
