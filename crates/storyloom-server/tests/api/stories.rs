use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn import_read_edit_play_delete(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Noor").await;
    let hid = hero["id"].as_str().unwrap();
    let story = u.story(hid, "Noor and the Moon").await;
    let id = story["id"].as_str().unwrap().to_owned();
    assert_eq!(story["heroId"], hid);
    assert_eq!(story["eventType"], "bedtime");
    assert_eq!(story["language"], "en");
    assert_eq!(story["playCount"], 0);
    assert_eq!(story["isFavorite"], false);
    assert_eq!(story["audioGenerationStatus"], "none");
    assert_eq!(story["illustrationStatus"], "none");
    assert_eq!(story["illustrationCount"], 0);

    let got = u.get(&format!("/stories/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.data()["illustrations"], json!([]));

    let fav = u
        .patch(
            &format!("/stories/{id}"),
            json!({"isFavorite": true, "title": "Noor and the Bright Moon"}),
        )
        .await;
    assert_eq!(fav.status, StatusCode::OK);
    assert_eq!(fav.data()["isFavorite"], true);
    assert_eq!(fav.data()["title"], "Noor and the Bright Moon");

    let p1 = u
        .post(&format!("/stories/{id}/play"), json!({"count": 2}))
        .await;
    assert_eq!(p1.status, StatusCode::OK, "{}", p1.body);
    assert_eq!(p1.data()["playCount"], 2);
    assert!(p1.data()["lastPlayedAt"].is_string());
    // An empty body counts one play.
    let p2 = u
        .send(Method::POST, &format!("/stories/{id}/play"), None, &[])
        .await;
    assert_eq!(p2.status, StatusCode::OK, "{}", p2.body);
    assert_eq!(p2.data()["playCount"], 3);
    for bad in [
        json!({"count": 0}),
        json!({"count": 101}),
        json!({"count": "two"}),
    ] {
        let r = u.post(&format!("/stories/{id}/play"), bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body["error"]["details"]["count"].is_string());
    }

    assert_eq!(
        u.delete(&format!("/stories/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        u.get(&format!("/stories/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn concurrent_plays_add_up(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Counter").await;
    let story = u
        .story(hero["id"].as_str().unwrap(), "Counting sheep")
        .await;
    let path = format!("/stories/{}/play", story["id"].as_str().unwrap());
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let u = u.clone();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            u.post(&path, json!({"count": 3})).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let r = u
        .get(&format!("/stories/{}", story["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.data()["playCount"], 30, "no lost increments");
}

async fn list_filters(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let h1 = u.hero("One").await;
    let h2 = u.hero("Two").await;
    let (a, b) = (h1["id"].as_str().unwrap(), h2["id"].as_str().unwrap());
    let s1 = u.story(a, "A1").await;
    u.story(a, "A2").await;
    u.story(b, "B1").await;
    u.patch(
        &format!("/stories/{}", s1["id"].as_str().unwrap()),
        json!({"isFavorite": true}),
    )
    .await;
    let titles = |r: &storyloom_testkit::Resp| -> Vec<String> {
        r.data()
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&u.get("/stories").await), ["B1", "A2", "A1"]);
    assert_eq!(
        titles(&u.get(&format!("/stories?heroId={a}")).await),
        ["A2", "A1"]
    );
    let via_header = u
        .send(Method::GET, "/stories", None, &[("x-query-hero-id", b)])
        .await;
    assert_eq!(titles(&via_header), ["B1"]);
    assert_eq!(titles(&u.get("/stories?favorite=true").await), ["A1"]);
    assert_eq!(
        titles(&u.get(&format!("/stories?heroId={a}&favorite=false")).await),
        ["A2"]
    );
    let page = u.get(&format!("/stories?heroId={a}&limit=1")).await;
    assert_eq!(
        page.body["pagination"],
        json!({"total": 2, "limit": 1, "offset": 0, "hasMore": true})
    );
    assert_eq!(
        u.get("/stories?heroId=nope").await.status,
        StatusCode::BAD_REQUEST
    );
    // Another user's hero id: an empty list.
    let v = s.user().await;
    let r = v.get(&format!("/stories?heroId={a}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.data(), &json!([]));
}

async fn create_rules(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Rules").await;
    let hid = hero["id"].as_str().unwrap();
    let base = json!({"heroId": hid, "eventType": "birthday", "language": "fr", "title": "T", "content": "Il était une fois."});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("language", json!("nl")), "language"),
        (with("eventType", json!("partyTime")), "eventType"),
        (
            with("customEventId", json!(uuid::Uuid::new_v4())),
            "eventType",
        ),
        (with("title", json!("t".repeat(201))), "title"),
        (with("content", json!("")), "content"),
        (with("heroId", json!("x")), "heroId"),
        (with("voice", json!("robot")), "voice"),
        (
            json!({"heroId": hid, "language": "en", "title": "T", "content": "C"}),
            "eventType",
        ),
        (
            json!({"heroId": hid, "eventType": "bedtime", "language": "en", "title": "T"}),
            "content",
        ),
    ];
    for (body, field) in cases {
        let r = u.post("/stories", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body} -> {}",
            r.body
        );
    }
    // Unknown hero (or another user's) is 404.
    let r = u
        .post("/stories", with("heroId", json!(uuid::Uuid::new_v4())))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let v = s.user().await;
    assert_eq!(
        v.post("/stories", base.clone()).await.status,
        StatusCode::NOT_FOUND
    );

    // Idempotent import with a client id.
    let id = uuid::Uuid::new_v4().to_string();
    let first = u.post("/stories", with("id", json!(id))).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = u.post("/stories", with("id", json!(id))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.data()["id"], first.data()["id"]);
    let mut changed = with("id", json!(id));
    changed["content"] = json!("Autre chose.");
    assert_eq!(u.post("/stories", changed).await.code(), "ID_CONFLICT");
}

async fn custom_event_usage_is_bumped(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Eve").await;
    let ev = u
        .post(
            "/custom-events",
            json!({"title": "First swim", "promptSeed": "the first time at the big pool"}),
        )
        .await;
    assert_eq!(ev.status, StatusCode::CREATED);
    let eid = ev.data()["id"].as_str().unwrap();
    let body = json!({"heroId": hero["id"], "customEventId": eid, "language": "en", "title": "Swim", "content": "Splash."});
    let r = u.post("/stories", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.data()["customEventId"], eid);
    let after = u.get(&format!("/custom-events/{eid}")).await;
    assert_eq!(after.data()["usageCount"], 1);
    assert!(after.data()["lastUsedAt"].is_string());
    assert!(after.data()["version"].as_i64() > ev.data()["version"].as_i64());
}

async fn deleting_a_hero_deletes_its_stories(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Gone").await;
    let keep = u.hero("Stays").await;
    let st = u.story(hero["id"].as_str().unwrap(), "Bye").await;
    u.story(keep["id"].as_str().unwrap(), "Hi").await;
    assert_eq!(
        u.delete(&format!("/heroes/{}", hero["id"].as_str().unwrap()))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        u.get(&format!("/stories/{}", st["id"].as_str().unwrap()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(u.get("/stories").await.body["pagination"]["total"], 1);
}

async fn story_isolation(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let a = s.user().await;
    let b = s.user().await;
    let hero = a.hero("Mine").await;
    let st = a.story(hero["id"].as_str().unwrap(), "Secret").await;
    let id = st["id"].as_str().unwrap();
    assert_eq!(
        b.get(&format!("/stories/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.patch(&format!("/stories/{id}"), json!({"title": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/stories/{id}/play"), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.delete(&format!("/stories/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.get("/stories").await.data(), &json!([]));
    let mine = a.get(&format!("/stories/{id}")).await;
    assert_eq!(mine.data()["title"], "Secret");
    assert_eq!(mine.data()["playCount"], 0);
}

async fn story_version_conflict(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("V").await;
    let st = u.story(hero["id"].as_str().unwrap(), "Vers").await;
    let id = st["id"].as_str().unwrap();
    let v = st["version"].as_i64().unwrap().to_string();
    u.patch(&format!("/stories/{id}"), json!({"content": "new words"}))
        .await;
    let r = u
        .send(
            Method::PATCH,
            &format!("/stories/{id}"),
            Some(json!({"content": "mine"})),
            &[("if-match", &v)],
        )
        .await;
    assert_eq!(r.code(), "VERSION_CONFLICT");
    assert_eq!(
        r.body["error"]["details"]["current"]["content"],
        "new words"
    );
}

/// Issue 15 item 9: a play retried after a lost answer counted twice. With a `playId` it
/// counts once, however often and however concurrently it is sent.
async fn a_play_with_a_play_id_counts_once(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Once").await;
    let story = u.story(hero["id"].as_str().unwrap(), "Only once").await;
    let path = format!("/stories/{}/play", story["id"].as_str().unwrap());
    let play = uuid::Uuid::new_v4();
    let first = u.post(&path, json!({"count": 2, "playId": play})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.data()["playCount"], 2);
    assert!(
        first.data()["illustrations"].is_array(),
        "the same story as any play"
    );
    // The retry answers the story as it is and counts nothing.
    let again = u.post(&path, json!({"count": 2, "playId": play})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.data()["playCount"], 2);
    assert_eq!(again.data()["version"], first.data()["version"]);
    // Ten concurrent sends of one new play: one counts.
    let play = uuid::Uuid::new_v4();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (u, path) = (u.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let r = u.post(&path, json!({"playId": play})).await;
            (r.status, r.data()["playCount"].clone())
        }));
    }
    for t in tasks {
        let (status, count) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(count, 3);
    }
    // Without a play id every call counts, as before.
    u.post(&path, json!({})).await;
    let r = u.post(&path, json!({"count": 1})).await;
    assert_eq!(r.data()["playCount"], 5);
    let bad = u.post(&path, json!({"playId": "not-a-uuid"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
}

/// Issue 19 item 4 and 1: the length comes from the request, else the profile, else the
/// hero's age, and is stored; a hero's consecutive built-in stories tell different plots.
async fn lengths_and_plots_of_generated_stories(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = |name: &str, age: i64| {
        json!({"name": name, "age": age, "traits": ["brave", "kind"],
               "specialAbility": "super speed"})
    };
    let small = u.post("/heroes", hero("Lia", 4)).await.data()["id"].clone();
    let big = u.post("/heroes", hero("Ben", 9)).await.data()["id"].clone();
    let write = async |hero: &Value, extra: Value| {
        let mut body = json!({"heroId": hero, "eventType": "bedtime", "language": "en"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = u.post("/stories", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.data().clone()
    };
    // By age.
    let a = write(&small, json!({})).await;
    assert_eq!(a["length"], "short");
    let b = write(&big, json!({})).await;
    assert_eq!(b["length"], "medium");
    // Asked for.
    let long = write(&big, json!({"length": "long"})).await;
    assert_eq!(long["length"], "long");
    let words = |s: &Value| s["content"].as_str().unwrap().split_whitespace().count();
    assert!(
        words(&long) > words(&b),
        "{} vs {}",
        words(&long),
        words(&b)
    );
    // The profile's default, and back to age.
    let p = u
        .patch("/user/profile", json!({"defaultStoryLength": "long"}))
        .await;
    assert_eq!(p.data()["defaultStoryLength"], "long");
    assert_eq!(
        u.get("/user/profile").await.data()["defaultStoryLength"],
        "long"
    );
    assert_eq!(write(&small, json!({})).await["length"], "long");
    let p = u
        .patch("/user/profile", json!({"defaultStoryLength": null}))
        .await;
    assert_eq!(p.data()["defaultStoryLength"], Value::Null);
    assert_eq!(write(&small, json!({})).await["length"], "short");
    // Imports have none; a wrong length is refused by name.
    let imported = write(&small, json!({"title": "Mine", "content": "Once."})).await;
    assert_eq!(imported["length"], Value::Null);
    let bad = u
        .post(
            "/stories",
            json!({"heroId": small, "eventType": "bedtime", "language": "en", "length": "huge"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.to_string().contains("length"), "{}", bad.body);

    // Six bedtime stories in a row for a hero: six different plots (titles). Another
    // account, for its own hourly generation limit.
    let u = s.user().await;
    let new = u.post("/heroes", hero("Eva", 6)).await.data()["id"].clone();
    let mut titles = std::collections::HashSet::new();
    for _ in 0..6 {
        let body = json!({"heroId": new, "eventType": "bedtime", "language": "en"});
        let r = u.post("/stories", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        titles.insert(r.data()["title"].as_str().unwrap().to_owned());
    }
    assert_eq!(titles.len(), 6, "{titles:?}");
}

db_tests!(
    lengths_and_plots_of_generated_stories,
    a_play_with_a_play_id_counts_once,
    import_read_edit_play_delete,
    concurrent_plays_add_up,
    list_filters,
    create_rules,
    custom_event_usage_is_bumped,
    deleting_a_hero_deletes_its_stories,
    story_isolation,
    story_version_conflict,
);
