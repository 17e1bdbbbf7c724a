//! The store's error: small and semantic, so the HTTP layer maps it once.

use crate::types::Entity;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row for this user.
    #[error("not found")]
    NotFound,
    /// The email belongs to another account.
    #[error("email taken")]
    EmailTaken,
    /// A client-supplied id is taken (by another user, a deleted entity, or another body).
    #[error("id conflict")]
    IdConflict,
    /// `If-Match` / `baseVersion` is older than the row; carries the current row.
    #[error("version conflict")]
    VersionConflict(Box<Entity>),
    /// The database cannot be reached, or refused to commit a write (nothing was stored).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The disk under the database is full: nothing was stored, and writes fail until space
    /// is freed. Reads still work. Kept apart from [`StoreError::Unavailable`] so the client
    /// can be told why, and health can say the database is degraded rather than down.
    #[error("storage is full")]
    StorageFull,
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Anything else from the driver.
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => Self::Unavailable(e.to_string()),
            sqlx::Error::Database(ref db) => {
                if db.is_unique_violation() {
                    if violates_unique_email(db.constraint(), db.message()) {
                        Self::EmailTaken
                    } else {
                        Self::IdConflict
                    }
                } else if is_storage_full_code(db.code().as_deref()) {
                    Self::StorageFull
                } else if is_unavailable_code(db.code().as_deref()) {
                    Self::Unavailable(e.to_string())
                } else {
                    Self::Other(e)
                }
            }
            other => Self::Other(other),
        }
    }
}

/// Whether a unique violation is of the users' email, by the constraint's exact identity:
/// PostgreSQL names it (`users_email_key`, the name `UNIQUE` on `users.email` gets), SQLite
/// lists its columns (`UNIQUE constraint failed: users.email`). Matching a substring such as
/// "email" would also catch any later constraint whose name or message merely mentions it.
fn violates_unique_email(constraint: Option<&str>, message: &str) -> bool {
    constraint == Some("users_email_key")
        || message.strip_prefix("UNIQUE constraint failed: ") == Some("users.email")
}

/// Database error codes that mean "no space left for this write": SQLite `SQLITE_FULL` (13,
/// which SQLite also reports when the file system says ENOSPC), PostgreSQL `disk_full`.
fn is_storage_full_code(code: Option<&str>) -> bool {
    matches!(code, Some("13" | "53100"))
}

/// Database error codes that mean "the database is not there right now" rather than "your
/// query is wrong": PostgreSQL admin shutdown / cannot connect (class 57P, 08), SQLite busy or
/// locked past the timeout (5, 6).
fn is_unavailable_code(code: Option<&str>) -> bool {
    match code {
        Some(c) => {
            c.starts_with("57P") || c.starts_with("08") || c == "5" || c == "6" || c == "53300"
        }
        None => false,
    }
}

/// The error of a failed `COMMIT`: nothing of the transaction was stored, whatever the driver
/// says, so the write must not be answered as done. A full disk stays itself; anything else
/// is [`StoreError::Unavailable`] (the client may retry), never a constraint or internal
/// error that would tell it the write itself was wrong.
pub(crate) fn commit_failed(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        e @ (StoreError::StorageFull | StoreError::Unavailable(_)) => e,
        other => StoreError::Unavailable(format!(
            "the database refused to commit the write, so nothing was stored: {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::violates_unique_email;

    #[test]
    fn email_violations_are_told_by_exact_constraint() {
        assert!(violates_unique_email(
            Some("users_email_key"),
            "duplicate key value"
        ));
        assert!(violates_unique_email(
            None,
            "UNIQUE constraint failed: users.email"
        ));
        assert!(!violates_unique_email(
            Some("heroes_pkey"),
            "duplicate key value"
        ));
        assert!(!violates_unique_email(
            None,
            "UNIQUE constraint failed: heroes.id"
        ));
        // A constraint that merely mentions email is not the accounts' email.
        assert!(!violates_unique_email(
            Some("email_outbox_pkey"),
            "duplicate key value violates unique constraint \"email_outbox_pkey\""
        ));
    }
}
