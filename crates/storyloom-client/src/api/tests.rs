//! The API client against a local fake (wiremock): envelope decoding, retry classification,
//! backoff, `Retry-After`, and the 401 → refresh → signed-out ladder.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use storyloom_domain::PlayRequest;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::session::MemorySessionStore;

fn fast() -> RetryConfig {
    RetryConfig {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        max_retries: 3,
        request_timeout: Duration::from_secs(5),
        refresh_margin: Duration::from_secs(300),
    }
}

fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": data, "error": null}))
}

fn err(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"data": null, "error": {"code": code, "message": "nope"}}))
}

fn auth_json(token: &str, expires_in: chrono::Duration) -> Value {
    json!({
        "user": {"id": "0190b5c2-0000-7000-8000-0000000000aa", "email": "a@b.co", "name": null,
                 "createdAt": "2026-11-01T10:00:00.000Z"},
        "session": {"token": token,
                    "expiresAt": storyloom_domain::time::format(&(chrono::Utc::now() + expires_in))}
    })
}

fn health() -> Value {
    json!({"status": "ok", "version": "1", "database": "ok", "storage": "ok", "ai": "ok"})
}

async fn client(server: &MockServer, token: Option<&str>) -> ApiClient {
    let store = Arc::new(MemorySessionStore::new());
    if let Some(t) = token {
        let s: Session = serde_json::from_value(auth_json(t, chrono::Duration::days(7))).unwrap();
        store.save(&s).unwrap();
    }
    ApiClient::new(&server.uri(), store, fast()).unwrap()
}

async fn hits(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

#[tokio::test]
async fn transient_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(path("/api/health"))
        .respond_with(err(503, "UNAVAILABLE"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/health"))
        .respond_with(ok(health()))
        .mount(&server)
        .await;
    let api = client(&server, None).await;
    assert_eq!(api.health().await.unwrap().status, "ok");
    assert_eq!(hits(&server, "/api/health").await, 3);
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/api/health"))
        .respond_with(err(500, "INTERNAL_ERROR"))
        .mount(&server)
        .await;
    let api = client(&server, None).await;
    let e = api.health().await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert!(matches!(e.retry_kind(), RetryKind::Transient { .. }));
    assert_eq!(hits(&server, "/api/health").await, 4, "1 try + 3 retries");
}

#[tokio::test]
async fn permanent_errors_are_not_retried_and_keep_the_server_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/heroes/0190b5c2-0000-7000-8000-000000000001"))
        .respond_with(err(404, "NOT_FOUND"))
        .mount(&server)
        .await;
    let api = client(&server, Some("t")).await;
    let id = uuid::Uuid::parse_str("0190b5c2-0000-7000-8000-000000000001").unwrap();
    let e = api
        .get_hero(storyloom_domain::HeroId(id))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(storyloom_domain::ErrorCode::NotFound));
    assert_eq!(e.retry_kind(), RetryKind::Permanent);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/api/health"))
        .respond_with(err(429, "RATE_LIMIT_EXCEEDED").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/health"))
        .respond_with(ok(health()))
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.max_delay = Duration::from_secs(2);
    let api = ApiClient::new(&server.uri(), Arc::new(MemorySessionStore::new()), cfg).unwrap();
    let start = Instant::now();
    api.health().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_returned_not_slept() {
    let server = MockServer::start().await;
    Mock::given(path("/api/health"))
        .respond_with(err(429, "RATE_LIMIT_EXCEEDED").insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let api = client(&server, None).await;
    let e = api.health().await.unwrap_err();
    assert_eq!(
        e.retry_kind(),
        RetryKind::Transient {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn non_idempotent_calls_are_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    let id = storyloom_domain::new_id();
    Mock::given(path(format!("/api/stories/{id}/play")))
        .respond_with(err(500, "INTERNAL_ERROR"))
        .mount(&server)
        .await;
    let api = client(&server, Some("t")).await;
    assert!(
        api.play_story(
            storyloom_domain::StoryId(id),
            &PlayRequest {
                count: Some(1),
                ..Default::default()
            }
        )
        .await
        .is_err()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let api = ApiClient::new(
        &format!("http://127.0.0.1:{port}"),
        Arc::new(MemorySessionStore::new()),
        fast(),
    )
    .unwrap();
    let e = api.health().await.unwrap_err();
    assert!(e.is_offline(), "{e:?}");
    assert_eq!(e.clone_kind(), RetryKind::Network);
}

#[tokio::test]
async fn unauthorized_refreshes_once_then_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/heroes"))
        .and(header("authorization", "Bearer old"))
        .respond_with(err(401, "UNAUTHORIZED"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/heroes"))
        .and(header("authorization", "Bearer new"))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth/session/refresh"))
        .and(header("authorization", "Bearer old"))
        .respond_with(ok(auth_json("new", chrono::Duration::days(7))))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(&server, Some("old")).await;
    let page = api.list_heroes(ListQuery::default()).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(api.session().unwrap().session.token, "new");
}

#[tokio::test]
async fn second_unauthorized_signs_out() {
    let server = MockServer::start().await;
    Mock::given(path("/api/heroes"))
        .respond_with(err(401, "UNAUTHORIZED"))
        .mount(&server)
        .await;
    Mock::given(path("/api/auth/session/refresh"))
        .respond_with(ok(auth_json("new", chrono::Duration::days(7))))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(&server, Some("old")).await;
    let e = api.list_heroes(ListQuery::default()).await.unwrap_err();
    assert!(matches!(e, Error::SignedOut), "{e:?}");
    assert!(api.session().is_none());
}

#[tokio::test]
async fn refused_refresh_signs_out() {
    let server = MockServer::start().await;
    Mock::given(path("/api/heroes"))
        .respond_with(err(401, "UNAUTHORIZED"))
        .mount(&server)
        .await;
    Mock::given(path("/api/auth/session/refresh"))
        .respond_with(err(401, "UNAUTHORIZED"))
        .mount(&server)
        .await;
    let api = client(&server, Some("old")).await;
    assert!(matches!(
        api.list_heroes(ListQuery::default()).await,
        Err(Error::SignedOut)
    ));
    assert!(api.session().is_none());
}

#[tokio::test]
async fn session_about_to_expire_is_refreshed_first() {
    let server = MockServer::start().await;
    Mock::given(path("/api/auth/session/refresh"))
        .respond_with(ok(auth_json("fresh", chrono::Duration::days(7))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/heroes"))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(ok(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemorySessionStore::new());
    let s: Session =
        serde_json::from_value(auth_json("stale", chrono::Duration::minutes(2))).unwrap();
    store.save(&s).unwrap();
    let api = ApiClient::new(&server.uri(), store.clone(), fast()).unwrap();
    api.list_heroes(ListQuery::default()).await.unwrap();
    // The new session reached the store too.
    assert_eq!(store.load().unwrap().unwrap().session.token, "fresh");
}

#[tokio::test]
async fn calls_without_a_session_are_signed_out_without_network() {
    let server = MockServer::start().await;
    let api = client(&server, None).await;
    assert!(matches!(
        api.list_heroes(ListQuery::default()).await,
        Err(Error::SignedOut)
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_answers_carry_pagination_and_base_url_gets_api() {
    let server = MockServer::start().await;
    Mock::given(path("/api/custom-events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [], "error": null,
            "pagination": {"total": 0, "limit": 20, "offset": 0, "hasMore": false}
        })))
        .mount(&server)
        .await;
    let api = client(&server, Some("t")).await;
    assert!(api.base_url().ends_with("/api"));
    let page = api.list_custom_events(ListQuery::default()).await.unwrap();
    assert_eq!(page.pagination.unwrap().limit, 20);
}

#[test]
fn backoff_grows_caps_and_respects_retry_after() {
    let cfg = RetryConfig::default();
    for attempt in 0..10 {
        let d = cfg.backoff(attempt, None);
        let full = Duration::from_secs(1)
            .saturating_mul(1 << attempt)
            .min(Duration::from_secs(30));
        assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
    }
    assert!(cfg.backoff(0, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
}

impl Error {
    fn clone_kind(&self) -> RetryKind {
        self.retry_kind()
    }
}
