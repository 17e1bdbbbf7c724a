use reqwest::{Method, StatusCode};
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn crud_round_trip(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let r = u
        .post(
            "/heroes",
            json!({"name": "Léa", "age": 5, "traits": ["brave", "curious"], "specialAbility": "talks to owls",
                   "appearance": "a yellow raincoat", "hairColor": "red", "eyeColor": "green", "skinTone": "light"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let hero = r.data().clone();
    let id = hero["id"].as_str().unwrap().to_owned();
    assert_eq!(hero["name"], "Léa");
    assert_eq!(hero["traits"], json!(["brave", "curious"]));
    assert_eq!(hero["avatarStatus"], "none");
    assert!(hero["avatarUrl"].is_null());
    let v1 = hero["version"].as_i64().unwrap();
    assert!(v1 > 0);
    assert!(hero["createdAt"].as_str().unwrap().ends_with('Z'));
    // The server makes UUIDv7 ids.
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    let got = u.get(&format!("/heroes/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.data(), &hero);

    let p = u
        .patch(
            &format!("/heroes/{id}"),
            json!({"age": 6, "specialAbility": null}),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.data()["age"], 6);
    assert!(p.data()["specialAbility"].is_null(), "null clears");
    assert_eq!(p.data()["appearance"], "a yellow raincoat", "absent keeps");
    assert!(p.data()["version"].as_i64().unwrap() > v1);

    let d = u.delete(&format!("/heroes/{id}")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.data()["deleted"], true);
    assert_eq!(
        u.get(&format!("/heroes/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(u.delete(&format!("/heroes/{id}")).await.code(), "NOT_FOUND");
}

async fn idempotent_create_with_client_id(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({"id": id, "name": "Sam", "age": 7, "traits": ["funny"]});
    let first = u.post("/heroes", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.data()["id"], id.as_str());
    let again = u.post("/heroes", body.clone()).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "a retried create answers the existing hero"
    );
    assert_eq!(again.data(), first.data());
    let list = u.get("/heroes").await;
    assert_eq!(list.body["pagination"]["total"], 1, "no duplicate");

    let different = u
        .post(
            "/heroes",
            json!({"id": id, "name": "Other", "age": 7, "traits": ["funny"]}),
        )
        .await;
    assert_eq!(different.status, StatusCode::CONFLICT);
    assert_eq!(different.code(), "ID_CONFLICT");

    // Another user reusing the id learns nothing about the first user's hero.
    let v = s.user().await;
    let theirs = v.post("/heroes", body).await;
    assert_eq!(theirs.status, StatusCode::CONFLICT);
    assert_eq!(theirs.code(), "ID_CONFLICT");
    assert!(theirs.data().is_null());
    assert!(!theirs.text.contains("Sam"));
}

async fn version_conflicts_with_if_match(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Ada").await;
    let id = hero["id"].as_str().unwrap();
    let v = hero["version"].as_i64().unwrap();
    let ok = u
        .send(
            Method::PATCH,
            &format!("/heroes/{id}"),
            Some(json!({"name": "Ada B"})),
            &[("if-match", &v.to_string())],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let stale = u
        .send(
            Method::PATCH,
            &format!("/heroes/{id}"),
            Some(json!({"name": "Ada C"})),
            &[("if-match", &format!("\"{v}\""))],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "VERSION_CONFLICT");
    assert_eq!(stale.body["error"]["details"]["current"]["name"], "Ada B");
    let bad = u
        .send(
            Method::PATCH,
            &format!("/heroes/{id}"),
            Some(json!({"age": 3})),
            &[("if-match", "abc")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let stale_delete = u
        .send(
            Method::DELETE,
            &format!("/heroes/{id}"),
            None,
            &[("if-match", &v.to_string())],
        )
        .await;
    assert_eq!(stale_delete.code(), "VERSION_CONFLICT");
    assert_eq!(
        u.get(&format!("/heroes/{id}")).await.status,
        StatusCode::OK,
        "not deleted"
    );
}

async fn pagination_newest_first(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    for i in 0..5 {
        u.hero(&format!("Hero {i}")).await;
    }
    let r = u.get("/heroes?limit=2&offset=1").await;
    assert_eq!(r.status, StatusCode::OK);
    let names: Vec<_> = r
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Hero 3", "Hero 2"]);
    assert_eq!(
        r.body["pagination"],
        json!({"total": 5, "limit": 2, "offset": 1, "hasMore": true})
    );
    let last = u.get("/heroes?limit=2&offset=4").await;
    assert_eq!(last.body["pagination"]["hasMore"], false);
    // The seed's headers work; the query wins over them.
    let h = u
        .send(
            Method::GET,
            "/heroes",
            None,
            &[("x-query-limit", "1"), ("x-query-offset", "0")],
        )
        .await;
    assert_eq!(h.data().as_array().unwrap().len(), 1);
    assert_eq!(h.data()[0]["name"], "Hero 4");
    let q = u
        .send(
            Method::GET,
            "/heroes?limit=3",
            None,
            &[("x-query-limit", "1")],
        )
        .await;
    assert_eq!(q.data().as_array().unwrap().len(), 3);
    for bad in ["limit=0", "limit=101", "limit=x", "offset=-1"] {
        let r = u.get(&format!("/heroes?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.code(), "VALIDATION_ERROR");
    }
}

async fn cross_user_isolation(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let a = s.user().await;
    let b = s.user().await;
    let hero = a.hero("Private").await;
    let id = hero["id"].as_str().unwrap();
    let p = format!("/heroes/{id}");
    assert_eq!(b.get(&p).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        b.patch(&p, json!({"name": "Hacked"})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.delete(&p).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/heroes").await.body["pagination"]["total"], 0);
    let mine = a.get(&p).await;
    assert_eq!(mine.data()["name"], "Private", "untouched");
    assert_eq!(mine.data()["version"], hero["version"]);
}

async fn hero_validation(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let base = json!({"name": "Kim", "age": 6, "traits": ["kind"]});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("name", json!("")), "name"),
        (with("name", json!("   ")), "name"),
        (with("name", json!("n".repeat(51))), "name"),
        (with("name", json!("bad\u{0000}name")), "name"),
        (with("name", json!("evil\u{202E}name")), "name"),
        (with("name", json!(12)), "name"),
        (with("age", json!(0)), "age"),
        (with("age", json!(18)), "age"),
        (with("age", json!("six")), "age"),
        (with("age", json!(6.5)), "age"),
        (with("traits", json!([])), "traits"),
        (with("traits", json!(["kind", "kind"])), "traits"),
        (with("traits", json!(["sneaky"])), "traits[0]"),
        (
            with(
                "traits",
                json!([
                    "brave",
                    "curious",
                    "kind",
                    "funny",
                    "clever",
                    "creative",
                    "adventurous",
                    "gentle",
                    "helpful",
                    "caring",
                    "patient"
                ]),
            ),
            "traits",
        ),
        (
            with("specialAbility", json!("x".repeat(201))),
            "specialAbility",
        ),
        (with("appearance", json!("x".repeat(501))), "appearance"),
        (with("hairColor", json!("x".repeat(51))), "hairColor"),
        (with("id", json!("not-a-uuid")), "id"),
        (json!({"age": 6, "traits": ["kind"]}), "name"),
    ];
    for (body, field) in cases {
        let r = u.post("/heroes", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.code(), "VALIDATION_ERROR");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body} -> {}",
            r.body
        );
        assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
    }
    // Lengths count characters: 50 accented letters are fine.
    assert_eq!(
        u.post("/heroes", with("name", json!("é".repeat(50))))
            .await
            .status,
        StatusCode::CREATED
    );
    // Unknown fields are ignored.
    assert_eq!(
        u.post("/heroes", with("favouriteFood", json!("pizza")))
            .await
            .status,
        StatusCode::CREATED
    );
    let hero = u.hero("Patchy").await;
    let id = hero["id"].as_str().unwrap();
    let r = u
        .patch(&format!("/heroes/{id}"), json!({"age": 40, "traits": []}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"]["details"]["age"].is_string());
    assert!(r.body["error"]["details"]["traits"].is_string());
}

db_tests!(
    crud_round_trip,
    idempotent_create_with_client_id,
    version_conflicts_with_if_match,
    pagination_newest_first,
    cross_user_isolation,
    hero_validation,
);
