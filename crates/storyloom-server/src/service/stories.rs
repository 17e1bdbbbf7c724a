//! Story writes: create (import or generate), edit, delete, plays.

use storyloom_domain::{
    CustomEvent, GenerationStatus, Hero, IllustrationStatus, MutationId, Operation, Story,
    StoryCreate, StoryId, StoryLength, StoryUpdate, UserId,
};
use storyloom_store::{Deleted, NewStory, PlayOnce, StoreError};

use super::{
    Caller, Created, announce, deleted, generation, missing, now,
    quota::{self, Adding},
    safety, stored,
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
    match state.store.get_story(user, id).await {
        Ok(s) if body.same_content(&s) => Ok(Some(s)),
        Ok(_) => Err(ApiError::IdConflict),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Create a story: import its text, or write it with the story provider; queue narration and
/// illustrations when asked, in the same transaction as the story. Quotas of the queued jobs
/// are taken before any text is written, so a 429 on narration costs no story.
///
/// An import is stored as typed minus invisible characters. If its text fails the
/// child-safety screening it is still kept (it is the family's own), but flagged
/// (`contentFlagged`), and narration or illustrations asked for with it are not queued: a
/// flagged story reaches no prompt until the parent approves it ([`approve`]).
pub async fn create(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &StoryCreate,
) -> ApiResult<StoryCreated> {
    let user = caller.user;
    let mut cleaned = body.clone();
    cleaned.title = body.title.as_deref().map(storyloom_ai::safety::clean_input);
    cleaned.content = body
        .content
        .as_deref()
        .map(storyloom_ai::safety::clean_input);
    let body = &mut cleaned;
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
        .get_hero(user, body.hero_id)
        .await
        .map_err(missing("hero"))?;
    let event = match body.custom_event_id {
        Some(ev) => Some(
            state
                .store
                .get_event(user, ev)
                .await
                .map_err(missing("custom event"))?,
        ),
        None => None,
    };
    let flagged = match (&body.title, &body.content) {
        (Some(t), Some(c)) => safety::story_flag(t, c, Some(hero.age))?.is_some(),
        _ => false,
    };
    if flagged {
        body.generate_audio = false;
        body.generate_illustrations = false;
    }
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
        match limits::reserve(state, user, op).await {
            Ok(r) => queued.push(r),
            Err(e) => {
                cancel_all(state, &queued).await;
                return Err(e);
            }
        }
    }
    match store_new(state, caller, id, body, hero, event, &queued, flagged).await {
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
#[allow(clippy::too_many_arguments)]
async fn store_new(
    state: &AppState,
    caller: Caller,
    id: StoryId,
    body: &StoryCreate,
    hero: Hero,
    event: Option<CustomEvent>,
    queued: &[Reservation],
    content_flagged: bool,
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
            spec.job(user, id)
        })
        .collect();
    let new = NewStory {
        id,
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
        content_flagged,
        jobs,
        now: now(),
    };
    match state.store.create_story(user, new).await {
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

/// The age of the hero of a story (for the age-bound safety categories).
async fn hero_age(state: &AppState, user: UserId, story: &Story) -> ApiResult<i64> {
    let hero = state.store.get_hero(user, story.hero_id).await;
    Ok(hero.map_err(missing("hero"))?.age)
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

/// Apply a patch (title, text, language, favourite), checking `if_match`. Edited text is
/// screened (an unsafe edit is 403 `CONTENT_REJECTED`), and an edit that leaves a flagged
/// story's whole text clean clears its flag. An edit of what the narration reads marks existing
/// narration `audioStale` ([`audio_stale_after`]); the old audio stays playable until
/// `POST /api/stories/{id}/audio` replaces it.
pub async fn update(
    state: &AppState,
    user: UserId,
    id: StoryId,
    patch: &StoryUpdate,
    if_match: Option<i64>,
) -> ApiResult<Story> {
    let cur = state
        .store
        .get_story(user, id)
        .await
        .map_err(missing("story"))?;
    let text_edited = patch.title.is_some() || patch.content.is_some();
    let age = if text_edited {
        Some(hero_age(state, user, &cur).await?)
    } else {
        None
    };
    let patch = &safety::story_edit(patch, age)?;
    let stale = audio_stale_after(&cur, patch);
    let mut story = stored(
        state,
        "story",
        state
            .store
            .update_story(user, id, patch, stale, if_match, now())
            .await,
    )
    .await?;
    if text_edited
        && cur.content_flagged
        && safety::story_flag(&story.title, &story.content, age)?.is_none()
    {
        story = state
            .store
            .set_story_flag(user, id, false, now())
            .await
            .map_err(missing("story"))?;
    }
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
        .update_story(user, current.id, &StoryUpdate::default(), true, None, now())
        .await
        .map_err(missing("story"))?;
    announce(state, user, story.version).await;
    Ok(story)
}

/// The parent's explicit override of a flagged story: the flag is cleared, so the story can be
/// narrated and illustrated. Logged, since it lets screened text reach the prompts.
pub async fn approve(state: &AppState, user: UserId, id: StoryId) -> ApiResult<Story> {
    let story = state
        .store
        .get_story(user, id)
        .await
        .map_err(missing("story"))?;
    if !story.content_flagged {
        return Ok(story);
    }
    tracing::info!(story.id = %id, "parent approved a flagged story");
    let story = state
        .store
        .set_story_flag(user, id, false, now())
        .await
        .map_err(missing("story"))?;
    announce(state, user, story.version).await;
    Ok(story)
}

/// Refuse to feed a flagged story to narration or illustration (403 `CONTENT_REJECTED` on
/// the field and category its text fails on now).
pub(super) async fn refuse_flagged(state: &AppState, user: UserId, story: &Story) -> ApiResult<()> {
    if !story.content_flagged {
        return Ok(());
    }
    let age = hero_age(state, user, story).await?;
    let (field, category) = safety::story_flag(&story.title, &story.content, Some(age))?
        .unwrap_or(("content", storyloom_domain::ContentCategory::Other));
    let mut e = ApiError::unsafe_content(field, category);
    if let ApiError::ContentRejected { message, .. } = &mut e {
        message.push_str(
            " This story is flagged: approve it first (POST /api/stories/{id}/approve) to have \
             it read aloud or illustrated.",
        );
    }
    Err(e)
}

/// Delete a story with its illustrations and their media.
pub async fn delete(
    state: &AppState,
    user: UserId,
    id: StoryId,
    if_match: Option<i64>,
) -> ApiResult<Deleted> {
    let r = state.store.delete_story(user, id, if_match, now()).await;
    deleted(state, user, "story", r).await
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
                .get_story(user, id)
                .await
                .map_err(missing("story")),
        };
    }
    let story = state
        .store
        .play_story(user, id, count, now())
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
        .play_story_once(user, id, count, now(), mutation)
        .await
        .map_err(missing("story"))?;
    if let PlayOnce::Applied(s) = &outcome {
        announce(state, user, s.version).await;
    }
    Ok(outcome)
}
