//! Listening sessions: a listen counted once, retries, isolation, filters, feed and tombstone.

use storyloom_domain::time::from_millis;
use storyloom_domain::{
    EntityKind, HeroId, ListeningSessionCreate, ListeningSessionId, StoryId, new_id,
};
use storyloom_store::prelude::*;
use storyloom_store::{Created, ListeningFilter, Page, StoreError};
use storyloom_testkit::{DbKind, TestDb, db_tests};

use super::{hero_body, story, user};

fn body(story: StoryId, start_ms: i64, secs: i64, completed: bool) -> ListeningSessionCreate {
    ListeningSessionCreate {
        id: None,
        story_id: story,
        started_at: from_millis(start_ms),
        ended_at: Some(from_millis(start_ms + secs * 1000)),
        duration_seconds: secs,
        completed,
    }
}

async fn listening_sessions_count_once_and_stay_private(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "l@example.com").await;
    let other = user(&s, "m@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let st = s
        .create_story(u, story(h.id, "one", 2))
        .await
        .unwrap()
        .into_inner();

    let id = ListeningSessionId::new();
    let b = body(st.id, 10_000, 60, true);
    let made = s.create_listening_session(u, id, &b, 20_000).await.unwrap();
    let Created::New(first) = made else {
        panic!("a new session")
    };
    assert_eq!((first.hero_id, first.duration_seconds), (h.id, 60));
    let story_now = s.get_story(u, st.id).await.unwrap();
    assert_eq!(story_now.play_count, 1);
    assert_eq!(story_now.last_played_at, Some(from_millis(70_000)));
    // The session is the commit's last version, after the story's.
    assert_eq!(first.version, story_now.version + 1);

    // A retry with the same body counts nothing; another body under the id is a conflict.
    let again = s.create_listening_session(u, id, &b, 30_000).await.unwrap();
    assert!(!again.is_new());
    assert_eq!(s.get_story(u, st.id).await.unwrap().play_count, 1);
    let changed = body(st.id, 10_000, 61, true);
    assert!(matches!(
        s.create_listening_session(u, id, &changed, 30_000).await,
        Err(StoreError::IdConflict)
    ));
    // Another user's story, or their id: not found / taken.
    assert!(matches!(
        s.create_listening_session(other, ListeningSessionId::new(), &b, 1)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_listening_session(other, id, &b, 1).await,
        Err(StoreError::IdConflict)
    ));
    assert!(matches!(
        s.get_listening_session(other, id).await,
        Err(StoreError::NotFound)
    ));

    // An older listen synced late does not move lastPlayedAt back.
    let late = ListeningSessionId::new();
    s.create_listening_session(u, late, &body(st.id, 1_000, 30, false), 40_000)
        .await
        .unwrap();
    let story_now = s.get_story(u, st.id).await.unwrap();
    assert_eq!(story_now.play_count, 2);
    assert_eq!(story_now.last_played_at, Some(from_millis(70_000)));

    // Lists: newest startedAt first, filtered.
    let all = ListeningFilter::default();
    let (list, total) = s
        .list_listening_sessions(u, all, Page::default())
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        list.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![id, late]
    );
    let done = ListeningFilter {
        completed: Some(true),
        ..all
    };
    let (list, total) = s
        .list_listening_sessions(u, done, Page::default())
        .await
        .unwrap();
    assert_eq!((list.len(), total), (1, 1));
    let early = ListeningFilter {
        to: Some(5_000),
        story_id: Some(st.id),
        ..all
    };
    let (list, _) = s
        .list_listening_sessions(u, early, Page::default())
        .await
        .unwrap();
    assert_eq!(list.iter().map(|l| l.id).collect::<Vec<_>>(), vec![late]);
    let elsewhere = ListeningFilter {
        story_id: Some(StoryId(new_id())),
        ..all
    };
    let (_, total) = s
        .list_listening_sessions(u, elsewhere, Page::default())
        .await
        .unwrap();
    assert_eq!(total, 0);
    let (_, total) = s
        .list_listening_sessions(other, all, Page::default())
        .await
        .unwrap();
    assert_eq!(total, 0);

    // The journey reads everything of the user and nothing of others.
    let data = s.journey_data(u).await.unwrap();
    assert_eq!(
        (data.sessions.len(), data.stories.len(), data.heroes.len()),
        (2, 1, 1)
    );
    assert!(s.journey_data(other).await.unwrap().sessions.is_empty());

    // In the feed, then a tombstone; the play stays counted.
    let feed = s.changes(u, first.version - 1, 100).await.unwrap();
    assert!(
        feed.changes
            .iter()
            .any(|c| c.kind == EntityKind::ListeningSession && c.id == id.uuid())
    );
    let gone = s.delete_listening_session(u, id, 50_000).await.unwrap();
    let feed = s.changes(u, gone.version - 1, 100).await.unwrap();
    let tomb = feed.changes.iter().find(|c| c.id == id.uuid()).unwrap();
    assert!(tomb.entity.is_none());
    assert_eq!(tomb.kind, EntityKind::ListeningSession);
    assert_eq!(s.get_story(u, st.id).await.unwrap().play_count, 2);
    assert!(matches!(
        s.delete_listening_session(u, id, 1).await,
        Err(StoreError::NotFound)
    ));
    // A deleted session's id is not reusable.
    assert!(matches!(
        s.create_listening_session(u, id, &b, 1).await,
        Err(StoreError::IdConflict)
    ));
}

db_tests!(listening_sessions_count_once_and_stay_private);
