//! Entity ids. The server makes UUIDv7 (time-ordered, so "newest first" is an index scan);
//! clients may send any UUID of their own on create so offline-made entities keep their id.

use uuid::Uuid;

/// A new time-ordered id for a server-made entity.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
