//! The in-process caches never serve an answer older than the data: on one node (read your
//! writes) and across nodes on PostgreSQL (events through LISTEN/NOTIFY).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};

fn names(r: &storyloom_testkit::Resp) -> Vec<String> {
    r.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn reads_follow_writes_on_one_node(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let a = u.hero("A").await;
    for _ in 0..3 {
        assert_eq!(names(&u.get("/heroes").await), ["A"]);
    }
    u.hero("B").await;
    assert_eq!(names(&u.get("/heroes").await), ["B", "A"]);
    let path = format!("/heroes/{}", a["id"].as_str().unwrap());
    assert_eq!(u.get(&path).await.data()["age"], 6);
    u.patch(&path, json!({"age": 9})).await;
    assert_eq!(u.get(&path).await.data()["age"], 9);
    let feed = u.get("/sync/changes").await;
    u.delete(&path).await;
    assert_eq!(u.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_ne!(u.get("/sync/changes").await.text, feed.text);
    // Writes through sync push invalidate too.
    let id = uuid::Uuid::new_v4();
    let m = json!({"mutationId": uuid::Uuid::new_v4(), "entity": "hero", "op": "create", "id": id,
                   "fields": {"name": "C", "age": 4, "traits": ["calm"]}});
    u.post("/sync/push", json!({"mutations": [m]})).await;
    assert_eq!(names(&u.get("/heroes").await), ["C", "B"]);
    // Different query strings and seed headers are different answers.
    let one = u
        .send(
            reqwest::Method::GET,
            "/heroes",
            None,
            &[("x-query-limit", "1")],
        )
        .await;
    assert_eq!(names(&one), ["C"]);
    assert_eq!(names(&u.get("/heroes?limit=1&offset=1").await), ["B"]);
    // Users never share answers.
    let v = s.user().await;
    assert_eq!(names(&v.get("/heroes").await), Vec::<String>::new());
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn on_node(node: &TestServer, u: &TestUser) -> TestUser {
    let mut other = u.clone();
    other.http = node.anon().with_token(u.token());
    other
}

async fn two_nodes_stay_coherent(kind: DbKind) {
    let a = TestServer::start(kind).await;
    let b = a.another_node().await;
    let ua = a.user().await;
    let ub = on_node(&b, &ua).await;
    ua.hero("First").await;
    assert_eq!(names(&ub.get("/heroes").await), ["First"]); // B caches this answer
    ua.hero("Second").await; // written on A
    eventually("node B seeing node A's write", async || {
        names(&ub.get("/heroes").await).len() == 2
    })
    .await;
    // Sign-out on A revokes the session on B (whose cache holds it).
    assert_eq!(ub.get("/heroes").await.status, StatusCode::OK);
    assert_eq!(
        ua.post("/auth/sign-out", json!({})).await.status,
        StatusCode::OK
    );
    eventually("node B dropping the revoked session", async || {
        ub.get("/heroes").await.status == StatusCode::UNAUTHORIZED
    })
    .await;
}

db_tests!(reads_follow_writes_on_one_node);

/// Several API nodes share one PostgreSQL (one SQLite file belongs to one process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_nodes_stay_coherent() {
    two_nodes_stay_coherent(DbKind::Postgres).await;
}
