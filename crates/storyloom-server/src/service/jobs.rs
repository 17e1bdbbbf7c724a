//! What a generation job records as it runs.
//!
//! The worker (`crate::generation::jobs`) claims jobs, calls the providers and stores blobs;
//! every write of an entity's generation state goes through here. So a job's progress bumps
//! the entity's version, reaches the user's live streams and moves the answer cache exactly
//! as a parent's write does, and a blob is kept only when the row that points at it
//! committed. Each function answers `Ok(None)` (or `false`) when the entity was deleted
//! while the job ran: that deletion swept the owner's media, so the job is simply over.

use storyloom_domain::{
    AvatarStatus, GenerationStatus, Hero, HeroId, Illustration, IllustrationId, IllustrationStatus,
    JobEvent, JobKind, JobProgress, Story, StoryId, UserId,
};
use storyloom_media::MediaKey;
use storyloom_store::{JobRecord, StoreError, StoreResult};

use super::{Committed, now};
use crate::{error::ApiResult, events_hub::LiveEvent, state::AppState};

/// A job's owner, as the typed id its writes take.
fn owner(job: &JobRecord) -> UserId {
    job.user_id
}

/// `Ok(None)` for an entity deleted meanwhile.
fn unless_gone<T>(r: StoreResult<T>) -> StoreResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Settle a blob the job just stored by the write that records it. When that write fails, no
/// row points at the blob and nothing ever would: it is deleted again.
async fn keep<T>(state: &AppState, key: &MediaKey, r: StoreResult<T>) -> StoreResult<Option<T>> {
    if r.is_err() {
        state.media.delete_keys(&[key.to_string()]).await;
    }
    if matches!(r, Err(StoreError::NotFound)) {
        tracing::info!(%key, "deleted while the job ran; its media is removed");
    }
    unless_gone(r)
}

/// A job moved on and its entity's row reached `version`: tell the user's streams what
/// happened, then that there is new data to pull.
pub async fn progress(state: &AppState, job: &JobRecord, status: JobProgress, version: i64) {
    let kind = job.kind;
    let user = owner(job);
    state
        .hub
        .publish(LiveEvent::job(
            user,
            JobEvent {
                entity: kind.entity(),
                id: job.entity_id,
                kind,
                status,
            },
        ))
        .await;
    if version > 0 {
        state.hub.changed(Committed { user, version }).await;
    }
}

/// Narration starts: the story as it was (its text and old audio), marked `processing`.
pub async fn audio_started(state: &AppState, job: &JobRecord) -> StoreResult<Option<Story>> {
    let (user, id) = (owner(job), StoryId(job.entity_id));
    let Some(story) = unless_gone(state.store.get_story(user, id).await)? else {
        return Ok(None);
    };
    let s = state
        .store
        .set_story_audio(user, id, GenerationStatus::Processing, None, None, now())
        .await;
    let Some(s) = unless_gone(s)? else {
        return Ok(None);
    };
    progress(state, job, JobProgress::Processing, s.version).await;
    Ok(Some(story))
}

/// Narration stored at `key`: record it, then drop the audio it replaced. An edit while
/// narrating leaves the new audio reading the old text: it is marked stale at once.
pub async fn audio_done(
    state: &AppState,
    job: &JobRecord,
    story: &Story,
    key: &MediaKey,
    duration: f64,
) -> ApiResult<bool> {
    let user = owner(job);
    let name = key.to_string();
    let recorded = state
        .store
        .set_story_audio(
            user,
            story.id,
            GenerationStatus::Completed,
            Some(&name),
            Some(duration),
            now(),
        )
        .await;
    let Some(s) = keep(state, key, recorded).await? else {
        return Ok(false);
    };
    let s = super::stories::narration_stored(state, user, story, s).await?;
    if let Some(old) = story.audio_url.clone().filter(|old| *old != name) {
        state.media.delete_keys(&[old]).await;
    }
    progress(state, job, JobProgress::Completed, s.version).await;
    Ok(true)
}

/// Illustration starts: the story and its hero, the story marked `processing`.
pub async fn illustrations_started(
    state: &AppState,
    job: &JobRecord,
) -> StoreResult<Option<(Story, Hero)>> {
    let (user, id) = (owner(job), StoryId(job.entity_id));
    let Some(story) = unless_gone(state.store.get_story(user, id).await)? else {
        return Ok(None);
    };
    let Some(hero) = unless_gone(state.store.get_hero(user, story.hero_id).await)? else {
        return Ok(None);
    };
    let s = state
        .store
        .set_illustration_status(user, id, IllustrationStatus::Processing, now())
        .await;
    let Some(s) = unless_gone(s)? else {
        return Ok(None);
    };
    progress(state, job, JobProgress::Processing, s.version).await;
    Ok(Some((story, hero)))
}

/// The scenes are chosen: they replace the story's illustrations (as pending ones), and the
/// pictures they replace are deleted.
pub async fn scenes_chosen(
    state: &AppState,
    job: &JobRecord,
    story: StoryId,
    scenes: &[(String, f64)],
) -> StoreResult<Option<Vec<Illustration>>> {
    let r = state
        .store
        .replace_illustrations(owner(job), story, scenes, now())
        .await;
    let Some((ills, old_keys)) = unless_gone(r)? else {
        return Ok(None);
    };
    state.media.delete_keys(&old_keys).await;
    Ok(Some(ills))
}

/// One picture is done: stored at a key, or failed with a message a parent can read.
pub async fn illustration_drawn(
    state: &AppState,
    job: &JobRecord,
    illustration: IllustrationId,
    outcome: Result<&MediaKey, &str>,
) -> StoreResult<bool> {
    let user = owner(job);
    match outcome {
        Ok(key) => {
            let name = key.to_string();
            let recorded = state
                .store
                .set_illustration(
                    user,
                    illustration,
                    GenerationStatus::Completed,
                    Some(&name),
                    None,
                    now(),
                )
                .await;
            Ok(keep(state, key, recorded).await?.is_some())
        }
        Err(message) => {
            let r = state
                .store
                .set_illustration(
                    user,
                    illustration,
                    GenerationStatus::Failed,
                    None,
                    Some(message),
                    now(),
                )
                .await;
            Ok(unless_gone(r)?.is_some())
        }
    }
}

/// Every picture was tried: the story's overall status from how many came out.
pub async fn illustrations_done(
    state: &AppState,
    job: &JobRecord,
    story: StoryId,
    drawn: usize,
    failed: usize,
) -> StoreResult<()> {
    let status = match (drawn, failed) {
        (_, 0) => IllustrationStatus::Completed,
        (0, _) => IllustrationStatus::Failed,
        _ => IllustrationStatus::Partial,
    };
    let r = state
        .store
        .set_illustration_status(owner(job), story, status, now())
        .await;
    if let Some(s) = unless_gone(r)? {
        let word = match status {
            IllustrationStatus::Completed => JobProgress::Completed,
            IllustrationStatus::Partial => JobProgress::Partial,
            _ => JobProgress::Failed,
        };
        progress(state, job, word, s.version).await;
    }
    Ok(())
}

/// Drawing an avatar starts: the hero as it was, marked `processing`.
pub async fn avatar_started(state: &AppState, job: &JobRecord) -> StoreResult<Option<Hero>> {
    let (user, id) = (owner(job), HeroId(job.entity_id));
    let Some(hero) = unless_gone(state.store.get_hero(user, id).await)? else {
        return Ok(None);
    };
    let h = state
        .store
        .set_hero_avatar(user, id, AvatarStatus::Processing, None, None, now())
        .await;
    let Some(h) = unless_gone(h)? else {
        return Ok(None);
    };
    progress(state, job, JobProgress::Processing, h.version).await;
    Ok(Some(hero))
}

/// The avatar is stored at `key`: record it (with the provider's id, which later pictures
/// refer to for a consistent look), then drop the avatar it replaced.
pub async fn avatar_done(
    state: &AppState,
    job: &JobRecord,
    hero: &Hero,
    key: &MediaKey,
    generation_id: &str,
) -> StoreResult<bool> {
    let name = key.to_string();
    let recorded = state
        .store
        .set_hero_avatar(
            owner(job),
            hero.id,
            AvatarStatus::Completed,
            Some(&name),
            Some(generation_id),
            now(),
        )
        .await;
    let Some(h) = keep(state, key, recorded).await? else {
        return Ok(false);
    };
    if let Some(old) = hero.avatar_url.clone().filter(|old| *old != name) {
        state.media.delete_keys(&[old]).await;
    }
    progress(state, job, JobProgress::Completed, h.version).await;
    Ok(true)
}

/// The job gave up for good: its entity is marked `failed`, so the parent sees it ended.
pub async fn failed_for_good(state: &AppState, job: &JobRecord) -> StoreResult<()> {
    let user = owner(job);
    let at = now();
    let version = match job.kind {
        JobKind::Audio => state
            .store
            .set_story_audio(
                user,
                StoryId(job.entity_id),
                GenerationStatus::Failed,
                None,
                None,
                at,
            )
            .await
            .map(|s| s.version),
        JobKind::Illustrations => state
            .store
            .set_illustration_status(user, StoryId(job.entity_id), IllustrationStatus::Failed, at)
            .await
            .map(|s| s.version),
        JobKind::Avatar => state
            .store
            .set_hero_avatar(
                user,
                HeroId(job.entity_id),
                AvatarStatus::Failed,
                None,
                None,
                at,
            )
            .await
            .map(|h| h.version),
    };
    if let Some(v) = unless_gone(version)? {
        progress(state, job, JobProgress::Failed, v).await;
    }
    Ok(())
}
