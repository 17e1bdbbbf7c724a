//! Sync messages of SYNC.md: the change feed and the mutation push.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::MutationId;

use crate::envelope::ErrorBody;
use crate::validate::{FieldErrors, Validate};

/// Mutations accepted in one push.
pub const MAX_PUSH: usize = 500;

/// Largest page of the change feed.
pub const MAX_CHANGES_PAGE: i64 = 1000;

/// Synced entity kinds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum EntityKind {
    Hero,
    Story,
    Illustration,
    CustomEvent,
    ListeningSession,
}

impl EntityKind {
    /// The wire and database name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hero => "hero",
            Self::Story => "story",
            Self::Illustration => "illustration",
            Self::CustomEvent => "customEvent",
            Self::ListeningSession => "listeningSession",
        }
    }

    /// Parse a wire name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "hero" => Self::Hero,
            "story" => Self::Story,
            "illustration" => Self::Illustration,
            "customEvent" => Self::CustomEvent,
            "listeningSession" => Self::ListeningSession,
            _ => return None,
        })
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct Change {
    pub entity: EntityKind,
    pub id: Uuid,
    pub version: i64,
    pub deleted: bool,
    /// The entity exactly as the REST API returns it; absent on tombstones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<serde_json::Value>,
}

/// `GET /api/sync/changes` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ChangesResponse {
    pub changes: Vec<Change>,
    /// Opaque; pass back as `since`.
    pub cursor: String,
    pub has_more: bool,
}

/// Mutation operations.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum MutationOp {
    Create,
    Update,
    Delete,
    Increment,
}

/// One client mutation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Mutation {
    /// Client-made idempotency key, remembered 30 days.
    pub mutation_id: MutationId,
    pub entity: EntityKind,
    pub op: MutationOp,
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<i64>,
    /// The REST create/update body, or `{playCount: n}` for `increment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub fields: Option<serde_json::Value>,
}

/// `POST /api/sync/push` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
}

/// What became of one mutation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum MutationStatus {
    Applied,
    Duplicate,
    Conflict,
    Rejected,
}

/// One result of a push, in the order of the mutations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct MutationResult {
    pub mutation_id: MutationId,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub current: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// `POST /api/sync/push` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

impl Validate for PushRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut f = FieldErrors::new();
        if self.mutations.len() > MAX_PUSH {
            f.insert(
                "mutations".into(),
                format!("at most {MAX_PUSH} mutations per push; send the rest in another"),
            );
        }
        if f.is_empty() { Ok(()) } else { Err(f) }
    }
}
