//! Custom events CRUD.

use axum::{Router, extract::State, response::Response, routing::get};
use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate, Envelope, Pagination,
};

use crate::{
    error::{ApiResult, missing},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, PathId},
    routes::{DeletedResponse, created, ok, page},
    service::events,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/custom-events", get(list).post(create))
        .route(
            "/custom-events/{id}",
            get(show).patch(update).delete(remove),
        )
}

#[utoipa::path(get, path = "/api/custom-events", tag = "custom events",
    params(("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Vec<CustomEvent>>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    p: ListParams,
) -> ApiResult<Response> {
    let (events, total) = state.store.list_events(auth.id(), p.page).await?;
    Ok(page(
        &state,
        events,
        Pagination::new(total, p.page.limit, p.page.offset),
    )
    .await)
}

#[utoipa::path(get, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<CustomEvent>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<CustomEventId>,
) -> ApiResult<Response> {
    let found = state
        .store
        .get_event(auth.id(), id)
        .await
        .map_err(missing("custom event"))?;
    Ok(ok(&state, found).await)
}

#[utoipa::path(post, path = "/api/custom-events", tag = "custom events", request_body = CustomEventCreate,
    responses((status = 201, body = Envelope<CustomEvent>), (status = 400), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<CustomEventCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(CustomEventId::new);
    Ok(created(&state, events::create(&state, auth.id(), id, &body).await?).await)
}

#[utoipa::path(patch, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    request_body = CustomEventUpdate,
    responses((status = 200, body = Envelope<CustomEvent>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<CustomEventId>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<CustomEventUpdate>,
) -> ApiResult<Response> {
    let ev = events::update(&state, auth.id(), id, &body, if_match).await?;
    Ok(ok(&state, ev).await)
}

#[utoipa::path(delete, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<CustomEventId>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    events::delete(&state, auth.id(), id, if_match).await?;
    Ok(ok(
        &state,
        DeletedResponse {
            id: id.uuid(),
            deleted: true,
        },
    )
    .await)
}
