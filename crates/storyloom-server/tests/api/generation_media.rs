//! Media of generation: signed, expiring links on every answer, and no blob outliving its
//! owner (account deletion, jobs that finish after it).

use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{Value, json};
use storyloom_ai::{AiError, Generated, Illustrator, Narration, Narrator, Picture};
use storyloom_domain::{Hero, Language, Voice};
use storyloom_server::AppState;
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::generation::{download, generate, hero_aged, wait_for};

async fn media_links_are_signed_and_expire(kind: DbKind) {
    let secret = "a media secret for the tests";
    let s = TestServer::start_with(kind, move |c| c.media_secret = Some(secret.into())).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Leo", 5).await;
    let id = hero["id"].as_str().unwrap();
    let r = u.post(&format!("/heroes/{id}/avatar"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = wait_for(&u, &format!("/heroes/{id}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    let url = done["avatarUrl"].as_str().unwrap().to_owned();
    assert_eq!(download(&url, None).await.status(), StatusCode::OK);
    let (path, query) = url.split_once('?').unwrap();
    let key = path.split("/api/media/").nth(1).unwrap();

    let expect_403 = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "FORBIDDEN");
        body["error"]["message"].as_str().unwrap().to_owned()
    };
    // No signature, a tampered one, a stretched expiry, another key with this signature.
    let msg = expect_403(download(path, None).await).await;
    assert!(msg.contains("signature"), "{msg}");
    let tampered = url.replace("sig=", "sig=00");
    expect_403(download(&tampered, None).await).await;
    let expires: i64 = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("expires="))
        .unwrap()
        .parse()
        .unwrap();
    let stretched = url.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    expect_403(download(&stretched, None).await).await;
    let other_key = url.replace("/avatars/", "/illustrations/");
    expect_403(download(&other_key, None).await).await;
    // Properly signed but expired: the message says what to do.
    let signer = storyloom_media::UrlSigner::new(secret.as_bytes().to_vec()).unwrap();
    let past = expires - 7200;
    let old = format!("{path}?expires={past}&sig={}", signer.sign(key, past));
    let msg = expect_403(download(&old, None).await).await;
    assert!(msg.contains("expired"), "{msg}");
    // Deleting the hero deletes its avatar: the (valid) link now finds nothing.
    assert_eq!(
        u.delete(&format!("/heroes/{id}")).await.status,
        StatusCode::OK
    );
    let gone = download(&url, None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

async fn account_deletion_leaves_no_media(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let keep = s.user().await;
    let hero = hero_aged(&u, "Eli", 6).await;
    let hid = hero["id"].as_str().unwrap();
    u.post(&format!("/heroes/{hid}/avatar"), json!({})).await;
    let story = generate(
        &u,
        json!({"heroId": hid, "eventType": "bedtime", "language": "en", "generateAudio": true}),
    )
    .await;
    let sid = story["id"].as_str().unwrap();
    wait_for(&u, &format!("/stories/{sid}"), |s| {
        s["audioGenerationStatus"] == "completed"
    })
    .await;
    wait_for(&u, &format!("/heroes/{hid}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    let kh = hero_aged(&keep, "Kim", 6).await;
    keep.post(
        &format!("/heroes/{}/avatar", kh["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    wait_for(
        &keep,
        &format!("/heroes/{}", kh["id"].as_str().unwrap()),
        |h| h["avatarStatus"] == "completed",
    )
    .await;
    let media = &s.state().media;
    assert_eq!(media.list_user(u.id).await.unwrap().len(), 2);

    // Deleting a story takes its narration with it.
    let audio_key = media
        .list_user(u.id)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.contains("/audio/"))
        .unwrap();
    assert_eq!(
        u.delete(&format!("/stories/{sid}")).await.status,
        StatusCode::OK
    );
    assert!(!media.list_user(u.id).await.unwrap().contains(&audio_key));

    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    assert!(media.list_user(u.id).await.unwrap().is_empty());
    assert_eq!(media.list_user(keep.id).await.unwrap().len(), 1);
}

/// Wherever an entity with media appears — read, list, change feed, a REST conflict's and a
/// push conflict's current entity, the illustration status — its media field is a signed,
/// downloadable URL, never the storage key.
async fn every_answer_carries_signed_media_urls(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Ada", 7).await;
    let id = hero["id"].as_str().unwrap();
    let r = u.post(&format!("/heroes/{id}/avatar"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = wait_for(&u, &format!("/heroes/{id}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    let version = done["version"].as_i64().unwrap();
    let story = generate(
        &u,
        json!({"heroId": id, "eventType": "bedtime", "language": "en", "generateIllustrations": true}),
    )
    .await;
    let sid = story["id"].as_str().unwrap();
    let status = wait_for(&u, &format!("/stories/{sid}/illustrations/status"), |st| {
        st["status"] == "completed"
    })
    .await;

    let signed = |where_: &str, v: &Value| {
        let url = v
            .as_str()
            .unwrap_or_else(|| panic!("{where_}: no URL in {v}"));
        assert!(
            url.starts_with(&format!("{}/api/media/users/", s.url())) && url.contains("sig="),
            "{where_}: not a signed URL: {url}"
        );
        url.to_owned()
    };
    let read = signed("read", &done["avatarUrl"]);
    assert_eq!(download(&read, None).await.status(), StatusCode::OK);
    let list = u.get("/heroes").await;
    signed("list", &list.data()[0]["avatarUrl"]);
    let feed = u.get("/sync/changes").await;
    for c in feed.data()["changes"].as_array().unwrap() {
        if c["entity"] == "hero" {
            signed("feed", &c["data"]["avatarUrl"]);
        }
        if c["entity"] == "illustration" {
            signed("feed illustration", &c["data"]["imageUrl"]);
        }
    }
    let stale = (version - 1).to_string();
    let conflict = u
        .send(
            reqwest::Method::PATCH,
            &format!("/heroes/{id}"),
            Some(json!({"age": 8})),
            &[("if-match", &stale)],
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    signed(
        "REST conflict",
        &conflict.body["error"]["details"]["current"]["avatarUrl"],
    );
    let push = u
        .post(
            "/sync/push",
            json!({"mutations": [{"mutationId": uuid::Uuid::new_v4(), "entity": "hero",
                "op": "update", "id": id, "baseVersion": version - 1, "fields": {"age": 8}}]}),
        )
        .await;
    let result = &push.data()["results"][0];
    assert_eq!(result["status"], "conflict", "{}", push.body);
    signed("push conflict", &result["current"]["avatarUrl"]);
    for ill in status["illustrations"].as_array().unwrap() {
        signed("illustration status", &ill["imageUrl"]);
    }
    let full = u.get(&format!("/stories/{sid}")).await;
    for ill in full.data()["illustrations"].as_array().unwrap() {
        signed("story illustrations", &ill["imageUrl"]);
    }
}

/// A gate that provider calls wait at until the test opens it; counts the calls waiting.
struct Gate {
    waiting: std::sync::atomic::AtomicUsize,
    open: tokio::sync::watch::Sender<bool>,
}

impl Gate {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            waiting: Default::default(),
            open: tokio::sync::watch::channel(false).0,
        })
    }

    async fn pass(&self) {
        let mut open = self.open.subscribe();
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _ = open.wait_for(|o| *o).await;
    }
}

/// The built-in narrator, held at a gate.
struct HeldNarrator(Arc<Gate>, Arc<dyn Narrator>);

#[async_trait::async_trait]
impl Narrator for HeldNarrator {
    async fn narrate(
        &self,
        text: &str,
        language: Language,
        voice: Voice,
    ) -> Result<Generated<Narration>, AiError> {
        self.0.pass().await;
        self.1.narrate(text, language, voice).await
    }
}

/// The built-in illustrator, held at a gate.
struct HeldIllustrator(Arc<Gate>, Arc<dyn Illustrator>);

#[async_trait::async_trait]
impl Illustrator for HeldIllustrator {
    async fn avatar(
        &self,
        hero: &Hero,
        extra_prompt: Option<&str>,
        previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError> {
        self.0.pass().await;
        self.1
            .avatar(hero, extra_prompt, previous_generation_id)
            .await
    }

    async fn scene(
        &self,
        scene_description: &str,
        hero: &Hero,
        previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError> {
        self.0.pass().await;
        self.1
            .scene(scene_description, hero, previous_generation_id)
            .await
    }
}

/// Issue 15 item 6: narration and pictures of jobs still running when the account was deleted
/// stayed on disk (the MP3 says the child's name).
async fn jobs_finishing_after_account_deletion_leave_no_media(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.workers = 0).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Noa", 6).await;
    generate(
        &u,
        json!({"heroId": hero["id"], "eventType": "bedtime", "language": "en",
               "generateAudio": true, "generateIllustrations": true}),
    )
    .await;
    // Workers on the same database and media whose providers wait at the gate: both jobs are
    // mid-run (claimed, past the provider call's start) when the account goes.
    let gate = Gate::new();
    let mut ai = s.state().ai.clone();
    ai.narrator = Arc::new(HeldNarrator(gate.clone(), ai.narrator.clone()));
    ai.illustrator = Arc::new(HeldIllustrator(gate.clone(), ai.illustrator.clone()));
    let held = AppState::new(
        (*s.state().config).clone(),
        s.store(),
        ai,
        s.state().media.clone(),
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = storyloom_server::spawn_workers(&held, 2, stop_rx);
    let deadline = Instant::now() + Duration::from_secs(60);
    while gate.waiting.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "both jobs reach their provider");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    assert!(s.state().media.list_user(u.id).await.unwrap().is_empty());
    // The providers answer; the jobs store what they made, find the owner gone, and end.
    gate.open.send_replace(true);
    stop_tx.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    assert!(
        gate.waiting.load(Ordering::SeqCst) >= 2,
        "the jobs ran on after the deletion"
    );
    let left = s.state().media.list_user(u.id).await.unwrap();
    assert!(left.is_empty(), "media left behind: {left:?}");
}

db_tests!(
    jobs_finishing_after_account_deletion_leave_no_media,
    every_answer_carries_signed_media_urls,
    media_links_are_signed_and_expire,
    account_deletion_leaves_no_media,
);
