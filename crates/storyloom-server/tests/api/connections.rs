//! Idle and slow connections cannot exhaust the server: a new connection must send its
//! headers in time, a kept-alive one is closed when idle, and past the connection cap the
//! longest-idle connection makes room, so a health check always gets an answer.

use std::time::{Duration, Instant};

use storyloom_testkit::{DbKind, TestServer};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Whether the server closed `s` within `wait` (EOF or reset, rather than nothing to read).
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An answer (a kept-alive request's): keep reading.
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

fn health_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_beyond_the_cap_still_let_health_answer() {
    let s = TestServer::start_with(DbKind::Sqlite, |c| {
        c.max_connections = Some(64);
        c.header_timeout_secs = 2;
        c.idle_timeout_secs = 3;
    })
    .await;
    let addr = s.url().trim_start_matches("http://").to_owned();
    // 100 unauthenticated sockets that never send a byte, then a health check.
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let started = Instant::now();
    let r = health_client().get(s.api("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let answered = started.elapsed();
    assert!(answered < Duration::from_secs(2), "{answered:?}");

    // The cap held: the oldest idle sockets were closed to make room (at least the 36 past
    // the cap, and the health check's), at once, long before the header timeout.
    let mut shed = 0;
    for sock in idle.iter_mut().take(50) {
        if closed_within(sock, Duration::from_millis(20)).await {
            shed += 1;
        }
    }
    eprintln!(
        "cap 64, 100 idle sockets: health answered in {answered:?}; {shed} of the 50 oldest closed"
    );
    assert!(
        shed >= 37,
        "only {shed} of the 50 oldest idle sockets were closed"
    );
    // And every socket that never sent its headers is gone after the header timeout.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut open = 0;
    for sock in &mut idle {
        if !closed_within(sock, Duration::from_millis(1500)).await {
            open += 1;
        }
    }
    assert_eq!(open, 0, "{open} idle sockets outlived the header timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_idle_keep_alive_are_closed() {
    let s = TestServer::start_with(DbKind::Sqlite, |c| {
        c.header_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await;
    let addr = s.url().trim_start_matches("http://").to_owned();

    // A client trickling its headers is closed after the header timeout.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(4)).await,
        "slow headers kept open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );

    // A kept-alive connection is answered, kept for the idle timeout, then closed.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    let answered = Instant::now();
    assert!(
        !closed_within(&mut kept, Duration::from_millis(1200)).await,
        "closed too early"
    );
    assert!(
        closed_within(&mut kept, Duration::from_secs(4)).await,
        "idle keep-alive kept open"
    );
    assert!(
        answered.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        answered.elapsed()
    );

    // The server is fine meanwhile.
    let r = health_client().get(s.api("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
