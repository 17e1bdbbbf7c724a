//! Extractors: every way a request's input is read, each failing with an [`ApiError`] so a
//! malformed request gets the envelope and a 4xx, never axum's plain-text rejection.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, Path, Request, rejection::BytesRejection,
    },
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use storyloom_domain::{FieldErrors, Validate, time};
use storyloom_store::{Page, SessionRecord, UserRecord};
use uuid::Uuid;

use crate::{error::ApiError, state::AppState};

/// The signed-in user of a request, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The account.
    pub user: UserRecord,
    /// The session the token belongs to.
    pub session: SessionRecord,
    /// The presented token (echoed by `GET /api/auth/session`).
    pub token: String,
}

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> Uuid {
        self.user.id
    }
}

/// Hex SHA-256 of a session token: the only form in which tokens are stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized(
            "sign in first: send Authorization: Bearer <token>",
        ))?;
        // A real token is 43 base64url characters; refuse junk before touching the database.
        if token.len() > 128 {
            return Err(ApiError::Unauthorized(
                "the session token is not valid; sign in again",
            ));
        }
        let hash = token_hash(token);
        let now = time::now().timestamp_millis();
        let caches = &state.hub.caches;
        let entry = match caches.session(&hash, now) {
            Some(e) => e,
            None => {
                let found = state.store.session(&hash, now).await?;
                let (session, user, version) = found.ok_or(ApiError::Unauthorized(
                    "the session has expired or was signed out; sign in again",
                ))?;
                caches.note_version(user.id, version);
                caches.put_session(crate::cache::AuthEntry { session, user });
                caches.session(&hash, now).ok_or(ApiError::Unauthorized(
                    "the session has expired or was signed out; sign in again",
                ))?
            }
        };
        let (session, user) = (entry.session.clone(), entry.user.clone());
        tracing::Span::current().record("user.id", tracing::field::display(user.id));
        Ok(AuthUser {
            user,
            session,
            token: token.to_owned(),
        })
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn body_error(rejection: BytesRejection, limit: usize) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(limit)
    } else {
        ApiError::MalformedJson(rejection.body_text())
    }
}

/// Turn a serde error into the field-keyed error of API.md.
pub fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return ApiError::MalformedJson(strip_position(&inner.to_string()));
    }
    let msg = strip_position(&inner.to_string());
    let field = if path == "." || path.is_empty() {
        // "missing field `name`": the path is the parent; take the name from the message.
        msg.split('`')
            .nth(1)
            .filter(|_| msg.starts_with("missing field"))
            .unwrap_or("body")
            .to_owned()
    } else {
        path
    };
    let message = if msg.starts_with("missing field") {
        "is required".to_owned()
    } else {
        msg
    };
    let mut m = FieldErrors::new();
    m.insert(field, message);
    ApiError::Validation(m)
}

fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// Parse and validate a JSON body.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(json_error)?;
    value.validate().map_err(ApiError::Validation)?;
    Ok(value)
}

/// A JSON body, checked for content type, size, shape and the contract's validation rules.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_error(r, state.config.body_limit))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out entirely (then `T::default()`).
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Validate + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_error(r, state.config.body_limit))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// An entity id from the path.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NoRoute)?;
        Uuid::parse_str(&raw).map(PathId).map_err(|_| {
            ApiError::field(
                "id",
                "must be a UUID like 0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
            )
        })
    }
}

/// `If-Match: <version>` (plain or quoted), if sent.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let s = v.to_str().unwrap_or("").trim();
        let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
        s.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| IfMatch(Some(n)))
            .ok_or_else(|| {
                ApiError::field(
                    "If-Match",
                    "must be the entity's version number, like 3 or \"3\"",
                )
            })
    }
}

/// List parameters from the query string, with the seed's `X-Query-*` headers as a fallback.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Page.
    pub page: Page,
    /// `heroId` filter.
    pub hero_id: Option<Uuid>,
    /// `favorite` filter.
    pub favorite: Option<bool>,
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
                .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
        let get = |name: &str, header_name: &str| -> Option<String> {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    parts
                        .headers
                        .get(header_name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                })
        };
        let mut errors = FieldErrors::new();
        let mut p = ListParams::default();
        if let Some(v) = get("limit", "x-query-limit") {
            match v.trim().parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => p.page.limit = n,
                _ => {
                    errors.insert(
                        "limit".into(),
                        "must be a whole number from 1 to 100".into(),
                    );
                }
            }
        }
        if let Some(v) = get("offset", "x-query-offset") {
            match v.trim().parse::<i64>() {
                Ok(n) if n >= 0 => p.page.offset = n,
                _ => {
                    errors.insert(
                        "offset".into(),
                        "must be a whole number of 0 or more".into(),
                    );
                }
            }
        }
        if let Some(v) = get("heroId", "x-query-hero-id").filter(|v| !v.is_empty()) {
            match Uuid::parse_str(v.trim()) {
                Ok(id) => p.hero_id = Some(id),
                Err(_) => {
                    errors.insert("heroId".into(), "must be a UUID".into());
                }
            }
        }
        if let Some(v) = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == "favorite")
            .map(|(_, v)| v)
        {
            match v.as_str() {
                "true" | "1" => p.favorite = Some(true),
                "false" | "0" => p.favorite = Some(false),
                _ => {
                    errors.insert("favorite".into(), "must be true or false".into());
                }
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The client's address, for per-address rate limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config.trust_proxy
            && let Some(ip) = crate::limits::forwarded_client(
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
                state.config.trusted_proxy_hops,
            )
        {
            return Ok(ClientAddr(ip));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientAddr(ip))
    }
}
