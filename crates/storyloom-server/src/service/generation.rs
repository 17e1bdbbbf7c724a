//! Generation requests (narration, illustrations, avatar, event enhancement) and the job
//! progress they lead to. Each reserves its quota first and gives it back if the request
//! fails before the provider is called.

use storyloom_ai::{Occasion, StoryRequest, StoryText};
use storyloom_domain::{
    AvatarRequest, CustomEvent, CustomEventId, GenerationStatus, Hero, HeroId, Operation, Story,
    StoryCreate, StoryId, StoryLength, UsageRecordId, UserId, Voice,
};
use storyloom_store::{NewJob, Page, StoreError, StoryFilter, StoryOccasion};
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

/// The narration voice when a request names none: one that fits the hero's traits
/// ([`Hero::fitting_voice`]: calm and gentle heroes get a soft voice, energetic and
/// adventurous ones a lively voice, always the same for the same hero), else the profile's.
pub(super) fn narration_voice(requested: Option<Voice>, hero: &Hero, caller: &Caller) -> Voice {
    requested
        .or_else(|| hero.fitting_voice())
        .unwrap_or(caller.voice)
}

/// How many stories `hero` already has for this occasion: the built-in storyteller walks
/// through its plots by this number, so a family's next story is not a repeat.
async fn story_number(
    state: &AppState,
    user: UserId,
    hero: &Hero,
    occasion: &Occasion,
) -> ApiResult<u64> {
    let occasion = match occasion {
        Occasion::Builtin(e) => StoryOccasion::Builtin(*e),
        Occasion::Custom(ev) => StoryOccasion::Custom(ev.id),
    };
    let filter = StoryFilter {
        hero_id: Some(hero.id),
        favorite: None,
        occasion: Some(occasion),
    };
    let page = Page {
        limit: 1,
        offset: 0,
    };
    let (_, total) = state.store.list_stories(user, filter, page).await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Write a story's text of `length` on a reserved `story_generation` slot.
pub(super) async fn write_story(
    state: &AppState,
    user: UserId,
    id: StoryId,
    body: &StoryCreate,
    length: StoryLength,
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
    let story_number = story_number(state, user, &hero, &occasion).await?;
    let r = quota::reserve(state, user, Operation::StoryGeneration).await?;
    let request = StoryRequest {
        hero,
        occasion,
        language: body.language,
        seed: Some(seed_of(id)),
        length: Some(length),
        story_number: Some(story_number),
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

/// Whether `story` already has narration that matches its text: completed and not stale.
/// Asking for narration again without `regenerate` answers such a story as it is.
pub fn narration_is_current(story: &Story) -> bool {
    story.audio_generation_status == GenerationStatus::Completed
        && story.audio_url.is_some()
        && !story.audio_stale
}

/// Narrate a story in `language`/`voice`, or the story's language and a voice that fits the
/// hero ([`narration_voice`]). A completed narration that still matches the text is answered
/// as it is (`None`: nothing queued, no quota used) unless `body.regenerate`; a stale one, or
/// one asked to be regenerated, is narrated again from the current text, the old audio
/// staying playable until the new one replaces it.
pub async fn request_audio(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &storyloom_domain::AudioRequest,
) -> ApiResult<(Story, Option<Reservation>)> {
    let user = caller.user;
    let story = state
        .store
        .get_story(user, id)
        .await
        .map_err(missing("story"))?;
    super::stories::refuse_flagged(state, user, &story).await?;
    if !body.regenerate && narration_is_current(&story) {
        return Ok((story, None));
    }
    let language = body.language.unwrap_or(story.language);
    let voice = match body.voice {
        Some(v) => v,
        None => {
            let hero = state
                .store
                .get_hero(user, story.hero_id)
                .await
                .map_err(missing("hero"))?;
            narration_voice(None, &hero, &caller)
        }
    };
    let (story, r) = queue(
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
    .await?;
    Ok((story, Some(r)))
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
