//! Waiting for generation jobs (narration, illustrations, avatars) with a progress bar.
//!
//! The server announces job progress on the live stream; the CLI follows it through the
//! client core's live sync ([`storyloom_client::LiveSync`], which also pulls what the jobs
//! made into the cache) and re-reads the entity on every job event or sync, and also polls
//! on a timer, because events can be missed (the stream opens after the job was queued, a
//! proxy may buffer it, or it may not open at all). Polling alone would be correct too, only
//! slower to notice; the stream is what makes the bar move the moment a picture is done.

use std::time::{Duration, Instant};

use storyloom_client::{LiveEvent, LiveSync};
use storyloom_domain::{AvatarStatus, GenerationStatus, Hero, IllustrationStatus, Story};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use crate::context::Ctx;
use crate::error::CliResult;

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

/// The live follower while a command waits for jobs; stops when dropped.
struct Live {
    sync: LiveSync,
    events: broadcast::Receiver<LiveEvent>,
}

impl Live {
    fn start(ctx: &Ctx) -> Self {
        let sync = ctx.client.sync().start_live();
        let events = sync.events();
        Self { sync, events }
    }

    /// Wait for news of a job (a job event, or a sync that pulled its result) or the poll
    /// interval, whichever comes first; the interval is shorter while the stream is down.
    async fn news(&mut self) {
        let poll = if self.sync.status().borrow().connected {
            POLL_WITH_STREAM
        } else {
            POLL_WITHOUT_STREAM
        };
        let timer = tokio::time::sleep(poll);
        tokio::pin!(timer);
        loop {
            tokio::select! {
                r = self.events.recv() => match r {
                    Ok(LiveEvent::Job(_) | LiveEvent::Synced(_)) => return,
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return (&mut timer).await,
                },
                _ = &mut timer => return,
            }
        }
    }
}

/// Follow a story's narration and/or illustrations until they end or `timeout` passes.
pub async fn follow_story(
    ctx: &Ctx,
    id: Uuid,
    jobs: StoryJobs,
    timeout: Duration,
) -> CliResult<StoryProgress> {
    let mut live = Live::start(ctx);
    let bar = ctx.out.bar(1);
    let deadline = Instant::now() + timeout;
    loop {
        let story = ctx
            .client
            .api()
            .get_story(storyloom_domain::StoryId(id))
            .await?;
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
        live.news().await;
    }
}

/// Follow a hero's avatar job; returns the hero and whether the job ended.
pub async fn follow_avatar(ctx: &Ctx, id: Uuid, timeout: Duration) -> CliResult<(Hero, bool)> {
    let mut live = Live::start(ctx);
    let spinner = ctx.out.spinner("Drawing the avatar…");
    let deadline = Instant::now() + timeout;
    loop {
        let hero = ctx
            .client
            .api()
            .get_hero(storyloom_domain::HeroId(id))
            .await?;
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
        live.news().await;
    }
}
