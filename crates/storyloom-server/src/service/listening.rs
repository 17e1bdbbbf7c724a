//! Listening session writes: a session is recorded once and counts its listen on the story.

use storyloom_domain::{ListeningSession, ListeningSessionCreate, ListeningSessionId, UserId};
use storyloom_store::Deleted;

use super::{Created, announce, deleted, missing, now};
use crate::{error::ApiResult, state::AppState};

/// Record a session of one of the user's stories (another user's story is 404, like
/// everywhere), adding one to the story's `playCount` in the same transaction; a retried
/// create with the same id and body answers the existing session and counts nothing.
pub async fn create(
    state: &AppState,
    user: UserId,
    id: ListeningSessionId,
    body: &ListeningSessionCreate,
) -> ApiResult<Created<ListeningSession>> {
    let created = state
        .store
        .create_listening_session(user, id, body, now())
        .await
        .map_err(missing("story"))?;
    if let Created::New(s) = &created {
        // The session's version is the commit's highest (the story's play is one below).
        announce(state, user, s.version).await;
    }
    Ok(created)
}

/// Delete a session. The story's `playCount` stays: the listen happened.
pub async fn delete(state: &AppState, user: UserId, id: ListeningSessionId) -> ApiResult<Deleted> {
    let r = state.store.delete_listening_session(user, id, now()).await;
    deleted(state, user, "listening session", r).await
}
