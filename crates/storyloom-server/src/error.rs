//! The one HTTP error type. Every failure a handler can meet becomes an [`ApiError`], and
//! [`IntoResponse`] is the only place that picks a status and renders the envelope.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use storyloom_domain::{Envelope, ErrorBody, ErrorCode, FieldErrors};
use storyloom_store::StoreError;

/// A failure to report to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with per-field messages.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// 400 for a body that is not valid JSON at all.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// 401.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// 401 on sign-in.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403: the request is understood but not allowed (e.g. a bad media signature).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 with what was not found.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 404 for an unknown route.
    #[error("no such route")]
    NoRoute,
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409.
    #[error("email taken")]
    EmailTaken,
    /// 409 with the current entity.
    #[error("version conflict")]
    VersionConflict(serde_json::Value),
    /// 409.
    #[error("id conflict")]
    IdConflict,
    /// 410.
    #[error("resync required")]
    ResyncRequired,
    /// 413.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 414 with the limit in bytes.
    #[error("URI too long")]
    UriTooLong(usize),
    /// 413: the account's storage limit is reached.
    #[error("storage limit reached: {what}")]
    StorageLimit {
        /// What ran out, in the parent's words ("stories", "text storage").
        what: &'static str,
        /// The limit.
        limit: i64,
    },
    /// 415.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 431 with the limit in bytes.
    #[error("request headers too large")]
    HeadersTooLarge(usize),
    /// 429 with seconds to wait and the reset time (unix seconds).
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after: u64,
        /// Unix seconds when the window frees up.
        reset_at: i64,
    },
    /// 429 for a generation limit, with the `X-RateLimit-*` headers.
    #[error("generation limit reached")]
    GenerationLimited {
        /// The hourly limit.
        limit: i64,
        /// Unix seconds when a slot frees up.
        reset_at: i64,
        /// Seconds to wait.
        retry_after: u64,
        /// Which operation.
        operation: storyloom_domain::Operation,
    },
    /// 403 `CONTENT_REJECTED`: the child-safety rules refused the request. The envelope's
    /// `details` name the field and the category, never the word that matched.
    #[error("content rejected")]
    ContentRejected {
        /// The field at fault.
        field: String,
        /// Why, when the safety rules decided (absent for "nothing usable", e.g. no text).
        category: Option<storyloom_domain::ContentCategory>,
        /// For the parent.
        message: String,
    },
    /// 502: the AI provider failed after its retries.
    #[error("provider error: {0}")]
    Provider(String),
    /// 503.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 503: the database's disk is full, so the write was not stored.
    #[error("storage is full")]
    StorageFull,
    /// 503 when a request ran past the time limit.
    #[error("timed out")]
    Timeout,
    /// 500; the cause goes to the log, never to the client.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 403 `CONTENT_REJECTED` for `field`, explained by its category.
    pub fn unsafe_content(field: &str, category: storyloom_domain::ContentCategory) -> Self {
        storyloom_ai::AiError::unsafe_content(field, category).into()
    }

    /// A single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut m = FieldErrors::new();
        m.insert(field.to_owned(), message.into());
        Self::Validation(m)
    }

    /// Code, message and details as the client sees them.
    pub fn body(&self) -> ErrorBody {
        let (code, message, details) = match self {
            Self::Validation(fields) => {
                let msg = match fields.iter().next() {
                    Some((f, m)) if fields.len() == 1 => format!("{f} {m}"),
                    _ => format!(
                        "{} fields are invalid: {}",
                        fields.len(),
                        fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                };
                (ErrorCode::ValidationError, msg, Some(json!(fields)))
            }
            Self::MalformedJson(why) => (
                ErrorCode::ValidationError,
                format!("the request body is not valid JSON: {why}"),
                Some(json!({ "body": why })),
            ),
            Self::Unauthorized(why) => (ErrorCode::Unauthorized, (*why).to_owned(), None),
            Self::InvalidCredentials => (
                ErrorCode::InvalidCredentials,
                "the email or password is not right".to_owned(),
                None,
            ),
            Self::Forbidden(why) => (ErrorCode::Forbidden, why.clone(), None),
            Self::NotFound(what) => (ErrorCode::NotFound, format!("{what} not found"), None),
            Self::NoRoute => (ErrorCode::NotFound, "no such API route".to_owned(), None),
            Self::MethodNotAllowed => (
                ErrorCode::MethodNotAllowed,
                "this route does not take that HTTP method".to_owned(),
                None,
            ),
            Self::EmailTaken => (
                ErrorCode::EmailTaken,
                "an account with this email already exists; sign in instead".to_owned(),
                None,
            ),
            Self::VersionConflict(current) => (
                ErrorCode::VersionConflict,
                "this was changed elsewhere since you loaded it; reload and try again".to_owned(),
                Some(json!({ "current": current })),
            ),
            Self::IdConflict => (
                ErrorCode::IdConflict,
                "this id is already used; create the entity with a new id".to_owned(),
                None,
            ),
            Self::ResyncRequired => (
                ErrorCode::ResyncRequired,
                "the sync cursor is too old; pull everything again from the beginning".to_owned(),
                None,
            ),
            Self::PayloadTooLarge(limit) => (
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than the limit of {limit} bytes"),
                None,
            ),
            Self::UriTooLong(limit) => (
                ErrorCode::UriTooLong,
                format!(
                    "the request's address (path and query) is longer than the limit of {limit} bytes"
                ),
                None,
            ),
            Self::HeadersTooLarge(limit) => (
                ErrorCode::HeadersTooLarge,
                format!("the request's headers are larger than the limit of {limit} bytes in all"),
                None,
            ),
            Self::StorageLimit { what, limit } => (
                ErrorCode::StorageLimitExceeded,
                format!(
                    "this account has reached its limit of {limit} {what}; delete some to make room"
                ),
                Some(json!({ "limit": limit, "what": what })),
            ),
            Self::UnsupportedMediaType => (
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json".to_owned(),
                None,
            ),
            Self::RateLimited {
                retry_after,
                reset_at,
            } => (
                ErrorCode::RateLimitExceeded,
                format!("too many requests; try again in {retry_after} seconds"),
                Some(json!({
                    "resetAt": storyloom_domain::time::format(&storyloom_domain::time::from_millis(reset_at * 1000)),
                    "retryAfter": retry_after,
                })),
            ),
            Self::GenerationLimited {
                limit,
                reset_at,
                retry_after,
                operation,
            } => (
                ErrorCode::RateLimitExceeded,
                format!(
                    "you have used all {limit} {} of this hour; try again in {} minutes",
                    operation_words(*operation),
                    retry_after.div_ceil(60)
                ),
                Some(json!({
                    "resetAt": storyloom_domain::time::format(&storyloom_domain::time::from_millis(reset_at * 1000)),
                    "retryAfter": retry_after,
                    "limit": limit,
                    "operation": operation,
                })),
            ),
            Self::ContentRejected {
                field,
                category,
                message,
            } => (
                ErrorCode::ContentRejected,
                message.clone(),
                Some(match category {
                    Some(c) => json!(storyloom_domain::ContentRejection {
                        field: field.clone(),
                        category: *c,
                    }),
                    None => json!({ "field": field }),
                }),
            ),
            Self::Provider(_) => (
                ErrorCode::ProviderError,
                "the story service is having trouble right now; please try again in a moment"
                    .to_owned(),
                None,
            ),
            Self::Unavailable(_) => (
                ErrorCode::Unavailable,
                "the service is temporarily unavailable; try again shortly".to_owned(),
                None,
            ),
            Self::StorageFull => (ErrorCode::Unavailable, "storage is full".to_owned(), None),
            Self::Timeout => (
                ErrorCode::Unavailable,
                "the request took too long; try again shortly".to_owned(),
                None,
            ),
            Self::Internal(_) => (
                ErrorCode::InternalError,
                "something went wrong on our side; it has been logged".to_owned(),
                None,
            ),
        };
        ErrorBody {
            code,
            message,
            details,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("resource"),
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::IdConflict => Self::IdConflict,
            StoreError::VersionConflict(current) => {
                Self::VersionConflict(serde_json::to_value(&*current).unwrap_or_default())
            }
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::StorageFull => Self::StorageFull,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let status =
            StatusCode::from_u16(body.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match &self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "dependency unavailable"),
            Self::StorageFull => tracing::warn!("database storage is full; write refused"),
            Self::Provider(cause) => tracing::warn!(%cause, "AI provider failed"),
            _ => tracing::debug!(code = ?body.code, "request refused"),
        }
        let mut resp = (status, axum::Json(Envelope::err(body))).into_response();
        match self {
            Self::RateLimited { retry_after, .. } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Self::GenerationLimited {
                limit,
                reset_at,
                retry_after,
                ..
            } => {
                let h = resp.headers_mut();
                h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                crate::routes::rate_limit_headers(h, limit.max(0) as u32, 0, reset_at);
            }
            Self::Unavailable(_) | Self::StorageFull | Self::Timeout => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(5u64));
            }
            _ => {}
        }
        resp
    }
}

fn operation_words(op: storyloom_domain::Operation) -> &'static str {
    use storyloom_domain::Operation as O;
    match op {
        O::StoryGeneration => "story generations",
        O::AudioGeneration => "narrations",
        O::IllustrationGeneration => "illustration sets",
        O::AvatarGeneration => "avatar drawings",
        O::EventEnhancement => "event enhancements",
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

/// Map a store failure, naming what a `NotFound` was about (`hero not found`): the same words
/// from every entry point, so a REST 404 and a push `rejected` say the same thing.
pub fn missing(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}
