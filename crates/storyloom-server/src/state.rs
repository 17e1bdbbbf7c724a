//! Shared state of the HTTP app.

use std::{net::IpAddr, sync::Arc, time::Duration};

use storyloom_ai::Providers;
use storyloom_media::BlobStore;
use storyloom_store::Store;
use tokio::sync::Notify;

use crate::{config::Config, events_hub::Hub, limits::SlidingWindow};

/// Everything handlers share, behind one `Arc`: axum clones the state for every middleware
/// and extractor of every request, and one reference count is much cheaper than the dozens
/// the fields hold (they showed in the request profile, contended between cores).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct Shared {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Settings.
    pub config: Arc<Config>,
    /// Sign-up/sign-in attempts per client address.
    pub auth_by_ip: Arc<SlidingWindow<IpAddr>>,
    /// Live events for `/api/sync/stream`.
    pub hub: Hub,
    /// Generation providers.
    pub ai: Providers,
    /// Media blobs.
    pub media: BlobStore,
    /// Woken when a job is queued, so idle in-process workers start at once.
    pub jobs_ready: Arc<Notify>,
    /// One lock per user for `POST /api/sync/push` (see `service::sync::push`).
    pub push_locks: moka::sync::Cache<storyloom_domain::UserId, Arc<tokio::sync::Mutex<()>>>,
}

impl AppState {
    /// State over an opened store.
    pub fn new(config: Config, store: Arc<dyn Store>, ai: Providers, media: BlobStore) -> Self {
        let auth_by_ip = SlidingWindow::new(config.auth_limit_per_minute, Duration::from_secs(60));
        Self(Arc::new(Shared {
            hub: Hub::new(store.clone()),
            store,
            config: Arc::new(config),
            auth_by_ip: Arc::new(auth_by_ip),
            ai,
            media,
            jobs_ready: Arc::new(Notify::new()),
            push_locks: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(300))
                .build(),
        }))
    }
}
