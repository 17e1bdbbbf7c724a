//! A disk cache of media (avatars, narration, illustrations), so a story plays offline.
//!
//! Media URLs are signed and expire (API.md "Media"), so the cache key is the *stable* part of
//! the URL — scheme, host and path, without the query (`expires`, `sig`) — hashed with
//! SHA-256; the file is `<dir>/<hash>`. A small JSON index remembers each file's kind, size,
//! download time and last access. Policies per kind: avatars are kept, audio for 30 days,
//! illustrations for 14 days; over the size budget the least recently used files go first,
//! avatars last.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a cached file is, which decides how long it stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaKind {
    /// A hero's picture.
    Avatar,
    /// A story's narration.
    Audio,
    /// A story's picture.
    Illustration,
}

/// Retention rules.
#[derive(Debug, Clone)]
pub struct MediaPolicy {
    /// Avatars' maximum age (default: kept).
    pub avatar_max_age: Option<Duration>,
    /// Audio's maximum age (default 30 days).
    pub audio_max_age: Option<Duration>,
    /// Illustrations' maximum age (default 14 days).
    pub illustration_max_age: Option<Duration>,
    /// Total size the cache may take (default 500 MiB).
    pub budget_bytes: u64,
}

impl Default for MediaPolicy {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            avatar_max_age: None,
            audio_max_age: Some(Duration::from_secs(30 * DAY)),
            illustration_max_age: Some(Duration::from_secs(14 * DAY)),
            budget_bytes: 500 * 1024 * 1024,
        }
    }
}

impl MediaPolicy {
    fn max_age(&self, kind: MediaKind) -> Option<Duration> {
        match kind {
            MediaKind::Avatar => self.avatar_max_age,
            MediaKind::Audio => self.audio_max_age,
            MediaKind::Illustration => self.illustration_max_age,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Entry {
    kind: MediaKind,
    size: u64,
    fetched_at: i64,
    last_access: i64,
}

/// Content-addressed media files with expiry and an LRU size budget.
pub struct MediaCache {
    dir: PathBuf,
    policy: MediaPolicy,
    http: reqwest::Client,
    index: Mutex<BTreeMap<String, Entry>>,
}

impl std::fmt::Debug for MediaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaCache")
            .field("dir", &self.dir)
            .field("policy", &self.policy)
            .finish()
    }
}

/// The cache key of a media URL: SHA-256 of the URL without query and fragment.
pub fn cache_key(url: &str) -> String {
    let stable = url.split(['?', '#']).next().unwrap_or(url);
    hex::encode(Sha256::digest(stable.as_bytes()))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl MediaCache {
    /// A cache in `dir` (created if missing); the index is read back from a previous run.
    pub fn open(
        dir: impl Into<PathBuf>,
        policy: MediaPolicy,
        http: reqwest::Client,
    ) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        let index = match std::fs::read(dir.join("index.json")) {
            Ok(b) => serde_json::from_slice(&b).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "media index unreadable; starting empty");
                BTreeMap::new()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(Self {
            dir,
            policy,
            http,
            index: Mutex::new(index),
        })
    }

    /// The directory files are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, Entry>>> {
        self.index
            .lock()
            .map_err(|_| Error::Invalid("media index lock poisoned".into()))
    }

    fn save(&self, index: &BTreeMap<String, Entry>) -> Result<()> {
        crate::session::write_private_atomically(
            &self.dir.join("index.json"),
            &serde_json::to_vec(index)?,
        )
    }

    fn fresh(&self, e: &Entry, now: i64) -> bool {
        match self.policy.max_age(e.kind) {
            Some(age) => now - e.fetched_at < age.as_millis() as i64,
            None => true,
        }
    }

    /// The local file for `url` if it is cached and not expired (no network); counts as an
    /// access for the LRU order.
    pub fn cached(&self, url: &str) -> Result<Option<PathBuf>> {
        self.cached_at(url, now_ms())
    }

    fn cached_at(&self, url: &str, now: i64) -> Result<Option<PathBuf>> {
        let key = cache_key(url);
        let mut index = self.lock()?;
        let path = self.dir.join(&key);
        let fresh = index.get(&key).is_some_and(|e| self.fresh(e, now)) && path.exists();
        if !fresh {
            return Ok(None);
        }
        if let Some(e) = index.get_mut(&key) {
            e.last_access = now;
        }
        self.save(&index)?;
        Ok(Some(path))
    }

    /// The local file for `url`, downloading it when missing or expired.
    pub async fn get(&self, kind: MediaKind, url: &str) -> Result<PathBuf> {
        if let Some(p) = self.cached(url)? {
            return Ok(p);
        }
        let resp = self.http.get(url).send().await.map_err(Error::Network)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Error::Http {
                status: status.as_u16(),
                body: None,
                retry_after: None,
            });
        }
        let bytes = resp.bytes().await.map_err(Error::Network)?;
        self.put(kind, url, &bytes)
    }

    /// Store `bytes` as the media at `url`.
    pub fn put(&self, kind: MediaKind, url: &str, bytes: &[u8]) -> Result<PathBuf> {
        self.put_at(kind, url, bytes, now_ms())
    }

    fn put_at(&self, kind: MediaKind, url: &str, bytes: &[u8], now: i64) -> Result<PathBuf> {
        let key = cache_key(url);
        let path = self.dir.join(&key);
        let tmp = self.dir.join(format!(".{key}.tmp"));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        let mut index = self.lock()?;
        index.insert(
            key,
            Entry {
                kind,
                size: bytes.len() as u64,
                fetched_at: now,
                last_access: now,
            },
        );
        self.evict_locked(&mut index, now)?;
        self.save(&index)?;
        Ok(path)
    }

    /// Remove expired files and keep the total under the budget; returns how many went.
    pub fn evict(&self) -> Result<usize> {
        self.evict_at(now_ms())
    }

    fn evict_at(&self, now: i64) -> Result<usize> {
        let mut index = self.lock()?;
        let n = self.evict_locked(&mut index, now)?;
        self.save(&index)?;
        Ok(n)
    }

    fn evict_locked(&self, index: &mut BTreeMap<String, Entry>, now: i64) -> Result<usize> {
        let mut gone: Vec<String> = index
            .iter()
            .filter(|(_, e)| !self.fresh(e, now))
            .map(|(k, _)| k.clone())
            .collect();
        let mut total: u64 = index
            .iter()
            .filter(|(k, _)| !gone.contains(k))
            .map(|(_, e)| e.size)
            .sum();
        if total > self.policy.budget_bytes {
            let mut lru: Vec<(&String, &Entry)> =
                index.iter().filter(|(k, _)| !gone.contains(k)).collect();
            // Avatars last: they are small and shown everywhere.
            lru.sort_by_key(|(_, e)| (e.kind == MediaKind::Avatar, e.last_access));
            for (k, e) in lru {
                if total <= self.policy.budget_bytes {
                    break;
                }
                total -= e.size;
                gone.push(k.clone());
            }
        }
        for k in &gone {
            index.remove(k);
            match std::fs::remove_file(self.dir.join(k)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(gone.len())
    }

    /// Bytes the cache holds.
    pub fn total_size(&self) -> Result<u64> {
        Ok(self.lock()?.values().map(|e| e.size).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    fn cache(dir: &Path, budget: u64) -> MediaCache {
        let policy = MediaPolicy {
            budget_bytes: budget,
            ..Default::default()
        };
        MediaCache::open(dir, policy, reqwest::Client::new()).unwrap()
    }

    #[test]
    fn key_ignores_signature() {
        assert_eq!(
            cache_key("http://h/api/media/users/u/audio/1.mp3?expires=1&sig=a"),
            cache_key("http://h/api/media/users/u/audio/1.mp3?expires=2&sig=b")
        );
        assert_ne!(cache_key("http://h/a.png"), cache_key("http://h/b.png"));
    }

    #[test]
    fn least_recently_used_goes_first_and_avatars_last() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), 30);
        c.put_at(MediaKind::Avatar, "http://h/avatar", &[0; 10], 0)
            .unwrap();
        c.put_at(MediaKind::Illustration, "http://h/i1", &[0; 10], 1)
            .unwrap();
        c.put_at(MediaKind::Audio, "http://h/a1", &[0; 10], 2)
            .unwrap();
        // Touch i1 so a1 becomes the least recently used non-avatar.
        assert!(c.cached_at("http://h/i1?sig=x", 3).unwrap().is_some());
        c.put_at(MediaKind::Illustration, "http://h/i2", &[0; 10], 4)
            .unwrap();
        assert!(
            c.cached_at("http://h/a1", 5).unwrap().is_none(),
            "LRU evicted"
        );
        assert!(
            c.cached_at("http://h/avatar", 5).unwrap().is_some(),
            "avatar kept"
        );
        assert!(c.cached_at("http://h/i1", 5).unwrap().is_some());
        assert!(c.cached_at("http://h/i2", 6).unwrap().is_some());
        assert_eq!(c.total_size().unwrap(), 30);
        // The avatar is older than everything, yet the next eviction takes i1 (LRU among
        // non-avatars) before it.
        c.put_at(MediaKind::Audio, "http://h/a2", &[0; 10], 7)
            .unwrap();
        assert!(c.cached_at("http://h/avatar", 8).unwrap().is_some());
        assert!(c.cached_at("http://h/i1", 8).unwrap().is_none());
        // The files are gone from disk too.
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 3 + 1, "three media files and the index");
    }

    #[test]
    fn expiry_follows_the_kind() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), u64::MAX);
        c.put_at(MediaKind::Avatar, "http://h/av", b"a", 0).unwrap();
        c.put_at(MediaKind::Audio, "http://h/au", b"b", 0).unwrap();
        c.put_at(MediaKind::Illustration, "http://h/il", b"c", 0)
            .unwrap();
        assert_eq!(c.evict_at(13 * DAY).unwrap(), 0);
        assert!(
            c.cached_at("http://h/il", 15 * DAY).unwrap().is_none(),
            "14 days"
        );
        assert!(c.cached_at("http://h/au", 15 * DAY).unwrap().is_some());
        assert_eq!(c.evict_at(31 * DAY).unwrap(), 2);
        assert!(
            c.cached_at("http://h/au", 31 * DAY).unwrap().is_none(),
            "30 days"
        );
        assert!(
            c.cached_at("http://h/av", 400 * DAY).unwrap().is_some(),
            "avatars are kept"
        );
    }

    #[test]
    fn index_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = cache(dir.path(), u64::MAX);
            c.put(MediaKind::Avatar, "http://h/av", b"abc").unwrap();
        }
        let c = cache(dir.path(), u64::MAX);
        let p = c.cached("http://h/av?sig=new").unwrap().unwrap();
        assert_eq!(std::fs::read(p).unwrap(), b"abc");
    }

    #[tokio::test]
    async fn downloads_once_then_serves_from_disk() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/media/users/u/audio/1.mp3"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(b"mp3".to_vec()))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), u64::MAX);
        let url = format!("{}/api/media/users/u/audio/1.mp3", server.uri());
        let p1 = c
            .get(MediaKind::Audio, &format!("{url}?expires=1&sig=a"))
            .await
            .unwrap();
        let p2 = c
            .get(MediaKind::Audio, &format!("{url}?expires=2&sig=b"))
            .await
            .unwrap();
        assert_eq!(p1, p2);
        assert_eq!(std::fs::read(p1).unwrap(), b"mp3");
    }
}
