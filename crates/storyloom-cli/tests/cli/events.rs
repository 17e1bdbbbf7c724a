//! `events create|list|edit|enhance|delete`, and a story written for a custom event.

use storyloom_testkit::{DbKind, TestServer};

use crate::helpers::{Cli, create_hero, server_view};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_events_round_trip() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    let api = server_view(&s, &cli.email).await;

    let v = cli
        .json(&[
            "events",
            "create",
            "--title",
            "First swim",
            "--idea",
            "Mia's first swimming lesson at the big pool",
            "--emoji",
            "🏊",
            "--tone",
            "exciting",
            "--keywords",
            "pool,water",
        ])
        .await;
    let id = v["event"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["event"]["tone"], "exciting");
    assert_eq!(v["event"]["syncStatus"], "synced");
    assert_eq!(
        api.get(&format!("/custom-events/{id}")).await.data()["title"],
        "First swim"
    );

    let r = cli.ok(&["events", "list"]).await;
    assert!(r.stdout.contains("🏊 First swim"), "{r}");

    cli.ok(&["events", "edit", "swim", "--tone", "calming", "--favorite"])
        .await;
    let on_server = api.get(&format!("/custom-events/{id}")).await;
    assert_eq!(on_server.data()["tone"], "calming");
    assert_eq!(on_server.data()["isFavorite"], true);

    let v = cli.json(&["events", "enhance", "First swim"]).await;
    assert_eq!(v["event"]["aiEnhanced"], true);
    assert!(!v["event"]["keywords"].as_array().unwrap().is_empty());

    // A story for the event uses it.
    create_hero(&cli, "Mia").await;
    let v = cli
        .json(&[
            "stories",
            "new",
            "--hero",
            "Mia",
            "--custom-event",
            "First swim",
        ])
        .await;
    assert_eq!(v["story"]["customEventId"], id.as_str());
    let v = cli.json(&["events", "show", "swim"]).await;
    assert_eq!(v["event"]["usageCount"], 1);

    // Bad values are usage errors, caught before anything is stored.
    let r = cli
        .fails(
            &[
                "events", "create", "--title", "x", "--idea", "y", "--tone", "grumpy",
            ],
            2,
        )
        .await;
    assert!(
        r.stderr.contains("calming"),
        "lists the allowed tones:\n{r}"
    );

    cli.ok(&["events", "delete", "First swim", "--yes"]).await;
    assert_eq!(api.get(&format!("/custom-events/{id}")).await.status, 404);
    let v = cli.json(&["events", "list"]).await;
    assert!(v["events"].as_array().unwrap().is_empty());
}
