//! The live streams (`GET /api/sync/stream`) open on this process, by user and session.
//!
//! An event for one user wakes that user's streams only. A stream belongs to the session that
//! opened it: revoking the session (sign-out, refresh, account deletion — from any node, as
//! the hub delivers those events everywhere) closes its streams, and one session holds at most
//! a configured number of them, the oldest closed first.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use storyloom_domain::UserId;
use tokio::sync::mpsc;

use crate::events_hub::LiveEvent;

/// Events a slow stream may fall behind by before it is told to pull instead.
const BUFFER: usize = 64;

struct Slot {
    id: u64,
    /// Hex SHA-256 of the token of the session that opened the stream.
    session: String,
    tx: mpsc::Sender<LiveEvent>,
    lagged: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inner {
    by_user: Mutex<HashMap<UserId, Vec<Slot>>>,
    next_id: AtomicU64,
}

/// The registry of open streams.
#[derive(Clone, Default)]
pub struct Streams(Arc<Inner>);

/// One open stream: its events, and its place in the registry (left when dropped).
pub struct Subscription {
    registry: Streams,
    user: UserId,
    id: u64,
    rx: mpsc::Receiver<LiveEvent>,
    lagged: Arc<AtomicBool>,
}

/// What a stream gets next.
#[derive(Debug)]
pub enum Next {
    /// An event of its user.
    Event(LiveEvent),
    /// Events were dropped because the stream fell behind: the client must pull.
    Lagged,
}

impl Streams {
    fn slots(&self) -> MutexGuard<'_, HashMap<UserId, Vec<Slot>>> {
        // Slots are plain data: a panic elsewhere cannot leave them half-written.
        self.0.by_user.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Open a stream for `user`'s session `session`, closing the session's oldest streams
    /// beyond `per_session - 1`.
    pub fn open(&self, user: UserId, session: &str, per_session: usize) -> Subscription {
        let (tx, rx) = mpsc::channel(BUFFER);
        let lagged = Arc::new(AtomicBool::new(false));
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let mut by_user = self.slots();
        let slots = by_user.entry(user).or_default();
        let mut of_session = slots.iter().filter(|s| s.session == session).count();
        // Slots are in opening order, so the first ones of the session are its oldest.
        slots.retain(|s| {
            if s.session == session && of_session >= per_session.max(1) {
                of_session -= 1;
                false
            } else {
                true
            }
        });
        slots.push(Slot {
            id,
            session: session.to_owned(),
            tx,
            lagged: lagged.clone(),
        });
        Subscription {
            registry: self.clone(),
            user,
            id,
            rx,
            lagged,
        }
    }

    /// Hand an event to its user's streams; a full stream is marked as lagging instead.
    pub fn send(&self, ev: &LiveEvent) {
        let by_user = self.slots();
        for slot in by_user.get(&ev.user).into_iter().flatten() {
            if slot.tx.try_send(ev.clone()).is_err() {
                slot.lagged.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Close the streams of one session.
    pub fn close_session(&self, user: UserId, session: &str) {
        if let Some(slots) = self.slots().get_mut(&user) {
            slots.retain(|s| s.session != session);
        }
    }

    /// Close every stream of a user.
    pub fn close_user(&self, user: UserId) {
        self.slots().remove(&user);
    }

    /// How many streams are open (for tests and metrics).
    pub fn count(&self) -> usize {
        self.slots().values().map(Vec::len).sum()
    }
}

impl Subscription {
    /// The next event, or `None` once the stream was closed (its session revoked, or pushed
    /// out by a newer stream of the session).
    pub async fn next(&mut self) -> Option<Next> {
        if self.lagged.swap(false, Ordering::Relaxed) {
            return Some(Next::Lagged);
        }
        let ev = self.rx.recv().await?;
        if self.lagged.swap(false, Ordering::Relaxed) {
            // Dropped events came after this one; it still goes first, the pull after it.
            self.lagged.store(true, Ordering::Relaxed);
        }
        Some(Next::Event(ev))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut by_user = self.registry.slots();
        if let Some(slots) = by_user.get_mut(&self.user) {
            slots.retain(|s| s.id != self.id);
            if slots.is_empty() {
                by_user.remove(&self.user);
            }
        }
    }
}
