//! Stories: list, read, import, edit, delete, play counts, approval of a flagged import.

use axum::{
    Router,
    extract::State,
    response::Response,
    routing::{get, post},
};
use storyloom_domain::{
    Envelope, HeroId, MutationId, Pagination, PlayRequest, Story, StoryCreate, StoryId, StoryUpdate,
};
use storyloom_store::StoryFilter;

use crate::{
    error::{ApiResult, missing},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, OptionalJson, PathId},
    routes::{DeletedResponse, created, ok, page},
    service::stories,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories", get(list).post(create))
        .route("/stories/{id}", get(show).patch(update).delete(remove))
        .route("/stories/{id}/play", post(play))
        .route("/stories/{id}/approve", post(approve))
}

#[utoipa::path(get, path = "/api/stories", tag = "stories",
    params(("heroId" = Option<uuid::Uuid>, Query), ("favorite" = Option<bool>, Query),
        ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Vec<Story>>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    p: ListParams,
) -> ApiResult<Response> {
    let filter = StoryFilter {
        hero_id: p.hero_id.map(HeroId),
        favorite: p.favorite,
        occasion: None,
    };
    let (stories, total) = state.store.list_stories(auth.id(), filter, p.page).await?;
    Ok(page(
        &state,
        stories,
        Pagination::new(total, p.page.limit, p.page.offset),
    )
    .await)
}

#[utoipa::path(get, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<Story>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
) -> ApiResult<Response> {
    let found = state
        .store
        .get_story(auth.id(), id)
        .await
        .map_err(missing("story"))?;
    Ok(ok(&state, found).await)
}

#[utoipa::path(post, path = "/api/stories", tag = "stories", request_body = StoryCreate,
    responses((status = 201, body = Envelope<Story>), (status = 200, description = "same id and body: the existing story"),
        (status = 400), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<StoryCreate>,
) -> ApiResult<Response> {
    let id = body.id.unwrap_or_else(StoryId::new);
    let done = stories::create(&state, auth.caller(), id, &body).await?;
    let mut resp = created(&state, done.story).await;
    if let Some(r) = done.reservation {
        r.headers(resp.headers_mut());
    }
    Ok(resp)
}

#[utoipa::path(patch, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    request_body = StoryUpdate,
    responses((status = 200, body = Envelope<Story>), (status = 403, description = "CONTENT_REJECTED: the edit fails the child-safety rules"),
        (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<StoryUpdate>,
) -> ApiResult<Response> {
    let story = stories::update(&state, auth.id(), id, &body, if_match).await?;
    Ok(ok(&state, story).await)
}

#[utoipa::path(delete, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    stories::delete(&state, auth.id(), id, if_match).await?;
    Ok(ok(
        &state,
        DeletedResponse {
            id: id.uuid(),
            deleted: true,
        },
    )
    .await)
}

#[utoipa::path(post, path = "/api/stories/{id}/play", tag = "stories", params(("id" = uuid::Uuid, Path)),
    request_body = PlayRequest,
    responses((status = 200, body = Envelope<Story>), (status = 404)), security(("bearer" = [])))]
pub async fn play(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
    OptionalJson(body): OptionalJson<PlayRequest>,
) -> ApiResult<Response> {
    let count = body.count.unwrap_or(1);
    let play_id = body.play_id.map(MutationId);
    let story = stories::play(&state, auth.id(), id, count, play_id).await?;
    Ok(ok(&state, story).await)
}

/// The parent's explicit override of a flagged import (`contentFlagged`): clears the flag so
/// the story can be narrated and illustrated. Answers the story (unchanged if not flagged).
#[utoipa::path(post, path = "/api/stories/{id}/approve", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<Story>), (status = 404)), security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
) -> ApiResult<Response> {
    let story = stories::approve(&state, auth.id(), id).await?;
    Ok(ok(&state, story).await)
}
