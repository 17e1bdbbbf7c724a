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
    AuthResponse, Envelope, SessionInfo, SignIn, SignUp, User, new_id, time,
    validate::normalize_email,
};
use storyloom_store::{NewUser, SessionRecord, UserRecord};

use crate::{
    auth::{hash_password, new_token, verify_password},
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, ClientAddr, token_hash},
    limits::Decision,
    routes::{ok, rate_limit_headers, with_status},
    state::AppState,
};

/// How long a refreshed-away token keeps working, so requests in flight still succeed.
const REFRESH_GRACE_MS: i64 = 60_000;

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

pub(crate) fn user_dto(u: &UserRecord) -> User {
    User {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        created_at: time::from_millis(u.created_at),
    }
}

async fn issue_session(state: &AppState, user: &UserRecord) -> ApiResult<SessionInfo> {
    let token = new_token()?;
    let now = time::now().timestamp_millis();
    let expires_at = now + (state.config.session_hours as i64) * 3_600_000;
    state
        .store
        .create_session(SessionRecord {
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at,
        })
        .await?;
    Ok(SessionInfo {
        token,
        expires_at: time::from_millis(expires_at),
    })
}

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
    let email = normalize_email(&body.email);
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(ApiError::EmailTaken);
    }
    let password_hash = hash_password(body.password).await?;
    let name = body.name.filter(|n| !n.trim().is_empty());
    let user = state
        .store
        .create_user(NewUser {
            id: new_id(),
            email,
            password_hash,
            name,
            now: time::now().timestamp_millis(),
        })
        .await?;
    let session = issue_session(&state, &user).await?;
    Ok(with_status(
        StatusCode::CREATED,
        AuthResponse {
            user: user_dto(&user),
            session,
        },
    ))
}

#[utoipa::path(post, path = "/api/auth/sign-in", tag = "auth", request_body = SignIn,
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401), (status = 429)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let email = normalize_email(&body.email);
    let failures = state.signin_failures.peek(&email);
    if !failures.allowed {
        return Err(ApiError::RateLimited {
            retry_after: failures.reset_after.as_secs().max(1),
            reset_at: reset_unix(&failures),
        });
    }
    let user = state.store.user_by_email(&email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(body.password, hash).await? {
        state.signin_failures.record(&email);
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.ok_or(ApiError::InvalidCredentials)?;
    state.signin_failures.clear(&email);
    let session = issue_session(&state, &user).await?;
    Ok(ok(AuthResponse {
        user: user_dto(&user),
        session,
    }))
}

#[utoipa::path(get, path = "/api/auth/session", tag = "auth",
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401)), security(("bearer" = [])))]
pub async fn session(auth: AuthUser) -> Response {
    ok(AuthResponse {
        user: user_dto(&auth.user),
        session: SessionInfo {
            token: auth.token.clone(),
            expires_at: time::from_millis(auth.session.expires_at),
        },
    })
}

#[utoipa::path(post, path = "/api/auth/session/refresh", tag = "auth",
    responses((status = 200, body = Envelope<AuthResponse>), (status = 401)), security(("bearer" = [])))]
pub async fn refresh(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    let session = issue_session(&state, &auth.user).await?;
    let grace = time::now().timestamp_millis() + REFRESH_GRACE_MS;
    state
        .store
        .set_session_expiry(&auth.session.token_hash, grace)
        .await?;
    state
        .hub
        .session_revoked(auth.id(), &auth.session.token_hash)
        .await;
    Ok(ok(AuthResponse {
        user: user_dto(&auth.user),
        session,
    }))
}

#[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth",
    responses((status = 200), (status = 401)), security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    state.store.delete_session(&auth.session.token_hash).await?;
    state
        .hub
        .session_revoked(auth.id(), &auth.session.token_hash)
        .await;
    Ok(ok(serde_json::json!({ "signedOut": true })))
}
