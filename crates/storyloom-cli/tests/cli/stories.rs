//! `stories new|read|list|favorite|edit|delete`, narration and pictures through the server's
//! built-in providers (espeak-ng for the voice), `open`, and `usage` afterwards.

use std::path::Path;

use storyloom_testkit::{DbKind, TestServer};

use crate::helpers::{Cli, create_hero, server_view};

fn file_starts_with(path: &str, magic: &[&[u8]]) -> bool {
    let bytes = std::fs::read(Path::new(path)).unwrap();
    !bytes.is_empty() && magic.iter().any(|m| bytes.starts_with(m))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_is_written_narrated_illustrated_read_and_counted() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    create_hero(&cli, "Mia").await;
    let api = server_view(&s, &cli.email).await;

    // Generation waits for the narration and the pictures (following the job events).
    let v = cli
        .json(&[
            "stories",
            "new",
            "--hero",
            "Mia",
            "--event",
            "bedtime",
            "--audio",
            "--illustrations",
            "--voice",
            "nova",
        ])
        .await;
    assert_eq!(v["finished"], true, "{v}");
    let story = &v["story"];
    let id = story["id"].as_str().unwrap().to_owned();
    let title = story["title"].as_str().unwrap().to_owned();
    assert!(!title.is_empty());
    assert!(story["content"].as_str().unwrap().contains("Mia"));
    assert_eq!(story["audioGenerationStatus"], "completed");
    assert_eq!(story["illustrationStatus"], "completed");
    assert!(!story["illustrations"].as_array().unwrap().is_empty());
    assert_eq!(story["syncStatus"], "synced");

    // `read` prints the title, then the text, and counts a play on the server.
    let r = cli.ok(&["stories", "read", &id]).await;
    assert_eq!(r.stdout.lines().next(), Some(title.as_str()), "{r}");
    let first_words: String = story["content"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(r.stdout.contains(&first_words), "{r}");
    assert_eq!(
        api.get(&format!("/stories/{id}")).await.data()["playCount"],
        1
    );
    cli.ok(&["stories", "read", &id, "--no-count"]).await;
    assert_eq!(
        api.get(&format!("/stories/{id}")).await.data()["playCount"],
        1
    );

    // Media through the cache: real files, of the right kind.
    let r = cli.ok(&["open", "audio", &id]).await;
    assert!(
        file_starts_with(r.stdout.trim(), &[b"ID3", &[0xff, 0xfb], &[0xff, 0xf3]]),
        "{r}"
    );
    let r = cli.ok(&["open", "illustration", &id, "--index", "1"]).await;
    assert!(file_starts_with(r.stdout.trim(), &[b"\x89PNG"]), "{r}");
    cli.fails(&["open", "illustration", &id, "--index", "99"], 2)
        .await;

    // A part of the title finds the story; favourite shows in the list.
    let r = cli
        .ok(&["stories", "favorite", &title[..title.len().min(8)]])
        .await;
    assert!(r.stdout.contains("is a favourite"), "{r}");
    assert_eq!(
        api.get(&format!("/stories/{id}")).await.data()["isFavorite"],
        true
    );
    let v = cli
        .json(&["stories", "list", "--hero", "Mia", "--favorites"])
        .await;
    assert_eq!(v["stories"].as_array().unwrap().len(), 1);
    let r = cli.ok(&["stories", "list"]).await;
    assert!(r.stdout.contains("★"), "{r}");
    let r = cli.ok(&["stories", "show", &id]).await;
    assert!(r.stdout.contains("storyloom open audio"), "{r}");

    // Import (no generation), then edit and delete it.
    let v = cli
        .json(&[
            "stories",
            "new",
            "--hero",
            "Mia",
            "--event",
            "weekend",
            "--title",
            "Our trip",
            "--content",
            "We went to the sea.",
        ])
        .await;
    let imported = v["story"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["story"]["syncStatus"], "synced");
    cli.ok(&["stories", "edit", "Our trip", "--title", "Our sea trip"])
        .await;
    assert_eq!(
        api.get(&format!("/stories/{imported}")).await.data()["title"],
        "Our sea trip"
    );
    cli.ok(&["stories", "delete", "Our sea trip", "--yes"])
        .await;
    assert_eq!(api.get(&format!("/stories/{imported}")).await.status, 404);

    // Usage counts the generations (the import does not count).
    let v = cli.json(&["usage"]).await;
    let used = |op: &str| {
        v["usage"]["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["operation"] == op)
            .map(|o| o["used"].as_i64().unwrap())
    };
    assert_eq!(used("story_generation"), Some(1));
    assert_eq!(used("audio_generation"), Some(1));
    assert_eq!(used("illustration_generation"), Some(1));
    let r = cli.ok(&["usage"]).await;
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("stories") && l.contains("10")),
        "{r}"
    );
}
