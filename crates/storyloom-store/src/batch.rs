//! Group commit for one user's writes.
//!
//! Every write takes the user's change-sequence row lock first (so the change feed's order is
//! the commit order), which serializes one user's writes — including the commit's fsync on
//! PostgreSQL. When many writes for the same user arrive at once (an app's outbox flushing
//! through parallel requests, a family on several devices), running them one transaction each
//! pays one fsync each. Here the first writer becomes the user's *leader*: a spawned task that
//! takes everything queued for the user, runs it in **one** transaction and commits once; writes
//! that arrive meanwhile queue for the next round. Nothing is answered before its commit.
//!
//! If any write of a batch fails (a version conflict, a taken id, a lost connection), the batch
//! is rolled back and each write is run again alone, so one write's failure is only its own.
//! That is why operations are `Fn` (re-runnable) and own their inputs.
//!
//! Within a batch, a run of hero creates can go to the database as **one** statement
//! ([`Writer::insert_heroes`]) instead of one round trip each: on PostgreSQL the round trips,
//! not the work, are what a batch of creates spends its time on. Anything but a clean insert of
//! every row (a retried create, a taken id) fails the batch into the one-by-one path above,
//! which gives each write its exact answer. A batch made only of creates is one round trip in
//! all: on PostgreSQL the statement is atomic by itself, on SQLite its `BEGIN` and `COMMIT`
//! travel in the same query.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{AnyConnection, Connection};
use tokio::sync::oneshot;

use crate::{StoreError, StoreResult};

/// A boxed future, as `futures` names it (this crate does not otherwise need `futures`).
pub(crate) type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The result of one operation, type-erased so one batch can hold different writes.
pub(crate) type Output = Box<dyn Any + Send>;

/// One write, run inside the batch's transaction.
pub(crate) type Op =
    Arc<dyn for<'t> Fn(&'t mut AnyConnection) -> BoxFuture<'t, StoreResult<Output>> + Send + Sync>;

/// A hero create as data, so the leader can fuse several into one statement.
#[derive(Clone)]
pub(crate) struct HeroInsert {
    pub user: String,
    pub id: String,
    pub body: Arc<storyloom_domain::HeroCreate>,
    pub now: i64,
}

struct Pending {
    op: Op,
    /// Set when `op` is a hero create that may be fused with its neighbours.
    bulk: Option<HeroInsert>,
    reply: oneshot::Sender<StoreResult<Output>>,
}

/// Most writes one transaction takes; more wait for the next round (bounds lock hold time).
const MAX_BATCH: usize = 64;

/// Per-user queues; a user with a key present has a leader running.
#[derive(Default)]
pub(crate) struct Batcher {
    queues: Mutex<HashMap<String, Vec<Pending>>>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

/// What the batcher needs from the store: a write transaction.
pub(crate) trait Writer: Clone + Send + Sync + 'static {
    /// A connection of the write pool, for the leader to run its rounds on.
    fn acquire(&self) -> BoxFuture<'_, StoreResult<PoolConnection<sqlx::Any>>>;
    fn batcher(&self) -> &Batcher;
    /// Insert all `items` in one statement and return their results in order, or fail if
    /// any row was not inserted as new.
    fn insert_heroes<'t>(
        &'t self,
        c: &'t mut AnyConnection,
        items: Vec<HeroInsert>,
    ) -> BoxFuture<'t, StoreResult<Vec<Output>>>;
    /// [`Writer::insert_heroes`] as a whole round on its own: all or nothing, in the fewest
    /// round trips the backend allows (one on either).
    fn insert_heroes_alone<'t>(
        &'t self,
        c: &'t mut AnyConnection,
        items: Vec<HeroInsert>,
    ) -> BoxFuture<'t, StoreResult<Vec<Output>>>;
    /// How long a leader may keep one pooled connection across its rounds before giving it
    /// back, so one user's sustained burst cannot starve the pool's other users. Short where
    /// the pool is one connection (SQLite's writer), where others wait for that one.
    fn hold(&self) -> Duration;
    /// A round committed (for the store's write health).
    fn committed(&self);
}

/// Make an [`Op`] from a closure (naming the higher-ranked signature helps inference).
pub(crate) fn op<F>(f: F) -> Op
where
    F: for<'t> Fn(&'t mut AnyConnection) -> BoxFuture<'t, StoreResult<Output>>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

/// Run `op` for `user` in a group commit and return its typed result.
pub(crate) async fn run<W: Writer, T: Send + 'static>(w: &W, user: &str, op: Op) -> StoreResult<T> {
    submit(w, user, op, None).await
}

/// [`run`] for a hero create, which the leader may fuse with others of its batch.
pub(crate) async fn run_hero_insert<W: Writer, T: Send + 'static>(
    w: &W,
    op: Op,
    insert: HeroInsert,
) -> StoreResult<T> {
    let user = insert.user.clone();
    submit(w, &user, op, Some(insert)).await
}

async fn submit<W: Writer, T: Send + 'static>(
    w: &W,
    user: &str,
    op: Op,
    bulk: Option<HeroInsert>,
) -> StoreResult<T> {
    let (reply, rx) = oneshot::channel();
    let lead = {
        let mut queues = lock(w.batcher());
        match queues.get_mut(user) {
            Some(q) => {
                q.push(Pending { op, bulk, reply });
                false
            }
            None => {
                queues.insert(user.to_owned(), vec![Pending { op, bulk, reply }]);
                true
            }
        }
    };
    if lead {
        // A task of its own: the request that started it may be cancelled (client gone), but
        // the writes queued behind it must still be run and answered.
        let (w, user) = (w.clone(), user.to_owned());
        tokio::spawn(async move { lead_rounds(&w, &user).await });
    }
    let out = rx
        .await
        .map_err(|_| StoreError::Unavailable("the write was interrupted; try again".into()))??;
    out.downcast::<T>()
        .map(|b| *b)
        .map_err(|_| StoreError::Unavailable("internal error: unexpected write result".into()))
}

fn lock(b: &Batcher) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Pending>>> {
    // A panic while holding this lock cannot leave the map inconsistent (push/take only).
    b.queues.lock().unwrap_or_else(|p| p.into_inner())
}

/// The leader's connection, kept across rounds: every acquire and release of a pooled
/// connection costs a ping (a round trip), which under a burst was as much as the round itself.
struct Held {
    conn: Option<(PoolConnection<sqlx::Any>, Instant)>,
}

impl Held {
    async fn get<W: Writer>(&mut self, w: &W) -> StoreResult<&mut AnyConnection> {
        let held = match self.conn.take() {
            Some(fresh) if fresh.1.elapsed() < w.hold() => fresh,
            stale => {
                // Back to the pool before asking it for one: SQLite's writer pool is one.
                drop(stale);
                (w.acquire().await?, Instant::now())
            }
        };
        let (c, _) = self.conn.insert(held);
        Ok(&mut **c)
    }

    /// After a failure the connection may be broken: let the pool check it, take another.
    /// After a failure of the database itself (not of the write: a conflict, a missing row)
    /// it may also be left inside a transaction the driver does not know of (the SQLite bulk
    /// insert runs its own `BEGIN`), so it is closed rather than trusted again.
    fn drop_after_error(&mut self, e: &StoreError) {
        if let Some((mut c, _)) = self.conn.take()
            && matches!(
                e,
                StoreError::Other(_) | StoreError::Unavailable(_) | StoreError::StorageFull
            )
        {
            c.close_on_drop();
        }
    }
}

async fn lead_rounds<W: Writer>(w: &W, user: &str) {
    let mut held = Held { conn: None };
    loop {
        let batch: Vec<Pending> = {
            let mut queues = lock(w.batcher());
            let Some(q) = queues.get_mut(user) else {
                return;
            };
            if q.is_empty() {
                // Removing under the lock: a writer arriving now becomes the next leader.
                queues.remove(user);
                return;
            }
            let n = q.len().min(MAX_BATCH);
            q.drain(..n).collect()
        };
        run_batch(w, &mut held, batch).await;
    }
}

async fn run_batch<W: Writer>(w: &W, held: &mut Held, batch: Vec<Pending>) {
    // A batch of creates only (the common burst: an outbox flushing new heroes) is one
    // round trip, with no separate BEGIN and COMMIT; any other batch of several is one
    // transaction. Either failing, each write runs alone for its own answer.
    let shared = if batch.iter().all(|p| p.bulk.is_some()) {
        let items = batch.iter().filter_map(|p| p.bulk.clone()).collect();
        Some(async { w.insert_heroes_alone(held.get(w).await?, items).await }.await)
    } else if batch.len() > 1 {
        Some(together(w, held, &batch).await)
    } else {
        None
    };
    match shared {
        Some(Ok(results)) => {
            w.committed();
            for (p, r) in batch.into_iter().zip(results) {
                let _ = p.reply.send(Ok(r));
            }
            return;
        }
        Some(Err(e)) => {
            held.drop_after_error(&e);
            tracing::debug!(error = %e, n = batch.len(), "batch failed; running its writes alone")
        }
        None => {}
    }
    for p in batch {
        let r = alone(w, held, &p.op).await;
        match &r {
            Ok(_) => w.committed(),
            Err(e) => held.drop_after_error(e),
        }
        let _ = p.reply.send(r);
    }
}

async fn together<W: Writer>(
    w: &W,
    held: &mut Held,
    batch: &[Pending],
) -> StoreResult<Vec<Output>> {
    let mut tx = held.get(w).await?.begin().await?;
    let mut out = Vec::with_capacity(batch.len());
    let mut i = 0;
    while i < batch.len() {
        let run = batch[i..].iter().take_while(|p| p.bulk.is_some()).count();
        if run >= 2 {
            let items = batch[i..i + run]
                .iter()
                .filter_map(|p| p.bulk.clone())
                .collect();
            out.extend(w.insert_heroes(&mut tx, items).await?);
            i += run;
        } else {
            out.push((batch[i].op)(&mut tx).await?);
            i += 1;
        }
    }
    tx.commit().await.map_err(crate::error::commit_failed)?;
    Ok(out)
}

async fn alone<W: Writer>(w: &W, held: &mut Held, op: &Op) -> StoreResult<Output> {
    let mut tx = held.get(w).await?.begin().await?;
    let out = op(&mut tx).await?;
    tx.commit().await.map_err(crate::error::commit_failed)?;
    Ok(out)
}
