//! HMAC-SHA256 signatures for local media URLs: `sig = hex(HMAC(secret, key "\n" expires))`.
//! The expiry is inside the MAC, so neither the key nor the expiry can be changed without the
//! secret, and checking uses a constant-time comparison.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::MediaError;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks local media URLs.
#[derive(Clone)]
pub struct UrlSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner([redacted])")
    }
}

/// Why a signed URL was refused (all answer 403; the reason goes to the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// `expires` or `sig` is missing or unreadable.
    Missing,
    /// The link's time is up.
    Expired,
    /// The signature does not match the key and expiry.
    Invalid,
}

impl UrlSigner {
    /// A signer with this secret (at least 16 bytes).
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, MediaError> {
        let secret = secret.into();
        if secret.len() < 16 {
            return Err(MediaError::Config(
                "the media signing secret must be at least 16 bytes".into(),
            ));
        }
        Ok(Self { secret })
    }

    /// The secret from `STORYLOOM_MEDIA_SECRET` if given, else the one kept in
    /// `{data_dir}/media-secret` (created with 32 random bytes and mode 0600 on first use), so
    /// links stay valid across restarts.
    pub fn from_env_or_file(explicit: Option<&str>, data_dir: &Path) -> Result<Self, MediaError> {
        if let Some(s) = explicit.filter(|s| !s.is_empty()) {
            return Self::new(s.as_bytes().to_vec());
        }
        let path = data_dir.join("media-secret");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::new(
                hex::decode(text.trim())
                    .map_err(|_| MediaError::Config(format!("{} is not hex", path.display())))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| MediaError::Config(format!("no randomness: {e}")))?;
                std::fs::create_dir_all(data_dir).map_err(|e| {
                    MediaError::Config(format!("cannot create {}: {e}", data_dir.display()))
                })?;
                write_private(&path, hex::encode(bytes).as_bytes())?;
                Self::new(bytes.to_vec())
            }
            Err(e) => Err(MediaError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    fn mac(&self, key: &str, expires: i64) -> HmacSha256 {
        // new_from_slice only fails for fixed-size keys; HMAC accepts any length.
        let mut mac = HmacSha256::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(key.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The `sig` for `key` valid until `expires` (unix seconds).
    pub fn sign(&self, key: &str, expires: i64) -> String {
        hex::encode(self.mac(key, expires).finalize().into_bytes())
    }

    /// Check `sig` for `key` and `expires` at time `now` (unix seconds).
    pub fn verify(
        &self,
        key: &str,
        expires: Option<i64>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), SignatureError> {
        let (Some(expires), Some(sig)) = (expires, sig) else {
            return Err(SignatureError::Missing);
        };
        let sig = hex::decode(sig).map_err(|_| SignatureError::Invalid)?;
        self.mac(key, expires)
            .verify_slice(&sig)
            .map_err(|_| SignatureError::Invalid)?;
        if expires < now {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| MediaError::Config(format!("cannot create {}: {e}", path.display())))?;
    f.write_all(bytes)
        .map_err(|e| MediaError::Config(format!("cannot write {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    std::fs::write(path, bytes)
        .map_err(|e| MediaError::Config(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_key_and_expiry() {
        let s = UrlSigner::new(b"0123456789abcdef0123".to_vec()).unwrap();
        let sig = s.sign("users/a/audio/b.mp3", 1000);
        assert_eq!(
            s.verify("users/a/audio/b.mp3", Some(1000), Some(&sig), 999),
            Ok(())
        );
        assert_eq!(
            s.verify("users/a/audio/b.mp3", Some(1000), Some(&sig), 1001),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            s.verify("users/a/audio/c.mp3", Some(1000), Some(&sig), 999),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            s.verify("users/a/audio/b.mp3", Some(5000), Some(&sig), 999),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            s.verify("users/a/audio/b.mp3", None, Some(&sig), 999),
            Err(SignatureError::Missing)
        );
        let other = UrlSigner::new(b"another secret of 16+".to_vec()).unwrap();
        assert_eq!(
            other.verify("users/a/audio/b.mp3", Some(1000), Some(&sig), 999),
            Err(SignatureError::Invalid)
        );
        assert!(UrlSigner::new(b"short".to_vec()).is_err());
    }

    #[test]
    fn secret_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = UrlSigner::from_env_or_file(None, dir.path()).unwrap();
        let b = UrlSigner::from_env_or_file(None, dir.path()).unwrap();
        assert_eq!(a.sign("k", 1), b.sign("k", 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("media-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let c = UrlSigner::from_env_or_file(Some("an explicit secret!"), dir.path()).unwrap();
        assert_ne!(a.sign("k", 1), c.sign("k", 1));
    }
}
