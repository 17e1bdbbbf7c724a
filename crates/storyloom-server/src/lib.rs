//! The Storyloom HTTP API.
//!
//! [`app`] builds the router from an [`AppState`]; [`serve`] runs it on a listener the caller
//! bound, until a shutdown future resolves — so tests start the real server on port 0 and stop
//! it when they like, and `main.rs` stays a thin shell.
#![warn(missing_docs)]

mod auth;
mod cache;
pub mod config;
pub mod conn;
mod error;
mod events_hub;
mod extract;
mod generation;
mod limits;
mod live_streams;
mod media;
mod openapi;
mod routes;
mod service;
mod state;
pub mod telemetry;

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, header},
    response::IntoResponse,
};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::TraceLayer,
};
use utoipa_swagger_ui::SwaggerUi;

pub use config::Config;
pub use state::AppState;
// For the tests that drive a worker by hand and that look a session up by its token.
pub use extract::token_hash;
pub use generation::jobs::spawn_workers;

use crate::error::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP app for a state.
pub fn app(state: AppState) -> Router {
    let api = routes::api_router(state.clone());
    let timeout = state.config.request_timeout();
    let body_limit = state.config.body_limit;

    let middleware = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_else(|| "unmatched".to_owned());
            let request_id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            tracing::info_span!(
                "request",
                method = %req.method(),
                route,
                request_id,
                user.id = tracing::field::Empty,
            )
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any)
                .expose_headers([
                    REQUEST_ID,
                    header::RETRY_AFTER,
                    HeaderName::from_static("x-ratelimit-limit"),
                    HeaderName::from_static("x-ratelimit-remaining"),
                    HeaderName::from_static("x-ratelimit-reset"),
                ])
                .max_age(Duration::from_secs(3600)),
        )
        .layer(CompressionLayer::new())
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::Timeout
        }))
        .timeout(timeout);

    Router::new()
        .nest("/api", api.clone())
        .nest("/api/v1", api)
        .merge(SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::from("/api/openapi.json")))
        .fallback(|| async { ApiError::NoRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(extract::request_size_guard))
        .with_state(state)
        .layer(middleware)
}

/// Open the store named by the config (running migrations) and build the state.
pub async fn state_from_config(config: Config) -> anyhow::Result<AppState> {
    let url = config.effective_database_url();
    if !url.starts_with("postgres") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let store = storyloom_store::SqlStore::connect(&url)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database {}: {e}",
                storyloom_store::redact_url(&url)
            )
        })?;
    let ai = storyloom_ai::Providers::from_config(&config.ai)
        .map_err(|e| anyhow::anyhow!("cannot set up the AI provider: {e}"))?;
    let media_config = config.media_config()?;
    let media = storyloom_media::BlobStore::open(
        &media_config,
        Duration::from_secs(config.media_url_ttl_secs.max(1)),
    )
    .map_err(|e| anyhow::anyhow!("cannot open media storage: {e}"))?;
    let state = AppState::new(config, Arc::new(store), ai, media);
    if url.starts_with("postgres") {
        state.hub.spawn_pg_listener(url);
    }
    spawn_housekeeping(state.clone());
    Ok(state)
}

/// Hourly: forget tombstones older than 90 days and sync mutation ids older than 30 days
/// (SYNC.md's horizons), and delete expired sessions.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let now = storyloom_domain::time::now().timestamp_millis();
            const DAY: i64 = 86_400_000;
            if let Err(e) = state.store.purge_tombstones(now - 90 * DAY).await {
                tracing::warn!(error = %e, "tombstone purge failed");
            }
            if let Err(e) = state.store.purge_mutations(now - 30 * DAY).await {
                tracing::warn!(error = %e, "mutation purge failed");
            }
            if let Err(e) = state.store.purge_signin_failures(now - DAY).await {
                tracing::warn!(error = %e, "sign-in failure purge failed");
            }
            if let Err(e) = state.store.purge_sessions(now).await {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
}

/// Serve `state` on `listener` until `shutdown` resolves, then finish in-flight requests.
/// The configured in-process job workers run alongside and, at shutdown, finish their current
/// job (or hand it back to the queue) before this returns. Connections are bounded as the
/// config says ([`conn`]: header and idle timeouts, a cap below the descriptor limit).
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = generation::jobs::spawn_workers(&state, state.config.workers, stop_rx);
    let limits = conn::ConnLimits::from_config(&state.config);
    let served = conn::serve_connections(listener, app(state), limits, shutdown).await;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
    served
}

/// Run `n` job workers without an HTTP listener (`storyloom-server worker`) until `shutdown`.
pub async fn run_workers(state: AppState, n: usize, shutdown: impl Future<Output = ()>) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = generation::jobs::spawn_workers(&state, n.max(1), stop_rx);
    shutdown.await;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
