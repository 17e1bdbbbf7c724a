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

/// Read a child's JSON log lines until one carries `fields.addr`.
fn wait_for_addr(child: &mut std::process::Child) -> String {
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap_or_default();
        if let Some(a) = v["fields"]["addr"].as_str() {
            return a.to_owned();
        }
    }
    panic!("the server did not log its address");
}

fn process(args: &[&str], dir: &std::path::Path, envs: &[(&str, &str)]) -> std::process::Child {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("STORYLOOM_DATA_DIR", dir)
        .env("STORYLOOM_BIND", "127.0.0.1:0")
        .env("STORYLOOM_LOG_FORMAT", "json")
        .env("STORYLOOM_JOB_LEASE_MS", "1500")
        .env("STORYLOOM_JOB_POLL_MS", "100")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    c.spawn().unwrap()
}

async fn audio_status(client: &reqwest::Client, base: &str, token: &str, id: &str) -> String {
    let v: serde_json::Value = client
        .get(format!("{base}/stories/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["data"]["audioGenerationStatus"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn wait_status(client: &reqwest::Client, base: &str, token: &str, id: &str, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let got = audio_status(client, base, token, id).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "audio stayed {got}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn worker_processes_run_jobs_and_replace_a_killed_one() {
    let dir = tempfile::tempdir().unwrap();
    // A narrator that hangs, so the first worker is surely mid-job when it is killed.
    let slow = dir.path().join("slow-espeak");
    std::fs::write(&slow, "#!/bin/sh\nsleep 30\nexec espeak-ng \"$@\"\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut api = process(&["serve"], dir.path(), &[("STORYLOOM_WORKERS", "0")]);
    let base = format!("http://{}/api", wait_for_addr(&mut api));
    let client = reqwest::Client::new();
    let signed: serde_json::Value = client
        .post(format!("{base}/auth/sign-up"))
        .json(&serde_json::json!({"email": "w@example.com", "password": "correct horse battery", "name": "W"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed["data"]["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let hero: serde_json::Value = client
        .post(format!("{base}/heroes"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Uma", "age": 5, "traits": ["kind"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let story: serde_json::Value = client
        .post(format!("{base}/stories"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"heroId": hero["data"]["id"], "eventType": "bedtime",
                                  "language": "en", "generateAudio": true}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = story["data"]["id"].as_str().unwrap().to_owned();
    // No in-process workers: the job waits for a worker process.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(audio_status(&client, &base, &token, &id).await, "pending");

    let mut doomed = process(
        &["worker"],
        dir.path(),
        &[("STORYLOOM_ESPEAK", slow.to_str().unwrap())],
    );
    wait_status(&client, &base, &token, &id, "processing").await;
    doomed.kill().unwrap(); // SIGKILL: no release, no goodbye
    doomed.wait().unwrap();

    let mut worker = process(&["worker"], dir.path(), &[]);
    wait_status(&client, &base, &token, &id, "completed").await;

    for child in [&mut worker, &mut api] {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "graceful exit: {status}");
    }
}

#[tokio::test]
async fn tokens_and_passwords_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = process(&["serve"], dir.path(), &[("STORYLOOM_LOG", "debug")]);
    let stderr = api.stderr.take().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(a) = v["fields"]["addr"].as_str() {
                let _ = addr_tx.send(a.to_owned());
            }
            all.push(line);
        }
        all
    });
    let base = format!("http://{}/api", addr_rx.recv().unwrap());
    let c = reqwest::Client::new();
    let password = "a secret password 4711";
    let signed: serde_json::Value = c
        .post(format!("{base}/auth/sign-up"))
        .json(&serde_json::json!({"email": "log@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t1 = signed["data"]["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed_in: serde_json::Value = c
        .post(format!("{base}/auth/sign-in"))
        .json(&serde_json::json!({"email": "log@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t2 = signed_in["data"]["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = c
        .post(format!("{base}/auth/sign-in"))
        .json(&serde_json::json!({"email": "log@example.com", "password": "not it at all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    for path in ["/heroes", "/user/profile", "/sync/changes"] {
        let r = c
            .get(format!("{base}{path}"))
            .bearer_auth(&t1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let bogus = "definitely-not-a-token-0123456789";
    let r = c
        .get(format!("{base}/heroes"))
        .bearer_auth(bogus)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let refreshed: serde_json::Value = c
        .post(format!("{base}/auth/session/refresh"))
        .bearer_auth(&t2)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t3 = refreshed["data"]["token"]
        .as_str()
        .or_else(|| refreshed["data"]["session"]["token"].as_str())
        .unwrap_or_else(|| panic!("{refreshed}"))
        .to_owned();
    c.post(format!("{base}/auth/sign-out"))
        .bearer_auth(&t3)
        .send()
        .await
        .unwrap();

    Command::new("kill")
        .args(["-TERM", &api.id().to_string()])
        .status()
        .unwrap();
    api.wait().unwrap();
    let lines = reader.join().unwrap();
    // The logs did record the traffic (so the scan below looks at something).
    assert!(
        lines.iter().filter(|l| l.contains("/heroes")).count() >= 2,
        "{lines:?}"
    );
    for secret in [t1.as_str(), t2.as_str(), t3.as_str(), bogus, password] {
        let leaks: Vec<_> = lines.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret} was logged: {leaks:?}");
    }
}

/// With a descriptor limit of 256 (soft and hard, so the binary cannot raise it) and 300
/// unauthenticated sockets that never send a byte, the server stays below its limit (the
/// cap defaults from it) and a health check still gets its answer; before, every accept
/// failed with "Too many open files" and health timed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_past_the_descriptor_limit_do_not_stop_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 256 && exec \"$0\" serve", BIN])
        .env("STORYLOOM_DATA_DIR", dir.path())
        .env("STORYLOOM_BIND", "127.0.0.1:0")
        .env("STORYLOOM_LOG_FORMAT", "json")
        .env("STORYLOOM_LOG", "warn,storyloom_server=info")
        .env_remove("DATABASE_URL")
        .env_remove("STORYLOOM_MAX_CONNECTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = wait_for_addr(&mut child);
    let mut idle = Vec::new();
    for _ in 0..300 {
        match tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(&addr),
        )
        .await
        {
            Ok(Ok(s)) => idle.push(s),
            _ => break,
        }
    }
    assert!(idle.len() >= 260, "only {} sockets connected", idle.len());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let health = client.get(format!("http://{addr}/api/health")).send().await;
    eprintln!(
        "{} idle sockets open, health answered in {:?}",
        idle.len(),
        started.elapsed()
    );
    let _ = child.kill();
    let _ = child.wait();
    let health = health.expect("health answered");
    assert_eq!(health.status(), 200);
}
