//! Entity ids. The server makes UUIDv7 (time-ordered, so "newest first" is an index scan);
//! clients may send any UUID of their own on create so offline-made entities keep their id.
//!
//! Each entity has its own id type, so a signature such as `get_hero(user: UserId, id: HeroId)`
//! cannot be called with its arguments swapped. On the wire they are plain UUID strings
//! (`#[serde(transparent)]`), so the JSON is unchanged.

use uuid::Uuid;

/// A new time-ordered id for a server-made entity.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(new_id())
            }

            /// The UUID inside.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        /// Compares with the plain UUID a change or a job carries for any entity kind.
        impl PartialEq<Uuid> for $name {
            fn eq(&self, other: &Uuid) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for Uuid {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

typed_id!(
    /// An account.
    UserId
);
typed_id!(
    /// A hero.
    HeroId
);
typed_id!(
    /// A story.
    StoryId
);
typed_id!(
    /// One illustration of a story.
    IllustrationId
);
typed_id!(
    /// A family's custom event.
    CustomEventId
);
typed_id!(
    /// A queued generation job.
    JobId
);
typed_id!(
    /// A usage record (a reserved or finished provider call).
    UsageRecordId
);
typed_id!(
    /// A client's sync mutation (its idempotency key).
    MutationId
);
typed_id!(
    /// One listening session (a listen of a story, recorded by the client).
    ListeningSessionId
);
