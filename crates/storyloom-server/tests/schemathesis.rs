//! Schema-driven HTTP fuzzing: schemathesis (PyPI, installed by `scripts/setup`) generates
//! requests from our own OpenAPI document — valid, boundary and malformed — against the real
//! server, and checks that none answers 5xx and every answer matches the documented schema.
//! Bounded (`-n`) so CI runs it in seconds; raise `STORYLOOM_FUZZ_EXAMPLES` locally.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use storyloom_testkit::{DbKind, TestServer, db_tests};

async fn openapi_fuzz(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.auth_limit_per_minute = 100_000).await;
    let u = s.user().await;
    // Some data, so list answers have items whose schema is checked too.
    let hid = u.hero("Fuzzy").await["id"].as_str().unwrap().to_owned();
    u.story(&hid, "A story to fuzz").await;
    let examples = std::env::var("STORYLOOM_FUZZ_EXAMPLES").unwrap_or_else(|_| "10".into());
    let python = std::env::var("STORYLOOM_PYTHON").unwrap_or_else(|_| "python3".into());
    let url = s.url().to_owned();
    let token = u.token().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .args(["-m", "schemathesis.cli", "run"])
            .arg(format!("{url}/api/openapi.json"))
            .args(["--url", &url])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "not_a_server_error,response_schema_conformance"])
            .args(["--max-examples", &examples, "--seed", "1", "--no-color"])
            .args(["--request-timeout", "10"])
            // Operations that would end the fuzzing session itself, and the endless stream.
            .args(["--exclude-path", "/api/user/account"])
            .args(["--exclude-path", "/api/auth/sign-out"])
            .args(["--exclude-path", "/api/auth/session/refresh"])
            .args(["--exclude-path", "/api/sync/stream"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run schemathesis ({e}); run scripts/setup"))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It really ran: every selected operation was tested and cases were generated.
    let count = |label: &str| {
        stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.trim().split('/').next()?.parse::<u32>().ok())
    };
    let (selected, tested) = (count("Selected:"), count("Tested:"));
    assert!(
        selected.is_some_and(|n| n >= 30) && tested == selected,
        "every selected operation tested: {selected:?} / {tested:?}\n{stdout}"
    );
    assert!(stdout.contains(" generated, "), "{stdout}");
    assert!(!stdout.contains(" failed"), "{stdout}");
}

db_tests!(openapi_fuzz);
