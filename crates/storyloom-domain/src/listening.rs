//! Listening sessions: one record per listen of a story, made by the client as it plays.
//!
//! A session is written once and never edited (a listen happened or it did not), so the
//! entity has a create and a delete but no update. The stored `durationSeconds` is what the
//! client sent; the journey figures cap it (see [`crate::journey`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HeroId, ListeningSessionId, StoryId};
use crate::validate::{Checker, FieldErrors, Validate};

/// Longest session accepted: a day. Anything longer is a clock or player bug.
pub const MAX_SESSION_SECONDS: i64 = 86_400;

/// A listening session as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ListeningSession {
    pub id: ListeningSessionId,
    pub story_id: StoryId,
    /// The story's hero when the session was recorded, so the figures per hero survive the
    /// story's deletion.
    pub hero_id: HeroId,
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: DateTime<Utc>,
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: i64,
    pub completed: bool,
    pub version: i64,
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
}

/// `POST /api/listening-sessions` body (and the `fields` of a sync `create`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ListeningSessionCreate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ListeningSessionId>,
    pub story_id: StoryId,
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub started_at: DateTime<Utc>,
    #[serde(default, with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<DateTime<Utc>>,
    /// Seconds listened, 0–86400.
    pub duration_seconds: i64,
    pub completed: bool,
}

impl Validate for ListeningSessionCreate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        c.range(
            "durationSeconds",
            self.duration_seconds,
            0,
            MAX_SESSION_SECONDS,
        );
        if let Some(end) = self.ended_at
            && end < self.started_at
        {
            c.error("endedAt", "must not be before startedAt");
        }
        c.finish()
    }
}

impl ListeningSessionCreate {
    /// Whether `s` holds exactly what this body asks for (a retried create with the same id).
    /// Times are compared at the stored millisecond precision.
    pub fn same_content(&self, s: &ListeningSession) -> bool {
        let ms = |t: DateTime<Utc>| t.timestamp_millis();
        s.story_id == self.story_id
            && ms(s.started_at) == ms(self.started_at)
            && s.ended_at.map(ms) == self.ended_at.map(ms)
            && s.duration_seconds == self.duration_seconds
            && s.completed == self.completed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn body() -> ListeningSessionCreate {
        ListeningSessionCreate {
            id: None,
            story_id: StoryId::default(),
            started_at: crate::time::from_millis(1_000_000),
            ended_at: Some(crate::time::from_millis(1_060_000)),
            duration_seconds: 60,
            completed: true,
        }
    }

    #[test]
    fn duration_and_end_are_checked() {
        assert!(body().validate().is_ok());
        let mut b = body();
        b.duration_seconds = 86_401;
        b.ended_at = Some(crate::time::from_millis(0));
        let errs = b.validate().unwrap_err();
        assert!(errs.contains_key("durationSeconds"));
        assert!(errs.contains_key("endedAt"));
        b.duration_seconds = -1;
        assert!(b.validate().unwrap_err().contains_key("durationSeconds"));
    }

    #[test]
    fn same_content_compares_every_field_sent() {
        let b = body();
        let s = ListeningSession {
            id: ListeningSessionId::default(),
            story_id: b.story_id,
            hero_id: HeroId::default(),
            started_at: b.started_at,
            ended_at: b.ended_at,
            duration_seconds: 60,
            completed: true,
            version: 1,
            created_at: b.started_at,
        };
        assert!(b.same_content(&s));
        let mut other = b.clone();
        other.completed = false;
        assert!(!other.same_content(&s));
        let mut other = b;
        other.ended_at = None;
        assert!(!other.same_content(&s));
    }
}
