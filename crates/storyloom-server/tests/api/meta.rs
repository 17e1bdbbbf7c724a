use reqwest::StatusCode;
use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn health_openapi_docs_cors_gzip(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let h = s.anon().get("/health").await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.data()["status"], "ok");
    assert_eq!(h.data()["database"], "ok");

    let doc: serde_json::Value = reqwest::get(s.api("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/heroes",
        "/api/heroes/{id}",
        "/api/auth/sign-up",
        "/api/stories/{id}/play",
        "/api/custom-events",
        "/api/user/usage",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["Hero"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    // /docs works offline: the page and its assets come from this server.
    let page = reqwest::get(format!("{}/docs/", s.url())).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(!html.contains("cdn."), "no CDN");
    let bundle = reqwest::get(format!("{}/docs/swagger-ui-bundle.js", s.url()))
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    let redirect = reqwest::get(format!("{}/docs", s.url())).await.unwrap();
    assert_eq!(
        redirect.status(),
        StatusCode::OK,
        "/docs redirects to the page"
    );

    // CORS preflight and gzip.
    let client = reqwest::Client::new();
    let pre = client
        .request(reqwest::Method::OPTIONS, s.api("/heroes"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    let gz = client
        .get(s.api("/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        gz.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
}

db_tests!(health_openapi_docs_cors_gzip);
