//! Storyloom's media storage: avatars, narration and illustrations as blobs under
//! `users/{userId}/{kind}/{id}.{ext}`, on local disk (the default) or an S3-compatible bucket,
//! handed to clients as signed, expiring URLs.
//!
//! Both backends go through `object_store`, so put/get/range/delete behave the same and the
//! server never knows which one runs. They differ only in how a URL is signed: a bucket presigns
//! its own (SigV4), while local blobs are served by the API at `/api/media/{key}` with an
//! HMAC-SHA256 signature over the key and the expiry that [`UrlSigner`] checks.
#![warn(missing_docs)]

mod key;
mod range;
mod signer;
mod store;
#[cfg(feature = "test-support")]
pub mod testing;

pub use key::{MediaKey, MediaKind, content_type_for, user_prefix};
pub use range::{ByteRange, RangeError, parse_range};
pub use signer::{SignatureError, UrlSigner};
pub use store::{Blob, BlobStore, MediaConfig, S3Config};

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// No blob under that key.
    #[error("no media at {0}")]
    NotFound(String),
    /// The key is not of the form `users/{uuid}/{kind}/{uuid}.{ext}`.
    #[error("not a media key: {0}")]
    InvalidKey(String),
    /// The requested byte range lies outside the blob.
    #[error("range not satisfiable for a blob of {size} bytes")]
    RangeNotSatisfiable {
        /// The blob's size.
        size: u64,
    },
    /// The disk or bucket is out of space: nothing was stored.
    #[error("media storage is full: {0}")]
    Full(String),
    /// The backend failed (I/O, network, credentials). Safe to log.
    #[error("media storage failed: {0}")]
    Storage(String),
    /// The configuration cannot work (bad endpoint, unreadable secret file).
    #[error("media storage is misconfigured: {0}")]
    Config(String),
}

impl From<object_store::Error> for MediaError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => Self::NotFound(path),
            other => {
                if is_storage_full(&other) {
                    Self::Full(other.to_string())
                } else {
                    Self::Storage(other.to_string())
                }
            }
        }
    }
}

/// Whether an object_store error is, underneath, "no space left on device" (ENOSPC) or a
/// quota error, so the API can say so instead of a vague failure.
fn is_storage_full(e: &object_store::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        {
            return true;
        }
        source = err.source();
    }
    let text = e.to_string();
    text.contains("No space left on device") || text.contains("QuotaExceeded")
}

/// Shorthand for results of this crate.
pub type Result<T, E = MediaError> = std::result::Result<T, E>;
