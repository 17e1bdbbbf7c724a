//! The sync feed and remembered mutations.

use async_trait::async_trait;
use sqlx::Executor;
use storyloom_domain::{CustomEvent, EntityKind, Hero, Illustration, ListeningSession, Story};
use storyloom_domain::{MutationId, StoryId, UserId};

use crate::{
    Backend, ChangePage, Entity, PlayOnce, StoreError, StoreResult, StoredChange,
    rows::{
        EVENT_COLS, EventRow, HERO_COLS, HeroRow, ILLUSTRATION_COLS, IllustrationRow,
        LISTENING_COLS, ListeningRow, STORY_COLS, StoryRow, convert, parse_id,
    },
};

use super::*;

#[async_trait]
impl crate::SyncStore for SqlStore {
    // ---------- sync ----------

    async fn changes(&self, user: UserId, since: i64, limit: i64) -> StoreResult<ChangePage> {
        self.changes_within(user, since, limit, i64::MAX).await
    }

    async fn changes_within(
        &self,
        user: UserId,
        since: i64,
        limit: i64,
        text_budget: i64,
    ) -> StoreResult<ChangePage> {
        let u = ids(user);
        // One read transaction, so the six queries see one snapshot: a write committing in
        // between cannot slip a lower version past the cursor we hand out.
        let mut tx = begin_whole(&self.reader).await?;
        if self.backend == Backend::Postgres {
            // Every query below is a keyset page (`user_id = $1 AND version > $2 ORDER BY
            // version LIMIT n`), for which reading the (user_id, version) index in order is the
            // right plan at any size. With statistics older than a burst of writes (autovacuum
            // analyzes a minute or so later) the planner instead fetched every matching row in
            // a bitmap scan and sorted them: 60 ms instead of 0.4 ms for a page of 1,000 among
            // 180,000 (BENCHMARKS.md). Two statements in one simple query: no extra round trip.
            tx.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; \
                 SET LOCAL enable_bitmapscan = off",
            )
            .await?;
        }
        let (latest, horizon): (i64, i64) =
            sqlx::query_as("SELECT change_seq, tombstone_horizon FROM users WHERE id = $1")
                .bind(&u)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let take = limit + 1;
        let mut out: Vec<StoredChange> = Vec::new();
        let page = |table: &str, cols: &str| {
            format!(
                "SELECT {cols} FROM {table} WHERE user_id = $1 AND version > $2 ORDER BY version LIMIT $3"
            )
        };
        let heroes: Vec<HeroRow> = sqlx::query_as(&page("heroes", HERO_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for h in convert::<_, Hero>(heroes)? {
            out.push(StoredChange {
                kind: EntityKind::Hero,
                id: h.id.into(),
                version: h.version,
                entity: Some(Entity::Hero(h)),
            });
        }
        // The text's size first (kept in `text_bytes`: no text is read), then the stories
        // that fit the budget: the page ends at the last of them.
        let sizes: Vec<(i64, i64)> = sqlx::query_as(&page("stories", "version, text_bytes"))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        let mut text = 0i64;
        let fit = sizes
            .iter()
            .take_while(|(_, len)| {
                text = text.saturating_add(*len);
                text == *len || text <= text_budget
            })
            .count();
        let story_cut = if fit < sizes.len() {
            fit.checked_sub(1)
                .and_then(|i| sizes.get(i))
                .map(|(v, _)| *v)
        } else {
            None
        };
        let stories: Vec<StoryRow> = sqlx::query_as(&format!(
            "SELECT {STORY_COLS} FROM stories WHERE user_id = $1 AND version > $2 AND version <= $4 \
             ORDER BY version LIMIT $3"
        ))
        .bind(&u)
        .bind(since)
        .bind(take)
        .bind(story_cut.unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        for s in convert::<_, Story>(stories)? {
            out.push(StoredChange {
                kind: EntityKind::Story,
                id: s.id.into(),
                version: s.version,
                entity: Some(Entity::Story(s)),
            });
        }
        let ills: Vec<IllustrationRow> = sqlx::query_as(&page("illustrations", ILLUSTRATION_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for row in ills {
            let version = row.version();
            let ill = Illustration::try_from(row)?;
            out.push(StoredChange {
                kind: EntityKind::Illustration,
                id: ill.id.into(),
                version,
                entity: Some(Entity::Illustration(ill)),
            });
        }
        let events: Vec<EventRow> = sqlx::query_as(&page("custom_events", EVENT_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for e in convert::<_, CustomEvent>(events)? {
            out.push(StoredChange {
                kind: EntityKind::CustomEvent,
                id: e.id.into(),
                version: e.version,
                entity: Some(Entity::CustomEvent(e)),
            });
        }
        let listens: Vec<ListeningRow> =
            sqlx::query_as(&page("listening_sessions", LISTENING_COLS))
                .bind(&u)
                .bind(since)
                .bind(take)
                .fetch_all(&mut *tx)
                .await?;
        for l in convert::<_, ListeningSession>(listens)? {
            out.push(StoredChange {
                kind: EntityKind::ListeningSession,
                id: l.id.into(),
                version: l.version,
                entity: Some(Entity::ListeningSession(l)),
            });
        }
        let tombs: Vec<(String, String, i64)> =
            sqlx::query_as(&page("tombstones", "entity, id, version"))
                .bind(&u)
                .bind(since)
                .bind(take)
                .fetch_all(&mut *tx)
                .await?;
        for (entity, id, version) in tombs {
            let kind = EntityKind::from_name(&entity)
                .ok_or_else(|| StoreError::Corrupt(format!("tombstone entity {entity:?}")))?;
            out.push(StoredChange {
                kind,
                id: parse_id(&id)?,
                version,
                entity: None,
            });
        }
        tx.commit().await.map_err(crate::error::commit_failed)?;
        out.sort_by_key(|c| c.version);
        let mut has_more = out.len() as i64 > limit;
        if let Some(cut) = story_cut {
            // Stories after `cut` were left out, so nothing after it may be handed out yet.
            out.retain(|c| c.version <= cut);
            has_more = true;
        }
        out.truncate(limit.max(0) as usize);
        Ok(ChangePage {
            changes: out,
            has_more,
            horizon,
            latest,
        })
    }

    async fn purge_tombstones(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE users SET tombstone_horizon = (SELECT MAX(t.version) FROM tombstones t \
                 WHERE t.user_id = users.id AND t.deleted_at < $1) \
                 WHERE EXISTS (SELECT 1 FROM tombstones t WHERE t.user_id = users.id AND t.deleted_at < $1 \
                 AND t.version > users.tombstone_horizon)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query("DELETE FROM tombstones WHERE deleted_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn find_mutation(
        &self,
        user: UserId,
        mutation_id: MutationId,
    ) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT result FROM sync_mutations WHERE user_id = $1 AND mutation_id = $2",
        )
        .bind(ids(user))
        .bind(ids(mutation_id))
        .fetch_optional(&self.writer)
        .await?)
    }

    async fn remember_mutation(
        &self,
        user: UserId,
        mutation_id: MutationId,
        result: &str,
        now: i64,
    ) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "INSERT INTO sync_mutations (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, mutation_id) DO NOTHING",
            )
            .bind(ids(user))
            .bind(ids(mutation_id))
            .bind(result)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn play_story_once(
        &self,
        user: UserId,
        id: StoryId,
        count: i64,
        now: i64,
        mutation_id: MutationId,
    ) -> StoreResult<PlayOnce> {
        self.watch(async {
            let (u, i, m) = (ids(user), ids(id), ids(mutation_id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let seen: Option<String> = sqlx::query_scalar(
                "SELECT result FROM sync_mutations WHERE user_id = $1 AND mutation_id = $2",
            )
            .bind(&u)
            .bind(&m)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(result) = seen {
                return Ok(PlayOnce::Duplicate(result));
            }
            let done = sqlx::query(
                "UPDATE stories SET play_count = play_count + $3, last_played_at = $4, version = $5, updated_at = $4 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(count)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let result =
                serde_json::json!({"mutationId": mutation_id, "status": "applied", "version": version});
            sqlx::query("INSERT INTO sync_mutations (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&u)
                .bind(&m)
                .bind(result.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(PlayOnce::Applied(story))
        })
        .await
    }

    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    async fn purge_mutations(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let done = sqlx::query("DELETE FROM sync_mutations WHERE created_at < $1")
                .bind(before)
                .execute(&self.writer)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }
}
