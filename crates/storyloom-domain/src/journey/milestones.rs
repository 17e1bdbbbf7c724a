//! The milestones: ten goals of the shipped app, each with its progress and the time of the
//! session that reached it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Journey, texts};
use crate::story::Language;

/// What a milestone counts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MilestoneCategory {
    /// Completed listens.
    Stories,
    /// Minutes of completed listens.
    Time,
    /// Consecutive days with a completed listen.
    Streak,
}

/// One entry of `GET /api/journey/milestones`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    /// Stable id (`listens-5`, `hours-1`, `streak-7`), for the app's own artwork.
    pub id: String,
    #[allow(missing_docs)]
    pub category: MilestoneCategory,
    /// In the profile's language.
    pub title: String,
    /// In the profile's language.
    pub description: String,
    #[allow(missing_docs)]
    pub emoji: String,
    /// In the category's unit: listens, minutes or days.
    pub target: i64,
    /// Towards `target`, in the same unit, never past it.
    pub progress: i64,
    #[allow(missing_docs)]
    pub unlocked: bool,
    /// `startedAt` of the session that reached the target.
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub unlocked_at: Option<DateTime<Utc>>,
}

/// A milestone's goal, in the unit of its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Goal {
    /// Completed listens.
    Listens(i64),
    /// Hours of completed listens.
    Hours(i64),
    /// Consecutive days.
    Streak(i64),
}

/// The ten goals, in the order the app shows them.
const GOALS: [(Goal, &str); 10] = [
    (Goal::Listens(1), "🌱"),
    (Goal::Listens(5), "📖"),
    (Goal::Listens(10), "📚"),
    (Goal::Listens(25), "🌟"),
    (Goal::Listens(50), "🏆"),
    (Goal::Hours(1), "⏰"),
    (Goal::Hours(5), "🌙"),
    (Goal::Hours(10), "🚀"),
    (Goal::Streak(7), "🔥"),
    (Goal::Streak(30), "👑"),
];

pub(super) fn milestones(j: &Journey<'_>, lang: Language) -> Vec<Milestone> {
    GOALS
        .iter()
        .map(|&(goal, emoji)| {
            let (id, category, target, progress, unlocked_at) = match goal {
                Goal::Listens(n) => {
                    let reached = j.completed().nth((n - 1).max(0) as usize);
                    let count = j.completed().count() as i64;
                    let at = reached.map(|c| c.session.started_at);
                    (
                        format!("listens-{n}"),
                        MilestoneCategory::Stories,
                        n,
                        count,
                        at,
                    )
                }
                Goal::Hours(h) => {
                    let target_seconds = (h * 3600) as f64;
                    let mut total = 0.0;
                    let mut at = None;
                    for c in j.completed() {
                        total += c.seconds;
                        if at.is_none() && total >= target_seconds {
                            at = Some(c.session.started_at);
                        }
                    }
                    let minutes = (total / 60.0).floor() as i64;
                    (
                        format!("hours-{h}"),
                        MilestoneCategory::Time,
                        h * 60,
                        minutes,
                        at,
                    )
                }
                Goal::Streak(d) => {
                    let (longest, at) = streak_reached(j, d);
                    (
                        format!("streak-{d}"),
                        MilestoneCategory::Streak,
                        d,
                        longest,
                        at,
                    )
                }
            };
            let (title, description) = texts::text(goal, lang);
            Milestone {
                id,
                category,
                title,
                description,
                emoji: emoji.into(),
                target,
                progress: progress.min(target),
                unlocked: unlocked_at.is_some(),
                unlocked_at,
            }
        })
        .collect()
}

/// The longest streak so far, and the first session on the day a run first reached `days`.
///
/// Sessions are in `startedAt` order and a local date never goes backwards as time moves on
/// in one zone, so the first session seen on a day is that day's earliest.
fn streak_reached(j: &Journey<'_>, days: i64) -> (i64, Option<DateTime<Utc>>) {
    let mut last: Option<NaiveDate> = None;
    let mut run = 0_i64;
    let mut longest = 0_i64;
    let mut at = None;
    for c in j.completed() {
        if last == Some(c.day) {
            continue;
        }
        run = if last.and_then(|d| d.succ_opt()) == Some(c.day) {
            run + 1
        } else {
            1
        };
        last = Some(c.day);
        longest = longest.max(run);
        if at.is_none() && run >= days {
            at = Some(c.session.started_at);
        }
    }
    (longest, at)
}
