//! Typed HTTP client of the Storyloom API (API.md), one file per resource.
//!
//! The core here does what every call needs, so the resource files stay one-liners:
//! - it unwraps the response envelope and turns error envelopes into [`Error::Http`];
//! - it retries network failures, 408, 429 and 5xx with capped exponential backoff and jitter,
//!   honouring `Retry-After` ([`RetryConfig`]); requests that are not idempotent are retried
//!   only when the server cannot have acted on them (connection refused, 429, 503);
//! - it sends the bearer token, refreshes the session when it expires within
//!   [`RetryConfig::refresh_margin`], and on a 401 refreshes once and retries; a second 401 (or a
//!   refused refresh) clears the session and reports [`Error::SignedOut`].

mod auth;
mod events;
mod heroes;
mod stories;
mod sync;
mod user;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use storyloom_domain::{Envelope, Pagination};

use crate::error::{Error, Result, RetryKind};
use crate::session::{Session, SessionCell, SessionStore};

pub use stories::StoryListQuery;

/// Retry and session-refresh timing. Defaults follow SYNC.md; tests use tiny values.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// First backoff delay (default 1 s); it doubles per attempt.
    pub base_delay: Duration,
    /// Longest single wait (default 30 s). A `Retry-After` longer than this is not waited
    /// out: the error is returned so the caller (the sync engine) can try again later.
    pub max_delay: Duration,
    /// Retries after the first attempt (default 3).
    pub max_retries: u32,
    /// Per-request timeout (default 30 s).
    pub request_timeout: Duration,
    /// Refresh the session before a request when it expires within this (default 5 min).
    pub refresh_margin: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_retries: 3,
            request_timeout: Duration::from_secs(30),
            refresh_margin: Duration::from_secs(5 * 60),
        }
    }
}

impl RetryConfig {
    /// The wait before retry number `attempt` (0-based): `base · 2^attempt`, capped, with
    /// "equal jitter" (half fixed, half random) so many devices coming back online at once do
    /// not hit the server in lockstep. A server-sent `Retry-After` is a floor.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(20)));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        let jitter = half.mul_f64(fastrand::f64());
        let d = half + jitter;
        match retry_after {
            Some(ra) => d.max(ra),
            None => d,
        }
    }
}

/// A list answer: the items and the page they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// The page, as the server reported it.
    pub pagination: Option<Pagination>,
}

/// `limit`/`offset` of a list call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// 1–100; the server's default (20) when `None`.
    pub limit: Option<u32>,
    /// ≥ 0.
    pub offset: Option<u32>,
}

impl ListQuery {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(o) = self.offset {
            q.push(("offset", o.to_string()));
        }
        q
    }
}

/// Whether repeating a request can change the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// GET, PATCH, DELETE, creates with a client id, sync push (mutation ids): retry freely.
    Safe,
    /// Play counts, generation triggers: retry only when the server did not act on it.
    Unsafe,
}

/// One request, before it is sent.
#[derive(Debug, Clone)]
struct Req {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    auth: bool,
    retry: Retry,
}

impl Req {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            auth: true,
            retry: Retry::Safe,
        }
    }
    fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }
    fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }
    fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }
    fn json<B: serde::Serialize>(mut self, body: &B) -> Result<Self> {
        self.body = Some(serde_json::to_value(body)?);
        Ok(self)
    }
    fn query(mut self, q: Vec<(&'static str, String)>) -> Self {
        self.query.extend(q);
        self
    }
    fn anonymous(mut self) -> Self {
        self.auth = false;
        self
    }
    fn unsafe_to_repeat(mut self) -> Self {
        self.retry = Retry::Unsafe;
        self
    }
}

/// The HTTP client of the Storyloom API. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Client of the live stream, built on first use: it must not have `http`'s whole-request
    /// timeout (a stream is meant to stay open), only an idle timeout per read.
    stream_http: std::sync::OnceLock<reqwest::Client>,
    base: String,
    retry: RetryConfig,
    session: SessionCell,
    /// Serialises refreshes: concurrent 401s lead to one refresh, not one each.
    refresh_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client of the server at `server_url` (`http://host:port`, with or without `/api`).
    pub fn new(
        server_url: &str,
        session_store: Arc<dyn SessionStore>,
        retry: RetryConfig,
    ) -> Result<Self> {
        let mut base = server_url.trim_end_matches('/').to_owned();
        if !base.ends_with("/api") && !base.ends_with("/api/v1") {
            base.push_str("/api");
        }
        let http = reqwest::Client::builder()
            .timeout(retry.request_timeout)
            .connect_timeout(retry.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("storyloom-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Network)?;
        let session = SessionCell::new(session_store)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                stream_http: std::sync::OnceLock::new(),
                base,
                retry,
                session,
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The API base URL (ends in `/api`).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The retry settings.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The current session, if signed in.
    pub fn session(&self) -> Option<Session> {
        self.inner.session.get()
    }

    /// Adopt a session obtained elsewhere (e.g. carried over from a previous app install);
    /// it is saved to the session store.
    pub fn set_session(&self, session: Session) -> Result<()> {
        self.inner.session.set(session)
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Send `req`, decode the envelope's `data` as `T`.
    async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T> {
        Ok(self.call_page(req).await?.0)
    }

    /// Send `req`, decode `data` as `T` and return the pagination too.
    async fn call_page<T: DeserializeOwned>(&self, req: Req) -> Result<(T, Option<Pagination>)> {
        let env = self.execute(&req).await?;
        let data = env.data.unwrap_or(Value::Null);
        let value = serde_json::from_value(data)
            .map_err(|e| Error::Decode(format!("{} {}: {e}", req.method, req.path)))?;
        Ok((value, env.pagination))
    }

    /// The auth layer: proactive refresh, one refresh on 401, then signed out.
    async fn execute(&self, req: &Req) -> Result<Envelope<Value>> {
        let mut refreshed = false;
        loop {
            let token = if req.auth {
                Some(self.token_for_request().await?)
            } else {
                None
            };
            match self.send_with_retries(req, token.as_deref()).await {
                Ok(env) => return Ok(env),
                Err(e) if req.auth && e.retry_kind() == RetryKind::Unauthorized => {
                    if refreshed {
                        tracing::info!("session refused after refresh: signed out");
                        self.inner.session.clear()?;
                        return Err(Error::SignedOut);
                    }
                    refreshed = true;
                    self.refresh_replacing(token.as_deref()).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The token to send, refreshed first if it is about to expire.
    async fn token_for_request(&self) -> Result<String> {
        let Some(s) = self.inner.session.get() else {
            return Err(Error::SignedOut);
        };
        if !self.expires_soon(&s) {
            return Ok(s.session.token);
        }
        let _guard = self.inner.refresh_lock.lock().await;
        let Some(s) = self.inner.session.get() else {
            return Err(Error::SignedOut);
        };
        if !self.expires_soon(&s) {
            return Ok(s.session.token);
        }
        match self.refresh_locked(&s.session.token).await {
            Ok(new) => Ok(new.session.token),
            // Offline or a failing server: the old token may still work; let the request try.
            Err(e)
                if matches!(
                    e.retry_kind(),
                    RetryKind::Network | RetryKind::Transient { .. }
                ) =>
            {
                Ok(s.session.token)
            }
            Err(e) => Err(e),
        }
    }

    fn expires_soon(&self, s: &Session) -> bool {
        let margin = chrono::Duration::from_std(self.inner.retry.refresh_margin)
            .unwrap_or(chrono::Duration::zero());
        s.session.expires_at - chrono::Utc::now() <= margin
    }

    /// After a 401 with `failed_token`: refresh unless another task already did.
    async fn refresh_replacing(&self, failed_token: Option<&str>) -> Result<()> {
        let _guard = self.inner.refresh_lock.lock().await;
        let Some(s) = self.inner.session.get() else {
            return Err(Error::SignedOut);
        };
        if Some(s.session.token.as_str()) != failed_token {
            return Ok(());
        }
        self.refresh_locked(&s.session.token).await.map(|_| ())
    }

    /// Ask for a new token now.
    pub async fn refresh_session(&self) -> Result<Session> {
        let _guard = self.inner.refresh_lock.lock().await;
        let Some(s) = self.inner.session.get() else {
            return Err(Error::SignedOut);
        };
        self.refresh_locked(&s.session.token).await
    }

    /// `POST /auth/session/refresh` with `token`; the caller holds `refresh_lock`. A 401 here
    /// means the session is dead: it is cleared and [`Error::SignedOut`] returned.
    async fn refresh_locked(&self, token: &str) -> Result<Session> {
        let req = Req::post("/auth/session/refresh");
        match self.send_with_retries(&req, Some(token)).await {
            Ok(env) => {
                let session: Session = serde_json::from_value(env.data.unwrap_or(Value::Null))
                    .map_err(|e| Error::Decode(format!("refresh: {e}")))?;
                self.inner.session.set(session.clone())?;
                tracing::debug!("session refreshed");
                Ok(session)
            }
            Err(e) if e.retry_kind() == RetryKind::Unauthorized => {
                self.inner.session.clear()?;
                Err(Error::SignedOut)
            }
            Err(e) => Err(e),
        }
    }

    /// The retry layer: backoff on network errors and transient statuses.
    async fn send_with_retries(&self, req: &Req, token: Option<&str>) -> Result<Envelope<Value>> {
        let cfg = &self.inner.retry;
        let mut attempt = 0;
        loop {
            let err = match self.send_once(req, token).await {
                Ok(env) => return Ok(env),
                Err(e) => e,
            };
            let retry_after = match err.retry_kind() {
                RetryKind::Network => None,
                RetryKind::Transient { retry_after } => retry_after,
                RetryKind::Permanent | RetryKind::Unauthorized => return Err(err),
            };
            if attempt >= cfg.max_retries || !repeatable(req.retry, &err) {
                return Err(err);
            }
            if retry_after.is_some_and(|ra| ra > cfg.max_delay) {
                // An hour-long rate limit is not something to sleep through inside a call.
                return Err(err);
            }
            let wait = cfg.backoff(attempt, retry_after);
            tracing::debug!(path = %req.path, attempt, ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send_once(&self, req: &Req, token: Option<&str>) -> Result<Envelope<Value>> {
        let url = format!("{}{}", self.inner.base, req.path);
        let mut rb = self.inner.http.request(req.method.clone(), url);
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(body) = &req.body {
            rb = rb.json(body);
        }
        let resp = rb.send().await.map_err(Error::Network)?;
        let status = resp.status();
        let retry_after = parse_retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(Error::Network)?;
        if status.is_success() {
            if bytes.is_empty() {
                return Ok(Envelope {
                    data: None,
                    error: None,
                    pagination: None,
                });
            }
            return serde_json::from_slice(&bytes)
                .map_err(|e| Error::Decode(format!("{} {}: {e}", req.method, req.path)));
        }
        Err(http_error(status, &bytes, retry_after))
    }
}

/// Whether `err` may be retried for a request of this kind.
fn repeatable(kind: Retry, err: &Error) -> bool {
    match kind {
        Retry::Safe => true,
        Retry::Unsafe => match err {
            // The request never left: nothing can have happened on the server.
            Error::Network(e) => e.is_connect(),
            // Rate limited or unavailable: refused before doing anything.
            Error::Http { status, .. } => *status == 429 || *status == 503,
            _ => false,
        },
    }
}

fn http_error(status: StatusCode, bytes: &[u8], retry_after: Option<Duration>) -> Error {
    let body = serde_json::from_slice::<Envelope<Value>>(bytes)
        .ok()
        .and_then(|e| e.error);
    Error::Http {
        status: status.as_u16(),
        body,
        retry_after,
    }
}

/// `Retry-After` in seconds (the only form the server sends); an HTTP date is ignored.
fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Ignore whatever `data` holds (e.g. `{id, deleted}` of a DELETE).
type Ignored = serde::de::IgnoredAny;

#[cfg(test)]
mod tests;
