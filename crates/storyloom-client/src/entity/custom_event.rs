//! Custom event: local wins (SYNC.md). Locally changed fields are re-sent on top of the
//! server version; edited locally but deleted on the server, it becomes a conflict for the
//! app.

use chrono::{DateTime, Utc};
use storyloom_domain::{
    CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate, EntityKind, FieldErrors,
};

use super::{DeleteVsEdit, Field, Merge, Spec, SyncEntity, field_names, recreate_json};

static SPEC: Spec = Spec {
    kind: EntityKind::CustomEvent,
    table: "custom_events",
    parent: None,
    fields: &[
        Field::new("title", Merge::LocalWins),
        Field::new("description", Merge::LocalWins),
        Field::new("promptSeed", Merge::LocalWins),
        Field::new("category", Merge::LocalWins),
        Field::new("ageRange", Merge::LocalWins),
        Field::new("tone", Merge::LocalWins),
        Field::new("pictogramEmoji", Merge::LocalWins),
        Field::new("keywords", Merge::LocalWins),
        Field::new("isFavorite", Merge::LocalWins),
    ],
    delete_vs_edit: DeleteVsEdit::KeepAsConflict,
    edit_time: None,
    recreate: recreate_json::<CustomEvent>,
    create_fields: field_names::<CustomEventCreate>,
};

impl SyncEntity for CustomEvent {
    type Id = CustomEventId;
    type Create = CustomEventCreate;
    type Update = CustomEventUpdate;
    const SPEC: &'static Spec = &SPEC;

    fn create_id(body: &mut CustomEventCreate) -> CustomEventId {
        *body.id.get_or_insert_with(CustomEventId::new)
    }

    fn new_local(
        id: CustomEventId,
        body: &mut CustomEventCreate,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        Ok(CustomEvent {
            id,
            title: body.title.clone(),
            description: body.description.clone().unwrap_or_default(),
            prompt_seed: body.prompt_seed.clone(),
            category: body.category.unwrap_or_default(),
            age_range: body.age_range,
            tone: body.tone.unwrap_or_default(),
            pictogram_emoji: body.pictogram_emoji.clone(),
            keywords: body.keywords.clone().unwrap_or_default(),
            ai_enhanced: false,
            usage_count: 0,
            is_favorite: body.is_favorite.unwrap_or(false),
            last_used_at: None,
            version: 0,
            created_at: now,
            updated_at: now,
        })
    }

    fn recreate(self, id: CustomEventId) -> Option<(Self, CustomEventCreate)> {
        let body = CustomEventCreate {
            id: Some(id),
            title: self.title.clone(),
            description: Some(self.description.clone()),
            prompt_seed: self.prompt_seed.clone(),
            category: Some(self.category),
            age_range: self.age_range,
            tone: Some(self.tone),
            pictogram_emoji: self.pictogram_emoji.clone(),
            keywords: Some(self.keywords.clone()),
            is_favorite: Some(self.is_favorite),
        };
        Some((
            CustomEvent {
                id,
                version: 0,
                ..self
            },
            body,
        ))
    }
}
