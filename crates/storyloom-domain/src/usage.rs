//! Generation limits and usage (`GET /api/user/usage`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Operations that call an AI provider and are limited per user per rolling hour.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Operation {
    StoryGeneration,
    AudioGeneration,
    IllustrationGeneration,
    AvatarGeneration,
    EventEnhancement,
}

impl Operation {
    /// Every operation, in API.md's order.
    pub const ALL: [Operation; 5] = [
        Self::StoryGeneration,
        Self::AudioGeneration,
        Self::IllustrationGeneration,
        Self::AvatarGeneration,
        Self::EventEnhancement,
    ];

    /// The wire and database name.
    pub fn name(self) -> &'static str {
        match self {
            Self::StoryGeneration => "story_generation",
            Self::AudioGeneration => "audio_generation",
            Self::IllustrationGeneration => "illustration_generation",
            Self::AvatarGeneration => "avatar_generation",
            Self::EventEnhancement => "event_enhancement",
        }
    }

    /// Parse a wire or database name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == s)
    }

    /// API.md's default hourly limit.
    pub fn default_limit(self) -> i64 {
        match self {
            Self::StoryGeneration => 10,
            Self::AudioGeneration => 20,
            Self::IllustrationGeneration => 10,
            Self::AvatarGeneration => 10,
            Self::EventEnhancement => 20,
        }
    }
}

/// One operation's standing in the current rolling hour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct OperationUsage {
    pub operation: Operation,
    pub limit: i64,
    pub used: i64,
    pub remaining: i64,
    /// When the oldest counted use leaves the window; null when nothing is used.
    #[serde(with = "crate::time::millis_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub reset_at: Option<DateTime<Utc>>,
}

/// All-time totals over the usage records.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct UsageTotals {
    pub requests: i64,
    pub failures: i64,
    pub tokens: i64,
    pub characters: i64,
    pub images: i64,
    pub estimated_cost_usd: f64,
}

/// `GET /api/user/usage` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct UsageResponse {
    pub operations: Vec<OperationUsage>,
    pub totals: UsageTotals,
    /// What the account stores, against its limits.
    #[serde(default)]
    pub storage: StorageUsage,
}

/// What one account stores, and the limits that keep one account from filling the disk for
/// everyone. Text bytes count what the user wrote or imported (titles, story texts, event
/// fields); media made by the server is bounded by the generation limits instead.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct StorageUsage {
    pub bytes: i64,
    pub byte_limit: i64,
    pub stories: i64,
    pub story_limit: i64,
    pub heroes: i64,
    pub hero_limit: i64,
    pub custom_events: i64,
    pub custom_event_limit: i64,
}
