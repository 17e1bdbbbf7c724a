//! The database going away under a running server: clear 503s with the envelope while it is
//! gone, and recovery without a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use storyloom_testkit::{DbKind, TestServer};

/// Keep asking until a request succeeds; every failure on the way must be a 503 envelope.
async fn recovers(u: &storyloom_testkit::TestUser) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut refused = 0;
    loop {
        let r = u.get("/heroes").await;
        match r.status {
            StatusCode::OK => return refused,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.code(), "UNAVAILABLE", "{}", r.body);
                assert!(r.header("retry-after").is_some());
                refused += 1;
            }
            other => panic!("{other}: {}", r.body),
        }
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn postgres_connections_killed_mid_run() {
    let s = TestServer::start(DbKind::Postgres).await;
    let u = s.user().await;
    u.hero("Before").await;
    let url = s.database_url();
    let db = url.rsplit('/').next().unwrap().to_owned();
    let admin = url.rsplit_once('/').unwrap().0.to_owned() + "/test";
    for round in 0..3 {
        // An operator (or a failover) kills every connection the server holds.
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&admin)
            .await
            .unwrap();
        sqlx::query(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
        ))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        // Writes and reads work again without a restart; nothing answered 500 meanwhile.
        recovers(&u).await;
        let r = u
            .post(
                "/heroes",
                json!({"name": format!("After {round}"), "age": 5, "traits": ["kind"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let all = u.get("/heroes").await;
    assert_eq!(all.body["pagination"]["total"], 4);
    let h = s.anon().get("/health").await;
    assert_eq!(h.data()["database"], "ok");
}

#[tokio::test]
async fn sqlite_file_locked_by_another_process() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let u = s.user().await;
    u.hero("Before").await;
    let url = s.database_url();
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    // Another program takes the write lock and sits on it past the busy timeout.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        locked_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        conn.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();
    let started = Instant::now();
    let r = u
        .post(
            "/heroes",
            json!({"name": "Blocked", "age": 5, "traits": ["kind"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.code(), "UNAVAILABLE");
    assert!(started.elapsed() < Duration::from_secs(20));
    // Reads keep working from the WAL while writes wait.
    assert_eq!(u.get("/heroes").await.status, StatusCode::OK);
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let r = u
        .post(
            "/heroes",
            json!({"name": "After", "age": 5, "traits": ["kind"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(u.get("/heroes").await.body["pagination"]["total"], 2);
}
