//! Live change notifications for `GET /api/sync/stream`.
//!
//! Writers call [`Hub::changed`] after a commit. With SQLite (one process) the hub is an
//! in-process broadcast. With PostgreSQL the hub publishes through `NOTIFY` and every server
//! process listens, so a client connected to node A hears of a write made on node B.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use storyloom_domain::{ChangedEvent, JobEvent, LiveEventName, UserId};
use storyloom_store::{Backend, Store};

use crate::{cache::Caches, live_streams::Streams, service::Committed};
use tokio::sync::mpsc;

const CHANNEL: &str = "storyloom_events";

/// What happened to one user's data or sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "camelCase")]
pub enum Payload {
    /// Data committed up to a version: streams get `changed`.
    Changed(ChangedEvent),
    /// Generation progress: streams get `job`.
    Job(JobEvent),
    /// A session was revoked (sign-out, refresh): servers drop it from their caches.
    SessionRevoked {
        /// Hex SHA-256 of its token.
        #[serde(rename = "tokenHash")]
        token_hash: String,
    },
    /// The account changed: servers drop its cached sessions and answers.
    AccountChanged,
    /// The account is gone: servers also close its live streams.
    AccountDeleted,
}

/// One event for one user, as it travels between server processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// Whose.
    pub user: UserId,
    /// What.
    #[serde(flatten)]
    pub payload: Payload,
}

impl LiveEvent {
    /// A `job` event.
    pub fn job(user: UserId, job: JobEvent) -> Self {
        Self {
            user,
            payload: Payload::Job(job),
        }
    }

    /// The SSE event a client's stream gets for this, if any (internal events give none).
    pub fn sse(&self) -> Option<(LiveEventName, String)> {
        let (name, data) = match &self.payload {
            Payload::Changed(c) => (LiveEventName::Changed, serde_json::to_string(c)),
            Payload::Job(j) => (LiveEventName::Job, serde_json::to_string(j)),
            Payload::SessionRevoked { .. } | Payload::AccountChanged | Payload::AccountDeleted => {
                return None;
            }
        };
        data.ok().map(|d| (name, d))
    }

    fn changed_version(&self) -> Option<i64> {
        match &self.payload {
            Payload::Changed(c) => c.version(),
            _ => None,
        }
    }
}

/// Fan-out of user events.
#[derive(Clone)]
pub struct Hub {
    /// This process's open live streams.
    pub streams: Streams,
    store: Arc<dyn Store>,
    /// On PostgreSQL: the queue of the task that sends `NOTIFY`s (see [`Hub::publish`]).
    outbox: Arc<std::sync::OnceLock<mpsc::UnboundedSender<LiveEvent>>>,
    /// Caches kept current by the events (see [`crate::cache`]).
    pub caches: Caches,
}

impl Hub {
    /// A hub over a store (whose backend decides local broadcast or NOTIFY).
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            streams: Streams::default(),
            store,
            outbox: Arc::new(std::sync::OnceLock::new()),
            caches: Caches::new(),
        }
    }

    /// Deliver an event that arrived from `NOTIFY` (or locally) to this process's caches and
    /// streams.
    pub fn deliver(&self, ev: LiveEvent) {
        match &ev.payload {
            Payload::Changed(c) => {
                if let Some(v) = c.version() {
                    self.caches.note_version(ev.user, v);
                }
            }
            Payload::SessionRevoked { token_hash } => {
                self.caches.forget_session(token_hash);
                self.streams.close_session(ev.user, token_hash);
                return;
            }
            Payload::AccountChanged => {
                self.caches.forget_user(ev.user);
                return;
            }
            Payload::AccountDeleted => {
                self.caches.forget_user(ev.user);
                self.streams.close_user(ev.user);
                return;
            }
            Payload::Job(_) => {}
        }
        self.streams.send(&ev);
    }

    /// Publish an event: locally for SQLite, through the database for PostgreSQL.
    ///
    /// On PostgreSQL the event goes to a sender task instead of a `NOTIFY` per write: a
    /// `NOTIFY` is a transaction of its own, and PostgreSQL serializes notifying commits, so one
    /// per write would cap write throughput. The task sends whatever queued while it was busy
    /// as one `NOTIFY`, keeping only the newest `changed` cursor per user (clients only need
    /// the latest). The writer does not wait for it; its own process's version cache has
    /// already moved (see [`Hub::changed`]).
    pub async fn publish(&self, ev: LiveEvent) {
        if self.store.backend() != Backend::Postgres {
            self.deliver(ev);
            return;
        }
        let sender = self.outbox.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            // The task's hub has no sender of its own, so it ends when this hub is dropped.
            let local = Hub {
                streams: self.streams.clone(),
                store: self.store.clone(),
                outbox: Arc::new(std::sync::OnceLock::new()),
                caches: self.caches.clone(),
            };
            tokio::spawn(send_notifications(local, rx));
            tx
        });
        if let Err(e) = sender.send(ev) {
            self.deliver(e.0);
        }
    }

    /// A write committed: clients should pull. The local version moves before this returns,
    /// so the writer's next read on this process sees its write. Takes [`Committed`], which
    /// only the service layer makes, so every announced change is a write it made.
    pub async fn changed(&self, c: Committed) {
        self.caches.note_version(c.user(), c.version());
        self.publish(LiveEvent {
            user: c.user(),
            payload: Payload::Changed(ChangedEvent::at(c.version())),
        })
        .await;
    }

    /// A session was revoked: drop it from every process's cache and close its streams.
    pub async fn session_revoked(&self, user: UserId, token_hash: &str) {
        self.caches.forget_session(token_hash);
        self.streams.close_session(user, token_hash);
        self.publish(LiveEvent {
            user,
            payload: Payload::SessionRevoked {
                token_hash: token_hash.to_owned(),
            },
        })
        .await;
    }

    /// The account changed (profile): drop its sessions and answers everywhere.
    pub async fn user_changed(&self, user: UserId) {
        self.caches.forget_user(user);
        self.publish(LiveEvent {
            user,
            payload: Payload::AccountChanged,
        })
        .await;
    }

    /// The account is gone: drop its sessions and answers and close its streams everywhere.
    pub async fn account_deleted(&self, user: UserId) {
        self.caches.forget_user(user);
        self.streams.close_user(user);
        self.publish(LiveEvent {
            user,
            payload: Payload::AccountDeleted,
        })
        .await;
    }

    /// Listen to `NOTIFY` on PostgreSQL and deliver into this process; reconnects on failure.
    pub fn spawn_pg_listener(&self, database_url: String) {
        let hub = self.clone();
        // The same TLS choice as the store's connections.
        let database_url = storyloom_store::loopback_without_tls(&database_url);
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&database_url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            tracing::warn!(error = %e, "LISTEN failed");
                        } else {
                            // Events sent while we were not listening are lost: forget what
                            // they might have invalidated.
                            hub.caches.clear();
                            loop {
                                match listener.recv().await {
                                    Ok(n) => {
                                        match serde_json::from_str::<Vec<LiveEvent>>(n.payload()) {
                                            Ok(events) => {
                                                events.into_iter().for_each(|ev| hub.deliver(ev))
                                            }
                                            Err(e) => {
                                                tracing::warn!(error = %e, "bad NOTIFY payload")
                                            }
                                        }
                                    }
                                    Err(e) => {
                                        tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot LISTEN; retrying"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        });
    }
}

/// `NOTIFY` payloads must stay under 8000 bytes.
const MAX_PAYLOAD: usize = 7000;

/// Least time between two `NOTIFY`s of one process. The first event after a quiet spell goes
/// out at once; under a stream of writes the events of the next 10 ms wait and go as one,
/// which caps this process at 100 notifying transactions a second instead of one per write
/// round (each is a round trip, a transaction, and a turn on PostgreSQL's notify lock).
const NOTIFY_GAP: std::time::Duration = std::time::Duration::from_millis(10);

/// The PostgreSQL sender task of [`Hub::publish`].
async fn send_notifications(hub: Hub, mut rx: mpsc::UnboundedReceiver<LiveEvent>) {
    while let Some(first) = rx.recv().await {
        let started = tokio::time::Instant::now();
        let mut pending = vec![first];
        while let Ok(ev) = rx.try_recv() {
            pending.push(ev);
        }
        for chunk in payloads(coalesce(pending)) {
            if let Err(e) = hub.store.notify(CHANNEL, &chunk.0).await {
                tracing::warn!(error = %e, "NOTIFY failed; delivering locally only");
                chunk.1.into_iter().for_each(|ev| hub.deliver(ev));
            }
        }
        tokio::time::sleep_until(started + NOTIFY_GAP).await;
    }
}

/// Keep every event but `changed`, of which only each user's newest cursor matters.
fn coalesce(events: Vec<LiveEvent>) -> Vec<LiveEvent> {
    let mut newest: std::collections::HashMap<UserId, i64> = std::collections::HashMap::new();
    for ev in &events {
        if let Some(c) = ev.changed_version() {
            let e = newest.entry(ev.user).or_insert(c);
            *e = (*e).max(c);
        }
    }
    events
        .into_iter()
        .filter(|ev| {
            if !matches!(ev.payload, Payload::Changed(_)) {
                return true;
            }
            match ev.changed_version() {
                Some(c) if newest.get(&ev.user) == Some(&c) => {
                    // Keep the first event carrying the newest cursor, drop repeats.
                    newest.remove(&ev.user);
                    true
                }
                _ => false,
            }
        })
        .collect()
}

/// JSON arrays of events, each under the payload limit, with the events they carry.
fn payloads(events: Vec<LiveEvent>) -> Vec<(String, Vec<LiveEvent>)> {
    let mut out = Vec::new();
    let mut batch: Vec<LiveEvent> = Vec::new();
    let mut size = 2;
    for ev in events {
        let len = serde_json::to_string(&ev).map(|s| s.len()).unwrap_or(0) + 1;
        if !batch.is_empty() && size + len > MAX_PAYLOAD {
            let taken = std::mem::take(&mut batch);
            out.push((serde_json::to_string(&taken).unwrap_or_default(), taken));
            size = 2;
        }
        size += len;
        batch.push(ev);
    }
    if !batch.is_empty() {
        out.push((serde_json::to_string(&batch).unwrap_or_default(), batch));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyloom_domain::{EntityKind, JobKind, JobProgress};
    use uuid::Uuid;

    fn user() -> UserId {
        UserId(Uuid::now_v7())
    }

    fn changed(user: UserId, v: i64) -> LiveEvent {
        LiveEvent {
            user,
            payload: Payload::Changed(ChangedEvent::at(v)),
        }
    }

    #[test]
    fn only_the_newest_cursor_per_user_is_sent() {
        let (a, b) = (user(), user());
        let job = LiveEvent::job(
            a,
            JobEvent {
                entity: EntityKind::Story,
                id: Uuid::now_v7(),
                kind: JobKind::Audio,
                status: JobProgress::Completed,
            },
        );
        let out = coalesce(vec![
            changed(a, 3),
            changed(b, 1),
            job.clone(),
            changed(a, 5),
            changed(a, 4),
            changed(a, 5),
        ]);
        assert_eq!(out, vec![changed(b, 1), job, changed(a, 5)]);
    }

    #[test]
    fn payloads_stay_under_the_limit_and_lose_nothing() {
        let events: Vec<LiveEvent> = (0..500).map(|v| changed(user(), v)).collect();
        let chunks = payloads(events);
        assert!(chunks.len() > 1);
        let mut n = 0;
        for (json, evs) in &chunks {
            assert!(json.len() <= MAX_PAYLOAD, "{}", json.len());
            let back: Vec<LiveEvent> = serde_json::from_str(json).unwrap();
            assert_eq!(&back, evs);
            n += back.len();
        }
        assert_eq!(n, 500);
    }

    #[test]
    fn internal_events_never_reach_a_client_stream() {
        let u = user();
        let revoked = LiveEvent {
            user: u,
            payload: Payload::SessionRevoked {
                token_hash: "ab".into(),
            },
        };
        assert_eq!(revoked.sse(), None);
        assert_eq!(
            changed(u, 9).sse(),
            Some((LiveEventName::Changed, r#"{"cursor":"9"}"#.to_owned()))
        );
    }
}
