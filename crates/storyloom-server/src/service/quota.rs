//! Per-account storage limits: text bytes and numbers of heroes, stories and custom events,
//! checked before every create (REST, push and imports alike, as they all come through the
//! service), so one account cannot fill the disk for everyone.
//!
//! The check reads the account's current usage and is not taken under a lock: creates racing
//! each other can pass a limit by the few that were in flight together, which generous limits
//! make harmless.

use storyloom_domain::{StorageUsage, UserId};
use storyloom_store::Counted;

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// What a create adds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Adding {
    Hero,
    /// A story with this many bytes of text.
    Story(usize),
    /// A custom event with this many bytes of text.
    CustomEvent(usize),
}

/// The account's storage against its limits, for `/user/usage`.
pub async fn usage(state: &AppState, user: UserId) -> ApiResult<StorageUsage> {
    let c = &state.config;
    Ok(StorageUsage {
        byte_limit: c.user_storage_bytes,
        story_limit: c.user_max_stories,
        hero_limit: c.user_max_heroes,
        custom_event_limit: c.user_max_custom_events,
        ..state.store.storage_usage(user).await?
    })
}

/// Refuse a create that would pass one of the account's limits (413
/// `STORAGE_LIMIT_EXCEEDED`). A hero create counts only heroes, and at most up to the limit
/// (every create runs this: a full usage read grew with the account, see BENCHMARKS.md);
/// stories and events also add text, so their bytes are summed.
pub(super) async fn check(state: &AppState, user: UserId, adding: Adding) -> ApiResult<()> {
    let c = &state.config;
    let (what, name, limit, text) = match adding {
        Adding::Hero => (Counted::Heroes, "heroes", c.user_max_heroes, None),
        Adding::Story(n) => (Counted::Stories, "stories", c.user_max_stories, Some(n)),
        Adding::CustomEvent(n) => (
            Counted::CustomEvents,
            "custom events",
            c.user_max_custom_events,
            Some(n),
        ),
    };
    if !state.store.keeps_fewer(user, what, limit).await? {
        return Err(ApiError::StorageLimit { what: name, limit });
    }
    if let Some(n) = text {
        let bytes = state.store.storage_usage(user).await?.bytes;
        let adding = i64::try_from(n).unwrap_or(i64::MAX);
        if bytes.saturating_add(adding) > c.user_storage_bytes {
            return Err(ApiError::StorageLimit {
                what: "bytes of text",
                limit: c.user_storage_bytes,
            });
        }
    }
    Ok(())
}
