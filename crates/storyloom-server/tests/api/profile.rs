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
    let s = TestServer::start(kind).await;
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
    let stats = store.profile_stats(u.id).await.unwrap();
    assert_eq!(
        (
            stats.hero_count,
            stats.story_count,
            stats.custom_event_count
        ),
        (0, 0, 0)
    );
    let feed = store.changes(u.id, 0, 100).await;
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

db_tests!(
    profile_stats_and_update,
    usage_lists_every_operation,
    account_deletion_erases_everything
);
