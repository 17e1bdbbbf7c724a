//! Storyloom's generation providers: story text, narration, pictures, scene splitting and
//! custom-event enhancement, each behind an object-safe async trait.
//!
//! Two implementations exist:
//! - [`builtin`] (the default): offline and deterministic for a seed. A real story generator
//!   written for five languages, narration by the `espeak-ng` program encoded to MP3, and vector
//!   pictures rendered to PNG. It needs no key and no network, so a fresh install works.
//! - [`openai`]: the OpenAI HTTP API (or any compatible endpoint), with timeouts, retries and
//!   request/response checking.
//!
//! The server holds a [`Providers`] bundle (built from [`AiConfig`]) and never names an
//! implementation. Every call returns a [`Generated`] value: the output plus a [`UsageInfo`] the
//! server writes as a usage record. User text is screened by [`safety`] inside the providers, so
//! no caller can forget it (the server also screens it at its doors, where a parent can
//! rephrase), and generated text is checked before it is returned.
#![warn(missing_docs)]

pub mod builtin;
mod config;
mod error;
pub mod openai;
pub mod safety;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use storyloom_domain::{CustomEvent, EventType, Hero, Language, StoryLength, Voice};

pub use config::{AiConfig, OpenAiConfig, ProviderKind, Providers, RetryPolicy};
pub use error::AiError;

/// What a provider call cost, for the usage record the server writes after every call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageInfo {
    /// `builtin` or `openai`.
    pub provider: String,
    /// The model (or, for the built-in provider, the engine) that did the work.
    pub model: String,
    /// Tokens billed (prompt + completion); 0 when not token-billed.
    pub tokens: i64,
    /// Characters billed (speech input); 0 when not character-billed.
    pub characters: i64,
    /// Images generated.
    pub images: i64,
    /// Estimated cost in US dollars (0 for the built-in provider).
    pub estimated_cost_usd: f64,
}

impl UsageInfo {
    /// A usage record of the built-in provider: free, counted in the same units as OpenAI so
    /// the usage page reads the same whichever provider runs.
    pub fn builtin(model: &str) -> Self {
        Self {
            provider: "builtin".into(),
            model: model.into(),
            tokens: 0,
            characters: 0,
            images: 0,
            estimated_cost_usd: 0.0,
        }
    }
}

/// A provider's output together with its usage.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated<T> {
    /// What was generated.
    pub output: T,
    /// What it cost.
    pub usage: UsageInfo,
}

/// The occasion a story is written for: a built-in event type or the family's own event.
#[derive(Debug, Clone, PartialEq)]
pub enum Occasion {
    /// One of API.md's built-in event types.
    Builtin(EventType),
    /// A custom event (its title, prompt seed, keywords and tone steer the story).
    Custom(CustomEvent),
}

/// Everything a [`StoryWriter`] needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryRequest {
    /// The hero the story is about.
    pub hero: Hero,
    /// What the story is for.
    pub occasion: Occasion,
    /// The language to write in.
    pub language: Language,
    /// Same seed, same story (built-in provider); `None` picks one from the clock.
    pub seed: Option<u64>,
    /// How long the story should be; `None` is [`StoryLength::for_age`] of the hero.
    pub length: Option<StoryLength>,
    /// How many stories the hero already has for this occasion. The built-in writer walks
    /// through its plots and phrasings by this number, so a family's consecutive stories do
    /// not repeat each other; `None` (a one-off story) lets the seed choose.
    pub story_number: Option<u64>,
}

impl StoryRequest {
    /// The length to write: the requested one, or the hero's age-based default.
    pub fn length(&self) -> StoryLength {
        self.length
            .unwrap_or_else(|| StoryLength::for_age(self.hero.age))
    }
}

/// A written story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryText {
    /// 1–200 characters.
    pub title: String,
    /// Paragraphs separated by blank lines.
    pub content: String,
}

/// Narrated audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Narration {
    /// An MP3 file.
    pub mp3: Vec<u8>,
    /// Playing time in seconds.
    pub duration_seconds: f64,
}

/// A generated picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// A PNG file.
    pub png: Vec<u8>,
    /// Identifies this generation; pass it back as `previous_generation_id` to keep the look of
    /// later pictures consistent with this one.
    pub generation_id: String,
}

/// One illustrated moment of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scene {
    /// What to draw (also shown to the reader as the illustration's caption).
    pub description: String,
    /// Where in the narration the moment starts, in seconds.
    pub audio_timestamp: f64,
}

/// What the enhancer adds to a custom event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnhancement {
    /// At most 10 keywords of at most 30 characters each.
    pub keywords: Vec<String>,
    /// A richer prompt seed, at most 1000 characters.
    pub prompt_seed: String,
}

/// Writes bedtime stories.
#[async_trait]
pub trait StoryWriter: Send + Sync {
    /// Write a story about `request.hero` for `request.occasion` in `request.language`.
    async fn write_story(&self, request: &StoryRequest) -> Result<Generated<StoryText>, AiError>;
}

/// Reads text aloud.
#[async_trait]
pub trait Narrator: Send + Sync {
    /// Narrate `text` in `language` with `voice`, as MP3.
    async fn narrate(
        &self,
        text: &str,
        language: Language,
        voice: Voice,
    ) -> Result<Generated<Narration>, AiError>;
}

/// Draws avatars and story illustrations.
#[async_trait]
pub trait Illustrator: Send + Sync {
    /// A portrait of `hero`; `extra_prompt` is the parent's optional description, and
    /// `previous_generation_id` the hero's last avatar, for a consistent look.
    async fn avatar(
        &self,
        hero: &Hero,
        extra_prompt: Option<&str>,
        previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError>;

    /// An illustration of `scene_description` featuring `hero`; `previous_generation_id` is the
    /// hero's avatar or the story's previous illustration, for a consistent look.
    async fn scene(
        &self,
        scene_description: &str,
        hero: &Hero,
        previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError>;
}

/// Picks the moments of a story worth illustrating.
#[async_trait]
pub trait SceneExtractor: Send + Sync {
    /// 3–6 scenes of `story_text`, in order, with timestamps within `audio_duration_seconds`.
    async fn extract_scenes(
        &self,
        story_text: &str,
        language: Language,
        audio_duration_seconds: f64,
    ) -> Result<Generated<Vec<Scene>>, AiError>;
}

/// Enriches a family's custom event for better stories.
#[async_trait]
pub trait EventEnhancer: Send + Sync {
    /// Keywords and a richer prompt seed for `event`, written in `language` (the user's).
    async fn enhance(
        &self,
        event: &CustomEvent,
        language: Language,
    ) -> Result<Generated<EventEnhancement>, AiError>;
}
