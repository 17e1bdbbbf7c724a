use std::time::Duration;

use futures::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, db_tests};
use uuid::Uuid;

fn kinds(r: &storyloom_testkit::Resp) -> Vec<(String, bool)> {
    r.data()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["entity"].as_str().unwrap().to_owned(),
                c["deleted"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn change_feed(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let other = s.user().await;
    other.hero("Not yours").await;
    let hero = u.hero("Feed").await;
    let st = u.story(hero["id"].as_str().unwrap(), "T").await;
    u.post("/custom-events", json!({"title": "E", "promptSeed": "p"}))
        .await;
    let all = u.get("/sync/changes").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(
        kinds(&all),
        [
            ("hero".into(), false),
            ("story".into(), false),
            ("customEvent".into(), false)
        ]
    );
    assert_eq!(
        all.data()["changes"][0]["data"],
        hero,
        "data is the REST shape"
    );
    assert_eq!(all.data()["hasMore"], false);
    let cursor = all.data()["cursor"].as_str().unwrap().to_owned();

    // Nothing new: empty page, same cursor.
    let none = u.get(&format!("/sync/changes?since={cursor}")).await;
    assert_eq!(none.data()["changes"], json!([]));
    assert_eq!(none.data()["cursor"], cursor.as_str());

    // A delete shows as tombstones (story first: the cascade).
    u.delete(&format!("/heroes/{}", hero["id"].as_str().unwrap()))
        .await;
    let d = u.get(&format!("/sync/changes?since={cursor}")).await;
    assert_eq!(kinds(&d), [("story".into(), true), ("hero".into(), true)]);
    let tomb = &d.data()["changes"][0];
    assert_eq!(tomb["id"], st["id"]);
    assert!(tomb.get("data").is_none(), "a tombstone carries no data");

    // Paging.
    let p1 = u.get("/sync/changes?limit=1").await;
    assert_eq!(p1.data()["changes"].as_array().unwrap().len(), 1);
    assert_eq!(p1.data()["hasMore"], true);

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "since=abc",
        "since=-4",
    ] {
        let r = u.get(&format!("/sync/changes?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.code(), "VALIDATION_ERROR");
    }
    let future = u.get("/sync/changes?since=999999").await;
    assert_eq!(future.status, StatusCode::GONE);
    assert_eq!(future.code(), "RESYNC_REQUIRED");
}

async fn resync_past_tombstone_horizon(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let a = u.hero("A").await;
    u.hero("B").await;
    u.delete(&format!("/heroes/{}", a["id"].as_str().unwrap()))
        .await;
    // Purge every tombstone, as 90 days later would.
    s.store().purge_tombstones(i64::MAX).await.unwrap();
    let r = u.get("/sync/changes?since=1").await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.code(), "RESYNC_REQUIRED");
    let full = u.get("/sync/changes").await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(kinds(&full), [("hero".into(), false)]);
}

async fn delta_pull_moves_only_changed_rows(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let mut heroes = Vec::new();
    for i in 0..30 {
        heroes.push(u.hero(&format!("H{i}")).await);
    }
    let full = u.get("/sync/changes").await;
    let cursor = full.data()["cursor"].as_str().unwrap().to_owned();
    u.patch(
        &format!("/heroes/{}", heroes[7]["id"].as_str().unwrap()),
        json!({"age": 9}),
    )
    .await;
    let delta = u.get(&format!("/sync/changes?since={cursor}")).await;
    let changes = delta.data()["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["data"]["age"], 9);
    assert!(
        delta.text.len() * 10 < full.text.len(),
        "delta {} vs full {} bytes",
        delta.text.len(),
        full.text.len()
    );
}

fn mutation(entity: &str, op: &str, id: &str, fields: Value) -> Value {
    json!({"mutationId": Uuid::new_v4(), "entity": entity, "op": op, "id": id, "fields": fields})
}

async fn push_applies_dedupes_and_reports(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hid = Uuid::new_v4().to_string();
    let sid = Uuid::new_v4().to_string();
    let create = mutation(
        "hero",
        "create",
        &hid,
        json!({"name": "Offline", "age": 4, "traits": ["shy"]}),
    );
    let bad = mutation(
        "hero",
        "create",
        &Uuid::new_v4().to_string(),
        json!({"name": "", "age": 4, "traits": ["shy"]}),
    );
    let story = mutation(
        "story",
        "create",
        &sid,
        json!({"heroId": hid, "eventType": "bedtime", "language": "en", "title": "Made offline", "content": "Words."}),
    );
    let inc = mutation("story", "increment", &sid, json!({"playCount": 3}));
    let r = u
        .post(
            "/sync/push",
            json!({"mutations": [create, bad, story, inc]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let res = r.data()["results"].as_array().unwrap();
    let statuses: Vec<_> = res.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["applied", "rejected", "applied", "applied"],
        "{}",
        r.body
    );
    assert_eq!(res[1]["error"]["code"], "VALIDATION_ERROR");
    assert!(res[1]["error"]["details"]["fields.name"].is_string());
    assert_eq!(res[0]["mutationId"], create["mutationId"]);
    let hero_v = res[0]["version"].as_i64().unwrap();

    // Replaying the whole batch (the answer was lost) changes nothing.
    let again = u
        .post(
            "/sync/push",
            json!({"mutations": [create, bad, story, inc]}),
        )
        .await;
    let res2 = again.data()["results"].as_array().unwrap();
    assert!(
        res2.iter().all(|r| r["status"] == "duplicate"),
        "{}",
        again.body
    );
    assert_eq!(res2[0]["version"], hero_v);
    let got = u.get(&format!("/stories/{sid}")).await;
    assert_eq!(got.data()["playCount"], 3, "the increment counted once");
    assert_eq!(u.get("/heroes").await.body["pagination"]["total"], 1);

    // A stale update is a conflict with the current entity; a fresh one applies.
    let upd = json!({"mutationId": Uuid::new_v4(), "entity": "hero", "op": "update", "id": hid, "baseVersion": hero_v, "fields": {"age": 5}});
    assert_eq!(
        u.post("/sync/push", json!({"mutations": [upd]}))
            .await
            .data()["results"][0]["status"],
        "applied"
    );
    let stale = json!({"mutationId": Uuid::new_v4(), "entity": "hero", "op": "update", "id": hid, "baseVersion": hero_v, "fields": {"age": 6}});
    let c = u.post("/sync/push", json!({"mutations": [stale]})).await;
    let c0 = &c.data()["results"][0];
    assert_eq!(c0["status"], "conflict", "{}", c.body);
    assert_eq!(c0["current"]["age"], 5);

    // Deleting what is not there answers NOT_FOUND, as `DELETE` does (the client counts that
    // delete as done); illustrations and foreign ids are refused.
    let del = mutation(
        "customEvent",
        "delete",
        &Uuid::new_v4().to_string(),
        json!({}),
    );
    let ill = mutation(
        "illustration",
        "update",
        &Uuid::new_v4().to_string(),
        json!({}),
    );
    let generate = mutation(
        "story",
        "create",
        &Uuid::new_v4().to_string(),
        json!({"heroId": hid, "eventType": "bedtime", "language": "en"}),
    );
    let inc_hero = mutation("hero", "increment", &hid, json!({"playCount": 1}));
    let r = u
        .post(
            "/sync/push",
            json!({"mutations": [del, ill, generate, inc_hero]}),
        )
        .await;
    let st: Vec<_> = r.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        st,
        ["rejected", "rejected", "rejected", "rejected"],
        "{}",
        r.body
    );
    assert_eq!(r.data()["results"][0]["error"]["code"], "NOT_FOUND");

    let v = s.user().await;
    let foreign = json!({"mutationId": Uuid::new_v4(), "entity": "hero", "op": "update", "id": hid, "fields": {"name": "Mine now"}});
    let r = v.post("/sync/push", json!({"mutations": [foreign]})).await;
    assert_eq!(r.data()["results"][0]["status"], "rejected");
    assert_eq!(r.data()["results"][0]["error"]["code"], "NOT_FOUND");
    assert_eq!(
        u.get(&format!("/heroes/{hid}")).await.data()["name"],
        "Offline"
    );
    // Another user replaying my mutation id does not see my result.
    let r = v.post("/sync/push", json!({"mutations": [create]})).await;
    assert_ne!(r.data()["results"][0]["status"], "duplicate");

    let too_many: Vec<Value> = (0..501)
        .map(|_| mutation("hero", "delete", &Uuid::new_v4().to_string(), json!({})))
        .collect();
    let r = u.post("/sync/push", json!({"mutations": too_many})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"]["details"]["mutations"].is_string());
}

async fn concurrent_replays_count_once(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Race").await;
    let st = u.story(hero["id"].as_str().unwrap(), "Race").await;
    let inc = mutation(
        "story",
        "increment",
        st["id"].as_str().unwrap(),
        json!({"playCount": 2}),
    );
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let u = u.clone();
        let body = json!({"mutations": [inc.clone()]});
        tasks.push(tokio::spawn(async move {
            u.post("/sync/push", body).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let got = u
        .get(&format!("/stories/{}", st["id"].as_str().unwrap()))
        .await;
    assert_eq!(got.data()["playCount"], 2);
}

async fn stream_announces_changes(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let other = s.user().await;
    let resp = reqwest::Client::new()
        .get(s.api("/sync/stream"))
        .bearer_auth(u.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = resp.bytes_stream();
    let mut seen = String::new();
    // Wait for the hello so the subscription is live, then write.
    while !seen.contains("event: ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    other.hero("Someone else's").await;
    let hero = u.hero("Live").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("event: changed") {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("no changed event")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let cursor = hero["version"].as_i64().unwrap().to_string();
    assert!(seen.contains(&format!("\"cursor\":\"{cursor}\"")), "{seen}");
    assert_eq!(
        seen.matches("event: changed").count(),
        1,
        "other users' writes are not announced: {seen}"
    );
    let unauth = reqwest::get(s.api("/sync/stream")).await.unwrap();
    assert_eq!(unauth.status(), StatusCode::UNAUTHORIZED);
}

/// An open live stream: the response body, after its `ready` event.
async fn live(
    s: &TestServer,
    token: &str,
) -> impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin {
    let resp = reqwest::Client::new()
        .get(s.api("/sync/stream"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("event: ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("no ready event")
            .expect("the stream ended before ready")
            .unwrap();
        seen += &String::from_utf8_lossy(&chunk);
    }
    body
}

/// Whether the stream ends (the server closes it) within `wait`.
async fn ends_within(
    body: &mut (impl futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
    wait: Duration,
) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Streams end with their session — signed out, expired, the account deleted — and one
/// session holds a bounded number of them; other sessions' streams are untouched.
async fn streams_end_with_their_session(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.streams_per_session = 2).await;
    let u = s.user().await;
    let second = s
        .anon()
        .post(
            "/auth/sign-in",
            json!({"email": u.email, "password": "correct horse battery"}),
        )
        .await;
    let second_token = second.data()["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Sign-out closes the session's stream, not the other session's.
    let mut a = live(&s, u.token()).await;
    let mut b = live(&s, &second_token).await;
    let out = u
        .with_token(&second_token)
        .post("/auth/sign-out", json!({}))
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(
        ends_within(&mut b, Duration::from_secs(5)).await,
        "a signed-out session's stream stayed open"
    );
    assert!(
        !ends_within(&mut a, Duration::from_millis(300)).await,
        "another session's stream was closed"
    );

    // A third stream of one session pushes out its oldest.
    let mut c = live(&s, u.token()).await;
    let mut d = live(&s, u.token()).await;
    assert!(
        ends_within(&mut a, Duration::from_secs(5)).await,
        "the oldest stream outlived the cap"
    );
    assert!(!ends_within(&mut c, Duration::from_millis(300)).await);
    assert_eq!(s.state().hub.streams.count(), 2);

    // Deleting the account ends the rest.
    let del = u.delete("/user/account").await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.body);
    for st in [&mut c, &mut d] {
        assert!(
            ends_within(st, Duration::from_secs(5)).await,
            "a deleted account's stream stayed open"
        );
    }

    // A stream ends when its session expires.
    let v = s.user().await;
    let soon = storyloom_domain::time::now().timestamp_millis() + 1_000;
    s.store()
        .set_session_expiry(&storyloom_server::token_hash(v.token()), soon)
        .await
        .unwrap();
    let mut e = live(&s, v.token()).await;
    assert!(
        ends_within(&mut e, Duration::from_secs(5)).await,
        "an expired session's stream stayed open"
    );
    assert_eq!(
        s.state().hub.streams.count(),
        0,
        "closed streams leave the registry"
    );
}

/// Signing out on one node closes the session's stream on another (PostgreSQL: the nodes share
/// events through LISTEN/NOTIFY).
async fn sign_out_closes_streams_on_every_node(kind: DbKind) {
    if kind != DbKind::Postgres {
        return;
    }
    let a = TestServer::start(kind).await;
    let b = a.another_node().await;
    let u = a.user().await;
    let mut on_b = live(&b, u.token()).await;
    let out = u.post("/auth/sign-out", json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(
        ends_within(&mut on_b, Duration::from_secs(5)).await,
        "the other node kept the stream open"
    );
}

/// Issue 15 item 2: 400 stories of 50,000 characters made every feed page from 0 a 500 (the
/// answer passed the 16 MiB the cache buffers), so a new device could never sync.
async fn a_heavy_account_pages_its_feed_within_the_byte_budget(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Long reads").await;
    let hero_id = hero["id"].as_str().unwrap().to_owned();
    let content = "Once upon a time a child read all night. ".repeat(1_220);
    let content = &content[..50_000];
    let made: Vec<_> = futures::stream::iter(0..400)
        .map(|i| {
            let (u, hero_id) = (&u, &hero_id);
            async move {
                let r = u
                    .post(
                        "/stories",
                        json!({"heroId": hero_id, "eventType": "bedtime", "language": "en",
                               "title": format!("Night {i}"), "content": content}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    assert_eq!(made.len(), 400);
    let budget = s.state().config.sync_page_bytes;
    let (mut since, mut pages) = ("0".to_owned(), 0);
    let mut stories = std::collections::HashSet::new();
    loop {
        let r = u.get(&format!("/sync/changes?since={since}")).await;
        assert_eq!(r.status, StatusCode::OK, "page {pages}: {}", r.text);
        assert!(
            r.text.len() <= budget,
            "page {pages} is {} bytes, over the budget of {budget}",
            r.text.len()
        );
        pages += 1;
        for c in r.data()["changes"].as_array().unwrap() {
            if c["entity"] == "story" {
                assert_eq!(c["data"]["content"].as_str().unwrap().len(), 50_000);
                stories.insert(c["id"].as_str().unwrap().to_owned());
            }
        }
        since = r.data()["cursor"].as_str().unwrap().to_owned();
        if r.data()["hasMore"] != true {
            break;
        }
        assert!(pages < 100, "the feed ends");
    }
    assert_eq!(stories.len(), 400, "every story, once, in {pages} pages");
    assert!(
        pages > 4,
        "20 MB of stories cannot fit in {pages} pages of {budget} bytes"
    );
}

/// Issue 15 item 9: ten concurrent pushes of one `mutationId` answered `applied` 2–5 times;
/// the contract says the replays are `duplicate`.
async fn concurrent_pushes_of_one_mutation_apply_once(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    for round in 0..3 {
        let create = mutation(
            "hero",
            "create",
            &Uuid::new_v4().to_string(),
            json!({"name": format!("Twin {round}"), "age": 5, "traits": ["brave"]}),
        );
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let u = u.clone();
            let body = json!({"mutations": [create.clone()]});
            tasks.push(tokio::spawn(async move {
                let r = u.post("/sync/push", body).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.data()["results"][0].clone()
            }));
        }
        let mut statuses = Vec::new();
        let mut versions = std::collections::HashSet::new();
        for t in tasks {
            let r = t.await.unwrap();
            statuses.push(r["status"].as_str().unwrap().to_owned());
            versions.insert(r["version"].clone());
        }
        statuses.sort();
        let mut expected = vec!["applied".to_owned()];
        expected.extend(std::iter::repeat_n("duplicate".to_owned(), 9));
        assert_eq!(statuses, expected, "round {round}");
        assert_eq!(versions.len(), 1, "every answer names the one version");
    }
    let heroes = u.get("/heroes").await;
    assert_eq!(heroes.data().as_array().unwrap().len(), 3);
    // A conditional update: the replays must not answer the conflict they would meet if they
    // ran after the first (which moved the version past their `baseVersion`).
    let hero = u.hero("Base").await;
    let hid = hero["id"].as_str().unwrap();
    for round in 0..5 {
        let current = u.get(&format!("/heroes/{hid}")).await.data()["version"].clone();
        let update = json!({"mutationId": Uuid::new_v4(), "entity": "hero", "op": "update",
                            "id": hid, "baseVersion": current, "fields": {"age": 6 + round}});
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let u = u.clone();
            let body = json!({"mutations": [update.clone()]});
            tasks.push(tokio::spawn(async move {
                let r = u.post("/sync/push", body).await;
                r.data()["results"][0]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses.sort();
        let mut expected = vec!["applied".to_owned()];
        expected.extend(std::iter::repeat_n("duplicate".to_owned(), 9));
        assert_eq!(statuses, expected, "update round {round}");
    }
}

db_tests!(
    concurrent_pushes_of_one_mutation_apply_once,
    a_heavy_account_pages_its_feed_within_the_byte_budget,
    streams_end_with_their_session,
    sign_out_closes_streams_on_every_node,
    change_feed,
    resync_past_tombstone_horizon,
    delta_pull_moves_only_changed_rows,
    push_applies_dedupes_and_reports,
    concurrent_replays_count_once,
    stream_announces_changes,
);
