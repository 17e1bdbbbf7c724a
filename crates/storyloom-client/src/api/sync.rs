//! `/sync/changes` and `/sync/push` (SYNC.md).

use storyloom_domain::{ChangesResponse, PushRequest, PushResponse};

use super::{ApiClient, Req};
use crate::error::Result;

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
}
