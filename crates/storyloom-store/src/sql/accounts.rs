//! Accounts, sessions and sign-in failures.

use async_trait::async_trait;

use storyloom_domain::UserId;
use storyloom_domain::{ProfileStats, ProfileUpdate, StoryLength};

use crate::{
    NewUser, SessionRecord, StoreError, StoreResult, UserRecord,
    rows::{SessionUserRow, USER_COLS, UserRow},
};

use super::*;

#[async_trait]
impl crate::AccountStore for SqlStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<UserRecord> {
        self.watch(async {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, name, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(ids(new.id))
            .bind(&new.email)
            .bind(&new.password_hash)
            .bind(&new.name)
            .bind(new.now)
            .execute(&self.writer)
            .await
            .map_err(|e| match StoreError::from(e) {
                // The id is ours, so any uniqueness clash on a new user is the email.
                StoreError::IdConflict => StoreError::EmailTaken,
                other => other,
            })?;
            self.user_by_id(new.id).await
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE email = $1"))
                .bind(email)
                .fetch_optional(&self.reader)
                .await?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn user_by_id(&self, user: UserId) -> StoreResult<UserRecord> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
                .bind(ids(user))
                .fetch_optional(&self.writer)
                .await?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    async fn update_profile(
        &self,
        user: UserId,
        patch: &ProfileUpdate,
        now: i64,
    ) -> StoreResult<UserRecord> {
        self.watch(async {
            let cur = self.user_by_id(user).await?;
            let name = match &patch.name {
                Some(n) => n.clone(),
                None => cur.name,
            };
            let lang = patch.preferred_language.unwrap_or(cur.preferred_language);
            let voice = patch.preferred_voice.unwrap_or(cur.preferred_voice);
            let length = patch
                .default_story_length
                .unwrap_or(cur.default_story_length);
            let zone = patch.timezone.unwrap_or(cur.timezone);
            sqlx::query(
                "UPDATE users SET name = $2, preferred_language = $3, preferred_voice = $4, updated_at = $5, \
                 default_story_length = $6, timezone = $7 WHERE id = $1",
            )
            .bind(ids(user))
            .bind(name)
            .bind(lang.code())
            .bind(voice.name())
            .bind(now)
            .bind(length.map(StoryLength::name))
            .bind(zone.name())
            .execute(&self.writer)
            .await?;
            self.user_by_id(user).await
        })
        .await
    }

    async fn profile_stats(&self, user: UserId) -> StoreResult<ProfileStats> {
        let u = ids(user);
        let p = &self.reader;
        Ok(ProfileStats {
            hero_count: count(p, "SELECT COUNT(*) FROM heroes WHERE user_id = $1", &u).await?,
            story_count: count(p, "SELECT COUNT(*) FROM stories WHERE user_id = $1", &u).await?,
            custom_event_count: count(p, "SELECT COUNT(*) FROM custom_events WHERE user_id = $1", &u).await?,
            favorite_story_count: count(
                p,
                "SELECT COUNT(*) FROM stories WHERE user_id = $1 AND is_favorite = 1",
                &u,
            )
            .await?,
            total_plays: count(
                p,
                "SELECT CAST(COALESCE(SUM(play_count), 0) AS BIGINT) FROM stories WHERE user_id = $1",
                &u,
            )
            .await?,
        })
    }

    async fn delete_user(&self, user: UserId) -> StoreResult<Vec<String>> {
        self.watch(async {
            let u = ids(user);
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let mut keys: Vec<String> = Vec::new();
            for sql in [
                "SELECT avatar_key FROM heroes WHERE user_id = $1 AND avatar_key IS NOT NULL",
                "SELECT audio_key FROM stories WHERE user_id = $1 AND audio_key IS NOT NULL",
                "SELECT image_key FROM illustrations WHERE user_id = $1 AND image_key IS NOT NULL",
            ] {
                let found: Vec<String> =
                    sqlx::query_scalar(sql).bind(&u).fetch_all(&mut *tx).await?;
                keys.extend(found);
            }
            // Children first: SQLite only cascades with foreign_keys on, and explicit deletes
            // keep the order obvious on both backends.
            for table in [
                "illustrations",
                "stories",
                "heroes",
                "custom_events",
                "tombstones",
                "sync_mutations",
                "usage_records",
                "jobs",
                "sessions",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(&u)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(keys)
        })
        .await
    }

    async fn create_session(&self, s: SessionRecord) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&s.token_hash)
                .bind(ids(s.user_id))
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord, i64)>> {
        // One round trip on every authenticated request: the session, its user and the
        // user's latest version (which validates cached answers).
        let row: Option<SessionUserRow> = sqlx::query_as(
            "SELECT s.created_at AS session_created_at, s.expires_at, u.change_seq, \
             u.id, u.email, u.password_hash, u.name, u.preferred_language, u.preferred_voice, u.created_at, \
             u.default_story_length, u.timezone \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (created_at, expires_at, version) =
            (row.session_created_at, row.expires_at, row.change_seq);
        let user: UserRecord = row.user.try_into()?;
        let session = SessionRecord {
            token_hash: token_hash.to_owned(),
            user_id: user.id,
            created_at,
            expires_at,
        };
        Ok(Some((session, user, version)))
    }

    async fn latest_version(&self, user: UserId) -> StoreResult<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT change_seq FROM users WHERE id = $1")
            .bind(ids(user))
            .fetch_optional(&self.reader)
            .await?;
        v.ok_or(StoreError::NotFound)
    }

    async fn set_session_expiry(&self, token_hash: &str, expires_at: i64) -> StoreResult<()> {
        self.watch(async {
            sqlx::query(
                "UPDATE sessions SET expires_at = $2 WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn purge_sessions(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(before)
                .execute(&self.writer)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn signin_failures(
        &self,
        email: &str,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM signin_failures WHERE email = $1 AND address = $2 AND at > $3",
        )
        .bind(email)
        .bind(address)
        .bind(since)
        .fetch_one(&self.writer)
        .await?)
    }

    async fn record_signin_failure(&self, email: &str, address: &str, now: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO signin_failures (email, address, at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(address)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn clear_signin_failures(&self, email: &str, address: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM signin_failures WHERE email = $1 AND address = $2")
            .bind(email)
            .bind(address)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn purge_signin_failures(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM signin_failures WHERE at < $1")
            .bind(before)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
