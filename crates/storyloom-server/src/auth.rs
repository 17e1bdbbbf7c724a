//! Passwords and session tokens, with no HTTP in sight.
//!
//! Passwords: Argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane — OWASP's
//! recommendation), PHC strings at rest. Tokens: 32 bytes from the OS RNG, base64url, stored
//! only as SHA-256 (a stolen database yields no usable session).

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::ApiError;

/// Hash a password (slow on purpose: run it off the async threads).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("hashing task failed: {e}")))?
}

/// A real hash of a random password nobody knows, made once, so a sign-in with an unknown
/// email costs the same time as one with a wrong password and does not reveal which emails
/// have accounts.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(salt.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Check a password against a stored hash (or the dummy, when there is no account).
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let has_account = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && has_account
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verify task failed: {e}")))
}

/// A new 256-bit session token.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify_password("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, b);
    }
}

/// The signed-in account as requests see it: who and their preferences, never the password
/// hash, which only sign-in reads (from the store, not from any cache).
#[derive(Debug, Clone)]
pub struct Account {
    /// Account id.
    pub id: storyloom_domain::UserId,
    /// Normalised email.
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Story language by default.
    pub preferred_language: storyloom_domain::Language,
    /// Narration voice by default.
    pub preferred_voice: storyloom_domain::Voice,
    /// Story length by default (`None`: by the hero's age).
    pub default_story_length: Option<storyloom_domain::StoryLength>,
    /// Epoch ms.
    pub created_at: i64,
    /// The zone the Reading Journey counts days in by default.
    pub timezone: storyloom_domain::Timezone,
}

impl From<&storyloom_store::UserRecord> for Account {
    fn from(u: &storyloom_store::UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            preferred_language: u.preferred_language,
            preferred_voice: u.preferred_voice,
            default_story_length: u.default_story_length,
            created_at: u.created_at,
            timezone: u.timezone,
        }
    }
}
