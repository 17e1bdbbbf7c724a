//! The media cache: avatars, narration and pictures as local files, for offline play.

use std::sync::Arc;

use storyloom_client as core;

use crate::error::StoryloomError;
use crate::runtime::run;
use crate::types::MediaKind;

/// Media files kept on the device (content-addressed, expired by kind, LRU within a size
/// budget). Hand the returned paths to `AVPlayer` / `UIImage(contentsOfFile:)`.
#[derive(uniffi::Object)]
pub struct MediaCache {
    client: Arc<core::Client>,
}

impl MediaCache {
    pub(crate) fn new(client: Arc<core::Client>) -> Self {
        Self { client }
    }

    /// Media URLs are absolute when the server has a public URL; a server-relative one
    /// (`/media/…`) is resolved against the server this client talks to.
    fn absolute(&self, url: String) -> String {
        if url.starts_with('/') {
            let base = self.client.api().base_url();
            let origin = base.strip_suffix("/api").unwrap_or(base);
            format!("{origin}{url}")
        } else {
            url
        }
    }
}

#[uniffi::export]
impl MediaCache {
    /// The local file for `url` (an `avatar_url`, `audio_url` or `image_url`), downloading
    /// it when it is not cached or has expired. Offline and not cached: `Offline`.
    pub async fn fetch(&self, kind: MediaKind, url: String) -> Result<String, StoryloomError> {
        let url = self.absolute(url);
        let c = self.client.clone();
        run(async move {
            let path = c.media().get(kind.into(), &url).await?;
            Ok(path.to_string_lossy().into_owned())
        })
        .await
    }

    /// The local file for `url` if it is cached and fresh (no network), else `None`.
    pub fn cached(&self, url: String) -> Result<Option<String>, StoryloomError> {
        let url = self.absolute(url);
        Ok(self
            .client
            .media()
            .cached(&url)?
            .map(|p| p.to_string_lossy().into_owned()))
    }

    /// Remove expired files and keep the cache under its size budget; returns how many
    /// files went. Call it when the app goes to the background.
    pub async fn evict(&self) -> Result<u64, StoryloomError> {
        let c = self.client.clone();
        run(async move {
            let removed = tokio::task::spawn_blocking(move || c.media().evict())
                .await
                .map_err(|e| StoryloomError::Storage {
                    message: format!("eviction failed: {e}"),
                })??;
            Ok(removed as u64)
        })
        .await
    }

    /// Bytes the cache takes on disk.
    pub fn total_size(&self) -> Result<u64, StoryloomError> {
        Ok(self.client.media().total_size()?)
    }
}
