//! Custom events.

use super::*;

/// A family's own occasion to write stories for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomEvent {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// What the stories should be about.
    pub prompt_seed: String,
    /// Category.
    pub category: EventCategory,
    /// Age band.
    pub age_range: Option<AgeRange>,
    /// Mood.
    pub tone: EventTone,
    /// One emoji.
    pub pictogram_emoji: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Whether the AI enhanced it.
    pub ai_enhanced: bool,
    /// Stories written for it.
    pub usage_count: i64,
    /// Favourite flag.
    pub is_favorite: bool,
    /// Last used for a story.
    pub last_used_at: Option<SystemTime>,
    /// Server version (0 until the first sync).
    pub version: i64,
    /// Created.
    pub created_at: SystemTime,
    /// Last changed.
    pub updated_at: SystemTime,
}

impl From<d::CustomEvent> for CustomEvent {
    fn from(e: d::CustomEvent) -> Self {
        Self {
            id: e.id.to_string(),
            title: e.title,
            description: e.description,
            prompt_seed: e.prompt_seed,
            category: e.category.into(),
            age_range: e.age_range.map(Into::into),
            tone: e.tone.into(),
            pictogram_emoji: e.pictogram_emoji,
            keywords: e.keywords,
            ai_enhanced: e.ai_enhanced,
            usage_count: e.usage_count,
            is_favorite: e.is_favorite,
            last_used_at: e.last_used_at.map(Into::into),
            version: e.version,
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
        }
    }
}

/// A new custom event. Title 1–100 characters, prompt seed 1–1000.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCustomEvent {
    /// Title.
    pub title: String,
    /// What the stories should be about.
    pub prompt_seed: String,
    /// Description (≤ 500 characters).
    #[uniffi(default)]
    pub description: Option<String>,
    /// Category (General when not given).
    #[uniffi(default)]
    pub category: Option<EventCategory>,
    /// Age band.
    #[uniffi(default)]
    pub age_range: Option<AgeRange>,
    /// Mood (Cheerful when not given).
    #[uniffi(default)]
    pub tone: Option<EventTone>,
    /// One emoji.
    #[uniffi(default)]
    pub pictogram_emoji: Option<String>,
    /// Up to 10 keywords.
    #[uniffi(default)]
    pub keywords: Vec<String>,
    /// Favourite flag.
    #[uniffi(default)]
    pub is_favorite: bool,
}

impl From<NewCustomEvent> for d::CustomEventCreate {
    fn from(e: NewCustomEvent) -> Self {
        Self {
            id: None,
            title: e.title,
            description: non_empty(e.description),
            prompt_seed: e.prompt_seed,
            category: e.category.map(Into::into),
            age_range: e.age_range.map(Into::into),
            tone: e.tone.map(Into::into),
            pictogram_emoji: non_empty(e.pictogram_emoji),
            keywords: (!e.keywords.is_empty()).then_some(e.keywords),
            is_favorite: Some(e.is_favorite),
        }
    }
}

/// An edit of a custom event: `None` leaves a field as it is; `pictogram_emoji = ""` and
/// `clear_age_range = true` clear those.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct CustomEventPatch {
    /// New title.
    #[uniffi(default)]
    pub title: Option<String>,
    /// New description.
    #[uniffi(default)]
    pub description: Option<String>,
    /// New prompt seed.
    #[uniffi(default)]
    pub prompt_seed: Option<String>,
    /// New category.
    #[uniffi(default)]
    pub category: Option<EventCategory>,
    /// New age band.
    #[uniffi(default)]
    pub age_range: Option<AgeRange>,
    /// Remove the age band (wins over `age_range`).
    #[uniffi(default)]
    pub clear_age_range: bool,
    /// New mood.
    #[uniffi(default)]
    pub tone: Option<EventTone>,
    /// New emoji (`""` clears).
    #[uniffi(default)]
    pub pictogram_emoji: Option<String>,
    /// New keywords.
    #[uniffi(default)]
    pub keywords: Option<Vec<String>>,
    /// New favourite flag.
    #[uniffi(default)]
    pub is_favorite: Option<bool>,
}

impl From<CustomEventPatch> for d::CustomEventUpdate {
    fn from(p: CustomEventPatch) -> Self {
        let age_range = if p.clear_age_range {
            Some(None)
        } else {
            p.age_range.map(|a| Some(a.into()))
        };
        Self {
            title: p.title,
            description: p.description,
            prompt_seed: p.prompt_seed,
            category: p.category.map(Into::into),
            age_range,
            tone: p.tone.map(Into::into),
            pictogram_emoji: clearable(p.pictogram_emoji),
            keywords: p.keywords,
            is_favorite: p.is_favorite,
        }
    }
}
