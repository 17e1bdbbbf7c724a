//! The sync protocol of SYNC.md: change feed, mutation push, live stream.

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    extract::State,
    response::{
        Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures::{Stream, StreamExt as _};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use storyloom_domain::{
    Change, ChangesResponse, CustomEventCreate, CustomEventUpdate, EntityKind, Envelope,
    HeroCreate, HeroUpdate, Mutation, MutationOp, MutationResult, MutationStatus, PushRequest,
    PushResponse, StoryCreate, StoryUpdate, Validate, time,
};
use storyloom_store::{NewStory, PlayOnce, StoreError};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, json_error},
    routes::ok,
    state::AppState,
};

/// The change feed (its answers are cacheable).
pub fn feed_router() -> Router<AppState> {
    Router::new().route("/sync/changes", get(changes))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync/push", post(push))
        .route("/sync/stream", get(stream))
}

#[derive(Debug, serde::Deserialize)]
struct ChangesQuery {
    since: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/api/sync/changes", tag = "sync",
    params(("since" = Option<String>, Query, description = "cursor from the previous answer; absent = from the beginning"),
        ("limit" = Option<i64>, Query, description = "1–1000, default 500")),
    responses((status = 200, body = Envelope<ChangesResponse>), (status = 400), (status = 410)),
    security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    auth: AuthUser,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> ApiResult<Response> {
    let q: ChangesQuery = serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
    let limit = match q.limit.as_deref().map(str::trim) {
        None | Some("") => 500,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::field("limit", "must be a whole number from 1 to 1000"))?,
    };
    let since = match q.since.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::field(
                "since",
                "must be a cursor returned by a previous /sync/changes answer",
            )
        })?,
    };
    let page = state.store.changes(auth.id(), since, limit).await?;
    if since > page.latest || (since > 0 && since < page.horizon) {
        return Err(ApiError::ResyncRequired);
    }
    let cursor = page.changes.last().map_or(since.max(0), |c| c.version);
    let changes = page
        .changes
        .into_iter()
        .map(|c| Change {
            entity: c.kind,
            id: c.id,
            version: c.version,
            deleted: c.entity.is_none(),
            data: c
                .entity
                .map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
        })
        .collect();
    Ok(ok(ChangesResponse {
        changes,
        cursor: cursor.to_string(),
        has_more: page.has_more,
    }))
}

/// Why a mutation did not apply, as its result says.
enum Outcome {
    Applied(i64),
    /// Applied by an earlier push; carries the remembered result.
    Duplicate(String),
    Conflict(Value),
    Rejected(ApiError),
}

fn fields<T: DeserializeOwned + Validate>(m: &Mutation) -> Result<T, ApiError> {
    let v = m.fields.clone().unwrap_or_else(|| json!({}));
    let parsed: T = serde_path_to_error::deserialize(v).map_err(json_error)?;
    parsed.validate().map_err(ApiError::Validation)?;
    Ok(parsed)
}

fn check_id(m: &Mutation, body_id: Option<Uuid>) -> Result<(), ApiError> {
    match body_id {
        Some(id) if id != m.id => Err(ApiError::field("fields.id", "must equal the mutation's id")),
        _ => Ok(()),
    }
}

/// Map a store failure of one mutation. Unavailability aborts the whole push (the client
/// retries it; applied mutations then answer `duplicate`), everything else is this
/// mutation's result.
fn classify(e: StoreError, what: &'static str) -> Result<Outcome, ApiError> {
    match e {
        StoreError::VersionConflict(cur) => Ok(Outcome::Conflict(
            serde_json::to_value(&*cur).unwrap_or(Value::Null),
        )),
        StoreError::NotFound => Ok(Outcome::Rejected(ApiError::NotFound(what))),
        StoreError::Unavailable(why) => Err(ApiError::Unavailable(why)),
        StoreError::StorageFull => Err(ApiError::StorageFull),
        other => {
            let e = ApiError::from(other);
            match e {
                ApiError::Internal(_) => Err(e),
                e => Ok(Outcome::Rejected(e)),
            }
        }
    }
}

fn settle<T>(
    r: Result<T, StoreError>,
    what: &'static str,
    version: impl FnOnce(T) -> i64,
) -> Result<Outcome, ApiError> {
    match r {
        Ok(v) => Ok(Outcome::Applied(version(v))),
        Err(e) => classify(e, what),
    }
}

/// Deleting what is already gone is success: a replayed or racing delete must not wedge the
/// client's queue.
async fn settle_delete(
    state: &AppState,
    r: Result<storyloom_store::Deleted, StoreError>,
    what: &'static str,
) -> Result<Outcome, ApiError> {
    match r {
        Ok(d) => {
            state.media.delete_keys(&d.media_keys).await;
            Ok(Outcome::Applied(d.version))
        }
        Err(StoreError::NotFound) => Ok(Outcome::Applied(0)),
        Err(e) => classify(e, what),
    }
}

async fn apply(state: &AppState, user: Uuid, m: &Mutation, now: i64) -> Result<Outcome, ApiError> {
    use EntityKind as E;
    use MutationOp as Op;
    let store = &state.store;
    let outcome = match (m.entity, m.op) {
        (E::Hero, Op::Create) => {
            let body: HeroCreate = match fields(m) {
                Ok(b) => b,
                Err(e) => return Ok(Outcome::Rejected(e)),
            };
            if let Err(e) = check_id(m, body.id) {
                return Ok(Outcome::Rejected(e));
            }
            settle(
                store.create_hero(user, m.id, &body, now).await,
                "hero",
                |c| c.into_inner().version,
            )?
        }
        (E::Hero, Op::Update) => match fields::<HeroUpdate>(m) {
            Ok(p) => settle(
                store.update_hero(user, m.id, &p, m.base_version, now).await,
                "hero",
                |h| h.version,
            )?,
            Err(e) => Outcome::Rejected(e),
        },
        (E::Hero, Op::Delete) => {
            settle_delete(
                state,
                store.delete_hero(user, m.id, m.base_version, now).await,
                "hero",
            )
            .await?
        }
        (E::Story, Op::Create) => {
            let body: StoryCreate = match fields(m) {
                Ok(b) => b,
                Err(e) => return Ok(Outcome::Rejected(e)),
            };
            if let Err(e) = check_id(m, body.id) {
                return Ok(Outcome::Rejected(e));
            }
            let (Some(title), Some(content)) = (body.title.clone(), body.content.clone()) else {
                return Ok(Outcome::Rejected(ApiError::field(
                    "content",
                    "only written stories (title and content) can be synced; generate new stories online with POST /api/stories",
                )));
            };
            if let Ok(existing) = store.get_story(user, m.id).await
                && existing.title == title
                && existing.content == content
                && existing.hero_id == body.hero_id
            {
                return Ok(Outcome::Applied(existing.version));
            }
            let new = NewStory {
                id: m.id,
                hero_id: body.hero_id,
                title,
                content,
                event_type: body.event_type,
                custom_event_id: body.custom_event_id,
                language: body.language,
                audio_status: Default::default(),
                illustration_status: Default::default(),
                jobs: Vec::new(),
                now,
            };
            settle(
                store.create_story(user, new).await,
                "hero or custom event",
                |c| c.into_inner().version,
            )?
        }
        (E::Story, Op::Update) => match fields::<StoryUpdate>(m) {
            Ok(p) => settle(
                store
                    .update_story(user, m.id, &p, m.base_version, now)
                    .await,
                "story",
                |s| s.version,
            )?,
            Err(e) => Outcome::Rejected(e),
        },
        (E::Story, Op::Delete) => {
            settle_delete(
                state,
                store.delete_story(user, m.id, m.base_version, now).await,
                "story",
            )
            .await?
        }
        (E::Story, Op::Increment) => {
            let n = m
                .fields
                .as_ref()
                .and_then(|f| f.get("playCount"))
                .and_then(Value::as_i64);
            match n {
                Some(n) if (1..=100).contains(&n) => {
                    match store
                        .play_story_once(user, m.id, n, now, m.mutation_id)
                        .await
                    {
                        Ok(PlayOnce::Applied(s)) => Outcome::Applied(s.version),
                        // Counted by a concurrent replay of the same mutation.
                        Ok(PlayOnce::Duplicate(seen)) => Outcome::Duplicate(seen),
                        Err(e) => classify(e, "story")?,
                    }
                }
                _ => Outcome::Rejected(ApiError::field(
                    "fields.playCount",
                    "must be a whole number from 1 to 100",
                )),
            }
        }
        (E::CustomEvent, Op::Create) => {
            let body: CustomEventCreate = match fields(m) {
                Ok(b) => b,
                Err(e) => return Ok(Outcome::Rejected(e)),
            };
            if let Err(e) = check_id(m, body.id) {
                return Ok(Outcome::Rejected(e));
            }
            settle(
                store.create_event(user, m.id, &body, now).await,
                "custom event",
                |c| c.into_inner().version,
            )?
        }
        (E::CustomEvent, Op::Update) => match fields::<CustomEventUpdate>(m) {
            Ok(p) => settle(
                store
                    .update_event(user, m.id, &p, m.base_version, now)
                    .await,
                "custom event",
                |e| e.version,
            )?,
            Err(e) => Outcome::Rejected(e),
        },
        (E::CustomEvent, Op::Delete) => {
            settle_delete(
                state,
                store.delete_event(user, m.id, m.base_version, now).await,
                "custom event",
            )
            .await?
        }
        (E::Illustration, _) => Outcome::Rejected(ApiError::field(
            "entity",
            "illustrations are made by the server and cannot be changed by sync",
        )),
        (_, Op::Increment) => {
            Outcome::Rejected(ApiError::field("op", "increment is only for stories"))
        }
    };
    Ok(outcome)
}

/// The remembered result of a replayed mutation, marked `duplicate`.
fn duplicate(seen: &str) -> Result<MutationResult, ApiError> {
    let mut r: MutationResult = serde_json::from_str(seen)
        .map_err(|e| ApiError::Internal(format!("remembered result unreadable: {e}")))?;
    r.status = MutationStatus::Duplicate;
    Ok(r)
}

fn result_of(m: &Mutation, o: Outcome) -> MutationResult {
    match o {
        Outcome::Duplicate(seen) => duplicate(&seen).unwrap_or(MutationResult {
            mutation_id: m.mutation_id,
            status: MutationStatus::Duplicate,
            version: None,
            current: None,
            error: None,
        }),
        Outcome::Applied(v) => MutationResult {
            mutation_id: m.mutation_id,
            status: MutationStatus::Applied,
            version: (v > 0).then_some(v),
            current: None,
            error: None,
        },
        Outcome::Conflict(current) => MutationResult {
            mutation_id: m.mutation_id,
            status: MutationStatus::Conflict,
            version: current.get("version").and_then(Value::as_i64),
            error: Some(ApiError::VersionConflict(Value::Null).body()).map(|mut b| {
                b.details = None;
                b
            }),
            current: Some(current),
        },
        Outcome::Rejected(e) => MutationResult {
            mutation_id: m.mutation_id,
            status: MutationStatus::Rejected,
            version: None,
            current: None,
            error: Some(e.body()),
        },
    }
}

#[utoipa::path(post, path = "/api/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = Envelope<PushResponse>), (status = 400)), security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<PushRequest>,
) -> ApiResult<Response> {
    let user = auth.id();
    let mut results = Vec::with_capacity(body.mutations.len());
    let mut last_version = 0;
    for m in &body.mutations {
        let now = time::now().timestamp_millis();
        if let Some(seen) = state.store.find_mutation(user, m.mutation_id).await? {
            results.push(duplicate(&seen)?);
            continue;
        }
        let outcome = apply(&state, user, m, now).await?;
        if let Outcome::Duplicate(seen) = outcome {
            results.push(duplicate(&seen)?);
            continue;
        }
        let r = result_of(m, outcome);
        if let Some(v) = r.version.filter(|_| r.status == MutationStatus::Applied) {
            last_version = last_version.max(v);
        }
        // Increments remembered themselves atomically; the rest are remembered here (they are
        // idempotent, so a crash before this line only re-applies the same change).
        if !(m.op == MutationOp::Increment && r.status == MutationStatus::Applied) {
            let json = serde_json::to_string(&r).map_err(|e| ApiError::Internal(e.to_string()))?;
            state
                .store
                .remember_mutation(user, m.mutation_id, &json, now)
                .await?;
        }
        results.push(r);
    }
    if last_version > 0 {
        state.hub.changed(user, last_version).await;
    }
    Ok(ok(PushResponse { results }))
}

#[utoipa::path(get, path = "/api/sync/stream", tag = "sync",
    responses((status = 200, description = "text/event-stream of `changed` and `job` events")),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user = auth.id();
    let hello = futures::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let events = BroadcastStream::new(state.hub.subscribe()).filter_map(move |msg| async move {
        match msg {
            Ok(ev) if ev.user == user && ev.kind != crate::events_hub::INTERNAL_AUTH => {
                Some(Ok(Event::default()
                    .event(ev.kind)
                    .data(ev.data.to_string())))
            }
            Ok(_) => None,
            // Fell behind: tell the client to pull, which catches up on everything.
            Err(_) => Some(Ok(Event::default().event("changed").data("{}"))),
        }
    });
    Sse::new(hello.chain(events)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
