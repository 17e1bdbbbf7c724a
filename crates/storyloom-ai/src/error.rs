//! The one error type every provider returns.
//!
//! Variants are chosen by what the caller does with them, not by where they came from: the
//! server maps `Provider`/`Timeout`/`InvalidResponse` to 502 `PROVIDER_ERROR`, `ContentRejected`
//! and `UnsafeOutput` to 403 `CONTENT_REJECTED`, and `Unavailable` to 503 (a missing program or key is an operator's
//! problem, not the provider's).

use storyloom_domain::ContentCategory;

use crate::UsageInfo;

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
    /// The request is not suitable for a child. `message` is written for a parent and may be
    /// shown as-is; it never quotes the word that matched. Maps to 403 `CONTENT_REJECTED`.
    #[error("{field}: {message}")]
    ContentRejected {
        /// The input field at fault, in the API's camelCase (`name`, `specialAbility`, …).
        field: String,
        /// Which family of content, when the safety rules decided (`None` for a request that
        /// has nothing usable at all, such as an empty hero name).
        category: Option<ContentCategory>,
        /// A human explanation, suitable for the app.
        message: String,
    },
    /// The provider wrote something unsafe, again when asked a second time, so nothing is
    /// kept. `usage` is what both attempts cost (the server records it). Maps to 403
    /// `CONTENT_REJECTED` on `field`.
    #[error("the generated {field} did not pass the child-safety check after {attempts} attempts ({})", category.name())]
    UnsafeOutput {
        /// The output that failed (`content` for a story, `promptSeed` for an enhancement).
        field: String,
        /// What the check found in the last attempt.
        category: ContentCategory,
        /// How many generations were tried.
        attempts: u32,
        /// What all attempts cost together.
        usage: Box<UsageInfo>,
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
    /// A [`AiError::ContentRejected`] that is not about a safety category (nothing to use).
    pub fn rejected(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::ContentRejected {
            field: field.into(),
            category: None,
            message: message.into(),
        }
    }

    /// A [`AiError::ContentRejected`] for text the safety rules refused, explained by its
    /// category (never by the word).
    pub fn unsafe_content(field: impl Into<String>, category: ContentCategory) -> Self {
        Self::ContentRejected {
            field: field.into(),
            category: Some(category),
            message: format!(
                "This text {}, which Storyloom keeps out of children's stories. Please \
                 describe it differently.",
                category.explain()
            ),
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
