//! Following the server's live stream, so a device pulls as soon as another one writes.
//!
//! `GET /api/sync/stream` is Server-Sent Events: `ready` when opened, `changed {cursor}` after
//! every commit of the user's data, `job {entity, id, kind, status}` for generation progress,
//! and a keep-alive comment every 15 s. What the follower does with them:
//! - a `changed` whose cursor is newer than the local cursor triggers `sync_all`; one that is
//!   not (the device's own push coming back after its pull already caught up) is skipped;
//!   a `changed` without a readable cursor (the server's "you fell behind") always syncs;
//! - every successful (re)connect runs one catch-up sync, because events sent while the
//!   stream was down are gone for good; a failed sync is retried after a backoff;
//! - a dropped or refused stream is reopened after the API client's backoff (capped at
//!   [`crate::RetryConfig::max_delay`]), forever, until the handle is dropped; a signed-out
//!   session just keeps it waiting at the cap until the app signs in again;
//! - `job` events are handed to [`LiveSync::jobs`] subscribers (the new data itself arrives
//!   through the `changed` the server sends right after).
//!
//! Two tasks, so that the reader never waits for a sync (a slow reader makes the server drop
//! events) and so that the events that arrive during a sync coalesce into one more run.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Deserialize;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::SyncEngine;
use crate::api::{ApiClient, RetryConfig};
use crate::db::{Db, meta};

/// What the live follower is doing, for a "live" indicator and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// The stream is open.
    pub connected: bool,
    /// How many times the stream was opened.
    pub connections: u64,
    /// Syncs the follower ran (catch-ups and ones triggered by `changed`).
    pub syncs: u64,
    /// Why the last stream attempt or the last sync failed, if it did.
    pub last_error: Option<String>,
}

/// Progress of a generation job (`job` event).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JobEvent {
    /// `story` or `hero`.
    pub entity: String,
    /// The entity's id.
    pub id: Uuid,
    /// Job kind (`narration`, `illustration`, `avatar`, …).
    pub kind: String,
    /// Job status (`done`, `failed`, …).
    pub status: String,
}

/// Handle of the live follower; dropping it closes the stream and stops both tasks.
#[derive(Debug)]
pub struct LiveSync {
    reader: JoinHandle<()>,
    syncer: JoinHandle<()>,
    status: watch::Receiver<LiveStatus>,
    jobs: broadcast::Sender<JobEvent>,
}

impl LiveSync {
    /// Watch the follower's status.
    pub fn status(&self) -> watch::Receiver<LiveStatus> {
        self.status.clone()
    }

    /// Receive generation progress.
    pub fn jobs(&self) -> broadcast::Receiver<JobEvent> {
        self.jobs.subscribe()
    }
}

impl Drop for LiveSync {
    fn drop(&mut self) {
        self.reader.abort();
        self.syncer.abort();
    }
}

/// What the reader asks of the syncer; merged until the syncer takes it.
#[derive(Debug, Default)]
struct Wanted {
    /// Sync whatever the cursors say (catch-up, or a `changed` without a cursor).
    force: bool,
    /// The newest cursor a `changed` announced.
    cursor: Option<String>,
}

struct Shared {
    wanted: Mutex<Wanted>,
    wake: Notify,
    status: watch::Sender<LiveStatus>,
    jobs: broadcast::Sender<JobEvent>,
}

impl Shared {
    fn wanted(&self) -> MutexGuard<'_, Wanted> {
        // A panic while holding this lock cannot leave `Wanted` half-written; keep going.
        self.wanted.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn want(&self, cursor: Option<String>) {
        {
            let mut w = self.wanted();
            match cursor {
                Some(c) => w.cursor = Some(c),
                None => w.force = true,
            }
        }
        self.wake.notify_one();
    }

    fn handle(&self, ev: SseEvent) {
        match ev.event.as_str() {
            "changed" => {
                let cursor = serde_json::from_str::<serde_json::Value>(&ev.data)
                    .ok()
                    .and_then(|v| v.get("cursor")?.as_str().map(str::to_owned));
                self.want(cursor);
            }
            "job" => match serde_json::from_str::<JobEvent>(&ev.data) {
                Ok(job) => {
                    let _ = self.jobs.send(job);
                }
                Err(e) => tracing::debug!(error = %e, data = %ev.data, "unreadable job event"),
            },
            _ => {}
        }
    }
}

/// Whether a `changed` announcing `announced` means there is something to pull. Cursors are
/// opaque strings, but today they are the last version: compare numerically when both are
/// numbers, otherwise any difference counts.
pub(crate) fn announces_newer(local: Option<&str>, announced: &str) -> bool {
    let Some(local) = local.filter(|l| !l.is_empty()) else {
        return true;
    };
    match (local.parse::<i64>(), announced.parse::<i64>()) {
        (Ok(l), Ok(a)) => a > l,
        _ => local != announced,
    }
}

pub(crate) fn spawn(engine: SyncEngine, api: ApiClient, db: Db) -> LiveSync {
    let (status_tx, status) = watch::channel(LiveStatus::default());
    let (jobs, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        wanted: Mutex::new(Wanted::default()),
        wake: Notify::new(),
        status: status_tx,
        jobs: jobs.clone(),
    });
    let reader = tokio::spawn(read_stream(api.clone(), shared.clone()));
    let syncer = tokio::spawn(run_syncs(engine, db, api.retry_config().clone(), shared));
    LiveSync {
        reader,
        syncer,
        status,
        jobs,
    }
}

async fn read_stream(api: ApiClient, shared: Arc<Shared>) {
    let retry = api.retry_config().clone();
    let mut attempt: u32 = 0;
    loop {
        match api.open_stream().await {
            Ok(mut resp) => {
                shared.status.send_modify(|s| {
                    s.connected = true;
                    s.connections += 1;
                });
                tracing::debug!("live stream open");
                // Catch up on whatever happened while the stream was down.
                shared.want(None);
                let mut parser = SseParser::default();
                let ended = loop {
                    match resp.chunk().await {
                        Ok(Some(bytes)) => {
                            // Data flows: the stream works, so the next drop starts the
                            // backoff from the beginning.
                            attempt = 0;
                            for ev in parser.feed(&bytes) {
                                shared.handle(ev);
                            }
                        }
                        Ok(None) => break "the server closed the stream".to_owned(),
                        Err(e) => break format!("live stream: {e}"),
                    }
                };
                tracing::debug!(why = %ended, "live stream dropped");
                shared.status.send_modify(|s| {
                    s.connected = false;
                    s.last_error = Some(ended);
                });
            }
            Err(e) => {
                tracing::debug!(error = %e, "live stream could not be opened");
                shared
                    .status
                    .send_modify(|s| s.last_error = Some(e.to_string()));
            }
        }
        let wait = retry.backoff(attempt, None);
        attempt = attempt.saturating_add(1);
        tokio::time::sleep(wait).await;
    }
}

async fn run_syncs(engine: SyncEngine, db: Db, retry: RetryConfig, shared: Arc<Shared>) {
    let mut failures: u32 = 0;
    loop {
        shared.wake.notified().await;
        let wanted = std::mem::take(&mut *shared.wanted());
        if !wanted.force {
            let Some(announced) = wanted.cursor else {
                continue;
            };
            match db.read_async(|c| meta::get(c, meta::CURSOR)).await {
                Ok(local) if !announces_newer(local.as_deref(), &announced) => continue,
                Ok(_) => {}
                // Cannot tell: syncing is the safe side.
                Err(e) => tracing::warn!(error = %e, "reading the local cursor failed"),
            }
        }
        let result = engine.sync_all().await;
        let failed = result.is_err();
        shared.status.send_modify(|s| {
            s.syncs += 1;
            s.last_error = result.err().map(|e| e.to_string());
        });
        if failed {
            // The server said there is news and we could not get it: try again after a
            // backoff, without waiting for another event (events that arrive meanwhile are
            // folded into that retry).
            tokio::time::sleep(retry.backoff(failures, None)).await;
            failures = failures.saturating_add(1);
            shared.wanted().force = true;
            shared.wake.notify_one();
        } else {
            failures = 0;
        }
    }
}

/// One dispatched Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// `event:` (`message` when absent, as the SSE spec says).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Incremental `text/event-stream` parser: bytes in as they arrive (a chunk may end anywhere,
/// even inside a UTF-8 character), whole events out. Lines end in `\n` or `\r\n`; `id:` and
/// `retry:` are ignored (the server sends neither; reconnect timing is ours).
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buf: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(nl) = self.buf[start..].iter().position(|b| *b == b'\n') {
            let end = start + nl;
            let line = self.buf[start..end]
                .strip_suffix(b"\r")
                .unwrap_or(&self.buf[start..end]);
            let line = String::from_utf8_lossy(line).into_owned();
            start = end + 1;
            if let Some(ev) = self.line(&line) {
                out.push(ev);
            }
        }
        self.buf.drain(..start);
        out
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let event = self.event.take();
            // No data, no event (the spec's rule); an `event:` alone is dropped.
            let data = self.data.take()?;
            return Some(SseEvent {
                event: event.unwrap_or_else(|| "message".to_owned()),
                data,
            });
        }
        if line.starts_with(':') {
            return None; // comment (keep-alive)
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    #[test]
    fn parses_axum_events_and_skips_keep_alives() {
        let mut p = SseParser::default();
        let wire = "event: ready\ndata: {}\n\n:\n\nevent: changed\ndata: {\"cursor\":\"12\"}\n\n";
        assert_eq!(
            p.feed(wire.as_bytes()),
            vec![ev("ready", "{}"), ev("changed", "{\"cursor\":\"12\"}")]
        );
    }

    #[test]
    fn events_split_anywhere_across_chunks_come_out_whole() {
        let wire =
            "event: job\r\ndata: {\"kind\":\"narration\",\"x\":\"é\"}\r\n\r\ndata: a\ndata: b\n\n";
        let bytes = wire.as_bytes();
        for cut in 0..bytes.len() {
            let mut p = SseParser::default();
            let mut got = p.feed(&bytes[..cut]);
            got.extend(p.feed(&bytes[cut..]));
            assert_eq!(
                got,
                vec![
                    ev("job", "{\"kind\":\"narration\",\"x\":\"é\"}"),
                    ev("message", "a\nb")
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        let mut p = SseParser::default();
        assert!(p.feed(b"event: changed\n\n").is_empty());
        // ...and its name does not leak into the next event.
        assert_eq!(p.feed(b"data: x\n\n"), vec![ev("message", "x")]);
    }

    #[test]
    fn only_a_newer_cursor_asks_for_a_pull() {
        assert!(announces_newer(None, "1"));
        assert!(announces_newer(Some(""), "1"));
        assert!(announces_newer(Some("9"), "10"), "numeric, not lexical");
        assert!(!announces_newer(Some("10"), "10"));
        assert!(!announces_newer(Some("10"), "9"), "our own, already pulled");
        assert!(
            announces_newer(Some("abc"), "abd"),
            "opaque: any difference"
        );
        assert!(!announces_newer(Some("abc"), "abc"));
    }
}
