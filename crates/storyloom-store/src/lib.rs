//! Server persistence for Storyloom.
//!
//! One object-safe [`Store`] trait, held by the server as `Arc<dyn Store>`, and one SQL
//! implementation ([`SqlStore`]) that runs on SQLite (the embedded default) and PostgreSQL
//! (production) through sqlx's `Any` driver. Both backends have their own migrations
//! (`migrations/{sqlite,postgres}`) with the same column types (ids as TEXT, times as epoch
//! milliseconds, booleans as 0/1), so the queries are written once and the conformance suite
//! in `tests/` proves them on both. Where the backends really differ (connection setup, the
//! job claim) the code branches on [`Backend`].
//!
//! Invariants kept here, so no handler can forget them:
//! - every method that touches user data takes the user id and filters by it; another user's
//!   row is `NotFound`, never an error that tells it exists;
//! - every write to a synced entity takes the next number of the user's change sequence in the
//!   same transaction and stores it as the row's `version`; deletes leave tombstones.
//! - media fields (`avatarUrl`, `audioUrl`, `imageUrl`) hold the storage *key*; the server
//!   turns keys into signed URLs at the edge.
#![warn(missing_docs)]
//!
//! The trait is split by concern ([`AccountStore`], [`ContentStore`], [`GenerationStore`],
//! [`UsageStore`], [`SyncStore`], [`ListeningStore`]), one module each here and in `sql/`; [`Store`] is all of
//! them, so a caller holds one object and imports the [`prelude`] to call any of it.

mod accounts;
mod batch;
mod content;
mod error;
mod feed;
mod generation;
mod health;
mod listening;
mod rows;
mod sql;
mod types;
mod usage;

pub use accounts::AccountStore;
pub use content::ContentStore;
pub use error::StoreError;
pub use feed::SyncStore;
pub use generation::GenerationStore;
pub use listening::{JourneyData, ListeningFilter, ListeningStore};
pub use sql::{SqlStore, loopback_without_tls, redact_url, sqlite_url};
pub use types::*;
pub use usage::UsageStore;

/// The store's traits, to call any method on an `Arc<dyn Store>`.
pub mod prelude {
    pub use crate::{
        AccountStore, ContentStore, GenerationStore, ListeningStore, Store, SyncStore, UsageStore,
    };
}

use async_trait::async_trait;

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server persists. Object-safe so the server holds one `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    AccountStore
    + ContentStore
    + GenerationStore
    + UsageStore
    + SyncStore
    + ListeningStore
    + Send
    + Sync
    + 'static
{
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// A cheap round trip, for health checks. [`StoreError::StorageFull`] while writes are
    /// failing for lack of space (reads still work): a read cannot see a full disk, so this
    /// reports what the store's last writes met.
    async fn ping(&self) -> StoreResult<()>;
}
