//! Custom events: a family's own occasions ("first day at the new pool") to write stories for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::CustomEventId;

use crate::validate::{Checker, FieldErrors, Lines, Validate};

/// Event categories.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum EventCategory {
    #[default]
    General,
    Adventure,
    Learning,
    Family,
    Friendship,
    School,
    Holiday,
    Bedtime,
    Nature,
    Feelings,
}

/// The mood a custom event's stories should have.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum EventTone {
    #[default]
    Cheerful,
    Calming,
    Exciting,
    Gentle,
    Funny,
    Heartwarming,
}

/// Age bands a custom event is meant for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum AgeRange {
    #[serde(rename = "3-5")]
    Small,
    #[serde(rename = "6-8")]
    Middle,
    #[serde(rename = "9-12")]
    Older,
}

/// A custom event as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CustomEvent {
    pub id: CustomEventId,
    pub title: String,
    pub description: String,
    pub prompt_seed: String,
    pub category: EventCategory,
    pub age_range: Option<AgeRange>,
    pub tone: EventTone,
    pub pictogram_emoji: Option<String>,
    pub keywords: Vec<String>,
    pub ai_enhanced: bool,
    pub usage_count: i64,
    pub is_favorite: bool,
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::time::millis")]
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/custom-events` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CustomEventCreate {
    #[serde(default)]
    pub id: Option<CustomEventId>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub prompt_seed: String,
    #[serde(default)]
    pub category: Option<EventCategory>,
    #[serde(default)]
    pub age_range: Option<AgeRange>,
    #[serde(default)]
    pub tone: Option<EventTone>,
    #[serde(default)]
    pub pictogram_emoji: Option<String>,
    #[serde(default)]
    pub keywords: Option<Vec<String>>,
    #[serde(default)]
    pub is_favorite: Option<bool>,
}

/// `PATCH /api/custom-events/{id}` body; `null` clears `ageRange` and `pictogramEmoji`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CustomEventUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_seed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<EventCategory>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<AgeRange>))]
    pub age_range: Option<Option<AgeRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<EventTone>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pictogram_emoji: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
}

fn check_keywords(c: &mut Checker, keywords: &[String]) {
    if keywords.len() > 10 {
        c.error("keywords", "at most 10 keywords");
    }
    for (i, k) in keywords.iter().enumerate() {
        c.text(&format!("keywords[{i}]"), k, 1, 30, Lines::Single);
    }
}

fn check_emoji(c: &mut Checker, e: Option<&str>) {
    // One pictogram: a few code points at most (flags and skin tones take several).
    c.opt_text("pictogramEmoji", e, 16, Lines::Single);
}

impl Validate for CustomEventCreate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        c.text("title", &self.title, 1, 100, Lines::Single);
        c.opt_text(
            "description",
            self.description.as_deref(),
            500,
            Lines::Multi,
        );
        c.text("promptSeed", &self.prompt_seed, 1, 1000, Lines::Multi);
        check_emoji(&mut c, self.pictogram_emoji.as_deref());
        check_keywords(&mut c, self.keywords.as_deref().unwrap_or_default());
        c.finish()
    }
}

impl Validate for CustomEventUpdate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(t) = &self.title {
            c.text("title", t, 1, 100, Lines::Single);
        }
        c.opt_text(
            "description",
            self.description.as_deref(),
            500,
            Lines::Multi,
        );
        if let Some(p) = &self.prompt_seed {
            c.text("promptSeed", p, 1, 1000, Lines::Multi);
        }
        check_emoji(
            &mut c,
            self.pictogram_emoji.as_ref().and_then(|e| e.as_deref()),
        );
        check_keywords(&mut c, self.keywords.as_deref().unwrap_or_default());
        c.finish()
    }
}

impl CustomEventCreate {
    /// Whether `ev` holds exactly what this body asks for (idempotent create).
    pub fn same_content(&self, ev: &CustomEvent) -> bool {
        ev.title == self.title
            && ev.description == self.description.clone().unwrap_or_default()
            && ev.prompt_seed == self.prompt_seed
            && ev.category == self.category.unwrap_or_default()
            && ev.age_range == self.age_range
            && ev.tone == self.tone.unwrap_or_default()
            && ev.pictogram_emoji == self.pictogram_emoji
            && ev.keywords == self.keywords.clone().unwrap_or_default()
            && ev.is_favorite == self.is_favorite.unwrap_or(false)
    }
}
