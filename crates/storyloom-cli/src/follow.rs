//! Waiting for generation jobs (narration, illustrations, avatars) with a progress bar.
//!
//! The server announces job progress on the live stream; the CLI listens there and re-reads
//! the entity on every event, and also polls on a timer, because events can be missed (the
//! stream opens after the job was queued, a proxy may buffer it, or it may not open at all).
//! Polling alone would be correct too, only slower to notice; the stream is what makes the
//! bar move the moment a picture is done.

use std::time::{Duration, Instant};

use storyloom_domain::{AvatarStatus, GenerationStatus, Hero, IllustrationStatus, Story};
use uuid::Uuid;

use crate::context::Ctx;
use crate::error::CliResult;
use crate::live::{LiveStream, SseEvent};

/// Poll interval while the live stream is open (events do the real work).
const POLL_WITH_STREAM: Duration = Duration::from_secs(3);
/// Poll interval without the stream.
const POLL_WITHOUT_STREAM: Duration = Duration::from_secs(1);

/// Which of a story's jobs to wait for.
#[derive(Debug, Clone, Copy)]
pub struct StoryJobs {
    /// Narration.
    pub audio: bool,
    /// Illustrations.
    pub illustrations: bool,
}

/// Where a story's jobs ended up.
#[derive(Debug, Clone)]
pub struct StoryProgress {
    /// The story as the server has it now.
    pub story: Story,
    /// Every job waited for has ended (completed or failed); `false` after a timeout.
    pub finished: bool,
}

fn audio_done(s: GenerationStatus) -> bool {
    !matches!(s, GenerationStatus::Pending | GenerationStatus::Processing)
}

fn illustrations_done(s: IllustrationStatus) -> bool {
    !matches!(
        s,
        IllustrationStatus::Pending | IllustrationStatus::Processing
    )
}

fn audio_word(s: GenerationStatus) -> &'static str {
    match s {
        GenerationStatus::None => "not asked",
        GenerationStatus::Pending => "queued",
        GenerationStatus::Processing => "recording",
        GenerationStatus::Completed => "ready",
        GenerationStatus::Failed => "failed",
    }
}

/// Wait for the next stream event or `poll`, whichever comes first. A broken stream is
/// dropped and the wait goes on by polling.
async fn wait_for_news(live: &mut Option<LiveStream>, poll: Duration) {
    let next = async {
        match live.as_mut() {
            Some(l) => l.next().await,
            None => std::future::pending::<CliResult<Option<SseEvent>>>().await,
        }
    };
    let got = tokio::select! {
        r = next => Some(r),
        _ = tokio::time::sleep(poll) => None,
    };
    if matches!(got, Some(Err(_) | Ok(None))) {
        *live = None;
    }
}

/// Follow a story's narration and/or illustrations until they end or `timeout` passes.
pub async fn follow_story(
    ctx: &Ctx,
    id: Uuid,
    jobs: StoryJobs,
    timeout: Duration,
) -> CliResult<StoryProgress> {
    let mut live = LiveStream::open(&ctx.client).await.ok();
    let bar = ctx.out.bar(1);
    let deadline = Instant::now() + timeout;
    loop {
        let story = ctx.client.api().get_story(id).await?;
        let ills = if jobs.illustrations {
            Some(ctx.client.stories().illustration_status(id.into()).await?)
        } else {
            None
        };
        let mut total = 0u64;
        let mut done = 0u64;
        let mut parts = Vec::new();
        let mut finished = true;
        if jobs.audio {
            total += 1;
            let s = story.audio_generation_status;
            if audio_done(s) {
                done += 1;
            } else {
                finished = false;
            }
            parts.push(format!("narration {}", audio_word(s)));
        }
        if let Some(i) = &ills {
            let n = u64::try_from(i.total).unwrap_or(0).max(1);
            total += n;
            done += u64::try_from(i.completed + i.failed).unwrap_or(0).min(n);
            if !illustrations_done(i.status) {
                finished = false;
            }
            parts.push(if i.total > 0 {
                format!("pictures {}/{}", i.completed, i.total)
            } else {
                "pictures queued".to_owned()
            });
        }
        bar.set_length(total.max(1));
        bar.set_position(done);
        bar.set_message(parts.join(", "));
        if finished || Instant::now() >= deadline {
            bar.finish_and_clear();
            return Ok(StoryProgress { story, finished });
        }
        let poll = if live.is_some() {
            POLL_WITH_STREAM
        } else {
            POLL_WITHOUT_STREAM
        };
        wait_for_news(&mut live, poll).await;
    }
}

/// Follow a hero's avatar job; returns the hero and whether the job ended.
pub async fn follow_avatar(ctx: &Ctx, id: Uuid, timeout: Duration) -> CliResult<(Hero, bool)> {
    let mut live = LiveStream::open(&ctx.client).await.ok();
    let spinner = ctx.out.spinner("Drawing the avatar…");
    let deadline = Instant::now() + timeout;
    loop {
        let hero = ctx.client.api().get_hero(id).await?;
        let finished = !matches!(
            hero.avatar_status,
            AvatarStatus::Pending | AvatarStatus::Processing
        );
        if finished || Instant::now() >= deadline {
            spinner.finish_and_clear();
            return Ok((hero, finished));
        }
        if hero.avatar_status == AvatarStatus::Processing {
            spinner.set_message(format!("Drawing {}'s avatar…", hero.name));
        }
        let poll = if live.is_some() {
            POLL_WITH_STREAM
        } else {
            POLL_WITHOUT_STREAM
        };
        wait_for_news(&mut live, poll).await;
    }
}
