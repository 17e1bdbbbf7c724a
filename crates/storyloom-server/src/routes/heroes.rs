//! Heroes CRUD.

use axum::{Router, extract::State, response::Response, routing::get};
use storyloom_domain::{Envelope, Hero, HeroCreate, HeroId, HeroUpdate, Pagination};

use crate::{
    error::{ApiResult, missing},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, PathId},
    routes::{DeletedResponse, created, ok, page},
    service::heroes,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/heroes", get(list).post(create))
        .route("/heroes/{id}", get(show).patch(update).delete(remove))
}

#[utoipa::path(get, path = "/api/heroes", tag = "heroes",
    params(("limit" = Option<i64>, Query, description = "1–100, default 20"), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Vec<Hero>>), (status = 401)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    params: ListParams,
) -> ApiResult<Response> {
    let (heroes, total) = state.store.list_heroes(auth.id(), params.page).await?;
    Ok(page(
        &state,
        heroes,
        Pagination::new(total, params.page.limit, params.page.offset),
    )
    .await)
}

#[utoipa::path(get, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<Hero>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<HeroId>,
) -> ApiResult<Response> {
    let hero = state
        .store
        .get_hero(auth.id(), id)
        .await
        .map_err(missing("hero"))?;
    Ok(ok(&state, hero).await)
}

#[utoipa::path(post, path = "/api/heroes", tag = "heroes", request_body = HeroCreate,
    responses((status = 201, body = Envelope<Hero>), (status = 200, description = "same id and body: the existing hero"),
        (status = 400), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<HeroCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(HeroId::new);
    Ok(created(&state, heroes::create(&state, auth.id(), id, &body).await?).await)
}

#[utoipa::path(patch, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    request_body = HeroUpdate,
    responses((status = 200, body = Envelope<Hero>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<HeroId>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<HeroUpdate>,
) -> ApiResult<Response> {
    let hero = heroes::update(&state, auth.id(), id, &body, if_match).await?;
    Ok(ok(&state, hero).await)
}

#[utoipa::path(delete, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<HeroId>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    heroes::delete(&state, auth.id(), id, if_match).await?;
    Ok(ok(
        &state,
        DeletedResponse {
            id: id.uuid(),
            deleted: true,
        },
    )
    .await)
}
