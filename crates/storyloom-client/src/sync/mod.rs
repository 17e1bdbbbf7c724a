//! Sync: push the outbox, pull the change feed, resolve conflicts (SYNC.md).
//!
//! [`plan`] is the pure decision per incoming change; `apply` carries a decision out on the
//! cache inside a transaction; [`engine`] is the I/O shell that talks to the server, keeps
//! one sync at a time and tells observers what happened; [`live`] follows the server's event
//! stream and syncs when another device wrote.

pub(crate) mod apply;
pub mod engine;
pub mod live;
pub mod plan;

use serde_json::Value;
use storyloom_domain::EntityKind;
use uuid::Uuid;

pub use engine::{BackgroundSync, SyncConfig, SyncEngine, SyncReport};
pub use live::{JobEvent, LiveEvent, LiveStatus, LiveSync};

/// What the sync engine is doing, for a status line in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Not syncing; the last sync (if any) succeeded.
    Idle,
    /// A sync is under way.
    Running,
    /// The last sync could not reach the server; local work continues and is kept.
    Offline,
    /// The last sync failed for another reason (signed out, server error).
    Error(String),
}

/// A change to the cached data, for observers that refresh their views.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityEvent {
    /// The entity was created or changed (locally or by a pull).
    Changed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Uuid,
    },
    /// The entity is gone.
    Deleted {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Uuid,
    },
    /// Hero rule: an unsynced local edit was replaced by the server copy.
    LostLocalEdit {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Uuid,
        /// The local row that was replaced.
        local: Value,
    },
    /// A conflict record waits for `keep_local` / `keep_server`.
    Conflict {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Uuid,
    },
    /// The server refused a mutation permanently; it is parked in the outbox.
    MutationFailed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Uuid,
        /// The server's message.
        message: String,
    },
}

#[cfg(test)]
mod tests;
