//! Hero: server wins (SYNC.md). An unsynced local edit is replaced by the server copy when
//! the server changed the hero meanwhile, and the loss is reported; a delete on either side
//! wins over an edit.

use chrono::{DateTime, Utc};
use storyloom_domain::{EntityKind, FieldErrors, Hero, HeroCreate, HeroId, HeroUpdate};

use super::{DeleteVsEdit, Field, Merge, Spec, SyncEntity, field_names, recreate_json};

static SPEC: Spec = Spec {
    kind: EntityKind::Hero,
    table: "heroes",
    parent: None,
    fields: &[
        Field::new("name", Merge::ServerWins),
        Field::new("age", Merge::ServerWins),
        Field::new("traits", Merge::ServerWins),
        Field::new("specialAbility", Merge::ServerWins),
        Field::new("appearance", Merge::ServerWins),
        Field::new("hairColor", Merge::ServerWins),
        Field::new("eyeColor", Merge::ServerWins),
        Field::new("skinTone", Merge::ServerWins),
    ],
    delete_vs_edit: DeleteVsEdit::DeleteWins,
    edit_time: None,
    recreate: recreate_json::<Hero>,
    create_fields: field_names::<HeroCreate>,
};

impl SyncEntity for Hero {
    type Id = HeroId;
    type Create = HeroCreate;
    type Update = HeroUpdate;
    const SPEC: &'static Spec = &SPEC;

    fn create_id(body: &mut HeroCreate) -> HeroId {
        *body.id.get_or_insert_with(HeroId::new)
    }

    fn new_local(
        id: HeroId,
        body: &mut HeroCreate,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        Ok(body.to_hero(id, 0, now))
    }

    fn recreate(self, _id: HeroId) -> Option<(Self, HeroCreate)> {
        // A server delete wins over a hero edit: there is never a conflict to resolve.
        None
    }
}
