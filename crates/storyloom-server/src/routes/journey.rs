//! The Reading Journey figures. Each request reads the user's sessions, stories and heroes
//! in one snapshot and hands them to `storyloom_domain::journey`, the same functions the
//! client core runs on its cache, so online and offline answers cannot differ.

use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::request::Parts,
    response::Response,
    routing::get,
};
use storyloom_domain::{
    ActivityRange, Envelope, FieldErrors, HeroFigures, Insights, Journey, JourneyActivity,
    Milestone, Summary, Timezone, UnknownTimezone, time,
};

use crate::{
    error::{ApiError, ApiResult},
    extract::AuthUser,
    routes::ok,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/journey/summary", get(summary))
        .route("/journey/activity", get(activity))
        .route("/journey/heroes", get(heroes))
        .route("/journey/milestones", get(milestones))
        .route("/journey/insights", get(insights))
}

/// `timezone` (an IANA name; absent: the profile's) and, for the activity, `range`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JourneyQuery {
    /// The zone named in the query, if any.
    pub timezone: Option<Timezone>,
    /// `week` when absent.
    pub range: ActivityRange,
}

impl<S: Send + Sync> FromRequestParts<S> for JourneyQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
                .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.trim())
        };
        let mut errors = FieldErrors::new();
        let mut q = JourneyQuery::default();
        if let Some(v) = get(UnknownTimezone::FIELD) {
            match v.parse::<Timezone>() {
                Ok(tz) => q.timezone = Some(tz),
                Err(e) => errors.extend(e.field_errors()),
            }
        }
        if let Some(v) = get("range") {
            match serde_json::from_value(serde_json::Value::String(v.to_owned())) {
                Ok(r) => q.range = r,
                Err(_) => {
                    errors.insert("range".into(), "must be week, month, year or all".into());
                }
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Read the user's journey data and compute with `f` in the asked (or the profile's) zone.
async fn figures<T>(
    state: &AppState,
    auth: &AuthUser,
    q: JourneyQuery,
    f: impl FnOnce(&Journey<'_>) -> T,
) -> ApiResult<T> {
    let data = state.store.journey_data(auth.id()).await?;
    let zone = q.timezone.unwrap_or(auth.user.timezone);
    let now = state
        .config
        .journey_now_ms
        .map_or_else(time::now, time::from_millis);
    let j = Journey::new(&data.sessions, &data.stories, &data.heroes, zone, now);
    Ok(f(&j))
}

#[utoipa::path(get, path = "/api/journey/summary", tag = "journey",
    params(("timezone" = Option<String>, Query, description = "IANA name; default the profile's")),
    responses((status = 200, body = Envelope<Summary>), (status = 400)), security(("bearer" = [])))]
pub async fn summary(
    State(state): State<AppState>,
    auth: AuthUser,
    q: JourneyQuery,
) -> ApiResult<Response> {
    let s = figures(&state, &auth, q, |j| j.summary()).await?;
    Ok(ok(&state, s).await)
}

#[utoipa::path(get, path = "/api/journey/activity", tag = "journey",
    params(("timezone" = Option<String>, Query, description = "IANA name; default the profile's"),
        ("range" = Option<ActivityRange>, Query, description = "week (default), month, year or all")),
    responses((status = 200, body = Envelope<JourneyActivity>), (status = 400)), security(("bearer" = [])))]
pub async fn activity(
    State(state): State<AppState>,
    auth: AuthUser,
    q: JourneyQuery,
) -> ApiResult<Response> {
    let a = figures(&state, &auth, q, |j| j.activity(q.range)).await?;
    Ok(ok(&state, a).await)
}

#[utoipa::path(get, path = "/api/journey/heroes", tag = "journey",
    params(("timezone" = Option<String>, Query, description = "IANA name; default the profile's")),
    responses((status = 200, body = Envelope<Vec<HeroFigures>>), (status = 400)), security(("bearer" = [])))]
pub async fn heroes(
    State(state): State<AppState>,
    auth: AuthUser,
    q: JourneyQuery,
) -> ApiResult<Response> {
    let h = figures(&state, &auth, q, |j| j.heroes()).await?;
    Ok(ok(&state, h).await)
}

#[utoipa::path(get, path = "/api/journey/milestones", tag = "journey",
    params(("timezone" = Option<String>, Query, description = "IANA name; default the profile's")),
    responses((status = 200, body = Envelope<Vec<Milestone>>, description = "titles in the profile's preferredLanguage"), (status = 400)),
    security(("bearer" = [])))]
pub async fn milestones(
    State(state): State<AppState>,
    auth: AuthUser,
    q: JourneyQuery,
) -> ApiResult<Response> {
    let lang = auth.user.preferred_language;
    let m = figures(&state, &auth, q, |j| j.milestones(lang)).await?;
    Ok(ok(&state, m).await)
}

#[utoipa::path(get, path = "/api/journey/insights", tag = "journey",
    params(("timezone" = Option<String>, Query, description = "IANA name; default the profile's")),
    responses((status = 200, body = Envelope<Insights>), (status = 400)), security(("bearer" = [])))]
pub async fn insights(
    State(state): State<AppState>,
    auth: AuthUser,
    q: JourneyQuery,
) -> ApiResult<Response> {
    let i = figures(&state, &auth, q, |j| j.insights()).await?;
    Ok(ok(&state, i).await)
}
