//! The change feed: order, pages, tombstones, text budget.

use storyloom_domain::{CustomEventCreate, EntityKind};
use storyloom_testkit::{DbKind, TestDb, db_tests};

use super::{hero_body, story, user};
use storyloom_domain::{CustomEventId, HeroId};
use storyloom_store::prelude::*;

async fn change_feed_orders_pages_and_tombstones(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "feed@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let ev = s
        .create_event(
            u,
            CustomEventId::new(),
            &CustomEventCreate {
                id: None,
                title: "E".into(),
                description: None,
                prompt_seed: "p".into(),
                category: None,
                age_range: None,
                tone: None,
                pictogram_emoji: None,
                keywords: None,
                is_favorite: None,
            },
            2,
        )
        .await
        .unwrap()
        .into_inner();
    let mut st = story(h.id, "S", 3);
    st.custom_event_id = Some(ev.id);
    let st = s.create_story(u, st).await.unwrap().into_inner();
    // hero 1, event 2, story 3 + event bump 4
    let all = s.changes(u, 0, 100).await.unwrap();
    let seen: Vec<_> = all.changes.iter().map(|c| (c.kind, c.version)).collect();
    assert_eq!(
        seen,
        [
            (EntityKind::Hero, 1),
            (EntityKind::Story, 3),
            (EntityKind::CustomEvent, 4)
        ]
    );
    assert!(!all.has_more);
    assert_eq!(all.latest, 4);
    let page = s.changes(u, 0, 2).await.unwrap();
    assert_eq!(page.changes.len(), 2);
    assert!(page.has_more);
    let rest = s.changes(u, page.changes[1].version, 2).await.unwrap();
    assert_eq!(rest.changes.len(), 1);
    assert!(!rest.has_more);

    s.play_story(u, st.id, 2, 5).await.unwrap();
    let delta = s.changes(u, 4, 100).await.unwrap();
    assert_eq!(delta.changes.len(), 1, "only the played story moved");
    assert_eq!(delta.changes[0].kind, EntityKind::Story);

    s.delete_hero(u, h.id, None, 6).await.unwrap();
    let after = s.changes(u, 5, 100).await.unwrap();
    let tomb: Vec<_> = after
        .changes
        .iter()
        .map(|c| (c.kind, c.entity.is_none()))
        .collect();
    assert_eq!(
        tomb,
        [(EntityKind::Story, true), (EntityKind::Hero, true)],
        "cascade leaves tombstones"
    );
    let versions: Vec<_> = after.changes.iter().map(|c| c.version).collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "unique, increasing versions"
    );

    assert_eq!(s.purge_tombstones(7).await.unwrap(), 2);
    let p = s.changes(u, 0, 100).await.unwrap();
    assert!(
        p.horizon >= versions[1],
        "horizon moved past purged tombstones"
    );
}

async fn change_feed_pages_stop_at_a_text_budget(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "heavy@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    for i in 0..10 {
        let mut st = story(h.id, "S", 2 + i);
        st.content = "x".repeat(1_000);
        s.create_story(u, st).await.unwrap();
    }
    s.create_hero(u, HeroId::new(), &hero_body("After"), 20)
        .await
        .unwrap();
    // Each story is 1,001 characters: three fit in 3,500, and the page ends with the third.
    let p = s.changes_within(u, 0, 100, 3_500).await.unwrap();
    assert_eq!(p.changes.len(), 4, "the hero and three stories");
    assert!(p.has_more);
    assert_eq!(p.changes[3].kind, EntityKind::Story);
    // A budget smaller than one story still moves on by one.
    let cursor = p.changes[3].version;
    let p = s.changes_within(u, cursor, 100, 10).await.unwrap();
    assert_eq!(p.changes.len(), 1);
    assert!(p.has_more);
    // Paging to the end sees every change once, in order, the last hero included.
    let mut since = 0;
    let mut seen = Vec::new();
    loop {
        let p = s.changes_within(u, since, 100, 2_500).await.unwrap();
        assert!(p.changes.len() <= 3, "two stories and the hero at most");
        seen.extend(p.changes.iter().map(|c| c.version));
        since = p.changes.last().map_or(since, |c| c.version);
        if !p.has_more {
            break;
        }
    }
    let all: Vec<i64> = s
        .changes(u, 0, 100)
        .await
        .unwrap()
        .changes
        .iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(seen, all);
    assert_eq!(all.len(), 12);
}

db_tests!(
    change_feed_orders_pages_and_tombstones,
    change_feed_pages_stop_at_a_text_budget,
);
