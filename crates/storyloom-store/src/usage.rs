//! Usage records and the quota reservations made from them.

use async_trait::async_trait;

use storyloom_domain::{Operation, StorageUsage, UsageRecordId, UsageTotals, UserId};

use crate::*;

/// Provider calls counted per user, and what an account stores.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// What the account stores (counts and text bytes; the limits are left at 0 for the
    /// caller to fill in).
    async fn storage_usage(&self, user: UserId) -> StoreResult<StorageUsage>;
    /// Whether the account keeps fewer than `limit` rows of `what`. Counts at most `limit`
    /// rows, so the check before a create costs the same however much the account holds.
    async fn keeps_fewer(&self, user: UserId, what: Counted, limit: i64) -> StoreResult<bool>;

    // ---- usage ----

    /// Per operation: uses counted since `since` (epoch ms) and the oldest of them.
    async fn usage_window(&self, user: UserId, since: i64) -> StoreResult<Vec<UsageWindow>>;
    /// All-time totals over the user's usage records.
    async fn usage_totals(&self, user: UserId) -> StoreResult<UsageTotals>;

    /// Reserve one use of `operation` if fewer than `limit` were used since `window_start`.
    /// Atomic per user (concurrent requests cannot both take the last slot); the reservation
    /// counts until [`Self::finish_usage`] records the call's outcome (a failed call stops
    /// counting).
    async fn reserve_usage(
        &self,
        user: UserId,
        operation: Operation,
        limit: i64,
        window_start: i64,
        now: i64,
    ) -> StoreResult<Quota>;
    /// Drop a reservation that was never used (the request failed before the provider call).
    async fn cancel_usage(&self, user: UserId, record_id: UsageRecordId) -> StoreResult<()>;
    /// Fill in a reserved usage record with what the provider call did.
    async fn finish_usage(
        &self,
        user: UserId,
        record_id: UsageRecordId,
        record: &UsageRecord,
    ) -> StoreResult<()>;
    /// Write a usage record that needed no reservation (e.g. a job's extra provider calls).
    async fn add_usage(&self, user: UserId, record: &UsageRecord, now: i64) -> StoreResult<()>;
}
