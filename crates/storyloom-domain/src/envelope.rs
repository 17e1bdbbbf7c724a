//! The response envelope every JSON answer is wrapped in, and the error codes of API.md.

use serde::{Deserialize, Serialize};

/// `{"data": T | null, "error": null | {...}, "pagination"?: {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    /// The answer, or null on error.
    pub data: Option<T>,
    /// The error, or null on success.
    pub error: Option<ErrorBody>,
    /// Present on list answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

impl<T> Envelope<T> {
    /// A successful answer.
    pub fn ok(data: T) -> Self {
        Self {
            data: Some(data),
            error: None,
            pagination: None,
        }
    }

    /// A successful list answer with its page.
    pub fn page(data: T, pagination: Pagination) -> Self {
        Self {
            data: Some(data),
            error: None,
            pagination: Some(pagination),
        }
    }
}

impl Envelope<()> {
    /// An error answer.
    pub fn err(error: ErrorBody) -> Self {
        Self {
            data: None,
            error: Some(error),
            pagination: None,
        }
    }
}

/// The error object of the envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// Per-field messages for validation errors, `current` for version conflicts, `resetAt`
    /// for rate limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

/// Page information of a list answer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Items in the whole list.
    pub total: i64,
    /// Page size asked for.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
    /// Whether items follow this page.
    pub has_more: bool,
}

impl Pagination {
    /// Page information for `total` items seen through `limit`/`offset`.
    pub fn new(total: i64, limit: i64, offset: i64) -> Self {
        Self {
            total,
            limit,
            offset,
            has_more: offset.saturating_add(limit) < total,
        }
    }
}

/// Error codes of API.md and SYNC.md.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: a bad field or malformed JSON.
    ValidationError,
    /// 401: missing, unknown, expired or revoked token.
    Unauthorized,
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 403: the content-safety rules refused the request.
    ContentRejected,
    /// 404: no such entity for this user, or no such route.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: an account with this email exists.
    EmailTaken,
    /// 409: `If-Match`/`baseVersion` is older than the entity.
    VersionConflict,
    /// 409: a client-supplied id is taken, or reused with a different body.
    IdConflict,
    /// 410: the sync cursor is older than the tombstone horizon.
    ResyncRequired,
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 413: the account's storage limit (text bytes or number of entities) is reached.
    StorageLimitExceeded,
    /// 414: the request's URI (path and query) is longer than the server reads.
    UriTooLong,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 429: too many requests; see `Retry-After`.
    RateLimitExceeded,
    /// 431: the request's headers are larger than the server reads.
    HeadersTooLarge,
    /// 500: a bug.
    InternalError,
    /// 502: the AI provider failed after retries.
    ProviderError,
    /// 503: the database or storage is down.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        match self {
            Self::ValidationError => 400,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden | Self::ContentRejected => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::EmailTaken | Self::VersionConflict | Self::IdConflict => 409,
            Self::ResyncRequired => 410,
            Self::PayloadTooLarge | Self::StorageLimitExceeded => 413,
            Self::UriTooLong => 414,
            Self::UnsupportedMediaType => 415,
            Self::RateLimitExceeded => 429,
            Self::HeadersTooLarge => 431,
            Self::InternalError => 500,
            Self::ProviderError => 502,
            Self::Unavailable => 503,
        }
    }
}
