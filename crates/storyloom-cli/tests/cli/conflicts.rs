//! `conflicts list|resolve`: a story title edited on this device while offline and on the
//! server meanwhile is parked as a conflict, listed, and resolved by the user's choice.

use serde_json::json;
use storyloom_testkit::{DbKind, TestServer};

use crate::helpers::{Cli, create_hero, server_view};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_edited_on_both_sides_waits_for_the_user() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    create_hero(&cli, "Mia").await;
    let api = server_view(&s, &cli.email).await;
    let v = cli
        .json(&[
            "stories",
            "new",
            "--hero",
            "Mia",
            "--event",
            "bedtime",
            "--title",
            "Original",
            "--content",
            "Once upon a time.",
        ])
        .await;
    let id = v["story"]["id"].as_str().unwrap().to_owned();

    let r = cli.ok(&["conflicts", "list"]).await;
    assert!(r.stdout.contains("No conflicts"), "{r}");

    // This device edits without syncing; another device edits the same title on the server.
    let v = cli
        .json(&[
            "--offline",
            "stories",
            "edit",
            "Original",
            "--title",
            "Local title",
        ])
        .await;
    assert_eq!(v["sync"]["pending"], 1);
    let r = api
        .patch(&format!("/stories/{id}"), json!({"title": "Server title"}))
        .await;
    assert_eq!(r.status, 200);

    let v = cli.json(&["sync"]).await;
    assert_eq!(v["sync"]["conflicts"], 1, "{v}");

    let v = cli.json(&["conflicts", "list"]).await;
    let conflicts = v["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["kind"], "edit");
    assert_eq!(conflicts[0]["entity"], "story");
    assert_eq!(conflicts[0]["local"]["title"], "Local title");
    assert_eq!(conflicts[0]["server"]["title"], "Server title");
    let n = conflicts[0]["id"].as_i64().unwrap().to_string();

    let r = cli.ok(&["conflicts", "list"]).await;
    assert!(
        r.stdout.contains("Local title") && r.stdout.contains("Server title"),
        "{r}"
    );
    assert!(r.stdout.contains("conflicts resolve"), "{r}");
    let r = cli.ok(&["status"]).await;
    assert!(r.stdout.contains("Conflicts: 1"), "{r}");

    let r = cli
        .ok(&["conflicts", "resolve", &n, "--keep", "local"])
        .await;
    assert!(r.stdout.contains("Kept this device's version"), "{r}");
    assert_eq!(
        api.get(&format!("/stories/{id}")).await.data()["title"],
        "Local title"
    );
    let v = cli.json(&["conflicts", "list"]).await;
    assert!(v["conflicts"].as_array().unwrap().is_empty());

    // Resolving it twice: there is no such conflict any more.
    let r = cli
        .fails(&["conflicts", "resolve", &n, "--keep", "server"], 6)
        .await;
    assert!(r.stderr.contains("conflicts list"), "{r}");
}
