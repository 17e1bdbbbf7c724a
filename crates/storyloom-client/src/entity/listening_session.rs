//! Listening session: written once by the device that played the story, never edited, so
//! nothing can conflict; a server delete removes the local copy.
//!
//! No parent: a session outlives its story on the server (the journey still counts a deleted
//! story's listens), so the cache must not drop it with the story either.

use chrono::{DateTime, Utc};
use storyloom_domain::{
    EntityKind, FieldErrors, HeroId, ListeningSession, ListeningSessionCreate, ListeningSessionId,
};

use super::{DeleteVsEdit, ServerMade, Spec, SyncEntity, field_names, recreate_json};

static SPEC: Spec = Spec {
    kind: EntityKind::ListeningSession,
    table: "listening_sessions",
    parent: None,
    fields: &[],
    delete_vs_edit: DeleteVsEdit::DeleteWins,
    edit_time: None,
    recreate: recreate_json::<ListeningSession>,
    create_fields: field_names::<ListeningSessionCreate>,
};

impl SyncEntity for ListeningSession {
    type Id = ListeningSessionId;
    type Create = ListeningSessionCreate;
    type Update = ServerMade;
    const SPEC: &'static Spec = &SPEC;

    fn create_id(body: &mut ListeningSessionCreate) -> ListeningSessionId {
        *body.id.get_or_insert_with(ListeningSessionId::new)
    }

    /// The hero is the server's to fill in from the story; until the session syncs it is the
    /// nil id, which the journey figures resolve through the story (`Journey::new`).
    fn new_local(
        id: ListeningSessionId,
        body: &mut ListeningSessionCreate,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        Ok(ListeningSession {
            id,
            story_id: body.story_id,
            hero_id: HeroId::default(),
            started_at: body.started_at,
            ended_at: body.ended_at,
            duration_seconds: body.duration_seconds,
            completed: body.completed,
            version: 0,
            created_at: now,
        })
    }

    fn recreate(self, _id: ListeningSessionId) -> Option<(Self, ListeningSessionCreate)> {
        None
    }
}
