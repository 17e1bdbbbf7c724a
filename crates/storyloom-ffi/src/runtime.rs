//! The tokio runtime the library owns.
//!
//! Every async export hops onto this runtime with [`run`] instead of relying on the foreign
//! executor (Swift's cooperative pool, Kotlin coroutines, Python's asyncio loop) to be tokio:
//! the client core uses tokio's I/O, timers and blocking pool (rusqlite runs on
//! `spawn_blocking`), which only work inside a tokio runtime. The foreign side awaits a
//! `JoinHandle`, which is executor-agnostic. We do not use `#[uniffi::export(async_runtime =
//! "tokio")]`: it polls futures on the caller's thread inside `async-compat`'s own hidden
//! single-threaded runtime, which would be a second runtime we do not control, and spawned
//! tasks (background sync, observers) would end up on it.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::error::StoryloomError;

/// Two workers: the work is network and SQLite bound (SQLite runs on the blocking pool), and
/// a phone app should not pay for one thread per core for a data layer.
const WORKER_THREADS: usize = 2;

/// The library's runtime, created on first use and kept for the life of the process (the app
/// never unloads the library, so there is nothing to shut down).
pub(crate) fn runtime() -> Result<&'static Runtime, StoryloomError> {
    static RUNTIME: OnceLock<std::io::Result<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("storyloom")
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| StoryloomError::Storage {
            message: format!("could not start the background runtime: {e}"),
        })
}

/// Run `fut` on the library's runtime and wait for it from whatever executor polls us.
///
/// When the foreign caller stops waiting (a Swift `Task` cancelled, a Kotlin scope closed),
/// the work is detached, not aborted: the core's operations are not all safe to stop at any
/// `.await` (an aborted `sync_all` would leave the published state at `Running`, a write
/// whose blocking part already ran commits anyway), and each of them is bounded by request
/// timeouts and retry limits, so letting it finish is the predictable choice.
pub(crate) async fn run<T, F>(fut: F) -> Result<T, StoryloomError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, StoryloomError>> + Send + 'static,
{
    match runtime()?.spawn(fut).await {
        Ok(out) => out,
        Err(e) => Err(StoryloomError::Storage {
            message: format!("background task failed: {e}"),
        }),
    }
}

/// Spawn a task on the library's runtime (observers, loops); the caller keeps its handle.
pub(crate) fn spawn<F>(fut: F) -> Result<JoinHandle<()>, StoryloomError>
where
    F: Future<Output = ()> + Send + 'static,
{
    Ok(runtime()?.spawn(fut))
}
