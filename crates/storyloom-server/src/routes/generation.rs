//! Generation endpoints: narration, illustrations, avatars, event enhancement. Story text is
//! written in `stories::create` through [`write_story`].

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use storyloom_ai::{Occasion, StoryRequest, StoryText};
use storyloom_domain::{
    AudioRequest, AvatarRequest, CustomEvent, Envelope, Hero, IllustrationStatusResponse,
    Operation, Story, StoryCreate, time,
};
use storyloom_store::StoreError;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    extract::{AuthUser, OptionalJson, PathId},
    generation::{self, jobs::JobSpec},
    routes::{ok, with_status},
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

fn not_found(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// A seed from the story id, so a retried generation of the same story writes the same text.
fn seed_of(id: Uuid) -> u64 {
    let b = id.as_u128();
    (b as u64) ^ ((b >> 64) as u64)
}

/// Write a story's text on a reserved `story_generation` slot.
pub async fn write_story(
    state: &AppState,
    user: Uuid,
    id: Uuid,
    body: &StoryCreate,
    hero: Hero,
    event: Option<CustomEvent>,
) -> Result<(StoryText, generation::Reservation), ApiError> {
    let occasion = match (event, body.event_type) {
        (Some(ev), _) => Occasion::Custom(ev),
        (None, Some(t)) => Occasion::Builtin(t),
        (None, None) => {
            return Err(ApiError::field(
                "eventType",
                "give an eventType or a customEventId",
            ));
        }
    };
    let r = generation::reserve(state, user, Operation::StoryGeneration).await?;
    let request = StoryRequest {
        hero,
        occasion,
        language: body.language,
        seed: Some(seed_of(id)),
    };
    let text = generation::call(state, &r, state.ai.story_writer.write_story(&request)).await?;
    Ok((text, r))
}

fn accepted<T: serde::Serialize>(data: T, r: &generation::Reservation) -> Response {
    let mut resp = with_status(StatusCode::ACCEPTED, data);
    r.headers(resp.headers_mut());
    resp
}

#[utoipa::path(post, path = "/api/stories/{id}/audio", tag = "generation", params(("id" = Uuid, Path)),
    request_body = AudioRequest,
    responses((status = 202, body = Envelope<Story>), (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn audio(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    OptionalJson(body): OptionalJson<AudioRequest>,
) -> ApiResult<Response> {
    let user = auth.id();
    let story = state
        .store
        .get_story(user, id)
        .await
        .map_err(not_found("story"))?;
    let r = generation::reserve(&state, user, Operation::AudioGeneration).await?;
    let spec = JobSpec::Audio {
        record_id: r.record_id,
        language: body.language.unwrap_or(story.language),
        voice: body.voice.unwrap_or(auth.user.preferred_voice),
    };
    let story = match state
        .store
        .request_audio(user, id, spec.job(user, id))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            generation::cancel(&state, &r).await;
            return Err(not_found("story")(e));
        }
    };
    state.jobs_ready.notify_waiters();
    state.hub.changed(user, story.version).await;
    Ok(accepted(story, &r))
}

#[utoipa::path(post, path = "/api/stories/{id}/illustrations", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 202, body = Envelope<Story>), (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn illustrations(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    let user = auth.id();
    state
        .store
        .get_story(user, id)
        .await
        .map_err(not_found("story"))?;
    let r = generation::reserve(&state, user, Operation::IllustrationGeneration).await?;
    let spec = JobSpec::Illustrations {
        record_id: r.record_id,
    };
    let story = match state
        .store
        .request_illustrations(user, id, spec.job(user, id))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            generation::cancel(&state, &r).await;
            return Err(not_found("story")(e));
        }
    };
    state.jobs_ready.notify_waiters();
    state.hub.changed(user, story.version).await;
    Ok(accepted(story, &r))
}

#[utoipa::path(get, path = "/api/stories/{id}/illustrations/status", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Envelope<IllustrationStatusResponse>), (status = 404)), security(("bearer" = [])))]
pub async fn illustration_status(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    let story = state
        .store
        .get_story(auth.id(), id)
        .await
        .map_err(not_found("story"))?;
    let ills = story.illustrations.unwrap_or_default();
    let count = |s| ills.iter().filter(|i| i.generation_status == s).count() as i64;
    Ok(ok(IllustrationStatusResponse {
        status: story.illustration_status,
        total: ills.len() as i64,
        completed: count(storyloom_domain::GenerationStatus::Completed),
        failed: count(storyloom_domain::GenerationStatus::Failed),
        illustrations: ills,
    }))
}

#[utoipa::path(post, path = "/api/heroes/{id}/avatar", tag = "generation", params(("id" = Uuid, Path)),
    request_body = AvatarRequest,
    responses((status = 202, body = Envelope<Hero>), (status = 403), (status = 404), (status = 429)), security(("bearer" = [])))]
pub async fn avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    OptionalJson(body): OptionalJson<AvatarRequest>,
) -> ApiResult<Response> {
    let user = auth.id();
    let hero = state
        .store
        .get_hero(user, id)
        .await
        .map_err(not_found("hero"))?;
    // Refuse unsafe text now, while the parent is looking, not later in a job.
    storyloom_ai::safety::screen_hero(&hero)?;
    if let Some(p) = &body.prompt {
        storyloom_ai::safety::check("prompt", p)?;
    }
    let r = generation::reserve(&state, user, Operation::AvatarGeneration).await?;
    let spec = JobSpec::Avatar {
        record_id: r.record_id,
        prompt: body.prompt.clone(),
    };
    let hero = match state
        .store
        .request_avatar(user, id, spec.job(user, id))
        .await
    {
        Ok(h) => h,
        Err(e) => {
            generation::cancel(&state, &r).await;
            return Err(not_found("hero")(e));
        }
    };
    state.jobs_ready.notify_waiters();
    state.hub.changed(user, hero.version).await;
    Ok(accepted(hero, &r))
}

#[utoipa::path(post, path = "/api/custom-events/{id}/enhance", tag = "generation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Envelope<CustomEvent>), (status = 403), (status = 404), (status = 429), (status = 502)),
    security(("bearer" = [])))]
pub async fn enhance(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    let user = auth.id();
    let event = state
        .store
        .get_event(user, id)
        .await
        .map_err(not_found("custom event"))?;
    let r = generation::reserve(&state, user, Operation::EventEnhancement).await?;
    let language = auth.user.preferred_language;
    let e = generation::call(
        &state,
        &r,
        state.ai.event_enhancer.enhance(&event, language),
    )
    .await?;
    let event = state
        .store
        .set_event_enhancement(
            user,
            id,
            &e.keywords,
            &e.prompt_seed,
            time::now().timestamp_millis(),
        )
        .await
        .map_err(not_found("custom event"))?;
    state.hub.changed(user, event.version).await;
    let mut resp = ok(event).into_response();
    r.headers(resp.headers_mut());
    Ok(resp)
}
