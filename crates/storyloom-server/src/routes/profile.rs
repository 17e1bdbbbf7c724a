//! The signed-in user's profile, usage and account deletion.

use axum::{Router, extract::State, response::Response, routing::get};
use storyloom_domain::{
    AccountDeleted, Envelope, Operation, OperationUsage, Profile, ProfileUpdate, UsageResponse,
    time,
};

use crate::{
    auth::Account,
    error::ApiResult,
    extract::{ApiJson, AuthUser},
    routes::ok,
    service,
    state::AppState,
};

/// The rolling window generation limits are counted over.
pub const USAGE_WINDOW_MS: i64 = 3_600_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/user/profile", get(profile).patch(update_profile))
        .route("/user/usage", get(usage))
        .route("/user/account", axum::routing::delete(delete_account))
}

async fn build_profile(state: &AppState, user: &Account) -> ApiResult<Profile> {
    let stats = state.store.profile_stats(user.id).await?;
    Ok(Profile {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        preferred_language: user.preferred_language,
        preferred_voice: user.preferred_voice,
        default_story_length: user.default_story_length,
        timezone: user.timezone,
        created_at: time::from_millis(user.created_at),
        stats,
    })
}

#[utoipa::path(get, path = "/api/user/profile", tag = "user",
    responses((status = 200, body = Envelope<Profile>)), security(("bearer" = [])))]
pub async fn profile(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    Ok(ok(&state, build_profile(&state, &auth.user).await?).await)
}

#[utoipa::path(patch, path = "/api/user/profile", tag = "user", request_body = ProfileUpdate,
    responses((status = 200, body = Envelope<Profile>), (status = 400)), security(("bearer" = [])))]
pub async fn update_profile(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<ProfileUpdate>,
) -> ApiResult<Response> {
    let user = service::account::update_profile(&state, auth.id(), &body).await?;
    let profile = build_profile(&state, &Account::from(&user)).await?;
    Ok(ok(&state, profile).await)
}

#[utoipa::path(get, path = "/api/user/usage", tag = "user",
    responses((status = 200, body = Envelope<UsageResponse>)), security(("bearer" = [])))]
pub async fn usage(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    let now = time::now().timestamp_millis();
    let window = state
        .store
        .usage_window(auth.id(), now - USAGE_WINDOW_MS)
        .await?;
    let operations = Operation::ALL
        .iter()
        .map(|op| {
            // What the limiter enforces, overrides included.
            let limit = crate::generation::limit_of(&state, *op);
            let w = window.iter().find(|w| w.operation == *op);
            let used = w.map_or(0, |w| w.used);
            OperationUsage {
                operation: *op,
                limit,
                used,
                remaining: (limit - used).max(0),
                reset_at: w.map(|w| time::from_millis(w.oldest + USAGE_WINDOW_MS)),
            }
        })
        .collect();
    let totals = state.store.usage_totals(auth.id()).await?;
    let storage = service::quota::usage(&state, auth.id()).await?;
    let answer = UsageResponse {
        operations,
        totals,
        storage,
    };
    Ok(ok(&state, answer).await)
}

#[utoipa::path(delete, path = "/api/user/account", tag = "user",
    responses((status = 200)), security(("bearer" = [])))]
pub async fn delete_account(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    service::account::delete_account(&state, auth.id()).await?;
    Ok(ok(&state, AccountDeleted { deleted: true }).await)
}
