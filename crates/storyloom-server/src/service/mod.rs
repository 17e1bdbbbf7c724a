//! The service layer: every write the server accepts, once.
//!
//! REST handlers and `POST /api/sync/push` are adapters: they parse their input, call one
//! function here and render its result. Each function owns the whole rule of its write —
//! validation beyond the DTO, idempotent-create equality (from `storyloom-domain`), version
//! checks, quota reservation, job enqueueing, media cleanup — and ends by announcing the
//! commit, which moves the answer cache's version and reaches every live stream. So two
//! entry points cannot disagree about a write, and a new entry point (a second wire surface)
//! gets the same behaviour by calling the same function.
//!
//! Announcing is structural: [`Hub::changed`](crate::events_hub::Hub::changed) takes a
//! [`Committed`], which only this module can make, so a write path that skips the service
//! cannot notify — and a write path that goes through it cannot forget to.

pub mod account;
pub mod events;
pub mod generation;
pub mod heroes;
pub mod jobs;
pub mod listening;
pub mod quota;
pub mod safety;
pub mod stories;
pub mod sync;

use storyloom_domain::{UserId, time};

pub use storyloom_store::Created;

pub(crate) use crate::error::missing;
use crate::state::AppState;

/// Proof that a write of `user`'s data committed at `version`.
///
/// Only the service layer constructs it (its fields are private to this module and its
/// children), and only [`Committed::announce`] or the hub consume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    user: UserId,
    version: i64,
}

impl Committed {
    /// Whose data changed.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The version the commit reached.
    pub fn version(&self) -> i64 {
        self.version
    }
}

/// Tell caches and live streams that `user`'s data reached `version`. A version of 0 (a
/// write that changed nothing) announces nothing.
async fn announce(state: &AppState, user: UserId, version: i64) {
    if version > 0 {
        state.hub.changed(Committed { user, version }).await;
    }
}

/// The clock every write stamps, in epoch milliseconds.
fn now() -> i64 {
    time::now().timestamp_millis()
}

/// A store write's result as every entry point answers it: `NotFound` named after `what`,
/// a version conflict with the current entity's media signed (the conflict is JSON from
/// here on, where a key could no longer be told from other text).
async fn stored<T>(
    state: &AppState,
    what: &'static str,
    r: Result<T, storyloom_store::StoreError>,
) -> crate::error::ApiResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(storyloom_store::StoreError::VersionConflict(mut current)) => {
            crate::media::sign(state, &mut *current).await;
            Err(crate::error::ApiError::VersionConflict(
                serde_json::to_value(&*current).unwrap_or_default(),
            ))
        }
        Err(e) => Err(missing(what)(e)),
    }
}

/// An update's result: named if missing, announced if it committed.
async fn updated<T: Versioned>(
    state: &AppState,
    user: UserId,
    what: &'static str,
    r: Result<T, storyloom_store::StoreError>,
) -> crate::error::ApiResult<T> {
    let entity = stored(state, what, r).await?;
    announce(state, user, entity.version()).await;
    Ok(entity)
}

/// A delete's result: named if missing; the deleted rows' media go, then it is announced.
async fn deleted(
    state: &AppState,
    user: UserId,
    what: &'static str,
    r: Result<storyloom_store::Deleted, storyloom_store::StoreError>,
) -> crate::error::ApiResult<storyloom_store::Deleted> {
    let deleted = stored(state, what, r).await?;
    state.media.delete_keys(&deleted.media_keys).await;
    announce(state, user, deleted.version).await;
    Ok(deleted)
}

/// A create's result, announced when it made a row (a retried create changed nothing).
async fn made<T: Versioned>(
    state: &AppState,
    user: UserId,
    r: Result<Created<T>, storyloom_store::StoreError>,
) -> crate::error::ApiResult<Created<T>> {
    let created = r?;
    if let Created::New(entity) = &created {
        announce(state, user, entity.version()).await;
    }
    Ok(created)
}

/// Who is asking, with the preferences generation falls back on.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The account.
    pub user: UserId,
    /// Narration voice when a request names none.
    pub voice: storyloom_domain::Voice,
    /// Language for generation that has no story language (event enhancement).
    pub language: storyloom_domain::Language,
    /// Length of stories created without one (`None`: by the hero's age).
    pub story_length: Option<storyloom_domain::StoryLength>,
}

/// The row version of a synced entity, which a write announces.
pub(crate) trait Versioned {
    fn version(&self) -> i64;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn version(&self) -> i64 {
                self.version
            }
        }
    )*};
}
versioned!(
    storyloom_domain::Hero,
    storyloom_domain::Story,
    storyloom_domain::CustomEvent,
    storyloom_domain::ListeningSession
);
