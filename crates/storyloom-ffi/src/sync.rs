//! The sync engine, its observers and the handles that stop them.
//!
//! Observers are foreign traits the app implements (a view model, typically). Each
//! subscription runs as a task on the library's runtime and returns a [`TaskHandle`]: the
//! subscription lives exactly as long as the handle, so a screen that keeps its handle in a
//! property stops listening when it goes away, without an "unsubscribe" to forget.

use std::sync::{Arc, Mutex, MutexGuard};

use storyloom_client as core;
use tokio::sync::broadcast::error::RecvError;

use crate::error::StoryloomError;
use crate::runtime::{run, runtime, spawn};
use crate::types::{EntityChange, PendingChange, SyncConflict, SyncReport, SyncState};

/// Told about every sync state change. Called on a background thread: hop to the main
/// thread before touching UI, and return quickly.
#[uniffi::export(with_foreign)]
pub trait SyncStateObserver: Send + Sync {
    /// The engine is now in `state`. The first call, right after subscribing, carries the
    /// current state. Transitions that follow each other very quickly may be merged (the
    /// observer always ends up with the latest state): it is a status line, not a log.
    fn on_state_changed(&self, state: SyncState);
}

/// Told about every change to the data on the device (local writes and sync results).
/// Called on a background thread: hop to the main thread before touching UI.
#[uniffi::export(with_foreign)]
pub trait EntityObserver: Send + Sync {
    /// Something changed; reload what shows it.
    fn on_entity_changed(&self, change: EntityChange);
}

enum Running {
    Task(tokio::task::JoinHandle<()>),
    Background(core::sync::BackgroundSync),
}

/// A running subscription or background sync. It stops when `cancel()` is called or when
/// the handle is released, so keep it for as long as you want it to run.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    running: Mutex<Option<Running>>,
}

impl TaskHandle {
    fn new(running: Running) -> Arc<Self> {
        Arc::new(Self {
            running: Mutex::new(Some(running)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Running>> {
        // A panic while holding this lock cannot leave the Option half-changed.
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stop now. Safe to call more than once.
    pub fn cancel(&self) {
        if let Some(running) = self.lock().take() {
            match running {
                Running::Task(handle) => handle.abort(),
                // Dropping the core's handle aborts its task.
                Running::Background(bg) => drop(bg),
            }
        }
    }

    /// Whether it has stopped (cancelled, or its source went away with the client).
    pub fn is_finished(&self) -> bool {
        match &*self.lock() {
            None => true,
            Some(Running::Task(handle)) => handle.is_finished(),
            Some(Running::Background(_)) => false,
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Pushes local changes, pulls the server's, and reports what it is doing.
#[derive(uniffi::Object)]
pub struct SyncEngine {
    client: Arc<core::Client>,
}

impl SyncEngine {
    pub(crate) fn new(client: Arc<core::Client>) -> Self {
        Self { client }
    }
}

#[uniffi::export]
impl SyncEngine {
    /// Push queued changes, then pull the server's (pull-to-refresh). Only one sync runs at
    /// a time; a second call waits and then syncs again. Offline it fails with `Offline`
    /// and nothing is lost.
    pub async fn sync_now(&self) -> Result<SyncReport, StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(c.sync().sync_all().await?.into()) }).await
    }

    /// What the engine is doing now.
    pub fn state(&self) -> SyncState {
        self.client.sync().state().borrow().clone().into()
    }

    /// Local changes not yet on the server, refused ones included.
    pub async fn pending_count(&self) -> Result<u64, StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(c.sync().outbox().await?.len() as u64) }).await
    }

    /// The local changes not yet on the server, oldest first.
    pub async fn outbox(&self) -> Result<Vec<PendingChange>, StoryloomError> {
        let c = self.client.clone();
        run(async move {
            Ok(c.sync()
                .outbox()
                .await?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// Send a refused change again (after the user fixed the cause).
    pub async fn retry_failed(&self, seq: i64) -> Result<(), StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(c.sync().retry_failed(seq).await?) }).await
    }

    /// Drop a refused change for good; the entity goes back to the server's version.
    pub async fn discard_failed(&self, seq: i64) -> Result<(), StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(c.sync().discard_failed(seq).await?) }).await
    }

    /// Conflicts waiting for the user to pick a side.
    pub async fn conflicts(&self) -> Result<Vec<SyncConflict>, StoryloomError> {
        let c = self.client.clone();
        run(async move {
            Ok(c.sync()
                .conflicts()
                .await?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// Resolve a conflict with this device's version (sent at the next sync). A story or
    /// event deleted on the server is created again under a new id, which is returned.
    pub async fn keep_local(&self, conflict_id: i64) -> Result<Option<String>, StoryloomError> {
        let c = self.client.clone();
        run(async move {
            Ok(c.sync()
                .keep_local(conflict_id)
                .await?
                .map(|id| id.to_string()))
        })
        .await
    }

    /// Resolve a conflict with the server's version; this device's edit is dropped.
    pub async fn keep_server(&self, conflict_id: i64) -> Result<(), StoryloomError> {
        let c = self.client.clone();
        run(async move { Ok(c.sync().keep_server(conflict_id).await?) }).await
    }

    /// Subscribe to the sync state; `observer` is called at once with the current state.
    pub fn observe_state(
        &self,
        observer: Arc<dyn SyncStateObserver>,
    ) -> Result<Arc<TaskHandle>, StoryloomError> {
        let mut rx = self.client.sync().state();
        let task = spawn(async move {
            loop {
                let state: SyncState = rx.borrow_and_update().clone().into();
                observer.on_state_changed(state);
                if rx.changed().await.is_err() {
                    break; // the client is gone
                }
            }
        })?;
        Ok(TaskHandle::new(Running::Task(task)))
    }

    /// Subscribe to changes of the data on the device.
    pub fn observe_entities(
        &self,
        observer: Arc<dyn EntityObserver>,
    ) -> Result<Arc<TaskHandle>, StoryloomError> {
        let mut rx = self.client.sync().subscribe();
        let task = spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(event) => observer.on_entity_changed(event.into()),
                    Err(RecvError::Lagged(missed)) => {
                        observer.on_entity_changed(EntityChange::Lagged { missed })
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        })?;
        Ok(TaskHandle::new(Running::Task(task)))
    }

    /// Sync in the background while the handle lives: once now, a moment after each local
    /// change, on the `sync_interval` timer, and sooner again after a failure (backoff).
    /// Cancel it when the app goes to the background.
    pub fn start_background(&self) -> Result<Arc<TaskHandle>, StoryloomError> {
        let _guard = runtime()?.enter();
        Ok(TaskHandle::new(Running::Background(
            self.client.sync().start_background(),
        )))
    }

    /// Wake the background sync now (the network came back, a push notification said data
    /// changed). Does nothing without `start_background`.
    pub fn poke(&self) {
        self.client.sync().poke();
    }
}
