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
use storyloom_domain::{Envelope, Pagination};

use crate::{error::ApiError, state::AppState};

/// All API routes, relative to the API base.
pub fn api_router(state: AppState) -> Router<AppState> {
    let bench = state.config.bench_limit_endpoint;
    // Entity reads go through the answer cache (see `cache.rs`).
    let cached = Router::new()
        .merge(heroes::router())
        .merge(stories::router())
        .merge(events::router())
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
        .merge(meta::router())
        .merge(sync::router())
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::media::sign_urls,
        ))
        .merge(crate::media::router());
    let router = if bench {
        router.merge(bench::router())
    } else {
        router
    };
    router.method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// 200 with the envelope.
pub fn ok<T: Serialize>(data: T) -> Response {
    (StatusCode::OK, Json(Envelope::ok(data))).into_response()
}

/// `status` with the envelope.
pub fn with_status<T: Serialize>(status: StatusCode, data: T) -> Response {
    (status, Json(Envelope::ok(data))).into_response()
}

/// 201 for a new entity, 200 for the existing one of a retried create.
pub fn created<T: Serialize>(c: crate::service::Created<T>) -> Response {
    let status = if c.is_new() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    with_status(status, c.into_inner())
}

/// 200 with a list and its page.
pub fn page<T: Serialize>(data: Vec<T>, pagination: Pagination) -> Response {
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
