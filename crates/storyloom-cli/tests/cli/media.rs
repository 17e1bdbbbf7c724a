//! `heroes avatar` and `open avatar`: the picture is drawn by the server, fetched through the
//! media cache, and still found with the server gone.

use storyloom_testkit::{DbKind, TestServer};

use crate::helpers::{Cli, create_hero};

fn is_png(path: &str) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avatar_is_drawn_cached_and_opened_offline() {
    let mut s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    create_hero(&cli, "Mia").await;

    // Nothing drawn yet: not found, and the hint says how to draw one.
    let r = cli.fails(&["open", "avatar", "Mia"], 6).await;
    assert!(r.stderr.contains("storyloom heroes avatar"), "{r}");

    let v = cli
        .json(&["heroes", "avatar", "Mia", "--prompt", "with a red scarf"])
        .await;
    assert_eq!(v["finished"], true, "{v}");
    assert_eq!(v["hero"]["avatarStatus"], "completed");
    let drawn = v["path"].as_str().unwrap().to_owned();
    assert!(is_png(&drawn), "{drawn}");

    let r = cli.ok(&["open", "avatar", "Mia"]).await;
    let path = r.stdout.trim();
    assert!(is_png(path), "{r}");
    assert!(
        path.starts_with(cli.home().to_str().unwrap()),
        "kept under --home: {path}"
    );

    // The cache answers without the server.
    s.stop().await;
    let r = cli.ok(&["open", "avatar", "Mia"]).await;
    assert_eq!(r.stdout.trim(), path);
    let v = cli.json(&["open", "avatar", "Mia"]).await;
    assert_eq!(v["path"], path);
}
