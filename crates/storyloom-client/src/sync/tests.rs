//! The engine shell against a scripted fake server (wiremock): batching and order, parking of
//! refused mutations, the 410 full resync, and the background trigger.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use storyloom_domain::{HeroCreate, HeroTrait, MutationOp};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{Client, RetryConfig, SyncConfig, SyncStatus};

fn hero(name: &str) -> HeroCreate {
    HeroCreate {
        id: None,
        name: name.into(),
        age: 5,
        traits: vec![HeroTrait::Kind],
        special_ability: None,
        appearance: None,
        hair_color: None,
        eye_color: None,
        skin_tone: None,
    }
}

fn client(server: &MockServer, sync: SyncConfig) -> Client {
    let c = Client::builder(server.uri())
        .retry(RetryConfig {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retries: 1,
            ..Default::default()
        })
        .sync_config(sync)
        .build()
        .unwrap();
    let fake: crate::Session = serde_json::from_value(json!({
        "user": {"id": uuid::Uuid::now_v7(), "email": "a@b.co", "name": null,
                 "createdAt": "2026-11-01T10:00:00.000Z"},
        "session": {"token": "t", "expiresAt": "2099-01-01T00:00:00.000Z"}
    }))
    .unwrap();
    c.api().set_session(fake).unwrap();
    c
}

fn envelope(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": data, "error": null}))
}

/// A push endpoint that applies everything except names starting with "bad", recording the
/// batches it saw.
async fn mount_push(server: &MockServer) -> Arc<Mutex<Vec<Vec<Value>>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let version = Arc::new(Mutex::new(0i64));
    Mock::given(method("POST"))
        .and(path("/api/sync/push"))
        .respond_with(move |req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let muts = body["mutations"].as_array().unwrap().clone();
            log.lock().unwrap().push(muts.clone());
            let results: Vec<Value> = muts
                .iter()
                .map(|m| {
                    let name = m["fields"]["name"].as_str().unwrap_or("");
                    if name.starts_with("bad") {
                        json!({"mutationId": m["mutationId"], "status": "rejected",
                               "error": {"code": "VALIDATION_ERROR", "message": "name is bad"}})
                    } else {
                        let mut v = version.lock().unwrap();
                        *v += 1;
                        json!({"mutationId": m["mutationId"], "status": "applied", "version": *v})
                    }
                })
                .collect();
            envelope(json!({ "results": results }))
        })
        .mount(server)
        .await;
    seen
}

async fn mount_empty_changes(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/sync/changes"))
        .respond_with(envelope(
            json!({"changes": [], "cursor": "0", "hasMore": false}),
        ))
        .mount(server)
        .await;
}

#[tokio::test]
async fn outbox_is_pushed_in_order_in_small_batches() {
    let server = MockServer::start().await;
    let seen = mount_push(&server).await;
    mount_empty_changes(&server).await;
    let c = client(
        &server,
        SyncConfig {
            push_batch: 2,
            ..Default::default()
        },
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(c.heroes().create(hero(&format!("H{i}"))).await.unwrap().id);
    }
    let report = c.sync().sync_all().await.unwrap();
    assert_eq!(report.pushed, 5);
    let batches = seen.lock().unwrap().clone();
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let order: Vec<String> = batches
        .iter()
        .flatten()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ids.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    for id in ids {
        let info = c.heroes().sync_info(id).await.unwrap().unwrap();
        assert_eq!(info.status, SyncStatus::Synced);
        assert!(info.version > 0);
    }
}

#[tokio::test]
async fn a_second_edit_of_an_entity_waits_for_the_first_and_is_rebased() {
    let server = MockServer::start().await;
    let seen = mount_push(&server).await;
    mount_empty_changes(&server).await;
    let c = client(&server, SyncConfig::default());
    let h = c.heroes().create(hero("A")).await.unwrap();
    // Hand the create to the network once (offline), so the edit cannot fold into it.
    c.db()
        .write(|tx| crate::db::outbox::bump_attempts(tx, &[1]))
        .unwrap();
    c.heroes()
        .update(
            h.id,
            storyloom_domain::HeroUpdate {
                age: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.sync().sync_all().await.unwrap();
    let batches = seen.lock().unwrap().clone();
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(batches[0][0]["op"], "create");
    assert_eq!(batches[1][0]["op"], "update");
    assert_eq!(
        batches[1][0]["baseVersion"], 1,
        "based on the create's result"
    );
}

#[tokio::test]
async fn refused_mutations_are_parked_with_the_message_until_the_app_decides() {
    let server = MockServer::start().await;
    mount_push(&server).await;
    mount_empty_changes(&server).await;
    let c = client(&server, SyncConfig::default());
    let bad = c.heroes().create(hero("bad one")).await.unwrap();
    let good = c.heroes().create(hero("good")).await.unwrap();
    let mut events = c.sync().subscribe();
    let report = c.sync().sync_all().await.unwrap();
    assert_eq!((report.pushed, report.failed), (1, 1));
    let info = c.heroes().sync_info(bad.id).await.unwrap().unwrap();
    assert_eq!(info.status, SyncStatus::Failed);
    assert!(info.error.unwrap().contains("name is bad"));
    assert_eq!(
        c.heroes().sync_info(good.id).await.unwrap().unwrap().status,
        SyncStatus::Synced,
        "a refused mutation does not stop the rest"
    );
    let parked = c.sync().outbox().await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].state, crate::OutboxState::Failed);
    assert!(matches!(
        events.try_recv(),
        Ok(crate::EntityEvent::MutationFailed { .. })
    ));
    // Parked entries are not retried by themselves...
    c.sync().sync_all().await.unwrap();
    assert_eq!(c.sync().outbox().await.unwrap().len(), 1);
    // ...the app discards (here) or retries them.
    c.sync().discard_failed(parked[0].seq).await.unwrap();
    assert!(c.sync().outbox().await.unwrap().is_empty());
    assert!(
        c.heroes().get(bad.id).await.unwrap().is_none(),
        "never reached the server"
    );
}

/// A server that cannot answer pages past a size (here: more than 2 changes) answers 500;
/// the engine halves its page until one goes through, and gets everything.
#[tokio::test]
async fn pages_too_large_for_the_server_are_pulled_smaller() {
    let server = MockServer::start().await;
    mount_push(&server).await;
    let ids: Vec<uuid::Uuid> = (0..5).map(|_| uuid::Uuid::now_v7()).collect();
    let all = ids.clone();
    Mock::given(method("GET"))
        .and(path("/api/sync/changes"))
        .respond_with(move |req: &Request| {
            let q: std::collections::HashMap<String, String> =
                req.url.query_pairs().into_owned().collect();
            let limit: usize = q["limit"].parse().unwrap();
            if limit > 2 {
                return ResponseTemplate::new(500).set_body_json(json!({"data": null,
                    "error": {"code": "INTERNAL_ERROR", "message": "could not buffer an answer"}}));
            }
            let since: usize = q.get("since").map_or(0, |s| s.parse().unwrap());
            let page: Vec<Value> = all
                .iter()
                .enumerate()
                .skip(since)
                .take(limit)
                .map(|(i, id)| {
                    json!({"entity": "hero", "id": id, "version": i + 1,
                    "deleted": false, "data": {"id": id, "name": "K", "age": 5,
                    "traits": ["kind"], "specialAbility": null, "appearance": null,
                    "hairColor": null, "eyeColor": null, "skinTone": null, "avatarUrl": null,
                    "avatarStatus": "none", "avatarGenerationId": null, "version": i + 1,
                    "createdAt": "2026-11-01T10:00:00.000Z",
                    "updatedAt": "2026-11-01T10:00:00.000Z"}})
                })
                .collect();
            let next = since + page.len();
            envelope(json!({"changes": page, "cursor": next.to_string(),
                "hasMore": next < all.len()}))
        })
        .mount(&server)
        .await;
    let c = client(&server, SyncConfig::default());
    let report = c.sync().sync_all().await.unwrap();
    assert_eq!(report.pulled, 5);
    for id in ids {
        assert!(c.heroes().get(id.into()).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn gone_cursor_triggers_a_full_resync() {
    let server = MockServer::start().await;
    mount_push(&server).await;
    let id_kept = uuid::Uuid::now_v7();
    let id_stale = uuid::Uuid::now_v7();
    let hero_json = |id: uuid::Uuid, v: i64| {
        json!({"id": id, "name": "K", "age": 5, "traits": ["kind"], "specialAbility": null,
               "appearance": null, "hairColor": null, "eyeColor": null, "skinTone": null,
               "avatarUrl": null, "avatarStatus": "none", "avatarGenerationId": null,
               "version": v, "createdAt": "2026-11-01T10:00:00.000Z",
               "updatedAt": "2026-11-01T10:00:00.000Z"})
    };
    Mock::given(method("GET"))
        .and(path("/api/sync/changes"))
        .and(query_param("since", "old"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "data": null, "error": {"code": "RESYNC_REQUIRED", "message": "too old"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sync/changes"))
        .respond_with(envelope(json!({
            "changes": [{"entity": "hero", "id": id_kept, "version": 9, "deleted": false,
                         "data": hero_json(id_kept, 9)}],
            "cursor": "9", "hasMore": false})))
        .mount(&server)
        .await;
    let c = client(&server, SyncConfig::default());
    // A synced row the server no longer has, and an old cursor.
    c.db()
        .write(move |tx| {
            crate::db::rows::put(
                tx,
                storyloom_domain::EntityKind::Hero,
                &crate::db::rows::StoredRow::synced(id_stale, hero_json(id_stale, 2), 2),
            )?;
            crate::db::meta::set(tx, crate::db::meta::CURSOR, "old")
        })
        .unwrap();
    let report = c.sync().sync_all().await.unwrap();
    assert!(report.full_resync);
    assert!(c.heroes().get(id_kept.into()).await.unwrap().is_some());
    assert!(c.heroes().get(id_stale.into()).await.unwrap().is_none());
    let cursor = c
        .db()
        .read(|conn| crate::db::meta::get(conn, crate::db::meta::CURSOR))
        .unwrap();
    assert_eq!(cursor.as_deref(), Some("9"));
}

#[tokio::test]
async fn background_sync_runs_after_local_writes_and_stops_on_drop() {
    let server = MockServer::start().await;
    let seen = mount_push(&server).await;
    mount_empty_changes(&server).await;
    let c = client(
        &server,
        SyncConfig {
            debounce: Duration::from_millis(30),
            ..Default::default()
        },
    );
    let handle = c.sync().start_background();
    // The start-up sync has nothing to push.
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.heroes().create(hero("one")).await.unwrap();
    c.heroes().create(hero("two")).await.unwrap();
    let mut waited = 0;
    while c
        .sync()
        .outbox()
        .await
        .unwrap()
        .iter()
        .any(|e| e.op == MutationOp::Create)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 100, "background sync did not run");
    }
    assert_eq!(seen.lock().unwrap().len(), 1, "debounced into one push");
    drop(handle);
    tokio::time::sleep(Duration::from_millis(20)).await;
    c.heroes().create(hero("three")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        c.sync().outbox().await.unwrap().len(),
        1,
        "stopped with its handle"
    );
}

#[tokio::test]
async fn a_replayed_refusal_is_still_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sync/push"))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let m = &body["mutations"][0];
            envelope(json!({"results": [{
                "mutationId": m["mutationId"], "status": "duplicate",
                "error": {"code": "VALIDATION_ERROR", "message": "still bad"}}]}))
        })
        .mount(&server)
        .await;
    mount_empty_changes(&server).await;
    let c = client(&server, SyncConfig::default());
    let h = c.heroes().create(hero("x")).await.unwrap();
    let report = c.sync().sync_all().await.unwrap();
    assert_eq!((report.pushed, report.failed), (0, 1));
    assert_eq!(
        c.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::Failed
    );
}

#[test]
fn a_replayed_conflict_is_still_a_conflict() {
    use storyloom_domain::{MutationResult, MutationStatus};

    use super::engine::replayed_status;
    // The shapes the server remembers (routes/sync.rs `result_of`), replayed as `duplicate`.
    let replay = |v: Value| -> MutationStatus {
        let mut r: MutationResult = serde_json::from_value(v).unwrap();
        r.status = MutationStatus::Duplicate;
        replayed_status(&r)
    };
    let id = uuid::Uuid::now_v7();
    assert_eq!(
        replay(json!({"mutationId": id, "status": "conflict", "version": 7,
            "current": {"id": id, "version": 7, "title": "theirs"},
            "error": {"code": "VERSION_CONFLICT", "message": "changed elsewhere"}})),
        MutationStatus::Conflict
    );
    assert_eq!(
        replay(json!({"mutationId": id, "status": "rejected",
            "error": {"code": "VALIDATION_ERROR", "message": "bad"}})),
        MutationStatus::Rejected
    );
    assert_eq!(
        replay(json!({"mutationId": id, "status": "applied", "version": 3})),
        MutationStatus::Duplicate,
        "an applied one stays applied"
    );
}

fn import(title: &str) -> storyloom_domain::StoryCreate {
    storyloom_domain::StoryCreate {
        id: None,
        hero_id: storyloom_domain::HeroId(uuid::Uuid::now_v7()),
        event_type: Some(storyloom_domain::EventType::Bedtime),
        custom_event_id: None,
        language: storyloom_domain::Language::En,
        generate_audio: false,
        generate_illustrations: false,
        voice: None,
        length: None,
        title: Some(title.into()),
        content: Some("Once.".into()),
    }
}

#[tokio::test]
async fn an_edit_behind_an_increment_of_the_same_story_waits_and_is_rebased() {
    // The increment moves the story's version on the server, so an edit based on the version
    // before it would be refused as a conflict (found by the fault-injecting proxy test).
    let server = MockServer::start().await;
    let seen = mount_push(&server).await;
    mount_empty_changes(&server).await;
    let c = client(&server, SyncConfig::default());
    let s = c.stories().create(import("Old")).await.unwrap();
    c.sync().sync_all().await.unwrap();
    c.stories().play(s.id, 1).await.unwrap();
    c.stories()
        .update(
            s.id,
            storyloom_domain::StoryUpdate {
                title: Some("New".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    seen.lock().unwrap().clear();
    c.sync().sync_all().await.unwrap();
    let batches = seen.lock().unwrap().clone();
    let ops: Vec<Vec<&str>> = batches
        .iter()
        .map(|b| b.iter().map(|m| m["op"].as_str().unwrap()).collect())
        .collect();
    assert_eq!(ops, vec![vec!["increment"], vec!["update"]]);
    assert_eq!(batches[1][0]["baseVersion"], 2, "on the increment's result");
}

#[tokio::test]
async fn a_conflict_with_a_copy_already_known_resends_instead_of_dropping_the_edit() {
    let server = MockServer::start().await;
    let answers = Arc::new(Mutex::new(0));
    let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
    let (n, log) = (answers.clone(), seen.clone());
    Mock::given(method("POST"))
        .and(path("/api/sync/push"))
        .respond_with(move |req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let m = body["mutations"][0].clone();
            log.lock().unwrap().push(m.clone());
            let mut n = n.lock().unwrap();
            *n += 1;
            let result = match (*n, m["op"].as_str().unwrap()) {
                (1, _) => json!({"mutationId": m["mutationId"], "status": "applied", "version": 5}),
                // The server answers with the very copy the device already has (version 5).
                (2, _) => json!({"mutationId": m["mutationId"], "status": "conflict",
                    "version": 5, "current": {"id": m["id"], "name": "A", "age": 5, "version": 5},
                    "error": {"code": "VERSION_CONFLICT", "message": "changed elsewhere"}}),
                _ => json!({"mutationId": m["mutationId"], "status": "applied", "version": 6}),
            };
            envelope(json!({ "results": [result] }))
        })
        .mount(&server)
        .await;
    mount_empty_changes(&server).await;
    let c = client(&server, SyncConfig::default());
    let h = c.heroes().create(hero("A")).await.unwrap();
    c.sync().sync_all().await.unwrap();
    c.heroes()
        .update(
            h.id,
            storyloom_domain::HeroUpdate {
                age: Some(9),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.sync().sync_all().await.unwrap();
    let sent = seen.lock().unwrap().clone();
    assert_eq!(
        sent.len(),
        3,
        "create, refused update, re-sent update: {sent:?}"
    );
    assert_eq!(sent[2]["op"], "update");
    assert_eq!(sent[2]["fields"]["age"], 9, "the edit was not dropped");
    assert_eq!(sent[2]["baseVersion"], 5);
    assert!(c.sync().outbox().await.unwrap().is_empty());
    assert_eq!(c.heroes().get(h.id).await.unwrap().unwrap().age, 9);
}
