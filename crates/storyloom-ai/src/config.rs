//! Provider selection and settings, read from the environment with offline defaults.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::builtin::{self, BuiltinConfig};
use crate::openai::OpenAi;
use crate::{AiError, EventEnhancer, Illustrator, Narrator, SceneExtractor, StoryWriter};

/// Which implementation serves generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProviderKind {
    /// Offline generators (no key, no network). The default.
    #[default]
    Builtin,
    /// The OpenAI HTTP API or a compatible endpoint.
    OpenAi,
}

impl ProviderKind {
    /// The name used in `STORYLOOM_AI` and in usage records.
    pub fn name(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::OpenAi => "openai",
        }
    }
}

/// How failed HTTP calls are retried: `max_attempts` in all, waiting `base_delay`, then twice
/// that, and so on up to `max_delay` (a server's `Retry-After` wins, capped at `max_delay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, at least 1.
    pub max_attempts: u32,
    /// The first wait.
    pub base_delay: Duration,
    /// No wait is longer than this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// OpenAI settings. `Debug` prints `api_key` as `[redacted]`.
#[derive(Clone, PartialEq)]
pub struct OpenAiConfig {
    /// `OPENAI_API_KEY`; required when the OpenAI provider is chosen.
    pub api_key: Option<String>,
    /// `OPENAI_BASE_URL`, default `https://api.openai.com/v1` (no trailing slash needed).
    pub base_url: String,
    /// `OPENAI_TEXT_MODEL`, default `gpt-4o-mini` (stories, scenes, enhancement).
    pub text_model: String,
    /// `OPENAI_TTS_MODEL`, default `gpt-4o-mini-tts`.
    pub tts_model: String,
    /// `OPENAI_IMAGE_MODEL`, default `gpt-image-1`.
    pub image_model: String,
    /// `OPENAI_TIMEOUT_SECS`, default 60: the limit for one HTTP attempt.
    pub timeout: Duration,
    /// `OPENAI_MAX_ATTEMPTS` (default 3) and the backoff.
    pub retry: RetryPolicy,
    /// `STORYLOOM_OPENAI_MODERATION` (default on): check generated text with the moderation
    /// endpoint too, before it is stored. The lexicon check runs either way.
    pub moderation: bool,
    /// `OPENAI_MODERATION_MODEL`, default `omni-moderation-latest`.
    pub moderation_model: String,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: "https://api.openai.com/v1".into(),
            text_model: "gpt-4o-mini".into(),
            tts_model: "gpt-4o-mini-tts".into(),
            image_model: "gpt-image-1".into(),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            moderation: true,
            moderation_model: "omni-moderation-latest".into(),
        }
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("text_model", &self.text_model)
            .field("tts_model", &self.tts_model)
            .field("image_model", &self.image_model)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("moderation", &self.moderation)
            .field("moderation_model", &self.moderation_model)
            .finish()
    }
}

/// All AI settings. Build with [`AiConfig::from_env`], or fill in by hand (tests).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AiConfig {
    /// `STORYLOOM_AI` = `builtin` (default) or `openai`.
    pub provider: ProviderKind,
    /// Used when `provider` is `OpenAi`.
    pub openai: OpenAiConfig,
    /// Used when `provider` is `Builtin`.
    pub builtin: BuiltinConfig,
}

impl AiConfig {
    /// Read the settings from the process environment.
    pub fn from_env() -> Result<Self, AiError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the settings through `get` (a variable name → its value), so tests need not touch
    /// the process environment. Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, AiError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let bad = |k: &str, v: &str, want: &str| {
            AiError::Unavailable(format!("{k}={v:?} is not valid: expected {want}"))
        };
        let provider = match get("STORYLOOM_AI").as_deref() {
            None | Some("builtin") => ProviderKind::Builtin,
            Some("openai") => ProviderKind::OpenAi,
            Some(other) => return Err(bad("STORYLOOM_AI", other, "builtin or openai")),
        };
        let mut openai = OpenAiConfig {
            api_key: get("OPENAI_API_KEY"),
            ..Default::default()
        };
        if let Some(v) = get("OPENAI_BASE_URL") {
            openai.base_url = v.trim_end_matches('/').to_owned();
        }
        if let Some(v) = get("OPENAI_TEXT_MODEL") {
            openai.text_model = v;
        }
        if let Some(v) = get("OPENAI_TTS_MODEL") {
            openai.tts_model = v;
        }
        if let Some(v) = get("OPENAI_IMAGE_MODEL") {
            openai.image_model = v;
        }
        if let Some(v) = get("OPENAI_TIMEOUT_SECS") {
            let secs: u64 = v
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| bad("OPENAI_TIMEOUT_SECS", &v, "seconds > 0"))?;
            openai.timeout = Duration::from_secs(secs);
        }
        if let Some(v) = get("OPENAI_MAX_ATTEMPTS") {
            openai.retry.max_attempts = v
                .parse()
                .ok()
                .filter(|n| (1..=10).contains(n))
                .ok_or_else(|| bad("OPENAI_MAX_ATTEMPTS", &v, "1 to 10"))?;
        }
        if let Some(v) = get("STORYLOOM_OPENAI_MODERATION") {
            openai.moderation = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => return Err(bad("STORYLOOM_OPENAI_MODERATION", &v, "on or off")),
            };
        }
        if let Some(v) = get("OPENAI_MODERATION_MODEL") {
            openai.moderation_model = v;
        }
        let mut builtin = BuiltinConfig::default();
        if let Some(v) = get("STORYLOOM_ESPEAK") {
            builtin.espeak_program = PathBuf::from(v);
        }
        Ok(Self {
            provider,
            openai,
            builtin,
        })
    }
}

/// The providers the server calls, one per capability, shared across tasks.
#[derive(Clone)]
pub struct Providers {
    /// Which implementation these are.
    pub kind: ProviderKind,
    /// Story text.
    pub story_writer: Arc<dyn StoryWriter>,
    /// Narration.
    pub narrator: Arc<dyn Narrator>,
    /// Avatars and illustrations.
    pub illustrator: Arc<dyn Illustrator>,
    /// Scenes to illustrate.
    pub scene_extractor: Arc<dyn SceneExtractor>,
    /// Custom-event enhancement.
    pub event_enhancer: Arc<dyn EventEnhancer>,
    builtin: BuiltinConfig,
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Providers")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Providers {
    /// Build the providers `config` asks for. Fails only when OpenAI is chosen without a key
    /// (so a misconfigured server stops at start, not at the first story).
    pub fn from_config(config: &AiConfig) -> Result<Self, AiError> {
        match config.provider {
            ProviderKind::Builtin => Ok(Self::builtin(config.builtin.clone())),
            ProviderKind::OpenAi => Ok(Self::openai(config.openai.clone())?),
        }
    }

    /// The offline providers.
    pub fn builtin(config: BuiltinConfig) -> Self {
        let narrator = Arc::new(builtin::BuiltinNarrator::new(config.clone()));
        let all = Arc::new(builtin::Builtin);
        Self {
            kind: ProviderKind::Builtin,
            story_writer: all.clone(),
            narrator,
            illustrator: all.clone(),
            scene_extractor: all.clone(),
            event_enhancer: all,
            builtin: config,
        }
    }

    /// The OpenAI providers.
    pub fn openai(config: OpenAiConfig) -> Result<Self, AiError> {
        let client = Arc::new(OpenAi::new(config)?);
        Ok(Self {
            kind: ProviderKind::OpenAi,
            story_writer: client.clone(),
            narrator: client.clone(),
            illustrator: client.clone(),
            scene_extractor: client.clone(),
            event_enhancer: client,
            builtin: BuiltinConfig::default(),
        })
    }

    /// Whether generation can work, for `GET /api/health`: the built-in narrator needs the
    /// `espeak-ng` program; OpenAI is not called (a health probe must not cost money).
    pub async fn health(&self) -> Result<(), AiError> {
        match self.kind {
            ProviderKind::Builtin => builtin::speech::check_espeak(&self.builtin).await,
            ProviderKind::OpenAi => Ok(()),
        }
    }
}
