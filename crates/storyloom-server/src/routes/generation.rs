//! Generation endpoints: narration, illustrations, avatars, event enhancement. Story text is
//! written by the story create (`service::stories::create`).

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use storyloom_domain::{
    AudioRequest, AvatarRequest, CustomEvent, CustomEventId, Envelope, HasMedia, Hero, HeroId,
    IllustrationStatusResponse, Story, StoryId,
};

use crate::{
    error::{ApiResult, missing},
    extract::{AuthUser, OptionalJson, PathId},
    generation::Reservation,
    routes::{ok, with_status},
    service::generation,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories/{id}/audio", post(audio))
        .route("/stories/{id}/illustrations", post(illustrations))
        .route(
            "/stories/{id}/illustrations/status",
            get(illustration_status),
        )
        .route("/heroes/{id}/avatar", post(avatar))
        .route("/custom-events/{id}/enhance", post(enhance))
}

async fn accepted<T: serde::Serialize + HasMedia>(
    state: &AppState,
    data: T,
    r: &Reservation,
) -> Response {
    let mut resp = with_status(state, StatusCode::ACCEPTED, data).await;
    r.headers(resp.headers_mut());
    resp
}

#[utoipa::path(post, path = "/api/stories/{id}/audio", tag = "generation", params(("id" = Uuid, Path)),
    request_body = AudioRequest,
    responses((status = 202, description = "narration queued", body = Envelope<Story>),
        (status = 200, description = "the narration is complete and matches the text (no `regenerate`): the story as it is", body = Envelope<Story>),
        (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn audio(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
    OptionalJson(body): OptionalJson<AudioRequest>,
) -> ApiResult<Response> {
    let (story, r) = generation::request_audio(&state, auth.caller(), id, &body).await?;
    Ok(match r {
        Some(r) => accepted(&state, story, &r).await,
        None => ok(&state, story).await,
    })
}

#[utoipa::path(post, path = "/api/stories/{id}/illustrations", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 202, body = Envelope<Story>), (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn illustrations(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
) -> ApiResult<Response> {
    let (story, r) = generation::request_illustrations(&state, auth.id(), id).await?;
    Ok(accepted(&state, story, &r).await)
}

#[utoipa::path(get, path = "/api/stories/{id}/illustrations/status", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Envelope<IllustrationStatusResponse>), (status = 404)), security(("bearer" = [])))]
pub async fn illustration_status(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<StoryId>,
) -> ApiResult<Response> {
    let story = state
        .store
        .get_story(auth.id(), id)
        .await
        .map_err(missing("story"))?;
    let ills = story.illustrations.unwrap_or_default();
    let count = |s| ills.iter().filter(|i| i.generation_status == s).count() as i64;
    let answer = IllustrationStatusResponse {
        status: story.illustration_status,
        total: ills.len() as i64,
        completed: count(storyloom_domain::GenerationStatus::Completed),
        failed: count(storyloom_domain::GenerationStatus::Failed),
        illustrations: ills,
    };
    Ok(ok(&state, answer).await)
}

#[utoipa::path(post, path = "/api/heroes/{id}/avatar", tag = "generation", params(("id" = Uuid, Path)),
    request_body = AvatarRequest,
    responses((status = 202, body = Envelope<Hero>), (status = 403), (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<HeroId>,
    OptionalJson(body): OptionalJson<AvatarRequest>,
) -> ApiResult<Response> {
    let (hero, r) = generation::request_avatar(&state, auth.id(), id, &body).await?;
    Ok(accepted(&state, hero, &r).await)
}

#[utoipa::path(post, path = "/api/custom-events/{id}/enhance", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Envelope<CustomEvent>), (status = 403), (status = 404), (status = 429), (status = 502)),
    security(("bearer" = [])))]
pub async fn enhance(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<CustomEventId>,
) -> ApiResult<Response> {
    let (event, r) = generation::enhance_event(&state, auth.caller(), id).await?;
    let mut resp = ok(&state, event).await;
    r.headers(resp.headers_mut());
    Ok(resp)
}
