//! `signup`, `login`, `whoami`, `logout`: the session lifecycle and its exit codes.

use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::{Cli, PASSWORD, server_view};

async fn signup_login_whoami_logout(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let cli = Cli::new(&s);

    // Nobody signed in yet: exit 3 and the next step.
    let r = cli.fails(&["whoami"], 3).await;
    assert!(r.stderr.contains("not signed in"), "{r}");
    assert!(r.stderr.contains("storyloom login"), "{r}");

    // No terminal and no --password-stdin: nobody to ask, a usage error (not a hang).
    let r = cli.fails(&["signup", "--email", &cli.email], 2).await;
    assert!(r.stderr.contains("--password-stdin"), "{r}");

    let r = cli.signup().await;
    assert!(r.stdout.contains("Signed up as Mum"), "{r}");
    assert!(r.stdout.contains("storyloom heroes create"), "{r}");
    server_view(&s, &cli.email).await; // the account is on the server

    let v = cli.json(&["whoami"]).await;
    assert_eq!(v["user"]["email"], cli.email.as_str());
    assert_eq!(v["user"]["name"], "Mum");
    assert_eq!(v["server"], s.url());

    // The same email again: the server refuses (7) and the hint says to log in instead.
    let again = cli
        .run_with_stdin(
            &["signup", "--email", &cli.email, "--password-stdin"],
            PASSWORD,
        )
        .await;
    assert_eq!(again.code, 7, "{again}");
    assert!(again.stderr.contains("storyloom login"), "{again}");

    let r = cli.ok(&["logout"]).await;
    assert!(r.stdout.contains("Signed out"), "{r}");
    let r = cli.fails(&["--json", "whoami"], 3).await;
    let err = r.json();
    assert_eq!(err["error"]["kind"], "notSignedIn");
    assert_eq!(err["error"]["exitCode"], 3);
    assert!(err["error"]["hint"].as_str().unwrap().contains("login"));

    // A wrong password is an auth failure (3), with no hint that the account exists.
    let login = ["login", "--email", cli.email.as_str(), "--password-stdin"];
    let r = cli.run_with_stdin(&login, "not the password\n").await;
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("wrong email or password"), "{r}");

    let r = cli.run_with_stdin(&login, &format!("{PASSWORD}\n")).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("Signed in as Mum"), "{r}");
    cli.ok(&["whoami"]).await;
}

db_tests!(signup_login_whoami_logout);

/// Signing in as someone else empties the local cache; unsynced changes of the previous
/// account must not vanish silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_cannot_silently_discard_unsynced_changes() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);
    cli.signup().await;
    let v = cli
        .json(&[
            "--offline",
            "heroes",
            "create",
            "--name",
            "Mia",
            "--age",
            "6",
            "--traits",
            "kind",
        ])
        .await;
    assert_eq!(v["sync"]["pending"], 1);
    let r = cli.ok(&["--offline", "logout"]).await;
    assert!(
        r.stdout.contains("1 change not yet on the server stays"),
        "{r}"
    );

    let other = format!("other-{}", cli.email);
    let signup = ["signup", "--email", other.as_str(), "--password-stdin"];
    let r = cli.run_with_stdin(&signup, PASSWORD).await;
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains(&cli.email),
        "names whose changes they are:\n{r}"
    );
    assert!(r.stderr.contains("--discard-unsynced"), "{r}");

    let mut forced = signup.to_vec();
    forced.push("--discard-unsynced");
    let r = cli.run_with_stdin(&forced, PASSWORD).await;
    assert_eq!(r.code, 0, "{r}");
    let v = cli.json(&["heroes", "list"]).await;
    assert!(v["heroes"].as_array().unwrap().is_empty(), "{v}");
}
