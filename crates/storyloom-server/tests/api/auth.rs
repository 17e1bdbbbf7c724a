use reqwest::{Method, StatusCode};
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn sign_up_sign_in_session_refresh_sign_out(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let anon = s.anon();
    let r = anon
        .post("/auth/sign-up", json!({"email": "  Mia.Parent@Example.COM ", "password": "a long password", "name": "Mia"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.data()["user"]["email"], "mia.parent@example.com");
    assert_eq!(r.data()["user"]["name"], "Mia");
    assert!(r.body["error"].is_null());
    let token = r.data()["session"]["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43);
    assert!(r.header("x-ratelimit-limit").is_some());

    // Sessions last 7 days.
    let exp =
        chrono::DateTime::parse_from_rfc3339(r.data()["session"]["expiresAt"].as_str().unwrap())
            .unwrap();
    let days = (exp.timestamp() - chrono::Utc::now().timestamp()) as f64 / 86400.0;
    assert!((6.9..=7.01).contains(&days), "{days}");

    // Same email again (any case) is taken.
    let dup = anon
        .post(
            "/auth/sign-up",
            json!({"email": "MIA.parent@example.com", "password": "another password"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.code(), "EMAIL_TAKEN");

    // Sign in: wrong password and unknown email give the same answer.
    let bad = anon
        .post(
            "/auth/sign-in",
            json!({"email": "mia.parent@example.com", "password": "wrong password"}),
        )
        .await;
    let unknown = anon
        .post(
            "/auth/sign-in",
            json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.code(), "INVALID_CREDENTIALS");
    assert_eq!(bad.body["error"], unknown.body["error"]);
    let good = anon
        .post(
            "/auth/sign-in",
            json!({"email": "Mia.Parent@example.com", "password": "a long password"}),
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    let token2 = good.data()["session"]["token"].as_str().unwrap().to_owned();
    assert_ne!(token, token2);

    // The session echoes the presented token.
    let me = anon.with_token(&token).get("/auth/session").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.data()["session"]["token"], token.as_str());
    assert_eq!(me.data()["user"]["email"], "mia.parent@example.com");

    // Refresh: new token works, the old one keeps working during the grace period.
    let refreshed = anon
        .with_token(&token)
        .post("/auth/session/refresh", json!({}))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let token3 = refreshed.data()["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(token3, token);
    assert_eq!(
        anon.with_token(&token3).get("/heroes").await.status,
        StatusCode::OK
    );
    assert_eq!(
        anon.with_token(&token).get("/heroes").await.status,
        StatusCode::OK,
        "grace period"
    );

    // Sign-out revokes at once.
    let out = anon
        .with_token(&token3)
        .post("/auth/sign-out", json!({}))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    let after = anon.with_token(&token3).get("/heroes").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.code(), "UNAUTHORIZED");
    // The other session is untouched.
    assert_eq!(
        anon.with_token(&token2).get("/heroes").await.status,
        StatusCode::OK
    );
}

async fn refresh_grace_expires(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let r = u.post("/auth/session/refresh", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    // Move the old session's expiry into the past, as 60 s later would (and let the
    // server's session cache forget it, as its 10 s lifetime would by then).
    let hash = storyloom_server::token_hash(u.token());
    s.store()
        .set_session_expiry(&hash, chrono::Utc::now().timestamp_millis() - 1)
        .await
        .unwrap();
    s.state().hub.caches.clear();
    assert_eq!(u.get("/heroes").await.status, StatusCode::UNAUTHORIZED);
    let new = r.data()["session"]["token"].as_str().unwrap();
    assert_eq!(
        u.with_token(new).get("/heroes").await.status,
        StatusCode::OK
    );
}

async fn unauthenticated_requests_are_401(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let anon = s.anon();
    for (m, p) in [
        (Method::GET, "/heroes"),
        (Method::POST, "/heroes"),
        (Method::GET, "/stories"),
        (Method::GET, "/custom-events"),
        (Method::GET, "/user/profile"),
        (Method::GET, "/user/usage"),
        (Method::DELETE, "/user/account"),
        (Method::GET, "/auth/session"),
        (Method::POST, "/auth/session/refresh"),
        (Method::POST, "/auth/sign-out"),
    ] {
        let r = anon.send(m.clone(), p, None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{m} {p}");
        assert_eq!(r.code(), "UNAUTHORIZED", "{m} {p}");
    }
    for bad in [
        "Bearer nope",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "bearer ������",
    ] {
        let r = anon
            .send(Method::GET, "/heroes", None, &[("authorization", bad)])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    let long = format!("Bearer {}", "x".repeat(5000));
    assert_eq!(
        anon.send(Method::GET, "/heroes", None, &[("authorization", &long)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn sign_up_validation(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let anon = s.anon();
    let cases = [
        (
            json!({"email": "not-an-email", "password": "long enough"}),
            "email",
        ),
        (json!({"email": "a@b.co", "password": "short"}), "password"),
        (
            json!({"email": "a@b.co", "password": "x".repeat(129)}),
            "password",
        ),
        (
            json!({"email": "a@b.co", "password": "long enough", "name": "n".repeat(101)}),
            "name",
        ),
        (json!({"password": "long enough"}), "email"),
        (json!({"email": "a@b.co"}), "password"),
        (json!({"email": 42, "password": "long enough"}), "email"),
    ];
    for (body, field) in cases {
        let r = anon.post("/auth/sign-up", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.code(), "VALIDATION_ERROR");
        assert!(
            r.body["error"]["details"][field].is_string(),
            "{body} -> {}",
            r.body
        );
    }
}

async fn auth_rate_limited_per_address(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.auth_limit_per_minute = 3).await;
    let anon = s.anon();
    let mut statuses = Vec::new();
    for i in 0..4 {
        let r = anon
            .post(
                "/auth/sign-in",
                json!({"email": format!("u{i}@example.com"), "password": "whatever123"}),
            )
            .await;
        statuses.push(r.status);
        if i == 3 {
            assert_eq!(r.code(), "RATE_LIMIT_EXCEEDED");
            let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry));
            assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
            assert!(r.body["error"]["details"]["resetAt"].is_string());
        }
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
}

async fn failed_sign_ins_limited_per_email(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| {
        c.signin_failures_per_15min = 2;
        c.auth_limit_per_minute = 100;
        c.trust_proxy = true;
    })
    .await;
    let u = s.user().await;
    let sign_in = async |node: &TestServer, from: &str, email: &str, password: &str| {
        node.anon()
            .send(
                Method::POST,
                "/auth/sign-in",
                Some(json!({"email": email, "password": password})),
                &[("x-forwarded-for", from)],
            )
            .await
    };
    let attacker = "203.0.113.7";
    for _ in 0..2 {
        let r = sign_in(&s, attacker, &u.email, "wrong password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // From the failing address even the right password waits for the window...
    let r = sign_in(&s, attacker, &u.email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    // ...on every server process, as the count lives in the database.
    let b = s.another_node().await;
    let r = sign_in(&b, attacker, &u.email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // The owner, from an address that has not been failing, still signs in: someone else's
    // wrong guesses cannot lock a family out.
    let r = sign_in(&s, "198.51.100.20", &u.email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Another email is not affected, even from the attacker's address.
    let other = s.user().await;
    let r = sign_in(&s, attacker, &other.email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn deleted_account_email_can_sign_up_again(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    assert_eq!(
        u.get("/user/profile").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = s
        .anon()
        .post(
            "/auth/sign-up",
            json!({"email": u.email, "password": "a new password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

db_tests!(
    sign_up_sign_in_session_refresh_sign_out,
    refresh_grace_expires,
    unauthenticated_requests_are_401,
    sign_up_validation,
    auth_rate_limited_per_address,
    failed_sign_ins_limited_per_email,
    deleted_account_email_can_sign_up_again,
);
