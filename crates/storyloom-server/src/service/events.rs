//! Custom event writes (enhancement is generation: see [`super::generation`]).

use storyloom_domain::{CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate, UserId};
use storyloom_store::Deleted;

use super::{
    Created, deleted, made, missing, now,
    quota::{self, Adding},
    safety, updated,
};
use crate::{error::ApiResult, state::AppState};

/// Create a custom event with `id`, or answer a retried create with the same body with the
/// existing one (`CustomEventCreate::same_content`).
pub async fn create(
    state: &AppState,
    user: UserId,
    id: CustomEventId,
    body: &CustomEventCreate,
) -> ApiResult<Created<CustomEvent>> {
    let body = &safety::event_create(body)?;
    let size = body.title.len()
        + body.description.as_ref().map_or(0, String::len)
        + body.prompt_seed.len();
    quota::check(state, user, Adding::CustomEvent(size)).await?;
    let r = state.store.create_event(user, id, body, now()).await;
    made(state, user, r).await
}

/// Apply a patch, checking `if_match` against the current version; its text is screened for
/// the event's age range.
pub async fn update(
    state: &AppState,
    user: UserId,
    id: CustomEventId,
    patch: &CustomEventUpdate,
    if_match: Option<i64>,
) -> ApiResult<CustomEvent> {
    let range = match patch.age_range {
        Some(r) => r,
        None if safety::event_patch_has_text(patch) => {
            let ev = state.store.get_event(user, id).await;
            ev.map_err(missing("custom event"))?.age_range
        }
        None => None,
    };
    let patch = &safety::event_update(patch, range)?;
    let r = state
        .store
        .update_event(user, id, patch, if_match, now())
        .await;
    updated(state, user, "custom event", r).await
}

/// Delete a custom event (stories told for it keep their text).
pub async fn delete(
    state: &AppState,
    user: UserId,
    id: CustomEventId,
    if_match: Option<i64>,
) -> ApiResult<Deleted> {
    let r = state.store.delete_event(user, id, if_match, now()).await;
    deleted(state, user, "custom event", r).await
}
