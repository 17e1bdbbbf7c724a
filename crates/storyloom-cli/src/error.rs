//! The CLI's one error type, and the one place that turns a failure into an exit code.
//!
//! Scripts branch on the exit code, people read the message and the hint; both come from here
//! so that every command agrees. Client-core errors are classified once, in
//! `From<storyloom_client::Error>`, by what the user can do about them (fix the input, sign in,
//! get online, wait for the server, pick another target) rather than by where they came from.
//!
//! | code | meaning |
//! | ---: | --- |
//! | 0 | success (a change saved on this device and queued for sync counts as success) |
//! | 1 | local failure (cache, disk) or a bug |
//! | 2 | usage: bad arguments or invalid input |
//! | 3 | authentication: not signed in, session expired, wrong email or password |
//! | 4 | offline: the command needs the server and it could not be reached |
//! | 5 | server error: the server failed (5xx) or answered something unexpected |
//! | 6 | not found: no such hero, story, event, conflict or media |
//! | 7 | refused: the server said no (email taken, rate limit, content rules, conflict) |

use std::time::Duration;

use serde_json::{Value, json};
use storyloom_client::Error as ClientError;
use storyloom_domain::{ErrorCode, FieldErrors};

/// Exit code of a command that did what was asked.
pub const EXIT_OK: u8 = 0;
/// Local failure or bug.
pub const EXIT_FAILURE: u8 = 1;
/// Bad arguments or invalid input (clap uses 2 for its own usage errors too).
pub const EXIT_USAGE: u8 = 2;
/// Not signed in, session gone, wrong credentials.
pub const EXIT_AUTH: u8 = 3;
/// The server could not be reached and the command needs it.
pub const EXIT_OFFLINE: u8 = 4;
/// The server failed.
pub const EXIT_SERVER: u8 = 5;
/// No such thing.
pub const EXIT_NOT_FOUND: u8 = 6;
/// The server refused the request.
pub const EXIT_REFUSED: u8 = 7;

/// The exit code table, as `--help` shows it.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (changes saved offline and queued for sync count as success)
  1  local failure (cache, disk) or a bug
  2  usage: bad arguments or invalid input
  3  authentication: not signed in, session expired, wrong email or password
  4  offline: the command needs the server and it could not be reached
  5  server error: the server failed or answered something unexpected
  6  not found: no such hero, story, event, conflict or media
  7  refused by the server: email taken, rate limit, content rules, conflict";

/// Everything a command can fail with, grouped by what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line asks for something impossible or incomplete.
    #[error("{0}")]
    Usage(String),

    /// Input broke the contract's validation rules (locally or on the server).
    #[error("invalid input: {}", describe_fields(.0))]
    Invalid(FieldErrors),

    /// No session is stored, or the server no longer accepts it.
    #[error("not signed in")]
    NotSignedIn,

    /// Sign-in refused (wrong email or password, and the like).
    #[error("{0}")]
    Auth(String),

    /// The server could not be reached.
    #[error("offline: {0}")]
    Offline(String),

    /// The server failed.
    #[error("server error: {0}")]
    Server(String),

    /// No such entity (locally or on the server).
    #[error("{message}")]
    NotFound {
        /// What was not found.
        message: String,
        /// What to do next.
        hint: Option<String>,
    },

    /// The server understood and said no.
    #[error("the server refused: {message}")]
    Refused {
        /// The server's error code, when it sent one.
        code: Option<ErrorCode>,
        /// The server's message.
        message: String,
        /// `Retry-After`, for rate limits.
        retry_after: Option<Duration>,
    },

    /// The local cache, the disk, or a bug.
    #[error("{0}")]
    Local(String),
}

fn describe_fields(fields: &FieldErrors) -> String {
    if fields.is_empty() {
        return "the server did not accept the input".into();
    }
    fields
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl CliError {
    /// A "not found" with a next step.
    pub fn not_found(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::NotFound {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The process exit code (see the module doc).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Invalid(_) => EXIT_USAGE,
            Self::NotSignedIn | Self::Auth(_) => EXIT_AUTH,
            Self::Offline(_) => EXIT_OFFLINE,
            Self::Server(_) => EXIT_SERVER,
            Self::NotFound { .. } => EXIT_NOT_FOUND,
            Self::Refused { .. } => EXIT_REFUSED,
            Self::Local(_) => EXIT_FAILURE,
        }
    }

    /// Stable name of the kind, for `--json` consumers.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::Invalid(_) => "invalid",
            Self::NotSignedIn => "notSignedIn",
            Self::Auth(_) => "auth",
            Self::Offline(_) => "offline",
            Self::Server(_) => "server",
            Self::NotFound { .. } => "notFound",
            Self::Refused { .. } => "refused",
            Self::Local(_) => "local",
        }
    }

    /// What the user should do next. `server` is the URL in use, for the offline hint.
    pub fn hint(&self, server: &str) -> Option<String> {
        match self {
            Self::Usage(_) => Some("see `storyloom --help` or `storyloom <command> --help`".into()),
            Self::Invalid(_) => Some(
                "fix the values above; `storyloom <command> --help` lists what is allowed".into(),
            ),
            Self::NotSignedIn => {
                Some("run `storyloom login` (or `storyloom signup` to create an account)".into())
            }
            Self::Auth(_) => {
                Some("check the email and password, then run `storyloom login` again".into())
            }
            Self::Offline(_) => Some(format!(
                "check that the server at {server} is running and reachable (change it with \
                 --server or STORYLOOM_SERVER); what you change offline is kept and sent by \
                 `storyloom sync`"
            )),
            Self::Server(_) => {
                Some("try again in a moment; `storyloom status` shows what is waiting".into())
            }
            Self::NotFound { hint, .. } => hint.clone(),
            Self::Refused {
                code, retry_after, ..
            } => match code {
                Some(ErrorCode::EmailTaken) => {
                    Some("that email has an account: run `storyloom login` instead".into())
                }
                Some(ErrorCode::RateLimitExceeded) => Some(match retry_after {
                    Some(d) => format!(
                        "the hourly limit is reached; try again in {} (`storyloom usage` shows the limits)",
                        human_duration(*d)
                    ),
                    None => {
                        "the hourly limit is reached; `storyloom usage` shows when it resets".into()
                    }
                }),
                Some(ErrorCode::ContentRejected) => {
                    Some("rephrase the request; the content rules refused it".into())
                }
                Some(ErrorCode::VersionConflict) => {
                    Some("run `storyloom sync`, then try again on the current version".into())
                }
                _ => None,
            },
            Self::Local(_) => None,
        }
    }

    /// The error as `--json` prints it.
    pub fn to_json(&self, server: &str) -> Value {
        let mut v = json!({
            "kind": self.kind(),
            "message": self.to_string(),
            "exitCode": self.exit_code(),
        });
        if let Some(h) = self.hint(server) {
            v["hint"] = json!(h);
        }
        match self {
            Self::Invalid(fields) => v["fields"] = json!(fields),
            Self::Refused {
                code: Some(code), ..
            } => v["code"] = json!(code),
            _ => {}
        }
        json!({ "error": v })
    }
}

/// "2 min", "45 s", "1 h 5 min".
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Network(err) => {
                Self::Offline(format!("could not reach the server ({})", root_cause(&err)))
            }
            ClientError::Offline => Self::Offline("this needs a connection to the server".into()),
            ClientError::SignedOut => Self::NotSignedIn,
            ClientError::Validation(fields) => Self::Invalid(fields),
            ClientError::NotFound { entity, id } => Self::not_found(
                format!("{} {id} is not on this device", entity.name()),
                "run `storyloom sync` to fetch the latest from the server",
            ),
            ClientError::ConflictNotFound(n) => Self::not_found(
                format!("no conflict {n} (already resolved?)"),
                "run `storyloom conflicts list` to see the open ones",
            ),
            ClientError::Http {
                status,
                body,
                retry_after,
            } => {
                let code = body.as_ref().map(|b| b.code);
                let message = body
                    .as_ref()
                    .map(|b| b.message.clone())
                    .unwrap_or_else(|| format!("HTTP {status}"));
                match (status, code) {
                    (_, Some(ErrorCode::InvalidCredentials)) => {
                        Self::Auth("wrong email or password".into())
                    }
                    (401, _) => Self::NotSignedIn,
                    (400, _) => {
                        let fields: FieldErrors = body
                            .as_ref()
                            .and_then(|b| b.details.as_ref())
                            .and_then(Value::as_object)
                            .map(|o| {
                                o.iter()
                                    .map(|(k, v)| {
                                        let m =
                                            v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                                        (k.clone(), m)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        if fields.is_empty() {
                            Self::Usage(message)
                        } else {
                            Self::Invalid(fields)
                        }
                    }
                    (404, _) => Self::not_found(
                        message,
                        "run `storyloom sync`: it may have been deleted on another device",
                    ),
                    (500..=599, _) => Self::Server(message),
                    _ => Self::Refused {
                        code,
                        message,
                        retry_after,
                    },
                }
            }
            ClientError::Decode(m) => Self::Server(format!("unexpected answer: {m}")),
            other => Self::Local(other.to_string()),
        }
    }
}

/// The innermost error message: reqwest's top level says only "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::Local(e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        Self::Local(format!("json: {e}"))
    }
}

/// Result alias of the CLI.
pub type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;
    use storyloom_domain::ErrorBody;

    fn http(status: u16, code: ErrorCode) -> ClientError {
        ClientError::Http {
            status,
            body: Some(ErrorBody {
                code,
                message: "m".into(),
                details: None,
            }),
            retry_after: None,
        }
    }

    #[test]
    fn client_errors_map_to_the_documented_exit_codes() {
        let cases = [
            (ClientError::Offline, EXIT_OFFLINE),
            (ClientError::SignedOut, EXIT_AUTH),
            (http(401, ErrorCode::InvalidCredentials), EXIT_AUTH),
            (http(401, ErrorCode::Unauthorized), EXIT_AUTH),
            (http(400, ErrorCode::ValidationError), EXIT_USAGE),
            (ClientError::Validation(FieldErrors::new()), EXIT_USAGE),
            (http(404, ErrorCode::NotFound), EXIT_NOT_FOUND),
            (ClientError::ConflictNotFound(3), EXIT_NOT_FOUND),
            (http(409, ErrorCode::EmailTaken), EXIT_REFUSED),
            (http(429, ErrorCode::RateLimitExceeded), EXIT_REFUSED),
            (http(403, ErrorCode::ContentRejected), EXIT_REFUSED),
            (http(500, ErrorCode::InternalError), EXIT_SERVER),
            (http(502, ErrorCode::ProviderError), EXIT_SERVER),
            (http(503, ErrorCode::Unavailable), EXIT_SERVER),
            (ClientError::Decode("x".into()), EXIT_SERVER),
            (ClientError::Invalid("x".into()), EXIT_FAILURE),
        ];
        for (e, code) in cases {
            let shown = e.to_string();
            assert_eq!(CliError::from(e).exit_code(), code, "{shown}");
        }
    }

    #[test]
    fn validation_details_become_field_errors() {
        let e = ClientError::Http {
            status: 400,
            body: Some(ErrorBody {
                code: ErrorCode::ValidationError,
                message: "invalid".into(),
                details: Some(json!({"age": "must be between 1 and 17"})),
            }),
            retry_after: None,
        };
        let cli = CliError::from(e);
        assert_eq!(
            cli.to_string(),
            "invalid input: age: must be between 1 and 17"
        );
        let j = cli.to_json("http://x");
        assert_eq!(j["error"]["fields"]["age"], "must be between 1 and 17");
        assert_eq!(j["error"]["exitCode"], 2);
    }

    #[test]
    fn every_error_that_can_be_acted_on_says_what_to_do() {
        assert!(
            CliError::NotSignedIn
                .hint("s")
                .unwrap()
                .contains("storyloom login")
        );
        assert!(
            CliError::Offline("x".into())
                .hint("http://h:1")
                .unwrap()
                .contains("http://h:1")
        );
        let limited = CliError::Refused {
            code: Some(ErrorCode::RateLimitExceeded),
            message: "m".into(),
            retry_after: Some(Duration::from_secs(125)),
        };
        assert!(limited.hint("s").unwrap().contains("3 min"));
    }
}
