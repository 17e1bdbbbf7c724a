//! Story writes: create (import or generate), edit, delete, plays.

use storyloom_domain::{
    CustomEvent, GenerationStatus, Hero, IllustrationStatus, MutationId, Operation, Story,
    StoryCreate, StoryId, StoryLength, StoryUpdate, UserId,
};
use storyloom_store::{Deleted, NewStory, PlayOnce, StoreError};

use super::{
    Caller, Created, announce, generation, missing, now,
    quota::{self, Adding},
    stored,
};
use crate::{
    error::{ApiError, ApiResult},
    generation::{self as limits, Reservation, jobs::JobSpec},
    state::AppState,
};

/// What a story create did, with the story-generation slot it used (for the
/// `X-RateLimit-*` headers of the answer), if it wrote the text.
#[derive(Debug)]
pub struct StoryCreated {
    /// The story, new or the existing one of a retried create.
    pub story: Created<Story>,
    /// The `story_generation` reservation the text was written on.
    pub reservation: Option<Reservation>,
}

/// The existing story for a retried create of `body` under `id`, `ID_CONFLICT` when the id
/// holds something else, `None` when the id is free.
async fn existing(
    state: &AppState,
    user: UserId,
    id: StoryId,
    body: &StoryCreate,
) -> ApiResult<Option<Story>> {
    match state.store.get_story(user.uuid(), id.uuid()).await {
        Ok(s) if body.same_content(&s) => Ok(Some(s)),
        Ok(_) => Err(ApiError::IdConflict),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Create a story: import its text, or write it with the story provider; queue narration and
/// illustrations when asked, in the same transaction as the story. Quotas of the queued jobs
/// are taken before any text is written, so a 429 on narration costs no story.
pub async fn create(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &StoryCreate,
) -> ApiResult<StoryCreated> {
    let user = caller.user;
    if let Some(s) = existing(state, user, id, body).await? {
        return Ok(StoryCreated {
            story: Created::Existing(s),
            reservation: None,
        });
    }
    // Generated text is bounded by the provider; an import brings its own.
    let size =
        body.title.as_ref().map_or(0, String::len) + body.content.as_ref().map_or(0, String::len);
    quota::check(state, user, Adding::Story(size)).await?;
    let hero = state
        .store
        .get_hero(user.uuid(), body.hero_id)
        .await
        .map_err(missing("hero"))?;
    let event = match body.custom_event_id {
        Some(ev) => Some(
            state
                .store
                .get_event(user.uuid(), ev)
                .await
                .map_err(missing("custom event"))?,
        ),
        None => None,
    };
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
        match limits::reserve(state, user.uuid(), op).await {
            Ok(r) => queued.push(r),
            Err(e) => {
                cancel_all(state, &queued).await;
                return Err(e);
            }
        }
    }
    match store_new(state, caller, id, body, hero, event, &queued).await {
        Ok(done) => {
            if !queued.is_empty() {
                state.jobs_ready.notify_waiters();
            }
            if let Created::New(s) = &done.story {
                announce(state, user, s.version).await;
            }
            Ok(done)
        }
        Err(e) => {
            cancel_all(state, &queued).await;
            Err(e)
        }
    }
}

async fn cancel_all(state: &AppState, reservations: &[Reservation]) {
    for r in reservations {
        limits::cancel(state, r).await;
    }
}

/// The length a generated story is written for: the request's, else the profile's
/// `defaultStoryLength`, else by the hero's age ([`StoryLength::for_age`]). Imports have none.
pub fn story_length(body: &StoryCreate, caller: &Caller, hero: &Hero) -> Option<StoryLength> {
    (!body.is_import()).then(|| {
        body.length
            .or(caller.story_length)
            .unwrap_or_else(|| StoryLength::for_age(hero.age))
    })
}

/// Write (or take) the text and store the story with its queued jobs in one transaction.
async fn store_new(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &StoryCreate,
    hero: Hero,
    event: Option<CustomEvent>,
    queued: &[Reservation],
) -> ApiResult<StoryCreated> {
    let user = caller.user;
    let length = story_length(body, &caller, &hero);
    let voice = generation::narration_voice(body.voice, &hero, &caller);
    let (title, content, reservation) = match (&body.title, &body.content, length) {
        (Some(title), Some(content), _) => (title.clone(), content.clone(), None),
        (_, _, length) => {
            let length = length.unwrap_or_else(|| StoryLength::for_age(hero.age));
            let (text, r) =
                generation::write_story(state, user, id, body, length, hero, event).await?;
            (text.title, text.content, Some(r))
        }
    };
    let jobs = queued
        .iter()
        .map(|r| {
            let spec = match r.operation {
                Operation::AudioGeneration => JobSpec::Audio {
                    record_id: r.record_id,
                    language: body.language,
                    voice,
                },
                _ => JobSpec::Illustrations {
                    record_id: r.record_id,
                },
            };
            spec.job(user.uuid(), id.uuid())
        })
        .collect();
    let new = NewStory {
        id: id.uuid(),
        hero_id: body.hero_id,
        title,
        content,
        event_type: body.event_type,
        custom_event_id: body.custom_event_id,
        language: body.language,
        length,
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
        now: now(),
    };
    match state.store.create_story(user.uuid(), new).await {
        Ok(created) => Ok(StoryCreated {
            story: created,
            reservation,
        }),
        // A concurrent retry of the same create won the race: answer as a retry.
        Err(StoreError::IdConflict) => match existing(state, user, id, body).await? {
            Some(s) => Ok(StoryCreated {
                story: Created::Existing(s),
                reservation,
            }),
            None => Err(ApiError::IdConflict),
        },
        Err(e) => Err(missing("hero or custom event")(e)),
    }
}

/// Whether narration no longer matches `cur` after `patch`: the patch changes what the
/// narration reads (title, content or language) of a story that has audio. Once stale, a story
/// stays stale until new narration replaces the audio (the store clears the flag then).
pub fn audio_stale_after(cur: &Story, patch: &StoryUpdate) -> bool {
    let changes = patch.title.as_ref().is_some_and(|t| *t != cur.title)
        || patch.content.as_ref().is_some_and(|c| *c != cur.content)
        || patch.language.is_some_and(|l| l != cur.language);
    cur.audio_stale || (changes && cur.audio_url.is_some())
}

/// Apply a patch (title, text, language, favourite), checking `if_match`; an edit of what
/// the narration reads marks existing narration `audioStale` ([`audio_stale_after`]) — the
/// old audio stays playable until `POST /api/stories/{id}/audio` replaces it.
pub async fn update(
    state: &AppState,
    user: UserId,
    id: StoryId,
    patch: &StoryUpdate,
    if_match: Option<i64>,
) -> ApiResult<Story> {
    let cur = state
        .store
        .get_story(user.uuid(), id.uuid())
        .await
        .map_err(missing("story"))?;
    let stale = audio_stale_after(&cur, patch);
    let story = stored(
        state,
        "story",
        state
            .store
            .update_story(user.uuid(), id.uuid(), patch, stale, if_match, now())
            .await,
    )
    .await?;
    announce(state, user, story.version).await;
    Ok(story)
}

/// Narration of `narrated` was stored and the story is now `current`: if the text changed
/// while the narration was being made, the new audio reads the old text, so it is stale.
pub async fn narration_stored(
    state: &AppState,
    user: UserId,
    narrated: &Story,
    current: Story,
) -> ApiResult<Story> {
    let changed = current.title != narrated.title
        || current.content != narrated.content
        || current.language != narrated.language;
    if !changed || current.audio_stale {
        return Ok(current);
    }
    let story = state
        .store
        .update_story(
            user.uuid(),
            current.id,
            &StoryUpdate::default(),
            true,
            None,
            now(),
        )
        .await
        .map_err(missing("story"))?;
    announce(state, user, story.version).await;
    Ok(story)
}

/// Delete a story with its illustrations and their media.
pub async fn delete(
    state: &AppState,
    user: UserId,
    id: StoryId,
    if_match: Option<i64>,
) -> ApiResult<Deleted> {
    let deleted = stored(
        state,
        "story",
        state
            .store
            .delete_story(user.uuid(), id.uuid(), if_match, now())
            .await,
    )
    .await?;
    state.media.delete_keys(&deleted.media_keys).await;
    announce(state, user, deleted.version).await;
    Ok(deleted)
}

/// Plays to add in one call.
pub const PLAYS: std::ops::RangeInclusive<i64> = 1..=100;

/// Add `count` plays (a counter: concurrent adds never overwrite each other). With a
/// `play_id`, exactly once per id: a retried play after a lost answer counts nothing and
/// answers the story as it is.
pub async fn play(
    state: &AppState,
    user: UserId,
    id: StoryId,
    count: i64,
    play_id: Option<MutationId>,
) -> ApiResult<Story> {
    if let Some(play_id) = play_id {
        return match play_once(state, user, id, count, play_id).await? {
            PlayOnce::Applied(story) => Ok(story),
            PlayOnce::Duplicate(_) => state
                .store
                .get_story(user.uuid(), id.uuid())
                .await
                .map_err(missing("story")),
        };
    }
    let story = state
        .store
        .play_story(user.uuid(), id.uuid(), count, now())
        .await
        .map_err(missing("story"))?;
    announce(state, user, story.version).await;
    Ok(story)
}

/// Add `count` plays exactly once for `mutation`: the count and the remembered mutation commit
/// together, so a replay after a lost answer cannot count twice.
pub async fn play_once(
    state: &AppState,
    user: UserId,
    id: StoryId,
    count: i64,
    mutation: MutationId,
) -> ApiResult<PlayOnce> {
    let outcome = state
        .store
        .play_story_once(user.uuid(), id.uuid(), count, now(), mutation.uuid())
        .await
        .map_err(missing("story"))?;
    if let PlayOnce::Applied(s) = &outcome {
        announce(state, user, s.version).await;
    }
    Ok(outcome)
}
