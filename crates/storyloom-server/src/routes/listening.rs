//! Listening sessions: record, list, show, delete (no update: a listen is not edited).

use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::request::Parts,
    response::Response,
    routing::get,
};
use storyloom_domain::{
    Envelope, FieldErrors, ListeningSession, ListeningSessionCreate, ListeningSessionId,
    Pagination, StoryId,
};
use storyloom_store::ListeningFilter;

use crate::{
    error::{ApiError, ApiResult, missing},
    extract::{ApiJson, AuthUser, ListParams, PathId},
    routes::{DeletedResponse, created, ok, page},
    service::listening,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/listening-sessions", get(list).post(create))
        .route("/listening-sessions/{id}", get(show).delete(remove))
}

/// `storyId`, `from`, `to` (RFC 3339, on `startedAt`, both inclusive) and `completed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListeningQuery(pub ListeningFilter);

impl<S: Send + Sync> FromRequestParts<S> for ListeningQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
                .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.trim())
        };
        let mut errors = FieldErrors::new();
        let mut f = ListeningFilter::default();
        if let Some(v) = get("storyId") {
            match v.parse::<StoryId>() {
                Ok(id) => f.story_id = Some(id),
                Err(_) => {
                    errors.insert("storyId".into(), "must be a UUID".into());
                }
            }
        }
        for (name, slot) in [("from", &mut f.from), ("to", &mut f.to)] {
            if let Some(v) = get(name) {
                match chrono::DateTime::parse_from_rfc3339(v) {
                    Ok(t) => *slot = Some(t.timestamp_millis()),
                    Err(_) => {
                        errors.insert(name.into(), "must be an RFC 3339 timestamp".into());
                    }
                }
            }
        }
        if let Some(v) = get("completed") {
            match v {
                "true" | "1" => f.completed = Some(true),
                "false" | "0" => f.completed = Some(false),
                _ => {
                    errors.insert("completed".into(), "must be true or false".into());
                }
            }
        }
        if errors.is_empty() {
            Ok(Self(f))
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

#[utoipa::path(get, path = "/api/listening-sessions", tag = "listening sessions",
    params(("storyId" = Option<uuid::Uuid>, Query), ("from" = Option<String>, Query, description = "RFC 3339; startedAt at or after"),
        ("to" = Option<String>, Query, description = "RFC 3339; startedAt at or before"), ("completed" = Option<bool>, Query),
        ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Vec<ListeningSession>>), (status = 400)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    p: ListParams,
    ListeningQuery(filter): ListeningQuery,
) -> ApiResult<Response> {
    let (sessions, total) = state
        .store
        .list_listening_sessions(auth.id(), filter, p.page)
        .await?;
    Ok(page(
        &state,
        sessions,
        Pagination::new(total, p.page.limit, p.page.offset),
    )
    .await)
}

#[utoipa::path(get, path = "/api/listening-sessions/{id}", tag = "listening sessions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<ListeningSession>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<ListeningSessionId>,
) -> ApiResult<Response> {
    let found = state
        .store
        .get_listening_session(auth.id(), id)
        .await
        .map_err(missing("listening session"))?;
    Ok(ok(&state, found).await)
}

#[utoipa::path(post, path = "/api/listening-sessions", tag = "listening sessions", request_body = ListeningSessionCreate,
    responses((status = 201, body = Envelope<ListeningSession>), (status = 200, description = "a retried create with the same id and body"),
        (status = 400), (status = 404, description = "not one of the user's stories"), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<ListeningSessionCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(ListeningSessionId::new);
    Ok(created(
        &state,
        listening::create(&state, auth.id(), id, &body).await?,
    )
    .await)
}

#[utoipa::path(delete, path = "/api/listening-sessions/{id}", tag = "listening sessions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<ListeningSessionId>,
) -> ApiResult<Response> {
    listening::delete(&state, auth.id(), id).await?;
    Ok(ok(
        &state,
        DeletedResponse {
            id: id.uuid(),
            deleted: true,
        },
    )
    .await)
}
