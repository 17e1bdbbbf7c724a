//! Generation state and the job queue.

use async_trait::async_trait;

use storyloom_domain::{
    AvatarStatus, CustomEvent, EntityKind, GenerationStatus, Hero, Illustration,
    IllustrationStatus, JobKind, Story,
};
use storyloom_domain::{CustomEventId, HeroId, IllustrationId, JobId, StoryId, UserId};

use crate::{
    Backend, JobRecord, JobState, JobStatus, NewJob, StoreError, StoreResult,
    rows::{enum_str, parse_id, to_json},
};

use super::*;

#[async_trait]
impl crate::GenerationStore for SqlStore {
    async fn enqueue_job(&self, j: NewJob) -> StoreResult<()> {
        self.watch(async {
            let mut c = self.writer.acquire().await?;
            insert_job(&mut c, &j).await
        })
        .await
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<Option<JobRecord>> {
        self.watch(async {
            // One statement either way. PostgreSQL: SKIP LOCKED lets concurrent workers pass over
            // each other's candidate rows. SQLite: the single writer serialises claims.
            let lock = match self.backend {
                Backend::Postgres => " FOR UPDATE SKIP LOCKED",
                Backend::Sqlite => "",
            };
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $2, worker = $3, updated_at = $1 \
                 WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
                     OR (status = 'running' AND lease_until < $1) ORDER BY run_at LIMIT 1{lock}) \
                 RETURNING id, user_id, kind, entity_id, payload, attempts, max_attempts"
            );
            let row: Option<(String, String, String, String, String, i64, i64)> = sqlx::query_as(&sql)
                .bind(now)
                .bind(now + lease_ms)
                .bind(worker)
                .fetch_optional(&self.writer)
                .await?;
            row.map(
                |(id, user, kind, entity, payload, attempts, max_attempts)| {
                    Ok(JobRecord {
                        id: parse_id(&id)?,
                        user_id: parse_id(&user)?,
                        kind: JobKind::from_name(&kind).ok_or_else(|| {
                            StoreError::Corrupt(format!("unknown job kind {kind:?}"))
                        })?,
                        entity_id: parse_id(&entity)?,
                        payload,
                        attempts,
                        max_attempts,
                    })
                },
            )
            .transpose()
        })
        .await
    }

    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = $3 \
                 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = $4, run_at = $5, lease_until = NULL, last_error = $3, updated_at = $6 \
                 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(error)
            .bind(if retry_at.is_some() { "queued" } else { "failed" })
            .bind(retry_at.unwrap_or(now))
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn release_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL, run_at = $3, \
                 updated_at = $3 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn extend_lease(&self, id: JobId, worker: &str, until: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(until)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn job_status(&self, id: JobId) -> StoreResult<Option<JobStatus>> {
        let row: Option<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT status, attempts, last_error FROM jobs WHERE id = $1")
                .bind(ids(id))
                .fetch_optional(&self.writer)
                .await?;
        row.map(|(status, attempts, last_error)| {
            Ok(JobStatus {
                status: JobState::from_name(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown job status {status:?}")))?,
                attempts,
                last_error,
            })
        })
        .transpose()
    }

    async fn request_audio(&self, user: UserId, story: StoryId, job: NewJob) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            mark_pending(&mut tx, "stories", "audio_status", &u, &i, &job).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn request_illustrations(
        &self,
        user: UserId,
        story: StoryId,
        job: NewJob,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            mark_pending(&mut tx, "stories", "illustration_status", &u, &i, &job).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn request_avatar(&self, user: UserId, hero: HeroId, job: NewJob) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i) = (ids(user), ids(hero));
            let mut tx = self.begin_write().await?;
            mark_pending(&mut tx, "heroes", "avatar_status", &u, &i, &job).await?;
            let hero = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(hero)
        })
        .await
    }

    async fn set_story_audio(
        &self,
        user: UserId,
        story: StoryId,
        status: GenerationStatus,
        key: Option<&str>,
        duration: Option<f64>,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let mut sets = String::from("audio_status = $4, updated_at = $5");
            let mut binds = vec![Bind::Text(Some(enum_str(&status))), Bind::Int(now)];
            if let Some(k) = key {
                // New audio narrates the current text: it is no longer stale.
                sets.push_str(", audio_key = $6, audio_duration = $7, audio_stale = 0");
                binds.push(Bind::Text(Some(k.to_owned())));
                binds.push(Bind::Float(duration));
            }
            bump_next(&mut tx, "stories", &u, &i, &sets, binds).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn set_illustration_status(
        &self,
        user: UserId,
        story: StoryId,
        status: IllustrationStatus,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let binds = vec![Bind::Text(Some(enum_str(&status))), Bind::Int(now)];
            bump_next(
                &mut tx,
                "stories",
                &u,
                &i,
                "illustration_status = $4, updated_at = $5",
                binds,
            )
            .await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn replace_illustrations(
        &self,
        user: UserId,
        story: StoryId,
        scenes: &[(String, f64)],
        now: i64,
    ) -> StoreResult<(Vec<Illustration>, Vec<String>)> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            if story_by(&mut *tx, &u, &i).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            let old = story_children(&mut tx, &i).await?;
            let n = old.len() as i64 + scenes.len() as i64 + 1;
            let mut next = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            for (ill, key) in old {
                tombstone(&mut tx, &u, EntityKind::Illustration, &ill, next, now).await?;
                next += 1;
                keys.extend(key);
                sqlx::query("DELETE FROM illustrations WHERE id = $1")
                    .bind(&ill)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut made = Vec::new();
            for (order, (desc, ts)) in scenes.iter().enumerate() {
                let id = ids(storyloom_domain::new_id());
                sqlx::query(
                    "INSERT INTO illustrations (id, user_id, story_id, display_order, scene_description, \
                     audio_timestamp, status, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)",
                )
                .bind(&id)
                .bind(&u)
                .bind(&i)
                .bind(order as i64)
                .bind(desc)
                .bind(*ts)
                .bind(next)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                next += 1;
                made.push(
                    illustration_by(&mut *tx, &u, &id)
                        .await?
                        .ok_or(StoreError::NotFound)?,
                );
            }
            // The story's illustrationCount changed: bump it too.
            bump_row(
                &mut tx,
                "stories",
                &u,
                &i,
                next,
                "updated_at = $4",
                vec![Bind::Int(now)],
            )
            .await?;
            self.commit(tx).await?;
            Ok((made, keys))
        })
        .await
    }

    async fn set_illustration(
        &self,
        user: UserId,
        illustration: IllustrationId,
        status: GenerationStatus,
        key: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<Illustration> {
        self.watch(async {
            let (u, i) = (ids(user), ids(illustration));
            let mut tx = self.begin_write().await?;
            let binds = vec![
                Bind::Text(Some(enum_str(&status))),
                Bind::Int(now),
                Bind::Text(key.map(str::to_owned)),
                Bind::Text(error.map(str::to_owned)),
            ];
            let sets =
                "status = $4, updated_at = $5, image_key = COALESCE($6, image_key), error = $7";
            bump_next(&mut tx, "illustrations", &u, &i, sets, binds).await?;
            let ill = illustration_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ill)
        })
        .await
    }

    async fn set_hero_avatar(
        &self,
        user: UserId,
        hero: HeroId,
        status: AvatarStatus,
        key: Option<&str>,
        generation_id: Option<&str>,
        now: i64,
    ) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i) = (ids(user), ids(hero));
            let mut tx = self.begin_write().await?;
            let binds = vec![
                Bind::Text(Some(enum_str(&status))),
                Bind::Int(now),
                Bind::Text(key.map(str::to_owned)),
                Bind::Text(generation_id.map(str::to_owned)),
            ];
            let sets = "avatar_status = $4, updated_at = $5, avatar_key = COALESCE($6, avatar_key), \
                        avatar_generation_id = COALESCE($7, avatar_generation_id)";
            bump_next(&mut tx, "heroes", &u, &i, sets, binds).await?;
            let hero = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(hero)
        })
        .await
    }

    async fn set_event_enhancement(
        &self,
        user: UserId,
        event: CustomEventId,
        keywords: &[String],
        prompt_seed: &str,
        now: i64,
    ) -> StoreResult<CustomEvent> {
        self.watch(async {
            let (u, i) = (ids(user), ids(event));
            let mut tx = self.begin_write().await?;
            let binds = vec![
                Bind::Text(Some(to_json(&keywords))),
                Bind::Text(Some(prompt_seed.to_owned())),
                Bind::Int(now),
            ];
            let sets = "keywords = $4, prompt_seed = $5, ai_enhanced = 1, updated_at = $6";
            bump_next(&mut tx, "custom_events", &u, &i, sets, binds).await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ev)
        })
        .await
    }
}
