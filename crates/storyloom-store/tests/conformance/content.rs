//! Heroes, stories and custom events: versions, isolation, counters, concurrent writes.

use storyloom_domain::{EntityKind, HeroCreate, HeroTrait, HeroUpdate, StoryUpdate, new_id};
use storyloom_store::{Created, Page, StoreError, StoryFilter, StoryOccasion};
use storyloom_testkit::{DbKind, TestDb, db_tests};

use super::{hero_body, story, user};
use storyloom_domain::{CustomEventId, HeroId};
use storyloom_store::prelude::*;

async fn heroes_versions_and_isolation(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let a = user(&s, "a@example.com").await;
    let b = user(&s, "b@example.com").await;
    let id = new_id();
    let body = hero_body("Ada");
    let h = s.create_hero(a, HeroId(id), &body, 10).await.unwrap();
    assert!(h.is_new());
    let h = h.into_inner();
    assert_eq!(h.version, 1);
    assert!(matches!(
        s.create_hero(a, HeroId(id), &body, 11).await.unwrap(),
        Created::Existing(_)
    ));
    assert!(matches!(
        s.create_hero(a, HeroId(id), &hero_body("Other"), 11).await,
        Err(StoreError::IdConflict)
    ));
    assert!(matches!(
        s.create_hero(b, HeroId(id), &body, 11).await,
        Err(StoreError::IdConflict)
    ));
    assert!(matches!(
        s.get_hero(b, HeroId(id)).await,
        Err(StoreError::NotFound)
    ));
    let patch = HeroUpdate {
        name: Some("Ada L".into()),
        ..Default::default()
    };
    assert!(matches!(
        s.update_hero(b, HeroId(id), &patch, None, 12).await,
        Err(StoreError::NotFound)
    ));
    let up = s
        .update_hero(a, HeroId(id), &patch, Some(1), 12)
        .await
        .unwrap();
    assert_eq!(up.name, "Ada L");
    assert_eq!(up.version, 2);
    match s.update_hero(a, HeroId(id), &patch, Some(1), 13).await {
        Err(StoreError::VersionConflict(cur)) => assert_eq!(cur.kind(), EntityKind::Hero),
        other => panic!("{other:?}"),
    }
    // A failed write burns no number of the sequence.
    let h2 = s
        .create_hero(a, HeroId::new(), &hero_body("Bo"), 14)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h2.version, 3);
    // b's sequence is its own.
    let hb = s
        .create_hero(b, HeroId::new(), &hero_body("Cy"), 15)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hb.version, 1);
    let (list, total) = s
        .list_heroes(
            a,
            Page {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(list[0].name, "Bo", "newest first");
    assert!(matches!(
        s.delete_hero(b, HeroId(id), None, 16).await,
        Err(StoreError::NotFound)
    ));
    s.delete_hero(a, HeroId(id), None, 16).await.unwrap();
    // A deleted id cannot be reused.
    assert!(matches!(
        s.create_hero(a, HeroId(id), &body, 17).await,
        Err(StoreError::IdConflict)
    ));
}

async fn stories_counters_and_filters(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "s@example.com").await;
    let other = user(&s, "o@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let s1 = s
        .create_story(u, story(h.id, "one", 2))
        .await
        .unwrap()
        .into_inner();
    let _s2 = s
        .create_story(u, story(h.id, "two", 3))
        .await
        .unwrap()
        .into_inner();
    assert!(
        matches!(
            s.create_story(other, story(h.id, "x", 4)).await,
            Err(StoreError::NotFound)
        ),
        "not their hero"
    );
    s.update_story(
        u,
        s1.id,
        &StoryUpdate {
            is_favorite: Some(true),
            ..Default::default()
        },
        false,
        None,
        5,
    )
    .await
    .unwrap();
    let (fav, n) = s
        .list_stories(
            u,
            StoryFilter {
                hero_id: Some(h.id),
                favorite: Some(true),
                occasion: None,
            },
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!((n, fav[0].title.as_str()), (1, "one"));
    let (none, n) = s
        .list_stories(
            other,
            StoryFilter {
                hero_id: Some(h.id),
                favorite: None,
                occasion: None,
            },
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!((none.len(), n), (0, 0));
    // The storyteller's count: a hero's stories of one occasion.
    let by = |occasion| StoryFilter {
        hero_id: Some(h.id),
        favorite: None,
        occasion: Some(occasion),
    };
    let limit1 = Page {
        limit: 1,
        offset: 0,
    };
    let bedtime = StoryOccasion::Builtin(storyloom_domain::EventType::Bedtime);
    let birthday = StoryOccasion::Builtin(storyloom_domain::EventType::Birthday);
    let (_, n) = s.list_stories(u, by(bedtime), limit1).await.unwrap();
    assert_eq!(n, 2);
    let (_, n) = s.list_stories(u, by(birthday), limit1).await.unwrap();
    assert_eq!(n, 0);
    let (_, n) = s
        .list_stories(u, by(StoryOccasion::Custom(CustomEventId::new())), limit1)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // Length round-trips; an edit's staleness and language are stored as given.
    assert_eq!(
        s.get_story(u, s1.id).await.unwrap().length,
        Some(storyloom_domain::StoryLength::Medium)
    );
    let edited = s
        .update_story(
            u,
            s1.id,
            &StoryUpdate {
                language: Some(storyloom_domain::Language::Fr),
                ..Default::default()
            },
            true,
            None,
            5,
        )
        .await
        .unwrap();
    assert!(edited.audio_stale);
    assert_eq!(edited.language, storyloom_domain::Language::Fr);
    for _ in 0..3 {
        s.play_story(u, s1.id, 2, 6).await.unwrap();
    }
    assert_eq!(s.get_story(u, s1.id).await.unwrap().play_count, 6);
    assert!(matches!(
        s.play_story(other, s1.id, 1, 7).await,
        Err(StoreError::NotFound)
    ));
    let stats = s.profile_stats(u).await.unwrap();
    assert_eq!(
        (
            stats.story_count,
            stats.favorite_story_count,
            stats.total_plays
        ),
        (2, 1, 6)
    );
}

/// Many writes for one user at once (they share group commits): each succeeds or fails on its
/// own merits, every success has its own version, and the change feed holds exactly the
/// successes in version order.
async fn concurrent_writes_of_one_user(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = std::sync::Arc::new(db.store().await);
    let u = user(&*s, "many@example.com").await;
    let taken = s
        .create_hero(u, HeroId::new(), &hero_body("Taken"), 1)
        .await
        .unwrap()
        .into_inner();
    let mut tasks = Vec::new();
    for n in 0..60 {
        let s = s.clone();
        let taken = taken.id;
        tasks.push(tokio::spawn(async move {
            match n % 6 {
                // Same id, different body: a conflict, inside someone's batch.
                0 => s
                    .create_hero(u, taken, &hero_body("Clash"), 2)
                    .await
                    .map(|_| None),
                // A stale If-Match.
                1 => s
                    .update_hero(
                        u,
                        taken,
                        &HeroUpdate {
                            age: Some(9),
                            ..Default::default()
                        },
                        Some(999),
                        2,
                    )
                    .await
                    .map(|_| None),
                _ => s
                    .create_hero(u, HeroId::new(), &hero_body(&format!("H{n}")), 2)
                    .await
                    .map(|c| Some(c.into_inner().version)),
            }
        }));
    }
    let mut versions = Vec::new();
    let (mut conflicts, mut stale) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(Some(v)) => versions.push(v),
            Ok(None) => panic!("a conflicting write succeeded"),
            Err(StoreError::IdConflict) => conflicts += 1,
            Err(StoreError::VersionConflict(_)) => stale += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((versions.len(), conflicts, stale), (40, 10, 10));
    versions.sort();
    let expected: Vec<i64> = (taken.version + 1..=taken.version + 40).collect();
    assert_eq!(versions, expected, "no gaps and no duplicates");
    let feed = s.changes(u, taken.version, 1000).await.unwrap();
    let fed: Vec<i64> = feed.changes.iter().map(|c| c.version).collect();
    assert_eq!(fed, expected);
    let (heroes, total) = s
        .list_heroes(
            u,
            storyloom_store::Page {
                limit: 100,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 41);
    assert_eq!(
        heroes.iter().find(|h| h.id == taken.id).unwrap().age,
        taken.age
    );
}

/// A burst of hero creates of one user (what the fused multi-row insert serves): fresh ids go
/// in with every field intact and contiguous versions; a retried create in the same burst
/// answers the existing hero, a deleted id is refused; nothing else is written.
async fn burst_of_hero_creates(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = std::sync::Arc::new(db.store().await);
    let u = user(&*s, "burst@example.com").await;
    let kept = s
        .create_hero(u, HeroId::new(), &hero_body("Kept"), 1)
        .await
        .unwrap()
        .into_inner();
    let gone = s
        .create_hero(u, HeroId::new(), &hero_body("Gone"), 1)
        .await
        .unwrap()
        .into_inner();
    s.delete_hero(u, gone.id, None, 1).await.unwrap();
    let start = s.changes(u, 0, 1000).await.unwrap().changes.len();
    let full = |n: usize| HeroCreate {
        id: None,
        name: format!("Zoë «{n}» 🦄"),
        age: 3 + (n as i64 % 8),
        traits: vec![HeroTrait::Brave, HeroTrait::Curious],
        special_ability: n
            .is_multiple_of(2)
            .then(|| format!("talks to owls, \"quietly\" #{n}")),
        appearance: Some("freckles\nand a red cape".into()),
        hair_color: n.is_multiple_of(3).then(|| "auburn".into()),
        eye_color: Some("green".into()),
        skin_tone: None,
    };
    // First a clean burst (every create new), then one with a retry and a deleted id in it.
    let mut tasks = Vec::new();
    for n in 0..128 {
        let s = s.clone();
        let (kept, gone) = (kept.clone(), gone.id);
        tasks.push(tokio::spawn(async move {
            if n >= 64 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let r = match if n < 64 { 2 } else { n % 16 } {
                0 => s.create_hero(u, kept.id, &hero_body("Kept"), 2).await,
                1 => s.create_hero(u, gone, &hero_body("Gone"), 2).await,
                _ => s.create_hero(u, HeroId::new(), &full(n), 2).await,
            };
            (n, r)
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (n, Ok(Created::Existing(h))) => {
                assert!(n >= 64 && n % 16 == 0);
                assert_eq!(h, kept);
            }
            (n, Ok(Created::New(h))) => {
                assert!(
                    n < 64 || n % 16 > 1,
                    "write {n} should not have created a hero"
                );
                let body = full(n);
                assert_eq!(
                    (&h.name, h.age, &h.traits, &h.special_ability, &h.appearance),
                    (
                        &body.name,
                        body.age,
                        &body.traits,
                        &body.special_ability,
                        &body.appearance
                    )
                );
                assert_eq!(
                    (&h.hair_color, &h.eye_color, &h.skin_tone),
                    (&body.hair_color, &body.eye_color, &None)
                );
                let stored = s.get_hero(u, h.id).await.unwrap();
                assert_eq!(stored, h);
                versions.push(h.version);
            }
            (n, Err(StoreError::IdConflict)) => assert!(n >= 64 && n % 16 == 1),
            (n, Err(e)) => panic!("write {n}: {e}"),
        }
    }
    assert_eq!(versions.len(), 64 + 56);
    versions.sort();
    let first = versions[0];
    assert_eq!(
        versions,
        (first..first + 120).collect::<Vec<_>>(),
        "contiguous, unique"
    );
    let feed = s.changes(u, 0, 1000).await.unwrap();
    assert_eq!(
        feed.changes.len(),
        start + 120,
        "one change per new hero, none for the rest"
    );
}

/// A flagged import keeps its flag until cleared, each change a new version of the story.
async fn story_content_flag(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "f@example.com").await;
    let other = user(&s, "g@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let mut new = story(h.id, "kill kill", 2);
    new.content_flagged = true;
    let st = s.create_story(u, new).await.unwrap().into_inner();
    assert!(st.content_flagged);
    assert!(s.get_story(u, st.id).await.unwrap().content_flagged);
    let cleared = s.set_story_flag(u, st.id, false, 3).await.unwrap();
    assert!(!cleared.content_flagged);
    assert!(cleared.version > st.version);
    let feed = s.changes(u, st.version, 10).await.unwrap();
    assert_eq!(feed.changes.len(), 1, "the cleared flag is in the feed");
    assert!(matches!(
        s.set_story_flag(other, st.id, true, 4).await,
        Err(StoreError::NotFound)
    ));
}

db_tests!(
    story_content_flag,
    heroes_versions_and_isolation,
    stories_counters_and_filters,
    concurrent_writes_of_one_user,
    burst_of_hero_creates,
);
