//! Where the CLI keeps its files, and the little it remembers between runs.
//!
//! Layout under the home directory (`--home`, `STORYLOOM_HOME`, or the platform data dir):
//!
//! ```text
//! <home>/cli.json                  the server last signed in to (the default for later runs)
//! <home>/servers/<server>/         the client core's data dir for that server:
//!     cache.sqlite, media/, session.json (0600),
//!     sync.json (last sync for `status`, and whose account the cache holds)
//! ```
//!
//! One directory per server because a session and a cache belong to one server: a command run
//! with another `--server` must neither send this server's token there (a 401 would sign the
//! user out here) nor mix the two accounts' data.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};

/// Server used when neither `--server`, `STORYLOOM_SERVER` nor a previous login says otherwise:
/// the address `storyloom-server` binds by default.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// `<home>/cli.json`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeConfig {
    /// The server of the last successful login or signup.
    pub server: Option<String>,
}

/// `<home>/servers/<server>/sync.json`: the outcome of the last sync attempt. The client's
/// sync engine keeps its state in memory only, which a short-lived process never sees again.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyncRecord {
    /// Last sync that completed.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Last attempt, successful or not.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed (`None` when it succeeded).
    pub last_error: Option<String>,
    /// Email of the account the local cache belongs to (set at login), so a login as someone
    /// else can warn before the client core empties the cache of unsynced changes.
    #[serde(default)]
    pub account: Option<String>,
}

/// The home directory to use: the flag/env value, else the platform data dir.
pub fn home_dir(flag: Option<PathBuf>) -> CliResult<PathBuf> {
    if let Some(h) = flag {
        return Ok(h);
    }
    directories::ProjectDirs::from("app", "Storyloom", "storyloom")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            CliError::Usage(
                "cannot find a home directory for local data: pass --home or set STORYLOOM_HOME"
                    .into(),
            )
        })
}

/// Normalise a server URL as typed (`localhost:8080` → `http://localhost:8080`).
pub fn normalize_server(url: &str) -> CliResult<String> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err(CliError::Usage("the server URL is empty".into()));
    }
    let url = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let parsed = reqwest::Url::parse(&url)
        .map_err(|e| CliError::Usage(format!("`{url}` is not a server URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(CliError::Usage(format!(
            "`{url}` is not an http(s) server URL"
        )));
    }
    Ok(url)
}

/// Directory name for a server: its host, port and path with anything unusual replaced.
pub fn server_slug(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let slug: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug.trim_matches('_').to_owned();
    if slug.is_empty() {
        "default".into()
    } else {
        slug
    }
}

/// The client core's data dir for `server`.
pub fn server_dir(home: &Path, server: &str) -> PathBuf {
    home.join("servers").join(server_slug(server))
}

fn read_json<T: for<'de> Deserialize<'de> + Default>(path: &Path) -> T {
    match std::fs::read(path) {
        // A damaged file is not worth failing a command over: it only holds a default.
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => T::default(),
    }
}

/// Write through a temp file and a rename, so an interrupted run never leaves half a file.
fn write_json<T: Serialize>(path: &Path, value: &T) -> CliResult<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    std::fs::write(&tmp, serde_json::to_vec_pretty(value)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

impl HomeConfig {
    /// Read `<home>/cli.json` (defaults when missing).
    pub fn load(home: &Path) -> Self {
        read_json(&home.join("cli.json"))
    }

    /// Write `<home>/cli.json`.
    pub fn save(&self, home: &Path) -> CliResult<()> {
        write_json(&home.join("cli.json"), self)
    }
}

impl SyncRecord {
    /// Read `<dir>/sync.json`.
    pub fn load(dir: &Path) -> Self {
        read_json(&dir.join("sync.json"))
    }

    /// Write `<dir>/sync.json`.
    pub fn save(&self, dir: &Path) -> CliResult<()> {
        write_json(&dir.join("sync.json"), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_normalised_and_checked() {
        assert_eq!(
            normalize_server("localhost:8080/").unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_server("https://stories.example.com").unwrap(),
            "https://stories.example.com"
        );
        assert!(normalize_server("ftp://x").is_err());
        assert!(normalize_server("  ").is_err());
    }

    #[test]
    fn each_server_gets_its_own_directory() {
        assert_eq!(server_slug("http://127.0.0.1:8080"), "127.0.0.1_8080");
        assert_eq!(
            server_slug("https://stories.example.com/api"),
            "stories.example.com_api"
        );
        assert_ne!(
            server_slug("http://127.0.0.1:8080"),
            server_slug("http://127.0.0.1:8081")
        );
    }

    #[test]
    fn records_round_trip_and_damaged_files_read_as_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let rec = SyncRecord {
            last_sync_at: Some(Utc::now()),
            last_attempt_at: None,
            last_error: Some("offline".into()),
            account: Some("a@b.co".into()),
        };
        rec.save(dir.path()).unwrap();
        assert_eq!(SyncRecord::load(dir.path()), rec);
        std::fs::write(dir.path().join("sync.json"), b"{not json").unwrap();
        assert_eq!(SyncRecord::load(dir.path()), SyncRecord::default());
    }
}
