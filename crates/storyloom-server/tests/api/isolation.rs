//! The isolation matrix: for every endpoint taking an id, another user (and the owner, after a
//! delete) gets 404 and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};

/// Every id-taking route: method, path template (`{hero}`, `{story}`, `{event}`), body.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/heroes/{hero}", None),
        (
            Method::PATCH,
            "/heroes/{hero}",
            Some(json!({"name": "Taken"})),
        ),
        (Method::DELETE, "/heroes/{hero}", None),
        (Method::POST, "/heroes/{hero}/avatar", Some(json!({}))),
        (Method::GET, "/stories/{story}", None),
        (
            Method::PATCH,
            "/stories/{story}",
            Some(json!({"title": "Taken"})),
        ),
        (Method::DELETE, "/stories/{story}", None),
        (
            Method::POST,
            "/stories/{story}/play",
            Some(json!({"count": 5})),
        ),
        (Method::POST, "/stories/{story}/audio", Some(json!({}))),
        (
            Method::POST,
            "/stories/{story}/illustrations",
            Some(json!({})),
        ),
        (Method::GET, "/stories/{story}/illustrations/status", None),
        (Method::GET, "/custom-events/{event}", None),
        (
            Method::PATCH,
            "/custom-events/{event}",
            Some(json!({"title": "Taken"})),
        ),
        (Method::DELETE, "/custom-events/{event}", None),
        (
            Method::POST,
            "/custom-events/{event}/enhance",
            Some(json!({})),
        ),
    ]
}

struct Owned {
    hero: Value,
    story: Value,
    event: Value,
}

async fn make(u: &TestUser) -> Owned {
    let hero = u.hero("Owned").await;
    let story = u.story(hero["id"].as_str().unwrap(), "Owned story").await;
    let event = u
        .post(
            "/custom-events",
            json!({"title": "Owned", "promptSeed": "p"}),
        )
        .await
        .data()
        .clone();
    Owned { hero, story, event }
}

fn fill(path: &str, o: &Owned) -> String {
    path.replace("{hero}", o.hero["id"].as_str().unwrap())
        .replace("{story}", o.story["id"].as_str().unwrap())
        .replace("{event}", o.event["id"].as_str().unwrap())
}

async fn snapshot(u: &TestUser) -> Value {
    let changes = u.get("/sync/changes").await;
    let usage = u.get("/user/usage").await;
    json!({"changes": changes.data(), "usage": usage.data()["operations"]})
}

async fn another_users_ids_are_404_without_side_effects(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let a = s.user().await;
    let b = s.user().await;
    let owned = make(&a).await;
    let before = snapshot(&a).await;
    let b_before = snapshot(&b).await;
    for (m, p, body) in routes() {
        let path = fill(p, &owned);
        let r = b.send(m.clone(), &path, body, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p}: {}", r.text);
        assert_eq!(r.code(), "NOT_FOUND", "{m} {p}");
        assert!(!r.text.contains("Owned"), "{m} {p} leaked: {}", r.text);
    }
    assert_eq!(snapshot(&a).await, before, "A's data and usage untouched");
    assert_eq!(snapshot(&b).await, b_before, "B's usage not charged either");
    // Lists never leak.
    for list in ["/heroes", "/stories", "/custom-events", "/sync/changes"] {
        let r = b.get(list).await;
        assert!(!r.text.contains("Owned"), "{list}: {}", r.text);
    }
    let filtered = b
        .get(&format!(
            "/stories?heroId={}",
            owned.hero["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(filtered.data(), &json!([]));
}

async fn deleted_ids_are_404(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let a = s.user().await;
    let owned = make(&a).await;
    assert_eq!(
        a.delete(&fill("/stories/{story}", &owned)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        a.delete(&fill("/heroes/{hero}", &owned)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        a.delete(&fill("/custom-events/{event}", &owned))
            .await
            .status,
        StatusCode::OK
    );
    let before = snapshot(&a).await;
    for (m, p, body) in routes() {
        let r = a.send(m.clone(), &fill(p, &owned), body, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {p}: {}", r.text);
    }
    assert_eq!(snapshot(&a).await, before);
}

db_tests!(
    another_users_ids_are_404_without_side_effects,
    deleted_ids_are_404
);
