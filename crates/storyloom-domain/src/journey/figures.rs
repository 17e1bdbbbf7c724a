//! Summary, activity, per-hero figures and insights (milestones are in `milestones.rs`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Journey, Timezone, minutes, round1};
use crate::ids::{HeroId, StoryId};

/// `GET /api/journey/summary` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Every session, completed or not.
    pub total_listens: i64,
    /// Minutes of every session, after the cap.
    pub total_listening_minutes: f64,
    /// Distinct stories with at least one session.
    pub unique_stories_listened: i64,
    /// Consecutive days with a completed session, ending today (or yesterday when today has
    /// none yet); 0 otherwise.
    pub current_streak: i64,
    /// The longest run of consecutive days with a completed session.
    pub longest_streak: i64,
    /// The family's stories marked favourite.
    pub favorite_stories_count: i64,
    /// `startedAt` of the latest session.
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_listened_at: Option<DateTime<Utc>>,
}

/// The span of days of an activity chart.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ActivityRange {
    /// The last 7 days, today included.
    #[default]
    Week,
    /// The last 30 days.
    Month,
    /// The last 365 days.
    Year,
    /// From the day of the first session (today when there is none).
    All,
}

/// One day of an activity chart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ActivityDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub minutes: f64,
    pub listens: i64,
}

/// `GET /api/journey/activity` answer: one entry per day of the range, zeros included.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct JourneyActivity {
    pub range: ActivityRange,
    pub timezone: Timezone,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    pub days: Vec<ActivityDay>,
}

/// One entry of `GET /api/journey/heroes`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HeroFigures {
    #[allow(missing_docs)]
    pub hero_id: HeroId,
    #[allow(missing_docs)]
    pub hero_name: String,
    #[allow(missing_docs)]
    pub avatar_url: Option<String>,
    /// The hero's stories (listened to or not).
    pub story_count: i64,
    /// Sessions of the hero's stories.
    pub listens: i64,
    #[allow(missing_docs)]
    pub listening_minutes: f64,
    /// The hero with the most minutes (ties: the most recent listen); none when nobody has
    /// listened yet.
    pub is_most_active: bool,
}

/// Parts of the day, by local hour.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// 05:00–11:59.
    Morning,
    /// 12:00–16:59.
    Afternoon,
    /// 17:00–20:59.
    Evening,
    /// 21:00–04:59.
    Night,
}

impl Period {
    /// The part of the day an hour (0–23) falls in.
    pub fn of_hour(hour: u32) -> Self {
        match hour {
            5..=11 => Self::Morning,
            12..=16 => Self::Afternoon,
            17..=20 => Self::Evening,
            _ => Self::Night,
        }
    }
}

/// The story listened to most.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct MostListenedStory {
    pub id: StoryId,
    pub title: String,
    pub listens: i64,
}

/// `GET /api/journey/insights` answer; `null` where there is no data yet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Insights {
    /// Mean counted minutes per session.
    pub average_story_minutes: Option<f64>,
    /// Sessions per distinct story listened to.
    pub average_listens_per_story: Option<f64>,
    /// The local hour (0–23) with the most listening minutes (ties: the most sessions, then
    /// the earliest hour).
    pub preferred_hour: Option<u32>,
    /// The part of the day `preferredHour` falls in.
    pub preferred_period: Option<Period>,
    /// Most sessions (ties: the most recent listen), among stories still there.
    pub most_listened_story: Option<MostListenedStory>,
    #[allow(missing_docs)]
    pub unique_stories_listened: i64,
}

/// Lengths of every run of consecutive days in `days` (ascending), in order.
fn runs(days: &BTreeSet<NaiveDate>) -> Vec<(NaiveDate, i64)> {
    let mut out: Vec<(NaiveDate, i64)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((end, len)) if end.succ_opt() == Some(d) => {
                *end = d;
                *len += 1;
            }
            _ => out.push((d, 1)),
        }
    }
    out
}

impl Journey<'_> {
    /// Days with at least one completed session.
    pub(super) fn completed_days(&self) -> BTreeSet<NaiveDate> {
        self.completed().map(|c| c.day).collect()
    }

    fn unique_stories(&self) -> i64 {
        let ids: BTreeSet<StoryId> = self.sessions.iter().map(|c| c.session.story_id).collect();
        ids.len() as i64
    }

    /// The summary.
    pub fn summary(&self) -> Summary {
        let days = self.completed_days();
        let runs = runs(&days);
        let longest = runs.iter().map(|&(_, len)| len).max().unwrap_or(0);
        let yesterday = self.today.pred_opt();
        let current = runs
            .iter()
            .find(|&&(end, _)| end == self.today || Some(end) == yesterday)
            .map_or(0, |&(_, len)| len);
        Summary {
            total_listens: self.sessions.len() as i64,
            total_listening_minutes: minutes(self.sessions.iter().map(|c| c.seconds).sum()),
            unique_stories_listened: self.unique_stories(),
            current_streak: current,
            longest_streak: longest,
            favorite_stories_count: self.all_stories.iter().filter(|s| s.is_favorite).count()
                as i64,
            last_listened_at: self.sessions.last().map(|c| c.session.started_at),
        }
    }

    /// The activity chart over `range`, ending today.
    pub fn activity(&self, range: ActivityRange) -> JourneyActivity {
        let back = |n: u64| {
            self.today
                .checked_sub_days(Days::new(n))
                .unwrap_or(self.today)
        };
        let from = match range {
            ActivityRange::Week => back(6),
            ActivityRange::Month => back(29),
            ActivityRange::Year => back(364),
            ActivityRange::All => self
                .sessions
                .first()
                .map_or(self.today, |c| c.day.min(self.today)),
        };
        let mut per_day: HashMap<NaiveDate, (f64, i64)> = HashMap::new();
        for c in &self.sessions {
            let e = per_day.entry(c.day).or_default();
            e.0 += c.seconds;
            e.1 += 1;
        }
        let days = from
            .iter_days()
            .take_while(|d| *d <= self.today)
            .map(|date| {
                let (seconds, listens) = per_day.get(&date).copied().unwrap_or_default();
                ActivityDay {
                    date,
                    minutes: minutes(seconds),
                    listens,
                }
            })
            .collect();
        JourneyActivity {
            range,
            timezone: self.zone,
            from,
            to: self.today,
            days,
        }
    }

    /// Figures per hero, most minutes first (ties: the most recent listen, then the name).
    pub fn heroes(&self) -> Vec<HeroFigures> {
        #[derive(Default)]
        struct Acc {
            listens: i64,
            seconds: f64,
            last: Option<DateTime<Utc>>,
        }
        let mut acc: HashMap<HeroId, Acc> = HashMap::new();
        for c in &self.sessions {
            let a = acc.entry(c.hero).or_default();
            a.listens += 1;
            a.seconds += c.seconds;
            a.last = a.last.max(Some(c.session.started_at));
        }
        let mut rows: Vec<(HeroFigures, Option<DateTime<Utc>>)> = self
            .heroes
            .iter()
            .map(|h| {
                let a = acc.remove(&h.id).unwrap_or_default();
                let story_count = self
                    .all_stories
                    .iter()
                    .filter(|s| s.hero_id == h.id)
                    .count() as i64;
                let fig = HeroFigures {
                    hero_id: h.id,
                    hero_name: h.name.clone(),
                    avatar_url: h.avatar_url.clone(),
                    story_count,
                    listens: a.listens,
                    listening_minutes: minutes(a.seconds),
                    is_most_active: false,
                };
                (fig, a.last)
            })
            .collect();
        rows.sort_by(|(a, la), (b, lb)| {
            b.listening_minutes
                .total_cmp(&a.listening_minutes)
                .then(lb.cmp(la))
                .then_with(|| a.hero_name.cmp(&b.hero_name))
                .then(a.hero_id.cmp(&b.hero_id))
        });
        if let Some((first, Some(_))) = rows.first_mut() {
            first.is_most_active = true;
        }
        rows.into_iter().map(|(f, _)| f).collect()
    }

    /// Insights.
    pub fn insights(&self) -> Insights {
        let n = self.sessions.len();
        let unique = self.unique_stories();
        let total_seconds: f64 = self.sessions.iter().map(|c| c.seconds).sum();

        let mut hours = [(0.0_f64, 0_i64); 24];
        for c in &self.sessions {
            if let Some(h) = hours.get_mut(c.hour as usize) {
                h.0 += c.seconds;
                h.1 += 1;
            }
        }
        // Highest minutes, then most sessions, then the earliest hour: `max_by` keeps the last
        // of equals, so walk the hours from 23 down to 0.
        let preferred_hour = (n > 0)
            .then(|| {
                (0..24u32).rev().max_by(|&a, &b| {
                    let (sa, la) = hours[a as usize];
                    let (sb, lb) = hours[b as usize];
                    sa.total_cmp(&sb).then(la.cmp(&lb))
                })
            })
            .flatten();

        let mut per_story: HashMap<StoryId, (i64, DateTime<Utc>)> = HashMap::new();
        for c in &self.sessions {
            let e = per_story
                .entry(c.session.story_id)
                .or_insert((0, c.session.started_at));
            e.0 += 1;
            e.1 = e.1.max(c.session.started_at);
        }
        let most_listened_story = per_story
            .iter()
            .filter_map(|(id, &(listens, last))| self.stories.get(id).map(|s| (s, listens, last)))
            .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.id.cmp(&a.0.id)))
            .map(|(s, listens, _)| MostListenedStory {
                id: s.id,
                title: s.title.clone(),
                listens,
            });

        Insights {
            average_story_minutes: (n > 0).then(|| minutes(total_seconds / n as f64)),
            average_listens_per_story: (unique > 0).then(|| round1(n as f64 / unique as f64)),
            preferred_hour,
            preferred_period: preferred_hour.map(Period::of_hour),
            most_listened_story,
            unique_stories_listened: unique,
        }
    }
}
