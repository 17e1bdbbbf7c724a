//! Hero writes.

use storyloom_domain::{Hero, HeroCreate, HeroId, HeroUpdate, UserId};
use storyloom_store::Deleted;

use super::{
    Created, deleted, made, missing, now,
    quota::{self, Adding},
    safety, updated,
};
use crate::{error::ApiResult, state::AppState};

/// Create a hero with `id`, or answer a retried create with the same body with the existing
/// hero (`HeroCreate::same_content`); a different body on a taken id is `ID_CONFLICT`.
/// Its text is screened first (403 `CONTENT_REJECTED`) and stored as typed minus invisible
/// characters.
pub async fn create(
    state: &AppState,
    user: UserId,
    id: HeroId,
    body: &HeroCreate,
) -> ApiResult<Created<Hero>> {
    let body = &safety::hero_create(body)?;
    quota::check(state, user, Adding::Hero).await?;
    let r = state.store.create_hero(user, id, body, now()).await;
    made(state, user, r).await
}

/// Apply a patch; `if_match` is the version the client last saw (`VERSION_CONFLICT` with the
/// current hero when it moved on). Its text is screened for the hero's age.
pub async fn update(
    state: &AppState,
    user: UserId,
    id: HeroId,
    patch: &HeroUpdate,
    if_match: Option<i64>,
) -> ApiResult<Hero> {
    let age = if safety::hero_patch_has_text(patch) && patch.age.is_none() {
        let hero = state.store.get_hero(user, id).await;
        Some(hero.map_err(missing("hero"))?.age)
    } else {
        patch.age
    };
    let patch = &safety::hero_update(patch, age)?;
    let r = state
        .store
        .update_hero(user, id, patch, if_match, now())
        .await;
    updated(state, user, "hero", r).await
}

/// Delete a hero with its stories and illustrations, and their media.
pub async fn delete(
    state: &AppState,
    user: UserId,
    id: HeroId,
    if_match: Option<i64>,
) -> ApiResult<Deleted> {
    let r = state.store.delete_hero(user, id, if_match, now()).await;
    deleted(state, user, "hero", r).await
}
