//! Stories, their illustrations and the generation requests around them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomEventId, HeroId, IllustrationId, StoryId};

use crate::validate::{Checker, FieldErrors, Lines, Validate};

/// Story languages.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Language {
    #[default]
    En,
    Fr,
    Es,
    De,
    It,
}

impl Language {
    /// Every language, in declaration order.
    pub const ALL: [Language; 5] = [Self::En, Self::Fr, Self::Es, Self::De, Self::It];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::De => "de",
            Self::It => "it",
        }
    }

    /// Parse an ISO 639-1 code.
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "en" => Self::En,
            "fr" => Self::Fr,
            "es" => Self::Es,
            "de" => Self::De,
            "it" => Self::It,
            _ => return None,
        })
    }
}

/// Narration voices (OpenAI's names; the built-in narrator maps each to one of its own).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Voice {
    Alloy,
    Ash,
    Coral,
    Echo,
    #[default]
    Fable,
    Nova,
    Onyx,
    Sage,
    Shimmer,
}

impl Voice {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Alloy => "alloy",
            Self::Ash => "ash",
            Self::Coral => "coral",
            Self::Echo => "echo",
            Self::Fable => "fable",
            Self::Nova => "nova",
            Self::Onyx => "onyx",
            Self::Sage => "sage",
            Self::Shimmer => "shimmer",
        }
    }

    /// Parse a wire name.
    pub fn from_name(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// Built-in occasions a story can be written for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum EventType {
    Bedtime,
    SchoolDay,
    Birthday,
    Weekend,
    RainyDay,
    Family,
    Friendship,
    Holiday,
    Adventure,
    Learning,
    NewSibling,
    DoctorVisit,
}

impl EventType {
    /// Every built-in occasion, in declaration order.
    pub const ALL: [EventType; 12] = [
        Self::Bedtime,
        Self::SchoolDay,
        Self::Birthday,
        Self::Weekend,
        Self::RainyDay,
        Self::Family,
        Self::Friendship,
        Self::Holiday,
        Self::Adventure,
        Self::Learning,
        Self::NewSibling,
        Self::DoctorVisit,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bedtime => "bedtime",
            Self::SchoolDay => "schoolDay",
            Self::Birthday => "birthday",
            Self::Weekend => "weekend",
            Self::RainyDay => "rainyDay",
            Self::Family => "family",
            Self::Friendship => "friendship",
            Self::Holiday => "holiday",
            Self::Adventure => "adventure",
            Self::Learning => "learning",
            Self::NewSibling => "newSibling",
            Self::DoctorVisit => "doctorVisit",
        }
    }

    /// Parse a wire name.
    pub fn from_name(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// How long a story should take to read aloud, as the parent picks it on creation.
///
/// A length is a listening time, not a word count: the words it takes depend on how fast the
/// narrator reads, and narration for small children is read more slowly (see
/// [`StoryLength::words_per_minute`]). Providers turn it into words with
/// [`StoryLength::target_words`], so the built-in and OpenAI writers aim at the same thing.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StoryLength {
    /// About 2 minutes of narration.
    Short,
    /// About 5 minutes.
    Medium,
    /// About 10 minutes.
    Long,
}

impl StoryLength {
    /// Every length, shortest first.
    pub const ALL: [StoryLength; 3] = [Self::Short, Self::Medium, Self::Long];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Short => "short",
            Self::Medium => "medium",
            Self::Long => "long",
        }
    }

    /// Parse a wire name.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "short" => Some(Self::Short),
            "medium" => Some(Self::Medium),
            "long" => Some(Self::Long),
            _ => None,
        }
    }

    /// Minutes of narration this length aims at.
    pub fn minutes(self) -> u32 {
        match self {
            Self::Short => 2,
            Self::Medium => 5,
            Self::Long => 10,
        }
    }

    /// The length used when neither the request nor the profile picks one: short for
    /// children up to 5 (their attention span), medium from 6. This keeps the age-based
    /// default stories had before lengths existed.
    pub fn for_age(age: i64) -> Self {
        if age <= 5 { Self::Short } else { Self::Medium }
    }

    /// The narrator's pace for a child of `age`, in words per minute: bedtime narration is
    /// slower than conversation (the built-in voices read at 130–150), and slower still for
    /// the youngest listeners.
    pub fn words_per_minute(age: i64) -> u32 {
        match age {
            ..=5 => 110,
            6..=8 => 125,
            _ => 140,
        }
    }

    /// Words a story of this length should have for a child of `age`.
    pub fn target_words(self, age: i64) -> u32 {
        self.minutes() * Self::words_per_minute(age)
    }
}

/// Status of one generated artefact (audio, one illustration).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum GenerationStatus {
    #[default]
    None,
    Pending,
    Processing,
    Completed,
    Failed,
}

/// Status of a story's set of illustrations.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum IllustrationStatus {
    #[default]
    None,
    Pending,
    Processing,
    Completed,
    Partial,
    Failed,
}

/// One picture of a story, shown while the narration passes `audioTimestamp`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Illustration {
    pub id: IllustrationId,
    /// The story it belongs to (needed by sync clients, which get illustrations on their own).
    pub story_id: StoryId,
    pub display_order: i64,
    pub image_url: Option<String>,
    pub scene_description: String,
    /// Seconds into the narration.
    pub audio_timestamp: f64,
    pub generation_status: GenerationStatus,
    pub generation_error: Option<String>,
}

/// A story as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Story {
    pub id: StoryId,
    pub title: String,
    pub content: String,
    pub hero_id: HeroId,
    pub event_type: Option<EventType>,
    pub custom_event_id: Option<CustomEventId>,
    pub language: Language,
    pub audio_url: Option<String>,
    /// Seconds.
    pub audio_duration: Option<f64>,
    pub audio_generation_status: GenerationStatus,
    /// The text (title, content or language) changed after the narration was made: the old
    /// audio still plays, and `POST /api/stories/{id}/audio` with `regenerate: true`
    /// narrates the new text.
    #[serde(default)]
    pub audio_stale: bool,
    /// The length the story was written for; `null` for imported stories and stories
    /// written before lengths existed.
    #[serde(default)]
    pub length: Option<StoryLength>,
    pub illustration_status: IllustrationStatus,
    pub illustration_count: i64,
    pub is_favorite: bool,
    /// The (imported) text failed the child-safety screening: kept for the parent, but not
    /// narrated or illustrated until the parent approves it (`POST /api/stories/{id}/approve`,
    /// which clears the flag).
    #[serde(default)]
    pub content_flagged: bool,
    pub play_count: i64,
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_played_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::time::millis")]
    pub updated_at: DateTime<Utc>,
    /// Present on `GET /api/stories/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illustrations: Option<Vec<Illustration>>,
}

/// `POST /api/stories` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct StoryCreate {
    #[serde(default)]
    pub id: Option<StoryId>,
    pub hero_id: HeroId,
    #[serde(default)]
    pub event_type: Option<EventType>,
    #[serde(default)]
    pub custom_event_id: Option<CustomEventId>,
    pub language: Language,
    #[serde(default)]
    pub generate_audio: bool,
    #[serde(default)]
    pub generate_illustrations: bool,
    #[serde(default)]
    pub voice: Option<Voice>,
    /// How long the written story should be; without it, the profile's
    /// `defaultStoryLength`, else by the hero's age ([`StoryLength::for_age`]). Ignored for
    /// imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<StoryLength>,
    /// With `content`: import the story as written, without generation.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

impl StoryCreate {
    /// Whether this create imports a written story instead of generating one.
    pub fn is_import(&self) -> bool {
        self.title.is_some() && self.content.is_some()
    }

    /// Whether `story` answers a retried create of this body with the same id: the same hero,
    /// occasion and language, and for an import the same words. A generated story's words
    /// are the server's, so a retry cannot repeat them and they are not compared.
    pub fn same_content(&self, story: &Story) -> bool {
        story.hero_id == self.hero_id
            && story.event_type == self.event_type
            && story.custom_event_id == self.custom_event_id
            && story.language == self.language
            && (self.is_import() || self.length.is_none() || story.length == self.length)
            && (!self.is_import()
                || (self.title.as_deref() == Some(story.title.as_str())
                    && self.content.as_deref() == Some(story.content.as_str())))
    }
}

impl Validate for StoryCreate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        match (self.event_type, self.custom_event_id) {
            (Some(_), Some(_)) => {
                c.error(
                    "eventType",
                    "give either eventType or customEventId, not both",
                );
            }
            (None, None) => {
                c.error("eventType", "give an eventType or a customEventId");
            }
            _ => {}
        }
        match (&self.title, &self.content) {
            (Some(t), Some(b)) => {
                c.text("title", t, 1, 200, Lines::Single);
                c.text("content", b, 1, 50_000, Lines::Multi);
            }
            (Some(_), None) => c.error(
                "content",
                "an imported story needs content as well as a title",
            ),
            (None, Some(_)) => c.error(
                "title",
                "an imported story needs a title as well as content",
            ),
            (None, None) => {}
        }
        c.finish()
    }
}

/// `PATCH /api/stories/{id}` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct StoryUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    /// The language the text is written in (a parent may translate a story by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

impl StoryUpdate {
    /// Whether this patch changes what the narration reads (title, content or language), so
    /// existing audio no longer matches the text. A patch that only sets the same values is
    /// judged by the store against the stored row; this is the field-level rule.
    pub fn touches_text(&self) -> bool {
        self.title.is_some() || self.content.is_some() || self.language.is_some()
    }
}

impl Validate for StoryUpdate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(t) = &self.title {
            c.text("title", t, 1, 200, Lines::Single);
        }
        if let Some(b) = &self.content {
            c.text("content", b, 1, 50_000, Lines::Multi);
        }
        c.finish()
    }
}

/// `POST /api/stories/{id}/play` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    /// Plays to add (1–100, default 1).
    #[serde(default)]
    pub count: Option<i64>,
    /// The client's id for this play, so that a retry after a lost answer counts nothing: a
    /// play whose id was already counted answers the story unchanged. Remembered like a sync
    /// `mutationId` (30 days, one id space with them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_id: Option<uuid::Uuid>,
}

impl Validate for PlayRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(n) = self.count {
            c.range("count", n, 1, 100);
        }
        c.finish()
    }
}

/// `POST /api/stories/{id}/audio` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct AudioRequest {
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub voice: Option<Voice>,
    /// Narrate again even if a completed narration exists. Without it, a completed narration
    /// that still matches the text (`audioStale: false`) is answered as it is, so a repeated
    /// tap costs no quota.
    #[serde(default)]
    pub regenerate: bool,
}

impl Validate for AudioRequest {
    /// Both fields are enums, checked by deserialization; nothing else can be wrong.
    fn validate(&self) -> Result<(), FieldErrors> {
        Ok(())
    }
}

/// `GET /api/stories/{id}/illustrations/status` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct IllustrationStatusResponse {
    pub status: IllustrationStatus,
    pub total: i64,
    pub completed: i64,
    pub failed: i64,
    pub illustrations: Vec<Illustration>,
}
