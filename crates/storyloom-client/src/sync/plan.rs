//! The sync planner: a pure function from (local row, base = last server copy, incoming server
//! change) to what the engine should do. No database, no network, so every rule of SYNC.md's
//! conflict table is a row in the tests at the bottom.
//!
//! The rules themselves are declared per entity ([`crate::entity`]: one [`Merge`] per field
//! the app edits, one [`DeleteVsEdit`]); this module is how they are read:
//! - Decisions are 3-way per field: a side "changed" a field when its value differs from the
//!   base. With no base (a local create the server already has) a field counts as changed on
//!   both sides exactly when the two values differ.
//! - Fields no rule names are made by the server only (avatar, audio, illustration status,
//!   timestamps): they always come from the server and never cause a conflict, so a finished
//!   avatar job does not wipe a pending rename.
//! - A counter ([`Merge::SumOfIncrements`]) shows the server count plus the increments still
//!   queued.
//! - An entity without edits (illustrations, or a row with only increments queued) follows
//!   the server copy and its deletion.
//! - **Delete vs edit**: a server delete against a local edit follows the entity's
//!   [`DeleteVsEdit`]. A *local* delete wins over a server edit for every kind (the user asked
//!   for it); the delete is re-sent on the server's version.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use storyloom_domain::Change;

use crate::db::SyncStatus;
use crate::entity::{DeleteVsEdit, Field, Merge, Spec, SyncEntity};

/// What the engine knows about the local copy of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRow {
    /// The entity as the app sees it.
    pub data: Value,
    /// Server version of the base (0: never on the server).
    pub version: i64,
    /// Sync status.
    pub status: SyncStatus,
    /// Deleted locally, delete not yet pushed.
    pub deleted: bool,
    /// When the app last set the entity's last-writer-wins field (stories: `isFavorite`).
    pub lww_edited_at: Option<DateTime<Utc>>,
    /// Counter increments (stories: plays) queued, not yet pushed.
    pub pending_increments: i64,
    /// A create or update is queued (or parked) for this entity.
    pub has_pending_edit: bool,
}

/// The planner's decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing to do.
    Ignore,
    /// Store the server copy as the local row and the base; the row is synced.
    TakeServer {
        /// The server copy.
        data: Value,
    },
    /// Remove the local row and its queued mutations.
    DeleteLocal,
    /// Hero rule: the server copy (or its deletion) replaces the unsynced local edit, which is
    /// reported to observers.
    ServerWins {
        /// The server copy; `None` when the server deleted the entity.
        data: Option<Value>,
        /// The local row that is lost.
        lost: Value,
    },
    /// Keep the local row and its queued mutations; remember the server copy as the base and
    /// re-send a queued delete on the server's version.
    KeepLocal {
        /// The server copy, if the change carried one.
        base: Option<Value>,
    },
    /// 3-way result: show `data`; re-send `resend` (an update body) on the server's version;
    /// park `conflict` (the local values of clashing fields) for the app.
    Merge {
        /// The row to show.
        data: Value,
        /// Fields to send again as an update, if any.
        resend: Option<Value>,
        /// Local values of fields changed on both sides, if any.
        conflict: Option<Value>,
    },
    /// A Story or CustomEvent edited locally was deleted on the server: the local copy is
    /// parked for the app and the entity disappears locally, as on the server.
    ConflictDeleted {
        /// The local row.
        local: Value,
    },
}

fn get<'a>(v: &'a Value, f: &str) -> &'a Value {
    v.get(f).unwrap_or(&Value::Null)
}

/// Fields the app edits that `side` changed relative to `base` (or, without a base, that
/// differ from `other`).
fn changed(spec: &Spec, side: &Value, base: Option<&Value>, other: &Value) -> Vec<&'static Field> {
    spec.edited_fields()
        .filter(|f| match base {
            Some(b) => get(side, f.name) != get(b, f.name),
            None => get(side, f.name) != get(other, f.name),
        })
        .collect()
}

/// Decide what to do with `remote`, a change of an `E`, given the local row and its base.
pub fn plan<E: SyncEntity>(
    local: Option<&LocalRow>,
    base: Option<&Value>,
    remote: &Change,
) -> Action {
    plan_by(E::SPEC, local, base, remote)
}

/// [`plan`] for code that meets entities by kind (the change feed): `spec` is the entity's
/// declaration ([`crate::entity::spec`]).
pub fn plan_by(
    spec: &Spec,
    local: Option<&LocalRow>,
    base: Option<&Value>,
    remote: &Change,
) -> Action {
    let Some(local) = local else {
        return match (&remote.data, remote.deleted) {
            (Some(d), false) => Action::TakeServer { data: d.clone() },
            _ => Action::Ignore,
        };
    };
    let remote_data = if remote.deleted {
        None
    } else {
        remote.data.as_ref()
    };

    // Old news: our own pushed change coming back, or a replay.
    if remote.version <= local.version {
        let dirty = local.status != SyncStatus::Synced
            || local.deleted
            || local.has_pending_edit
            || local.pending_increments != 0;
        return match remote_data {
            Some(d) if remote.version == local.version && !dirty => {
                Action::TakeServer { data: d.clone() }
            }
            Some(d) if remote.version == local.version => Action::KeepLocal {
                base: Some(d.clone()),
            },
            _ => Action::Ignore,
        };
    }

    // Only a queued (or parked) create/update is an edit; queued increments are not. An
    // entity the app cannot edit (illustrations) never has one, so the server always wins.
    let edited = local.has_pending_edit;

    if local.deleted {
        return match remote_data {
            None => Action::DeleteLocal,
            Some(d) => Action::KeepLocal {
                base: Some(d.clone()),
            },
        };
    }

    let Some(remote_data) = remote_data else {
        if !edited {
            return Action::DeleteLocal;
        }
        return match spec.delete_vs_edit {
            DeleteVsEdit::KeepAsConflict => Action::ConflictDeleted {
                local: local.data.clone(),
            },
            DeleteVsEdit::DeleteWins => Action::ServerWins {
                data: None,
                lost: local.data.clone(),
            },
        };
    };

    if !edited {
        return if local.pending_increments != 0 {
            Action::Merge {
                data: spec.with_increments(remote_data.clone(), local.pending_increments),
                resend: None,
                conflict: None,
            }
        } else {
            Action::TakeServer {
                data: remote_data.clone(),
            }
        };
    }

    let local_changed = changed(spec, &local.data, base, remote_data);
    let remote_changed = changed(spec, remote_data, base, &local.data);
    let differs = |f: &Field| get(&local.data, f.name) != get(remote_data, f.name);

    // Server wins: the server changed a server-wins field while a differing local edit of
    // one waits. Equal values on both sides are agreement, not a lost edit.
    let server_wins = |f: &Field| f.merge == Merge::ServerWins;
    if remote_changed.iter().any(|f| server_wins(f))
        && local_changed.iter().any(|f| server_wins(f) && differs(f))
    {
        return Action::ServerWins {
            data: Some(remote_data.clone()),
            lost: local.data.clone(),
        };
    }

    let mut merged = spec.with_increments(remote_data.clone(), local.pending_increments);
    let mut resend = Map::new();
    let mut conflict = Map::new();
    for f in local_changed.iter().filter(|f| differs(f)) {
        let lv = get(&local.data, f.name);
        let both = remote_changed.iter().any(|r| r.name == f.name);
        let keep_local = match f.merge {
            Merge::ServerWins | Merge::LocalWins => true,
            Merge::KeepBoth if both => {
                conflict.insert(f.name.to_owned(), lv.clone());
                false
            }
            Merge::KeepBoth => true,
            Merge::LastWriterByEditTime => {
                let local_newer = match (local.lww_edited_at, spec.server_edit_time(remote_data)) {
                    (Some(l), Some(r)) => l > r,
                    (Some(_), None) => true,
                    _ => false,
                };
                !both || local_newer
            }
            // Counters are not edited fields.
            Merge::SumOfIncrements => false,
        };
        if keep_local {
            merged[f.name] = lv.clone();
            resend.insert(f.name.to_owned(), lv.clone());
        }
    }

    Action::Merge {
        data: merged,
        resend: (!resend.is_empty()).then_some(Value::Object(resend)),
        conflict: (!conflict.is_empty()).then_some(Value::Object(conflict)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use storyloom_domain::{EntityKind, Hero};
    use uuid::Uuid;

    fn hero(name: &str, age: i64, avatar: Option<&str>) -> Value {
        json!({"id": "0190b5c2-0000-7000-8000-000000000001", "name": name, "age": age,
               "traits": ["brave"], "avatarUrl": avatar, "avatarStatus": "none", "version": 1})
    }

    fn story(title: &str, content: &str, fav: bool, plays: i64, updated: &str) -> Value {
        json!({"id": "0190b5c2-0000-7000-8000-000000000002", "title": title, "content": content,
               "isFavorite": fav, "playCount": plays, "audioUrl": null, "updatedAt": updated})
    }

    fn event(title: &str, seed: &str, uses: i64) -> Value {
        json!({"id": "0190b5c2-0000-7000-8000-000000000003", "title": title, "promptSeed": seed,
               "description": "", "keywords": [], "usageCount": uses, "isFavorite": false})
    }

    fn change(entity: EntityKind, version: i64, data: Option<Value>) -> Change {
        Change {
            entity,
            id: Uuid::nil(),
            version,
            deleted: data.is_none(),
            data,
        }
    }

    fn row(data: Value, version: i64, status: SyncStatus) -> LocalRow {
        LocalRow {
            data,
            version,
            status,
            deleted: false,
            lww_edited_at: None,
            pending_increments: 0,
            has_pending_edit: status != SyncStatus::Synced,
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    struct Case {
        name: &'static str,
        entity: EntityKind,
        local: Option<LocalRow>,
        base: Option<Value>,
        remote: Change,
        want: Action,
    }

    fn cases() -> Vec<Case> {
        use EntityKind::*;
        use SyncStatus::*;
        let t0 = "2026-11-01T10:00:00.000Z";
        let t1 = "2026-11-01T11:00:00.000Z";
        vec![
            // --- no local row
            Case {
                name: "new remote row is inserted",
                entity: Hero,
                local: None,
                base: None,
                remote: change(Hero, 3, Some(hero("Ada", 5, None))),
                want: Action::TakeServer {
                    data: hero("Ada", 5, None),
                },
            },
            Case {
                name: "tombstone of an unknown row is ignored",
                entity: Story,
                local: None,
                base: None,
                remote: change(Story, 3, None),
                want: Action::Ignore,
            },
            // --- clean local rows follow the server
            Case {
                name: "synced row takes the newer server copy",
                entity: CustomEvent,
                local: Some(row(event("A", "s", 0), 2, Synced)),
                base: Some(event("A", "s", 0)),
                remote: change(CustomEvent, 5, Some(event("B", "s", 1))),
                want: Action::TakeServer {
                    data: event("B", "s", 1),
                },
            },
            Case {
                name: "synced row is deleted by a tombstone",
                entity: Story,
                local: Some(row(story("T", "C", false, 0, t0), 2, Synced)),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, None),
                want: Action::DeleteLocal,
            },
            Case {
                name: "older change is ignored",
                entity: Hero,
                local: Some(row(hero("Ada", 5, None), 7, Synced)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 4, Some(hero("Old", 5, None))),
                want: Action::Ignore,
            },
            Case {
                name: "echo of our own push refreshes server fields",
                entity: Hero,
                local: Some(row(hero("Ada", 5, None), 7, Synced)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 7, Some(hero("Ada", 5, Some("u")))),
                want: Action::TakeServer {
                    data: hero("Ada", 5, Some("u")),
                },
            },
            Case {
                name: "echo while a newer local edit waits only updates the base",
                entity: Hero,
                local: Some(row(hero("Bea", 5, None), 7, PendingUpdate)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 7, Some(hero("Ada", 5, None))),
                want: Action::KeepLocal {
                    base: Some(hero("Ada", 5, None)),
                },
            },
            // --- Hero: server wins
            Case {
                name: "hero: both edited -> server wins, local edit lost",
                entity: Hero,
                local: Some(row(hero("Local", 5, None), 2, PendingUpdate)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, Some(hero("Remote", 5, None))),
                want: Action::ServerWins {
                    data: Some(hero("Remote", 5, None)),
                    lost: hero("Local", 5, None),
                },
            },
            Case {
                name: "hero: server changed a different user field -> server wins",
                entity: Hero,
                local: Some(row(hero("Local", 5, None), 2, PendingUpdate)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, Some(hero("Ada", 6, None))),
                want: Action::ServerWins {
                    data: Some(hero("Ada", 6, None)),
                    lost: hero("Local", 5, None),
                },
            },
            Case {
                name: "hero: server only drew the avatar -> local rename re-sent on top",
                entity: Hero,
                local: Some(row(hero("Local", 5, None), 2, PendingUpdate)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, Some(hero("Ada", 5, Some("https://x/a.png")))),
                want: Action::Merge {
                    data: hero("Local", 5, Some("https://x/a.png")),
                    resend: Some(json!({"name": "Local"})),
                    conflict: None,
                },
            },
            Case {
                name: "hero: deleted on server wins over local edit, reported",
                entity: Hero,
                local: Some(row(hero("Local", 5, None), 2, PendingUpdate)),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, None),
                want: Action::ServerWins {
                    data: None,
                    lost: hero("Local", 5, None),
                },
            },
            Case {
                name: "hero: local delete wins over server edit",
                entity: Hero,
                local: Some(LocalRow {
                    deleted: true,
                    ..row(hero("Ada", 5, None), 2, PendingDelete)
                }),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, Some(hero("Remote", 5, None))),
                want: Action::KeepLocal {
                    base: Some(hero("Remote", 5, None)),
                },
            },
            Case {
                name: "local delete and server delete agree",
                entity: Hero,
                local: Some(LocalRow {
                    deleted: true,
                    ..row(hero("Ada", 5, None), 2, PendingDelete)
                }),
                base: Some(hero("Ada", 5, None)),
                remote: change(Hero, 5, None),
                want: Action::DeleteLocal,
            },
            // --- Story: title/content keep both
            Case {
                name: "story: both edited title -> conflict, server copy shows",
                entity: Story,
                local: Some(row(story("Local", "C", false, 0, t0), 2, PendingUpdate)),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, Some(story("Remote", "C", false, 0, t1))),
                want: Action::Merge {
                    data: story("Remote", "C", false, 0, t1),
                    resend: None,
                    conflict: Some(json!({"title": "Local"})),
                },
            },
            Case {
                name: "story: local title, remote content -> both kept, title re-sent",
                entity: Story,
                local: Some(row(story("Local", "C", false, 0, t0), 2, PendingUpdate)),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, Some(story("T", "Remote", false, 0, t1))),
                want: Action::Merge {
                    data: story("Local", "Remote", false, 0, t1),
                    resend: Some(json!({"title": "Local"})),
                    conflict: None,
                },
            },
            Case {
                name: "story: same edit on both sides is no conflict",
                entity: Story,
                local: Some(row(story("Same", "C", false, 0, t0), 2, PendingUpdate)),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, Some(story("Same", "C", false, 0, t1))),
                want: Action::Merge {
                    data: story("Same", "C", false, 0, t1),
                    resend: None,
                    conflict: None,
                },
            },
            // --- Story: playCount merges by sum
            Case {
                name: "story: queued plays are added to the server count",
                entity: Story,
                local: Some(LocalRow {
                    pending_increments: 2,
                    has_pending_edit: false,
                    ..row(story("T", "C", false, 3, t0), 2, PendingUpdate)
                }),
                base: Some(story("T", "C", false, 1, t0)),
                remote: change(Story, 5, Some(story("T", "C", false, 4, t1))),
                want: Action::Merge {
                    data: story("T", "C", false, 6, t1),
                    resend: None,
                    conflict: None,
                },
            },
            // --- Story: isFavorite last writer wins
            Case {
                name: "story: local favourite newer than server edit wins",
                entity: Story,
                local: Some(LocalRow {
                    lww_edited_at: Some(t("2026-11-01T12:00:00Z")),
                    ..row(story("T", "C", true, 0, t0), 2, PendingUpdate)
                }),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, Some(story("T", "C", false, 0, t1))),
                want: Action::Merge {
                    data: story("T", "C", true, 0, t1),
                    resend: Some(json!({"isFavorite": true})),
                    conflict: None,
                },
            },
            Case {
                name: "story: favourite set on both sides without a common base, server later wins",
                entity: Story,
                local: Some(LocalRow {
                    lww_edited_at: Some(t("2026-11-01T10:30:00Z")),
                    ..row(story("T", "C", true, 0, t0), 0, PendingCreate)
                }),
                base: None,
                remote: change(Story, 5, Some(story("T", "C", false, 0, t1))),
                want: Action::Merge {
                    data: story("T", "C", false, 0, t1),
                    resend: None,
                    conflict: None,
                },
            },
            Case {
                name: "story: favourite set on both sides without a common base, local later wins",
                entity: Story,
                local: Some(LocalRow {
                    lww_edited_at: Some(t("2026-11-01T11:30:00Z")),
                    ..row(story("T", "C", true, 0, t0), 0, PendingCreate)
                }),
                base: None,
                remote: change(Story, 5, Some(story("T", "C", false, 0, t1))),
                want: Action::Merge {
                    data: story("T", "C", true, 0, t1),
                    resend: Some(json!({"isFavorite": true})),
                    conflict: None,
                },
            },
            // --- Story/CustomEvent: deleted on server while edited locally
            Case {
                name: "story: edited locally, deleted on server -> conflict",
                entity: Story,
                local: Some(row(story("Local", "C", false, 0, t0), 2, PendingUpdate)),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, None),
                want: Action::ConflictDeleted {
                    local: story("Local", "C", false, 0, t0),
                },
            },
            Case {
                name: "story: only plays queued, deleted on server -> gone",
                entity: Story,
                local: Some(LocalRow {
                    pending_increments: 1,
                    has_pending_edit: false,
                    ..row(story("T", "C", false, 1, t0), 2, PendingUpdate)
                }),
                base: Some(story("T", "C", false, 0, t0)),
                remote: change(Story, 5, None),
                want: Action::DeleteLocal,
            },
            Case {
                name: "event: edited locally, deleted on server -> conflict",
                entity: CustomEvent,
                local: Some(row(event("Local", "s", 0), 2, PendingUpdate)),
                base: Some(event("A", "s", 0)),
                remote: change(CustomEvent, 5, None),
                want: Action::ConflictDeleted {
                    local: event("Local", "s", 0),
                },
            },
            // --- CustomEvent: local wins
            Case {
                name: "event: both edited title -> local re-sent on top, server fields kept",
                entity: CustomEvent,
                local: Some(row(event("Local", "s", 0), 2, PendingUpdate)),
                base: Some(event("A", "s", 0)),
                remote: change(CustomEvent, 5, Some(event("Remote", "s2", 3))),
                want: Action::Merge {
                    data: event("Local", "s2", 3),
                    resend: Some(json!({"title": "Local"})),
                    conflict: None,
                },
            },
            Case {
                name: "event: local delete wins over server edit",
                entity: CustomEvent,
                local: Some(LocalRow {
                    deleted: true,
                    ..row(event("A", "s", 0), 2, PendingDelete)
                }),
                base: Some(event("A", "s", 0)),
                remote: change(CustomEvent, 5, Some(event("Remote", "s", 0))),
                want: Action::KeepLocal {
                    base: Some(event("Remote", "s", 0)),
                },
            },
            // --- Illustrations: server wins
            Case {
                name: "illustration: server copy always wins",
                entity: Illustration,
                local: Some(row(json!({"imageUrl": null}), 2, Synced)),
                base: None,
                remote: change(Illustration, 5, Some(json!({"imageUrl": "u"}))),
                want: Action::TakeServer {
                    data: json!({"imageUrl": "u"}),
                },
            },
            Case {
                name: "illustration: server delete wins",
                entity: Illustration,
                local: Some(row(json!({"imageUrl": null}), 2, Synced)),
                base: None,
                remote: change(Illustration, 5, None),
                want: Action::DeleteLocal,
            },
            // --- Listening sessions: never edited; the server fills in the hero
            Case {
                name: "listening session: our pending create comes back with its hero",
                entity: ListeningSession,
                local: Some(row(
                    json!({"heroId": null, "completed": true}),
                    0,
                    PendingCreate,
                )),
                base: None,
                remote: change(
                    ListeningSession,
                    5,
                    Some(json!({"heroId": "h", "completed": true})),
                ),
                want: Action::Merge {
                    data: json!({"heroId": "h", "completed": true}),
                    resend: None,
                    conflict: None,
                },
            },
            Case {
                name: "listening session: server delete wins",
                entity: ListeningSession,
                local: Some(row(json!({"completed": true}), 2, Synced)),
                base: None,
                remote: change(ListeningSession, 5, None),
                want: Action::DeleteLocal,
            },
            // --- our own create, answer lost, then pulled
            Case {
                name: "pending create seen on the server with the same fields -> nothing to re-send",
                entity: Hero,
                local: Some(row(hero("Ada", 5, None), 0, PendingCreate)),
                base: None,
                remote: change(Hero, 5, Some(hero("Ada", 5, None))),
                want: Action::Merge {
                    data: hero("Ada", 5, None),
                    resend: None,
                    conflict: None,
                },
            },
        ]
    }

    #[test]
    fn the_generic_planner_reads_the_entitys_declaration() {
        let local = row(hero("Local", 5, None), 2, SyncStatus::PendingUpdate);
        let remote = change(EntityKind::Hero, 5, None);
        // Hero: a server delete wins over the local edit, which is reported.
        assert_eq!(
            plan::<Hero>(Some(&local), None, &remote),
            Action::ServerWins {
                data: None,
                lost: hero("Local", 5, None)
            }
        );
        // The same change read as a custom event's keeps the edit as a conflict.
        assert_eq!(
            plan::<storyloom_domain::CustomEvent>(Some(&local), None, &remote),
            Action::ConflictDeleted {
                local: hero("Local", 5, None)
            }
        );
    }

    #[test]
    fn conflict_rules_table() {
        let mut failures = Vec::new();
        for c in cases() {
            let got = plan_by(
                crate::entity::spec(c.entity),
                c.local.as_ref(),
                c.base.as_ref(),
                &c.remote,
            );
            if got != c.want {
                failures.push(format!("{}:\n  got  {got:?}\n  want {:?}", c.name, c.want));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
