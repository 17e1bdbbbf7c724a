//! In-process caches that keep the database off the hot read path.
//!
//! - **Sessions**: token hash → session and user, so an authenticated request does not query
//!   the database. Revocations (sign-out, refresh, account deletion, profile change) remove
//!   entries here at once and, through the [`crate::events_hub::Hub`], on every other server
//!   process; a short time-to-live bounds staleness if such an event were lost.
//! - **Versions**: user → latest version. Every write moves it forward (locally before the
//!   answer is sent, on other processes through the hub); a short time-to-live re-reads it
//!   from the database as a backstop.
//! - **Responses**: (user, request) → the answer's bytes, tagged with the user's version read
//!   *before* the handler ran. A hit needs the tag to equal the current version, so an answer
//!   is never older than the data it stands for; a write moves the version and so invalidates
//!   every cached answer of that user at once.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes, HttpBody as _, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use moka::sync::Cache;
use storyloom_domain::UserId;
use storyloom_store::SessionRecord;

use crate::auth::Account;

use crate::{extract::token_hash, state::AppState};

/// A cached session.
#[derive(Debug, Clone)]
pub struct AuthEntry {
    /// The session.
    pub session: SessionRecord,
    /// Its user.
    pub user: Account,
}

#[derive(Debug)]
struct CachedAnswer {
    version: i64,
    body: Bytes,
}

/// The largest answer the cache buffers; larger ones pass through uncached. Sync pages are
/// bounded well below it (`Config::sync_page_bytes`).
pub const MAX_CACHED_ANSWER: usize = 16 * 1024 * 1024;

/// The caches.
#[derive(Clone)]
pub struct Caches {
    auth: Cache<String, Arc<AuthEntry>>,
    versions: Versions,
    answers: Cache<(UserId, String), Arc<CachedAnswer>>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("sessions", &self.auth.entry_count())
            .finish_non_exhaustive()
    }
}

impl Default for Caches {
    fn default() -> Self {
        Self::new()
    }
}

impl Caches {
    /// Empty caches with the default bounds.
    pub fn new() -> Self {
        Self {
            auth: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(10))
                .support_invalidation_closures()
                .build(),
            versions: Versions::new(100_000, Duration::from_secs(5)),
            answers: Cache::builder()
                .weigher(|_, v: &Arc<CachedAnswer>| v.body.len().try_into().unwrap_or(u32::MAX))
                .max_capacity(64 * 1024 * 1024)
                // Answers hold signed media URLs; keep them well inside the URLs' lifetime.
                .time_to_live(Duration::from_secs(60))
                .support_invalidation_closures()
                .build(),
        }
    }

    /// The cached session for a token hash, if still valid at `now_ms`.
    pub fn session(&self, hash: &str, now_ms: i64) -> Option<Arc<AuthEntry>> {
        let e = self.auth.get(hash)?;
        if e.session.expires_at > now_ms {
            Some(e)
        } else {
            self.auth.invalidate(hash);
            None
        }
    }

    /// Remember a session looked up in the database.
    pub fn put_session(&self, entry: AuthEntry) {
        self.auth
            .insert(entry.session.token_hash.clone(), Arc::new(entry));
    }

    /// Forget one session (sign-out, refresh).
    pub fn forget_session(&self, hash: &str) {
        self.auth.invalidate(hash);
    }

    /// Forget every session and answer of a user (profile change, account deletion).
    pub fn forget_user(&self, user: UserId) {
        let _ = self
            .auth
            .invalidate_entries_if(move |_, e| e.user.id == user);
        let _ = self.answers.invalidate_entries_if(move |k, _| k.0 == user);
        self.versions.forget(user);
    }

    /// The user's latest version, if known.
    pub fn version(&self, user: UserId) -> Option<i64> {
        self.versions.get(user)
    }

    /// Move the user's known version forward (never back).
    pub fn note_version(&self, user: UserId, version: i64) {
        self.versions.note(user, version);
    }

    /// Forget everything (e.g. when cross-process events may have been missed).
    pub fn clear(&self) {
        self.auth.invalidate_all();
        self.versions.clear();
        self.answers.invalidate_all();
    }
}

/// User → (latest known version, when it was learnt), expiring after a time-to-live.
///
/// A plain map under a mutex rather than a `moka` cache: every write moves a version, and
/// moka's upsert (per-key lock, write log, housekeeping) was 7 % of the server's time under
/// `POST /api/heroes`. The map is small (one entry per active user) and the critical
/// sections are a hash lookup.
#[derive(Clone)]
struct Versions {
    map: Arc<std::sync::Mutex<std::collections::HashMap<UserId, (i64, Instant)>>>,
    capacity: usize,
    ttl: Duration,
}

impl Versions {
    fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            map: Arc::default(),
            capacity,
            ttl,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<UserId, (i64, Instant)>> {
        // Every update leaves the map consistent; a panic elsewhere cannot poison its meaning.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, user: UserId) -> Option<i64> {
        let map = self.lock();
        map.get(&user)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| *v)
    }

    /// Move forward, never back: a user's version in the database only grows, so even an
    /// expired entry is a lower bound worth keeping (an event arriving late must not make an
    /// older cached answer look current). A fresh entry keeps its age, so the time-to-live
    /// still bounds how long a version missed from another process can hide.
    fn note(&self, user: UserId, version: i64) {
        let mut map = self.lock();
        if let Some((v, at)) = map.get_mut(&user) {
            *v = (*v).max(version);
            if at.elapsed() >= self.ttl {
                *at = Instant::now();
            }
            return;
        }
        if map.len() >= self.capacity {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| at.elapsed() < ttl);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(user, (version, Instant::now()));
    }

    fn forget(&self, user: UserId) {
        self.lock().remove(&user);
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

/// The request part of an answer's cache key: path, query and the seed's list headers.
fn request_key(req: &Request) -> String {
    let mut key = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    for h in ["x-query-limit", "x-query-offset", "x-query-hero-id"] {
        if let Some(v) = req.headers().get(h).and_then(|v| v.to_str().ok()) {
            key.push('\n');
            key.push_str(h);
            key.push('=');
            key.push_str(v);
        }
    }
    key
}

fn bearer_hash(req: &Request) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token_hash(token.trim()))
}

fn json_response(body: Bytes) -> Response {
    let mut resp = (StatusCode::OK, Body::from(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Serve repeated authenticated GETs of entity data from the answer cache.
pub async fn cached_get(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let caches = &state.hub.caches;
    let now = storyloom_domain::time::now().timestamp_millis();
    let Some(user) = bearer_hash(&req)
        .and_then(|h| caches.session(&h, now))
        .map(|a| a.user.id)
    else {
        return next.run(req).await;
    };
    // The version expires sooner than the session (a backstop for missed cross-process
    // events); re-read it here, or every request would miss the cache until the session is
    // looked up again (found by the benchmark: half of a 10 s run went to the database).
    let version = match caches.version(user) {
        Some(v) => v,
        None => match state.store.latest_version(user).await {
            Ok(v) => {
                caches.note_version(user, v);
                v
            }
            Err(_) => return next.run(req).await,
        },
    };
    let key = (user, request_key(&req));
    if let Some(hit) = caches.answers.get(&key)
        && hit.version == version
    {
        return json_response(hit.body.clone());
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // Buffering an answer must never be what fails it: one of unknown or too large a size is
    // sent as it is, uncached.
    if body
        .size_hint()
        .upper()
        .is_none_or(|n| n > MAX_CACHED_ANSWER as u64)
    {
        return Response::from_parts(parts, body);
    }
    match to_bytes(body, MAX_CACHED_ANSWER).await {
        Ok(bytes) => {
            // A copy of exactly the answer's length: the serialized body is a frozen buffer
            // with up to twice that in spare capacity, which the cache's byte bound (counted
            // by length) would not see: with feed pages cached, RSS grew to ~3x the bound.
            caches.answers.insert(
                key,
                Arc::new(CachedAnswer {
                    version,
                    body: Bytes::copy_from_slice(&bytes),
                }),
            );
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => {
            crate::error::ApiError::Internal("could not buffer an answer".into()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_only_move_forward() {
        let c = Caches::new();
        let u = UserId::new();
        c.note_version(u, 5);
        c.note_version(u, 3);
        assert_eq!(c.version(u), Some(5));
        c.note_version(u, 9);
        assert_eq!(c.version(u), Some(9));
        c.forget_user(u);
        assert_eq!(c.version(u), None);
    }

    #[test]
    fn versions_expire_and_stay_bounded() {
        let v = Versions::new(3, Duration::from_millis(50));
        let u = UserId::new();
        v.note(u, 4);
        assert_eq!(v.get(u), Some(4));
        std::thread::sleep(Duration::from_millis(60));
        // Expired: unknown until noted again, and a late, older version never moves it back.
        assert_eq!(v.get(u), None);
        v.note(u, 2);
        assert_eq!(v.get(u), Some(4));
        v.note(u, 7);
        assert_eq!(v.get(u), Some(7));
        for _ in 0..10 {
            v.note(UserId::new(), 1);
        }
        assert!(v.lock().len() <= 3);
    }
}
