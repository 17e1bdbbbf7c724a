//! `heroes create|list|show|edit|delete` online: the cache, the output and the server agree.

use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::{Cli, server_view};

async fn heroes_round_trip(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    let api = server_view(&s, &cli.email).await;

    let v = cli
        .json(&[
            "heroes",
            "create",
            "--name",
            "Mia",
            "--age",
            "6",
            "--traits",
            "brave,curious",
            "--ability",
            "talks to owls",
        ])
        .await;
    assert_eq!(v["hero"]["name"], "Mia");
    assert_eq!(v["hero"]["syncStatus"], "synced");
    assert_eq!(v["sync"]["state"], "synced");
    assert_eq!(v["sync"]["pending"], 0);
    let id = v["hero"]["id"].as_str().unwrap().to_owned();
    let on_server = api.get(&format!("/heroes/{id}")).await;
    assert_eq!(on_server.status, 200);
    assert_eq!(on_server.data()["specialAbility"], "talks to owls");

    // A table a person reads: the hero, its traits, its sync mark.
    let r = cli.ok(&["heroes", "list"]).await;
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("Mia"))
        .unwrap_or_default();
    assert!(row.contains("brave, curious"), "{r}");
    assert!(row.contains("synced"), "{r}");
    assert!(r.stdout.starts_with("ID"), "{r}");

    // Edit by name; an empty value clears an optional field.
    let r = cli
        .ok(&["heroes", "edit", "mia", "--age", "7", "--ability", ""])
        .await;
    assert!(r.stdout.contains("Updated hero Mia"), "{r}");
    let on_server = api.get(&format!("/heroes/{id}")).await;
    assert_eq!(on_server.data()["age"], 7);
    assert!(on_server.data()["specialAbility"].is_null());

    // The short id the table shows finds it too.
    let short = &id.replace('-', "")[24..];
    let v = cli.json(&["heroes", "show", short]).await;
    assert_eq!(v["hero"]["age"], 7);
    assert_eq!(v["storyCount"], 0);

    // A hero made on another device shows up after the implicit sync of a read.
    api.hero("Leo").await;
    let v = cli.json(&["heroes", "list"]).await;
    assert_eq!(v["heroes"].as_array().unwrap().len(), 2);

    // Deleting needs a confirmation; without a terminal that is --yes.
    let r = cli.fails(&["heroes", "delete", "Mia"], 2).await;
    assert!(r.stderr.contains("--yes"), "{r}");
    assert_eq!(api.get(&format!("/heroes/{id}")).await.status, 200);
    let r = cli.ok(&["heroes", "delete", "Mia", "--yes"]).await;
    assert!(r.stdout.contains("Deleted Mia"), "{r}");
    assert_eq!(api.get(&format!("/heroes/{id}")).await.status, 404);

    let r = cli.fails(&["heroes", "show", "Mia"], 6).await;
    assert!(r.stderr.contains("heroes list"), "{r}");
}

db_tests!(heroes_round_trip);
