//! Storyloom's shared vocabulary: every entity, request, response, error code and validation
//! rule of the wire contract (`docs/API.md`, `docs/SYNC.md`).
//!
//! The server and the client core both depend on this crate and nothing else defines a wire
//! type, so the JSON on either side of the connection cannot drift. It does no I/O; the only
//! optional extra is `openapi`, which derives OpenAPI schemas for the server's published
//! document.
#![warn(missing_docs)]

pub mod envelope;
pub mod event;
pub mod hero;
pub mod ids;
pub mod journey;
pub mod listening;
pub mod live;
pub mod media;
pub mod safety;
pub mod story;
pub mod sync;
pub mod time;
pub mod usage;
pub mod user;
pub mod validate;

pub use envelope::{Envelope, ErrorBody, ErrorCode, Pagination};
pub use event::{
    AgeRange, CustomEvent, CustomEventCreate, CustomEventUpdate, EventCategory, EventTone,
};
pub use hero::{AvatarRequest, AvatarStatus, Hero, HeroCreate, HeroTrait, HeroUpdate};
pub use ids::{
    CustomEventId, HeroId, IllustrationId, JobId, ListeningSessionId, MutationId, StoryId,
    UsageRecordId, UserId, new_id,
};
pub use journey::{
    ActivityDay, ActivityRange, HeroFacts, HeroFigures, Insights, Journey, JourneyActivity,
    Milestone, MilestoneCategory, MostListenedStory, Period, StoryFacts, Summary, Timezone,
    UnknownTimezone,
};
pub use listening::{ListeningSession, ListeningSessionCreate};
pub use live::{ChangedEvent, JobEvent, JobKind, JobProgress, LiveEventName};
pub use media::HasMedia;
pub use safety::{ContentCategory, ContentRejection};
pub use story::{
    AudioRequest, EventType, GenerationStatus, Illustration, IllustrationStatus,
    IllustrationStatusResponse, Language, PlayRequest, Story, StoryCreate, StoryLength,
    StoryUpdate, Voice,
};
pub use sync::{
    Change, ChangesResponse, EntityKind, Mutation, MutationOp, MutationResult, MutationStatus,
    PushRequest, PushResponse,
};
pub use usage::{Operation, OperationUsage, StorageUsage, UsageResponse, UsageTotals};
pub use user::{
    AccountDeleted, AuthResponse, Health, Profile, ProfileStats, ProfileUpdate, SessionInfo,
    SignIn, SignUp, SignedOut, User,
};
pub use validate::{FieldErrors, Validate};

/// Accept `null` as "clear this field" and absence as "leave it alone" in PATCH bodies.
///
/// serde collapses both to `None` for a plain `Option<Option<T>>`; this keeps them apart.
pub(crate) fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
