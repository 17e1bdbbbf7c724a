//! Accounts, sessions and sign-in failures.

use storyloom_store::{NewUser, SessionRecord, StoreError};
use storyloom_testkit::{DbKind, TestDb, db_tests};

use super::{hero_body, story, user};
use storyloom_domain::{HeroId, UserId};
use storyloom_store::prelude::*;

async fn users_and_sessions(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "a@example.com").await;
    let dup = s
        .create_user(NewUser {
            id: UserId::new(),
            email: "a@example.com".into(),
            password_hash: "h".into(),
            name: None,
            now: 1,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::EmailTaken)), "{dup:?}");
    assert_eq!(
        s.user_by_email("a@example.com").await.unwrap().unwrap().id,
        u
    );
    s.create_session(SessionRecord {
        token_hash: "t1".into(),
        user_id: UserId(u.into()),
        created_at: 0,
        expires_at: 1_000,
    })
    .await
    .unwrap();
    assert!(s.session("t1", 999).await.unwrap().is_some());
    assert!(s.session("t1", 1_000).await.unwrap().is_none(), "expired");
    s.set_session_expiry("t1", 500).await.unwrap();
    assert!(s.session("t1", 600).await.unwrap().is_none());
    s.set_session_expiry("t1", 5_000).await.unwrap();
    assert!(
        s.session("t1", 600).await.unwrap().is_none(),
        "expiry only ever shortens"
    );
    s.create_session(SessionRecord {
        token_hash: "t2".into(),
        user_id: UserId(u.into()),
        created_at: 0,
        expires_at: 9_000,
    })
    .await
    .unwrap();
    s.delete_session("t2").await.unwrap();
    assert!(s.session("t2", 1).await.unwrap().is_none());
}

async fn delete_user_leaves_nothing(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "gone@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    s.create_story(u, story(h.id, "t", 2)).await.unwrap();
    s.create_session(SessionRecord {
        token_hash: "tok".into(),
        user_id: UserId(u.into()),
        created_at: 0,
        expires_at: i64::MAX,
    })
    .await
    .unwrap();
    s.delete_user(u).await.unwrap();
    assert!(s.session("tok", 1).await.unwrap().is_none());
    assert!(s.user_by_email("gone@example.com").await.unwrap().is_none());
    assert!(matches!(
        s.get_hero(u, h.id).await,
        Err(StoreError::NotFound)
    ));
    // Same email can sign up again.
    user(&s, "gone@example.com").await;
}

async fn expired_sessions_are_purged(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "a@example.com").await;
    for (token, expires_at) in [("old", 1_000), ("edge", 2_000), ("live", 9_000)] {
        s.create_session(SessionRecord {
            token_hash: token.into(),
            user_id: UserId(u.into()),
            created_at: 0,
            expires_at,
        })
        .await
        .unwrap();
    }
    assert_eq!(
        s.purge_sessions(2_000).await.unwrap(),
        1,
        "only the one expired before"
    );
    assert!(s.session("edge", 1_500).await.unwrap().is_some());
    assert!(s.session("live", 1_500).await.unwrap().is_some());
    assert_eq!(s.purge_sessions(2_000).await.unwrap(), 0, "already gone");
    assert_eq!(s.purge_sessions(10_000).await.unwrap(), 2);
    assert!(s.session("live", 1_500).await.unwrap().is_none());
}

async fn signin_failures_count_per_email_and_address(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let (e, a, b) = ("mia@example.com", "203.0.113.7", "198.51.100.20");
    for at in [100, 200, 300] {
        s.record_signin_failure(e, a, at).await.unwrap();
    }
    s.record_signin_failure(e, b, 250).await.unwrap();
    assert_eq!(s.signin_failures(e, a, 0).await.unwrap(), (3, Some(100)));
    assert_eq!(s.signin_failures(e, a, 150).await.unwrap(), (2, Some(200)));
    assert_eq!(s.signin_failures(e, b, 0).await.unwrap(), (1, Some(250)));
    assert_eq!(
        s.signin_failures("x@example.com", a, 0).await.unwrap(),
        (0, None)
    );
    s.clear_signin_failures(e, a).await.unwrap();
    assert_eq!(s.signin_failures(e, a, 0).await.unwrap().0, 0);
    assert_eq!(
        s.signin_failures(e, b, 0).await.unwrap().0,
        1,
        "other addresses keep theirs"
    );
    assert_eq!(s.purge_signin_failures(300).await.unwrap(), 1);
    assert_eq!(s.signin_failures(e, b, 0).await.unwrap().0, 0);
}

db_tests!(
    users_and_sessions,
    delete_user_leaves_nothing,
    expired_sessions_are_purged,
    signin_failures_count_per_email_and_address,
);
