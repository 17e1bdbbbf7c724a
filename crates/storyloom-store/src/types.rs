//! Records and arguments of the store that are not wire types.

use serde::Serialize;
use storyloom_domain::{
    CustomEvent, CustomEventId, EntityKind, EventType, GenerationStatus, Hero, HeroId,
    Illustration, IllustrationStatus, JobId, JobKind, Language, Operation, Story, StoryId,
    StoryLength, UsageRecordId, UserId, Voice,
};
use uuid::Uuid;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, file in the data dir.
    Sqlite,
    /// Production.
    Postgres,
}

/// A stored account.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// Account id.
    pub id: UserId,
    /// Normalised email.
    pub email: String,
    /// PHC-format Argon2id hash.
    pub password_hash: String,
    /// Display name.
    pub name: Option<String>,
    /// Story language by default.
    pub preferred_language: Language,
    /// Narration voice by default.
    pub preferred_voice: Voice,
    /// Epoch ms.
    pub created_at: i64,
    /// Length of stories created without one; `None`: by the hero's age.
    pub default_story_length: Option<StoryLength>,
    /// The zone the Reading Journey counts days in.
    pub timezone: storyloom_domain::Timezone,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Account id.
    pub id: UserId,
    /// Normalised email.
    pub email: String,
    /// PHC-format Argon2id hash.
    pub password_hash: String,
    /// Display name.
    pub name: Option<String>,
    /// Epoch ms.
    pub now: i64,
}

/// A stored session. The token itself is never stored, only its SHA-256.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// Owner.
    pub user_id: UserId,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub expires_at: i64,
}

/// What an account keeps that a per-account limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Heroes.
    Heroes,
    /// Stories.
    Stories,
    /// Custom events.
    CustomEvents,
}

impl Counted {
    /// The table of the rows counted.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Self::Heroes => "heroes",
            Self::Stories => "stories",
            Self::CustomEvents => "custom_events",
        }
    }
}

/// A page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1–100.
    pub limit: i64,
    /// ≥ 0.
    pub offset: i64,
}

impl Default for Page {
    /// API.md's default page: the first 20.
    fn default() -> Self {
        Page {
            limit: 20,
            offset: 0,
        }
    }
}

/// A story's occasion, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryOccasion {
    /// A built-in event type.
    Builtin(EventType),
    /// One of the user's custom events.
    Custom(CustomEventId),
}

/// Story list filters.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoryFilter {
    /// Only this hero's stories.
    pub hero_id: Option<HeroId>,
    /// Only favourites (or only non-favourites).
    pub favorite: Option<bool>,
    /// Only stories of this occasion (the storyteller counts a hero's stories per occasion).
    pub occasion: Option<StoryOccasion>,
}

/// A story ready to be stored: its text already written or imported.
#[derive(Debug, Clone)]
pub struct NewStory {
    /// Story id.
    pub id: StoryId,
    /// Must be one of the user's heroes.
    pub hero_id: HeroId,
    /// Title.
    pub title: String,
    /// Text.
    pub content: String,
    /// Built-in occasion.
    pub event_type: Option<EventType>,
    /// The user's custom occasion (its usage is bumped).
    pub custom_event_id: Option<CustomEventId>,
    /// Language.
    pub language: Language,
    /// The length it was written for; `None` for imports.
    pub length: Option<StoryLength>,
    /// `pending` when narration is queued with the story.
    pub audio_status: GenerationStatus,
    /// `pending` when illustrations are queued with the story.
    pub illustration_status: IllustrationStatus,
    /// The imported text failed the child-safety screening (kept, not narrated or drawn).
    pub content_flagged: bool,
    /// Jobs queued in the same transaction (audio, illustrations).
    pub jobs: Vec<NewJob>,
    /// Epoch ms.
    pub now: i64,
}

/// Whether a create made a row or found the same one already there (idempotent retry).
#[derive(Debug, Clone)]
pub enum Created<T> {
    /// A new row (201).
    New(T),
    /// The same id and body existed (200).
    Existing(T),
}

impl<T> Created<T> {
    /// The entity either way.
    pub fn into_inner(self) -> T {
        match self {
            Self::New(t) | Self::Existing(t) => t,
        }
    }

    /// Whether a row was made.
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// What a delete removed.
#[derive(Debug, Clone, Default)]
pub struct Deleted {
    /// Media of the deleted rows, for the caller to remove from blob storage.
    pub media_keys: Vec<String>,
    /// The last version the delete used (its tombstones' highest).
    pub version: i64,
}

/// Outcome of [`crate::Store::play_story_once`].
#[derive(Debug, Clone)]
pub enum PlayOnce {
    /// Counted now.
    Applied(Story),
    /// Counted before; the remembered result JSON.
    Duplicate(String),
}

/// Any synced entity.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Entity {
    /// A hero.
    Hero(Hero),
    /// A story.
    Story(Story),
    /// An illustration.
    Illustration(Illustration),
    /// A custom event.
    CustomEvent(CustomEvent),
    /// A listening session.
    ListeningSession(storyloom_domain::ListeningSession),
}

impl Entity {
    /// The kind of entity.
    pub fn kind(&self) -> EntityKind {
        match self {
            Self::Hero(_) => EntityKind::Hero,
            Self::Story(_) => EntityKind::Story,
            Self::Illustration(_) => EntityKind::Illustration,
            Self::CustomEvent(_) => EntityKind::CustomEvent,
            Self::ListeningSession(_) => EntityKind::ListeningSession,
        }
    }
}

impl storyloom_domain::HasMedia for Entity {
    fn media_fields(&mut self) -> Vec<&mut Option<String>> {
        match self {
            Self::Hero(h) => storyloom_domain::HasMedia::media_fields(h),
            Self::Story(s) => storyloom_domain::HasMedia::media_fields(s),
            Self::Illustration(i) => storyloom_domain::HasMedia::media_fields(i),
            Self::CustomEvent(_) | Self::ListeningSession(_) => Vec::new(),
        }
    }
}

/// One change-feed row: the current entity, or a tombstone.
#[derive(Debug, Clone)]
pub struct StoredChange {
    /// Kind.
    pub kind: EntityKind,
    /// Id.
    pub id: Uuid,
    /// Version (the change's place in the user's sequence).
    pub version: i64,
    /// `None` for a tombstone.
    pub entity: Option<Entity>,
}

/// A page of the change feed.
#[derive(Debug, Clone)]
pub struct ChangePage {
    /// Changes in version order.
    pub changes: Vec<StoredChange>,
    /// Whether more changes follow.
    pub has_more: bool,
    /// Versions at or below this have purged tombstones: a `since` below it must resync.
    pub horizon: i64,
    /// The user's latest version (the cursor when the feed is empty).
    pub latest: i64,
}

/// One operation's uses inside a rate window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageWindow {
    /// Which operation.
    pub operation: Operation,
    /// Uses counted in the window.
    pub used: i64,
    /// Epoch ms of the oldest counted use.
    pub oldest: i64,
}

/// A job to run in the background (slow generation).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Job id.
    pub id: JobId,
    /// Owner.
    pub user_id: UserId,
    /// What to run.
    pub kind: JobKind,
    /// The entity the job works on.
    pub entity_id: Uuid,
    /// Job arguments (JSON).
    pub payload: String,
    /// Tries before the job is marked failed.
    pub max_attempts: i64,
    /// Epoch ms.
    pub now: i64,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Job id.
    pub id: JobId,
    /// Owner.
    pub user_id: UserId,
    /// What to run.
    pub kind: JobKind,
    /// The entity the job works on.
    pub entity_id: Uuid,
    /// Arguments (JSON).
    pub payload: String,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// Tries allowed.
    pub max_attempts: i64,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to be claimed (new, or to be retried).
    Queued,
    /// Claimed by a worker under a lease.
    Running,
    /// Finished.
    Done,
    /// Gave up for good.
    Failed,
}

impl JobState {
    /// The database name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parse a database name.
    pub fn from_name(s: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Done, Self::Failed]
            .into_iter()
            .find(|st| st.name() == s)
    }
}

/// State of a job, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    /// Where it is.
    pub status: JobState,
    /// Tries so far.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// One provider call, for usage accounting.
#[derive(Debug, Clone)]
pub struct UsageRecord {
    /// Which operation.
    pub operation: Operation,
    /// `builtin`, `openai`, …
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Tokens used (text).
    pub tokens: i64,
    /// Characters (speech).
    pub characters: i64,
    /// Images made.
    pub images: i64,
    /// Estimated cost in USD.
    pub cost_usd: f64,
    /// Wall time.
    pub duration_ms: i64,
    /// Whether the call succeeded.
    pub success: bool,
    /// The failure, if any.
    pub error: Option<String>,
}

/// Outcome of reserving a generation slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quota {
    /// Reserved: the usage record to complete after the provider call.
    Granted {
        /// The reservation's usage record.
        record_id: UsageRecordId,
        /// Uses left in the window after this one.
        remaining: i64,
        /// Epoch ms when the oldest counted use leaves the window.
        reset_at: i64,
    },
    /// The window is full.
    Exceeded {
        /// Epoch ms when a slot frees up.
        reset_at: i64,
    },
}
