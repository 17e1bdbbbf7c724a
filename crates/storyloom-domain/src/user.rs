//! Accounts, sessions, the profile and the health answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

use crate::story::{Language, StoryLength, Voice};
use crate::validate::{Checker, FieldErrors, Lines, Validate, email_problem, normalize_email};

/// `POST /api/auth/sign-up` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /api/auth/sign-in` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

fn check_password(c: &mut Checker, p: &str) {
    let n = p.chars().count();
    if n < 8 {
        c.error("password", "must be at least 8 characters");
    } else if n > 128 {
        c.error("password", "must be at most 128 characters");
    } else if p.contains('\0') {
        c.error("password", "must not contain a NUL character");
    }
}

impl Validate for SignUp {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(m) = email_problem(&normalize_email(&self.email)) {
            c.error("email", m);
        }
        check_password(&mut c, &self.password);
        c.opt_text("name", self.name.as_deref(), 100, Lines::Single);
        c.finish()
    }
}

impl Validate for SignIn {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        if let Some(m) = email_problem(&normalize_email(&self.email)) {
            c.error("email", m);
        }
        if self.password.is_empty() {
            c.error("password", "must not be empty");
        } else if self.password.chars().count() > 128 {
            c.error("password", "must be at most 128 characters");
        }
        c.finish()
    }
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
}

/// A bearer session: the token to send and when it stops working.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SessionInfo {
    pub token: String,
    #[serde(with = "crate::time::millis")]
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionInfo {
    // The token is a credential: never let it reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Answer of sign-up, sign-in, session and refresh.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct AuthResponse {
    pub user: User,
    pub session: SessionInfo,
}

/// Counts shown on the profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ProfileStats {
    pub hero_count: i64,
    pub story_count: i64,
    pub custom_event_count: i64,
    pub favorite_story_count: i64,
    pub total_plays: i64,
}

/// `GET /api/user/profile` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Profile {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub preferred_language: Language,
    pub preferred_voice: Voice,
    /// The length of stories created without one; `null` means by the hero's age.
    #[serde(default)]
    pub default_story_length: Option<StoryLength>,
    /// IANA zone the Reading Journey counts days in (default `UTC`).
    pub timezone: crate::journey::Timezone,
    #[serde(with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    pub stats: ProfileStats,
}

/// `PATCH /api/user/profile` body; `name: null` clears the name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ProfileUpdate {
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub name: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_voice: Option<Voice>,
    /// `null` goes back to the age-based default.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StoryLength>))]
    pub default_story_length: Option<Option<StoryLength>>,
    /// An IANA name; an unknown one is a 400 naming `timezone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub timezone: Option<crate::journey::Timezone>,
}

impl Validate for ProfileUpdate {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut c = Checker::new();
        c.opt_text(
            "name",
            self.name.as_ref().and_then(|n| n.as_deref()),
            100,
            Lines::Single,
        );
        c.finish()
    }
}

/// `GET /api/health` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    pub version: String,
    /// `ok`, `degraded` (writes refused: its disk is full) or `unavailable`.
    pub database: String,
    pub storage: String,
    pub ai: String,
}

/// `POST /api/auth/sign-out` answer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// Always true.
    pub signed_out: bool,
}

/// `DELETE /api/user/account` answer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDeleted {
    /// Always true.
    pub deleted: bool,
}
