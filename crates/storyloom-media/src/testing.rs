//! A real S3-compatible server for tests: `moto` (PyPI, installed by `scripts/setup`) started on
//! a free loopback port and stopped on drop. Requests to it are real SigV4-signed HTTP from
//! `object_store`; nothing in the code under test knows it is not AWS.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::S3Config;

/// A running moto server.
pub struct MotoServer {
    child: Child,
    /// `http://127.0.0.1:{port}`.
    pub endpoint: String,
}

impl MotoServer {
    /// Start moto and wait until it answers. Panics with a hint when moto is missing (tests
    /// must fail loudly rather than skip S3).
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let python = std::env::var("STORYLOOM_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{python} -m moto.server` ({e}); run scripts/setup")
            });
        let server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if client
                .get(format!("{}/moto-api/", server.endpoint))
                .send()
                .await
                .is_ok()
            {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not start on {} within 30 s; is `pip install 'moto[server]'` done?",
                server.endpoint
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Create `bucket` and return a config for it.
    pub async fn bucket(&self, bucket: &str) -> S3Config {
        let resp = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket: {e}"));
        assert!(
            resp.status().is_success(),
            "create bucket {bucket}: {}",
            resp.status()
        );
        S3Config {
            bucket: bucket.to_owned(),
            region: "us-east-1".into(),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
