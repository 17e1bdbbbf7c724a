//! Where the app keeps the session: a foreign trait the app implements over the Keychain
//! (iOS) or EncryptedSharedPreferences / the Keystore (Android).
//!
//! The session crosses the boundary as an opaque JSON string: the app stores and returns it
//! byte for byte and never needs to understand it, so the session format can change without
//! touching Swift or Kotlin code. The bearer token is inside, so it must go to secure
//! storage, never to `UserDefaults` or logs.

use std::sync::Arc;

use storyloom_client as core;

use crate::error::StoryloomError;

/// Secure storage for the signed-in session, implemented by the app.
///
/// Called rarely: `load` once when the client is built, `save` after each sign-in or token
/// refresh, `clear` on sign-out. Calls come from a background thread; keep them quick and do
/// not call back into the client from them. Throw `StoryloomError.Storage` when the store
/// fails (a locked Keychain): the client reports it to the caller of the operation.
#[uniffi::export(with_foreign)]
pub trait SessionStore: Send + Sync {
    /// The saved session, or `None` when there is none.
    fn load(&self) -> Result<Option<String>, StoryloomError>;
    /// Replace the saved session with `session` (opaque; store it as is).
    fn save(&self, session: String) -> Result<(), StoryloomError>;
    /// Forget the saved session.
    fn clear(&self) -> Result<(), StoryloomError>;
}

/// Adapts the app's store to the client core's `SessionStore`.
pub(crate) struct ForeignSessionStore(pub(crate) Arc<dyn SessionStore>);

fn to_core(e: StoryloomError) -> core::Error {
    core::Error::Invalid(format!("session store: {e}"))
}

impl core::SessionStore for ForeignSessionStore {
    fn load(&self) -> core::Result<Option<core::Session>> {
        match self.0.load().map_err(to_core)? {
            Some(text) => match serde_json::from_str(&text) {
                Ok(session) => Ok(Some(session)),
                Err(e) => {
                    // A session from an older, incompatible build: treat as signed out rather
                    // than failing every start; the user signs in once more.
                    tracing::warn!(error = %e, "stored session unreadable; signing out");
                    self.0.clear().map_err(to_core)?;
                    Ok(None)
                }
            },
            None => Ok(None),
        }
    }

    fn save(&self, session: &core::Session) -> core::Result<()> {
        let text = serde_json::to_string(session)?;
        self.0.save(text).map_err(to_core)
    }

    fn clear(&self) -> core::Result<()> {
        self.0.clear().map_err(to_core)
    }
}
