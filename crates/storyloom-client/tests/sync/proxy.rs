//! A small HTTP/1.1 proxy between a client core and the real server, for the network the
//! sync protocol has to survive: it can drop a connection before forwarding, delay, answer 500
//! itself, and — the case that matters most for exactly-once — forward the request, let the
//! server commit, then cut the response so the client never learns the outcome.
//!
//! Every request gets a connection of its own (`connection: close` both ways), which keeps the
//! proxy a few dozen lines of byte shuffling and makes each fault hit exactly one request.
//! `GET /api/sync/stream` is piped through untouched (never faulted) and can be severed on
//! demand. Every exchange is logged with its response body size, which the delta-pull test
//! uses to count bytes on the wire.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Probabilities (0–1) of each fault per request; the rest are forwarded cleanly.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// Read the request, then close the connection without forwarding it.
    pub drop_before_forward: f64,
    /// Answer `500` without forwarding.
    pub error_500: f64,
    /// Forward, read the server's whole answer (it has committed), then close the client's
    /// connection after at most half of the answer.
    pub cut_response: f64,
    /// Wait up to `max_delay` before forwarding (combines with a cut).
    pub delay: f64,
    /// Longest delay.
    pub max_delay: Duration,
}

/// What the proxy did to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    DropBeforeForward,
    Error500,
    CutResponse,
}

/// One request that went through the proxy.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Path and query, e.g. `/api/sync/changes?limit=100`.
    pub target: String,
    pub fault: Fault,
    pub delayed: bool,
    /// The server's status, when the request was forwarded.
    pub status: Option<u16>,
    /// Bytes of the server's response body (what the client got, unless cut).
    pub body_bytes: usize,
}

impl Exchange {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

struct Shared {
    upstream: String,
    faults: Mutex<Option<Faults>>,
    rng: Mutex<fastrand::Rng>,
    log: Mutex<Vec<Exchange>>,
    /// Bumped to cut every piped stream.
    sever: watch::Sender<u64>,
}

/// A running proxy; stops (and severs its streams) when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.sever.send_modify(|g| *g += 1);
    }
}

impl Proxy {
    /// A proxy in front of `upstream_url` (`http://127.0.0.1:port`), clean until
    /// [`Proxy::set_faults`]; `seed` drives every random choice.
    pub async fn start(upstream_url: &str, seed: u64) -> Proxy {
        let upstream = upstream_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (sever, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            upstream,
            faults: Mutex::new(None),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            log: Mutex::new(Vec::new()),
            sever,
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve(sock, s.clone()));
            }
        });
        Proxy { addr, shared, task }
    }

    /// Base URL for a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Faults from now on (`None`: a clean path).
    pub fn set_faults(&self, faults: Option<Faults>) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Every exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Forget the exchanges so far.
    pub fn clear_log(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    /// Cut every open live stream (the clients see their stream drop).
    pub fn sever_streams(&self) {
        self.shared.sever.send_modify(|g| *g += 1);
    }
}

struct Request {
    target: String,
    /// Head (rewritten to `connection: close`) and body, ready to send upstream.
    bytes: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read one request (head + `content-length` body) and rewrite its head for upstream.
async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None; // the client closed an idle connection
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let mut out = format!("{method} {target} HTTP/1.1\r\n");
    let mut length = 0usize;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "connection" => continue,
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => panic!("the test proxy does not take chunked request bodies"),
            _ => {}
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&buf[head_end..head_end + length]);
    Some(Request { target, bytes })
}

/// The server's whole answer (it closes after one, as asked), with `connection: close`
/// guaranteed in the head so the client never reuses this connection.
fn close_after(resp: &[u8]) -> (Vec<u8>, Option<u16>, usize) {
    let Some(head_end) = find(resp, b"\r\n\r\n").map(|i| i + 4) else {
        return (resp.to_vec(), None, 0);
    };
    let head = String::from_utf8_lossy(&resp[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok());
    let mut out = format!("{status_line}\r\n");
    for line in lines.filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&resp[head_end..]);
    (bytes, status, resp.len() - head_end)
}

fn decide(shared: &Shared) -> (Fault, Option<Duration>) {
    let Some(f) = *shared.faults.lock().unwrap() else {
        return (Fault::None, None);
    };
    let mut rng = shared.rng.lock().unwrap();
    let delay = (rng.f64() < f.delay).then(|| f.max_delay.mul_f64(rng.f64()));
    let roll = rng.f64();
    let fault = if roll < f.drop_before_forward {
        Fault::DropBeforeForward
    } else if roll < f.drop_before_forward + f.error_500 {
        Fault::Error500
    } else if roll < f.drop_before_forward + f.error_500 + f.cut_response {
        Fault::CutResponse
    } else {
        Fault::None
    };
    (fault, delay)
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let Some(req) = read_request(&mut client).await else {
        return;
    };
    if req.target.starts_with("/api/sync/stream") {
        return pipe(client, req, &shared).await;
    }
    let (fault, delay) = decide(&shared);
    let mut exchange = Exchange {
        target: req.target.clone(),
        fault,
        delayed: delay.is_some(),
        status: None,
        body_bytes: 0,
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    match fault {
        Fault::DropBeforeForward => {
            drop(client);
        }
        Fault::Error500 => {
            let body = br#"{"error":{"code":"INTERNAL","message":"injected by the test proxy"}}"#;
            let head = format!(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = client.write_all(head.as_bytes()).await;
            let _ = client.write_all(body).await;
            let _ = client.shutdown().await;
        }
        Fault::None | Fault::CutResponse => {
            let Ok(mut up) = TcpStream::connect(&shared.upstream).await else {
                return; // server down: the client sees its connection close
            };
            if up.write_all(&req.bytes).await.is_err() {
                return;
            }
            let mut resp = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(30), up.read_to_end(&mut resp));
            if !matches!(read.await, Ok(Ok(_))) {
                return;
            }
            let (bytes, status, body_bytes) = close_after(&resp);
            exchange.status = status;
            exchange.body_bytes = body_bytes;
            if fault == Fault::CutResponse {
                // The server has committed; the client gets at most half of the answer.
                let keep = shared.rng.lock().unwrap().usize(0..=bytes.len() / 2);
                let _ = client.write_all(&bytes[..keep]).await;
                drop(client);
            } else {
                let _ = client.write_all(&bytes).await;
                let _ = client.shutdown().await;
            }
        }
    }
    shared.log.lock().unwrap().push(exchange);
}

/// Pipe a live stream both ways until either side closes or the test severs it.
async fn pipe(mut client: TcpStream, req: Request, shared: &Shared) {
    let mut severed = shared.sever.subscribe();
    let Ok(mut up) = TcpStream::connect(&shared.upstream).await else {
        return;
    };
    if up.write_all(&req.bytes).await.is_err() {
        return;
    }
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut up) => {}
        _ = severed.changed() => {}
    }
}
