//! Stories: list, read, import, edit, delete, play counts.

use axum::{
    Router,
    extract::State,
    response::Response,
    routing::{get, post},
};
use storyloom_domain::{
    Envelope, MutationId, Pagination, PlayRequest, Story, StoryCreate, StoryId, StoryUpdate,
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
        hero_id: p.hero_id,
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
    PathId(id): PathId,
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
    let id = body.id.map_or_else(StoryId::new, StoryId);
    let done = stories::create(&state, auth.caller(), id, &body).await?;
    let mut resp = created(&state, done.story).await;
    if let Some(r) = done.reservation {
        r.headers(resp.headers_mut());
    }
    Ok(resp)
}

#[utoipa::path(patch, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    request_body = StoryUpdate,
    responses((status = 200, body = Envelope<Story>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<StoryUpdate>,
) -> ApiResult<Response> {
    let story = stories::update(&state, auth.user_id(), StoryId(id), &body, if_match).await?;
    Ok(ok(&state, story).await)
}

#[utoipa::path(delete, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    stories::delete(&state, auth.user_id(), StoryId(id), if_match).await?;
    Ok(ok(&state, DeletedResponse { id, deleted: true }).await)
}

#[utoipa::path(post, path = "/api/stories/{id}/play", tag = "stories", params(("id" = uuid::Uuid, Path)),
    request_body = PlayRequest,
    responses((status = 200, body = Envelope<Story>), (status = 404)), security(("bearer" = [])))]
pub async fn play(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    OptionalJson(body): OptionalJson<PlayRequest>,
) -> ApiResult<Response> {
    let count = body.count.unwrap_or(1);
    let play_id = body.play_id.map(MutationId);
    let story = stories::play(&state, auth.user_id(), StoryId(id), count, play_id).await?;
    Ok(ok(&state, story).await)
}
