//! The one error type apps see (STYLE.md §20).
//!
//! The client core's [`storyloom_client::Error`] is rich (HTTP status, envelope, rusqlite,
//! I/O…) because the core needs the detail to retry, refresh and park mutations. An app only
//! needs to know what to do next, so each variant here is one reaction: show "offline", go to
//! the sign-in screen, highlight a form field, refresh and look at the conflicts, remove a
//! stale row, wait, or report a bug. The mapping lives in one place ([`From`] below), which is
//! also where failures that are our fault (storage, undecodable answers) get logged.

use std::time::Duration;

use storyloom_client::Error as CoreError;
use storyloom_domain::{ErrorBody, ErrorCode, FieldErrors};

/// What went wrong, as something the app can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum StoryloomError {
    /// The server could not be reached. Local reads and writes keep working; writes are
    /// queued and sync later. Show an "offline" badge, not an error dialog.
    #[error("offline: the Storyloom server could not be reached")]
    Offline,
    /// There is no valid session any more (never signed in, signed out, or the server no
    /// longer accepts it). Show the sign-in screen; local data and queued writes are kept.
    #[error("signed out: sign in again")]
    SignedOut,
    /// A value the user typed is not acceptable. `field` is the API's field name
    /// (`name`, `age`, `traits`, `email`, `password`, …; empty when the whole request is
    /// meant), `message` a sentence to show next to it. Wrong email or password on sign-in is
    /// reported on `password`.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The field to highlight.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The entity was changed elsewhere in a way that clashes with this request. Refresh;
    /// for synced edits see `SyncEngine.conflicts()`.
    #[error("conflict: this was changed elsewhere; reload and try again")]
    Conflict,
    /// No such entity (or conflict) any more: drop it from the screen.
    #[error("not found")]
    NotFound,
    /// Too many requests (generation quotas included); try again after `retry_after` when
    /// the server said how long.
    #[error("rate limited: try again later")]
    RateLimited {
        /// How long to wait, when the server said.
        retry_after: Option<Duration>,
    },
    /// The server failed or refused for a reason the user cannot fix by editing input.
    #[error("server error: {message}")]
    Server {
        /// The server's message (safe to show; it never carries internals).
        message: String,
    },
    /// The local cache, media files or the app's session store failed: a bug or a full disk.
    #[error("local storage error: {message}")]
    Storage {
        /// What failed, for bug reports.
        message: String,
    },
}

/// A foreign callback (the app's `SessionStore`) threw something that is not a
/// `StoryloomError`, or the call itself failed.
impl From<uniffi::UnexpectedUniFFICallbackError> for StoryloomError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        tracing::warn!(error = %e.reason, "app callback failed");
        StoryloomError::Storage {
            message: format!("app callback failed: {}", e.reason),
        }
    }
}

impl From<CoreError> for StoryloomError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Network(_) | CoreError::Offline => StoryloomError::Offline,
            CoreError::SignedOut => StoryloomError::SignedOut,
            CoreError::Validation(fields) => invalid_from_fields(&fields, ""),
            CoreError::NotFound { .. } | CoreError::ConflictNotFound(_) => StoryloomError::NotFound,
            CoreError::Http {
                status,
                body,
                retry_after,
            } => from_http(status, body, retry_after),
            CoreError::Decode(message) => {
                tracing::warn!(%message, "server answer did not match the contract");
                StoryloomError::Server { message }
            }
            e @ (CoreError::Db(_)
            | CoreError::Json(_)
            | CoreError::Io(_)
            | CoreError::Task(_)
            | CoreError::Invalid(_)) => {
                tracing::error!(error = %e, "local storage failure");
                StoryloomError::Storage {
                    message: e.to_string(),
                }
            }
        }
    }
}

/// The first field error (sorted by field name, as the core keeps them) becomes the
/// variant; when several fields are wrong the others are named in the message so nothing is
/// hidden, and fixing the first one lets the next submit point at the next.
fn invalid_from_fields(fields: &FieldErrors, fallback: &str) -> StoryloomError {
    let mut iter = fields.iter();
    match iter.next() {
        Some((field, message)) => {
            let others: Vec<&str> = iter.map(|(f, _)| f.as_str()).collect();
            let message = if others.is_empty() {
                message.clone()
            } else {
                format!("{message} (also invalid: {})", others.join(", "))
            };
            StoryloomError::InvalidInput {
                field: field.clone(),
                message,
            }
        }
        None => StoryloomError::InvalidInput {
            field: String::new(),
            message: fallback.to_owned(),
        },
    }
}

fn from_http(
    status: u16,
    body: Option<ErrorBody>,
    retry_after: Option<Duration>,
) -> StoryloomError {
    let code = body.as_ref().map(|b| b.code);
    let message = body
        .as_ref()
        .map(|b| b.message.clone())
        .unwrap_or_else(|| format!("the server answered HTTP {status}"));
    let input = |field: &str| StoryloomError::InvalidInput {
        field: field.to_owned(),
        message: message.clone(),
    };
    match (status, code) {
        (_, Some(ErrorCode::InvalidCredentials)) => input("password"),
        (_, Some(ErrorCode::EmailTaken)) => input("email"),
        (400, _) => {
            let fields: Option<FieldErrors> = body
                .as_ref()
                .and_then(|b| b.details.clone())
                .and_then(|d| serde_json::from_value(d).ok());
            match fields {
                Some(f) if !f.is_empty() => invalid_from_fields(&f, &message),
                _ => input(""),
            }
        }
        // The content-safety rules refused what was asked for: the user can rephrase.
        (_, Some(ErrorCode::ContentRejected)) | (413, _) => input(""),
        (401, _) => StoryloomError::SignedOut,
        (404, _) | (410, _) => StoryloomError::NotFound,
        (409, _) => StoryloomError::Conflict,
        (429, _) => StoryloomError::RateLimited { retry_after },
        _ => {
            if status >= 500 {
                tracing::warn!(status, %message, "server failure");
            }
            StoryloomError::Server { message }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: ErrorCode, details: Option<serde_json::Value>) -> CoreError {
        CoreError::Http {
            status,
            body: Some(ErrorBody {
                code,
                message: "msg".into(),
                details,
            }),
            retry_after: Some(Duration::from_secs(7)),
        }
    }

    #[test]
    fn each_core_failure_maps_to_one_reaction() {
        assert_eq!(
            StoryloomError::from(CoreError::Offline),
            StoryloomError::Offline
        );
        assert_eq!(
            StoryloomError::from(CoreError::SignedOut),
            StoryloomError::SignedOut
        );
        assert_eq!(
            StoryloomError::from(http(401, ErrorCode::Unauthorized, None)),
            StoryloomError::SignedOut
        );
        assert_eq!(
            StoryloomError::from(http(401, ErrorCode::InvalidCredentials, None)),
            StoryloomError::InvalidInput {
                field: "password".into(),
                message: "msg".into()
            }
        );
        assert_eq!(
            StoryloomError::from(http(409, ErrorCode::EmailTaken, None)),
            StoryloomError::InvalidInput {
                field: "email".into(),
                message: "msg".into()
            }
        );
        assert_eq!(
            StoryloomError::from(http(409, ErrorCode::VersionConflict, None)),
            StoryloomError::Conflict
        );
        assert_eq!(
            StoryloomError::from(http(404, ErrorCode::NotFound, None)),
            StoryloomError::NotFound
        );
        assert_eq!(
            StoryloomError::from(http(429, ErrorCode::RateLimitExceeded, None)),
            StoryloomError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            StoryloomError::from(http(502, ErrorCode::ProviderError, None)),
            StoryloomError::Server {
                message: "msg".into()
            }
        );
        assert!(matches!(
            StoryloomError::from(CoreError::Invalid("x".into())),
            StoryloomError::Storage { .. }
        ));
    }

    #[test]
    fn validation_names_the_first_field_and_mentions_the_others() {
        let details = serde_json::json!({"age": "must be 1-17", "name": "too long"});
        assert_eq!(
            StoryloomError::from(http(400, ErrorCode::ValidationError, Some(details))),
            StoryloomError::InvalidInput {
                field: "age".into(),
                message: "must be 1-17 (also invalid: name)".into()
            }
        );
        let mut local = FieldErrors::new();
        local.insert("traits".into(), "pick at least one trait".into());
        assert_eq!(
            StoryloomError::from(CoreError::Validation(local)),
            StoryloomError::InvalidInput {
                field: "traits".into(),
                message: "pick at least one trait".into()
            }
        );
    }
}
