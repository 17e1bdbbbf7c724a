//! The client and its builder, and auth.
//!
//! Every exported object holds an `Arc` of the core [`storyloom_client::Client`] and
//! forwards (STYLE.md §19): no state of its own, so handing the app several handles to the
//! same client (`client.heroes()` twice) is free and consistent.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use storyloom_client as core;
use storyloom_domain::{self as d, Validate};

use crate::error::StoryloomError;
use crate::media::MediaCache;
use crate::repos::{CustomEventRepository, HeroRepository, StoryRepository};
use crate::runtime::{run, runtime};
use crate::session::{ForeignSessionStore, SessionStore};
use crate::sync::SyncEngine;
use crate::types::User;

#[derive(Clone)]
struct BuilderState {
    server_url: String,
    data_dir: Option<String>,
    session_store: Option<Arc<dyn SessionStore>>,
    retry: core::RetryConfig,
    sync: core::SyncConfig,
}

/// Configures a [`Client`]. Each setter returns a new builder (builders are immutable, so one
/// can be shared and specialised safely), and `build()` opens the local cache.
#[derive(uniffi::Object)]
pub struct ClientBuilder {
    state: BuilderState,
}

impl ClientBuilder {
    fn with(&self, change: impl FnOnce(&mut BuilderState)) -> Arc<Self> {
        let mut state = self.state.clone();
        change(&mut state);
        Arc::new(Self { state })
    }
}

#[uniffi::export]
impl ClientBuilder {
    /// Start configuring a client of the server at `server_url` (`https://host[:port]`).
    #[uniffi::constructor]
    pub fn new(server_url: String) -> Arc<Self> {
        Arc::new(Self {
            state: BuilderState {
                server_url,
                data_dir: None,
                session_store: None,
                retry: core::RetryConfig::default(),
                sync: core::SyncConfig::default(),
            },
        })
    }

    /// Keep the cache (`cache.sqlite`) and media (`media/`) under `path` — on iOS a folder in
    /// Application Support. Without it everything lives in memory and is lost on exit.
    pub fn data_dir(self: Arc<Self>, path: String) -> Arc<Self> {
        self.with(|s| s.data_dir = Some(path))
    }

    /// Where the session is kept: the app's Keychain-backed store. Without it the session is
    /// a file in the data dir (fine for tests and desktop, not for a phone).
    pub fn session_store(self: Arc<Self>, store: Arc<dyn SessionStore>) -> Arc<Self> {
        self.with(|s| s.session_store = Some(store))
    }

    /// Retries after a failed request before giving up (default 3). The sync engine keeps
    /// trying later anyway, so an app in a hurry can set 0.
    pub fn max_retries(self: Arc<Self>, retries: u32) -> Arc<Self> {
        self.with(|s| s.retry.max_retries = retries)
    }

    /// First wait between retries (default 1 s; it doubles each time).
    pub fn retry_base_delay(self: Arc<Self>, delay: Duration) -> Arc<Self> {
        self.with(|s| s.retry.base_delay = delay)
    }

    /// Per-request timeout (default 30 s).
    pub fn request_timeout(self: Arc<Self>, timeout: Duration) -> Arc<Self> {
        self.with(|s| s.retry.request_timeout = timeout)
    }

    /// How often the background sync runs when nothing triggers it (default 15 min).
    pub fn sync_interval(self: Arc<Self>, interval: Duration) -> Arc<Self> {
        self.with(|s| s.sync.interval = interval)
    }

    /// Quiet time after a local write before the background sync runs (default 2 s), so a
    /// burst of edits syncs once.
    pub fn sync_debounce(self: Arc<Self>, debounce: Duration) -> Arc<Self> {
        self.with(|s| s.sync.debounce = debounce)
    }

    /// Open the local cache and make the client. Reads the stored session once (calls the
    /// app's `SessionStore.load`).
    pub fn build(self: Arc<Self>) -> Result<Arc<Client>, StoryloomError> {
        let s = self.state.clone();
        if !(s.server_url.starts_with("http://") || s.server_url.starts_with("https://")) {
            return Err(StoryloomError::InvalidInput {
                field: "serverUrl".into(),
                message: "must start with http:// or https://".into(),
            });
        }
        let mut builder = core::Client::builder(s.server_url)
            .retry(s.retry)
            .sync_config(s.sync);
        if let Some(dir) = s.data_dir {
            builder = builder.data_dir(PathBuf::from(dir));
        }
        if let Some(store) = s.session_store {
            builder = builder.session_store(Arc::new(ForeignSessionStore(store)));
        }
        // Building makes an HTTP client and may start timers: do it inside our runtime.
        let _guard = runtime()?.enter();
        let inner = builder.build()?;
        Ok(Arc::new(Client {
            inner: Arc::new(inner),
        }))
    }
}

/// Storyloom's client: auth, the repositories (local-first), sync and media.
#[derive(uniffi::Object)]
pub struct Client {
    inner: Arc<core::Client>,
}

#[uniffi::export]
impl Client {
    /// Sign-up, sign-in, sign-out, the current user.
    pub fn auth(&self) -> Arc<Auth> {
        Arc::new(Auth {
            client: self.inner.clone(),
        })
    }

    /// Heroes (read from the device; writes queue for sync).
    pub fn heroes(&self) -> Arc<HeroRepository> {
        Arc::new(HeroRepository::new(self.inner.clone()))
    }

    /// Stories (read from the device; writes queue for sync; generation needs a connection).
    pub fn stories(&self) -> Arc<StoryRepository> {
        Arc::new(StoryRepository::new(self.inner.clone()))
    }

    /// Custom events (read from the device; writes queue for sync).
    pub fn custom_events(&self) -> Arc<CustomEventRepository> {
        Arc::new(CustomEventRepository::new(self.inner.clone()))
    }

    /// The sync engine: sync now, observe, background sync, conflicts.
    pub fn sync(&self) -> Arc<SyncEngine> {
        Arc::new(SyncEngine::new(self.inner.clone()))
    }

    /// The media cache: avatars, narration and pictures as local files.
    pub fn media(&self) -> Arc<MediaCache> {
        Arc::new(MediaCache::new(self.inner.clone()))
    }

    /// The API base URL this client talks to (ends in `/api`).
    pub fn server_url(&self) -> String {
        self.inner.api().base_url().to_owned()
    }
}

/// Sign-up, sign-in, sign-out and the current user.
#[derive(uniffi::Object)]
pub struct Auth {
    client: Arc<core::Client>,
}

fn validate<T: Validate>(body: &T) -> Result<(), StoryloomError> {
    body.validate()
        .map_err(|e| core::Error::Validation(e).into())
}

#[uniffi::export]
impl Auth {
    /// Create an account and sign in to it. Checked on the device first (email shape,
    /// password 8–128 characters), so most form errors come back without a round trip.
    pub async fn sign_up(
        &self,
        email: String,
        password: String,
        name: Option<String>,
    ) -> Result<User, StoryloomError> {
        let body = d::SignUp {
            email,
            password,
            name: name.filter(|n| !n.is_empty()),
        };
        validate(&body)?;
        let client = self.client.clone();
        run(async move { Ok(client.auth().sign_up(&body).await?.into()) }).await
    }

    /// Sign in. Signing in as another account than the one whose data is on the device
    /// empties the local cache first. Wrong credentials come back as
    /// `InvalidInput { field: "password" }`.
    pub async fn sign_in(&self, email: String, password: String) -> Result<User, StoryloomError> {
        let body = d::SignIn { email, password };
        validate(&body)?;
        let client = self.client.clone();
        run(async move { Ok(client.auth().sign_in(&body).await?.into()) }).await
    }

    /// Sign out (works offline too). Local data and queued changes stay on the device and
    /// sync after the same account signs in again.
    pub async fn sign_out(&self) -> Result<(), StoryloomError> {
        let client = self.client.clone();
        run(async move { Ok(client.auth().sign_out().await?) }).await
    }

    /// The signed-in user from the stored session (no network), or `None`.
    pub fn current_user(&self) -> Option<User> {
        self.client.auth().current_user().map(Into::into)
    }

    /// Whether a session is stored.
    pub fn is_signed_in(&self) -> bool {
        self.client.auth().is_signed_in()
    }
}
