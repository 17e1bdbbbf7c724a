//! Extractors: every way a request's input is read, each failing with an [`ApiError`] so a
//! malformed request gets the envelope and a 4xx, never axum's plain-text rejection.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, Path, Request, rejection::BytesRejection,
    },
    http::{HeaderMap, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use storyloom_domain::{FieldErrors, Validate, time};
use storyloom_store::{Page, SessionRecord};

use crate::auth::Account;
use uuid::Uuid;

use crate::{error::ApiError, state::AppState};

/// The signed-in user of a request, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The account (without its password hash).
    pub user: Account,
    /// The session the token belongs to.
    pub session: SessionRecord,
    /// The presented token (echoed by `GET /api/auth/session`).
    pub token: String,
}

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> storyloom_domain::UserId {
        self.user.id
    }

    /// The caller as the service layer needs it.
    pub fn caller(&self) -> crate::service::Caller {
        crate::service::Caller {
            user: self.id(),
            voice: self.user.preferred_voice,
            language: self.user.preferred_language,
            story_length: self.user.default_story_length,
        }
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
                caches.put_session(crate::cache::AuthEntry {
                    session,
                    user: Account::from(&user),
                });
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

/// Parse and validate a JSON request body.
///
/// Two passes, so that every failure is put in the right words. The first only checks that
/// the bytes are exactly one JSON object (no trailing bytes after it, as in `{…} {"x"`),
/// building nothing. The second deserializes `T` with the path of every value tracked; as the
/// syntax is known to be good by then, what fails there is a field's type or value, and the
/// error names that field (`traits[0]`), never the body. serde_json reports an enum given a
/// number or `null` as the syntax error "expected value", which is why one pass cannot tell
/// the two apart.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::MalformedJson(syntax_words(&e)));
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de)
        .map_err(|e| field_error::<T>(e, "", || serde_json::from_slice(bytes).ok()))?;
    value.validate().map_err(ApiError::Validation)?;
    Ok(value)
}

/// Parse and validate a JSON object nested in a request under `field` (a sync mutation's
/// `fields`): every error, of type or of validation, is keyed by its path from the request,
/// like `fields.traits[0]`, so a client can point at the same field either way.
pub fn parse_nested<T: DeserializeOwned + Validate>(
    value: &serde_json::Value,
    field: &str,
) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::field(field, "must be an object"));
    }
    let parsed: T = serde_path_to_error::deserialize(value)
        .map_err(|e| field_error::<T>(e, field, || Some(value.clone())))?;
    parsed.validate().map_err(|errors| {
        ApiError::Validation(
            errors
                .into_iter()
                .map(|(k, v)| (format!("{field}.{k}"), v))
                .collect(),
        )
    })?;
    Ok(parsed)
}

/// The message of a JSON syntax error, without serde_json's line and column (most clients
/// send the body as one line, where the position tells a person nothing).
fn syntax_words(e: &serde_json::Error) -> String {
    let msg = strip_position(&e.to_string());
    if msg == "trailing characters" {
        "there is more after the JSON object; send exactly one".to_owned()
    } else {
        msg
    }
}

/// A deserialization failure at a path, in plain words keyed by the field's name under
/// `prefix`. `document` gives the parsed body when one is at hand, for [`enum_choices`].
fn field_error<T: DeserializeOwned>(
    e: serde_path_to_error::Error<serde_json::Error>,
    prefix: &str,
    document: impl FnOnce() -> Option<serde_json::Value>,
) -> ApiError {
    let path = e.path().clone();
    let inner = e.into_inner();
    let raw = strip_position(&inner.to_string());
    if inner.is_eof() || inner.is_io() {
        return ApiError::MalformedJson(raw);
    }
    // The only syntax errors the typed pass meets in a well-formed document: an enum given
    // something other than a string, and a number too large for any float.
    // serde_json's two spellings of it (the streaming parser's and `Value`'s), and an enum
    // given an object (`{"bedtime": 1}`) for a variant that holds nothing.
    let wrong_enum = (inner.is_syntax() && raw.starts_with("expected value"))
        || raw.ends_with("expected string or map")
        || raw.ends_with("expected unit")
        || raw.contains("expected unit variant");
    if inner.is_syntax() && !wrong_enum {
        if raw == "number out of range" {
            return ApiError::field(&field_name(prefix, &path, None), "is out of range");
        }
        return ApiError::MalformedJson(raw);
    }
    // `missing field`, `duplicate field` and `unknown field` come with the parent's path.
    let named = |what: &str| {
        raw.strip_prefix(what)
            .and_then(|rest| rest.split('`').nth(1))
            .map(str::to_owned)
    };
    let (field, message) = if let Some(f) = named("missing field ") {
        (
            field_name(prefix, &path, Some(&f)),
            "is required".to_owned(),
        )
    } else if let Some(f) = named("duplicate field ") {
        (
            field_name(prefix, &path, Some(&f)),
            "is given more than once".to_owned(),
        )
    } else if let Some(f) = named("unknown field ") {
        (
            field_name(prefix, &path, Some(&f)),
            "is not a field of this request".to_owned(),
        )
    } else if wrong_enum {
        let message = document()
            .and_then(|doc| enum_choices::<T>(doc, &path))
            .unwrap_or_else(|| "must be one of the listed values (a string)".to_owned());
        (field_name(prefix, &path, None), message)
    } else {
        (field_name(prefix, &path, None), plain_words(&raw))
    };
    let mut m = FieldErrors::new();
    m.insert(field, message);
    ApiError::Validation(m)
}

/// A field's name as the API spells it: `traits[0]`, `mutations[2].entity`, under `prefix`;
/// `body` (or the prefix itself) for the whole document.
fn field_name(prefix: &str, path: &serde_path_to_error::Path, child: Option<&str>) -> String {
    use serde_path_to_error::Segment;
    let mut name = prefix.to_owned();
    let keys = path.iter().filter_map(|s| match s {
        Segment::Map { key } => Some(Ok(key.as_str())),
        Segment::Seq { index } => Some(Err(*index)),
        Segment::Enum { .. } | Segment::Unknown => None,
    });
    for key in keys.chain(child.map(Ok)) {
        match key {
            Ok(key) if name.is_empty() => name.push_str(key),
            Ok(key) => {
                name.push('.');
                name.push_str(key);
            }
            Err(index) => name.push_str(&format!("[{index}]")),
        }
    }
    if name.is_empty() {
        "body".to_owned()
    } else {
        name
    }
}

/// serde's message about a value of the wrong type or out of range, in the words of the
/// contract: what the field must be, never the Rust type it is read into.
fn plain_words(raw: &str) -> String {
    if raw.starts_with("unknown variant")
        && let Some(choices) = variants_in(raw)
    {
        return choices;
    }
    if raw.contains("UUID") {
        return "must be a UUID like 0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b".to_owned();
    }
    let expected = raw.rsplit_once(", expected ").map_or("", |(_, e)| e);
    let integer = matches!(
        expected,
        "i8" | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
    );
    if integer && raw.starts_with("invalid value: integer") {
        return "is out of range".to_owned();
    }
    match expected {
        _ if integer => "must be a whole number",
        "f32" | "f64" => "must be a number",
        "a string" | "a borrowed string" | "a character" => "must be a string",
        "a boolean" => "must be true or false",
        "a sequence" => "must be an array",
        e if e == "a map" || e.starts_with("struct ") => "must be an object",
        _ => "is not valid here",
    }
    .to_owned()
}

/// "must be one of: a, b, c" from serde's "unknown variant `x`, expected one of `a`, `b`, `c`"
/// (or "expected `a` or `b`").
fn variants_in(raw: &str) -> Option<String> {
    let (_, expected) = raw.rsplit_once(", expected ")?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    (!names.is_empty()).then(|| format!("must be one of: {}", names.join(", ")))
}

/// The choices of the enum at `path`, found by asking serde: the value there is swapped for
/// an empty string, which no variant is named, so deserializing again fails at the same path
/// with serde's list of the variants. Only run on the error path.
fn enum_choices<T: DeserializeOwned>(
    mut doc: serde_json::Value,
    path: &serde_path_to_error::Path,
) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut slot = &mut doc;
    for segment in path.iter() {
        slot = match segment {
            Segment::Map { key } => slot.get_mut(key.as_str())?,
            Segment::Seq { index } => slot.get_mut(*index)?,
            // Inside the enum already (`{"bedtime": 1}`): the enum is the value here.
            Segment::Enum { .. } => break,
            Segment::Unknown => return None,
        };
    }
    *slot = serde_json::Value::String(String::new());
    let e = serde_path_to_error::deserialize::<_, T>(doc).err()?;
    if field_name("", e.path(), None) != field_name("", path, None) {
        return None;
    }
    variants_in(&e.into_inner().to_string())
}

/// serde_json's message without its ` at line L column C` suffix (only that suffix: a value
/// quoted in the message may contain the same words).
fn strip_position(s: &str) -> String {
    let positioned = s.rfind(" at line ").filter(|&i| {
        s[i + " at line ".len()..]
            .split_once(" column ")
            .is_some_and(|(line, col)| {
                !line.is_empty()
                    && !col.is_empty()
                    && line.bytes().chain(col.bytes()).all(|b| b.is_ascii_digit())
            })
    });
    match positioned {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
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

/// An entity id from the path, typed by the route (`PathId<HeroId>`, `PathId<StoryId>`…).
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: From<Uuid> + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NoRoute)?;
        Uuid::parse_str(&raw)
            .map(|id| PathId(T::from(id)))
            .map_err(|_| {
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

/// Longest request target (path and query) the API reads. The longest real one, a signed
/// media URL, is a few hundred bytes; proxies commonly stop at 8 KiB too.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Largest header section the API reads (names, values and separators of every header).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Middleware: answer 414 `URI_TOO_LONG` or 431 `HEADERS_TOO_LARGE` with the envelope.
///
/// hyper has limits of its own, checked while it parses and answered with a bare status line
/// (no body) before any service runs: a target over 64 KiB, a header section over its read
/// buffer (about 400 KiB) or more than 100 headers. These limits sit below hyper's, so every
/// oversized request that reaches the router gets an answer a client can read.
pub async fn request_size_guard(req: Request, next: Next) -> Response {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI_BYTES {
        return ApiError::UriTooLong(MAX_URI_BYTES).into_response();
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge(MAX_HEADER_BYTES).into_response();
    }
    next.run(req).await
}

/// A query string read into `T`, failing with the envelope: a parameter given twice (such as
/// a second `sig` on a media URL) or of the wrong type is 400 `VALIDATION_ERROR` naming it.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| {
                let raw = e.to_string();
                let named = |what: &str| {
                    raw.strip_prefix(what)
                        .and_then(|rest| rest.split('`').nth(1))
                        .map(str::to_owned)
                };
                if let Some(name) = named("duplicate field ") {
                    ApiError::field(&name, "must be given only once")
                } else {
                    ApiError::field("query", "the query string is not valid")
                }
            })
    }
}
