//! Running the built `storyloom` binary the way a user does: its own home directory, the
//! test server's URL in `STORYLOOM_SERVER`, no terminal (stdin is empty unless a test pipes a
//! password), and a time limit so a hung command fails the test instead of the suite.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use storyloom_testkit::{Http, TestServer};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt as _;
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "correct horse battery";
const BIN: &str = env!("CARGO_BIN_EXE_storyloom");
const LIMIT: Duration = Duration::from_secs(90);

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One user's `storyloom` on one machine.
pub struct Cli {
    home: TempDir,
    server: String,
    pub email: String,
}

impl Cli {
    /// A fresh home directory pointed at `server`.
    pub fn new(server: &TestServer) -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
            server: server.url().to_owned(),
            email: format!("parent-{}@example.com", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The home directory.
    pub fn home(&self) -> PathBuf {
        self.home.path().to_path_buf()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("STORYLOOM_HOME", self.home.path())
            .env("STORYLOOM_SERVER", &self.server)
            .env("NO_COLOR", "1")
            .env_remove("STORYLOOM_OFFLINE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// Run with `stdin` piped in (empty: nothing to read, as in a script).
    pub async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self.command(args).stdin(Stdio::piped()).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        let out = tokio::time::timeout(LIMIT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("`storyloom {}` hung", args.join(" ")))
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run with nothing on stdin.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "").await
    }

    /// Run and insist on exit 0.
    pub async fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args).await;
        assert_eq!(r.code, 0, "`storyloom {}` failed:\n{r}", args.join(" "));
        r
    }

    /// Run with `--json`, insist on exit 0, return the document.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.ok(&all).await.json()
    }

    /// Run and insist on `code`.
    pub async fn fails(&self, args: &[&str], code: i32) -> Run {
        let r = self.run(args).await;
        assert_eq!(r.code, code, "`storyloom {}`:\n{r}", args.join(" "));
        r
    }

    /// Sign up as `self.email`.
    pub async fn signup(&self) -> Run {
        let r = self
            .run_with_stdin(
                &[
                    "signup",
                    "--email",
                    &self.email,
                    "--name",
                    "Mum",
                    "--password-stdin",
                ],
                &format!("{PASSWORD}\n"),
            )
            .await;
        assert_eq!(r.code, 0, "signup failed:\n{r}");
        r
    }

    /// Start a long-running command (`sync --watch`) with stdout piped.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).stdin(Stdio::null()).spawn().unwrap()
    }
}

/// The same account, straight over HTTP: what the server really has.
pub async fn server_view(s: &TestServer, email: &str) -> Http {
    let r = s
        .anon()
        .post(
            "/auth/sign-in",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200, "sign-in failed: {}", r.body);
    let token = r.data()["session"]["token"].as_str().unwrap().to_owned();
    s.anon().with_token(&token)
}

/// `heroes create` with the usual test hero.
pub async fn create_hero(cli: &Cli, name: &str) -> Value {
    cli.json(&[
        "heroes",
        "create",
        "--name",
        name,
        "--age",
        "6",
        "--traits",
        "brave,curious",
    ])
    .await
}
