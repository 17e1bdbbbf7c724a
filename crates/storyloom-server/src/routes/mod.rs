//! HTTP routes, one module per feature; [`api_router`] merges them and is mounted under both
//! `/api` and `/api/v1`.

// Handlers are documented by their `#[utoipa::path]` annotations, which is what readers of
// the API see; repeating that in doc comments would only drift.
#[allow(missing_docs)]
pub mod auth;
#[allow(missing_docs)]
pub mod bench;
#[allow(missing_docs)]
pub mod events;
#[allow(missing_docs)]
pub mod generation;
#[allow(missing_docs)]
pub mod heroes;
#[allow(missing_docs)]
pub mod journey;
#[allow(missing_docs)]
pub mod listening;
#[allow(missing_docs)]
pub mod meta;
#[allow(missing_docs)]
pub mod profile;
#[allow(missing_docs)]
pub mod stories;
#[allow(missing_docs)]
pub mod sync;

use axum::{
    Json, Router,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use storyloom_domain::{Envelope, HasMedia, Pagination};

use crate::{error::ApiError, state::AppState};

/// All API routes, relative to the API base.
pub fn api_router(state: AppState) -> Router<AppState> {
    let bench = state.config.bench_limit_endpoint;
    // Entity reads go through the answer cache (see `cache.rs`).
    let cached = Router::new()
        .merge(heroes::router())
        .merge(stories::router())
        .merge(events::router())
        .merge(listening::router())
        .merge(sync::feed_router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::cache::cached_get,
        ));
    let router = Router::new()
        .merge(auth::router(state.clone()))
        .merge(cached)
        .merge(generation::router())
        .merge(profile::router())
        // Not cached: the figures move with the clock (what "today" is), not only with writes.
        .merge(journey::router())
        .merge(meta::router())
        .merge(sync::router())
        .merge(crate::media::router());
    let router = if bench {
        router.merge(bench::router())
    } else {
        router
    };
    router.method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

// The answer helpers: every 2xx envelope is built here, with its media signed, so no handler
// can send a storage key where a URL belongs.

/// 200 with the envelope.
pub async fn ok<T: Serialize + HasMedia>(state: &AppState, data: T) -> Response {
    with_status(state, StatusCode::OK, data).await
}

/// `status` with the envelope.
pub async fn with_status<T: Serialize + HasMedia>(
    state: &AppState,
    status: StatusCode,
    mut data: T,
) -> Response {
    crate::media::sign(state, &mut data).await;
    (status, Json(Envelope::ok(data))).into_response()
}

/// 201 for a new entity, 200 for the existing one of a retried create.
pub async fn created<T: Serialize + HasMedia>(
    state: &AppState,
    c: crate::service::Created<T>,
) -> Response {
    let status = if c.is_new() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    with_status(state, status, c.into_inner()).await
}

/// 200 with a list and its page.
pub async fn page<T: Serialize + HasMedia>(
    state: &AppState,
    mut data: Vec<T>,
    pagination: Pagination,
) -> Response {
    crate::media::sign(state, &mut data).await;
    (StatusCode::OK, Json(Envelope::page(data, pagination))).into_response()
}

/// Add the `X-RateLimit-*` headers of a limiter decision to a response.
pub fn rate_limit_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset_unix: i64) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset_unix));
}

/// `{id, deleted: true}`: the answer of every DELETE.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedResponse {
    /// The deleted entity.
    pub id: uuid::Uuid,
    /// Always true.
    pub deleted: bool,
}

impl HasMedia for DeletedResponse {}
