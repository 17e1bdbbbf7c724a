//! Stories: list, read, import, edit, delete, play counts.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use storyloom_domain::{
    Envelope, GenerationStatus, IllustrationStatus, Pagination, PlayRequest, Story, StoryCreate,
    StoryUpdate, new_id, time,
};
use storyloom_store::{NewStory, StoreError, StoryFilter};

use storyloom_domain::Operation;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, IfMatch, ListParams, OptionalJson, PathId},
    generation::{self, jobs::JobSpec},
    routes::{DeletedResponse, ok, page, with_status},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories", get(list).post(create))
        .route("/stories/{id}", get(show).patch(update).delete(remove))
        .route("/stories/{id}/play", post(play))
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("story"),
        other => other.into(),
    }
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
    };
    let (stories, total) = state.store.list_stories(auth.id(), filter, p.page).await?;
    Ok(page(
        stories,
        Pagination::new(total, p.page.limit, p.page.offset),
    ))
}

#[utoipa::path(get, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<Story>), (status = 404)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<Response> {
    Ok(ok(state
        .store
        .get_story(auth.id(), id)
        .await
        .map_err(not_found)?))
}

/// Whether an existing story answers a retried create of `body` (same id): same hero and
/// occasion, and for an import the same words.
fn same_request(story: &Story, body: &StoryCreate) -> bool {
    story.hero_id == body.hero_id
        && story.event_type == body.event_type
        && story.custom_event_id == body.custom_event_id
        && story.language == body.language
        && (!body.is_import()
            || (body.title.as_deref() == Some(story.title.as_str())
                && body.content.as_deref() == Some(story.content.as_str())))
}

#[utoipa::path(post, path = "/api/stories", tag = "stories", request_body = StoryCreate,
    responses((status = 201, body = Envelope<Story>), (status = 200, description = "same id and body: the existing story"),
        (status = 400), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<StoryCreate>,
) -> ApiResult<Response> {
    let user = auth.id();
    let id = body.id.unwrap_or_else(new_id);
    match state.store.get_story(user, id).await {
        Ok(existing) if same_request(&existing, &body) => return Ok(ok(existing)),
        Ok(_) => return Err(ApiError::IdConflict),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let hero = state
        .store
        .get_hero(user, body.hero_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("hero"),
            other => other.into(),
        })?;
    let event = match body.custom_event_id {
        Some(ev) => Some(state.store.get_event(user, ev).await.map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("custom event"),
            other => other.into(),
        })?),
        None => None,
    };
    // Queue quotas are taken before any text is written, so a 429 on audio costs no story.
    let mut queued = Vec::new();
    let wanted = [
        (body.generate_audio, Operation::AudioGeneration),
        (
            body.generate_illustrations,
            Operation::IllustrationGeneration,
        ),
    ];
    for (want, op) in wanted {
        if !want {
            continue;
        }
        match generation::reserve(&state, user, op).await {
            Ok(r) => queued.push(r),
            Err(e) => {
                for r in &queued {
                    generation::cancel(&state, r).await;
                }
                return Err(e);
            }
        }
    }
    let outcome = create_with_jobs(&state, &auth, id, &body, hero, event, &queued).await;
    let (created, story_reservation) = match outcome {
        Ok(v) => v,
        Err(e) => {
            for r in &queued {
                generation::cancel(&state, r).await;
            }
            return Err(e);
        }
    };
    if !queued.is_empty() {
        state.jobs_ready.notify_waiters();
    }
    let status = if created.is_new() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let entity = created.into_inner();
    state.hub.changed(user, entity.version).await;
    let mut resp = with_status(status, entity);
    if let Some(r) = story_reservation {
        r.headers(resp.headers_mut());
    }
    Ok(resp)
}

/// Write (or import) the text and store the story with its queued jobs in one transaction.
async fn create_with_jobs(
    state: &AppState,
    auth: &AuthUser,
    id: uuid::Uuid,
    body: &StoryCreate,
    hero: storyloom_domain::Hero,
    event: Option<storyloom_domain::CustomEvent>,
    queued: &[generation::Reservation],
) -> ApiResult<(
    storyloom_store::Created<Story>,
    Option<generation::Reservation>,
)> {
    let user = auth.id();
    let (title, content, story_reservation) = match (body.title.clone(), body.content.clone()) {
        (Some(title), Some(content)) => (title, content, None),
        _ => {
            let (text, r) =
                crate::routes::generation::write_story(state, user, id, body, hero, event).await?;
            (text.title, text.content, Some(r))
        }
    };
    let mut jobs = Vec::new();
    for r in queued {
        let spec = match r.operation {
            Operation::AudioGeneration => JobSpec::Audio {
                record_id: r.record_id,
                language: body.language,
                voice: body.voice.unwrap_or(auth.user.preferred_voice),
            },
            _ => JobSpec::Illustrations {
                record_id: r.record_id,
            },
        };
        jobs.push(spec.job(user, id));
    }
    let new = NewStory {
        id,
        hero_id: body.hero_id,
        title,
        content,
        event_type: body.event_type,
        custom_event_id: body.custom_event_id,
        language: body.language,
        audio_status: if body.generate_audio {
            GenerationStatus::Pending
        } else {
            GenerationStatus::None
        },
        illustration_status: if body.generate_illustrations {
            IllustrationStatus::Pending
        } else {
            IllustrationStatus::None
        },
        jobs,
        now: time::now().timestamp_millis(),
    };
    let created = state
        .store
        .create_story(user, new)
        .await
        .map_err(not_found)?;
    Ok((created, story_reservation))
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
    let story = state
        .store
        .update_story(
            auth.id(),
            id,
            &body,
            if_match,
            time::now().timestamp_millis(),
        )
        .await
        .map_err(not_found)?;
    state.hub.changed(auth.id(), story.version).await;
    Ok(ok(story))
}

#[utoipa::path(delete, path = "/api/stories/{id}", tag = "stories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Envelope<DeletedResponse>), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    let deleted = state
        .store
        .delete_story(auth.id(), id, if_match, time::now().timestamp_millis())
        .await
        .map_err(not_found)?;
    state.media.delete_keys(&deleted.media_keys).await;
    state.hub.changed(auth.id(), deleted.version).await;
    Ok(ok(DeletedResponse { id, deleted: true }))
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
    let story = state
        .store
        .play_story(auth.id(), id, count, time::now().timestamp_millis())
        .await
        .map_err(not_found)?;
    state.hub.changed(auth.id(), story.version).await;
    Ok(ok(story))
}
