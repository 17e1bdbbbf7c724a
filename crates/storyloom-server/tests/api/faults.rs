//! The database going away under a running server: clear 503s with the envelope while it is
//! gone, and recovery without a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection as _;
use storyloom_testkit::{DbKind, TestServer, database_name, idle_in_transaction};

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

/// A pool of one connection to `url`, for looking at the database from outside the server.
async fn one_connection(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

#[tokio::test]
async fn postgres_connections_killed_mid_run() {
    let s = TestServer::start(DbKind::Postgres).await;
    let u = s.user().await;
    u.hero("Before").await;
    let url = s.database_url();
    let db = database_name(&url).to_owned();
    let admin = url.rsplit_once('/').unwrap().0.to_owned() + "/test";
    for round in 0..3 {
        // An operator (or a failover) kills every connection the server holds.
        let pool = one_connection(&admin).await;
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

/// A tiny filesystem mounted over the media folder, unmounted on drop.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(dir: &std::path::Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
            .arg(dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "this test mounts a 16 KiB tmpfs (needs root, as on CI)");
        TinyDisk(dir.to_owned())
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn media_disk_full_fails_the_job_with_a_clear_message() {
    let s = TestServer::start_with(DbKind::Sqlite, |c| c.job_retry_base_ms = 50).await;
    let u = s.user().await;
    let hid = u.hero("Full").await["id"].as_str().unwrap().to_owned();
    let sid = u.story(&hid, "Too long to store").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let media_dir = s.state().config.data_dir.join("media");
    let _disk = TinyDisk::mount(&media_dir);
    let r = u.post(&format!("/stories/{sid}/audio"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let story = u.get(&format!("/stories/{sid}")).await;
        if story.data()["audioGenerationStatus"] == "failed" {
            break;
        }
        assert!(Instant::now() < deadline, "{}", story.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The job says why, in words an operator understands, after its retries.
    let url = s.database_url();
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let (status, attempts, error): (String, i64, Option<String>) = sqlx::query_as(
        "SELECT status, attempts, last_error FROM jobs WHERE entity_id = $1 AND kind = 'audio'",
    )
    .bind(&sid)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "failed");
    assert_eq!(attempts, 3);
    let error = error.unwrap();
    assert!(error.contains("media storage is full"), "{error}");
    // The API kept working throughout, and nothing half-written was left behind.
    assert_eq!(u.get("/heroes").await.status, StatusCode::OK);
    assert!(s.state().media.list_user(u.id).await.unwrap().is_empty());
}

/// Clients that give up on their requests (an app suspended mid-request, a timeout) cancel the
/// server's work at any point, the database's `BEGIN` round trip included. None of it may
/// leave a pooled connection inside a transaction: the writes of whoever gets it next would
/// never commit, and after one error every query on it would fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_requests_leave_no_connection_in_a_transaction() {
    let s = TestServer::start(DbKind::Postgres).await;
    let u = s.user().await;
    let url = s.database_url();
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut stuck = 0i64;
    for n in 0..200u64 {
        // A client of its own, so giving up closes the connection the server is answering on.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_micros(200 + (n * 53) % 3000))
            .build()
            .unwrap();
        let req = if n % 2 == 0 {
            client.get(s.api("/sync/changes?since=0"))
        } else {
            client.delete(s.api(&format!("/heroes/{}", uuid::Uuid::new_v4())))
        };
        let _ = req.bearer_auth(u.token()).send().await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        stuck += idle_in_transaction(&mut admin, &url).await;
    }
    assert_eq!(
        stuck, 0,
        "abandoned requests left connections inside a transaction"
    );

    // Every later request answers, and its writes are there for a reader that shares nothing
    // with the server.
    let mut ids = Vec::new();
    for n in 0..32 {
        let r = u.get("/sync/changes?since=0").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        ids.push(
            u.hero(&format!("Kept {n}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    use storyloom_store::prelude::*;
    let fresh = storyloom_store::SqlStore::connect(&url).await.unwrap();
    for id in ids {
        fresh
            .get_hero(storyloom_domain::UserId(u.id), id.parse().unwrap())
            .await
            .unwrap();
    }
}
