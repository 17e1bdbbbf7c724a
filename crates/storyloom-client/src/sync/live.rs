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
//! Event names and payloads are the domain's ([`LiveEventName`], [`ChangedEvent`],
//! [`JobEvent`]), the same types the server builds them from. Everything the follower does
//! is also published as a [`LiveEvent`] ([`LiveSync::events`]), so a tool can show the stream
//! as it happens (the CLI's `sync --watch`) without a second SSE client.
//!
//! Two tasks, so that the reader never waits for a sync (a slow reader makes the server drop
//! events) and so that the events that arrive during a sync coalesce into one more run.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use storyloom_domain::{ChangedEvent, LiveEventName};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

pub use storyloom_domain::JobEvent;

use super::{SyncEngine, SyncReport};
use crate::api::{ApiClient, RetryConfig};
use crate::db::{Db, meta};
use crate::error::Error;

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

/// One thing the live follower did or heard, in order.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// The stream is open; a catch-up sync follows.
    Connected,
    /// The stream dropped (`reason`); it is reopened after a backoff.
    Disconnected {
        /// Why, in words.
        reason: String,
    },
    /// The stream could not be opened; the next attempt is in `retry_in`.
    /// [`Error::SignedOut`] means it waits until the app signs in again.
    Unreachable {
        /// What failed.
        error: Arc<Error>,
        /// Until the next attempt.
        retry_in: Duration,
    },
    /// A sync the follower ran (catch-up or for a `changed`) finished.
    Synced(SyncReport),
    /// A sync the follower ran failed; it is retried after a backoff.
    SyncFailed(Arc<Error>),
    /// A generation job moved on.
    Job(JobEvent),
}

/// Handle of the live follower; dropping it closes the stream and stops both tasks.
#[derive(Debug)]
pub struct LiveSync {
    reader: JoinHandle<()>,
    syncer: JoinHandle<()>,
    status: watch::Receiver<LiveStatus>,
    jobs: broadcast::Sender<JobEvent>,
    events: broadcast::Sender<LiveEvent>,
    /// Subscribed before the tasks started, for the first [`LiveSync::events`] call.
    first_events: Mutex<Option<broadcast::Receiver<LiveEvent>>>,
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

    /// Receive everything the follower does ([`LiveEvent`]). The first call gets every event
    /// since the follower started (so the first connect and its catch-up sync are not
    /// missed); later calls get events from the moment they subscribe. A receiver that falls
    /// more than 256 events behind skips the oldest (`RecvError::Lagged`).
    pub fn events(&self) -> broadcast::Receiver<LiveEvent> {
        let first = self
            .first_events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        first.unwrap_or_else(|| self.events.subscribe())
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
    events: broadcast::Sender<LiveEvent>,
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

    fn publish(&self, ev: LiveEvent) {
        let _ = self.events.send(ev);
    }

    fn handle(&self, ev: SseEvent) {
        match LiveEventName::from_name(&ev.event) {
            Some(LiveEventName::Changed) => {
                // Unreadable is "cannot tell what changed": pull, as for a missing cursor.
                let cursor = serde_json::from_str::<ChangedEvent>(&ev.data)
                    .ok()
                    .and_then(|c| c.cursor);
                self.want(cursor);
            }
            Some(LiveEventName::Job) => match serde_json::from_str::<JobEvent>(&ev.data) {
                Ok(job) => {
                    let _ = self.jobs.send(job.clone());
                    self.publish(LiveEvent::Job(job));
                }
                Err(e) => tracing::debug!(error = %e, data = %ev.data, "unreadable job event"),
            },
            // `ready` opens every connection (handled where it opens); names a newer server
            // added are ignored.
            Some(LiveEventName::Ready) | None => {}
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
    let (events, first_events) = broadcast::channel(256);
    let shared = Arc::new(Shared {
        wanted: Mutex::new(Wanted::default()),
        wake: Notify::new(),
        status: status_tx,
        jobs: jobs.clone(),
        events: events.clone(),
    });
    let reader = tokio::spawn(read_stream(api.clone(), shared.clone()));
    let syncer = tokio::spawn(run_syncs(engine, db, api.retry_config().clone(), shared));
    LiveSync {
        reader,
        syncer,
        status,
        jobs,
        events,
        first_events: Mutex::new(Some(first_events)),
    }
}

async fn read_stream(api: ApiClient, shared: Arc<Shared>) {
    let retry = api.retry_config().clone();
    let mut attempt: u32 = 0;
    loop {
        let wait = match api.open_stream().await {
            Ok(mut resp) => {
                shared.status.send_modify(|s| {
                    s.connected = true;
                    s.connections += 1;
                });
                tracing::debug!("live stream open");
                shared.publish(LiveEvent::Connected);
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
                    s.last_error = Some(ended.clone());
                });
                shared.publish(LiveEvent::Disconnected { reason: ended });
                retry.backoff(attempt, None)
            }
            Err(e) => {
                tracing::debug!(error = %e, "live stream could not be opened");
                shared
                    .status
                    .send_modify(|s| s.last_error = Some(e.to_string()));
                let wait = retry.backoff(attempt, None);
                shared.publish(LiveEvent::Unreachable {
                    error: Arc::new(e),
                    retry_in: wait,
                });
                wait
            }
        };
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
            s.last_error = result.as_ref().err().map(|e| e.to_string());
        });
        shared.publish(match result {
            Ok(report) => LiveEvent::Synced(report),
            Err(e) => LiveEvent::SyncFailed(Arc::new(e)),
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

    fn shared() -> (Shared, broadcast::Receiver<LiveEvent>) {
        let (status, _) = watch::channel(LiveStatus::default());
        let (jobs, _) = broadcast::channel(4);
        let (events, rx) = broadcast::channel(4);
        let shared = Shared {
            wanted: Mutex::new(Wanted::default()),
            wake: Notify::new(),
            status,
            jobs,
            events,
        };
        (shared, rx)
    }

    #[test]
    fn events_are_read_through_the_domain_types() {
        let (s, mut rx) = shared();
        s.handle(ev("changed", r#"{"cursor":"12"}"#));
        assert_eq!(s.wanted().cursor.as_deref(), Some("12"));
        assert!(!s.wanted().force);
        // "You fell behind" and an unreadable payload both mean: pull.
        s.handle(ev("changed", "{}"));
        assert!(std::mem::take(&mut *s.wanted()).force);
        s.handle(ev("changed", "not json"));
        assert!(std::mem::take(&mut *s.wanted()).force);

        let id = uuid::Uuid::now_v7();
        s.handle(ev(
            "job",
            &format!(r#"{{"entity":"story","id":"{id}","kind":"audio","status":"completed"}}"#),
        ));
        match rx.try_recv() {
            Ok(LiveEvent::Job(job)) => assert_eq!(
                job,
                JobEvent {
                    entity: storyloom_domain::EntityKind::Story,
                    id,
                    kind: storyloom_domain::JobKind::Audio,
                    status: storyloom_domain::JobProgress::Completed,
                }
            ),
            other => panic!("expected a job event, got {other:?}"),
        }
        // A job the domain does not know, and event names a newer server added, are ignored.
        s.handle(ev("job", r#"{"entity":"story","kind":"dance"}"#));
        s.handle(ev("someday", "{}"));
        assert!(rx.try_recv().is_err());
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
