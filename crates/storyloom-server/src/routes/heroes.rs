//! Heroes CRUD.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};
use storyloom_domain::{Envelope, Hero, HeroCreate, HeroUpdate, Pagination, new_id, time};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, PathId},
    routes::{DeletedResponse, ok, page, with_status},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/heroes", get(list).post(create))
        .route("/heroes/{id}", get(show).patch(update).delete(remove))
}

fn not_found(e: storyloom_store::StoreError) -> ApiError {
    match e {
        storyloom_store::StoreError::NotFound => ApiError::NotFound("hero"),
        other => other.into(),
    }
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
        heroes,
        Pagination::new(total, params.page.limit, params.page.offset),
    ))
}

#[utoipa::path(get, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<Hero>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    let hero = state
        .store
        .get_hero(auth.id(), id)
        .await
        .map_err(not_found)?;
    Ok(ok(hero))
}

#[utoipa::path(post, path = "/api/heroes", tag = "heroes", request_body = HeroCreate,
    responses((status = 201, body = Envelope<Hero>), (status = 200, description = "same id and body: the existing hero"),
        (status = 400), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<HeroCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(new_id);
    let created = state
        .store
        .create_hero(auth.id(), id, &body, time::now().timestamp_millis())
        .await?;
    let status = if created.is_new() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let entity = created.into_inner();
    state.hub.changed(auth.id(), entity.version).await;
    Ok(with_status(status, entity))
}

#[utoipa::path(patch, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    request_body = HeroUpdate,
    responses((status = 200, body = Envelope<Hero>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<HeroUpdate>,
) -> ApiResult<Response> {
    let hero = state
        .store
        .update_hero(
            auth.id(),
            id,
            &body,
            if_match,
            time::now().timestamp_millis(),
        )
        .await
        .map_err(not_found)?;
    state.hub.changed(auth.id(), hero.version).await;
    Ok(ok(hero))
}

#[utoipa::path(delete, path = "/api/heroes/{id}", tag = "heroes", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    let deleted = state
        .store
        .delete_hero(auth.id(), id, if_match, time::now().timestamp_millis())
        .await
        .map_err(not_found)?;
    state.media.delete_keys(&deleted.media_keys).await;
    state.hub.changed(auth.id(), deleted.version).await;
    Ok(ok(DeletedResponse { id, deleted: true }))
}
