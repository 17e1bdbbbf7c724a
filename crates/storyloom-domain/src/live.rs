//! Events of the live stream (`GET /api/sync/stream`, Server-Sent Events).
//!
//! The server builds these and the client core parses them, so the event names and payloads
//! are defined once here and pinned by the wire snapshots like every other shape.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sync::EntityKind;

/// The SSE `event:` name of a live event.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum LiveEventName {
    /// Sent once when the stream opens; its data is `{}`.
    Ready,
    /// The user's data changed: pull ([`ChangedEvent`]).
    Changed,
    /// A generation job moved on ([`JobEvent`]).
    Job,
}

impl LiveEventName {
    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Changed => "changed",
            Self::Job => "job",
        }
    }

    /// Parse a wire name; unknown names (added by a newer server) are `None`, to be ignored.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "ready" => Self::Ready,
            "changed" => Self::Changed,
            "job" => Self::Job,
            _ => return None,
        })
    }
}

/// Data of a `changed` event.
///
/// `cursor` is the newest version committed for the user. A stream that fell behind gets a
/// `changed` without a cursor (`{}`): the client cannot tell what it missed and must pull.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedEvent {
    /// Opaque cursor, comparable with the change feed's cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl ChangedEvent {
    /// Changes committed up to `version`.
    pub fn at(version: i64) -> Self {
        Self {
            cursor: Some(version.to_string()),
        }
    }

    /// The announced version, when the cursor is one.
    pub fn version(&self) -> Option<i64> {
        self.cursor.as_deref().and_then(|c| c.parse().ok())
    }
}

/// What a generation job makes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum JobKind {
    /// A story's narration.
    Audio,
    /// A story's illustrations.
    Illustrations,
    /// A hero's avatar.
    Avatar,
}

impl JobKind {
    /// The wire and database name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Illustrations => "illustrations",
            Self::Avatar => "avatar",
        }
    }

    /// Parse a wire or database name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "audio" => Self::Audio,
            "illustrations" => Self::Illustrations,
            "avatar" => Self::Avatar,
            _ => return None,
        })
    }

    /// The entity the job works on.
    pub fn entity(self) -> EntityKind {
        match self {
            Self::Audio | Self::Illustrations => EntityKind::Story,
            Self::Avatar => EntityKind::Hero,
        }
    }
}

/// Where a job stands, as a `job` event reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum JobProgress {
    /// Started (or restarted after a retry).
    Processing,
    /// Finished with everything made.
    Completed,
    /// Finished with some illustrations made and some not.
    Partial,
    /// Gave up for good.
    Failed,
}

/// Data of a `job` event. The new data itself arrives through the `changed` event the server
/// sends right after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobEvent {
    /// The entity the job works on (`story` or `hero`).
    pub entity: EntityKind,
    /// That entity's id.
    pub id: Uuid,
    /// What the job makes.
    pub kind: JobKind,
    /// Where it stands.
    pub status: JobProgress,
}
