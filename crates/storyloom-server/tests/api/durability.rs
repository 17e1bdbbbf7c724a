//! Nothing acknowledged is ever lost: a write answered 2xx is committed, even when the disk
//! fills up under the server or the database refuses a commit, and the server recovers
//! without a restart once the cause is gone.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection as _;
use storyloom_testkit::{DbKind, TestServer, TestUser, idle_in_transaction};
use uuid::Uuid;

/// A tmpfs of `size` mounted on a fresh directory, unmounted (lazily) on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "this test mounts a {size} tmpfs (needs root, as on CI)");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// About 45 KB of story text, different for each `n` (so nothing compresses or dedups).
fn long_content(n: usize) -> String {
    let mut s = String::with_capacity(46_000);
    let mut i = 0;
    while s.len() < 45_000 {
        s.push_str(&format!(
            "Night {n}, line {i}: the owl counted {} stars over the sleepy town.\n",
            n * 7919 + i
        ));
        i += 1;
    }
    s
}

/// Import one long story; the answer's status, error code and message, and the id sent.
async fn import(
    u: &TestUser,
    hero: &str,
    n: usize,
    title: &str,
) -> (StatusCode, String, String, Uuid) {
    let id = Uuid::new_v4();
    let r = u
        .post(
            "/stories",
            json!({"id": id, "heroId": hero, "eventType": "bedtime", "language": "en",
                   "title": title, "content": long_content(n)}),
        )
        .await;
    let message = r.body["error"]["message"].as_str().unwrap_or("").to_owned();
    (r.status, r.code().to_owned(), message, id)
}

/// How many of `ids` a GET by id finds.
async fn readable(u: &TestUser, ids: &[Uuid]) -> usize {
    let mut found = 0;
    for id in ids {
        let r = u.get(&format!("/stories/{id}")).await;
        match r.status {
            StatusCode::OK => found += 1,
            StatusCode::NOT_FOUND => {}
            other => panic!("GET /stories/{id}: {other}: {}", r.body),
        }
    }
    found
}

/// The SQLite file and its WAL on a 2 MiB tmpfs, filled by story imports through HTTP. Every
/// 201 must be a stored story (now, and after a restart on the same files); a write that
/// cannot be stored answers 503 `UNAVAILABLE` "storage is full" (never 500), health says the
/// database is degraded meanwhile, and as soon as space is back writes succeed again, with
/// no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_never_acknowledges_a_lost_write() {
    let disk = Tmpfs::mount("2m");
    // Room to give back later: a file that takes part of the tmpfs.
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![7u8; 384 * 1024]).unwrap();
    let data: PathBuf = disk.path().join("data");
    let url = storyloom_store::sqlite_url(&data.join("storyloom.db"));
    let mut s = TestServer::start_with(DbKind::Sqlite, move |c| {
        c.data_dir = data.clone();
        c.database_url = Some(url.clone());
        c.workers = 0;
    })
    .await;
    let u = s.user().await;
    let hero = u.hero("Full").await["id"].as_str().unwrap().to_owned();

    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut wrong = Vec::new();
    let mut in_a_row = 0;
    let mut health_while_full = None;
    for n in 0..120 {
        let (status, code, message, id) = import(&u, &hero, n, &format!("Story {n}")).await;
        if status == StatusCode::CREATED {
            acknowledged.push(id);
            in_a_row = 0;
            continue;
        }
        in_a_row += 1;
        if status == StatusCode::SERVICE_UNAVAILABLE
            && code == "UNAVAILABLE"
            && message == "storage is full"
        {
            refused += 1;
        } else {
            wrong.push(format!("import {n}: {status} {code}: {message}"));
        }
        if health_while_full.is_none() {
            health_while_full = Some(s.anon().get("/health").await);
        }
        if in_a_row >= 5 {
            break;
        }
    }
    let stored = readable(&u, &acknowledged).await;
    eprintln!(
        "disk full: {} imports acknowledged, {stored} of them readable; {refused} refused as \
         full, {} other failures",
        acknowledged.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(refused >= 5, "the disk never filled up");
    assert_eq!(
        stored,
        acknowledged.len(),
        "acknowledged writes are missing"
    );

    let h = health_while_full.unwrap();
    assert_eq!(h.data()["database"], "degraded", "{}", h.body);
    assert_eq!(h.data()["status"], "degraded", "{}", h.body);

    // Space comes back: writes succeed at once, without a restart.
    std::fs::remove_file(&ballast).unwrap();
    let mut after = Vec::new();
    for n in 1000..1004 {
        let (status, code, message, id) = import(&u, &hero, n, &format!("After {n}")).await;
        assert_eq!(status, StatusCode::CREATED, "{code}: {message}");
        after.push(id);
    }
    assert_eq!(readable(&u, &after).await, after.len());
    let h = s.anon().get("/health").await;
    assert_eq!(h.data()["database"], "ok", "{}", h.body);
    acknowledged.extend(after);

    // And they are on disk: a restart on the same files finds every one, and nothing else.
    s.restart().await;
    let stored = readable(&u, &acknowledged).await;
    eprintln!(
        "after restart: {stored}/{} acknowledged stories readable",
        acknowledged.len()
    );
    assert_eq!(
        stored,
        acknowledged.len(),
        "acknowledged writes lost by the restart"
    );
    let total = u.get("/stories?limit=1").await.body["pagination"]["total"].clone();
    assert_eq!(total, json!(acknowledged.len()));
    s.stop().await;
    drop(disk);
}

/// What is unique to every write path: a request that reaches the database and is refused at
/// its COMMIT, on PostgreSQL. A deferred constraint trigger (created by the test) fails the
/// commit of rows named "refused at commit". Such a write must not be acknowledged (503
/// `UNAVAILABLE`, nothing stored) on any path — a REST story import, a hero create through
/// the group commit, a sync push — and the next write on the pool must commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_commit_refused_is_not_acknowledged() {
    let s = TestServer::start(DbKind::Postgres).await;
    let url = s.database_url();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    for sql in [
        "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'refused at commit'; END $$",
        "CREATE CONSTRAINT TRIGGER refuse_story AFTER INSERT ON stories \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
         WHEN (NEW.title = 'refused at commit') EXECUTE FUNCTION refuse_at_commit()",
        "CREATE CONSTRAINT TRIGGER refuse_hero AFTER INSERT ON heroes \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
         WHEN (NEW.name = 'refused at commit') EXECUTE FUNCTION refuse_at_commit()",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let u = s.user().await;
    let hero = u.hero("Kept").await["id"].as_str().unwrap().to_owned();

    for round in 0..3 {
        // REST story import.
        let (status, code, message, id) = import(&u, &hero, round, "refused at commit").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{code}: {message}");
        assert_eq!(code, "UNAVAILABLE");
        assert_eq!(readable(&u, &[id]).await, 0, "a refused commit was stored");
        let (status, code, message, id) = import(&u, &hero, round, "Kept").await;
        assert_eq!(status, StatusCode::CREATED, "{code}: {message}");
        assert_eq!(readable(&u, &[id]).await, 1);

        // Hero creates go through the group commit.
        let hid = Uuid::new_v4();
        let r = u
            .post(
                "/heroes",
                json!({"id": hid, "name": "refused at commit", "age": 5, "traits": ["kind"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert_eq!(r.code(), "UNAVAILABLE");
        assert_eq!(
            u.get(&format!("/heroes/{hid}")).await.status,
            StatusCode::NOT_FOUND
        );
        u.hero(&format!("Kept {round}")).await;

        // A sync push aborts (the client retries it) instead of answering "applied".
        let sid = Uuid::new_v4();
        let r = u
            .post(
                "/sync/push",
                json!({"mutations": [{"mutationId": Uuid::new_v4(), "entity": "story", "op": "create",
                    "id": sid, "fields": {"heroId": hero, "eventType": "bedtime", "language": "en",
                                          "title": "refused at commit", "content": "Once."}}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert_eq!(readable(&u, &[sid]).await, 0);
    }
    // No connection was left inside a transaction, and the pool still commits.
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(idle_in_transaction(&mut admin, &url).await, 0);
    let heroes = u.get("/heroes").await;
    let names: HashSet<&str> = heroes
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert!(!names.contains("refused at commit"), "{names:?}");
    assert_eq!(heroes.body["pagination"]["total"], 4);
}
