//! Illustration: made by the server only; the server copy (or its deletion) always wins.
//! It belongs to its story and goes with it.

use chrono::{DateTime, Utc};
use storyloom_domain::{EntityKind, FieldErrors, Illustration, IllustrationId};

use super::{DeleteVsEdit, Parent, ServerMade, Spec, SyncEntity, field_names, recreate_json};

static SPEC: Spec = Spec {
    kind: EntityKind::Illustration,
    table: "illustrations",
    parent: Some(Parent {
        kind: EntityKind::Story,
        field: "storyId",
        column: "story_id",
    }),
    fields: &[],
    delete_vs_edit: DeleteVsEdit::DeleteWins,
    edit_time: None,
    recreate: recreate_json::<Illustration>,
    create_fields: field_names::<ServerMade>,
};

impl SyncEntity for Illustration {
    type Id = IllustrationId;
    type Create = ServerMade;
    type Update = ServerMade;
    const SPEC: &'static Spec = &SPEC;

    fn create_id(body: &mut ServerMade) -> IllustrationId {
        match *body {}
    }

    fn new_local(
        _: IllustrationId,
        body: &mut ServerMade,
        _: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        match *body {}
    }

    fn recreate(self, _id: IllustrationId) -> Option<(Self, ServerMade)> {
        None
    }
}
