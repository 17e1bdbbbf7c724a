//! Offline: with the server stopped, writes succeed locally and say they are queued, reads
//! answer from the cache, server-only commands exit 4; once the server is back, `sync` sends
//! everything and the server has it.

use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::{Cli, create_hero, server_view};

async fn offline_writes_queue_and_sync_later(kind: DbKind) {
    let mut s = TestServer::start(kind).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    create_hero(&cli, "Mia").await;

    s.stop().await;

    let r = cli
        .run(&[
            "heroes", "create", "--name", "Leo", "--age", "4", "--traits", "funny",
        ])
        .await;
    assert_eq!(r.code, 0, "an offline write is a success:\n{r}");
    assert!(r.stdout.contains("Saved hero Leo"), "{r}");
    assert!(r.stdout.contains("on this device"), "{r}");
    assert!(r.stdout.contains("1 change queued"), "{r}");
    assert!(r.stdout.contains("storyloom sync"), "{r}");

    // Reads come from the cache and mark what has not reached the server.
    let r = cli.ok(&["heroes", "list"]).await;
    let leo = r
        .stdout
        .lines()
        .find(|l| l.contains("Leo"))
        .unwrap_or_default();
    assert!(leo.contains("queued"), "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("Mia") && l.contains("synced")),
        "{r}"
    );

    let v = cli.json(&["status"]).await;
    assert_eq!(v["pending"], 1);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["serverStatus"], "unreachable");
    assert_eq!(v["outbox"][0]["op"], "create");
    assert_eq!(v["outbox"][0]["entity"], "hero");
    assert!(v["outbox"][0]["label"].as_str().unwrap().contains("Leo"));
    let r = cli.ok(&["status"]).await;
    assert!(r.stdout.contains("Waiting to sync: 1 change"), "{r}");
    assert!(r.stdout.contains("create hero Leo"), "{r}");

    // Only the server can write a story or count usage: exit 4, and the hint names the server.
    let r = cli
        .fails(
            &["stories", "new", "--hero", "Leo", "--event", "bedtime"],
            4,
        )
        .await;
    assert!(r.stderr.contains(s.url()), "{r}");
    cli.fails(&["usage"], 4).await;
    let r = cli.fails(&["sync"], 4).await;
    assert!(r.stderr.contains("1 change is still queued"), "{r}");

    // --json says the same for scripts; --offline does not even try the network.
    let v = cli
        .json(&[
            "events",
            "create",
            "--title",
            "Pool",
            "--idea",
            "Mia's first swim",
        ])
        .await;
    assert_eq!(v["sync"]["state"], "offline");
    assert_eq!(v["sync"]["pending"], 2);
    assert_eq!(v["event"]["syncStatus"], "pendingCreate");
    let v = cli
        .json(&["--offline", "heroes", "edit", "Leo", "--age", "5"])
        .await;
    assert_eq!(v["sync"]["state"], "local");
    assert_eq!(v["hero"]["age"], 5);

    s.restart().await;

    let v = cli.json(&["sync"]).await;
    // Leo's create and the event, plus Leo's edit unless the client folded it into the create.
    let pushed = v["report"]["pushed"].as_i64().unwrap();
    assert!((2..=3).contains(&pushed), "{v}");
    assert_eq!(v["sync"]["pending"], 0);
    let api = server_view(&s, &cli.email).await;
    let heroes = api.get("/heroes").await;
    let leo = heroes
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Leo")
        .cloned();
    assert_eq!(leo.expect("Leo reached the server")["age"], 5);
    let events = api.get("/custom-events").await;
    assert_eq!(events.data()[0]["title"], "Pool");

    let v = cli.json(&["status"]).await;
    assert_eq!(v["pending"], 0);
    assert_eq!(v["serverStatus"], "reachable");
    assert!(v["lastError"].is_null(), "{v}");
}

db_tests!(offline_writes_queue_and_sync_later);
