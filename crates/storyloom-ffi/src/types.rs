//! FFI mirrors of the domain and client-core types.
//!
//! The core and the domain crate stay free of `uniffi` derives (STYLE.md §19): these are
//! separate records and enums with `From` conversions. They are shaped for Swift and Kotlin
//! rather than for the wire: ids are strings (parsed back with a field-named
//! [`StoryloomError::InvalidInput`]), times are `SystemTime` (Swift `Date`, Kotlin `Instant`,
//! Python `datetime`), JSON payloads of conflicts are JSON text, and "clear this optional
//! field" — a `null` in a PATCH, which Kotlin cannot express as a nested optional — is an
//! empty string (or a `clear_*` flag for enums).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use storyloom_client as core;
use storyloom_domain as d;
use uuid::Uuid;

use crate::error::StoryloomError;

/// Declare an FFI enum that mirrors a fieldless domain enum variant for variant, with `From`
/// both ways (an exhaustive match, so a new domain variant fails the build here).
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $name:ident = $dom:ty {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<$dom> for $name {
            fn from(v: $dom) -> Self {
                type Src = $dom;
                match v {
                    $( Src::$variant => Self::$variant ),+
                }
            }
        }

        impl From<$name> for $dom {
            fn from(v: $name) -> Self {
                type Dst = $dom;
                match v {
                    $( $name::$variant => Dst::$variant ),+
                }
            }
        }
    };
}

mirror_enum! {
    /// Personality traits a hero can have.
    HeroTrait = d::HeroTrait {
        /// Brave.
        Brave,
        /// Curious.
        Curious,
        /// Kind.
        Kind,
        /// Funny.
        Funny,
        /// Clever.
        Clever,
        /// Creative.
        Creative,
        /// Adventurous.
        Adventurous,
        /// Gentle.
        Gentle,
        /// Helpful.
        Helpful,
        /// Caring.
        Caring,
        /// Patient.
        Patient,
        /// Energetic.
        Energetic,
        /// Shy.
        Shy,
        /// Imaginative.
        Imaginative,
        /// Determined.
        Determined,
        /// Honest.
        Honest,
        /// Playful.
        Playful,
        /// Calm.
        Calm,
    }
}

mirror_enum! {
    /// Where a hero's avatar picture is in its making.
    AvatarStatus = d::AvatarStatus {
        /// Never asked for.
        None,
        /// Queued on the server.
        Pending,
        /// Being drawn.
        Processing,
        /// `avatar_url` is set.
        Completed,
        /// Drawing failed; ask again.
        Failed,
    }
}

mirror_enum! {
    /// Story languages.
    Language = d::Language {
        /// English.
        En,
        /// French.
        Fr,
        /// Spanish.
        Es,
        /// German.
        De,
        /// Italian.
        It,
    }
}

mirror_enum! {
    /// How long a story is read aloud: about 2, 5 or 10 minutes.
    StoryLength = d::StoryLength {
        /// About 2 minutes.
        Short,
        /// About 5 minutes.
        Medium,
        /// About 10 minutes.
        Long,
    }
}

mirror_enum! {
    /// Narration voices.
    Voice = d::Voice {
        /// Alloy.
        Alloy,
        /// Ash.
        Ash,
        /// Coral.
        Coral,
        /// Echo.
        Echo,
        /// Fable (the default).
        Fable,
        /// Nova.
        Nova,
        /// Onyx.
        Onyx,
        /// Sage.
        Sage,
        /// Shimmer.
        Shimmer,
    }
}

mirror_enum! {
    /// Built-in occasions a story can be written for.
    EventType = d::EventType {
        /// Bedtime.
        Bedtime,
        /// A school day.
        SchoolDay,
        /// A birthday.
        Birthday,
        /// The weekend.
        Weekend,
        /// A rainy day.
        RainyDay,
        /// Family.
        Family,
        /// Friendship.
        Friendship,
        /// A holiday.
        Holiday,
        /// An adventure.
        Adventure,
        /// Learning something.
        Learning,
        /// A new sibling.
        NewSibling,
        /// A visit to the doctor.
        DoctorVisit,
    }
}

mirror_enum! {
    /// Status of one generated artefact (narration, one illustration).
    GenerationStatus = d::GenerationStatus {
        /// Never asked for.
        None,
        /// Queued.
        Pending,
        /// Being made.
        Processing,
        /// Ready.
        Completed,
        /// Failed; ask again.
        Failed,
    }
}

mirror_enum! {
    /// Status of a story's set of illustrations.
    IllustrationStatus = d::IllustrationStatus {
        /// Never asked for.
        None,
        /// Queued.
        Pending,
        /// Being drawn.
        Processing,
        /// All drawn.
        Completed,
        /// Some drawn, some failed.
        Partial,
        /// All failed.
        Failed,
    }
}

mirror_enum! {
    /// Custom event categories.
    EventCategory = d::EventCategory {
        /// General (the default).
        General,
        /// Adventure.
        Adventure,
        /// Learning.
        Learning,
        /// Family.
        Family,
        /// Friendship.
        Friendship,
        /// School.
        School,
        /// Holiday.
        Holiday,
        /// Bedtime.
        Bedtime,
        /// Nature.
        Nature,
        /// Feelings.
        Feelings,
    }
}

mirror_enum! {
    /// The mood of a custom event's stories.
    EventTone = d::EventTone {
        /// Cheerful (the default).
        Cheerful,
        /// Calming.
        Calming,
        /// Exciting.
        Exciting,
        /// Gentle.
        Gentle,
        /// Funny.
        Funny,
        /// Heartwarming.
        Heartwarming,
    }
}

mirror_enum! {
    /// Age bands a custom event is meant for.
    AgeRange = d::AgeRange {
        /// 3–5 years.
        Small,
        /// 6–8 years.
        Middle,
        /// 9–12 years.
        Older,
    }
}

mirror_enum! {
    /// Synced entity kinds.
    EntityKind = d::EntityKind {
        /// A hero.
        Hero,
        /// A story.
        Story,
        /// A story's illustration.
        Illustration,
        /// A custom event.
        CustomEvent,
        /// A listening session.
        ListeningSession,
    }
}

mirror_enum! {
    /// Where a local row stands with the server, for "not synced yet" badges.
    SyncStatus = core::SyncStatus {
        /// Equal to the last server copy.
        Synced,
        /// Made on this device, not yet on the server.
        PendingCreate,
        /// Edited on this device, not yet on the server.
        PendingUpdate,
        /// Deleted on this device (hidden), not yet on the server.
        PendingDelete,
        /// The server refused the change; see `SyncInfo.error`.
        Failed,
        /// Clashed with an edit from another device; see `SyncEngine.conflicts()`.
        Conflict,
    }
}

mirror_enum! {
    /// Kinds of queued change.
    MutationOp = d::MutationOp {
        /// Create.
        Create,
        /// Edit.
        Update,
        /// Delete.
        Delete,
        /// Play-count increment.
        Increment,
    }
}

mirror_enum! {
    /// State of a queued change.
    OutboxState = core::OutboxState {
        /// Waiting to be sent (or being retried).
        Queued,
        /// Refused by the server; waits for `retry_failed` or `discard_failed`.
        Failed,
    }
}

mirror_enum! {
    /// What clashed in a conflict.
    ConflictKind = core::ConflictKind {
        /// Both devices edited the same text.
        Edit,
        /// Edited here, deleted on another device.
        DeletedOnServer,
    }
}

mirror_enum! {
    /// What a cached media file is, which decides how long it is kept.
    MediaKind = core::MediaKind {
        /// A hero's picture (kept).
        Avatar,
        /// A story's narration (30 days by default).
        Audio,
        /// A story's picture (14 days by default).
        Illustration,
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Parse an id the app passed back; a bad one names the argument it came in.
pub(crate) fn parse_id<T: From<Uuid>>(field: &str, id: &str) -> Result<T, StoryloomError> {
    Uuid::parse_str(id)
        .map(T::from)
        .map_err(|_| StoryloomError::InvalidInput {
            field: field.to_owned(),
            message: format!("{id:?} is not an id"),
        })
}

fn parse_opt_id<T: From<Uuid>>(
    field: &str,
    id: Option<String>,
) -> Result<Option<T>, StoryloomError> {
    id.map(|s| parse_id(field, &s)).transpose()
}

/// Epoch milliseconds (the core's bookkeeping times) as a `SystemTime`.
pub(crate) fn from_millis(ms: i64) -> SystemTime {
    match u64::try_from(ms) {
        Ok(ms) => UNIX_EPOCH + Duration::from_millis(ms),
        Err(_) => UNIX_EPOCH,
    }
}

/// PATCH semantics for a clearable text field: `None` keeps it, `""` clears it.
fn clearable(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| if s.is_empty() { None } else { Some(s) })
}

/// Empty text is "not given" on create forms.
fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn to_json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

// ---------------------------------------------------------------------------------------------
// Users

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct User {
    /// Account id.
    pub id: String,
    /// Email address (normalised by the server).
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// When the account was made.
    pub created_at: SystemTime,
}

impl From<d::User> for User {
    fn from(u: d::User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email,
            name: u.name,
            created_at: u.created_at.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Heroes

/// A hero as the app shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Hero {
    /// Id (made on the device for heroes created here; kept by the server).
    pub id: String,
    /// Name.
    pub name: String,
    /// Age in years.
    pub age: i64,
    /// Personality traits.
    pub traits: Vec<HeroTrait>,
    /// Special ability.
    pub special_ability: Option<String>,
    /// Free-text looks.
    pub appearance: Option<String>,
    /// Hair colour.
    pub hair_color: Option<String>,
    /// Eye colour.
    pub eye_color: Option<String>,
    /// Skin tone.
    pub skin_tone: Option<String>,
    /// The avatar picture (fetch it through `MediaCache.fetch`).
    pub avatar_url: Option<String>,
    /// Where the avatar is in its making.
    pub avatar_status: AvatarStatus,
    /// Server version (0 until the first sync).
    pub version: i64,
    /// Created.
    pub created_at: SystemTime,
    /// Last changed.
    pub updated_at: SystemTime,
}

impl From<d::Hero> for Hero {
    fn from(h: d::Hero) -> Self {
        Self {
            id: h.id.to_string(),
            name: h.name,
            age: h.age,
            traits: h.traits.into_iter().map(Into::into).collect(),
            special_ability: h.special_ability,
            appearance: h.appearance,
            hair_color: h.hair_color,
            eye_color: h.eye_color,
            skin_tone: h.skin_tone,
            avatar_url: h.avatar_url,
            avatar_status: h.avatar_status.into(),
            version: h.version,
            created_at: h.created_at.into(),
            updated_at: h.updated_at.into(),
        }
    }
}

/// A new hero. Name 1–50 characters, age 1–17, 1–10 distinct traits.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewHero {
    /// Name.
    pub name: String,
    /// Age in years.
    pub age: i64,
    /// Personality traits.
    pub traits: Vec<HeroTrait>,
    /// Special ability (≤ 200 characters).
    #[uniffi(default)]
    pub special_ability: Option<String>,
    /// Free-text looks (≤ 500 characters).
    #[uniffi(default)]
    pub appearance: Option<String>,
    /// Hair colour.
    #[uniffi(default)]
    pub hair_color: Option<String>,
    /// Eye colour.
    #[uniffi(default)]
    pub eye_color: Option<String>,
    /// Skin tone.
    #[uniffi(default)]
    pub skin_tone: Option<String>,
}

impl From<NewHero> for d::HeroCreate {
    fn from(h: NewHero) -> Self {
        Self {
            id: None,
            name: h.name,
            age: h.age,
            traits: h.traits.into_iter().map(Into::into).collect(),
            special_ability: non_empty(h.special_ability),
            appearance: non_empty(h.appearance),
            hair_color: non_empty(h.hair_color),
            eye_color: non_empty(h.eye_color),
            skin_tone: non_empty(h.skin_tone),
        }
    }
}

/// An edit of a hero: `None` leaves a field as it is; for the optional text fields an
/// empty string clears them.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HeroPatch {
    /// New name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// New age.
    #[uniffi(default)]
    pub age: Option<i64>,
    /// New traits.
    #[uniffi(default)]
    pub traits: Option<Vec<HeroTrait>>,
    /// New special ability (`""` clears).
    #[uniffi(default)]
    pub special_ability: Option<String>,
    /// New looks (`""` clears).
    #[uniffi(default)]
    pub appearance: Option<String>,
    /// New hair colour (`""` clears).
    #[uniffi(default)]
    pub hair_color: Option<String>,
    /// New eye colour (`""` clears).
    #[uniffi(default)]
    pub eye_color: Option<String>,
    /// New skin tone (`""` clears).
    #[uniffi(default)]
    pub skin_tone: Option<String>,
}

impl From<HeroPatch> for d::HeroUpdate {
    fn from(p: HeroPatch) -> Self {
        Self {
            name: p.name,
            age: p.age,
            traits: p.traits.map(|t| t.into_iter().map(Into::into).collect()),
            special_ability: clearable(p.special_ability),
            appearance: clearable(p.appearance),
            hair_color: clearable(p.hair_color),
            eye_color: clearable(p.eye_color),
            skin_tone: clearable(p.skin_tone),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stories

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

// ---------------------------------------------------------------------------------------------
// Custom events

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

// ---------------------------------------------------------------------------------------------
// Sync

/// Local sync bookkeeping of one entity.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncInfo {
    /// Where it stands.
    pub status: SyncStatus,
    /// The server's message when it refused a change.
    pub error: Option<String>,
    /// Server version of the last synced copy (0: never synced).
    pub version: i64,
    /// When it last matched the server.
    pub last_synced_at: Option<SystemTime>,
}

impl From<core::SyncInfo> for SyncInfo {
    fn from(i: core::SyncInfo) -> Self {
        Self {
            status: i.status.into(),
            error: i.error,
            version: i.version,
            last_synced_at: i.last_synced_at.map(from_millis),
        }
    }
}

/// What the sync engine is doing, for a status line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// Not syncing; the last sync (if any) succeeded.
    Idle,
    /// A sync is under way.
    Running,
    /// The last sync could not reach the server; local work continues and is kept.
    Offline,
    /// The last sync failed for another reason (signed out, server error).
    Error {
        /// Why.
        message: String,
    },
}

impl From<core::SyncState> for SyncState {
    fn from(s: core::SyncState) -> Self {
        match s {
            core::SyncState::Idle => Self::Idle,
            core::SyncState::Running => Self::Running,
            core::SyncState::Offline => Self::Offline,
            core::SyncState::Error(message) => Self::Error { message },
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Local changes the server applied.
    pub pushed: u64,
    /// Local changes the server refused (see `SyncEngine.outbox()`).
    pub failed: u64,
    /// Local changes that clashed (see `SyncEngine.conflicts()`).
    pub conflicts: u64,
    /// Server changes pulled.
    pub pulled: u64,
    /// Whether the pull had to start over from the beginning.
    pub full_resync: bool,
}

impl From<core::SyncReport> for SyncReport {
    fn from(r: core::SyncReport) -> Self {
        Self {
            pushed: r.pushed as u64,
            failed: r.failed as u64,
            conflicts: r.conflicts as u64,
            pulled: r.pulled as u64,
            full_resync: r.full_resync,
        }
    }
}

/// A local change not yet on the server.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingChange {
    /// Handle for `retry_failed` / `discard_failed`.
    pub seq: i64,
    /// Entity kind.
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: String,
    /// What kind of change.
    pub op: MutationOp,
    /// Queued or refused.
    pub state: OutboxState,
    /// Times it was sent.
    pub attempts: i64,
    /// The server's message when it refused it.
    pub last_error: Option<String>,
    /// When it was made.
    pub created_at: SystemTime,
}

impl From<core::OutboxEntry> for PendingChange {
    fn from(e: core::OutboxEntry) -> Self {
        Self {
            seq: e.seq,
            entity: e.entity.into(),
            entity_id: e.id.to_string(),
            op: e.op.into(),
            state: e.state.into(),
            attempts: e.attempts,
            last_error: e.last_error,
            created_at: from_millis(e.created_at),
        }
    }
}

/// A clash between an edit on this device and one on another, waiting for the app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncConflict {
    /// Handle for `keep_local` / `keep_server`.
    pub id: i64,
    /// Entity kind (stories and custom events have conflicts).
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: String,
    /// What clashed.
    pub kind: ConflictKind,
    /// This device's version of the clashing fields (`{"title":…,"content":…}`), or the whole
    /// local entity when the server deleted it; JSON with the API's camelCase names.
    pub local_json: String,
    /// The server's entity (JSON), or `None` when it was deleted there.
    pub server_json: Option<String>,
    /// When it was found.
    pub created_at: SystemTime,
}

impl From<core::ConflictRecord> for SyncConflict {
    fn from(c: core::ConflictRecord) -> Self {
        Self {
            id: c.seq,
            entity: c.entity.into(),
            entity_id: c.entity_id.to_string(),
            kind: c.kind.into(),
            local_json: to_json_text(&c.local),
            server_json: c.server.as_ref().map(to_json_text),
            created_at: from_millis(c.created_at),
        }
    }
}

/// A change to the cached data, for views that refresh themselves.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum EntityChange {
    /// Created or changed (on this device or by a pull).
    Changed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// Gone.
    Deleted {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// An unsynced edit of a hero was replaced by another device's (heroes: server wins);
    /// `local_json` is what was replaced, for an "your edit was replaced" notice.
    LostLocalEdit {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
        /// The replaced local entity (JSON).
        local_json: String,
    },
    /// A conflict now waits in `SyncEngine.conflicts()`.
    Conflict {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// The server refused a change; it is parked in `SyncEngine.outbox()`.
    MutationFailed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
        /// The server's message.
        message: String,
    },
    /// The observer fell behind and `missed` changes were dropped: reload everything shown.
    Lagged {
        /// How many.
        missed: u64,
    },
}

impl From<core::EntityEvent> for EntityChange {
    fn from(e: core::EntityEvent) -> Self {
        use core::EntityEvent as E;
        match e {
            E::Changed { entity, id } => Self::Changed {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::Deleted { entity, id } => Self::Deleted {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::LostLocalEdit { entity, id, local } => Self::LostLocalEdit {
                entity: entity.into(),
                id: id.to_string(),
                local_json: to_json_text(&local),
            },
            E::Conflict { entity, id } => Self::Conflict {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::MutationFailed {
                entity,
                id,
                message,
            } => Self::MutationFailed {
                entity: entity.into(),
                id: id.to_string(),
                message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_clears_and_none_keeps() {
        let patch = HeroPatch {
            hair_color: Some(String::new()),
            eye_color: Some("green".into()),
            ..Default::default()
        };
        let u = d::HeroUpdate::from(patch);
        assert_eq!(u.hair_color, Some(None));
        assert_eq!(u.eye_color, Some(Some("green".into())));
        assert_eq!(u.skin_tone, None);
        let json = serde_json::to_value(&u).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"hairColor": null, "eyeColor": "green"})
        );
    }

    #[test]
    fn clear_age_range_sends_null() {
        let u = d::CustomEventUpdate::from(CustomEventPatch {
            clear_age_range: true,
            age_range: Some(AgeRange::Small),
            ..Default::default()
        });
        assert_eq!(u.age_range, Some(None));
    }

    #[test]
    fn bad_ids_name_their_field() {
        let err = d::StoryCreate::try_from(NewStory {
            hero_id: "nope".into(),
            language: Language::En,
            event_type: Some(EventType::Bedtime),
            custom_event_id: None,
            generate_audio: false,
            generate_illustrations: false,
            voice: None,
            length: None,
            title: None,
            content: None,
        })
        .unwrap_err();
        assert!(matches!(err, StoryloomError::InvalidInput { field, .. } if field == "heroId"));
    }

    #[test]
    fn millis_become_system_time() {
        assert_eq!(
            from_millis(1_500),
            UNIX_EPOCH + Duration::from_millis(1_500)
        );
        assert_eq!(from_millis(-1), UNIX_EPOCH);
    }
}
