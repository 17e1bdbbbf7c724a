use reqwest::StatusCode;
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn crud_and_defaults(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let r = u
        .post(
            "/custom-events",
            json!({"title": "Lost tooth", "promptSeed": "the tooth fairy visits"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ev = r.data().clone();
    assert_eq!(ev["description"], "");
    assert_eq!(ev["category"], "general");
    assert_eq!(ev["tone"], "cheerful");
    assert_eq!(ev["keywords"], json!([]));
    assert_eq!(ev["aiEnhanced"], false);
    assert_eq!(ev["usageCount"], 0);
    assert!(ev["ageRange"].is_null());
    let id = ev["id"].as_str().unwrap();
    let p = u
        .patch(&format!("/custom-events/{id}"), json!({"ageRange": "3-5", "tone": "calming", "keywords": ["tooth", "fairy"], "pictogramEmoji": "🦷"}))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.data()["ageRange"], "3-5");
    assert_eq!(p.data()["tone"], "calming");
    assert_eq!(p.data()["pictogramEmoji"], "🦷");
    let cleared = u
        .patch(&format!("/custom-events/{id}"), json!({"ageRange": null}))
        .await;
    assert!(cleared.data()["ageRange"].is_null());
    assert_eq!(cleared.data()["tone"], "calming");
    let list = u.get("/custom-events").await;
    assert_eq!(list.body["pagination"]["total"], 1);
    assert_eq!(
        u.delete(&format!("/custom-events/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        u.get(&format!("/custom-events/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn event_validation_and_isolation(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let cases = [
        (json!({"promptSeed": "p"}), "title"),
        (json!({"title": "t"}), "promptSeed"),
        (
            json!({"title": "t".repeat(101), "promptSeed": "p"}),
            "title",
        ),
        (
            json!({"title": "t", "promptSeed": "p".repeat(1001)}),
            "promptSeed",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "description": "d".repeat(501)}),
            "description",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "category": "space"}),
            "category",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "tone": "grim"}),
            "tone",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "ageRange": "1-2"}),
            "ageRange",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "keywords": ["a","b","c","d","e","f","g","h","i","j","k"]}),
            "keywords",
        ),
        (
            json!({"title": "t", "promptSeed": "p", "keywords": ["k".repeat(31)]}),
            "keywords[0]",
        ),
    ];
    for (body, field) in cases {
        let r = u.post("/custom-events", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body} -> {}",
            r.body
        );
    }
    let ev = u
        .post(
            "/custom-events",
            json!({"title": "Mine", "promptSeed": "p"}),
        )
        .await;
    let id = ev.data()["id"].as_str().unwrap();
    let v = s.user().await;
    assert_eq!(
        v.get(&format!("/custom-events/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.patch(&format!("/custom-events/{id}"), json!({"title": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.delete(&format!("/custom-events/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(v.get("/custom-events").await.data(), &json!([]));
    assert_eq!(
        u.get(&format!("/custom-events/{id}")).await.data()["title"],
        "Mine"
    );
}

db_tests!(crud_and_defaults, event_validation_and_isolation);
