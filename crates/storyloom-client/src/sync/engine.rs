//! The sync engine: the I/O shell around the planner.
//!
//! `sync_all` runs at most once at a time (a second call waits for the first, then syncs
//! again, which is what the caller wants after a new local write). One run:
//! 1. push the outbox in order, in batches of at most `push_batch`; each entry's `attempts`
//!    is bumped *before* it is sent, which keeps later local edits from being folded into a
//!    mutation that may already be on the server; results are applied in one transaction per
//!    batch: applied/duplicate → synced with the new version, rejected → parked as failed with
//!    the server's message (never dropped), conflict → the server copy goes through the
//!    planner like a pulled change (which may queue a re-send, handled in the same run);
//! 2. pull the change feed from the stored cursor, page by page, each page and its cursor in
//!    one transaction; a 410 `RESYNC_REQUIRED` restarts from the beginning and afterwards
//!    drops synced rows the server no longer has;
//! 3. publish the state and the entity events.
//!
//! Triggers live elsewhere: [`SyncEngine::start_background`] (start, local writes, timer) and
//! [`SyncEngine::start_live`] (the server's `changed` events).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use storyloom_domain::{
    Change, EntityKind, ErrorCode, Mutation, MutationOp, MutationResult, MutationStatus,
    PushRequest,
};
use tokio::sync::{Mutex, Notify, broadcast, watch};
use uuid::Uuid;

use super::apply::{apply_change, mark_applied, park};
use super::live::LiveSync;
use super::{EntityEvent, SyncState};
use crate::api::ApiClient;
use crate::db::conflicts::{self, ConflictKind, ConflictRecord};
use crate::db::outbox::{self, OutboxEntry};
use crate::db::{Db, SyncStatus, meta, rows};
use crate::entity::{self, VERSION, merge_fields};
use crate::error::{Error, Result};

/// Sync tuning. Defaults follow SYNC.md.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Mutations per push (the server takes at most 500).
    pub push_batch: usize,
    /// Changes per pull page (1–1000; default 500).
    pub pull_limit: u32,
    /// Background timer (default 15 min).
    pub interval: Duration,
    /// Quiet time after a local write before the background sync runs (default 2 s).
    pub debounce: Duration,
    /// Push requests per run at most, so a server that keeps answering "conflict" cannot
    /// keep a run going forever.
    pub max_push_requests: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            push_batch: 500,
            pull_limit: 500,
            interval: Duration::from_secs(15 * 60),
            debounce: Duration::from_secs(2),
            max_push_requests: 50,
        }
    }
}

/// What one `sync_all` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Mutations the server applied (or had applied before).
    pub pushed: usize,
    /// Mutations parked as failed.
    pub failed: usize,
    /// Mutations answered with a conflict.
    pub conflicts: usize,
    /// Changes pulled.
    pub pulled: usize,
    /// Whether the pull restarted from the beginning (410).
    pub full_resync: bool,
}

/// Pushes local mutations, pulls server changes, keeps observers informed. Cheap to clone.
#[derive(Clone)]
pub struct SyncEngine {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    api: ApiClient,
    config: SyncConfig,
    running: Mutex<()>,
    state: watch::Sender<SyncState>,
    events: broadcast::Sender<EntityEvent>,
    trigger: Arc<Notify>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    pub(crate) fn new(
        db: Db,
        api: ApiClient,
        config: SyncConfig,
        events: broadcast::Sender<EntityEvent>,
        trigger: Arc<Notify>,
    ) -> Self {
        let (state, _) = watch::channel(SyncState::Idle);
        Self {
            inner: Arc::new(Inner {
                db,
                api,
                config,
                running: Mutex::new(()),
                state,
                events,
                trigger,
            }),
        }
    }

    /// Watch the engine's state.
    pub fn state(&self) -> watch::Receiver<SyncState> {
        self.inner.state.subscribe()
    }

    /// Receive entity events (local writes and sync results).
    pub fn subscribe(&self) -> broadcast::Receiver<EntityEvent> {
        self.inner.events.subscribe()
    }

    /// Push, pull, notify. Never runs twice at once: a second caller waits for the running
    /// sync and then syncs again.
    pub async fn sync_all(&self) -> Result<SyncReport> {
        self.exclusive(false).await
    }

    /// Push the outbox without pulling: for moments when only getting local work to the
    /// server matters (the app is going to the background) and a pull is not worth the time.
    /// Shares `sync_all`'s one-at-a-time lock and state.
    pub async fn push_outbox(&self) -> Result<SyncReport> {
        self.exclusive(true).await
    }

    async fn exclusive(&self, push_only: bool) -> Result<SyncReport> {
        let _running = self.inner.running.lock().await;
        self.inner.state.send_replace(SyncState::Running);
        let mut report = SyncReport::default();
        let result = if push_only {
            self.push(&mut report).await
        } else {
            self.run(&mut report).await
        };
        let state = match &result {
            Ok(()) => SyncState::Idle,
            Err(e) if e.is_offline() => SyncState::Offline,
            Err(e) => SyncState::Error(e.to_string()),
        };
        self.inner.state.send_replace(state);
        result.map(|()| report)
    }

    async fn run(&self, report: &mut SyncReport) -> Result<()> {
        self.push(report).await?;
        self.pull(report).await?;
        // A pull can queue re-sends (local-wins merges); send them now rather than at the
        // next trigger.
        if self.has_queued().await? {
            self.push(report).await?;
        }
        Ok(())
    }

    async fn has_queued(&self) -> Result<bool> {
        Ok(!self
            .inner
            .db
            .read_async(|c| outbox::queued(c, 0, 1))
            .await?
            .is_empty())
    }

    fn emit(&self, events: Vec<EntityEvent>) {
        for e in events {
            let _ = self.inner.events.send(e);
        }
    }

    async fn push(&self, report: &mut SyncReport) -> Result<()> {
        let mut after = 0;
        for _ in 0..self.inner.config.max_push_requests {
            let limit = self.inner.config.push_batch.clamp(1, 500);
            let queued = self
                .inner
                .db
                .read_async(move |c| outbox::queued(c, after, limit))
                .await?;
            let Some(last) = queued.last() else {
                return Ok(());
            };
            // A create/update/delete goes only as the first mutation of its entity in a
            // request: it is based on the version the earlier ones produce, which is only
            // known from their results, so it goes in the next request, re-based. That holds
            // for an earlier *increment* too (it bumps the version as well); increments
            // themselves need no base and always go.
            let mut touched = HashSet::new();
            let mut first_held: Option<i64> = None;
            let batch: Vec<OutboxEntry> = queued
                .iter()
                .filter(|e| {
                    let first = touched.insert((e.entity, e.id));
                    if first || e.op == MutationOp::Increment {
                        true
                    } else {
                        first_held.get_or_insert(e.seq);
                        false
                    }
                })
                .cloned()
                .collect();
            after = match first_held {
                Some(h) => h - 1,
                None => last.seq,
            };
            let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
            self.inner
                .db
                .write_async(move |tx| outbox::bump_attempts(tx, &seqs))
                .await?;
            let request = PushRequest {
                mutations: batch
                    .iter()
                    .map(|e| Mutation {
                        mutation_id: e.mutation_id,
                        entity: e.entity,
                        op: e.op,
                        id: e.id,
                        base_version: e.base_version,
                        fields: e.fields.clone(),
                    })
                    .collect(),
            };
            let response = self.inner.api.sync_push(&request).await?;
            if response.results.len() != batch.len() {
                return Err(Error::Decode(format!(
                    "push of {} mutations answered {} results",
                    batch.len(),
                    response.results.len()
                )));
            }
            let (events, counts) = self
                .inner
                .db
                .write_async(move |tx| {
                    let mut events = Vec::new();
                    let mut counts = (0, 0, 0);
                    for (entry, result) in batch.iter().zip(response.results) {
                        // The entry may have changed since it was read (a local delete of a
                        // never-synced row removes it): act only on what is still there.
                        if outbox::get(tx, entry.seq)?.is_none() {
                            continue;
                        }
                        match replayed_status(&result) {
                            MutationStatus::Applied | MutationStatus::Duplicate => {
                                mark_applied(tx, entry, result.version)?;
                                counts.0 += 1;
                            }
                            MutationStatus::Rejected => {
                                let code = result.error.as_ref().map(|e| e.code);
                                if entry.op == storyloom_domain::MutationOp::Delete
                                    && code == Some(ErrorCode::NotFound)
                                {
                                    // Already gone on the server: the delete is done.
                                    mark_applied(tx, entry, None)?;
                                    counts.0 += 1;
                                    continue;
                                }
                                let message = result
                                    .error
                                    .map(|e| format!("{:?}: {}", e.code, e.message))
                                    .unwrap_or_else(|| "rejected by the server".into());
                                park(tx, entry.seq, entry.entity, entry.id, &message)?;
                                events.push(EntityEvent::MutationFailed {
                                    entity: entry.entity,
                                    id: entry.id,
                                    message,
                                });
                                counts.1 += 1;
                            }
                            MutationStatus::Conflict => {
                                counts.2 += 1;
                                handle_conflict(tx, entry, result.current, &mut events)?;
                            }
                        }
                    }
                    Ok((events, counts))
                })
                .await?;
            report.pushed += counts.0;
            report.failed += counts.1;
            report.conflicts += counts.2;
            self.emit(events);
        }
        Ok(())
    }

    async fn pull(&self, report: &mut SyncReport) -> Result<()> {
        let mut cursor = self
            .inner
            .db
            .read_async(|c| meta::get(c, meta::CURSOR))
            .await?;
        let mut seen: Option<HashSet<(EntityKind, Uuid)>> = None;
        let mut limit = self.inner.config.pull_limit.max(1);
        loop {
            let page = match self.inner.api.sync_changes(cursor.as_deref(), limit).await {
                Ok(p) => p,
                // A page the server could not answer for its size (413, or a 500 from an
                // older server's answer buffers): ask for smaller pages, down to one change,
                // rather than retrying the same page forever.
                Err(e) if matches!(e.status(), Some(413 | 500)) && limit > 1 => {
                    limit = (limit / 2).max(1);
                    tracing::info!(limit, "change feed page failed; pulling smaller pages");
                    continue;
                }
                Err(e) if e.code() == Some(ErrorCode::ResyncRequired) && seen.is_none() => {
                    tracing::info!("change feed cursor too old: full resync");
                    report.full_resync = true;
                    cursor = None;
                    seen = Some(HashSet::new());
                    continue;
                }
                Err(e) => return Err(e),
            };
            report.pulled += page.changes.len();
            if let Some(seen) = seen.as_mut() {
                seen.extend(page.changes.iter().map(|c| (c.entity, c.id)));
            }
            let has_more = page.has_more && !page.changes.is_empty();
            let next = page.cursor.clone();
            let events = self
                .inner
                .db
                .write_async(move |tx| {
                    let mut events = Vec::new();
                    for change in &page.changes {
                        apply_change(tx, change, &mut events)?;
                    }
                    meta::set(tx, meta::CURSOR, &page.cursor)?;
                    Ok(events)
                })
                .await?;
            self.emit(events);
            cursor = Some(next);
            if !has_more {
                break;
            }
        }
        if let Some(seen) = seen {
            let events = self
                .inner
                .db
                .write_async(move |tx| {
                    let mut events = Vec::new();
                    for kind in entity::ALL.map(|s| s.kind) {
                        for (id, status) in rows::all_ids(tx, kind)? {
                            if status == SyncStatus::Synced && !seen.contains(&(kind, id)) {
                                rows::delete(tx, kind, id)?;
                                events.push(EntityEvent::Deleted { entity: kind, id });
                            }
                        }
                    }
                    Ok(events)
                })
                .await?;
            self.emit(events);
        }
        Ok(())
    }

    /// The pending outbox, oldest first, parked entries included.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.inner.db.read_async(outbox::all).await
    }

    /// Put a parked mutation back in the queue (after the app fixed the cause).
    pub async fn retry_failed(&self, seq: i64) -> Result<()> {
        self.inner
            .db
            .write_async(move |tx| outbox::requeue(tx, seq))
            .await?;
        self.inner.trigger.notify_one();
        Ok(())
    }

    /// Drop a parked mutation for good, at the app's request. The local row is refreshed at
    /// the next full pull; until then it keeps the local value.
    pub async fn discard_failed(&self, seq: i64) -> Result<()> {
        self.inner
            .db
            .write_async(move |tx| {
                if let Some(e) = outbox::get(tx, seq)? {
                    outbox::remove(tx, seq)?;
                    if outbox::for_entity(tx, e.entity, e.id)?.is_empty()
                        && let Some(mut r) = rows::get(tx, e.entity, e.id)?
                    {
                        if r.version == 0 {
                            // Never reached the server: nothing left of it.
                            rows::delete(tx, e.entity, e.id)?;
                            return Ok(());
                        }
                        // A refused delete brings the row back.
                        r.deleted = false;
                        if let Some(b) = r.base.clone() {
                            r.data = b;
                        }
                        r.status = SyncStatus::Synced;
                        r.sync_error = None;
                        rows::put(tx, e.entity, &r)?;
                    }
                }
                Ok(())
            })
            .await
    }

    /// Conflicts waiting for the app.
    pub async fn conflicts(&self) -> Result<Vec<ConflictRecord>> {
        self.inner.db.read_async(conflicts::all).await
    }

    /// Resolve a conflict with the local version: the local text is applied and queued on top
    /// of the server version. A story or event the server deleted is created again, under a
    /// new id (the old one is a tombstone on the server); the new id is returned.
    pub async fn keep_local(&self, conflict: i64) -> Result<Option<Uuid>> {
        let (new_id, events) = self
            .inner
            .db
            .write_async(move |tx| {
                let c = conflicts::get(tx, conflict)?.ok_or(Error::ConflictNotFound(conflict))?;
                conflicts::remove(tx, conflict)?;
                match c.kind {
                    ConflictKind::Edit => {
                        let Some(mut row) = rows::get(tx, c.entity, c.entity_id)? else {
                            return Ok((None, vec![]));
                        };
                        merge_fields(&mut row.data, &c.local);
                        row.status = SyncStatus::PendingUpdate;
                        row.local_updated_at = rows::now_ms();
                        rows::put(tx, c.entity, &row)?;
                        outbox::push(
                            tx,
                            c.entity,
                            storyloom_domain::MutationOp::Update,
                            c.entity_id,
                            (row.version > 0).then_some(row.version),
                            Some(&c.local),
                        )?;
                        Ok((
                            None,
                            vec![EntityEvent::Changed {
                                entity: c.entity,
                                id: c.entity_id,
                            }],
                        ))
                    }
                    ConflictKind::DeletedOnServer => {
                        let id = recreate(tx, &c)?;
                        Ok((
                            Some(id),
                            vec![EntityEvent::Changed {
                                entity: c.entity,
                                id,
                            }],
                        ))
                    }
                }
            })
            .await?;
        self.emit(events);
        self.inner.trigger.notify_one();
        Ok(new_id)
    }

    /// Resolve a conflict with the server version: the local text is dropped.
    pub async fn keep_server(&self, conflict: i64) -> Result<()> {
        let events = self
            .inner
            .db
            .write_async(move |tx| {
                let c = conflicts::get(tx, conflict)?.ok_or(Error::ConflictNotFound(conflict))?;
                conflicts::remove(tx, conflict)?;
                if let Some(mut row) = rows::get(tx, c.entity, c.entity_id)?
                    && row.status == SyncStatus::Conflict
                {
                    row.status = if outbox::for_entity(tx, c.entity, c.entity_id)?.is_empty() {
                        SyncStatus::Synced
                    } else {
                        SyncStatus::PendingUpdate
                    };
                    rows::put(tx, c.entity, &row)?;
                }
                Ok(vec![EntityEvent::Changed {
                    entity: c.entity,
                    id: c.entity_id,
                }])
            })
            .await?;
        self.emit(events);
        Ok(())
    }

    /// Run `sync_all` in the background: once now, after local writes (debounced), and on a
    /// timer; after a failure it retries sooner (backoff up to the timer). Stops when the
    /// handle is dropped.
    pub fn start_background(&self) -> BackgroundSync {
        let engine = self.clone();
        let handle = tokio::spawn(async move {
            let cfg = engine.inner.config.clone();
            let trigger = engine.inner.trigger.clone();
            let mut failures: u32 = 0;
            loop {
                if let Err(e) = engine.sync_all().await {
                    tracing::debug!(error = %e, "background sync failed");
                    failures = failures.saturating_add(1);
                } else {
                    failures = 0;
                }
                let wait = if failures == 0 {
                    cfg.interval
                } else {
                    Duration::from_secs(5)
                        .saturating_mul(2u32.saturating_pow(failures.min(16)))
                        .min(cfg.interval)
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = trigger.notified() => {
                        // Debounce: wait for a quiet moment so a burst of edits is one sync.
                        loop {
                            tokio::select! {
                                _ = tokio::time::sleep(cfg.debounce) => break,
                                _ = trigger.notified() => continue,
                            }
                        }
                    }
                }
            }
        });
        BackgroundSync { handle }
    }

    /// Follow the server's live stream (`GET /sync/stream`) and sync whenever another device
    /// (or the server's generation jobs) changed data this device has not pulled yet; see
    /// [`super::live`]. Independent of [`Self::start_background`], which still covers the
    /// timer and local writes. Stops when the handle is dropped.
    pub fn start_live(&self) -> LiveSync {
        super::live::spawn(self.clone(), self.inner.api.clone(), self.inner.db.clone())
    }

    /// Wake the background sync (e.g. the network came back, or a `changed` event arrived).
    pub fn poke(&self) {
        self.inner.trigger.notify_one();
    }
}

/// Handle of the background sync task; dropping it stops the task.
#[derive(Debug)]
pub struct BackgroundSync {
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for BackgroundSync {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// What a push result means. A replay answers `duplicate` with the *original* result, which
/// may have been a refusal or a conflict, so a duplicate is read by its content. A remembered
/// conflict carries `current` *and* an error (`VERSION_CONFLICT`) and a version (the current
/// one): `current` must be checked first, or the conflict would be parked as a refusal and
/// the user's edit wedged (found by the fault-injecting proxy test, which cuts conflict
/// answers and makes the client replay them).
pub(crate) fn replayed_status(result: &MutationResult) -> MutationStatus {
    match result.status {
        MutationStatus::Duplicate if result.current.is_some() => MutationStatus::Conflict,
        MutationStatus::Duplicate if result.error.is_some() => MutationStatus::Rejected,
        s => s,
    }
}

/// A `conflict` push result: treat the server copy as a pulled change (the planner applies
/// the entity's rule), then drop the refused mutation unless the plan kept it (a local delete
/// re-based on the server version).
fn handle_conflict(
    tx: &rusqlite::Connection,
    entry: &OutboxEntry,
    current: Option<serde_json::Value>,
    events: &mut Vec<EntityEvent>,
) -> Result<()> {
    let version = current
        .as_ref()
        .and_then(|c| c.get(VERSION))
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_else(|| entry.base_version.unwrap_or(0) + 1);
    // A server copy this device already has: the mutation left with a base older than what
    // the device knew by the time the answer came (an increment of the same entity ahead of it
    // in the request moved the version). Planning it would call it old news and the edit
    // would be dropped unsent: re-base it on the known version and send it again instead.
    let known = rows::get(tx, entry.entity, entry.id)?.map(|r| r.version);
    if current.is_some()
        && entry.op != MutationOp::Increment
        && let Some(known) = known.filter(|k| version <= *k)
    {
        outbox::set_base(tx, entry.seq, Some(known))?;
        return Ok(());
    }
    let change = Change {
        entity: entry.entity,
        id: entry.id,
        version,
        deleted: current.is_none(),
        data: current,
    };
    apply_change(tx, &change, events)?;
    if let Some(still) = outbox::get(tx, entry.seq)?
        && still.op != MutationOp::Delete
    {
        outbox::remove(tx, entry.seq)?;
    }
    Ok(())
}

/// Re-create an entity the server deleted, from the parked local copy, under a new id.
fn recreate(tx: &rusqlite::Connection, c: &ConflictRecord) -> Result<Uuid> {
    let id = storyloom_domain::new_id();
    let (data, body) = (entity::spec(c.entity).recreate)(&c.local, id)?.ok_or_else(|| {
        Error::Invalid(format!(
            "{} conflicts cannot be re-created",
            c.entity.name()
        ))
    })?;
    crate::local::create(tx, c.entity, id, data, &body)?;
    Ok(id)
}
