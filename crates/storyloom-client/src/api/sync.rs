//! `/sync/changes`, `/sync/push` and `/sync/stream` (SYNC.md).

use std::time::Duration;

use storyloom_domain::{ChangesResponse, PushRequest, PushResponse};

use super::{ApiClient, Req, http_error, parse_retry_after};
use crate::error::{Error, Result, RetryKind};

/// A live stream that sent nothing — not even the server's 15 s keep-alive comment — for
/// this long is dead (a silently dropped connection, a sleeping NAT) and is reopened.
const STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(45);

impl ApiClient {
    /// `GET /sync/changes?since=&limit=`: the next page of the change feed. `since: None`
    /// starts from the beginning.
    pub async fn sync_changes(&self, since: Option<&str>, limit: u32) -> Result<ChangesResponse> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(s) = since.filter(|s| !s.is_empty()) {
            q.push(("since", s.to_owned()));
        }
        self.call(Req::get("/sync/changes").query(q)).await
    }

    /// `POST /sync/push`: at most 500 mutations; idempotent through their mutation ids, so
    /// it is retried freely.
    pub async fn sync_push(&self, body: &PushRequest) -> Result<PushResponse> {
        self.call(Req::post("/sync/push").json(body)?).await
    }

    /// `GET /sync/stream`: open the live stream and return the response whose body is the
    /// `text/event-stream`. One attempt (the caller owns reconnecting and its backoff), but
    /// with the session handling of every call: an expiring token is refreshed first, a 401
    /// refreshes once, a second 401 signs out.
    pub(crate) async fn open_stream(&self) -> Result<reqwest::Response> {
        let http = self.stream_http()?;
        let url = format!("{}/sync/stream", self.inner.base);
        let mut refreshed = false;
        loop {
            let token = self.token_for_request().await?;
            let resp = http
                .get(&url)
                .bearer_auth(&token)
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .send()
                .await
                .map_err(Error::Network)?;
            let status = resp.status();
            if status.is_success() {
                return Ok(resp);
            }
            let retry_after = parse_retry_after(resp.headers());
            let bytes = resp.bytes().await.map_err(Error::Network)?;
            let err = http_error(status, &bytes, retry_after);
            if err.retry_kind() != RetryKind::Unauthorized {
                return Err(err);
            }
            if refreshed {
                self.inner.session.clear()?;
                return Err(Error::SignedOut);
            }
            refreshed = true;
            self.refresh_replacing(Some(&token)).await?;
        }
    }

    fn stream_http(&self) -> Result<reqwest::Client> {
        if let Some(c) = self.inner.stream_http.get() {
            return Ok(c.clone());
        }
        let built = reqwest::Client::builder()
            .connect_timeout(
                self.inner
                    .retry
                    .request_timeout
                    .min(Duration::from_secs(10)),
            )
            .read_timeout(STREAM_IDLE_TIMEOUT)
            .user_agent(concat!("storyloom-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Network)?;
        // A concurrent first use may have won the race; either client is fine.
        Ok(self.inner.stream_http.get_or_init(|| built).clone())
    }
}
