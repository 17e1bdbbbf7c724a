//! Custom events CRUD.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};
use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventUpdate, Envelope, Pagination, new_id, time,
};
use storyloom_store::StoreError;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, PathId},
    routes::{DeletedResponse, ok, page, with_status},
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

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("custom event"),
        other => other.into(),
    }
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
        events,
        Pagination::new(total, p.page.limit, p.page.offset),
    ))
}

#[utoipa::path(get, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<CustomEvent>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    Ok(ok(state
        .store
        .get_event(auth.id(), id)
        .await
        .map_err(not_found)?))
}

#[utoipa::path(post, path = "/api/custom-events", tag = "custom events", request_body = CustomEventCreate,
    responses((status = 201, body = Envelope<CustomEvent>), (status = 400), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<CustomEventCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(new_id);
    let created = state
        .store
        .create_event(auth.id(), id, &body, time::now().timestamp_millis())
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

#[utoipa::path(patch, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    request_body = CustomEventUpdate,
    responses((status = 200, body = Envelope<CustomEvent>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<CustomEventUpdate>,
) -> ApiResult<Response> {
    let ev = state
        .store
        .update_event(
            auth.id(),
            id,
            &body,
            if_match,
            time::now().timestamp_millis(),
        )
        .await
        .map_err(not_found)?;
    state.hub.changed(auth.id(), ev.version).await;
    Ok(ok(ev))
}

#[utoipa::path(delete, path = "/api/custom-events/{id}", tag = "custom events", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    let deleted = state
        .store
        .delete_event(auth.id(), id, if_match, time::now().timestamp_millis())
        .await
        .map_err(not_found)?;
    state.hub.changed(auth.id(), deleted.version).await;
    Ok(ok(DeletedResponse { id, deleted: true }))
}
