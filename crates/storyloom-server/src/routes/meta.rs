//! Health and the OpenAPI document.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use storyloom_domain::{Envelope, Health};
use utoipa::OpenApi as _;

use crate::{openapi::ApiDoc, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
}

#[utoipa::path(get, path = "/api/health", tag = "meta",
    responses((status = 200, body = Envelope<Health>), (status = 503, body = Envelope<Health>)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_owned(),
        // Reads still work and writes wait for space: degraded, but kept in the load
        // balancer (every node shares the database, so taking them out would stop reads too).
        Err(storyloom_store::StoreError::StorageFull) => "degraded".to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "health: database down");
            "unavailable".to_owned()
        }
    };
    let storage = match state.media.health().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "health: media storage down");
            "unavailable".to_owned()
        }
    };
    let ai = match state.ai.health().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "health: AI provider unavailable");
            "unavailable".to_owned()
        }
    };
    // Generation being down degrades the service but must not take the API out of a load
    // balancer: reading and editing still work.
    let healthy = database != "unavailable" && storage == "ok";
    let h = Health {
        status: if healthy && database == "ok" && ai == "ok" {
            "ok"
        } else {
            "degraded"
        }
        .to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database,
        storage,
        ai,
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(Envelope::ok(h))).into_response()
}

/// The bare OpenAPI 3.1 document (not enveloped).
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
