//! Custom event writes (enhancement is generation: see [`super::generation`]).

use storyloom_domain::{CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate, UserId};
use storyloom_store::Deleted;

use super::{
    Created, deleted, made, now,
    quota::{self, Adding},
    updated,
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
    let size = body.title.len()
        + body.description.as_ref().map_or(0, String::len)
        + body.prompt_seed.len();
    quota::check(state, user, Adding::CustomEvent(size)).await?;
    let r = state.store.create_event(user, id, body, now()).await;
    made(state, user, r).await
}

/// Apply a patch, checking `if_match` against the current version.
pub async fn update(
    state: &AppState,
    user: UserId,
    id: CustomEventId,
    patch: &CustomEventUpdate,
    if_match: Option<i64>,
) -> ApiResult<CustomEvent> {
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
