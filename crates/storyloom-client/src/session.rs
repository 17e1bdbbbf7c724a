//! Where the signed-in session lives between runs, and the auth calls that change it.
//!
//! The stored session is the server's own [`AuthResponse`] (user + token + expiry), so there is
//! no second copy of the wire type. Devices keep it in the OS keychain (a `SessionStore` given
//! through the FFI); the CLI keeps it in a 0600 file ([`FileSessionStore`]); tests keep it in
//! memory ([`MemorySessionStore`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use storyloom_domain::{AuthResponse, SignIn, SignUp, User};

use crate::api::ApiClient;
use crate::db::{Db, meta};
use crate::error::{Error, Result};

/// The stored session: the user and the bearer token with its expiry.
pub type Session = AuthResponse;

/// Persistence of the session. Implementations must be cheap: the API client calls `load`
/// once at start and `save` after each sign-in or refresh.
pub trait SessionStore: Send + Sync {
    /// The saved session, if any.
    fn load(&self) -> Result<Option<Session>>;
    /// Replace the saved session.
    fn save(&self, session: &Session) -> Result<()>;
    /// Forget the session (sign-out, or the server no longer accepts it).
    fn clear(&self) -> Result<()>;
}

/// A session kept in memory only (tests, or apps that sign in on every start).
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    inner: Mutex<Option<Session>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionStore for MemorySessionStore {
    fn load(&self) -> Result<Option<Session>> {
        Ok(self.inner.lock().map_err(|_| poisoned())?.clone())
    }

    fn save(&self, session: &Session) -> Result<()> {
        *self.inner.lock().map_err(|_| poisoned())? = Some(session.clone());
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        *self.inner.lock().map_err(|_| poisoned())? = None;
        Ok(())
    }
}

fn poisoned() -> Error {
    Error::Invalid("session lock poisoned".into())
}

/// A session kept in a JSON file readable by its owner only (mode 0600 on Unix).
///
/// Writes go to a temporary file in the same directory that is then renamed over the target,
/// so a crash never leaves a half-written session behind.
#[derive(Debug, Clone)]
pub struct FileSessionStore {
    path: PathBuf,
}

impl FileSessionStore {
    /// A store at `path` (the directory is created on first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self) -> Result<Option<Session>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn save(&self, session: &Session) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(session)?;
        write_private_atomically(&self.path, &bytes)
    }

    fn clear(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Write `bytes` to `path` through a temp file + rename; the file is created 0600 from the
/// start so the token is never readable by others, not even for a moment.
pub(crate) fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("session");
    let tmp = dir.join(format!(".{file_name}.{}.tmp", uuid::Uuid::new_v4()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}

/// Sign-up, sign-in, sign-out and the current user, on top of the API client (which owns the
/// session and refreshes it).
#[derive(Clone)]
pub struct AuthManager {
    api: ApiClient,
    db: Db,
}

impl AuthManager {
    pub(crate) fn new(api: ApiClient, db: Db) -> Self {
        Self { api, db }
    }

    /// Create an account and keep its session.
    pub async fn sign_up(&self, body: &SignUp) -> Result<User> {
        let auth = self.api.sign_up(body).await?;
        self.claim_cache(auth.user.id).await?;
        Ok(auth.user)
    }

    /// Sign in and keep the session. Signing in as another account than the one the local
    /// cache belongs to empties the cache first (the previous account's unsynced changes
    /// cannot be sent under this one).
    pub async fn sign_in(&self, body: &SignIn) -> Result<User> {
        let auth = self.api.sign_in(body).await?;
        self.claim_cache(auth.user.id).await?;
        Ok(auth.user)
    }

    async fn claim_cache(&self, user: storyloom_domain::UserId) -> Result<()> {
        self.db
            .write_async(move |tx| {
                let owner = meta::get(tx, meta::OWNER)?;
                if owner.as_deref().is_some_and(|o| o != user.to_string()) {
                    tracing::info!("another account signed in: local cache emptied");
                    meta::wipe(tx)?;
                }
                meta::set(tx, meta::OWNER, &user.to_string())
            })
            .await
    }

    /// Revoke the session on the server (best effort: offline still signs out locally) and
    /// forget it. The local cache and outbox stay; they belong to the user and sync on the
    /// next sign-in.
    pub async fn sign_out(&self) -> Result<()> {
        self.api.sign_out().await
    }

    /// The signed-in user, from the stored session (no network).
    pub fn current_user(&self) -> Option<User> {
        self.api.session().map(|s| s.user)
    }

    /// Whether a session is stored.
    pub fn is_signed_in(&self) -> bool {
        self.api.session().is_some()
    }

    /// Ask the server for a fresh token now.
    pub async fn refresh(&self) -> Result<User> {
        Ok(self.api.refresh_session().await?.user)
    }
}

impl std::fmt::Debug for AuthManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthManager").finish_non_exhaustive()
    }
}

/// Shared session state of the API client: the store plus an in-memory copy, so a request
/// never hits the keychain or disk.
pub(crate) struct SessionCell {
    store: Arc<dyn SessionStore>,
    current: Mutex<Option<Session>>,
}

impl SessionCell {
    pub(crate) fn new(store: Arc<dyn SessionStore>) -> Result<Self> {
        let current = store.load()?;
        Ok(Self {
            store,
            current: Mutex::new(current),
        })
    }

    pub(crate) fn get(&self) -> Option<Session> {
        self.current.lock().ok().and_then(|s| s.clone())
    }

    pub(crate) fn set(&self, session: Session) -> Result<()> {
        self.store.save(&session)?;
        *self.current.lock().map_err(|_| poisoned())? = Some(session);
        Ok(())
    }

    pub(crate) fn clear(&self) -> Result<()> {
        self.store.clear()?;
        *self.current.lock().map_err(|_| poisoned())? = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyloom_domain::SessionInfo;

    fn session() -> Session {
        AuthResponse {
            user: User {
                id: storyloom_domain::UserId(uuid::Uuid::now_v7()),
                email: "a@b.co".into(),
                name: None,
                created_at: storyloom_domain::time::now(),
            },
            session: SessionInfo {
                token: "tok".into(),
                expires_at: storyloom_domain::time::now(),
            },
        }
    }

    #[test]
    fn file_store_round_trips_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSessionStore::new(dir.path().join("sub/session.json"));
        assert!(store.load().unwrap().is_none());
        let s = session();
        store.save(&s).unwrap();
        assert_eq!(store.load().unwrap(), Some(s.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1);
        store.clear().unwrap();
        store.clear().unwrap();
        assert!(store.load().unwrap().is_none());
    }

    #[test]
    fn memory_store_round_trips() {
        let store = MemorySessionStore::new();
        store.save(&session()).unwrap();
        assert!(store.load().unwrap().is_some());
        store.clear().unwrap();
        assert!(store.load().unwrap().is_none());
    }
}
