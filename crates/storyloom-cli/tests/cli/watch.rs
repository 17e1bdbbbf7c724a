//! `sync --watch`: a change made elsewhere arrives on the live stream and is pulled at once.

use std::time::Duration;

use serde_json::Value;
use storyloom_testkit::{DbKind, TestServer};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::helpers::{Cli, server_view};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_pulls_what_another_device_changes() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    let api = server_view(&s, &cli.email).await;

    let mut child = cli.spawn(&["--json", "sync", "--watch"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("a line from the watcher in time")
            .unwrap()
            .expect("the watcher is still running");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    // The first sync, then the watcher announces itself (one JSON object per line).
    assert_eq!(next().await["event"], "synced");
    assert_eq!(next().await["event"], "watching");

    // Another device creates a hero: the stream says `changed`, the watcher pulls it.
    api.hero("Leo").await;
    let mut pulled = false;
    for _ in 0..5 {
        let ev = next().await;
        if ev["event"] == "synced" && ev["report"]["pulled"].as_i64() >= Some(1) {
            pulled = true;
            break;
        }
    }
    assert!(pulled, "the watcher pulled the new hero");
    child.kill().await.unwrap();

    // It is in this device's cache now: readable with the network switched off.
    let v = cli.json(&["--offline", "heroes", "list"]).await;
    assert_eq!(v["heroes"][0]["name"], "Leo");
}
