//! Exit codes and messages of things going wrong: bad usage (2), unreachable server (4), and
//! the help text that documents them.

use storyloom_testkit::{DbKind, TestServer};

use crate::helpers::{Cli, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_an_unreachable_server_have_their_own_codes() {
    let mut s = TestServer::start(DbKind::Sqlite).await;
    let cli = Cli::new(&s);

    let help = cli.ok(&["--help"]).await;
    assert!(help.stdout.contains("Exit codes:"), "{help}");
    assert!(help.stdout.contains("4  offline"), "{help}");
    assert!(
        !help.stdout.contains("--password "),
        "no password option to document"
    );
    cli.fails(&["dance"], 2).await;
    cli.fails(&["heroes", "create", "--name", "Mia", "--age", "6"], 2)
        .await; // no --traits
    cli.fails(&["stories", "new", "--hero", "Mia"], 2).await; // no occasion

    cli.signup().await;
    // Rules of the contract are checked before anything is stored or sent.
    let r = cli
        .fails(
            &[
                "heroes", "create", "--name", "Mia", "--age", "40", "--traits", "kind",
            ],
            2,
        )
        .await;
    assert!(r.stderr.contains("age"), "{r}");
    let r = cli
        .fails(
            &[
                "--json", "heroes", "create", "--name", "Mia", "--age", "40", "--traits", "kind",
            ],
            2,
        )
        .await;
    assert_eq!(r.json()["error"]["kind"], "invalid");
    assert!(r.json()["error"]["fields"]["age"].is_string());
    let v = cli.json(&["status"]).await;
    assert_eq!(v["pending"], 0, "nothing invalid was queued");

    // Server gone: commands that need it exit 4, and the hint names the server to check.
    let url = s.url().to_owned();
    s.stop().await;
    let r = cli
        .run_with_stdin(
            &["login", "--email", &cli.email, "--password-stdin"],
            PASSWORD,
        )
        .await;
    assert_eq!(r.code, 4, "{r}");
    assert!(r.stderr.contains(&url), "{r}");
    let r = cli.fails(&["--json", "usage"], 4).await;
    assert_eq!(r.json()["error"]["kind"], "offline");
    // `whoami` reads the saved session: it works offline.
    cli.ok(&["whoami"]).await;
}
