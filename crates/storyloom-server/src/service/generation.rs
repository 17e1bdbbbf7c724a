//! Generation requests (narration, illustrations, avatar, event enhancement) and the job
//! progress they lead to. Each reserves its quota first and gives it back if the request
//! fails before the provider is called.

use storyloom_ai::{Occasion, StoryRequest, StoryText};
use storyloom_domain::{
    AvatarRequest, CustomEvent, CustomEventId, Hero, HeroId, Operation, Story, StoryCreate,
    StoryId, UsageRecordId, UserId,
};
use storyloom_store::{NewJob, StoreError};
use uuid::Uuid;

use super::{Caller, Versioned, announce, missing, now};
use crate::{
    error::{ApiError, ApiResult},
    generation::{self as quota, Reservation, jobs::JobSpec},
    state::AppState,
};

/// A seed from the story id, so a retried generation of the same story writes the same text.
fn seed_of(id: StoryId) -> u64 {
    let b = id.uuid().as_u128();
    (b as u64) ^ ((b >> 64) as u64)
}

/// Write a story's text on a reserved `story_generation` slot.
pub(super) async fn write_story(
    state: &AppState,
    user: UserId,
    id: StoryId,
    body: &StoryCreate,
    hero: Hero,
    event: Option<CustomEvent>,
) -> ApiResult<(StoryText, Reservation)> {
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
    let r = quota::reserve(state, user, Operation::StoryGeneration).await?;
    let request = StoryRequest {
        hero,
        occasion,
        language: body.language,
        seed: Some(seed_of(id)),
    };
    let text = quota::call(state, &r, state.ai.story_writer.write_story(&request)).await?;
    Ok((text, r))
}

/// Queue a job on a fresh reservation of `op`: `mark` stores the pending status with the job
/// in one transaction; the reservation is given back if that fails.
async fn queue<T: Versioned>(
    state: &AppState,
    user: UserId,
    op: Operation,
    what: &'static str,
    entity: impl Into<Uuid>,
    spec: impl FnOnce(UsageRecordId) -> JobSpec,
    mark: impl AsyncFnOnce(NewJob) -> Result<T, StoreError>,
) -> ApiResult<(T, Reservation)> {
    let r = quota::reserve(state, user, op).await?;
    match mark(spec(r.record_id).job(user, entity)).await {
        Ok(entity) => {
            state.jobs_ready.notify_waiters();
            announce(state, user, entity.version()).await;
            Ok((entity, r))
        }
        Err(e) => {
            quota::cancel(state, &r).await;
            Err(missing(what)(e))
        }
    }
}

/// Narrate a story (again) in `language`/`voice`, or the story's language and the caller's
/// voice.
pub async fn request_audio(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &storyloom_domain::AudioRequest,
) -> ApiResult<(Story, Reservation)> {
    let user = caller.user;
    let story = state
        .store
        .get_story(user, id)
        .await
        .map_err(missing("story"))?;
    super::stories::refuse_flagged(state, user, &story).await?;
    let language = body.language.unwrap_or(story.language);
    let voice = body.voice.unwrap_or(caller.voice);
    queue(
        state,
        user,
        Operation::AudioGeneration,
        "story",
        id,
        |record_id| JobSpec::Audio {
            record_id,
            language,
            voice,
        },
        async |job| state.store.request_audio(user, id, job).await,
    )
    .await
}

/// Illustrate a story (again).
pub async fn request_illustrations(
    state: &AppState,
    user: UserId,
    id: StoryId,
) -> ApiResult<(Story, Reservation)> {
    let story = state
        .store
        .get_story(user, id)
        .await
        .map_err(missing("story"))?;
    super::stories::refuse_flagged(state, user, &story).await?;
    queue(
        state,
        user,
        Operation::IllustrationGeneration,
        "story",
        id,
        |record_id| JobSpec::Illustrations { record_id },
        async |job| state.store.request_illustrations(user, id, job).await,
    )
    .await
}

/// Draw a hero's avatar. Unsafe text is refused now, while the parent is looking, not later
/// in a job.
pub async fn request_avatar(
    state: &AppState,
    user: UserId,
    id: HeroId,
    body: &AvatarRequest,
) -> ApiResult<(Hero, Reservation)> {
    let hero = state
        .store
        .get_hero(user, id)
        .await
        .map_err(missing("hero"))?;
    storyloom_ai::safety::screen_hero(&hero)?;
    let prompt = super::safety::avatar_prompt(&body.prompt, hero.age)?;
    queue(
        state,
        user,
        Operation::AvatarGeneration,
        "hero",
        id,
        |record_id| JobSpec::Avatar { record_id, prompt },
        async |job| state.store.request_avatar(user, id, job).await,
    )
    .await
}

/// Enhance a custom event: keywords and a prompt seed from the provider, stored on the event.
pub async fn enhance_event(
    state: &AppState,
    caller: Caller,
    id: CustomEventId,
) -> ApiResult<(CustomEvent, Reservation)> {
    let user = caller.user;
    let event = state
        .store
        .get_event(user, id)
        .await
        .map_err(missing("custom event"))?;
    let r = quota::reserve(state, user, Operation::EventEnhancement).await?;
    let e = quota::call(
        state,
        &r,
        state.ai.event_enhancer.enhance(&event, caller.language),
    )
    .await?;
    // The enhancement becomes the event's prompt seed, which later stories read: it is
    // screened like the parent's own text before it is stored.
    let age = storyloom_ai::safety::event_age(event.age_range);
    storyloom_ai::safety::screen_input("promptSeed", &e.prompt_seed, age)?;
    for k in &e.keywords {
        storyloom_ai::safety::screen_input("keywords", k, age)?;
    }
    let event = state
        .store
        .set_event_enhancement(user, id, &e.keywords, &e.prompt_seed, now())
        .await
        .map_err(missing("custom event"))?;
    announce(state, user, event.version).await;
    Ok((event, r))
}
