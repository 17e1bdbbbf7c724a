//! Bad input per endpoint family: always a 4xx with the envelope, never a 500.

use reqwest::{Method, StatusCode};
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, db_tests};

fn assert_envelope(r: &storyloom_testkit::Resp, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
    assert!(r.body["data"].is_null(), "{what}");
    assert_eq!(r.code(), code, "{what}: {}", r.text);
    assert!(
        !r.body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{what}"
    );
    assert!(r.header("x-request-id").is_some(), "{what}");
}

async fn malformed_bodies_every_family(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Target").await;
    let st = u.story(hero["id"].as_str().unwrap(), "Target story").await;
    let ev = u
        .post("/custom-events", json!({"title": "T", "promptSeed": "p"}))
        .await;
    let hid = hero["id"].as_str().unwrap();
    let sid = st["id"].as_str().unwrap();
    let eid = ev.data()["id"].as_str().unwrap();
    let posts = [
        (Method::POST, "/auth/sign-up".to_owned()),
        (Method::POST, "/auth/sign-in".to_owned()),
        (Method::POST, "/heroes".to_owned()),
        (Method::PATCH, format!("/heroes/{hid}")),
        (Method::POST, "/stories".to_owned()),
        (Method::PATCH, format!("/stories/{sid}")),
        (Method::POST, format!("/stories/{sid}/play")),
        (Method::POST, "/custom-events".to_owned()),
        (Method::PATCH, format!("/custom-events/{eid}")),
        (Method::PATCH, "/user/profile".to_owned()),
    ];
    for (m, p) in &posts {
        let what = format!("{m} {p}");
        for raw in ["{", "not json", "{\"name\": }", "[1,2", "\"\\ud800\""] {
            let r = u
                .send_raw(m.clone(), p, "application/json", raw.as_bytes().to_vec())
                .await;
            assert_envelope(
                &r,
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("{what} {raw}"),
            );
        }
        for body in [
            json!([1, 2]),
            json!("text"),
            json!(42),
            json!({"name": {"nested": true}, "title": [], "age": "x", "count": {}}),
        ] {
            let r = u.send(m.clone(), p, Some(body.clone()), &[]).await;
            assert_envelope(
                &r,
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("{what} {body}"),
            );
        }
        let r = u
            .send_raw(m.clone(), p, "text/plain", b"{\"name\":\"x\"}".to_vec())
            .await;
        assert_envelope(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            &what,
        );
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
        let r = u
            .send_raw(m.clone(), p, "application/json", big.into_bytes())
            .await;
        assert_envelope(
            &r,
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &what,
        );
    }
    // Invalid UTF-8 is malformed JSON, not a crash.
    let r = u
        .send_raw(
            Method::POST,
            "/heroes",
            "application/json",
            vec![b'{', 0xff, 0xfe, b'}'],
        )
        .await;
    assert_envelope(
        &r,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        "invalid utf-8",
    );
}

async fn bad_path_ids_are_4xx(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    for p in [
        "/heroes/not-a-uuid",
        "/heroes/123",
        "/heroes/%00",
        "/stories/zzzz",
        "/stories/zzzz/play",
        "/custom-events/'%20OR%201=1",
        "/heroes/00000000-0000-0000-0000-00000000000g",
    ] {
        for m in [Method::GET, Method::PATCH, Method::DELETE, Method::POST] {
            let r = u.send(m.clone(), p, Some(json!({})), &[]).await;
            assert!(r.status.is_client_error(), "{m} {p}: {}", r.status);
            assert!(r.body["error"]["code"].is_string(), "{m} {p}: {}", r.text);
        }
    }
    let random = uuid::Uuid::new_v4();
    let r = u.get(&format!("/heroes/{random}")).await;
    assert_envelope(&r, StatusCode::NOT_FOUND, "NOT_FOUND", "unknown hero");
}

async fn unknown_routes_and_methods(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let r = u.get("/nope").await;
    assert_envelope(&r, StatusCode::NOT_FOUND, "NOT_FOUND", "unknown route");
    let r = u.send(Method::PUT, "/heroes", Some(json!({})), &[]).await;
    assert_envelope(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "PUT /heroes",
    );
    let r = u.send(Method::DELETE, "/auth/sign-in", None, &[]).await;
    assert_envelope(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "DELETE sign-in",
    );
    // Routes are served under /api/v1 as well.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/heroes", s.url()))
        .bearer_auth(u.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = reqwest::get(format!("{}/totally/elsewhere", s.url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
}

async fn odd_unicode_everywhere(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let odd = ["\u{0000}", "\u{202E}", "\u{0007}", "\u{FFFF}", "a\u{2066}b"];
    for o in odd {
        let h = u
            .post(
                "/heroes",
                json!({"name": format!("x{o}"), "age": 5, "traits": ["kind"]}),
            )
            .await;
        assert_eq!(h.status, StatusCode::BAD_REQUEST, "{o:?}");
        let e = u
            .post(
                "/custom-events",
                json!({"title": format!("t{o}"), "promptSeed": "p"}),
            )
            .await;
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "{o:?}");
        let p = u
            .patch("/user/profile", json!({"name": format!("n{o}")}))
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{o:?}");
    }
    // Emoji, combining marks and right-to-left scripts are ordinary text.
    for ok in ["Zoë 🦄", "نور", "Ана", "e\u{301}lodie"] {
        let h = u
            .post("/heroes", json!({"name": ok, "age": 5, "traits": ["kind"]}))
            .await;
        assert_eq!(h.status, StatusCode::CREATED, "{ok}");
        assert_eq!(h.data()["name"], ok);
    }
}

async fn request_id_is_echoed(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let r = u
        .send(
            Method::GET,
            "/heroes",
            None,
            &[("x-request-id", "trace-me-123")],
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("trace-me-123"));
    let r = u.get("/heroes").await;
    assert!(r.header("x-request-id").is_some_and(|v| v.len() >= 32));
}

db_tests!(
    malformed_bodies_every_family,
    bad_path_ids_are_4xx,
    unknown_routes_and_methods,
    odd_unicode_everywhere,
    request_id_is_echoed,
);
