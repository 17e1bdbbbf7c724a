//! Story (SYNC.md): title, content and language keep both sides (a clash is parked as a
//! conflict for the app), `isFavorite` goes to the last writer by edit time, `playCount` merges by sum of
//! increments. Edited locally but deleted on the server, a story becomes a conflict. It
//! belongs to its hero and goes with it.
//!
//! Also here: the few JSON operations the story repository's extras (plays, the favourite
//! filter) need, so that the field names stay in this declaration.

use chrono::{DateTime, Utc};
use serde_json::Value;
use storyloom_domain::{
    EntityKind, FieldErrors, GenerationStatus, IllustrationStatus, Story, StoryCreate, StoryId,
    StoryUpdate, time,
};

use super::{
    DeleteVsEdit, EditTime, Field, Merge, Parent, Spec, SyncEntity, field_names, recreate_json,
};

const PLAY_COUNT: &str = "playCount";
const LAST_PLAYED_AT: &str = "lastPlayedAt";
const IS_FAVORITE: &str = "isFavorite";
const ILLUSTRATIONS: &str = "illustrations";

static SPEC: Spec = Spec {
    kind: EntityKind::Story,
    table: "stories",
    parent: Some(Parent {
        kind: EntityKind::Hero,
        field: "heroId",
        column: "hero_id",
    }),
    fields: &[
        Field::new("title", Merge::KeepBoth),
        Field::new("content", Merge::KeepBoth),
        // The language describes the text, so it merges like the text.
        Field::new("language", Merge::KeepBoth),
        Field::new(IS_FAVORITE, Merge::LastWriterByEditTime),
        Field::new(PLAY_COUNT, Merge::SumOfIncrements),
    ],
    delete_vs_edit: DeleteVsEdit::KeepAsConflict,
    edit_time: Some(EditTime {
        column: "favorite_edited_at",
        server_field: "updatedAt",
    }),
    recreate: recreate_json::<Story>,
    create_fields: field_names::<StoryCreate>,
};

impl SyncEntity for Story {
    type Id = StoryId;
    type Create = StoryCreate;
    type Update = StoryUpdate;
    const SPEC: &'static Spec = &SPEC;

    fn create_id(body: &mut StoryCreate) -> StoryId {
        *body.id.get_or_insert_with(StoryId::new)
    }

    /// Only an import (title and content given) is made on the device; the server writes
    /// every other story (`StoryRepository::generate`).
    fn new_local(
        id: StoryId,
        body: &mut StoryCreate,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        let (Some(title), Some(content)) = (body.title.clone(), body.content.clone()) else {
            let mut e = FieldErrors::new();
            e.insert(
                "content".into(),
                "only an imported story (title and content) is made on the device; the server \
                 writes the others"
                    .into(),
            );
            return Err(e);
        };
        // Narration and pictures of an import are asked for once it is online.
        body.generate_audio = false;
        body.generate_illustrations = false;
        Ok(Story {
            id,
            title,
            content,
            hero_id: body.hero_id,
            event_type: body.event_type,
            custom_event_id: body.custom_event_id,
            language: body.language,
            audio_url: None,
            audio_duration: None,
            audio_generation_status: GenerationStatus::None,
            audio_stale: false,
            // An import has no written-for length.
            length: None,
            illustration_status: IllustrationStatus::None,
            illustration_count: 0,
            is_favorite: false,
            content_flagged: false,
            play_count: 0,
            last_played_at: None,
            version: 0,
            created_at: now,
            updated_at: now,
            illustrations: None,
        })
    }

    fn recreate(self, id: StoryId) -> Option<(Self, StoryCreate)> {
        let body = StoryCreate {
            id: Some(id),
            hero_id: self.hero_id,
            event_type: self.event_type,
            custom_event_id: self.custom_event_id,
            language: self.language,
            generate_audio: false,
            generate_illustrations: false,
            voice: None,
            length: None,
            title: Some(self.title.clone()),
            content: Some(self.content.clone()),
        };
        Some((
            Story {
                id,
                version: 0,
                play_count: 0,
                ..self
            },
            body,
        ))
    }
}

/// Count `count` more plays on a cached story row, now.
pub(crate) fn record_plays(data: &mut Value, count: i64) {
    let plays = data.get(PLAY_COUNT).and_then(Value::as_i64).unwrap_or(0);
    data[PLAY_COUNT] = Value::from(plays + count);
    data[LAST_PLAYED_AT] = Value::from(time::format(&time::now()));
}

/// A story as the REST API answers it, without its illustrations: they live in their own
/// table, as the change feed sends them.
pub(crate) fn without_illustrations(mut data: Value) -> Value {
    if let Some(o) = data.as_object_mut() {
        o.remove(ILLUSTRATIONS);
    }
    data
}

/// The SQL condition "the favourite flag is `?`" on the cached rows.
pub(crate) fn favorite_filter() -> String {
    format!("json_extract(data, '$.{IS_FAVORITE}') = ?")
}
