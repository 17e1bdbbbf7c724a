//! The one error type every provider returns.
//!
//! Variants are chosen by what the caller does with them, not by where they came from: the
//! server maps `Provider`/`Timeout`/`InvalidResponse` to 502 `PROVIDER_ERROR`, `ContentRejected`
//! to 403 `CONTENT_REJECTED`, and `Unavailable` to 503 (a missing program or key is an operator's
//! problem, not the provider's).

/// Why a generation call failed.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// The provider answered with an error, or kept failing until the retries ran out.
    /// Maps to HTTP 502 `PROVIDER_ERROR`.
    #[error("the AI provider failed after {attempts} attempt(s): {message}")]
    Provider {
        /// How many attempts were made.
        attempts: u32,
        /// HTTP status of the last answer, if there was one.
        status: Option<u16>,
        /// What went wrong (safe to log; never contains the API key).
        message: String,
    },
    /// The provider did not answer in time, on every attempt. Also a 502 for the server.
    #[error("the AI provider did not answer within {seconds} s ({attempts} attempt(s))")]
    Timeout {
        /// The per-attempt timeout.
        seconds: u64,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The request (or, rarely, the provider's output) is not suitable for a child. `message`
    /// is written for a parent and may be shown as-is. Maps to 403 `CONTENT_REJECTED`.
    #[error("{field}: {message}")]
    ContentRejected {
        /// The input field at fault, in the API's camelCase (`name`, `specialAbility`, …).
        field: String,
        /// A human explanation, suitable for the app.
        message: String,
    },
    /// The provider answered 2xx with something we cannot use (bad JSON, missing field, not
    /// an MP3/PNG). A 502 for the server.
    #[error("the AI provider sent an unusable answer: {0}")]
    InvalidResponse(String),
    /// The provider cannot run here at all (program not installed, no API key). A 503.
    #[error("AI provider unavailable: {0}")]
    Unavailable(String),
}

impl AiError {
    /// Shorthand for a [`AiError::ContentRejected`].
    pub fn rejected(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::ContentRejected {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Whether the server should answer 502 `PROVIDER_ERROR` (the provider is at fault).
    pub fn is_provider_error(&self) -> bool {
        matches!(
            self,
            Self::Provider { .. } | Self::Timeout { .. } | Self::InvalidResponse(_)
        )
    }
}
