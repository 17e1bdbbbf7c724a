//! The client core's internal error and its retry classification.
//!
//! Every failure is classified once, by [`Error::retry_kind`], so the API client's retry loop
//! and the sync engine agree on what is worth trying again (SYNC.md "Retry"; STYLE.md §18):
//! network failures, 408, 429 and 5xx are transient; a 401 goes to one session refresh, then to
//! signed-out; every other 4xx is permanent and parks the mutation for the app to see.

use std::time::Duration;

use storyloom_domain::{EntityKind, ErrorBody, ErrorCode, FieldErrors};
use uuid::Uuid;

/// Result alias of the client core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong inside the client core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server could not be reached (connect, DNS, timeout, reset).
    #[error("network error: {0}")]
    Network(#[source] reqwest::Error),

    /// The server answered with an error status.
    #[error("server answered {status}: {}", .body.as_ref().map_or("(no error body)", |b| b.message.as_str()))]
    Http {
        /// HTTP status.
        status: u16,
        /// The envelope's error object, when the body had one.
        body: Option<ErrorBody>,
        /// `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },

    /// The session is gone (refresh failed or no session): the app must sign in again. The
    /// outbox is kept.
    #[error("signed out")]
    SignedOut,

    /// A call that only the server can answer (generation) was made without network.
    #[error("offline: this needs a connection to the server")]
    Offline,

    /// A request body broke the contract's validation rules; caught before anything is stored.
    #[error("invalid input: {0:?}")]
    Validation(FieldErrors),

    /// No such entity in the local cache.
    #[error("{} {id} not found", .entity.name())]
    NotFound {
        /// Kind of the missing entity.
        entity: EntityKind,
        /// Its id.
        id: Uuid,
    },

    /// No such conflict record, or it was already resolved.
    #[error("conflict {0} not found")]
    ConflictNotFound(i64),

    /// A 2xx body that did not match the contract.
    #[error("could not decode the server's answer: {0}")]
    Decode(String),

    /// Local database failure.
    #[error("local database: {0}")]
    Db(#[from] rusqlite::Error),

    /// JSON (de)serialisation of a local row.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),

    /// File system failure (session file, media cache).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),

    /// A blocking task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),

    /// A local invariant did not hold; a bug or a corrupted cache.
    #[error("{0}")]
    Invalid(String),
}

/// What a caller should do with a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The server was not reached: retry with backoff; the app is offline meanwhile.
    Network,
    /// The server is overloaded or failing (408, 429, 5xx): retry after `retry_after` if the
    /// server said so, otherwise with backoff.
    Transient {
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (other 4xx, bad local data).
    Permanent,
    /// 401: refresh the session once, then the user is signed out.
    Unauthorized,
}

/// Classify an HTTP status (SYNC.md "Retry").
pub fn classify_status(status: u16, retry_after: Option<Duration>) -> RetryKind {
    match status {
        401 => RetryKind::Unauthorized,
        408 | 429 | 500..=599 => RetryKind::Transient { retry_after },
        _ => RetryKind::Permanent,
    }
}

impl Error {
    /// How to react to this error.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Error::Network(_) | Error::Offline => RetryKind::Network,
            Error::Http {
                status,
                retry_after,
                ..
            } => classify_status(*status, *retry_after),
            Error::SignedOut => RetryKind::Unauthorized,
            _ => RetryKind::Permanent,
        }
    }

    /// The error code the server sent, if any.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Http { body: Some(b), .. } => Some(b.code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the failure means "no connection" (as opposed to a server answer).
    pub fn is_offline(&self) -> bool {
        matches!(self.retry_kind(), RetryKind::Network)
    }

    /// Generation calls report lack of network as [`Error::Offline`], which the app shows as
    /// "needs a connection" rather than as a technical network error.
    pub(crate) fn offline_if_network(self) -> Error {
        if matches!(self, Error::Network(_)) {
            Error::Offline
        } else {
            self
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Task(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_per_sync_md() {
        let ra = Some(Duration::from_secs(3));
        assert_eq!(classify_status(401, None), RetryKind::Unauthorized);
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                classify_status(s, ra),
                RetryKind::Transient { retry_after: ra },
                "{s}"
            );
        }
        for s in [400, 403, 404, 405, 409, 410, 413, 415, 422] {
            assert_eq!(classify_status(s, None), RetryKind::Permanent, "{s}");
        }
    }

    #[test]
    fn offline_and_signed_out_have_their_own_kinds() {
        assert_eq!(Error::Offline.retry_kind(), RetryKind::Network);
        assert_eq!(Error::SignedOut.retry_kind(), RetryKind::Unauthorized);
        assert_eq!(
            Error::Invalid("x".into()).retry_kind(),
            RetryKind::Permanent
        );
    }
}
