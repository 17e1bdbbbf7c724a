//! The Reading Journey on the device: the five figures computed from the local cache by
//! `storyloom_domain::journey`, the same functions the server answers `/api/journey/*`
//! with, so the tab shows the same numbers with no network (a listen recorded offline
//! counts at once).

use chrono::{DateTime, Utc};
use storyloom_domain::{
    ActivityRange, Hero, HeroFacts, HeroFigures, Insights, Journey, JourneyActivity, Language,
    ListeningSession, Milestone, Story, StoryFacts, Summary, Timezone, time,
};

use super::{RepoCtx, Repository};
use crate::error::Result;

/// The app's listening sessions: `create` records a listen (an outbox write like any other;
/// the server counts the play on the story when it syncs), `delete` forgets one.
pub type ListeningSessionRepository = Repository<ListeningSession>;

/// Reads the journey figures from the cache.
#[derive(Clone)]
pub struct JourneyReader {
    sessions: Repository<ListeningSession>,
    stories: Repository<Story>,
    heroes: Repository<Hero>,
}

/// What the figures are computed from, read from the cache once.
#[derive(Debug, Clone, Default)]
pub struct JourneySnapshot {
    /// Every session on the device (synced or not).
    pub sessions: Vec<ListeningSession>,
    /// Every story on the device.
    pub stories: Vec<StoryFacts>,
    /// Every hero on the device.
    pub heroes: Vec<HeroFacts>,
}

impl JourneySnapshot {
    /// The figures as seen in `zone` at `now`.
    pub fn journey(&self, zone: Timezone, now: DateTime<Utc>) -> Journey<'_> {
        Journey::new(&self.sessions, &self.stories, &self.heroes, zone, now)
    }
}

impl JourneyReader {
    pub(crate) fn new(ctx: RepoCtx) -> Self {
        Self {
            sessions: Repository::new(ctx.clone()),
            stories: Repository::new(ctx.clone()),
            heroes: Repository::new(ctx),
        }
    }

    /// Read the cache's sessions, stories and heroes.
    pub async fn snapshot(&self) -> Result<JourneySnapshot> {
        let sessions = self.sessions.list().await?;
        let stories = self
            .stories
            .list()
            .await?
            .into_iter()
            .map(|s| StoryFacts {
                id: s.id,
                hero_id: s.hero_id,
                title: s.title,
                audio_duration: s.audio_duration,
                is_favorite: s.is_favorite,
            })
            .collect();
        let heroes = self
            .heroes
            .list()
            .await?
            .into_iter()
            .map(|h| HeroFacts {
                id: h.id,
                name: h.name,
                avatar_url: h.avatar_url,
            })
            .collect();
        Ok(JourneySnapshot {
            sessions,
            stories,
            heroes,
        })
    }

    /// `GET /api/journey/summary`, offline.
    pub async fn summary(&self, zone: Timezone) -> Result<Summary> {
        Ok(self.snapshot().await?.journey(zone, time::now()).summary())
    }

    /// `GET /api/journey/activity`, offline.
    pub async fn activity(&self, zone: Timezone, range: ActivityRange) -> Result<JourneyActivity> {
        Ok(self
            .snapshot()
            .await?
            .journey(zone, time::now())
            .activity(range))
    }

    /// `GET /api/journey/heroes`, offline.
    pub async fn heroes(&self, zone: Timezone) -> Result<Vec<HeroFigures>> {
        Ok(self.snapshot().await?.journey(zone, time::now()).heroes())
    }

    /// `GET /api/journey/milestones`, offline, titled in `language`.
    pub async fn milestones(&self, zone: Timezone, language: Language) -> Result<Vec<Milestone>> {
        Ok(self
            .snapshot()
            .await?
            .journey(zone, time::now())
            .milestones(language))
    }

    /// `GET /api/journey/insights`, offline.
    pub async fn insights(&self, zone: Timezone) -> Result<Insights> {
        Ok(self.snapshot().await?.journey(zone, time::now()).insights())
    }
}
