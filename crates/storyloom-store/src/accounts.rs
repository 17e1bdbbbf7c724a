//! Accounts, sessions and sign-in failures.

use async_trait::async_trait;

use storyloom_domain::{ProfileStats, ProfileUpdate, UserId};

use crate::*;

/// Accounts and their sessions: who signs in, and with which token.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Create an account. `EmailTaken` when the (normalised) email exists.
    async fn create_user(&self, new: NewUser) -> StoreResult<UserRecord>;
    /// Find an account by normalised email.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    /// Find an account by id.
    async fn user_by_id(&self, user: UserId) -> StoreResult<UserRecord>;
    /// Change the profile fields.
    async fn update_profile(
        &self,
        user: UserId,
        patch: &ProfileUpdate,
        now: i64,
    ) -> StoreResult<UserRecord>;
    /// Counts for the profile page.
    async fn profile_stats(&self, user: UserId) -> StoreResult<ProfileStats>;

    /// Erase the account and everything it owns; returns the media keys to delete.
    async fn delete_user(&self, user: UserId) -> StoreResult<Vec<String>>;

    /// Store a session by the hash of its token.
    async fn create_session(&self, session: SessionRecord) -> StoreResult<()>;
    /// The live session with this token hash (not expired at `now`), with its user and the
    /// user's latest version.
    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord, i64)>>;
    /// The user's latest version (last number taken from the change sequence).
    async fn latest_version(&self, user: UserId) -> StoreResult<i64>;
    /// Move a session's expiry (refresh grace: shortened to 60 s).
    async fn set_session_expiry(&self, token_hash: &str, expires_at: i64) -> StoreResult<()>;
    /// Revoke a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Delete sessions that expired before `before`; returns how many. An expired session
    /// already signs nothing in; this only keeps the table from growing with every sign-in.
    async fn purge_sessions(&self, before: i64) -> StoreResult<u64>;

    /// Failed sign-ins for `email` from `address` since `since` (epoch ms): how many, and the
    /// oldest. Kept in the database so every server process counts the same failures.
    async fn signin_failures(
        &self,
        email: &str,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)>;
    /// Count a failed sign-in.
    async fn record_signin_failure(&self, email: &str, address: &str, now: i64) -> StoreResult<()>;
    /// Forget the failures of `email` from `address` (it signed in).
    async fn clear_signin_failures(&self, email: &str, address: &str) -> StoreResult<()>;
    /// Forget failures older than `before`.
    async fn purge_signin_failures(&self, before: i64) -> StoreResult<u64>;
}
