//! Per-account storage limits: text bytes and numbers of heroes, stories and custom events,
//! checked before every create (REST, push and imports alike, as they all come through the
//! service), so one account cannot fill the disk for everyone.
//!
//! The check reads the account's current usage and is not taken under a lock: creates racing
//! each other can pass a limit by the few that were in flight together, which generous limits
//! make harmless.

use storyloom_domain::{StorageUsage, UserId};

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
/// `STORAGE_LIMIT_EXCEEDED`).
pub(super) async fn check(state: &AppState, user: UserId, adding: Adding) -> ApiResult<()> {
    let u = usage(state, user).await?;
    let full = |what, limit| Err(ApiError::StorageLimit { what, limit });
    let bytes = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    match adding {
        Adding::Hero if u.heroes >= u.hero_limit => full("heroes", u.hero_limit),
        Adding::Story(_) if u.stories >= u.story_limit => full("stories", u.story_limit),
        Adding::CustomEvent(_) if u.custom_events >= u.custom_event_limit => {
            full("custom events", u.custom_event_limit)
        }
        Adding::Story(n) | Adding::CustomEvent(n)
            if u.bytes.saturating_add(bytes(n)) > u.byte_limit =>
        {
            full("bytes of text", u.byte_limit)
        }
        _ => Ok(()),
    }
}
