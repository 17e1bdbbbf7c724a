//! Storyloom's offline-first client core: the data layer a mobile app (through
//! `storyloom-ffi`) or the CLI links.
//!
//! The app talks to a [`Client`]: repositories read from and write to a local SQLite cache
//! (writes are optimistic and queue a mutation in a durable outbox in the same transaction);
//! the [`SyncEngine`] pushes the outbox and pulls the server's change feed, resolving conflicts
//! by SYNC.md's per-entity rules, in the background and whenever the server's live stream says
//! another device wrote; the [`ApiClient`] underneath retries what is worth retrying
//! and keeps the session fresh; the [`MediaCache`] keeps avatars, narration and pictures on
//! disk for offline play. Wire types all come from `storyloom-domain`; what the core knows
//! about each synced entity (how its fields merge, its table) is declared once, in
//! [`entity`]. How to add a synced entity: the crate's `README.md`.
//!
//! ```no_run
//! # async fn demo() -> storyloom_client::Result<()> {
//! use storyloom_client::Client;
//! let client = Client::builder("http://127.0.0.1:8080").data_dir("/tmp/storyloom").build()?;
//! let heroes = client.heroes().list().await?; // local, instant
//! client.sync().sync_all().await?;             // push, then pull
//! # let _ = heroes; Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod db;
pub mod entity;
pub mod error;
mod local;
pub mod media_cache;
pub mod repo;
pub mod session;
pub mod sync;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Notify, broadcast};

pub use api::{ApiClient, RetryConfig};
pub use db::conflicts::{ConflictKind, ConflictRecord};
pub use db::outbox::{OutboxEntry, OutboxState};
pub use db::{Db, SyncStatus};
pub use entity::SyncEntity;
pub use error::{Error, Result, RetryKind};
pub use media_cache::{MediaCache, MediaKind, MediaPolicy};
pub use repo::{
    CustomEventRepository, HeroRepository, JourneyReader, JourneySnapshot,
    ListeningSessionRepository, Repository, StoryRepository, SyncInfo,
};
pub use session::{AuthManager, FileSessionStore, MemorySessionStore, Session, SessionStore};
pub use sync::{
    EntityEvent, JobEvent, LiveEvent, LiveStatus, LiveSync, SyncConfig, SyncEngine, SyncReport,
    SyncState,
};

/// Builds a [`Client`]. Config is code (as in matrix-rust-sdk): the app decides every path.
pub struct ClientBuilder {
    server_url: String,
    data_dir: Option<PathBuf>,
    session_store: Option<Arc<dyn SessionStore>>,
    retry: RetryConfig,
    sync: SyncConfig,
    media: MediaPolicy,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("server_url", &self.server_url)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Keep the cache (`cache.sqlite`), the media (`media/`) and — unless another session
    /// store is given — the session (`session.json`, 0600) under `dir`. Without a data dir
    /// everything lives in memory and a temporary directory.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Where the session is kept (the keychain on devices).
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// Retry and refresh timing.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sync tuning.
    pub fn sync_config(mut self, sync: SyncConfig) -> Self {
        self.sync = sync;
        self
    }

    /// Media retention and budget.
    pub fn media_policy(mut self, media: MediaPolicy) -> Self {
        self.media = media;
        self
    }

    /// Open the cache and build the client.
    pub fn build(self) -> Result<Client> {
        let (db, media_dir, session_store, temp) = match &self.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let store = self.session_store.clone().unwrap_or_else(|| {
                    Arc::new(FileSessionStore::new(dir.join("session.json")))
                        as Arc<dyn SessionStore>
                });
                (
                    Db::open(&dir.join("cache.sqlite"))?,
                    dir.join("media"),
                    store,
                    None,
                )
            }
            None => {
                let tmp =
                    std::env::temp_dir().join(format!("storyloom-media-{}", uuid::Uuid::new_v4()));
                let store = self.session_store.clone().unwrap_or_else(|| {
                    Arc::new(MemorySessionStore::new()) as Arc<dyn SessionStore>
                });
                (Db::open_in_memory()?, tmp.clone(), store, Some(tmp))
            }
        };
        let api = ApiClient::new(&self.server_url, session_store, self.retry)?;
        let media = Arc::new(MediaCache::open(media_dir, self.media, api.http().clone())?);
        let (events, _) = broadcast::channel(1024);
        let trigger = Arc::new(Notify::new());
        let ctx = repo::RepoCtx {
            db: db.clone(),
            api: api.clone(),
            trigger: trigger.clone(),
            events: events.clone(),
        };
        let sync = SyncEngine::new(db.clone(), api.clone(), self.sync, events, trigger);
        Ok(Client {
            auth: AuthManager::new(api.clone(), db.clone()),
            heroes: HeroRepository::new(ctx.clone()),
            stories: StoryRepository::new(ctx.clone()),
            events: CustomEventRepository::new(ctx.clone()),
            listening: ListeningSessionRepository::new(ctx.clone()),
            journey: JourneyReader::new(ctx),
            api,
            db,
            sync,
            media,
            _temp_media: temp.map(TempDir),
        })
    }
}

/// Removes the in-memory client's media directory when the client goes.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The client core's facade: auth, repositories, sync and media.
pub struct Client {
    api: ApiClient,
    db: Db,
    auth: AuthManager,
    heroes: HeroRepository,
    stories: StoryRepository,
    events: CustomEventRepository,
    listening: ListeningSessionRepository,
    journey: JourneyReader,
    sync: SyncEngine,
    media: Arc<MediaCache>,
    _temp_media: Option<TempDir>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client of the server at `server_url` (`http://host:port`).
    pub fn builder(server_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            server_url: server_url.into(),
            data_dir: None,
            session_store: None,
            retry: RetryConfig::default(),
            sync: SyncConfig::default(),
            media: MediaPolicy::default(),
        }
    }

    /// Sign-up, sign-in, sign-out.
    pub fn auth(&self) -> &AuthManager {
        &self.auth
    }

    /// Heroes.
    pub fn heroes(&self) -> &HeroRepository {
        &self.heroes
    }

    /// Stories.
    pub fn stories(&self) -> &StoryRepository {
        &self.stories
    }

    /// Custom events.
    pub fn custom_events(&self) -> &CustomEventRepository {
        &self.events
    }

    /// Listening sessions: record a listen on the device, synced when it can be.
    pub fn listening(&self) -> &ListeningSessionRepository {
        &self.listening
    }

    /// The Reading Journey figures, computed from the cache (no network needed).
    pub fn journey(&self) -> &JourneyReader {
        &self.journey
    }

    /// The sync engine.
    pub fn sync(&self) -> &SyncEngine {
        &self.sync
    }

    /// The media cache.
    pub fn media(&self) -> &MediaCache {
        &self.media
    }

    /// The raw API client (profile, usage, health, and calls the repositories do not wrap).
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The local cache (for tools and tests).
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// The layers point one way (README.md "Layers"): each module calls only the ones below it.
#[cfg(test)]
mod layers {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `path` (or `path` itself).
    fn sources(path: &Path) -> Vec<PathBuf> {
        if path.is_file() {
            return vec![path.to_owned()];
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path).unwrap() {
            out.extend(sources(&entry.unwrap().path()));
        }
        out
    }

    #[test]
    fn no_module_calls_a_layer_above_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        // Layer, then the paths it must not use. Unit tests (tests.rs) may reach anywhere.
        let rules: [(&str, &[&str]); 4] = [
            (
                "entity",
                &["crate::db", "crate::local", "crate::sync", "crate::repo"],
            ),
            ("db", &["crate::local", "crate::sync", "crate::repo"]),
            ("local.rs", &["crate::sync", "crate::repo"]),
            ("sync", &["crate::repo"]),
        ];
        let mut wrong = Vec::new();
        for (layer, above) in rules {
            for file in sources(&src.join(layer)) {
                if file.file_name().is_some_and(|n| n == "tests.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                for a in above {
                    if text.contains(a) {
                        wrong.push(format!("{} uses {a}", file.display()));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
