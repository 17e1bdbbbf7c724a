//! The Reading Journey figures: summary, activity, heroes, milestones and insights.
//!
//! Computed here, once, as pure functions of a family's listening sessions, its stories and
//! heroes, a timezone and "now". The server's `/api/journey/*` endpoints and the client core's
//! offline `client.journey()` both call these functions, so the two answers are identical by
//! construction rather than by two implementations kept in step.
//!
//! Rules shared by every figure (issue 18):
//! - a session belongs to the calendar day and hour of its `startedAt` in the given zone (a
//!   listen that runs past midnight counts for the evening it began);
//! - every session counts for minutes and listens; only `completed` ones count for streaks and
//!   milestones;
//! - the seconds counted are capped at 1.5 × the story's `audioDuration` when the story has
//!   audio, so a player left running does not inflate the figures;
//! - minutes are reported to one decimal; averages with nothing to average are `null`.

mod figures;
mod milestones;
mod texts;
mod zone;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

pub use figures::{
    ActivityDay, ActivityRange, HeroFigures, Insights, JourneyActivity, MostListenedStory, Period,
    Summary,
};
pub use milestones::{Milestone, MilestoneCategory};
pub use zone::{Timezone, UnknownTimezone};

use crate::ids::{HeroId, StoryId};
use crate::listening::ListeningSession;
use crate::story::Language;

/// What the figures need to know of a story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryFacts {
    #[allow(missing_docs)]
    pub id: StoryId,
    #[allow(missing_docs)]
    pub hero_id: HeroId,
    #[allow(missing_docs)]
    pub title: String,
    /// Seconds of narration, when the story has audio: the cap of its sessions' duration.
    pub audio_duration: Option<f64>,
    #[allow(missing_docs)]
    pub is_favorite: bool,
}

/// What the figures need to know of a hero.
#[derive(Debug, Clone, PartialEq)]
pub struct HeroFacts {
    #[allow(missing_docs)]
    pub id: HeroId,
    #[allow(missing_docs)]
    pub name: String,
    #[allow(missing_docs)]
    pub avatar_url: Option<String>,
}

/// One family's listening history, ready to be asked any of the five figures.
///
/// Built once per request (or per read of the local cache); the sessions are sorted by
/// `startedAt` (then id, so equal times order the same everywhere) and their counted
/// seconds, day and hour are worked out up front.
#[derive(Debug)]
pub struct Journey<'a> {
    sessions: Vec<Counted<'a>>,
    stories: HashMap<StoryId, &'a StoryFacts>,
    all_stories: &'a [StoryFacts],
    heroes: &'a [HeroFacts],
    zone: Timezone,
    today: NaiveDate,
}

/// A session with what the figures count of it.
#[derive(Debug, Clone, Copy)]
struct Counted<'a> {
    session: &'a ListeningSession,
    /// The hero counted: the session's, or its story's while the session has none yet (a
    /// session recorded offline gets its hero from the server when it syncs).
    hero: HeroId,
    /// Seconds after the cap.
    seconds: f64,
    /// Calendar day of `startedAt` in the zone.
    day: NaiveDate,
    /// Hour (0–23) of `startedAt` in the zone.
    hour: u32,
}

impl<'a> Journey<'a> {
    /// Prepare the figures of `sessions` as seen in `zone` at `now`.
    ///
    /// `stories` and `heroes` are all of the family's; sessions of a story no longer there
    /// count uncapped and have no title, sessions of a hero no longer there count in every
    /// figure but the per-hero list.
    pub fn new(
        sessions: &'a [ListeningSession],
        stories: &'a [StoryFacts],
        heroes: &'a [HeroFacts],
        zone: Timezone,
        now: DateTime<Utc>,
    ) -> Self {
        let by_id: HashMap<StoryId, &StoryFacts> = stories.iter().map(|s| (s.id, s)).collect();
        let mut counted: Vec<Counted<'a>> = sessions
            .iter()
            .map(|s| {
                let local = zone.local(s.started_at);
                let story = by_id.get(&s.story_id).copied();
                let hero = match story {
                    Some(st) if s.hero_id == HeroId::default() => st.hero_id,
                    _ => s.hero_id,
                };
                Counted {
                    session: s,
                    hero,
                    seconds: counted_seconds(s, story),
                    day: local.date_naive(),
                    hour: chrono::Timelike::hour(&local),
                }
            })
            .collect();
        counted.sort_by_key(|c| (c.session.started_at, c.session.id));
        Self {
            sessions: counted,
            stories: by_id,
            all_stories: stories,
            heroes,
            zone,
            today: zone.local(now).date_naive(),
        }
    }

    /// The zone the days are counted in.
    pub fn zone(&self) -> Timezone {
        self.zone
    }

    /// Today's date in the zone.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    fn completed(&self) -> impl Iterator<Item = &Counted<'a>> {
        self.sessions.iter().filter(|c| c.session.completed)
    }

    /// The milestones, with titles and descriptions in `language`.
    pub fn milestones(&self, language: Language) -> Vec<Milestone> {
        milestones::milestones(self, language)
    }
}

/// Seconds of `s` that count: what the client sent, capped at 1.5 × the story's narration.
fn counted_seconds(s: &ListeningSession, story: Option<&StoryFacts>) -> f64 {
    let sent = s.duration_seconds.max(0) as f64;
    match story.and_then(|st| st.audio_duration) {
        Some(audio) if audio > 0.0 => sent.min(audio * 1.5),
        _ => sent,
    }
}

/// Seconds to minutes, to one decimal (the precision every figure reports).
fn minutes(seconds: f64) -> f64 {
    round1(seconds / 60.0)
}

/// Round to one decimal; the figures stay finite because every division is guarded.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
