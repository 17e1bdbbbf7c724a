//! FFI mirrors of the domain and client-core types.
//!
//! The core and the domain crate stay free of `uniffi` derives (STYLE.md §19): these are
//! separate records and enums with `From` conversions. They are shaped for Swift and Kotlin
//! rather than for the wire: ids are strings (parsed back with a field-named
//! [`StoryloomError::InvalidInput`]), times are `SystemTime` (Swift `Date`, Kotlin `Instant`,
//! Python `datetime`), JSON payloads of conflicts are JSON text, and "clear this optional
//! field" — a `null` in a PATCH, which Kotlin cannot express as a nested optional — is an
//! empty string (or a `clear_*` flag for enums).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use storyloom_client as core;
use storyloom_domain as d;
use uuid::Uuid;

use crate::error::StoryloomError;

/// Declare an FFI enum that mirrors a fieldless domain enum variant for variant, with `From`
/// both ways (an exhaustive match, so a new domain variant fails the build here).
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $name:ident = $dom:ty {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<$dom> for $name {
            fn from(v: $dom) -> Self {
                type Src = $dom;
                match v {
                    $( Src::$variant => Self::$variant ),+
                }
            }
        }

        impl From<$name> for $dom {
            fn from(v: $name) -> Self {
                type Dst = $dom;
                match v {
                    $( $name::$variant => Dst::$variant ),+
                }
            }
        }
    };
}

mirror_enum! {
    /// Personality traits a hero can have.
    HeroTrait = d::HeroTrait {
        /// Brave.
        Brave,
        /// Curious.
        Curious,
        /// Kind.
        Kind,
        /// Funny.
        Funny,
        /// Clever.
        Clever,
        /// Creative.
        Creative,
        /// Adventurous.
        Adventurous,
        /// Gentle.
        Gentle,
        /// Helpful.
        Helpful,
        /// Caring.
        Caring,
        /// Patient.
        Patient,
        /// Energetic.
        Energetic,
        /// Shy.
        Shy,
        /// Imaginative.
        Imaginative,
        /// Determined.
        Determined,
        /// Honest.
        Honest,
        /// Playful.
        Playful,
        /// Calm.
        Calm,
    }
}

mirror_enum! {
    /// Where a hero's avatar picture is in its making.
    AvatarStatus = d::AvatarStatus {
        /// Never asked for.
        None,
        /// Queued on the server.
        Pending,
        /// Being drawn.
        Processing,
        /// `avatar_url` is set.
        Completed,
        /// Drawing failed; ask again.
        Failed,
    }
}

mirror_enum! {
    /// Story languages.
    Language = d::Language {
        /// English.
        En,
        /// French.
        Fr,
        /// Spanish.
        Es,
        /// German.
        De,
        /// Italian.
        It,
    }
}

mirror_enum! {
    /// How long a story is read aloud: about 2, 5 or 10 minutes.
    StoryLength = d::StoryLength {
        /// About 2 minutes.
        Short,
        /// About 5 minutes.
        Medium,
        /// About 10 minutes.
        Long,
    }
}

mirror_enum! {
    /// Narration voices.
    Voice = d::Voice {
        /// Alloy.
        Alloy,
        /// Ash.
        Ash,
        /// Coral.
        Coral,
        /// Echo.
        Echo,
        /// Fable (the default).
        Fable,
        /// Nova.
        Nova,
        /// Onyx.
        Onyx,
        /// Sage.
        Sage,
        /// Shimmer.
        Shimmer,
    }
}

mirror_enum! {
    /// Built-in occasions a story can be written for.
    EventType = d::EventType {
        /// Bedtime.
        Bedtime,
        /// A school day.
        SchoolDay,
        /// A birthday.
        Birthday,
        /// The weekend.
        Weekend,
        /// A rainy day.
        RainyDay,
        /// Family.
        Family,
        /// Friendship.
        Friendship,
        /// A holiday.
        Holiday,
        /// An adventure.
        Adventure,
        /// Learning something.
        Learning,
        /// A new sibling.
        NewSibling,
        /// A visit to the doctor.
        DoctorVisit,
    }
}

mirror_enum! {
    /// Status of one generated artefact (narration, one illustration).
    GenerationStatus = d::GenerationStatus {
        /// Never asked for.
        None,
        /// Queued.
        Pending,
        /// Being made.
        Processing,
        /// Ready.
        Completed,
        /// Failed; ask again.
        Failed,
    }
}

mirror_enum! {
    /// Status of a story's set of illustrations.
    IllustrationStatus = d::IllustrationStatus {
        /// Never asked for.
        None,
        /// Queued.
        Pending,
        /// Being drawn.
        Processing,
        /// All drawn.
        Completed,
        /// Some drawn, some failed.
        Partial,
        /// All failed.
        Failed,
    }
}

mirror_enum! {
    /// Custom event categories.
    EventCategory = d::EventCategory {
        /// General (the default).
        General,
        /// Adventure.
        Adventure,
        /// Learning.
        Learning,
        /// Family.
        Family,
        /// Friendship.
        Friendship,
        /// School.
        School,
        /// Holiday.
        Holiday,
        /// Bedtime.
        Bedtime,
        /// Nature.
        Nature,
        /// Feelings.
        Feelings,
    }
}

mirror_enum! {
    /// The mood of a custom event's stories.
    EventTone = d::EventTone {
        /// Cheerful (the default).
        Cheerful,
        /// Calming.
        Calming,
        /// Exciting.
        Exciting,
        /// Gentle.
        Gentle,
        /// Funny.
        Funny,
        /// Heartwarming.
        Heartwarming,
    }
}

mirror_enum! {
    /// Age bands a custom event is meant for.
    AgeRange = d::AgeRange {
        /// 3–5 years.
        Small,
        /// 6–8 years.
        Middle,
        /// 9–12 years.
        Older,
    }
}

mirror_enum! {
    /// Synced entity kinds.
    EntityKind = d::EntityKind {
        /// A hero.
        Hero,
        /// A story.
        Story,
        /// A story's illustration.
        Illustration,
        /// A custom event.
        CustomEvent,
        /// A listening session.
        ListeningSession,
    }
}

mirror_enum! {
    /// Where a local row stands with the server, for "not synced yet" badges.
    SyncStatus = core::SyncStatus {
        /// Equal to the last server copy.
        Synced,
        /// Made on this device, not yet on the server.
        PendingCreate,
        /// Edited on this device, not yet on the server.
        PendingUpdate,
        /// Deleted on this device (hidden), not yet on the server.
        PendingDelete,
        /// The server refused the change; see `SyncInfo.error`.
        Failed,
        /// Clashed with an edit from another device; see `SyncEngine.conflicts()`.
        Conflict,
    }
}

mirror_enum! {
    /// Kinds of queued change.
    MutationOp = d::MutationOp {
        /// Create.
        Create,
        /// Edit.
        Update,
        /// Delete.
        Delete,
        /// Play-count increment.
        Increment,
    }
}

mirror_enum! {
    /// State of a queued change.
    OutboxState = core::OutboxState {
        /// Waiting to be sent (or being retried).
        Queued,
        /// Refused by the server; waits for `retry_failed` or `discard_failed`.
        Failed,
    }
}

mirror_enum! {
    /// What clashed in a conflict.
    ConflictKind = core::ConflictKind {
        /// Both devices edited the same text.
        Edit,
        /// Edited here, deleted on another device.
        DeletedOnServer,
    }
}

mirror_enum! {
    /// What a cached media file is, which decides how long it is kept.
    MediaKind = core::MediaKind {
        /// A hero's picture (kept).
        Avatar,
        /// A story's narration (30 days by default).
        Audio,
        /// A story's picture (14 days by default).
        Illustration,
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Parse an id the app passed back; a bad one names the argument it came in.
pub(crate) fn parse_id<T: From<Uuid>>(field: &str, id: &str) -> Result<T, StoryloomError> {
    Uuid::parse_str(id)
        .map(T::from)
        .map_err(|_| StoryloomError::InvalidInput {
            field: field.to_owned(),
            message: format!("{id:?} is not an id"),
        })
}

fn parse_opt_id<T: From<Uuid>>(
    field: &str,
    id: Option<String>,
) -> Result<Option<T>, StoryloomError> {
    id.map(|s| parse_id(field, &s)).transpose()
}

/// Epoch milliseconds (the core's bookkeeping times) as a `SystemTime`.
pub(crate) fn from_millis(ms: i64) -> SystemTime {
    match u64::try_from(ms) {
        Ok(ms) => UNIX_EPOCH + Duration::from_millis(ms),
        Err(_) => UNIX_EPOCH,
    }
}

/// PATCH semantics for a clearable text field: `None` keeps it, `""` clears it.
fn clearable(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| if s.is_empty() { None } else { Some(s) })
}

/// Empty text is "not given" on create forms.
fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn to_json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

// ---------------------------------------------------------------------------------------------
// Users

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct User {
    /// Account id.
    pub id: String,
    /// Email address (normalised by the server).
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// When the account was made.
    pub created_at: SystemTime,
}

impl From<d::User> for User {
    fn from(u: d::User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email,
            name: u.name,
            created_at: u.created_at.into(),
        }
    }
}

mod event;
mod hero;
mod story;
mod sync;

pub use event::*;
pub use hero::*;
pub use story::*;
pub use sync::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_clears_and_none_keeps() {
        let patch = HeroPatch {
            hair_color: Some(String::new()),
            eye_color: Some("green".into()),
            ..Default::default()
        };
        let u = d::HeroUpdate::from(patch);
        assert_eq!(u.hair_color, Some(None));
        assert_eq!(u.eye_color, Some(Some("green".into())));
        assert_eq!(u.skin_tone, None);
        let json = serde_json::to_value(&u).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"hairColor": null, "eyeColor": "green"})
        );
    }

    #[test]
    fn clear_age_range_sends_null() {
        let u = d::CustomEventUpdate::from(CustomEventPatch {
            clear_age_range: true,
            age_range: Some(AgeRange::Small),
            ..Default::default()
        });
        assert_eq!(u.age_range, Some(None));
    }

    #[test]
    fn bad_ids_name_their_field() {
        let err = d::StoryCreate::try_from(NewStory {
            hero_id: "nope".into(),
            language: Language::En,
            event_type: Some(EventType::Bedtime),
            custom_event_id: None,
            generate_audio: false,
            generate_illustrations: false,
            voice: None,
            length: None,
            title: None,
            content: None,
        })
        .unwrap_err();
        assert!(matches!(err, StoryloomError::InvalidInput { field, .. } if field == "heroId"));
    }

    #[test]
    fn millis_become_system_time() {
        assert_eq!(
            from_millis(1_500),
            UNIX_EPOCH + Duration::from_millis(1_500)
        );
        assert_eq!(from_millis(-1), UNIX_EPOCH);
    }
}
