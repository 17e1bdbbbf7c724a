//! Listening sessions and the journey's read model.

use async_trait::async_trait;
use sqlx::{Any, Executor};
use storyloom_domain::{
    EntityKind, HeroFacts, ListeningSession, ListeningSessionCreate, ListeningSessionId,
    StoryFacts, UserId,
};

use crate::{
    Created, Deleted, JourneyData, ListeningFilter, Page, StoreError, StoreResult,
    rows::{LISTENING_COLS, ListeningRow, convert, parse_id},
};

use super::*;

/// `WHERE` of a filtered list; binds `$1` user, then `$2`…`$5` (null = no filter).
const FILTER: &str = "user_id = $1 AND ($2 IS NULL OR story_id = $2) \
    AND ($3 IS NULL OR started_at >= $3) AND ($4 IS NULL OR started_at <= $4) \
    AND ($5 IS NULL OR completed = $5)";

async fn session_by<'c, E: Executor<'c, Database = Any>>(
    c: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<ListeningSession>> {
    let row: Option<ListeningRow> = sqlx::query_as(&format!(
        "SELECT {LISTENING_COLS} FROM listening_sessions WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(c)
    .await?;
    row.map(ListeningSession::try_from).transpose()
}

#[derive(sqlx::FromRow)]
struct StoryFactsRow {
    id: String,
    hero_id: String,
    title: String,
    audio_duration: Option<f64>,
    is_favorite: i64,
}

#[derive(sqlx::FromRow)]
struct HeroFactsRow {
    id: String,
    name: String,
    avatar_key: Option<String>,
}

#[async_trait]
impl crate::ListeningStore for SqlStore {
    async fn list_listening_sessions(
        &self,
        user: UserId,
        f: ListeningFilter,
        page: Page,
    ) -> StoreResult<(Vec<ListeningSession>, i64)> {
        let u = ids(user);
        let story = f.story_id.map(ids);
        let completed = f.completed.map(i64::from);
        let rows: Vec<ListeningRow> = sqlx::query_as(&format!(
            "SELECT {LISTENING_COLS} FROM listening_sessions WHERE {FILTER} \
             ORDER BY started_at DESC, id DESC LIMIT $6 OFFSET $7"
        ))
        .bind(&u)
        .bind(&story)
        .bind(f.from)
        .bind(f.to)
        .bind(completed)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.reader)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM listening_sessions WHERE {FILTER}"
        ))
        .bind(&u)
        .bind(&story)
        .bind(f.from)
        .bind(f.to)
        .bind(completed)
        .fetch_one(&self.reader)
        .await?;
        Ok((convert(rows)?, total))
    }

    async fn get_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
    ) -> StoreResult<ListeningSession> {
        session_by(&self.reader, &ids(user), &ids(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn create_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
        b: &ListeningSessionCreate,
        now: i64,
    ) -> StoreResult<Created<ListeningSession>> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            if let Some(existing) = session_by(&mut *tx, &u, &i).await? {
                return if b.same_content(&existing) {
                    Ok(Created::Existing(existing))
                } else {
                    Err(StoreError::IdConflict)
                };
            }
            if id_taken(&mut tx, "listening_sessions", EntityKind::ListeningSession, &i).await? {
                return Err(StoreError::IdConflict);
            }
            let story_id = ids(b.story_id);
            let story = story_by(&mut *tx, &u, &story_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            // The story first, the session last: the session's version is the commit's
            // highest, the one the write announces.
            let version = take_seq(&mut tx, &u, 2).await?;
            // When the listen happened, not when it reached the server: an offline listen
            // synced later must not move `lastPlayedAt` past a newer play.
            let played = b.ended_at.unwrap_or(b.started_at).timestamp_millis();
            sqlx::query(
                "UPDATE stories SET play_count = play_count + 1, \
                 last_played_at = CASE WHEN last_played_at IS NULL OR last_played_at < $3 \
                 THEN $3 ELSE last_played_at END, version = $4, updated_at = $5 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&story_id)
            .bind(&u)
            .bind(played)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO listening_sessions (id, user_id, story_id, hero_id, started_at, ended_at, \
                 duration_seconds, completed, version, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&i)
            .bind(&u)
            .bind(&story_id)
            .bind(ids(story.hero_id))
            .bind(b.started_at.timestamp_millis())
            .bind(b.ended_at.map(|t| t.timestamp_millis()))
            .bind(b.duration_seconds)
            .bind(i64::from(b.completed))
            .bind(version + 1)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let s = session_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(Created::New(s))
        })
        .await
    }

    async fn delete_listening_session(
        &self,
        user: UserId,
        id: ListeningSessionId,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            if session_by(&mut *tx, &u, &i).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            tombstone(&mut tx, &u, EntityKind::ListeningSession, &i, version, now).await?;
            sqlx::query("DELETE FROM listening_sessions WHERE id = $1 AND user_id = $2")
                .bind(&i)
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: Vec::new(),
                version,
            })
        })
        .await
    }

    async fn journey_data(&self, user: UserId) -> StoreResult<JourneyData> {
        let u = ids(user);
        // One snapshot, so a session is never counted without its story's cap.
        let mut tx = begin_whole(&self.reader).await?;
        let rows: Vec<ListeningRow> = sqlx::query_as(&format!(
            "SELECT {LISTENING_COLS} FROM listening_sessions WHERE user_id = $1"
        ))
        .bind(&u)
        .fetch_all(&mut *tx)
        .await?;
        let stories: Vec<StoryFactsRow> = sqlx::query_as(
            "SELECT id, hero_id, title, audio_duration, is_favorite FROM stories WHERE user_id = $1",
        )
        .bind(&u)
        .fetch_all(&mut *tx)
        .await?;
        let heroes: Vec<HeroFactsRow> =
            sqlx::query_as("SELECT id, name, avatar_key FROM heroes WHERE user_id = $1")
                .bind(&u)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await.map_err(crate::error::commit_failed)?;
        Ok(JourneyData {
            sessions: convert(rows)?,
            stories: stories
                .into_iter()
                .map(|r| {
                    Ok(StoryFacts {
                        id: parse_id(&r.id)?,
                        hero_id: parse_id(&r.hero_id)?,
                        title: r.title,
                        audio_duration: r.audio_duration,
                        is_favorite: r.is_favorite != 0,
                    })
                })
                .collect::<StoreResult<_>>()?,
            heroes: heroes
                .into_iter()
                .map(|r| {
                    Ok(HeroFacts {
                        id: parse_id(&r.id)?,
                        name: r.name,
                        avatar_url: r.avatar_key,
                    })
                })
                .collect::<StoreResult<_>>()?,
        })
    }
}
