//! Listening sessions and the Reading Journey figures over HTTP, against the answers worked
//! out by hand in `storyloom-domain`'s `journey/tests.rs` (the same history, recorded here
//! through the API: sessions 1–13, "now" pinned at 2026-04-12T20:00Z).

use reqwest::StatusCode;
use serde_json::{Value, json};
use storyloom_domain::{GenerationStatus, StoryId, UserId};
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};
use uuid::Uuid;

const NOW_MS: i64 = 1_776_024_000_000; // 2026-04-12T20:00:00Z

async fn pinned(kind: DbKind) -> TestServer {
    TestServer::start_with(kind, |c| {
        c.journey_now_ms = Some(NOW_MS);
        c.auth_limit_per_minute = 10_000;
    })
    .await
}

fn listen(story: &str, start: &str, secs: i64, completed: bool) -> Value {
    json!({"storyId": story, "startedAt": start, "durationSeconds": secs, "completed": completed})
}

async fn record(u: &TestUser, body: Value) -> Value {
    let r = u.post("/listening-sessions", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.data().clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Give a story narration of `secs` seconds, as a finished audio job would.
async fn with_audio(s: &TestServer, u: &TestUser, story: &str, secs: f64) {
    let sid = StoryId(story.parse().unwrap());
    s.store()
        .set_story_audio(
            UserId(u.id),
            sid,
            GenerationStatus::Completed,
            Some("audio/key.mp3"),
            Some(secs),
            1,
        )
        .await
        .unwrap();
}

struct Family {
    forest: String,
}

/// The fixed history: Léa (Moon, Sea, and a story deleted after its listen), Tom (Forest,
/// Stars), Zoé (no stories).
async fn family(s: &TestServer, u: &TestUser) -> Family {
    let lea = id(&u.hero("Léa").await);
    let tom = id(&u.hero("Tom").await);
    u.hero("Zoé").await;
    let moon = id(&u.story(&lea, "Moon").await);
    let sea = id(&u.story(&lea, "Sea").await);
    let gone = id(&u.story(&lea, "Gone").await);
    let forest = id(&u.story(&tom, "Forest").await);
    let stars = id(&u.story(&tom, "Stars").await);
    with_audio(s, u, &moon, 600.0).await;
    with_audio(s, u, &forest, 400.0).await;
    for fav in [&forest, &stars] {
        let r = u
            .patch(&format!("/stories/{fav}"), json!({"isFavorite": true}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    record(u, listen(&moon, "2026-03-02T19:00:00Z", 600, true)).await;
    record(u, listen(&sea, "2026-03-16T08:00:00Z", 1200, true)).await;
    for d in 27..=31 {
        let start = format!("2026-03-{d}T22:30:00Z");
        record(u, listen(&forest, &start, 300, true)).await;
    }
    record(u, listen(&moon, "2026-04-06T12:00:00Z", 2000, true)).await;
    record(u, listen(&sea, "2026-04-07T12:00:00Z", 1800, true)).await;
    record(u, listen(&moon, "2026-04-08T12:00:00Z", 600, false)).await;
    // Session 11 goes through sync, the other entry point, with the same effect.
    let m = json!({"mutationId": Uuid::new_v4(), "entity": "listeningSession", "op": "create",
        "id": Uuid::new_v4(), "fields": listen(&forest, "2026-04-10T01:00:00Z", 900, true)});
    let r = u.post("/sync/push", json!({"mutations": [m]})).await;
    assert_eq!(r.data()["results"][0]["status"], "applied", "{}", r.body);
    record(u, listen(&sea, "2026-04-11T23:00:00Z", 600, true)).await;
    record(u, listen(&gone, "2026-04-12T18:00:00Z", 300, false)).await;
    assert_eq!(
        u.delete(&format!("/stories/{gone}")).await.status,
        StatusCode::OK
    );
    Family { forest }
}

async fn figure(u: &TestUser, path: &str) -> Value {
    let r = u.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.data().clone()
}

async fn every_figure_matches_the_hand_computed_answers(kind: DbKind) {
    let s = pinned(kind).await;
    let u = s.user().await;
    let fam = family(&s, &u).await;

    // The profile's zone is UTC by default.
    let summary = figure(&u, "/journey/summary").await;
    assert_eq!(
        summary,
        json!({"totalListens": 13, "totalListeningMinutes": 135.0, "uniqueStoriesListened": 4,
               "currentStreak": 2, "longestStreak": 5, "favoriteStoriesCount": 2,
               "lastListenedAt": "2026-04-12T18:00:00.000Z"})
    );
    for (tz, current, longest) in [
        ("Europe/Paris", 1, 3),
        ("America/Los_Angeles", 1, 5),
        ("Asia/Tokyo", 1, 5),
    ] {
        let s = figure(&u, &format!("/journey/summary?timezone={tz}")).await;
        assert_eq!(
            (&s["currentStreak"], &s["longestStreak"]),
            (&json!(current), &json!(longest)),
            "{tz}"
        );
    }

    let week = figure(&u, "/journey/activity?range=week&timezone=Asia/Tokyo").await;
    assert_eq!(
        (
            &week["range"],
            &week["timezone"],
            &week["from"],
            &week["to"]
        ),
        (
            &json!("week"),
            &json!("Asia/Tokyo"),
            &json!("2026-04-07"),
            &json!("2026-04-13")
        )
    );
    let minutes: Vec<f64> = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["minutes"].as_f64().unwrap())
        .collect();
    assert_eq!(minutes, vec![30.0, 10.0, 0.0, 10.0, 0.0, 10.0, 5.0]);
    let utc = figure(&u, "/journey/activity").await;
    let listens: Vec<i64> = utc["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["listens"].as_i64().unwrap())
        .collect();
    assert_eq!(listens, vec![1, 1, 1, 0, 1, 1, 1]);
    let all = figure(&u, "/journey/activity?range=all").await;
    assert_eq!(
        (&all["from"], all["days"].as_array().unwrap().len()),
        (&json!("2026-03-02"), 42)
    );
    let month = figure(&u, "/journey/activity?range=month").await;
    assert_eq!(month["days"].as_array().unwrap().len(), 30);
    let year = figure(&u, "/journey/activity?range=year").await;
    assert_eq!(year["from"], "2025-04-13");

    let heroes = figure(&u, "/journey/heroes").await;
    let rows: Vec<(String, i64, i64, f64, bool)> = heroes
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["heroName"].as_str().unwrap().to_owned(),
                h["storyCount"].as_i64().unwrap(),
                h["listens"].as_i64().unwrap(),
                h["listeningMinutes"].as_f64().unwrap(),
                h["isMostActive"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Léa".into(), 2, 7, 100.0, true),
            ("Tom".into(), 2, 6, 35.0, false),
            ("Zoé".into(), 0, 0, 0.0, false),
        ]
    );

    let ms = figure(&u, "/journey/milestones").await;
    let rows: Vec<(String, i64, i64, Value)> = ms
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                m["target"].as_i64().unwrap(),
                m["progress"].as_i64().unwrap(),
                m["unlockedAt"].clone(),
            )
        })
        .collect();
    let at = |s: &str| json!(s);
    assert_eq!(
        rows,
        vec![
            ("listens-1".into(), 1, 1, at("2026-03-02T19:00:00.000Z")),
            ("listens-5".into(), 5, 5, at("2026-03-29T22:30:00.000Z")),
            ("listens-10".into(), 10, 10, at("2026-04-10T01:00:00.000Z")),
            ("listens-25".into(), 25, 11, Value::Null),
            ("listens-50".into(), 50, 11, Value::Null),
            ("hours-1".into(), 60, 60, at("2026-04-06T12:00:00.000Z")),
            ("hours-5".into(), 300, 120, Value::Null),
            ("hours-10".into(), 600, 120, Value::Null),
            ("streak-7".into(), 7, 5, Value::Null),
            ("streak-30".into(), 30, 5, Value::Null),
        ]
    );
    assert_eq!(ms[0]["title"], "First story");

    let insights = figure(&u, "/journey/insights").await;
    assert_eq!(
        insights,
        json!({"averageStoryMinutes": 10.4, "averageListensPerStory": 3.3, "preferredHour": 12,
               "preferredPeriod": "afternoon",
               "mostListenedStory": {"id": fam.forest, "title": "Forest", "listens": 6},
               "uniqueStoriesListened": 4})
    );
    for (tz, hour, period) in [
        ("Europe/Paris", 14, "afternoon"),
        ("America/Los_Angeles", 5, "morning"),
        ("Asia/Tokyo", 21, "night"),
    ] {
        let i = figure(&u, &format!("/journey/insights?timezone={tz}")).await;
        assert_eq!(
            (&i["preferredHour"], &i["preferredPeriod"]),
            (&json!(hour), &json!(period))
        );
    }

    // The profile's zone and language are the defaults.
    let p = u
        .patch(
            "/user/profile",
            json!({"timezone": "Europe/Paris", "preferredLanguage": "fr"}),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.data()["timezone"], "Europe/Paris");
    assert_eq!(
        u.get("/user/profile").await.data()["timezone"],
        "Europe/Paris"
    );
    let s = figure(&u, "/journey/summary").await;
    assert_eq!(
        (&s["currentStreak"], &s["longestStreak"]),
        (&json!(1), &json!(3))
    );
    let ms = figure(&u, "/journey/milestones").await;
    assert_eq!(ms[1]["title"], "5 histoires");
    let utc = figure(&u, "/journey/summary?timezone=UTC").await;
    assert_eq!(utc["currentStreak"], 2);
}

async fn a_listen_is_counted_once_and_stays_private(kind: DbKind) {
    let s = pinned(kind).await;
    let u = s.user().await;
    let other = s.user().await;
    let hero = id(&u.hero("Léa").await);
    let story = id(&u.story(&hero, "Moon").await);
    let theirs = id(&other.story(&id(&other.hero("Tom").await), "Theirs").await);

    let sid = Uuid::new_v4();
    let mut body = listen(&story, "2026-04-12T19:00:00Z", 600, true);
    body["id"] = json!(sid);
    body["endedAt"] = json!("2026-04-12T19:10:00Z");
    let first = u.post("/listening-sessions", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.data()["heroId"], hero.as_str());
    let again = u.post("/listening-sessions", body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.data(), first.data());
    let st = u.get(&format!("/stories/{story}")).await;
    assert_eq!(st.data()["playCount"], 1);
    assert_eq!(st.data()["lastPlayedAt"], "2026-04-12T19:10:00.000Z");
    let mut changed = body.clone();
    changed["durationSeconds"] = json!(601);
    assert_eq!(
        u.post("/listening-sessions", changed).await.status,
        StatusCode::CONFLICT
    );

    // A sync replay of the same create counts nothing either.
    let m = json!({"mutationId": Uuid::new_v4(), "entity": "listeningSession", "op": "create",
        "id": sid, "fields": body});
    let r = u
        .post("/sync/push", json!({"mutations": [m.clone(), m]}))
        .await;
    let results = r.data()["results"].as_array().unwrap().clone();
    assert_eq!(
        (&results[0]["status"], &results[1]["status"]),
        (&json!("applied"), &json!("duplicate"))
    );
    assert_eq!(
        u.get(&format!("/stories/{story}")).await.data()["playCount"],
        1
    );

    // Another user's story is 404; their sessions never count here, nor ours there.
    let r = u
        .post(
            "/listening-sessions",
            listen(&theirs, "2026-04-12T19:00:00Z", 60, true),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    record(&other, listen(&theirs, "2026-04-12T18:00:00Z", 6000, true)).await;
    let mine = figure(&u, "/journey/summary").await;
    assert_eq!(
        (&mine["totalListens"], &mine["totalListeningMinutes"]),
        (&json!(1), &json!(10.0))
    );
    assert_eq!(figure(&other, "/journey/summary").await["totalListens"], 1);
    assert_eq!(
        other
            .get(&format!("/listening-sessions/{sid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .delete(&format!("/listening-sessions/{sid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get("/listening-sessions").await.body["pagination"]["total"],
        1
    );

    // Lists: newest first, filtered.
    record(&u, listen(&story, "2026-04-01T08:00:00Z", 60, false)).await;
    let list = u.get("/listening-sessions").await;
    assert_eq!(list.body["pagination"]["total"], 2);
    assert_eq!(list.data()[0]["id"], json!(sid));
    let done = u.get("/listening-sessions?completed=false").await;
    assert_eq!(done.body["pagination"]["total"], 1);
    let q = format!(
        "/listening-sessions?storyId={story}&from=2026-04-10T00:00:00Z&to=2026-04-13T00:00:00Z"
    );
    let ranged = u.get(&q).await;
    assert_eq!(ranged.body["pagination"]["total"], 1, "{}", ranged.body);
    for bad in ["completed=maybe", "from=yesterday", "storyId=nope"] {
        let r = u.get(&format!("/listening-sessions?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = u
        .post(
            "/listening-sessions",
            listen(&story, "2026-04-12T19:00:00Z", 86_401, true),
        )
        .await;
    assert!(
        r.body["error"]["details"]["durationSeconds"].is_string(),
        "{}",
        r.body
    );

    // In the change feed, then deleted with a tombstone (the play stays counted).
    let feed = u.get("/sync/changes").await;
    let kinds: Vec<&str> = feed.data()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["entity"].as_str())
        .collect();
    assert!(kinds.contains(&"listeningSession"), "{kinds:?}");
    let cursor = feed.data()["cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        u.delete(&format!("/listening-sessions/{sid}")).await.status,
        StatusCode::OK
    );
    let after = u.get(&format!("/sync/changes?since={cursor}")).await;
    let tomb = &after.data()["changes"][0];
    assert_eq!(
        (&tomb["entity"], &tomb["id"], &tomb["deleted"]),
        (&json!("listeningSession"), &json!(sid), &json!(true))
    );
    assert_eq!(
        u.get(&format!("/stories/{story}")).await.data()["playCount"],
        2
    );
}

async fn timezones_are_checked(kind: DbKind) {
    let s = pinned(kind).await;
    let u = s.user().await;
    assert_eq!(u.get("/user/profile").await.data()["timezone"], "UTC");
    for path in [
        "/journey/summary",
        "/journey/activity",
        "/journey/heroes",
        "/journey/milestones",
        "/journey/insights",
    ] {
        let r = u.get(&format!("{path}?timezone=Mars/Olympus")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            r.body["error"]["details"]["timezone"].is_string(),
            "{}",
            r.body
        );
    }
    let r = u.get("/journey/activity?range=decade").await;
    assert!(
        r.body["error"]["details"]["range"].is_string(),
        "{}",
        r.body
    );
    let r = u
        .patch("/user/profile", json!({"timezone": "Nowhere/Land"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["error"]["details"]["timezone"].is_string(),
        "{}",
        r.body
    );
    assert_eq!(u.get("/user/profile").await.data()["timezone"], "UTC");
    // No sessions yet: zeros and nulls, never NaN.
    let i = figure(&u, "/journey/insights").await;
    assert_eq!(
        i,
        json!({"averageStoryMinutes": null, "averageListensPerStory": null, "preferredHour": null,
               "preferredPeriod": null, "mostListenedStory": null, "uniqueStoriesListened": 0})
    );
    assert_eq!(
        figure(&u, "/journey/activity").await["days"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

db_tests!(
    every_figure_matches_the_hand_computed_answers,
    a_listen_is_counted_once_and_stays_private,
    timezones_are_checked,
);
