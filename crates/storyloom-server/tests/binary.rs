//! The `storyloom-server` binary as an operator runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_storyloom-server");

#[test]
fn print_config_redacts_secrets() {
    let out = Command::new(BIN)
        .arg("print-config")
        .env(
            "DATABASE_URL",
            "postgres://story:hunter2@db.internal:5432/storyloom",
        )
        .env("STORYLOOM_BIND", "0.0.0.0:9000")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("STORYLOOM_BIND=0.0.0.0:9000"), "{text}");
    assert!(
        text.contains("DATABASE_URL=postgres://story:***@db.internal:5432/storyloom"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
}

#[test]
fn bad_flags_say_what_is_wrong() {
    let out = Command::new(BIN)
        .args(["serve", "--bind", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--bind"), "{err}");
}

#[tokio::test]
async fn serve_on_defaults_then_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // migrate first, as an operator would before a deploy.
    let m = Command::new(BIN)
        .arg("migrate")
        .env("STORYLOOM_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    assert!(dir.path().join("storyloom.db").exists());

    let mut child = Command::new(BIN)
        .arg("serve")
        .env("STORYLOOM_DATA_DIR", dir.path())
        .env("STORYLOOM_BIND", "127.0.0.1:0")
        .env("STORYLOOM_LOG_FORMAT", "json")
        .env("STORYLOOM_TYPO_SETTING", "1")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr = None;
    let mut warned = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if line.contains("STORYLOOM_TYPO_SETTING") {
            warned = true;
        }
        if let Some(a) = v["fields"]["addr"].as_str() {
            addr = Some(a.to_owned());
            break;
        }
    }
    assert!(warned, "unknown STORYLOOM_* variables are warned about");
    let addr = addr.expect("the server logs its address");
    let health: serde_json::Value = reqwest::get(format!("http://{addr}/api/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["data"]["status"], "ok");
    let docs = reqwest::get(format!("http://{addr}/docs/")).await.unwrap();
    assert_eq!(docs.status(), 200);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful exit: {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}
