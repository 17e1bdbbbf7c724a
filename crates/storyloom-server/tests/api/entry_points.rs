//! One write path: every write gives the same answer through REST and through
//! `POST /api/sync/push`, leaves the same row, reaches the live stream and invalidates cached
//! answers. Each case runs twice, once per entry point, on the same server, for fresh users of
//! their own (so versions and rows line up), and the two runs are compared with each other and
//! with the table.

use std::time::Duration;

use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Rest,
    Push,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Hero,
    Story,
    Event,
}

impl Entity {
    fn path(self) -> &'static str {
        match self {
            Self::Hero => "heroes",
            Self::Story => "stories",
            Self::Event => "custom-events",
        }
    }

    fn wire(self) -> &'static str {
        match self {
            Self::Hero => "hero",
            Self::Story => "story",
            Self::Event => "customEvent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Create on a fresh id.
    Create,
    /// Create again with the target's id and the body it was made with.
    RetryCreate,
    /// Create on the target's id with another body.
    CreateOnTakenId,
    /// Update at the target's current version.
    Update,
    /// Update at a version the target has moved past.
    UpdateStale,
    Delete,
    DeleteStale,
    /// Add plays (stories only).
    Increment,
}

/// Whose entity a case writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    /// Another account's entity of the same kind.
    Foreign,
    /// An id nobody has.
    Missing,
}

/// An outcome, as both entry points can state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Applied,
    NotFound,
    Conflict,
    IdConflict,
}

struct Fixture {
    user: TestUser,
    other: TestUser,
}

/// The create body of an entity; stories need their user's hero.
fn body(entity: Entity, hero: &str, variant: &str) -> Value {
    match entity {
        Entity::Hero => json!({"name": format!("Mia {variant}"), "age": 6, "traits": ["brave"]}),
        Entity::Story => json!({"heroId": hero, "eventType": "bedtime", "language": "en",
            "title": format!("Moon {variant}"), "content": "Once upon a time.\n\nThe end."}),
        Entity::Event => json!({"title": format!("Lost tooth {variant}"), "promptSeed": "a tooth"}),
    }
}

fn patch(entity: Entity) -> Value {
    match entity {
        Entity::Hero => json!({"age": 7}),
        Entity::Story => json!({"isFavorite": true}),
        Entity::Event => json!({"title": "Renamed"}),
    }
}

/// Make an entity for `u` through REST; its JSON and (for stories) its hero's id.
async fn make(u: &TestUser, entity: Entity) -> (Value, String) {
    let r = u.post("/heroes", body(Entity::Hero, "", "a")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let hero_id = r.data()["id"].as_str().unwrap().to_owned();
    if entity == Entity::Hero {
        return (r.data().clone(), hero_id);
    }
    let r = u
        .post(&format!("/{}", entity.path()), body(entity, &hero_id, "a"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.data().clone(), hero_id)
}

/// Move an entity on by one write, so its first version is stale.
async fn bump(u: &TestUser, entity: Entity, id: &str) {
    let r = u
        .patch(&format!("/{}/{id}", entity.path()), patch(entity))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn rest_outcome(r: &storyloom_testkit::Resp) -> Outcome {
    match (r.status, r.code()) {
        (StatusCode::OK | StatusCode::CREATED, _) => Outcome::Applied,
        (StatusCode::NOT_FOUND, "NOT_FOUND") => Outcome::NotFound,
        (StatusCode::CONFLICT, "VERSION_CONFLICT") => Outcome::Conflict,
        (StatusCode::CONFLICT, "ID_CONFLICT") => Outcome::IdConflict,
        _ => panic!("unexpected REST answer {}: {}", r.status, r.body),
    }
}

fn push_outcome(result: &Value) -> Outcome {
    match (
        result["status"].as_str().unwrap(),
        result["error"]["code"].as_str(),
    ) {
        ("applied" | "duplicate", _) => Outcome::Applied,
        ("rejected", Some("NOT_FOUND")) => Outcome::NotFound,
        ("conflict", Some("VERSION_CONFLICT")) => Outcome::Conflict,
        ("rejected", Some("ID_CONFLICT")) => Outcome::IdConflict,
        _ => panic!("unexpected push result {result}"),
    }
}

/// What one run of a case saw.
#[derive(Debug)]
struct Run {
    outcome: Outcome,
    /// REST: the status; push: none.
    status: Option<StatusCode>,
    /// The entity afterwards (`None`: gone), without ids and times, which differ per run.
    row: Option<Value>,
    /// For conflicts: the `current` entity, normalised like `row`.
    current: Option<Value>,
}

fn normalise(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "heroId", "createdAt", "updatedAt", "illustrations"] {
            o.remove(k);
        }
        // Times differ per run; whether they are set does not.
        for k in ["lastPlayedAt", "lastUsedAt"] {
            if let Some(t) = o.get_mut(k) {
                *t = json!(!t.is_null());
            }
        }
    }
    v
}

/// Open the user's live stream and wait until it is subscribed.
async fn open_stream(s: &TestServer, u: &TestUser) -> impl futures::Stream<Item = String> {
    let resp = reqwest::Client::new()
        .get(s.api("/sync/stream"))
        .bearer_auth(u.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp
        .bytes_stream()
        .map(|c| String::from_utf8_lossy(&c.unwrap()).into_owned());
    let mut seen = String::new();
    while !seen.contains("event: ready") {
        seen += &tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("no ready event")
            .unwrap();
    }
    body
}

/// Read the stream until a `changed` announces at least `version`.
async fn await_changed(stream: &mut (impl futures::Stream<Item = String> + Unpin), version: i64) {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        for block in seen.split("\n\n") {
            if let Some(data) = block
                .strip_prefix("event: changed\ndata: ")
                .and_then(|d| serde_json::from_str::<Value>(d).ok())
                && let Some(c) = data["cursor"].as_str().and_then(|c| c.parse::<i64>().ok())
                && c >= version
            {
                return;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no `changed` to version {version}; saw {seen:?}"))
            .unwrap();
        seen += &chunk;
    }
}

async fn run(
    s: &TestServer,
    f: &Fixture,
    surface: Surface,
    entity: Entity,
    op: Op,
    target: Target,
) -> Run {
    let u = &f.user;
    let (own, own_hero) = make(u, entity).await;
    let (foreign, _) = make(&f.other, entity).await;
    let id = match (op, target) {
        (Op::Create, _) => Uuid::new_v4().to_string(),
        (_, Target::Own) => own["id"].as_str().unwrap().to_owned(),
        (_, Target::Foreign) => foreign["id"].as_str().unwrap().to_owned(),
        (_, Target::Missing) => Uuid::new_v4().to_string(),
    };
    let first_version = own["version"].as_i64().unwrap();
    if matches!(op, Op::UpdateStale | Op::DeleteStale) {
        bump(u, entity, &id).await;
    }
    let base = match op {
        Op::UpdateStale | Op::DeleteStale => first_version,
        _ => u
            .get(&format!(
                "/{}/{}",
                entity.path(),
                own["id"].as_str().unwrap()
            ))
            .await
            .data()["version"]
            .as_i64()
            .unwrap(),
    };
    // Prime the answer cache with the entity and its list, then watch the stream.
    let entity_path = format!("/{}/{id}", entity.path());
    u.get(&entity_path).await;
    u.get(&format!("/{}", entity.path())).await;
    let mut stream = Box::pin(open_stream(s, u).await);

    let create_body = match op {
        Op::RetryCreate => body(entity, &own_hero, "a"),
        _ => body(entity, &own_hero, "b"),
    };
    let (outcome, status, current, version) = match surface {
        Surface::Rest => {
            let if_match = base.to_string();
            let r = match op {
                Op::Create | Op::RetryCreate | Op::CreateOnTakenId => {
                    let mut b = create_body.clone();
                    b["id"] = json!(id);
                    u.post(&format!("/{}", entity.path()), b).await
                }
                Op::Update | Op::UpdateStale => {
                    u.send(
                        Method::PATCH,
                        &entity_path,
                        Some(patch(entity)),
                        &[("if-match", &if_match)],
                    )
                    .await
                }
                Op::Delete | Op::DeleteStale => {
                    u.send(
                        Method::DELETE,
                        &entity_path,
                        None,
                        &[("if-match", &if_match)],
                    )
                    .await
                }
                Op::Increment => {
                    u.post(&format!("{entity_path}/play"), json!({"count": 2}))
                        .await
                }
            };
            let current = (r.code() == "VERSION_CONFLICT")
                .then(|| normalise(r.body["error"]["details"]["current"].clone()));
            let version = r.data()["version"].as_i64();
            (rest_outcome(&r), Some(r.status), current, version)
        }
        Surface::Push => {
            let (wire_op, fields, base_version) = match op {
                Op::Create | Op::RetryCreate | Op::CreateOnTakenId => {
                    ("create", Some(create_body.clone()), None)
                }
                Op::Update | Op::UpdateStale => ("update", Some(patch(entity)), Some(base)),
                Op::Delete | Op::DeleteStale => ("delete", None, Some(base)),
                Op::Increment => ("increment", Some(json!({"playCount": 2})), None),
            };
            let mut m = json!({"mutationId": Uuid::new_v4(), "entity": entity.wire(),
                "op": wire_op, "id": id});
            if let Some(f) = fields {
                m["fields"] = f;
            }
            if let Some(b) = base_version {
                m["baseVersion"] = json!(b);
            }
            let r = u.post("/sync/push", json!({"mutations": [m]})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let result = r.data()["results"][0].clone();
            let current = result
                .get("current")
                .filter(|c| !c.is_null())
                .cloned()
                .map(normalise);
            (
                push_outcome(&result),
                None,
                current,
                result["version"].as_i64(),
            )
        }
    };

    if outcome == Outcome::Applied && !matches!(op, Op::RetryCreate) {
        // A REST delete answers `{id, deleted}`: its tombstone is past the version it saw.
        let v = version.unwrap_or(base + 1);
        await_changed(&mut stream, v).await;
    }
    let after = u.get(&entity_path).await;
    let row = (after.status == StatusCode::OK).then(|| normalise(after.data().clone()));
    // The cached list answers what the row answers: a write invalidated it.
    let list = u.get(&format!("/{}?limit=100", entity.path())).await;
    let listed = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id);
    assert_eq!(
        listed.cloned().map(normalise).as_ref(),
        row.as_ref(),
        "{surface:?} {entity:?} {op:?} {target:?}: the list disagrees with the row"
    );
    // Another account's entity is untouched, whatever was asked.
    let foreign_now = f
        .other
        .get(&format!(
            "/{}/{}",
            entity.path(),
            foreign["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        foreign_now.data()["version"],
        foreign["version"],
        "{surface:?} {entity:?} {op:?} {target:?} changed another account's entity"
    );
    Run {
        outcome,
        status,
        row,
        current,
    }
}

async fn same_answer_from_rest_and_push(kind: DbKind) {
    use Entity as E;
    use Op::*;
    use Outcome as O;
    use Target::*;
    // Two fresh accounts per run: more sign-ups than the per-address limit allows.
    let s = TestServer::start_with(kind, |c| c.auth_limit_per_minute = 10_000).await;
    let mut table = Vec::new();
    for entity in [E::Hero, E::Story, E::Event] {
        table.extend([
            (entity, Create, Own, O::Applied, Some(StatusCode::CREATED)),
            (entity, RetryCreate, Own, O::Applied, Some(StatusCode::OK)),
            (entity, CreateOnTakenId, Own, O::IdConflict, None),
            (entity, CreateOnTakenId, Foreign, O::IdConflict, None),
            (entity, Update, Own, O::Applied, Some(StatusCode::OK)),
            (entity, UpdateStale, Own, O::Conflict, None),
            (entity, Update, Foreign, O::NotFound, None),
            (entity, Update, Missing, O::NotFound, None),
            (entity, Delete, Own, O::Applied, Some(StatusCode::OK)),
            (entity, DeleteStale, Own, O::Conflict, None),
            (entity, Delete, Foreign, O::NotFound, None),
            (entity, Delete, Missing, O::NotFound, None),
        ]);
    }
    table.extend([
        (E::Story, Increment, Own, O::Applied, Some(StatusCode::OK)),
        (E::Story, Increment, Foreign, O::NotFound, None),
        (E::Story, Increment, Missing, O::NotFound, None),
    ]);
    for (entity, op, target, expected, rest_status) in table {
        let case = format!("{entity:?} {op:?} {target:?}");
        let mut runs = Vec::new();
        for surface in [Surface::Rest, Surface::Push] {
            let f = Fixture {
                user: s.user().await,
                other: s.user().await,
            };
            let r = run(&s, &f, surface, entity, op, target).await;
            assert_eq!(r.outcome, expected, "{case} through {surface:?}");
            runs.push(r);
        }
        let (rest, push) = (&runs[0], &runs[1]);
        if let Some(status) = rest_status {
            assert_eq!(rest.status, Some(status), "{case}: REST status");
        }
        assert_eq!(rest.row, push.row, "{case}: the rows afterwards differ");
        assert_eq!(
            rest.current, push.current,
            "{case}: the conflicts' current entities differ"
        );
        if expected == O::Conflict {
            assert!(rest.current.is_some(), "{case}: a conflict carries current");
        }
    }
}

db_tests!(same_answer_from_rest_and_push);
