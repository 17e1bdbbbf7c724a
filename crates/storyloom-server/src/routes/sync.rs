//! The sync protocol of SYNC.md: change feed, mutation push, live stream.

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    extract::State,
    response::{
        Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures::{Stream, StreamExt as _};
use storyloom_domain::{
    Change, ChangedEvent, ChangesResponse, Envelope, LiveEventName, PushRequest, PushResponse,
};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser},
    live_streams::Next,
    routes::ok,
    service,
    state::AppState,
};

/// The change feed (its answers are cacheable).
pub fn feed_router() -> Router<AppState> {
    Router::new().route("/sync/changes", get(changes))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync/push", post(push))
        .route("/sync/stream", get(stream))
}

#[derive(Debug, serde::Deserialize)]
struct ChangesQuery {
    since: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/api/sync/changes", tag = "sync",
    params(("since" = Option<String>, Query, description = "cursor from the previous answer; absent = from the beginning"),
        ("limit" = Option<i64>, Query, description = "1–1000, default 500")),
    responses((status = 200, body = Envelope<ChangesResponse>), (status = 400), (status = 410)),
    security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> ApiResult<Response> {
    let q: ChangesQuery = serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
    let limit = match q.limit.as_deref().map(str::trim) {
        None | Some("") => 500,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::field("limit", "must be a whole number from 1 to 1000"))?,
    };
    let since = match q.since.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::field(
                "since",
                "must be a cursor returned by a previous /sync/changes answer",
            )
        })?,
    };
    let budget = page_budget(&state);
    // Story text's bytes are a lower bound of its size in JSON: the store reads a few changes
    // more than fit at most, never fewer, and the exact cut is made below.
    let page = state
        .store
        .changes_within(auth.id(), since, limit, budget as i64)
        .await?;
    if since > page.latest || (since > 0 && since < page.horizon) {
        return Err(ApiError::ResyncRequired);
    }
    let mut has_more = page.has_more;
    let mut changes = Vec::with_capacity(page.changes.len());
    let mut bytes = ENVELOPE_BYTES;
    for c in page.changes {
        // Signed here, while still typed: once JSON, a media key is just a string.
        let data = match c.entity {
            Some(mut e) => {
                crate::media::sign(&state, &mut e).await;
                Some(serde_json::to_value(e).map_err(|e| ApiError::Internal(e.to_string()))?)
            }
            None => None,
        };
        let change = Change {
            entity: c.kind,
            id: c.id,
            version: c.version,
            deleted: data.is_none(),
            data,
        };
        // The change and its comma.
        bytes += json_len(&change)? + 1;
        if bytes > budget && !changes.is_empty() {
            has_more = true;
            break;
        }
        changes.push(change);
    }
    let cursor = changes.last().map_or(since.max(0), |c| c.version);
    let answer = ChangesResponse {
        changes,
        cursor: cursor.to_string(),
        has_more,
    };
    Ok(ok(&state, answer).await)
}

/// Room for the envelope around a page's changes (`{"data":{"changes":[…],"cursor":…}`).
const ENVELOPE_BYTES: usize = 256;

/// A page's byte budget: the configured one, kept within half of what the answer cache
/// buffers so that a page is always cacheable.
fn page_budget(state: &AppState) -> usize {
    state
        .config
        .sync_page_bytes
        .clamp(ENVELOPE_BYTES * 4, crate::cache::MAX_CACHED_ANSWER / 2)
}

/// The length of `v` as JSON, counted without building the text.
fn json_len(v: &impl serde::Serialize) -> ApiResult<usize> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    serde_json::to_writer(&mut n, v).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(n.0)
}

#[utoipa::path(post, path = "/api/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = Envelope<PushResponse>), (status = 400)), security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<PushRequest>,
) -> ApiResult<Response> {
    Ok(ok(
        &state,
        service::sync::push(&state, auth.caller(), &body).await?,
    )
    .await)
}

#[utoipa::path(get, path = "/api/sync/stream", tag = "sync",
    responses((status = 200, description = "text/event-stream of `changed` and `job` events")),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let sub = state.hub.streams.open(
        auth.id(),
        &auth.session.token_hash,
        state.config.streams_per_session,
    );
    let hello = futures::stream::once(async {
        Ok(Event::default()
            .event(LiveEventName::Ready.name())
            .data("{}"))
    });
    let events = futures::stream::unfold(sub, |mut sub| async move {
        loop {
            let event = match sub.next().await? {
                Next::Event(ev) => ev.sse(),
                // Fell behind: a `changed` without a cursor tells the client to pull, which
                // catches up on everything.
                Next::Lagged => serde_json::to_string(&ChangedEvent::default())
                    .ok()
                    .map(|data| (LiveEventName::Changed, data)),
            };
            if let Some((name, data)) = event {
                return Some((Ok(Event::default().event(name.name()).data(data)), sub));
            }
        }
    });
    // The stream ends with its session: at its expiry here, at a revocation when the hub
    // closes the subscription.
    let left_ms = auth.session.expires_at - storyloom_domain::time::now().timestamp_millis();
    let expiry = tokio::time::sleep(Duration::from_millis(left_ms.max(0) as u64));
    Sse::new(hello.chain(events).take_until(expiry))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
