//! What the store remembers about its writes, for the health check.
//!
//! A full disk shows only when a write needs room: the health probe's `SELECT 1` reads and
//! succeeds. So the store remembers when a write last failed for lack of space, and forgets it
//! as soon as a write commits again. It also forgets it after [`FULL_MEMORY`] without a new
//! failure: health is asked by load balancers, and a quiet server must not report a full
//! disk long after an operator freed space (the next write that fails reports it again).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use crate::{StoreError, StoreResult};

/// How long a failure for lack of space counts without a new one.
pub(crate) const FULL_MEMORY: Duration = Duration::from_secs(30);

/// The last write failure for lack of space, if recent.
#[derive(Debug)]
pub(crate) struct WriteHealth {
    start: Instant,
    /// Milliseconds after `start` of the last failure, plus one; 0 when none since a commit.
    full_at: AtomicU64,
}

impl Default for WriteHealth {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            full_at: AtomicU64::new(0),
        }
    }
}

impl WriteHealth {
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Remember `result` if it is a write that failed for lack of space.
    pub(crate) fn note<T>(&self, result: &StoreResult<T>) {
        if matches!(result, Err(StoreError::StorageFull)) {
            self.full_at.store(self.now(), Ordering::Relaxed);
        }
    }

    /// A write transaction committed: there is room again.
    pub(crate) fn committed(&self) {
        // A load first: commits are frequent and this is almost always already 0, and a
        // store to a shared cache line on every commit would make the cores fight over it.
        if self.full_at.load(Ordering::Relaxed) != 0 {
            self.full_at.store(0, Ordering::Relaxed);
        }
    }

    /// Whether a write failed for lack of space recently, with no commit since.
    pub(crate) fn storage_full(&self) -> bool {
        let at = self.full_at.load(Ordering::Relaxed);
        at != 0 && self.now().saturating_sub(at) < FULL_MEMORY.as_millis() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_a_full_disk_until_a_commit() {
        let h = WriteHealth::default();
        assert!(!h.storage_full());
        h.note::<()>(&Err(StoreError::NotFound));
        assert!(!h.storage_full(), "only a full disk counts");
        h.note::<()>(&Err(StoreError::StorageFull));
        assert!(h.storage_full());
        h.note(&Ok(()));
        assert!(
            h.storage_full(),
            "a success that committed nothing proves no room"
        );
        h.committed();
        assert!(!h.storage_full());
    }
}
