//! Sync bookkeeping, conflicts and entity events.

use super::*;
use storyloom_client as core;

/// Local sync bookkeeping of one entity.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncInfo {
    /// Where it stands.
    pub status: SyncStatus,
    /// The server's message when it refused a change.
    pub error: Option<String>,
    /// Server version of the last synced copy (0: never synced).
    pub version: i64,
    /// When it last matched the server.
    pub last_synced_at: Option<SystemTime>,
}

impl From<core::SyncInfo> for SyncInfo {
    fn from(i: core::SyncInfo) -> Self {
        Self {
            status: i.status.into(),
            error: i.error,
            version: i.version,
            last_synced_at: i.last_synced_at.map(from_millis),
        }
    }
}

/// What the sync engine is doing, for a status line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// Not syncing; the last sync (if any) succeeded.
    Idle,
    /// A sync is under way.
    Running,
    /// The last sync could not reach the server; local work continues and is kept.
    Offline,
    /// The last sync failed for another reason (signed out, server error).
    Error {
        /// Why.
        message: String,
    },
}

impl From<core::SyncState> for SyncState {
    fn from(s: core::SyncState) -> Self {
        match s {
            core::SyncState::Idle => Self::Idle,
            core::SyncState::Running => Self::Running,
            core::SyncState::Offline => Self::Offline,
            core::SyncState::Error(message) => Self::Error { message },
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Local changes the server applied.
    pub pushed: u64,
    /// Local changes the server refused (see `SyncEngine.outbox()`).
    pub failed: u64,
    /// Local changes that clashed (see `SyncEngine.conflicts()`).
    pub conflicts: u64,
    /// Server changes pulled.
    pub pulled: u64,
    /// Whether the pull had to start over from the beginning.
    pub full_resync: bool,
}

impl From<core::SyncReport> for SyncReport {
    fn from(r: core::SyncReport) -> Self {
        Self {
            pushed: r.pushed as u64,
            failed: r.failed as u64,
            conflicts: r.conflicts as u64,
            pulled: r.pulled as u64,
            full_resync: r.full_resync,
        }
    }
}

/// A local change not yet on the server.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingChange {
    /// Handle for `retry_failed` / `discard_failed`.
    pub seq: i64,
    /// Entity kind.
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: String,
    /// What kind of change.
    pub op: MutationOp,
    /// Queued or refused.
    pub state: OutboxState,
    /// Times it was sent.
    pub attempts: i64,
    /// The server's message when it refused it.
    pub last_error: Option<String>,
    /// When it was made.
    pub created_at: SystemTime,
}

impl From<core::OutboxEntry> for PendingChange {
    fn from(e: core::OutboxEntry) -> Self {
        Self {
            seq: e.seq,
            entity: e.entity.into(),
            entity_id: e.id.to_string(),
            op: e.op.into(),
            state: e.state.into(),
            attempts: e.attempts,
            last_error: e.last_error,
            created_at: from_millis(e.created_at),
        }
    }
}

/// A clash between an edit on this device and one on another, waiting for the app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncConflict {
    /// Handle for `keep_local` / `keep_server`.
    pub id: i64,
    /// Entity kind (stories and custom events have conflicts).
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: String,
    /// What clashed.
    pub kind: ConflictKind,
    /// This device's version of the clashing fields (`{"title":…,"content":…}`), or the whole
    /// local entity when the server deleted it; JSON with the API's camelCase names.
    pub local_json: String,
    /// The server's entity (JSON), or `None` when it was deleted there.
    pub server_json: Option<String>,
    /// When it was found.
    pub created_at: SystemTime,
}

impl From<core::ConflictRecord> for SyncConflict {
    fn from(c: core::ConflictRecord) -> Self {
        Self {
            id: c.seq,
            entity: c.entity.into(),
            entity_id: c.entity_id.to_string(),
            kind: c.kind.into(),
            local_json: to_json_text(&c.local),
            server_json: c.server.as_ref().map(to_json_text),
            created_at: from_millis(c.created_at),
        }
    }
}

/// A change to the cached data, for views that refresh themselves.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum EntityChange {
    /// Created or changed (on this device or by a pull).
    Changed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// Gone.
    Deleted {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// An unsynced edit of a hero was replaced by another device's (heroes: server wins);
    /// `local_json` is what was replaced, for an "your edit was replaced" notice.
    LostLocalEdit {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
        /// The replaced local entity (JSON).
        local_json: String,
    },
    /// A conflict now waits in `SyncEngine.conflicts()`.
    Conflict {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
    },
    /// The server refused a change; it is parked in `SyncEngine.outbox()`.
    MutationFailed {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: String,
        /// The server's message.
        message: String,
    },
    /// The observer fell behind and `missed` changes were dropped: reload everything shown.
    Lagged {
        /// How many.
        missed: u64,
    },
}

impl From<core::EntityEvent> for EntityChange {
    fn from(e: core::EntityEvent) -> Self {
        use core::EntityEvent as E;
        match e {
            E::Changed { entity, id } => Self::Changed {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::Deleted { entity, id } => Self::Deleted {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::LostLocalEdit { entity, id, local } => Self::LostLocalEdit {
                entity: entity.into(),
                id: id.to_string(),
                local_json: to_json_text(&local),
            },
            E::Conflict { entity, id } => Self::Conflict {
                entity: entity.into(),
                id: id.to_string(),
            },
            E::MutationFailed {
                entity,
                id,
                message,
            } => Self::MutationFailed {
                entity: entity.into(),
                id: id.to_string(),
                message,
            },
        }
    }
}
