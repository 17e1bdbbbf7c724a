//! The live stream as a sync trigger: a device that follows `GET /api/sync/stream` gets
//! another device's writes without calling sync, also after its stream was cut, and stops
//! when the handle goes.

use std::time::Duration;

use storyloom_client::{Client, LiveEvent, LiveStatus, SyncConfig};
use storyloom_domain::{AudioRequest, EntityKind, HeroUpdate};
use storyloom_testkit::{DbKind, TestServer, db_tests};
use tokio::sync::watch;

use crate::helpers::*;
use crate::proxy::Proxy;

/// Wait (up to 15 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status_until(
    rx: &mut watch::Receiver<LiveStatus>,
    what: &str,
    f: impl Fn(&LiveStatus) -> bool,
) -> LiveStatus {
    let r = tokio::time::timeout(Duration::from_secs(15), rx.wait_for(|s| f(s)))
        .await
        .map(|r| r.map(|s| s.clone()));
    match r {
        Ok(Ok(s)) => s,
        _ => panic!("timed out waiting for {what}: {:?}", *rx.borrow()),
    }
}

async fn live_stream_pulls_the_other_devices_writes(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b0, _) = two_devices(&server).await;
    // B reaches the server through a proxy, so the test can cut its stream.
    let proxy = Proxy::start(server.url(), 3).await;
    let store = memory_store();
    store.save(&b0.api().session().unwrap()).unwrap();
    let b = Client::builder(proxy.url())
        .retry(fast_retry())
        .session_store(store)
        .sync_config(SyncConfig::default())
        .build()
        .unwrap();

    let live = b.sync().start_live();
    let mut events = live.events();
    let mut status = live.status();
    // Connected, and the catch-up sync of the connect is done: from here on only an event
    // can make B sync.
    let s = status_until(&mut status, "connect and catch-up", |s| {
        s.connected && s.syncs >= 1
    })
    .await;
    assert_eq!(s.connections, 1);
    // The first subscriber saw the follower from its start: the connect, then its catch-up.
    let mut next_event = async || {
        tokio::time::timeout(Duration::from_secs(15), events.recv())
            .await
            .expect("a live event in time")
            .expect("the follower is running")
    };
    assert!(matches!(next_event().await, LiveEvent::Connected));
    assert!(matches!(next_event().await, LiveEvent::Synced(_)));

    let h = a.heroes().create(hero("Live")).await.unwrap();
    a.sync().sync_all().await.unwrap();
    eventually("B to pull the new hero", || async {
        b.heroes().get(h.id).await.unwrap().is_some()
    })
    .await;
    // The cache is written inside the sync; the follower counts the sync once it returns.
    let s = status_until(&mut status, "the event-driven sync to be counted", |s| {
        s.syncs >= 2
    })
    .await;
    assert_eq!(s.connections, 1, "no reconnect needed");

    // The stream drops; the follower reconnects (with backoff) and keeps working.
    proxy.sever_streams();
    status_until(&mut status, "reconnect", |s| {
        s.connected && s.connections >= 2
    })
    .await;
    a.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("Still live".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    eventually("B to pull the rename after the reconnect", || async {
        b.heroes().get(h.id).await.unwrap().unwrap().name == "Still live"
    })
    .await;

    // Generation progress comes as `job` events (the offline narrator runs in the server's
    // worker), and its result as a `changed`.
    let mut jobs = live.jobs();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Read to me"))
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    a.stories()
        .generate_audio(s.id, AudioRequest::default())
        .await
        .unwrap();
    let job = tokio::time::timeout(Duration::from_secs(15), jobs.recv())
        .await
        .expect("a job event")
        .unwrap();
    assert_eq!((job.entity, job.id), (EntityKind::Story, s.id.uuid()));
    eventually("B to pull the narration", || async {
        b.stories()
            .get(s.id)
            .await
            .unwrap()
            .is_some_and(|s| s.audio_url.is_some())
    })
    .await;

    // Without the follower, nothing arrives by itself: it was the stream that pulled.
    drop(live);
    a.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("Unheard".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        b.heroes().get(h.id).await.unwrap().unwrap().name,
        "Still live"
    );
}

db_tests!(live_stream_pulls_the_other_devices_writes);
