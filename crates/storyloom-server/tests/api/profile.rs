use reqwest::StatusCode;
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn profile_stats_and_update(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Stat").await;
    let st = u.story(hero["id"].as_str().unwrap(), "S").await;
    u.post(
        &format!("/stories/{}/play", st["id"].as_str().unwrap()),
        json!({"count": 4}),
    )
    .await;
    u.patch(
        &format!("/stories/{}", st["id"].as_str().unwrap()),
        json!({"isFavorite": true}),
    )
    .await;
    let p = u.get("/user/profile").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.data()["email"], u.email.as_str());
    assert_eq!(p.data()["preferredLanguage"], "en");
    assert_eq!(p.data()["preferredVoice"], "fable");
    assert_eq!(
        p.data()["stats"],
        json!({"heroCount": 1, "storyCount": 1, "customEventCount": 0, "favoriteStoryCount": 1, "totalPlays": 4})
    );
    let up = u
        .patch(
            "/user/profile",
            json!({"name": "Papa", "preferredLanguage": "de", "preferredVoice": "nova"}),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    assert_eq!(up.data()["name"], "Papa");
    assert_eq!(up.data()["preferredLanguage"], "de");
    assert_eq!(up.data()["preferredVoice"], "nova");
    let bad = u
        .patch("/user/profile", json!({"preferredLanguage": "xx"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["error"]["details"]["preferredLanguage"].is_string());
}

async fn usage_lists_every_operation(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.limit_audio_per_hour = 7).await;
    let u = s.user().await;
    let r = u.get("/user/usage").await;
    assert_eq!(r.status, StatusCode::OK);
    let ops: Vec<_> = r.data()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["operation"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ops,
        [
            "story_generation",
            "audio_generation",
            "illustration_generation",
            "avatar_generation",
            "event_enhancement"
        ]
    );
    // A configured limit is the one shown, as it is the one enforced.
    assert_eq!(r.data()["operations"][1]["limit"], 7, "{}", r.body);
    let story = &r.data()["operations"][0];
    assert_eq!(story["limit"], 10);
    assert_eq!(story["used"], 0);
    assert_eq!(story["remaining"], 10);
    assert!(story["resetAt"].is_null());
    assert_eq!(r.data()["totals"]["requests"], 0);
}

async fn account_deletion_erases_everything(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let other = s.user().await;
    let hero = u.hero("Erased").await;
    u.story(hero["id"].as_str().unwrap(), "Gone").await;
    u.post("/custom-events", json!({"title": "E", "promptSeed": "p"}))
        .await;
    let keep = other.hero("Kept").await;
    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    assert_eq!(u.get("/heroes").await.status, StatusCode::UNAUTHORIZED);
    // Nothing of the user is left in any table.
    let store = s.store();
    assert!(store.user_by_email(&u.email).await.unwrap().is_none());
    let stats = store
        .profile_stats(storyloom_domain::UserId(u.id))
        .await
        .unwrap();
    assert_eq!(
        (
            stats.hero_count,
            stats.story_count,
            stats.custom_event_count
        ),
        (0, 0, 0)
    );
    let feed = store.changes(storyloom_domain::UserId(u.id), 0, 100).await;
    assert!(
        feed.is_err(),
        "the user's change feed is gone with the user"
    );
    assert_eq!(
        other
            .get(&format!("/heroes/{}", keep["id"].as_str().unwrap()))
            .await
            .status,
        StatusCode::OK
    );
}

/// One account cannot fill the disk: text bytes and entity counts are bounded, through REST
/// and push alike, shown in `/user/usage`, and freed by deleting.
async fn storage_limits_bound_one_account(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| {
        c.user_storage_bytes = 100_000;
        c.user_max_stories = 3;
        c.user_max_heroes = 2;
        c.user_max_custom_events = 1;
    })
    .await;
    let u = s.user().await;
    let hero = u.hero("One").await;
    let hid = hero["id"].as_str().unwrap();
    u.hero("Two").await;
    let full = |r: &storyloom_testkit::Resp, what: &str| {
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(r.code(), "STORAGE_LIMIT_EXCEEDED");
        assert_eq!(r.body["error"]["details"]["what"], what, "{}", r.body);
    };
    let third = u
        .post(
            "/heroes",
            json!({"name": "Three", "age": 5, "traits": ["kind"]}),
        )
        .await;
    full(&third, "heroes");
    let pushed = u
        .post(
            "/sync/push",
            json!({"mutations": [{"mutationId": uuid::Uuid::new_v4(), "entity": "hero", "op": "create",
                "id": uuid::Uuid::new_v4(), "fields": {"name": "Three", "age": 5, "traits": ["kind"]}}]}),
        )
        .await;
    let result = &pushed.data()["results"][0];
    assert_eq!(result["status"], "rejected", "{}", pushed.body);
    assert_eq!(result["error"]["code"], "STORAGE_LIMIT_EXCEEDED");

    let import = |title: &str, size: usize| {
        json!({"heroId": hid, "eventType": "bedtime", "language": "en", "title": title,
            "content": "a".repeat(size)})
    };
    let first = u.post("/stories", import("Long one", 45_000)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(
        u.post("/stories", import("Long two", 45_000)).await.status,
        StatusCode::CREATED
    );
    full(
        &u.post("/stories", import("Too long", 45_000)).await,
        "bytes of text",
    );
    assert_eq!(
        u.post("/stories", import("Short", 100)).await.status,
        StatusCode::CREATED
    );
    full(&u.post("/stories", import("Fourth", 100)).await, "stories");

    let ev = u
        .post(
            "/custom-events",
            json!({"title": "Tooth", "promptSeed": "a tooth"}),
        )
        .await;
    assert_eq!(ev.status, StatusCode::CREATED, "{}", ev.body);
    full(
        &u.post(
            "/custom-events",
            json!({"title": "Second", "promptSeed": "more"}),
        )
        .await,
        "custom events",
    );

    let usage = u.get("/user/usage").await;
    let st = &usage.data()["storage"];
    assert_eq!(st["stories"], 3, "{}", usage.body);
    assert_eq!(st["heroes"], 2);
    assert_eq!(st["customEvents"], 1);
    assert_eq!(st["storyLimit"], 3);
    assert_eq!(st["byteLimit"], 100_000);
    let bytes = st["bytes"].as_i64().unwrap();
    assert!((90_100..91_000).contains(&bytes), "{bytes}");

    // Deleting makes room again, and an edit's new size counts.
    let id = first.data()["id"].as_str().unwrap();
    assert_eq!(
        u.delete(&format!("/stories/{id}")).await.status,
        StatusCode::OK
    );
    let after = u.get("/user/usage").await;
    assert!(after.data()["storage"]["bytes"].as_i64().unwrap() < bytes - 40_000);
    assert_eq!(
        u.post("/stories", import("Room again", 100)).await.status,
        StatusCode::CREATED
    );
}

db_tests!(
    storage_limits_bound_one_account,
    profile_stats_and_update,
    usage_lists_every_operation,
    account_deletion_erases_everything
);
