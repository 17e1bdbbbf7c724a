//! A device that was away pulls only what changed (SYNC.md goal): the bytes the change feed
//! sends for a delta are those of the changed rows, not of the data set.

use storyloom_client::{Client, SyncConfig};
use storyloom_domain::{CustomEventUpdate, HeroUpdate, StoryUpdate};
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::*;
use crate::proxy::Proxy;

/// Entities in the data set.
const N: usize = 200;

/// Response body bytes and requests of the change feed in the proxy's log since the last
/// clear.
fn feed_traffic(proxy: &Proxy) -> (usize, usize) {
    let feed: Vec<_> = proxy
        .exchanges()
        .into_iter()
        .filter(|e| e.path() == "/api/sync/changes")
        .collect();
    assert!(feed.iter().all(|e| e.status == Some(200)), "{feed:?}");
    (feed.iter().map(|e| e.body_bytes).sum(), feed.len())
}

async fn delta_pull_moves_only_the_changed_rows(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b0, _) = two_devices(&server).await;
    let proxy = Proxy::start(server.url(), 7).await;
    let store = memory_store();
    store.save(&b0.api().session().unwrap()).unwrap();
    let b = Client::builder(proxy.url())
        .retry(fast_retry())
        .session_store(store)
        .sync_config(SyncConfig {
            pull_limit: 100,
            ..Default::default()
        })
        .build()
        .unwrap();

    // N entities: heroes, stories and custom events.
    let (mut heroes, mut stories, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..N / 2 {
        heroes.push(
            a.heroes()
                .create(hero(&format!("Hero {i}")))
                .await
                .unwrap()
                .id,
        );
    }
    for i in 0..N / 4 {
        let h = heroes[i % heroes.len()];
        let title = format!("Story {i}");
        stories.push(
            a.stories()
                .create(imported_story(h.into(), &title))
                .await
                .unwrap()
                .id,
        );
        events.push(
            a.custom_events()
                .create(event(&format!("Event {i}")))
                .await
                .unwrap()
                .id,
        );
    }
    a.sync().sync_all().await.unwrap();

    let initial = b.sync().sync_all().await.unwrap();
    assert_eq!(initial.pulled, N);
    let (initial_bytes, initial_requests) = feed_traffic(&proxy);
    assert_eq!(initial_requests, N / 100, "pages of 100");

    // Ten changes on ten entities: edits, a play, a favourite, deletes.
    for (i, id) in heroes.iter().take(4).enumerate() {
        a.heroes()
            .update(
                *id,
                HeroUpdate {
                    age: Some(10 + i as i64),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    a.stories()
        .update(
            stories[0],
            StoryUpdate {
                title: Some("A new title".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.stories().play(stories[1], 3).await.unwrap();
    a.stories().set_favorite(stories[2], true).await.unwrap();
    a.custom_events()
        .update(
            events[0],
            CustomEventUpdate {
                description: Some("By the sea".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.custom_events().delete(events[1]).await.unwrap();
    a.custom_events().delete(events[2]).await.unwrap();
    a.sync().sync_all().await.unwrap();

    proxy.clear_log();
    let delta = b.sync().sync_all().await.unwrap();
    let (delta_bytes, delta_requests) = feed_traffic(&proxy);
    assert_eq!(delta.pulled, 10, "exactly the ten changed entities");
    assert_eq!(delta_requests, 1);
    let per_row_initial = initial_bytes / N;
    let per_row_delta = delta_bytes / 10;
    eprintln!(
        "{kind:?}: initial {N} rows = {initial_bytes} B ({per_row_initial} B/row), \
         delta 10 rows = {delta_bytes} B ({per_row_delta} B/row)"
    );
    assert!(
        delta_bytes * 10 < initial_bytes,
        "a delta of 10 among {N} should move far less: {delta_bytes} vs {initial_bytes}"
    );
    // Nothing but the changed rows: per row no more than the data set's average row (the
    // deletes are tombstones, smaller still) plus a share of the envelope.
    assert!(
        per_row_delta <= per_row_initial + 10,
        "{per_row_delta} B per changed row vs {per_row_initial} B per row initially"
    );

    // The delta arrived whole.
    assert_eq!(b.heroes().get(heroes[3]).await.unwrap().unwrap().age, 13);
    assert_eq!(
        b.stories().get(stories[0]).await.unwrap().unwrap().title,
        "A new title"
    );
    assert_eq!(
        b.stories()
            .get(stories[1])
            .await
            .unwrap()
            .unwrap()
            .play_count,
        3
    );
    assert!(
        b.stories()
            .get(stories[2])
            .await
            .unwrap()
            .unwrap()
            .is_favorite
    );
    assert!(b.custom_events().get(events[1]).await.unwrap().is_none());
    assert_eq!(b.custom_events().list().await.unwrap().len(), N / 4 - 2);

    // And with nothing new, the feed answers with an empty page only.
    proxy.clear_log();
    assert_eq!(b.sync().sync_all().await.unwrap().pulled, 0);
    let (idle_bytes, _) = feed_traffic(&proxy);
    assert!(
        idle_bytes < per_row_initial,
        "an empty page ({idle_bytes} B) is smaller than one row"
    );
}

db_tests!(delta_pull_moves_only_the_changed_rows);
