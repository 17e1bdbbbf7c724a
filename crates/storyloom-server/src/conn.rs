//! Accepting connections: a header timeout, an idle timeout and a cap on open connections.
//!
//! `axum::serve` has none of them: a socket that never sent a byte stayed open for as long as
//! its client liked, so enough of them used up the process's file descriptors, every `accept`
//! then failed, and nobody was answered, health checks included. Here each connection is
//! served by hyper directly, with:
//! - a **header timeout**: a new connection that has not delivered its first request's
//!   headers in time is closed (sockets that never send anything, and trickled headers);
//! - an **idle timeout**: hyper's header-read timer, which runs whenever an HTTP/1
//!   connection waits for its next request, closes kept-alive connections left idle (and a
//!   later request's headers that trickle);
//! - a **cap** below the descriptor limit: at the cap, the connection idle longest (no
//!   request in flight) is closed to make room for the new one, and when every connection is
//!   busy the new one is closed. Room goes to new connections because health checks and
//!   returning users arrive on them, while an idle connection costs its client only a
//!   reconnect.
//!
//! Graceful shutdown is as before: stop accepting, let in-flight requests finish, close.

use std::{
    collections::BTreeMap,
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request},
    response::Response,
};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Notify, watch},
    task::JoinSet,
};
use tower::ServiceExt as _;

use crate::Config;

/// Descriptors left for everything but client connections: database files and sockets,
/// media being read or written, logs, calls to the AI provider, the narrator's pipes.
pub const FD_RESERVE: u64 = 128;

/// The highest default cap, whatever the descriptor limit: each open connection holds
/// buffers, and far more idle connections than this only helps someone holding them open.
pub const DEFAULT_CAP_CEILING: usize = 16_384;

/// How connections are bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Most connections open at once.
    pub max: usize,
    /// Time a new connection has to deliver its first request's headers.
    pub header_timeout: Duration,
    /// Time a kept-alive HTTP/1 connection may wait for its next request's headers.
    pub idle_timeout: Duration,
}

impl ConnLimits {
    /// The limits a config asks for, the cap defaulting from the descriptor limit.
    pub fn from_config(c: &Config) -> Self {
        Self {
            max: c
                .max_connections
                .unwrap_or_else(default_max_connections)
                .max(1),
            header_timeout: Duration::from_secs(c.header_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(c.idle_timeout_secs.max(1)),
        }
    }
}

/// The process's (soft) open-file limit; `u64::MAX` when unlimited.
pub fn open_file_limit() -> u64 {
    rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX)
}

/// Raise the soft open-file limit to the hard one and return the limit in effect. The soft
/// default (often 1024) is a leftover of `select()`; the hard limit is what an operator
/// granted the service.
pub fn raise_open_file_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum
        && let Err(e) = setrlimit(
            Resource::Nofile,
            rustix::process::Rlimit {
                current: lim.maximum,
                maximum: lim.maximum,
            },
        )
    {
        tracing::warn!(error = %e, "could not raise the open-file limit");
    }
    open_file_limit()
}

/// The default cap: the open-file limit minus [`FD_RESERVE`], at most
/// [`DEFAULT_CAP_CEILING`], at least 16.
pub fn default_max_connections() -> usize {
    let room = open_file_limit().saturating_sub(FD_RESERVE);
    usize::try_from(room)
        .unwrap_or(usize::MAX)
        .clamp(16, DEFAULT_CAP_CEILING)
}

/// One open connection, as the accept loop sees it.
#[derive(Default)]
struct Tracked {
    /// Requests whose answer is not fully sent yet.
    in_flight: AtomicUsize,
    /// Whether a request's headers ever arrived.
    spoke: AtomicBool,
    /// Asks the connection to close, to make room.
    shed: Notify,
}

/// Open connections by age (ids only grow).
#[derive(Default)]
struct Open {
    next: u64,
    conns: BTreeMap<u64, Arc<Tracked>>,
}

type Registry = Arc<Mutex<Open>>;

fn lock(r: &Registry) -> std::sync::MutexGuard<'_, Open> {
    // Inserts and removes only: a panic while holding the lock leaves nothing half-done.
    r.lock().unwrap_or_else(|p| p.into_inner())
}

/// Ask the oldest connection with nothing in flight to close; whether there was one.
fn shed_one(open: &mut Open) -> bool {
    let victim = open
        .conns
        .iter()
        .find(|(_, t)| t.in_flight.load(Ordering::Acquire) == 0)
        .map(|(id, _)| *id);
    match victim.and_then(|id| open.conns.remove(&id)) {
        Some(t) => {
            t.shed.notify_one();
            true
        }
        None => false,
    }
}

/// Make room for a new connection and register it, or `None` when every connection is busy.
fn admit(registry: &Registry, max: usize) -> Option<(u64, Arc<Tracked>)> {
    let mut open = lock(registry);
    if open.conns.len() >= max && !shed_one(&mut open) {
        return None;
    }
    let id = open.next;
    open.next += 1;
    let t = Arc::new(Tracked::default());
    open.conns.insert(id, t.clone());
    Some((id, t))
}

/// Serve `app` on `listener` within `limits` until `shutdown` resolves, then let every
/// connection finish its in-flight requests and return.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let registry: Registry = Arc::default();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut refused: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(&e, &registry).await;
                    continue;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            () = &mut shutdown => break,
        };
        let Some((id, tracked)) = admit(&registry, limits.max) else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(
                    max = limits.max,
                    refused,
                    "connection cap reached with every connection busy; closing new ones"
                );
            }
            drop(stream);
            continue;
        };
        tasks.spawn(serve_one(Conn {
            stream,
            peer,
            app: app.clone(),
            builder: builder.clone(),
            tracked,
            id,
            registry: registry.clone(),
            header_timeout: limits.header_timeout,
            stop: stop_rx.clone(),
        }));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// An `accept` failed. Out of descriptors: close an idle connection so the next accept can
/// succeed, and pause briefly (the error repeats at once otherwise). Anything else is the one
/// connection's problem (reset before it was accepted).
async fn accept_failed(e: &std::io::Error, registry: &Registry) {
    let out_of_descriptors = matches!(e.raw_os_error(), Some(code) if code == rustix::io::Errno::MFILE.raw_os_error() || code == rustix::io::Errno::NFILE.raw_os_error());
    if out_of_descriptors {
        let shed = shed_one(&mut lock(registry));
        tracing::warn!(error = %e, shed, "accept failed: out of file descriptors");
        tokio::time::sleep(Duration::from_millis(20)).await;
    } else {
        tracing::debug!(error = %e, "accept failed");
    }
}

/// What one connection's task needs.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    builder: Arc<Builder<TokioExecutor>>,
    tracked: Arc<Tracked>,
    id: u64,
    registry: Registry,
    header_timeout: Duration,
    stop: watch::Receiver<bool>,
}

/// Counts a request as in flight until its answer's body is dropped (fully sent, or the
/// connection gone): a streaming answer is not idle while it streams.
struct InFlight(Arc<Tracked>);

impl InFlight {
    fn start(t: &Arc<Tracked>) -> Self {
        t.spoke.store(true, Ordering::Release);
        t.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(t.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn serve_one(c: Conn) {
    let Conn {
        stream,
        peer,
        app,
        builder,
        tracked,
        id,
        registry,
        header_timeout,
        mut stop,
    } = c;
    let _ = stream.set_nodelay(true);
    let t = tracked.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let busy = InFlight::start(&t);
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let answer: Response = match app.oneshot(req.map(Body::new)).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(answer.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _counted = &busy;
                    frame
                }))
            }))
        }
    });
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let first_headers = tokio::time::sleep(header_timeout);
    tokio::pin!(first_headers);
    let mut header_time_over = false;
    let mut draining = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                break;
            }
            () = &mut first_headers, if !header_time_over => {
                if !tracked.spoke.load(Ordering::Acquire) {
                    tracing::debug!(%peer, "no request headers in time; closing the connection");
                    break;
                }
                // It did speak in time; from now on hyper's idle timer watches it.
                header_time_over = true;
            }
            () = tracked.shed.notified() => {
                if tracked.in_flight.load(Ordering::Acquire) == 0 {
                    tracing::debug!(%peer, "closing an idle connection to make room");
                    break;
                }
                // A request arrived meanwhile: answer it, then close.
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
            _ = stop.changed(), if !draining => {
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
    lock(&registry).conns.remove(&id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_oldest_idle_connection_makes_room() {
        let r: Registry = Arc::default();
        let (a, ta) = admit(&r, 2).unwrap_or_else(|| panic!("room"));
        let (_, tb) = admit(&r, 2).unwrap_or_else(|| panic!("room"));
        ta.in_flight.store(1, Ordering::Release);
        // `a` is busy, so `b` goes.
        let (c, _) = admit(&r, 2).unwrap_or_else(|| panic!("room made"));
        assert!(lock(&r).conns.contains_key(&a) && lock(&r).conns.contains_key(&c));
        assert_eq!(lock(&r).conns.len(), 2);
        drop(tb);
        // Every connection busy: the new one is refused.
        for t in lock(&r).conns.values() {
            t.in_flight.store(1, Ordering::Release);
        }
        assert!(admit(&r, 2).is_none());
    }
}
