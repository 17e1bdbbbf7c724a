//! Media on the API side: storing generated blobs, serving local blobs behind signed URLs, and
//! turning stored keys into signed URLs in every JSON answer.
//!
//! Rows keep the bare key (`users/{u}/{kind}/{id}.{ext}`), never a URL: URLs expire and depend
//! on the deployment's public address or bucket, keys do not. [`sign_urls`] rewrites
//! `avatarUrl`/`audioUrl`/`imageUrl` values that are still keys just before an answer leaves,
//! so every path that returns an entity (CRUD, sync feed, conflicts, generation) gets fresh
//! URLs without each handler remembering to.

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use storyloom_media::{MediaError, MediaKey, SignatureError};

use crate::{error::ApiError, state::AppState};

/// JSON fields that hold media.
const MEDIA_FIELDS: [&str; 3] = ["avatarUrl", "audioUrl", "imageUrl"];

/// Largest answer body the signer rewrites (a full page of stories is well under this).
const MAX_SIGNED_BODY: usize = 16 * 1024 * 1024;

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

/// Middleware: sign media keys in JSON answers. Answers without a bare key (the common case:
/// no media yet, or not an entity) pass through untouched after one substring scan.
pub async fn sign_urls(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match to_bytes(body, MAX_SIGNED_BODY).await {
        Ok(b) => b,
        Err(e) => return ApiError::Internal(format!("reading an answer: {e}")).into_response(),
    };
    if memchr::memmem::find(&bytes, b":\"users/").is_none() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut keys = Vec::new();
    collect_keys(&value, &mut keys);
    let mut urls = std::collections::HashMap::with_capacity(keys.len());
    for key in keys {
        match state.media.url(&key).await {
            Ok(url) => {
                urls.insert(key, url);
            }
            Err(e) => tracing::warn!(%key, error = %e, "could not sign a media URL"),
        }
    }
    replace_keys(&mut value, &urls);
    match serde_json::to_vec(&value) {
        Ok(body) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.remove(header::ETAG);
            Response::from_parts(parts, Body::from(body))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

fn is_key(field: &str, v: &serde_json::Value) -> Option<String> {
    if !MEDIA_FIELDS.contains(&field) {
        return None;
    }
    v.as_str()
        .filter(|s| s.starts_with("users/"))
        .map(str::to_owned)
}

fn collect_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map {
                if let Some(key) = is_key(k, child) {
                    out.push(key);
                } else {
                    collect_keys(child, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_keys(i, out)),
        _ => {}
    }
}

fn replace_keys(v: &mut serde_json::Value, urls: &std::collections::HashMap<String, String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if let Some(key) = is_key(k, child) {
                    if let Some(url) = urls.get(&key) {
                        *child = serde_json::Value::String(url.clone());
                    }
                } else {
                    replace_keys(child, urls);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| replace_keys(i, urls)),
        _ => {}
    }
}
