//! Accounts and bearer sessions.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use storyloom_domain::{
    AuthResponse, Envelope, SessionInfo, SignIn, SignUp, SignedOut, User, time,
};

use crate::{
    auth::Account,
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, ClientAddr},
    limits::Decision,
    routes::{ok, rate_limit_headers, with_status},
    service::account,
    state::AppState,
};

pub fn router(state: AppState) -> Router<AppState> {
    let limited = Router::new()
        .route("/auth/sign-up", post(sign_up))
        .route("/auth/sign-in", post(sign_in))
        .route_layer(middleware::from_fn_with_state(state, per_address_limit));
    Router::new()
        .merge(limited)
        .route("/auth/session", get(session))
        .route("/auth/session/refresh", post(refresh))
        .route("/auth/sign-out", post(sign_out))
}

pub(crate) fn user_dto(u: &Account) -> User {
    User {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        created_at: time::from_millis(u.created_at),
    }
}

/// Unix seconds when a limiter window frees up.
fn reset_unix(d: &Decision) -> i64 {
    time::now().timestamp() + d.reset_after.as_secs().max(1) as i64
}

/// Per-address limit on sign-up and sign-in, as a layer so every answer of these routes —
/// validation errors and 429s included — carries the `X-RateLimit-*` headers (API.md).
async fn per_address_limit(
    State(state): State<AppState>,
    addr: ClientAddr,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let d = state.auth_by_ip.check(&addr.0);
    let reset = reset_unix(&d);
    let mut resp = if d.allowed {
        next.run(req).await
    } else {
        let retry_after = d.reset_after.as_secs().max(1);
        ApiError::RateLimited {
            retry_after,
            reset_at: reset,
        }
        .into_response()
    };
    rate_limit_headers(resp.headers_mut(), d.limit, d.remaining, reset);
    resp
}

#[utoipa::path(post, path = "/api/auth/sign-up", tag = "auth", request_body = SignUp,
    responses((status = 201, body = Envelope<AuthResponse>), (status = 400), (status = 409), (status = 429)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUp>,
) -> ApiResult<Response> {
    let (user, session) = account::sign_up(&state, body).await?;
    Ok(with_status(
        &state,
        StatusCode::CREATED,
        AuthResponse {
            user: user_dto(&Account::from(&user)),
            session,
        },
    )
    .await)
}

#[utoipa::path(post, path = "/api/auth/sign-in", tag = "auth", request_body = SignIn,
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401), (status = 429)))]
pub async fn sign_in(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let (user, session) = account::sign_in(&state, body, addr.0).await?;
    Ok(ok(
        &state,
        AuthResponse {
            user: user_dto(&Account::from(&user)),
            session,
        },
    )
    .await)
}

#[utoipa::path(get, path = "/api/auth/session", tag = "auth",
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401)), security(("bearer" = [])))]
pub async fn session(State(state): State<AppState>, auth: AuthUser) -> Response {
    ok(
        &state,
        AuthResponse {
            user: user_dto(&auth.user),
            session: SessionInfo {
                token: auth.token.clone(),
                expires_at: time::from_millis(auth.session.expires_at),
            },
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/auth/session/refresh", tag = "auth",
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401)), security(("bearer" = [])))]
pub async fn refresh(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    let session = account::refresh(&state, auth.user.id, &auth.session.token_hash).await?;
    Ok(ok(
        &state,
        AuthResponse {
            user: user_dto(&auth.user),
            session,
        },
    )
    .await)
}

#[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth",
    responses((status = 200), (status = 401)), security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    account::sign_out(&state, auth.id(), &auth.session.token_hash).await?;
    Ok(ok(&state, SignedOut { signed_out: true }).await)
}
