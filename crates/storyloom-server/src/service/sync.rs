//! `POST /api/sync/push`: each mutation is the REST write of the same entity and operation,
//! through the same service function, so a push and a REST call cannot disagree. What push
//! adds is its own bookkeeping: each `mutationId` is remembered with its result, and a replay
//! answers `duplicate` with the remembered result.

use serde::de::DeserializeOwned;
use serde_json::Value;
use storyloom_domain::{
    CustomEventCreate, CustomEventId, CustomEventUpdate, EntityKind, HeroCreate, HeroId,
    HeroUpdate, ListeningSessionCreate, ListeningSessionId, Mutation, MutationOp, MutationResult,
    MutationStatus, PushRequest, PushResponse, StoryCreate, StoryId, StoryUpdate, Validate,
};
use storyloom_store::PlayOnce;
use uuid::Uuid;

use super::{Caller, events, heroes, listening, now, stories};
use crate::{
    error::{ApiError, ApiResult},
    extract::parse_nested,
    state::AppState,
};

/// What became of one mutation before it is written down as a [`MutationResult`].
enum Outcome {
    Applied(i64),
    /// Applied by an earlier push; carries the remembered result.
    Duplicate(String),
    Conflict(Value),
    Rejected(ApiError),
}

/// Sort a service failure into a mutation's result. Unavailability aborts the whole push (the
/// client retries it; mutations already applied then answer `duplicate`); everything else is
/// this mutation's own result, exactly as the REST call would have answered it.
fn outcome_of(e: ApiError) -> ApiResult<Outcome> {
    match e {
        ApiError::VersionConflict(current) => Ok(Outcome::Conflict(current)),
        e @ (ApiError::Unavailable(_)
        | ApiError::StorageFull
        | ApiError::Timeout
        | ApiError::Internal(_)) => Err(e),
        e => Ok(Outcome::Rejected(e)),
    }
}

fn settle<T>(r: ApiResult<T>, version: impl FnOnce(T) -> i64) -> ApiResult<Outcome> {
    match r {
        Ok(v) => Ok(Outcome::Applied(version(v))),
        Err(e) => outcome_of(e),
    }
}

/// The mutation's `fields` as the REST body `T`, validated like one; errors are keyed under
/// `fields.`, so they name what the client sent.
fn fields<T: DeserializeOwned + Validate>(m: &Mutation) -> ApiResult<T> {
    let empty = Value::Object(Default::default());
    parse_nested(m.fields.as_ref().unwrap_or(&empty), "fields")
}

/// A create's body may repeat the id; it must be the mutation's.
fn check_id(m: &Mutation, body_id: Option<uuid::Uuid>) -> ApiResult<()> {
    match body_id {
        Some(id) if id != m.id => Err(ApiError::field("fields.id", "must equal the mutation's id")),
        _ => Ok(()),
    }
}

/// Parse a create body and check its id, or the rejection.
fn create_body<T: DeserializeOwned + Validate>(
    m: &Mutation,
    id: impl Fn(&T) -> Option<uuid::Uuid>,
) -> ApiResult<T> {
    let body: T = fields(m)?;
    check_id(m, id(&body))?;
    Ok(body)
}

async fn apply(state: &AppState, caller: Caller, m: &Mutation) -> ApiResult<Outcome> {
    use EntityKind as E;
    use MutationOp as Op;
    let user = caller.user;
    macro_rules! parsed {
        ($e:expr) => {
            match $e {
                Ok(b) => b,
                Err(e) => return Ok(Outcome::Rejected(e)),
            }
        };
    }
    match (m.entity, m.op) {
        (E::Hero, Op::Create) => {
            let body: HeroCreate = parsed!(create_body(m, |b: &HeroCreate| b.id.map(Uuid::from)));
            settle(
                heroes::create(state, user, HeroId(m.id), &body).await,
                |c| c.into_inner().version,
            )
        }
        (E::Hero, Op::Update) => {
            let patch: HeroUpdate = parsed!(fields(m));
            settle(
                heroes::update(state, user, HeroId(m.id), &patch, m.base_version).await,
                |h| h.version,
            )
        }
        (E::Hero, Op::Delete) => settle(
            heroes::delete(state, user, HeroId(m.id), m.base_version).await,
            |d| d.version,
        ),
        (E::Story, Op::Create) => {
            let body: StoryCreate = parsed!(create_body(m, |b: &StoryCreate| b.id.map(Uuid::from)));
            if !body.is_import() {
                return Ok(Outcome::Rejected(ApiError::field(
                    "fields.content",
                    "only written stories (title and content) can be synced; generate new stories online with POST /api/stories",
                )));
            }
            settle(
                stories::create(state, caller, StoryId(m.id), &body).await,
                |c| c.story.into_inner().version,
            )
        }
        (E::Story, Op::Update) => {
            let patch: StoryUpdate = parsed!(fields(m));
            settle(
                stories::update(state, user, StoryId(m.id), &patch, m.base_version).await,
                |s| s.version,
            )
        }
        (E::Story, Op::Delete) => settle(
            stories::delete(state, user, StoryId(m.id), m.base_version).await,
            |d| d.version,
        ),
        (E::Story, Op::Increment) => {
            let n = m
                .fields
                .as_ref()
                .and_then(|f| f.get("playCount"))
                .and_then(Value::as_i64)
                .filter(|n| stories::PLAYS.contains(n));
            let Some(n) = n else {
                return Ok(Outcome::Rejected(ApiError::field(
                    "fields.playCount",
                    "must be a whole number from 1 to 100",
                )));
            };
            match stories::play_once(state, user, StoryId(m.id), n, m.mutation_id).await {
                Ok(PlayOnce::Applied(s)) => Ok(Outcome::Applied(s.version)),
                // Counted by a concurrent replay of the same mutation.
                Ok(PlayOnce::Duplicate(seen)) => Ok(Outcome::Duplicate(seen)),
                Err(e) => outcome_of(e),
            }
        }
        (E::CustomEvent, Op::Create) => {
            let body: CustomEventCreate =
                parsed!(create_body(m, |b: &CustomEventCreate| b.id.map(Uuid::from)));
            settle(
                events::create(state, user, CustomEventId(m.id), &body).await,
                |c| c.into_inner().version,
            )
        }
        (E::CustomEvent, Op::Update) => {
            let patch: CustomEventUpdate = parsed!(fields(m));
            settle(
                events::update(state, user, CustomEventId(m.id), &patch, m.base_version).await,
                |e| e.version,
            )
        }
        (E::CustomEvent, Op::Delete) => settle(
            events::delete(state, user, CustomEventId(m.id), m.base_version).await,
            |d| d.version,
        ),
        (E::ListeningSession, Op::Create) => {
            let body: ListeningSessionCreate =
                parsed!(create_body(m, |b: &ListeningSessionCreate| b
                    .id
                    .map(Uuid::from)));
            settle(
                listening::create(state, user, ListeningSessionId(m.id), &body).await,
                |c| c.into_inner().version,
            )
        }
        (E::ListeningSession, Op::Delete) => settle(
            listening::delete(state, user, ListeningSessionId(m.id)).await,
            |d| d.version,
        ),
        (E::ListeningSession, Op::Update) => Ok(Outcome::Rejected(ApiError::field(
            "op",
            "a listening session is never edited: delete it and record another",
        ))),
        (E::Illustration, _) => Ok(Outcome::Rejected(ApiError::field(
            "entity",
            "illustrations are made by the server and cannot be changed by sync",
        ))),
        (_, Op::Increment) => Ok(Outcome::Rejected(ApiError::field(
            "op",
            "increment is only for stories",
        ))),
    }
}

/// The remembered result of a replayed mutation, marked `duplicate`.
fn duplicate(m: &Mutation, seen: &str) -> MutationResult {
    match serde_json::from_str::<MutationResult>(seen) {
        Ok(mut r) => {
            r.status = MutationStatus::Duplicate;
            r
        }
        Err(e) => {
            tracing::warn!(error = %e, "a remembered mutation result is unreadable");
            MutationResult {
                mutation_id: m.mutation_id,
                status: MutationStatus::Duplicate,
                version: None,
                current: None,
                error: None,
            }
        }
    }
}

fn result_of(m: &Mutation, o: Outcome) -> MutationResult {
    let result = |status, version, current, error| MutationResult {
        mutation_id: m.mutation_id,
        status,
        version,
        current,
        error,
    };
    match o {
        Outcome::Duplicate(seen) => duplicate(m, &seen),
        Outcome::Applied(v) => result(MutationStatus::Applied, (v > 0).then_some(v), None, None),
        Outcome::Conflict(current) => {
            let mut error = ApiError::VersionConflict(Value::Null).body();
            error.details = None;
            result(
                MutationStatus::Conflict,
                current.get("version").and_then(Value::as_i64),
                Some(current),
                Some(error),
            )
        }
        Outcome::Rejected(e) => result(MutationStatus::Rejected, None, None, Some(e.body())),
    }
}

/// Apply a push's mutations in order and answer one result each.
///
/// One user's pushes run one after another on this process: a client retrying a push whose
/// answer it lost while the first is still running would otherwise apply the same mutation
/// twice at once — for a conditional update, the replay meets the version the first one just
/// wrote and is remembered as a `conflict` before the first is remembered as `applied`. In
/// turn, the replay finds the first one's result and answers `duplicate`.
pub async fn push(state: &AppState, caller: Caller, body: &PushRequest) -> ApiResult<PushResponse> {
    let lock = state.push_locks.get_with(caller.user, || {
        std::sync::Arc::new(tokio::sync::Mutex::new(()))
    });
    let _one_at_a_time = lock.lock().await;
    let user = caller.user;
    let mut results = Vec::with_capacity(body.mutations.len());
    for m in &body.mutations {
        if let Some(seen) = state.store.find_mutation(user, m.mutation_id).await? {
            results.push(duplicate(m, &seen));
            continue;
        }
        let outcome = apply(state, caller, m).await?;
        let remembered_already = matches!(
            (&outcome, m.op),
            (Outcome::Duplicate(_), _) | (Outcome::Applied(_), MutationOp::Increment)
        );
        let r = result_of(m, outcome);
        // Increments remembered themselves atomically with their count; the rest are
        // remembered here (they are idempotent, so a crash before this line only re-applies
        // the same change).
        if !remembered_already {
            let json = serde_json::to_string(&r).map_err(|e| ApiError::Internal(e.to_string()))?;
            let first = state
                .store
                .remember_mutation(user, m.mutation_id, &json, now())
                .await?;
            // A concurrent push of the same mutation remembered its result first: that push
            // answered `applied`, so this one is the replay and answers that result as
            // `duplicate` (the change itself is idempotent: made once either way).
            if !first && let Some(seen) = state.store.find_mutation(user, m.mutation_id).await? {
                results.push(duplicate(m, &seen));
                continue;
            }
        }
        results.push(r);
    }
    Ok(PushResponse { results })
}
