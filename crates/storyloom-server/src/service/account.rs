//! Account writes: sign-up, sessions, profile, deletion.

use std::net::IpAddr;

use storyloom_domain::{
    ProfileUpdate, SessionInfo, SignIn, SignUp, UserId, time, validate::normalize_email,
};
use storyloom_store::{NewUser, SessionRecord, UserRecord};

use super::now;
use crate::{
    auth::{hash_password, new_token, verify_password},
    error::{ApiError, ApiResult},
    extract::token_hash,
    state::AppState,
};

/// How long a refreshed-away token keeps working, so requests in flight still succeed.
const REFRESH_GRACE_MS: i64 = 60_000;

async fn issue_session(state: &AppState, user: UserId) -> ApiResult<SessionInfo> {
    let token = new_token()?;
    let now = now();
    let expires_at = now + (state.config.session_hours as i64) * 3_600_000;
    state
        .store
        .create_session(SessionRecord {
            token_hash: token_hash(&token),
            user_id: user,
            created_at: now,
            expires_at,
        })
        .await?;
    Ok(SessionInfo {
        token,
        expires_at: time::from_millis(expires_at),
    })
}

/// Open an account and its first session.
pub async fn sign_up(state: &AppState, body: SignUp) -> ApiResult<(UserRecord, SessionInfo)> {
    let email = normalize_email(&body.email);
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(ApiError::EmailTaken);
    }
    let password_hash = hash_password(body.password).await?;
    let name = body.name.filter(|n| !n.trim().is_empty());
    let user = state
        .store
        .create_user(NewUser {
            id: UserId::new(),
            email,
            password_hash,
            name,
            now: now(),
        })
        .await?;
    let session = issue_session(state, user.id).await?;
    Ok((user, session))
}

/// The window failed sign-ins are counted over.
const SIGNIN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Check a password and open a session.
///
/// Failures are counted in the database per email *and* client address, so every server
/// process sees the same count, and guessing someone's password from one address locks
/// only that address out of that account: the owner, signing in from an address that has not
/// been failing, still gets in. Guessing from many addresses is held back by the per-address
/// limit on the sign-in route.
pub async fn sign_in(
    state: &AppState,
    body: SignIn,
    address: IpAddr,
) -> ApiResult<(UserRecord, SessionInfo)> {
    let email = normalize_email(&body.email);
    let address = address.to_string();
    let now = now();
    let (failures, oldest) = state
        .store
        .signin_failures(&email, &address, now - SIGNIN_WINDOW_MS)
        .await?;
    if failures >= i64::from(state.config.signin_failures_per_15min) {
        let free_at = oldest.unwrap_or(now) + SIGNIN_WINDOW_MS;
        return Err(ApiError::RateLimited {
            retry_after: ((free_at - now).max(1000) / 1000) as u64,
            reset_at: free_at / 1000,
        });
    }
    let user = state.store.user_by_email(&email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(body.password, hash).await? {
        state
            .store
            .record_signin_failure(&email, &address, now)
            .await?;
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.ok_or(ApiError::InvalidCredentials)?;
    state.store.clear_signin_failures(&email, &address).await?;
    let session = issue_session(state, user.id).await?;
    Ok((user, session))
}

/// A new session for the same account; the old token keeps working for a short grace.
pub async fn refresh(
    state: &AppState,
    user: UserId,
    old_token_hash: &str,
) -> ApiResult<SessionInfo> {
    let session = issue_session(state, user).await?;
    state
        .store
        .set_session_expiry(old_token_hash, now() + REFRESH_GRACE_MS)
        .await?;
    state.hub.session_revoked(user, old_token_hash).await;
    Ok(session)
}

/// Revoke a session on every server process.
pub async fn sign_out(state: &AppState, user: UserId, token_hash: &str) -> ApiResult<()> {
    state.store.delete_session(token_hash).await?;
    state.hub.session_revoked(user, token_hash).await;
    Ok(())
}

/// Change the profile's fields; cached sessions (which carry the preferences) are dropped.
pub async fn update_profile(
    state: &AppState,
    user: UserId,
    patch: &ProfileUpdate,
) -> ApiResult<UserRecord> {
    let record = state.store.update_profile(user, patch, now()).await?;
    state.hub.user_changed(user).await;
    Ok(record)
}

/// Erase the account, everything it owns and all of its media.
pub async fn delete_account(state: &AppState, user: UserId) -> ApiResult<()> {
    state.store.delete_user(user).await?;
    // Rows first: once they are gone nothing can hand out a URL to this media, so a failure
    // here leaves only unreachable blobs, which the next deletion attempt would not see.
    // The whole prefix goes, which also catches blobs of jobs that were still running; a job
    // that stores a blob after this finds its owner gone and deletes it (`generation::jobs`).
    if let Err(e) = state.media.delete_user(user.uuid()).await {
        tracing::warn!(user.id = %user, error = %e, "could not delete the account's media");
    }
    state.hub.account_deleted(user).await;
    tracing::info!(user.id = %user, "account deleted");
    Ok(())
}
