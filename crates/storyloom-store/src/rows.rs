//! Row structs as the database returns them, and their conversion to domain types. Rows
//! never leave the store.

use serde::{Serialize, de::DeserializeOwned};
use storyloom_domain::{CustomEvent, Hero, Illustration, Story, time::from_millis};
use uuid::Uuid;

use crate::{StoreError, UserRecord};

/// Column lists, kept beside the structs they fill.
pub const HERO_COLS: &str = "id, name, age, traits, special_ability, appearance, hair_color, \
    eye_color, skin_tone, avatar_key, avatar_status, avatar_generation_id, version, created_at, updated_at";
pub const STORY_COLS: &str = "id, hero_id, title, content, event_type, custom_event_id, language, \
    audio_key, audio_duration, audio_status, illustration_status, is_favorite, play_count, \
    last_played_at, version, created_at, updated_at, content_flagged, length, audio_stale, \
    (SELECT COUNT(*) FROM illustrations i WHERE i.story_id = stories.id) AS illustration_count";
pub const ILLUSTRATION_COLS: &str = "id, story_id, display_order, image_key, scene_description, \
    audio_timestamp, status, error, version";
pub const EVENT_COLS: &str = "id, title, description, prompt_seed, category, age_range, tone, \
    pictogram_emoji, keywords, ai_enhanced, usage_count, is_favorite, last_used_at, version, \
    created_at, updated_at";
pub const USER_COLS: &str = "id, email, password_hash, name, preferred_language, preferred_voice, created_at, \
     default_story_length, timezone";

/// An enum's wire name, as stored.
pub fn enum_str<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parse a stored enum name.
pub fn parse_enum<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown enum value {s:?}")))
}

fn parse_opt_enum<T: DeserializeOwned>(s: Option<String>) -> Result<Option<T>, StoreError> {
    s.map(|s| parse_enum(&s)).transpose()
}

pub fn parse_id<T: From<Uuid>>(s: &str) -> Result<T, StoreError> {
    Uuid::parse_str(s)
        .map(T::from)
        .map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

fn parse_json<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad json: {e}")))
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    name: Option<String>,
    preferred_language: String,
    preferred_voice: String,
    created_at: i64,
    default_story_length: Option<String>,
    timezone: String,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(UserRecord {
            id: parse_id(&r.id)?,
            email: r.email,
            password_hash: r.password_hash,
            name: r.name,
            preferred_language: parse_enum(&r.preferred_language)?,
            preferred_voice: parse_enum(&r.preferred_voice)?,
            created_at: r.created_at,
            default_story_length: parse_opt_enum(r.default_story_length)?,
            timezone: r
                .timezone
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SessionUserRow {
    pub session_created_at: i64,
    pub expires_at: i64,
    pub change_seq: i64,
    #[sqlx(flatten)]
    pub user: UserRow,
}

#[derive(sqlx::FromRow)]
pub struct HeroRow {
    id: String,
    name: String,
    age: i64,
    traits: String,
    special_ability: Option<String>,
    appearance: Option<String>,
    hair_color: Option<String>,
    eye_color: Option<String>,
    skin_tone: Option<String>,
    avatar_key: Option<String>,
    avatar_status: String,
    avatar_generation_id: Option<String>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<HeroRow> for Hero {
    type Error = StoreError;
    fn try_from(r: HeroRow) -> Result<Self, StoreError> {
        Ok(Hero {
            id: parse_id(&r.id)?,
            name: r.name,
            age: r.age,
            traits: parse_json(&r.traits)?,
            special_ability: r.special_ability,
            appearance: r.appearance,
            hair_color: r.hair_color,
            eye_color: r.eye_color,
            skin_tone: r.skin_tone,
            avatar_url: r.avatar_key,
            avatar_status: parse_enum(&r.avatar_status)?,
            avatar_generation_id: r.avatar_generation_id,
            version: r.version,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct StoryRow {
    id: String,
    hero_id: String,
    title: String,
    content: String,
    event_type: Option<String>,
    custom_event_id: Option<String>,
    language: String,
    audio_key: Option<String>,
    audio_duration: Option<f64>,
    audio_status: String,
    illustration_status: String,
    is_favorite: i64,
    play_count: i64,
    last_played_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
    content_flagged: i64,
    length: Option<String>,
    audio_stale: i64,
    illustration_count: i64,
}

impl TryFrom<StoryRow> for Story {
    type Error = StoreError;
    fn try_from(r: StoryRow) -> Result<Self, StoreError> {
        Ok(Story {
            id: parse_id(&r.id)?,
            title: r.title,
            content: r.content,
            hero_id: parse_id(&r.hero_id)?,
            event_type: parse_opt_enum(r.event_type)?,
            custom_event_id: r.custom_event_id.as_deref().map(parse_id).transpose()?,
            language: parse_enum(&r.language)?,
            audio_url: r.audio_key,
            audio_duration: r.audio_duration,
            audio_generation_status: parse_enum(&r.audio_status)?,
            audio_stale: r.audio_stale != 0,
            length: parse_opt_enum(r.length)?,
            illustration_status: parse_enum(&r.illustration_status)?,
            illustration_count: r.illustration_count,
            is_favorite: r.is_favorite != 0,
            content_flagged: r.content_flagged != 0,
            play_count: r.play_count,
            last_played_at: r.last_played_at.map(from_millis),
            version: r.version,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            illustrations: None,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct IllustrationRow {
    id: String,
    story_id: String,
    display_order: i64,
    image_key: Option<String>,
    scene_description: String,
    audio_timestamp: f64,
    status: String,
    error: Option<String>,
    version: i64,
}

impl IllustrationRow {
    pub fn version(&self) -> i64 {
        self.version
    }
}

impl TryFrom<IllustrationRow> for Illustration {
    type Error = StoreError;
    fn try_from(r: IllustrationRow) -> Result<Self, StoreError> {
        Ok(Illustration {
            id: parse_id(&r.id)?,
            story_id: parse_id(&r.story_id)?,
            display_order: r.display_order,
            image_url: r.image_key,
            scene_description: r.scene_description,
            audio_timestamp: r.audio_timestamp,
            generation_status: parse_enum(&r.status)?,
            generation_error: r.error,
        })
    }
}

pub const LISTENING_COLS: &str = "id, story_id, hero_id, started_at, ended_at, duration_seconds, \
    completed, version, created_at";

#[derive(sqlx::FromRow)]
pub struct ListeningRow {
    id: String,
    story_id: String,
    hero_id: String,
    started_at: i64,
    ended_at: Option<i64>,
    duration_seconds: i64,
    completed: i64,
    version: i64,
    created_at: i64,
}

impl TryFrom<ListeningRow> for storyloom_domain::ListeningSession {
    type Error = StoreError;
    fn try_from(r: ListeningRow) -> Result<Self, StoreError> {
        Ok(storyloom_domain::ListeningSession {
            id: parse_id(&r.id)?,
            story_id: parse_id(&r.story_id)?,
            hero_id: parse_id(&r.hero_id)?,
            started_at: from_millis(r.started_at),
            ended_at: r.ended_at.map(from_millis),
            duration_seconds: r.duration_seconds,
            completed: r.completed != 0,
            version: r.version,
            created_at: from_millis(r.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    id: String,
    title: String,
    description: String,
    prompt_seed: String,
    category: String,
    age_range: Option<String>,
    tone: String,
    pictogram_emoji: Option<String>,
    keywords: String,
    ai_enhanced: i64,
    usage_count: i64,
    is_favorite: i64,
    last_used_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<EventRow> for CustomEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(CustomEvent {
            id: parse_id(&r.id)?,
            title: r.title,
            description: r.description,
            prompt_seed: r.prompt_seed,
            category: parse_enum(&r.category)?,
            age_range: parse_opt_enum(r.age_range)?,
            tone: parse_enum(&r.tone)?,
            pictogram_emoji: r.pictogram_emoji,
            keywords: parse_json(&r.keywords)?,
            ai_enhanced: r.ai_enhanced != 0,
            usage_count: r.usage_count,
            is_favorite: r.is_favorite != 0,
            last_used_at: r.last_used_at.map(from_millis),
            version: r.version,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

/// Convert a list of rows, failing on the first corrupt one.
pub fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
