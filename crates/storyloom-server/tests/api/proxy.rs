//! Behind a trusted proxy the client address is the one the proxy saw, never one the client
//! wrote: rotating the leftmost `X-Forwarded-For` entry must not escape the per-address limit.

use reqwest::{Method, StatusCode};
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer};

/// Sign-in attempts from one real client (the address the proxy appends) that writes a new
/// leftmost `X-Forwarded-For` entry each time; `hops` proxies, the last one ours.
async fn attempts_until_limited(
    hops: usize,
    forwarded: impl Fn(usize) -> String,
) -> Vec<StatusCode> {
    let s = TestServer::start_with(DbKind::Sqlite, move |c| {
        c.trust_proxy = true;
        c.trusted_proxy_hops = hops;
        c.auth_limit_per_minute = 5;
        c.signin_failures_per_15min = 1000;
    })
    .await;
    let anon = s.anon();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let xff = forwarded(i);
        let r = anon
            .send(
                Method::POST,
                "/auth/sign-in",
                Some(json!({"email": format!("u{i}@example.com"), "password": "whatever123"})),
                &[("x-forwarded-for", xff.as_str())],
            )
            .await;
        statuses.push(r.status);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_leftmost_forwarded_entry_still_hits_the_limit() {
    // One proxy: it appends the client's address (203.0.113.7) to what the client sent.
    let statuses = attempts_until_limited(1, |i| format!("198.51.100.{i}, 203.0.113.7")).await;
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5], "{statuses:?}");
    assert_eq!(
        statuses[5..],
        [StatusCode::TOO_MANY_REQUESTS; 3],
        "{statuses:?}"
    );

    // Two proxies (a CDN, then ours): the client is second from the right.
    let statuses =
        attempts_until_limited(2, |i| format!("198.51.100.{i}, 203.0.113.7, 192.0.2.1")).await;
    assert_eq!(
        statuses[5..],
        [StatusCode::TOO_MANY_REQUESTS; 3],
        "{statuses:?}"
    );

    // And distinct real clients behind the same proxy each get their own allowance.
    let statuses = attempts_until_limited(1, |i| format!("198.51.100.1, 203.0.113.{i}")).await;
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED; 8], "{statuses:?}");
}
