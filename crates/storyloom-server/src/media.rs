//! Media on the API side: serving local blobs behind signed URLs, and turning stored keys into
//! signed URLs where answers are built.
//!
//! Rows keep the bare key (`users/{u}/{kind}/{id}.{ext}`), never a URL: URLs expire and depend
//! on the deployment's public address or bucket, keys do not. [`sign`] signs the media fields
//! a type declares ([`HasMedia`]); the answer helpers of `routes` call it for every answer, the
//! change feed for each entity before it becomes JSON, the service layer for a conflict's
//! current entity.

use axum::{
    Router,
    body::Body,
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use storyloom_domain::HasMedia;
use storyloom_media::{MediaError, MediaKey, SignatureError};

use crate::{error::ApiError, state::AppState};

/// `GET /media/{*key}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/media/{*key}", get(serve_media))
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::NotFound(_) | MediaError::InvalidKey(_) => Self::NotFound("media"),
            MediaError::Full(why) => Self::Unavailable(format!(
                "media storage is full, so nothing new can be saved; free space or grow the volume ({why})"
            )),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

#[derive(Debug, Deserialize)]
struct SignedQuery {
    expires: Option<String>,
    sig: Option<String>,
}

/// Serve a local blob: the signature is the only authorization (the app's media player has no
/// bearer token), so it is checked before anything touches storage.
async fn serve_media(
    State(state): State<AppState>,
    Path(key): Path<String>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<SignedQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let expires = q.expires.as_deref().and_then(|e| e.parse::<i64>().ok());
    match state.media.verify(&key, expires, q.sig.as_deref()) {
        Ok(()) => {}
        Err(SignatureError::Missing) => {
            return Err(ApiError::Forbidden(
                "this media link is missing its signature; ask the API for the item again to get a fresh link"
                    .into(),
            ));
        }
        Err(SignatureError::Expired) => {
            return Err(ApiError::Forbidden(
                "this media link has expired; ask the API for the item again to get a fresh link"
                    .into(),
            ));
        }
        Err(SignatureError::Invalid) => {
            return Err(ApiError::Forbidden(
                "this media link's signature is not valid".into(),
            ));
        }
    }
    key.parse::<MediaKey>()?;
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let blob = match state.media.get(&key, range).await {
        Ok(b) => b,
        Err(MediaError::RangeNotSatisfiable { size }) => {
            let mut resp = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(resp);
        }
        Err(e) => return Err(e.into()),
    };
    let status = if blob.range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut resp = (status, Body::from(blob.bytes)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(blob.content_type),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Keys are unique per generation, so a blob never changes under its key.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600, immutable"),
    );
    if let Some(r) = blob.range
        && let Ok(v) = HeaderValue::from_str(&r.content_range())
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
}

/// Turn the storage keys in `data`'s media fields into signed URLs. A field that is already a
/// URL is left alone, so signing twice is harmless; a key that cannot be signed stays a key
/// (the client shows no picture) and is logged.
pub async fn sign<T: HasMedia + ?Sized>(state: &AppState, data: &mut T) {
    for field in data.media_fields() {
        let Some(key) = field.as_deref().filter(|k| k.starts_with("users/")) else {
            continue;
        };
        match state.media.url(key).await {
            Ok(url) => *field = Some(url),
            Err(e) => tracing::warn!(%key, error = %e, "could not sign a media URL"),
        }
    }
}
