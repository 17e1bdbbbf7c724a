//! Repositories against the cache only (the server is unreachable): optimistic writes, the
//! outbox they leave behind, folding of edits, cascades, and generation without network.

use std::time::Duration;

use serde_json::json;
use storyloom_domain::{
    AudioRequest, CustomEventId, EventType, HeroCreate, HeroTrait, HeroUpdate, Language,
    MutationOp, StoryCreate, StoryId, StoryUpdate,
};

use crate::db::outbox;
use crate::{Client, Error, RetryConfig, SyncStatus};

fn offline_client() -> Client {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    Client::builder(format!("http://127.0.0.1:{port}"))
        .retry(RetryConfig {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retries: 1,
            ..Default::default()
        })
        .build()
        .unwrap()
}

/// A signed-out client gets `SignedOut` before any network; pretend to be signed in.
fn fake_session(c: &Client) {
    let fake: crate::Session = serde_json::from_value(json!({
        "user": {"id": uuid::Uuid::now_v7(), "email": "a@b.co", "name": null,
                 "createdAt": "2026-11-01T10:00:00.000Z"},
        "session": {"token": "t", "expiresAt": "2099-01-01T00:00:00.000Z"}
    }))
    .unwrap();
    c.api().set_session(fake).unwrap();
}

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

fn import(hero_id: uuid::Uuid, title: &str) -> StoryCreate {
    StoryCreate {
        id: None,
        hero_id: storyloom_domain::HeroId(hero_id),
        event_type: Some(EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        generate_audio: false,
        generate_illustrations: false,
        voice: None,
        length: None,
        title: Some(title.into()),
        content: Some("Once.".into()),
    }
}

#[tokio::test]
async fn create_then_edit_before_sync_is_one_create_with_the_final_fields() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    let updated = c
        .heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("Bea".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Bea");
    assert_eq!(c.heroes().get(h.id).await.unwrap().unwrap().name, "Bea");
    let outbox = c.sync().outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].op, MutationOp::Create);
    let fields = outbox[0].fields.as_ref().unwrap();
    assert_eq!(fields["name"], "Bea");
    assert_eq!(fields["id"], json!(h.id));
    assert_eq!(
        c.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::PendingCreate
    );
}

#[tokio::test]
async fn an_edit_after_a_send_attempt_is_queued_separately() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    // A failed (offline) sync hands the create to the network once.
    fake_session(&c);
    assert!(c.sync().sync_all().await.unwrap_err().is_offline());
    c.heroes()
        .update(
            h.id,
            HeroUpdate {
                age: Some(6),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let outbox = c.sync().outbox().await.unwrap();
    assert_eq!(
        outbox
            .iter()
            .map(|e| (e.op, e.attempts))
            .collect::<Vec<_>>(),
        vec![(MutationOp::Create, 1), (MutationOp::Update, 0)]
    );
    assert_eq!(
        outbox[1].base_version, None,
        "not on the server yet: no precondition"
    );
}

#[tokio::test]
async fn story_favourite_cannot_fold_into_an_import_and_follows_it() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    let s = c
        .stories()
        .create(import(h.id.into(), "Moon"))
        .await
        .unwrap();
    c.stories()
        .update(
            s.id,
            StoryUpdate {
                title: Some("Big moon".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.stories().set_favorite(s.id, true).await.unwrap();
    let ops: Vec<_> = c
        .sync()
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.id == s.id)
        .map(|e| (e.op, e.fields.unwrap()))
        .collect();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].0, MutationOp::Create);
    assert_eq!(ops[0].1["title"], "Big moon");
    assert_eq!(ops[1], (MutationOp::Update, json!({"isFavorite": true})));
    assert_eq!(
        c.stories().list_by(None, Some(true)).await.unwrap().len(),
        1
    );
    assert_eq!(
        c.stories()
            .list_by(Some(h.id), Some(false))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        c.stories().list_by(Some(h.id), None).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn plays_travel_as_increments_and_fold_up_to_100() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    let s = c
        .stories()
        .create(import(h.id.into(), "Moon"))
        .await
        .unwrap();
    c.stories().play(s.id, 60).await.unwrap();
    let after = c.stories().play(s.id, 30).await.unwrap();
    c.stories().play(s.id, 20).await.unwrap();
    assert_eq!(after.play_count, 90);
    assert!(after.last_played_at.is_some());
    let incs: Vec<_> = c
        .sync()
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.op == MutationOp::Increment)
        .map(|e| e.fields.unwrap()["playCount"].as_i64().unwrap())
        .collect();
    assert_eq!(incs, vec![90, 20]);
    assert!(matches!(
        c.stories().play(s.id, 0).await,
        Err(Error::Validation(_))
    ));
}

#[tokio::test]
async fn deleting_what_the_server_never_saw_leaves_nothing() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    let s = c
        .stories()
        .create(import(h.id.into(), "Moon"))
        .await
        .unwrap();
    c.heroes().delete(h.id).await.unwrap();
    assert!(c.heroes().get(h.id).await.unwrap().is_none());
    assert!(
        c.stories().get(s.id).await.unwrap().is_none(),
        "stories go with their hero"
    );
    assert!(c.sync().outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_a_synced_row_hides_it_and_queues_the_delete() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    // Pretend the create went through at version 4.
    c.db()
        .write(|tx| {
            let e = outbox::all(tx)?.remove(0);
            crate::sync::apply::mark_applied(tx, &e, Some(4))
        })
        .unwrap();
    assert_eq!(
        c.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::Synced
    );
    c.heroes().delete(h.id).await.unwrap();
    assert!(c.heroes().get(h.id).await.unwrap().is_none());
    assert!(c.heroes().list().await.unwrap().is_empty());
    let outbox = c.sync().outbox().await.unwrap();
    assert_eq!(
        (outbox[0].op, outbox[0].base_version),
        (MutationOp::Delete, Some(4))
    );
    assert_eq!(
        c.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::PendingDelete
    );
}

#[tokio::test]
async fn generation_needs_the_network() {
    let c = offline_client();
    let h = c.heroes().create(hero("Ada")).await.unwrap();
    let mut gen_story = import(h.id.into(), "x");
    gen_story.title = None;
    gen_story.content = None;
    fake_session(&c);
    assert!(matches!(
        c.stories().generate(gen_story.clone()).await,
        Err(Error::Offline)
    ));
    // Only an import is made on the device.
    assert!(matches!(
        c.stories().create(gen_story).await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        c.stories()
            .generate_audio(StoryId(h.id.uuid()), AudioRequest::default())
            .await,
        Err(Error::Offline)
    ));
    assert!(matches!(
        c.custom_events().enhance(CustomEventId(h.id.uuid())).await,
        Err(Error::Offline)
    ));
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_stored() {
    let c = offline_client();
    let mut bad = hero("");
    bad.age = 40;
    match c.heroes().create(bad).await {
        Err(Error::Validation(f)) => {
            assert!(f.contains_key("name") && f.contains_key("age"), "{f:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(c.sync().outbox().await.unwrap().is_empty());
    let missing = uuid::Uuid::now_v7();
    assert!(matches!(
        c.heroes()
            .update(missing.into(), HeroUpdate::default())
            .await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn local_writes_are_fast() {
    let c = offline_client();
    let start = std::time::Instant::now();
    for i in 0..50 {
        c.heroes().create(hero(&format!("H{i}"))).await.unwrap();
    }
    let per_write = start.elapsed() / 50;
    assert!(per_write < Duration::from_millis(100), "{per_write:?}");
}
