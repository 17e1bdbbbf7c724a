//! Live change notifications for `GET /api/sync/stream`.
//!
//! Writers call [`Hub::changed`] after a commit. With SQLite (one process) the hub is an
//! in-process broadcast. With PostgreSQL the hub publishes through `NOTIFY` and every server
//! process listens, so a client connected to node A hears of a write made on node B.

use std::sync::Arc;

use serde::Serialize;
use storyloom_store::{Backend, Store};

use crate::cache::Caches;
use tokio::sync::broadcast;
use uuid::Uuid;

const CHANNEL: &str = "storyloom_events";

/// One event for one user's stream.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct UserEvent {
    /// Whose data changed.
    pub user: Uuid,
    /// SSE event name: `changed` or `job`.
    pub kind: String,
    /// SSE data (JSON).
    pub data: serde_json::Value,
}

/// Fan-out of user events.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<UserEvent>,
    store: Arc<dyn Store>,
    /// Caches kept current by the events (see [`crate::cache`]).
    pub caches: Caches,
}

/// Event kinds only servers see (cache invalidation), never forwarded to clients.
pub const INTERNAL_AUTH: &str = "auth";

impl Hub {
    /// A hub over a store (whose backend decides local broadcast or NOTIFY).
    pub fn new(store: Arc<dyn Store>) -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            store,
            caches: Caches::new(),
        }
    }

    /// Subscribe to every user's events (the stream filters by user).
    pub fn subscribe(&self) -> broadcast::Receiver<UserEvent> {
        self.tx.subscribe()
    }

    /// Deliver an event that arrived from `NOTIFY` (or locally) to this process's caches and
    /// streams.
    pub fn deliver(&self, ev: UserEvent) {
        match ev.kind.as_str() {
            "changed" => {
                if let Some(v) = ev.data["cursor"].as_str().and_then(|c| c.parse().ok()) {
                    self.caches.note_version(ev.user, v);
                }
            }
            INTERNAL_AUTH => {
                match ev.data["tokenHash"].as_str() {
                    Some(hash) => self.caches.forget_session(hash),
                    None => self.caches.forget_user(ev.user),
                }
                return;
            }
            _ => {}
        }
        let _ = self.tx.send(ev);
    }

    /// Publish an event: locally for SQLite, through the database for PostgreSQL.
    pub async fn publish(&self, ev: UserEvent) {
        if self.store.backend() == Backend::Postgres {
            match serde_json::to_string(&ev) {
                Ok(payload) => {
                    if let Err(e) = self.store.notify(CHANNEL, &payload).await {
                        tracing::warn!(error = %e, "NOTIFY failed; delivering locally only");
                        self.deliver(ev);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "event not serialisable"),
            }
        } else {
            self.deliver(ev);
        }
    }

    /// The user's data changed up to `version`: clients should pull. The local version moves
    /// before this returns, so the writer's next read on this process sees its write.
    pub async fn changed(&self, user: Uuid, version: i64) {
        self.caches.note_version(user, version);
        self.publish(UserEvent {
            user,
            kind: "changed".into(),
            data: serde_json::json!({ "cursor": version.to_string() }),
        })
        .await;
    }

    /// A session was revoked: drop it from every process's cache.
    pub async fn session_revoked(&self, user: Uuid, token_hash: &str) {
        self.caches.forget_session(token_hash);
        let data = serde_json::json!({ "tokenHash": token_hash });
        self.publish(UserEvent {
            user,
            kind: INTERNAL_AUTH.into(),
            data,
        })
        .await;
    }

    /// The account changed (profile) or is gone: drop its sessions and answers everywhere.
    pub async fn user_changed(&self, user: Uuid) {
        self.caches.forget_user(user);
        self.publish(UserEvent {
            user,
            kind: INTERNAL_AUTH.into(),
            data: serde_json::json!({}),
        })
        .await;
    }

    /// Listen to `NOTIFY` on PostgreSQL and deliver into this process; reconnects on failure.
    pub fn spawn_pg_listener(&self, database_url: String) {
        let hub = self.clone();
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
                                    Ok(n) => match serde_json::from_str::<UserEvent>(n.payload()) {
                                        Ok(ev) => hub.deliver(ev),
                                        Err(e) => tracing::warn!(error = %e, "bad NOTIFY payload"),
                                    },
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
