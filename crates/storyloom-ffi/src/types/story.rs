//! Stories and their illustrations.

use super::*;

/// A story as the app shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Story {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The text.
    pub content: String,
    /// The hero it is about.
    pub hero_id: String,
    /// The built-in occasion, if it was written for one.
    pub event_type: Option<EventType>,
    /// The custom event, if it was written for one.
    pub custom_event_id: Option<String>,
    /// Language.
    pub language: Language,
    /// The narration (fetch it through `MediaCache.fetch`).
    pub audio_url: Option<String>,
    /// Narration length in seconds.
    pub audio_duration: Option<f64>,
    /// Where the narration is in its making.
    pub audio_generation_status: GenerationStatus,
    /// The text changed after the narration was made (the old audio still plays; narrate
    /// again with `regenerate`).
    pub audio_stale: bool,
    /// The length it was written for (none for imports).
    pub length: Option<StoryLength>,
    /// Where the illustrations are in their making.
    pub illustration_status: IllustrationStatus,
    /// How many illustrations the story has.
    pub illustration_count: i64,
    /// Favourite flag.
    pub is_favorite: bool,
    /// An import that failed the child-safety screening: kept, but not narrated or illustrated
    /// until the parent approves it (show it as such).
    pub content_flagged: bool,
    /// Times played, on all devices.
    pub play_count: i64,
    /// Last played.
    pub last_played_at: Option<SystemTime>,
    /// Server version (0 until the first sync).
    pub version: i64,
    /// Created.
    pub created_at: SystemTime,
    /// Last changed.
    pub updated_at: SystemTime,
}

impl From<d::Story> for Story {
    fn from(s: d::Story) -> Self {
        Self {
            id: s.id.to_string(),
            title: s.title,
            content: s.content,
            hero_id: s.hero_id.to_string(),
            event_type: s.event_type.map(Into::into),
            custom_event_id: s.custom_event_id.map(|i| i.to_string()),
            language: s.language.into(),
            audio_url: s.audio_url,
            audio_duration: s.audio_duration,
            audio_generation_status: s.audio_generation_status.into(),
            audio_stale: s.audio_stale,
            length: s.length.map(Into::into),
            illustration_status: s.illustration_status.into(),
            illustration_count: s.illustration_count,
            is_favorite: s.is_favorite,
            content_flagged: s.content_flagged,
            play_count: s.play_count,
            last_played_at: s.last_played_at.map(Into::into),
            version: s.version,
            created_at: s.created_at.into(),
            updated_at: s.updated_at.into(),
        }
    }
}

/// One picture of a story, shown while the narration passes `audio_timestamp`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Illustration {
    /// Id.
    pub id: String,
    /// The story.
    pub story_id: String,
    /// Position.
    pub display_order: i64,
    /// The picture (fetch it through `MediaCache.fetch`).
    pub image_url: Option<String>,
    /// What it shows.
    pub scene_description: String,
    /// Seconds into the narration.
    pub audio_timestamp: f64,
    /// Where it is in its making.
    pub generation_status: GenerationStatus,
    /// Why it failed.
    pub generation_error: Option<String>,
}

impl From<d::Illustration> for Illustration {
    fn from(i: d::Illustration) -> Self {
        Self {
            id: i.id.to_string(),
            story_id: i.story_id.to_string(),
            display_order: i.display_order,
            image_url: i.image_url,
            scene_description: i.scene_description,
            audio_timestamp: i.audio_timestamp,
            generation_status: i.generation_status.into(),
            generation_error: i.generation_error,
        }
    }
}

/// A new story. With `title` and `content` it is an import: stored on the device and synced
/// later (works offline). Without them the server writes it (needs a connection). Give
/// exactly one of `event_type` and `custom_event_id`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewStory {
    /// The hero.
    pub hero_id: String,
    /// Language.
    pub language: Language,
    /// A built-in occasion.
    #[uniffi(default)]
    pub event_type: Option<EventType>,
    /// Or a custom event's id.
    #[uniffi(default)]
    pub custom_event_id: Option<String>,
    /// Narrate it right away (generated stories only).
    #[uniffi(default)]
    pub generate_audio: bool,
    /// Illustrate it right away (generated stories only).
    #[uniffi(default)]
    pub generate_illustrations: bool,
    /// Narration voice (none: one that fits the hero's traits).
    #[uniffi(default)]
    pub voice: Option<Voice>,
    /// How long the written story is (none: the profile's default, else by age).
    #[uniffi(default)]
    pub length: Option<StoryLength>,
    /// Title of an imported story.
    #[uniffi(default)]
    pub title: Option<String>,
    /// Text of an imported story.
    #[uniffi(default)]
    pub content: Option<String>,
}

impl TryFrom<NewStory> for d::StoryCreate {
    type Error = StoryloomError;

    fn try_from(s: NewStory) -> Result<Self, StoryloomError> {
        Ok(Self {
            id: None,
            hero_id: parse_id("heroId", &s.hero_id)?,
            event_type: s.event_type.map(Into::into),
            custom_event_id: parse_opt_id("customEventId", s.custom_event_id)?,
            language: s.language.into(),
            generate_audio: s.generate_audio,
            generate_illustrations: s.generate_illustrations,
            voice: s.voice.map(Into::into),
            length: s.length.map(Into::into),
            title: s.title,
            content: s.content,
        })
    }
}

/// An edit of a story: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct StoryPatch {
    /// New title.
    #[uniffi(default)]
    pub title: Option<String>,
    /// New text.
    #[uniffi(default)]
    pub content: Option<String>,
    /// New favourite flag.
    #[uniffi(default)]
    pub is_favorite: Option<bool>,
    /// New language of the text (marks narration stale).
    #[uniffi(default)]
    pub language: Option<Language>,
}

impl From<StoryPatch> for d::StoryUpdate {
    fn from(p: StoryPatch) -> Self {
        Self {
            title: p.title,
            content: p.content,
            is_favorite: p.is_favorite,
            language: p.language.map(Into::into),
        }
    }
}

/// Progress of a story's illustrations.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IllustrationProgress {
    /// Overall status.
    pub status: IllustrationStatus,
    /// Pictures asked for.
    pub total: i64,
    /// Pictures drawn.
    pub completed: i64,
    /// Pictures failed.
    pub failed: i64,
    /// The pictures.
    pub illustrations: Vec<Illustration>,
}

impl From<d::IllustrationStatusResponse> for IllustrationProgress {
    fn from(r: d::IllustrationStatusResponse) -> Self {
        Self {
            status: r.status.into(),
            total: r.total,
            completed: r.completed,
            failed: r.failed,
            illustrations: r.illustrations.into_iter().map(Into::into).collect(),
        }
    }
}
