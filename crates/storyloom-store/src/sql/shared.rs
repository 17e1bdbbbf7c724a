//! Helpers shared by the write paths of every concern.

use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};
use storyloom_domain::{CustomEvent, EntityKind, Hero, Illustration, Story};

use crate::{
    Entity, NewJob, StoreError, StoreResult,
    rows::{
        EVENT_COLS, EventRow, HERO_COLS, HeroRow, ILLUSTRATION_COLS, IllustrationRow, STORY_COLS,
        StoryRow, convert,
    },
};

use super::*;

// ---------- helpers shared by the write paths ----------

/// Lock the user's row for the rest of the transaction and take `n` numbers of the change
/// sequence; returns the first. Called first in every write transaction, so on PostgreSQL all
/// writes of one user are serialised and commit in version order — what makes "everything
/// after cursor C" a complete answer. `n = 0` only locks.
pub(super) async fn take_seq(c: &mut AnyConnection, user: &str, n: i64) -> StoreResult<i64> {
    let last: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq",
    )
    .bind(user)
    .bind(n)
    .fetch_optional(&mut *c)
    .await?;
    last.map(|l| l - n + 1).ok_or(StoreError::NotFound)
}

pub(super) async fn tombstone(
    c: &mut AnyConnection,
    user: &str,
    kind: EntityKind,
    id: &str,
    version: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tombstones (entity, id, user_id, version, deleted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at",
    )
    .bind(kind.name())
    .bind(id)
    .bind(user)
    .bind(version)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Whether an id is used by any row of `table` (any owner) or by a tombstone of `kind`.
/// A story's text size in bytes, as kept in `stories.text_bytes`.
pub(super) fn text_bytes(title: &str, content: &str) -> i64 {
    i64::try_from(title.len() + content.len()).unwrap_or(i64::MAX)
}

pub(super) async fn id_taken(
    c: &mut AnyConnection,
    table: &str,
    kind: EntityKind,
    id: &str,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM {table} WHERE id = $1) + \
                (SELECT COUNT(*) FROM tombstones WHERE entity = $2 AND id = $1)"
    ))
    .bind(id)
    .bind(kind.name())
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

pub(super) fn check_version(
    current: Option<i64>,
    if_match: Option<i64>,
    entity: impl FnOnce() -> Entity,
) -> StoreResult<()> {
    match (current, if_match) {
        (Some(v), Some(m)) if v != m => Err(StoreError::VersionConflict(Box::new(entity()))),
        _ => Ok(()),
    }
}

pub(super) async fn hero_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Hero>> {
    let row: Option<HeroRow> = sqlx::query_as(&format!(
        "SELECT {HERO_COLS} FROM heroes WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Hero::try_from).transpose()
}

pub(super) async fn story_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Story>> {
    let row: Option<StoryRow> = sqlx::query_as(&format!(
        "SELECT {STORY_COLS} FROM stories WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Story::try_from).transpose()
}

pub(super) async fn event_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<CustomEvent>> {
    let row: Option<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLS} FROM custom_events WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(CustomEvent::try_from).transpose()
}

pub(super) async fn illustrations_of<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    story: &str,
) -> StoreResult<Vec<Illustration>> {
    let rows: Vec<IllustrationRow> = sqlx::query_as(&format!(
        "SELECT {ILLUSTRATION_COLS} FROM illustrations WHERE story_id = $1 AND user_id = $2 ORDER BY display_order"
    ))
    .bind(story)
    .bind(user)
    .fetch_all(e)
    .await?;
    convert(rows)
}

/// Ids and media keys of a story's illustrations.
pub(super) async fn story_children(
    c: &mut AnyConnection,
    story: &str,
) -> StoreResult<Vec<(String, Option<String>)>> {
    let rows = sqlx::query("SELECT id, image_key FROM illustrations WHERE story_id = $1")
        .bind(story)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)?,
                r.try_get::<Option<String>, _>(1)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Delete a story row and its illustrations, leaving tombstones numbered from `first`.
/// Returns the next unused number and adds media keys to `keys`.
pub(super) async fn delete_story_rows(
    c: &mut AnyConnection,
    user: &str,
    story: &str,
    audio_key: Option<String>,
    mut next: i64,
    now: i64,
    keys: &mut Vec<String>,
) -> StoreResult<i64> {
    for (ill, key) in story_children(c, story).await? {
        tombstone(c, user, EntityKind::Illustration, &ill, next, now).await?;
        next += 1;
        keys.extend(key);
    }
    tombstone(c, user, EntityKind::Story, story, next, now).await?;
    keys.extend(audio_key);
    sqlx::query("DELETE FROM stories WHERE id = $1 AND user_id = $2")
        .bind(story)
        .bind(user)
        .execute(&mut *c)
        .await?;
    Ok(next + 1)
}

pub(super) async fn count(pool: &AnyPool, sql: &str, user: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(sql).bind(user).fetch_one(pool).await?)
}

/// Set a row's generation status to `pending` (bumping its version) and queue the job that
/// will run it, in the caller's transaction: the status and its job commit together.
pub(super) async fn mark_pending(
    c: &mut AnyConnection,
    table: &str,
    status_column: &str,
    user: &str,
    id: &str,
    job: &NewJob,
) -> StoreResult<()> {
    let sets = format!("{status_column} = 'pending', updated_at = $4");
    bump_next(c, table, user, id, &sets, vec![Bind::Int(job.now)]).await?;
    insert_job(c, job).await
}

/// [`bump_row`] with the next number of the user's change sequence: a write of one row.
pub(super) async fn bump_next(
    c: &mut AnyConnection,
    table: &str,
    user: &str,
    id: &str,
    sets: &str,
    binds: Vec<Bind>,
) -> StoreResult<()> {
    let v = take_seq(c, user, 1).await?;
    bump_row(c, table, user, id, v, sets, binds).await
}

pub(super) async fn insert_job(c: &mut AnyConnection, j: &NewJob) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO jobs (id, user_id, kind, entity_id, payload, status, attempts, max_attempts, run_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $7, $7)",
    )
    .bind(ids(j.id))
    .bind(ids(j.user_id))
    .bind(j.kind.name())
    .bind(ids(j.entity_id))
    .bind(&j.payload)
    .bind(j.max_attempts)
    .bind(j.now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Set columns of one of the user's rows, bumping its version, in the caller's transaction.
/// `sets` are `column = $n` fragments numbered from $4 ($1 id, $2 user, $3 version).
pub(super) async fn bump_row(
    c: &mut AnyConnection,
    table: &str,
    user: &str,
    id: &str,
    version: i64,
    sets: &str,
    binds: Vec<Bind>,
) -> StoreResult<()> {
    let sql = format!("UPDATE {table} SET {sets}, version = $3 WHERE id = $1 AND user_id = $2");
    let mut q = sqlx::query(&sql)
        .bind(id.to_owned())
        .bind(user.to_owned())
        .bind(version);
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(n) => q.bind(n),
            Bind::Float(f) => q.bind(f),
        };
    }
    let done = q.execute(&mut *c).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A value bound into [`bump_row`].
pub(super) enum Bind {
    Text(Option<String>),
    Int(i64),
    Float(Option<f64>),
}

pub(super) async fn illustration_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Illustration>> {
    let row: Option<IllustrationRow> = sqlx::query_as(&format!(
        "SELECT {ILLUSTRATION_COLS} FROM illustrations WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Illustration::try_from).transpose()
}
