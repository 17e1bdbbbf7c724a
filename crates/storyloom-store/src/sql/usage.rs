//! Usage records and quota reservations.

use async_trait::async_trait;

use storyloom_domain::{Operation, StorageUsage, UsageTotals};
use storyloom_domain::{UsageRecordId, UserId};

use crate::{Backend, Counted, Quota, StoreError, StoreResult, UsageRecord, UsageWindow};

use super::*;

#[async_trait]
impl crate::UsageStore for SqlStore {
    async fn storage_usage(&self, user: UserId) -> StoreResult<StorageUsage> {
        let u = ids(user);
        // Bytes, not characters: the limit is about disk.
        let bytes = |col: &str| match self.backend {
            Backend::Sqlite => format!("COALESCE(LENGTH(CAST({col} AS BLOB)), 0)"),
            Backend::Postgres => format!("COALESCE(OCTET_LENGTH({col}), 0)"),
        };
        // Stories from their kept sizes (a covering index); events are small and few, so
        // measured.
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM heroes WHERE user_id = $1), \
             (SELECT COUNT(*) FROM stories WHERE user_id = $1), \
             (SELECT COUNT(*) FROM custom_events WHERE user_id = $1), \
             (SELECT CAST(COALESCE(SUM(text_bytes), 0) AS BIGINT) FROM stories WHERE user_id = $1) + \
             (SELECT CAST(COALESCE(SUM({} + {} + {}), 0) AS BIGINT) FROM custom_events WHERE user_id = $1)",
            bytes("title"),
            bytes("description"),
            bytes("prompt_seed"),
        );
        let (heroes, stories, custom_events, bytes): (i64, i64, i64, i64) = sqlx::query_as(&sql)
            .bind(&u)
            .fetch_one(&self.reader)
            .await?;
        Ok(StorageUsage {
            bytes,
            stories,
            heroes,
            custom_events,
            ..Default::default()
        })
    }

    async fn keeps_fewer(&self, user: UserId, what: Counted, limit: i64) -> StoreResult<bool> {
        if limit <= 0 {
            return Ok(false);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE user_id = $1 LIMIT $2) kept",
            what.table()
        );
        let kept: i64 = sqlx::query_scalar(&sql)
            .bind(ids(user))
            .bind(limit)
            .fetch_one(&self.reader)
            .await?;
        Ok(kept < limit)
    }

    // ---------- usage ----------

    async fn usage_window(&self, user: UserId, since: i64) -> StoreResult<Vec<UsageWindow>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT operation, COUNT(*), MIN(created_at) FROM usage_records \
             WHERE user_id = $1 AND created_at > $2 AND success = 1 GROUP BY operation",
        )
        .bind(ids(user))
        .bind(since)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(operation, used, oldest)| {
                Ok(UsageWindow {
                    operation: Operation::from_name(&operation).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown operation {operation:?}"))
                    })?,
                    used,
                    oldest,
                })
            })
            .collect::<StoreResult<_>>()?)
    }

    async fn usage_totals(&self, user: UserId) -> StoreResult<UsageTotals> {
        let row: (i64, i64, i64, i64, i64, f64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(1 - success), 0) AS BIGINT), CAST(COALESCE(SUM(tokens), 0) AS BIGINT), \
             CAST(COALESCE(SUM(characters), 0) AS BIGINT), CAST(COALESCE(SUM(images), 0) AS BIGINT), \
             CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) FROM usage_records WHERE user_id = $1",
        )
        .bind(ids(user))
        .fetch_one(&self.reader)
        .await?;
        Ok(UsageTotals {
            requests: row.0,
            failures: row.1,
            tokens: row.2,
            characters: row.3,
            images: row.4,
            estimated_cost_usd: row.5,
        })
    }

    async fn reserve_usage(
        &self,
        user: UserId,
        operation: Operation,
        limit: i64,
        window_start: i64,
        now: i64,
    ) -> StoreResult<Quota> {
        self.watch(async {
            let u = ids(user);
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let (used, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM usage_records \
                 WHERE user_id = $1 AND operation = $2 AND created_at > $3 AND success = 1",
            )
            .bind(&u)
            .bind(operation.name())
            .bind(window_start)
            .fetch_one(&mut *tx)
            .await?;
            let window = now - window_start;
            if used >= limit {
                return Ok(Quota::Exceeded {
                    reset_at: oldest.unwrap_or(now) + window,
                });
            }
            let record_id = storyloom_domain::new_id();
            sqlx::query(
                "INSERT INTO usage_records (id, user_id, operation, provider, model, success, created_at) \
                 VALUES ($1, $2, $3, '', '', 1, $4)",
            )
            .bind(ids(record_id))
            .bind(&u)
            .bind(operation.name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            self.commit(tx).await?;
            Ok(Quota::Granted {
                record_id: UsageRecordId(record_id),
                remaining: limit - used - 1,
                reset_at: oldest.unwrap_or(now) + window,
            })
        })
        .await
    }

    async fn cancel_usage(&self, user: UserId, record_id: UsageRecordId) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("DELETE FROM usage_records WHERE id = $1 AND user_id = $2")
                .bind(ids(record_id))
                .bind(ids(user))
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn finish_usage(
        &self,
        user: UserId,
        record_id: UsageRecordId,
        r: &UsageRecord,
    ) -> StoreResult<()> {
        self.watch(async {
            sqlx::query(
                "UPDATE usage_records SET provider = $3, model = $4, tokens = $5, characters = $6, images = $7, \
                 cost_usd = $8, duration_ms = $9, success = $10, error = $11 WHERE id = $1 AND user_id = $2",
            )
            .bind(ids(record_id))
            .bind(ids(user))
            .bind(&r.provider)
            .bind(&r.model)
            .bind(r.tokens)
            .bind(r.characters)
            .bind(r.images)
            .bind(r.cost_usd)
            .bind(r.duration_ms)
            .bind(i64::from(r.success))
            .bind(&r.error)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }

    async fn add_usage(&self, user: UserId, r: &UsageRecord, now: i64) -> StoreResult<()> {
        self.watch(async {
            let id = storyloom_domain::new_id();
            sqlx::query(
                "INSERT INTO usage_records (id, user_id, operation, provider, model, tokens, characters, images, \
                 cost_usd, duration_ms, success, error, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(ids(id))
            .bind(ids(user))
            .bind(r.operation.name())
            .bind(&r.provider)
            .bind(&r.model)
            .bind(r.tokens)
            .bind(r.characters)
            .bind(r.images)
            .bind(r.cost_usd)
            .bind(r.duration_ms)
            .bind(i64::from(r.success))
            .bind(&r.error)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }
}
