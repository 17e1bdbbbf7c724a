//! The blob store: one type over `object_store`, local disk or S3-compatible.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{
    Attribute, Attributes, GetOptions, GetRange, ObjectStore, PutOptions, PutPayload,
};
use uuid::Uuid;

use crate::signer::SignatureError;
use crate::{ByteRange, MediaError, MediaKey, Result, UrlSigner, content_type_for, parse_range};

/// An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, …).
#[derive(Clone)]
pub struct S3Config {
    /// `STORYLOOM_S3_BUCKET`.
    pub bucket: String,
    /// `STORYLOOM_S3_REGION`, default `us-east-1` (R2 uses `auto`).
    pub region: String,
    /// `STORYLOOM_S3_ENDPOINT`: set for anything but AWS itself; path-style requests are used
    /// then, which every S3-compatible server understands.
    pub endpoint: Option<String>,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .finish()
    }
}

/// Where media lives.
#[derive(Debug, Clone)]
pub enum MediaConfig {
    /// A directory on local disk, served by the API with HMAC-signed URLs.
    Local {
        /// The directory (created if missing).
        dir: PathBuf,
        /// Signs `/api/media/...` URLs.
        signer: UrlSigner,
        /// The server's public base URL, e.g. `http://127.0.0.1:8080`.
        public_url: String,
    },
    /// A bucket, which presigns its own URLs.
    S3(S3Config),
}

enum Urls {
    Local {
        signer: UrlSigner,
        public_url: String,
    },
    S3(Arc<AmazonS3>),
}

/// A blob read back, possibly a range of it.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The bytes (the range's, when a range was asked for).
    pub bytes: Bytes,
    /// `audio/mpeg` or `image/png`.
    pub content_type: &'static str,
    /// Set when a range was served.
    pub range: Option<ByteRange>,
    /// The whole blob's size.
    pub size: u64,
}

/// Media storage with signed URLs. Cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    urls: Arc<Urls>,
    url_ttl: Duration,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl BlobStore {
    /// Open the store `config` describes; URLs it hands out live `url_ttl`.
    pub fn open(config: &MediaConfig, url_ttl: Duration) -> Result<Self> {
        match config {
            MediaConfig::Local {
                dir,
                signer,
                public_url,
            } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    MediaError::Config(format!("cannot create {}: {e}", dir.display()))
                })?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| MediaError::Config(e.to_string()))?
                    .with_automatic_cleanup(true);
                Ok(Self {
                    inner: Arc::new(fs),
                    urls: Arc::new(Urls::Local {
                        signer: signer.clone(),
                        public_url: public_url.trim_end_matches('/').to_owned(),
                    }),
                    url_ttl,
                })
            }
            MediaConfig::S3(s3) => {
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key);
                if let Some(endpoint) = &s3.endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                let s3 = Arc::new(b.build().map_err(|e| MediaError::Config(e.to_string()))?);
                Ok(Self {
                    inner: s3.clone(),
                    urls: Arc::new(Urls::S3(s3)),
                    url_ttl,
                })
            }
        }
    }

    /// `local` or `s3`, for health and logs.
    pub fn backend(&self) -> &'static str {
        match *self.urls {
            Urls::Local { .. } => "local",
            Urls::S3(_) => "s3",
        }
    }

    fn path(key: &str) -> Result<ObjectPath> {
        ObjectPath::parse(key).map_err(|_| MediaError::InvalidKey(key.to_owned()))
    }

    /// Store `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &MediaKey, bytes: impl Into<Bytes>) -> Result<()> {
        let path = Self::path(&key.to_string())?;
        let mut opts = PutOptions::default();
        if let Urls::S3(_) = *self.urls {
            // The local filesystem cannot keep attributes (it serves by extension instead);
            // a bucket must know the type so presigned downloads play in the app.
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, key.content_type().into());
            opts.attributes = attributes;
        }
        self.inner
            .put_opts(&path, PutPayload::from_bytes(bytes.into()), opts)
            .await?;
        Ok(())
    }

    /// Read `key`, or the part of it a `Range` header asks for.
    pub async fn get(&self, key: &str, range_header: Option<&str>) -> Result<Blob> {
        let path = Self::path(key)?;
        let content_type = content_type_for(key);
        if range_header.is_none() {
            let got = self.inner.get(&path).await?;
            let size = got.meta.size;
            let bytes = got.bytes().await?;
            return Ok(Blob {
                bytes,
                content_type,
                range: None,
                size,
            });
        }
        let size = self.inner.head(&path).await?.size;
        let range = parse_range(range_header, size)
            .map_err(|e| MediaError::RangeNotSatisfiable { size: e.size })?;
        let opts = GetOptions {
            range: range.map(|r| GetRange::Bounded(r.range())),
            ..Default::default()
        };
        let bytes = self.inner.get_opts(&path, opts).await?.bytes().await?;
        Ok(Blob {
            bytes,
            content_type,
            range,
            size,
        })
    }

    /// The size of `key`'s blob.
    pub async fn size(&self, key: &str) -> Result<u64> {
        Ok(self.inner.head(&Self::path(key)?).await?.size)
    }

    /// Delete `key`; a missing blob is not an error (deletes are retried and replayed).
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Delete several keys, logging (not failing on) the ones that could not go: the rows are
    /// already gone, and an orphan blob is unreachable without its signed URL.
    pub async fn delete_keys(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.delete(key).await {
                tracing::warn!(%key, error = %e, "could not delete media");
            }
        }
    }

    /// Every key under `user`'s prefix.
    pub async fn list_user(&self, user: Uuid) -> Result<Vec<String>> {
        let prefix = ObjectPath::from(format!("users/{user}"));
        match self
            .inner
            .list(Some(&prefix))
            .map_ok(|m| m.location.to_string())
            .try_collect::<Vec<_>>()
            .await
        {
            Ok(keys) => Ok(keys),
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// Delete all of `user`'s media (account deletion). Returns how many blobs went.
    pub async fn delete_user(&self, user: Uuid) -> Result<usize> {
        let keys = self.list_user(user).await?;
        let n = keys.len();
        let paths = futures::stream::iter(keys.into_iter().map(|k| Ok(ObjectPath::from(k))));
        let results: Vec<_> = self.inner.delete_stream(paths.boxed()).collect().await;
        for r in results {
            match r {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// A URL the app can fetch `key` from until it expires.
    pub async fn url(&self, key: &str) -> Result<String> {
        match &*self.urls {
            Urls::Local { signer, public_url } => {
                let expires = unix_now() + self.url_ttl.as_secs() as i64;
                let sig = signer.sign(key, expires);
                Ok(format!(
                    "{public_url}/api/media/{key}?expires={expires}&sig={sig}"
                ))
            }
            Urls::S3(s3) => Ok(s3
                .signed_url(http::Method::GET, &Self::path(key)?, self.url_ttl)
                .await?
                .to_string()),
        }
    }

    /// Check a local media URL's signature. Always refused for a bucket (its URLs point at
    /// the bucket, never at the API).
    pub fn verify(
        &self,
        key: &str,
        expires: Option<i64>,
        sig: Option<&str>,
    ) -> Result<(), SignatureError> {
        match &*self.urls {
            Urls::Local { signer, .. } => signer.verify(key, expires, sig, unix_now()),
            Urls::S3(_) => Err(SignatureError::Invalid),
        }
    }

    /// Whether the store answers: a lookup of a key that does not exist must say "not found".
    pub async fn health(&self) -> Result<()> {
        let probe = ObjectPath::from(format!("health/{}", Uuid::nil()));
        match self.inner.head(&probe).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
