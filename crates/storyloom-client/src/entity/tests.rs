//! The declarations checked against the domain types. The field lists on the right-hand side
//! come from the types through serde, never from a second hand-written list.

use std::collections::BTreeSet;

use storyloom_domain::{
    CustomEvent, CustomEventId, CustomEventUpdate, EntityKind, Hero, HeroUpdate, Illustration,
    Story, StoryUpdate,
};

use super::*;

/// Every way `E`'s declaration can disagree with its types.
fn mistakes<E: SyncEntity>() -> Vec<String> {
    let spec = E::SPEC;
    let kind = spec.kind.name();
    let entity: BTreeSet<&str> = field_names::<E>().iter().copied().collect();
    let update: BTreeSet<&str> = field_names::<E::Update>().iter().copied().collect();
    let mut out = Vec::new();
    if entity.is_empty() {
        out.push(format!(
            "{kind}: serde does not describe the entity as a struct"
        ));
    }
    for f in &update {
        if !spec.edited_fields().any(|r| r.name == *f) {
            out.push(format!("{kind}: update field {f} has no merge rule"));
        }
    }
    let mut named = BTreeSet::new();
    for rule in spec.fields {
        if !named.insert(rule.name) {
            out.push(format!("{kind}: {} has two rules", rule.name));
        }
        match rule.merge {
            Merge::SumOfIncrements => {
                if !entity.contains(rule.name) {
                    out.push(format!(
                        "{kind}: counter {} is not an entity field",
                        rule.name
                    ));
                }
                if update.contains(rule.name) {
                    out.push(format!(
                        "{kind}: counter {} is in the update DTO (counters travel as increments)",
                        rule.name
                    ));
                }
            }
            _ => {
                if !update.contains(rule.name) {
                    out.push(format!(
                        "{kind}: rule names {}, which the update DTO does not have",
                        rule.name
                    ));
                }
                if !entity.contains(rule.name) {
                    out.push(format!(
                        "{kind}: edited field {} is not an entity field",
                        rule.name
                    ));
                }
            }
        }
    }
    let lww = spec
        .fields
        .iter()
        .filter(|f| f.merge == Merge::LastWriterByEditTime)
        .count();
    if lww > 1 {
        out.push(format!(
            "{kind}: the table keeps one edit time, {lww} fields need one"
        ));
    }
    match (lww, spec.edit_time) {
        (1.., None) => out.push(format!("{kind}: last writer wins without an edit time")),
        (0, Some(_)) => out.push(format!("{kind}: an edit time no rule uses")),
        (_, Some(t)) if !entity.contains(t.server_field) => out.push(format!(
            "{kind}: edit time {} is not an entity field",
            t.server_field
        )),
        _ => {}
    }
    if spec
        .fields
        .iter()
        .filter(|f| f.merge == Merge::SumOfIncrements)
        .count()
        > 1
    {
        out.push(format!("{kind}: increments carry one counter"));
    }
    if let Some(p) = spec.parent
        && !entity.contains(p.field)
    {
        out.push(format!(
            "{kind}: parent field {} is not an entity field",
            p.field
        ));
    }
    // Entities the app edits carry their version, which the outbox re-bases on.
    if spec.edited_fields().next().is_some() && !entity.contains(VERSION) {
        out.push(format!("{kind}: no {VERSION} field"));
    }
    if !std::ptr::eq(spec, super::spec(spec.kind)) {
        out.push(format!("{kind}: spec() answers another declaration"));
    }
    out
}

#[test]
fn every_update_field_has_a_rule_and_every_rule_a_field() {
    let mut all = Vec::new();
    all.extend(mistakes::<Hero>());
    all.extend(mistakes::<Story>());
    all.extend(mistakes::<Illustration>());
    all.extend(mistakes::<CustomEvent>());
    all.extend(mistakes::<storyloom_domain::ListeningSession>());
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn field_names_come_from_the_types() {
    // The guard above is only as good as the names it reads: they are the serde names.
    assert_eq!(
        field_names::<StoryUpdate>(),
        ["title", "content", "isFavorite", "language"]
    );
    assert!(field_names::<HeroUpdate>().contains(&"specialAbility"));
    assert!(field_names::<CustomEventUpdate>().contains(&"pictogramEmoji"));
    assert!(field_names::<ServerMade>().is_empty());
    assert!(
        field_names::<serde_json::Value>().is_empty(),
        "a map is not a struct"
    );
}

/// A stand-in DTO and entity, to see the guard fail the ways the issue names.
mod drifted {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Thing {
        pub id: uuid::Uuid,
        pub title: String,
        pub renamed_field: String,
        pub version: i64,
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ThingUpdate {
        pub title: Option<String>,
        pub renamed_field: Option<String>,
    }

    static SPEC: Spec = Spec {
        kind: EntityKind::CustomEvent,
        table: "things",
        parent: None,
        // `renamedField` was `oldName` when the rules were written.
        fields: &[
            Field::new("title", Merge::LocalWins),
            Field::new("oldName", Merge::LocalWins),
        ],
        delete_vs_edit: DeleteVsEdit::DeleteWins,
        edit_time: None,
        create_fields: field_names::<ThingUpdate>,
        recreate: recreate_json::<Thing>,
    };

    impl SyncEntity for Thing {
        type Id = storyloom_domain::CustomEventId;
        type Create = ServerMade;
        type Update = ThingUpdate;
        const SPEC: &'static Spec = &SPEC;
        fn create_id(body: &mut ServerMade) -> CustomEventId {
            match *body {}
        }
        fn new_local(
            _: CustomEventId,
            body: &mut ServerMade,
            _: DateTime<Utc>,
        ) -> Result<Self, FieldErrors> {
            match *body {}
        }
        fn recreate(self, _: CustomEventId) -> Option<(Self, ServerMade)> {
            None
        }
    }

    impl Validate for ThingUpdate {
        fn validate(&self) -> Result<(), FieldErrors> {
            Ok(())
        }
    }
}

#[test]
fn a_renamed_field_fails_the_guard_both_ways() {
    let m = mistakes::<drifted::Thing>();
    assert!(
        m.iter()
            .any(|e| e.contains("update field renamedField has no merge rule")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.contains("rule names oldName, which the update DTO does not have")),
        "{m:?}"
    );
}

#[test]
fn children_follow_the_parents_declared() {
    let kids = |k: EntityKind| spec(k).children().map(|s| s.kind).collect::<Vec<_>>();
    assert_eq!(kids(EntityKind::Hero), [EntityKind::Story]);
    assert_eq!(kids(EntityKind::Story), [EntityKind::Illustration]);
    assert!(kids(EntityKind::CustomEvent).is_empty());
}
