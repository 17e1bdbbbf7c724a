//! Restarts, token loss and incremental pulls.

use std::sync::Arc;

use storyloom_client::{Error, FileSessionStore, SessionStore, SyncState};
use storyloom_domain::{HeroUpdate, SignIn};
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::*;

async fn restart_mid_outbox_loses_nothing(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, _b, _) = two_devices(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SessionStore> =
        Arc::new(FileSessionStore::new(dir.path().join("session.json")));
    store.save(&a.api().session().unwrap()).unwrap();
    let (hero_id, story_id) = {
        let c = device_in(&server, dir.path(), store.clone());
        let h = c.heroes().create(hero("Kept")).await.unwrap();
        let s = c
            .stories()
            .create(imported_story(h.id.into(), "Kept too"))
            .await
            .unwrap();
        c.stories().play(s.id, 4).await.unwrap();
        (h.id, s.id)
    }; // the app is killed before syncing
    let c = device_in(&server, dir.path(), store.clone());
    assert_eq!(c.sync().outbox().await.unwrap().len(), 3, "outbox survived");
    assert_eq!(c.heroes().get(hero_id).await.unwrap().unwrap().name, "Kept");
    c.sync().sync_all().await.unwrap();
    assert_eq!(c.api().get_story(story_id).await.unwrap().play_count, 4);
    assert!(c.sync().outbox().await.unwrap().is_empty());
}

async fn server_down_then_back(kind: DbKind) {
    let mut server = TestServer::start(kind).await;
    let (a, _b, _) = two_devices(&server).await;
    server.stop().await;
    let h = a.heroes().create(hero("Offline")).await.unwrap();
    let e = a.sync().sync_all().await.unwrap_err();
    assert!(e.is_offline(), "{e:?}");
    assert_eq!(*a.sync().state().borrow(), SyncState::Offline);
    assert_eq!(
        a.sync().outbox().await.unwrap().len(),
        1,
        "kept while offline"
    );
    server.restart().await;
    a.sync().sync_all().await.unwrap();
    assert_eq!(*a.sync().state().borrow(), SyncState::Idle);
    assert_eq!(a.api().get_hero(h.id).await.unwrap().name, "Offline");
}

async fn revoked_token_mid_sync_signs_out_and_keeps_the_outbox(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, _b, email) = two_devices(&server).await;
    a.heroes().create(hero("Waiting")).await.unwrap();
    // Another party revokes the token (e.g. "sign out everywhere").
    let token = a.api().session().unwrap().session.token;
    let r = server
        .anon()
        .with_token(&token)
        .post("/auth/sign-out", serde_json::json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let e = a.sync().sync_all().await.unwrap_err();
    assert!(matches!(e, Error::SignedOut), "{e:?}");
    assert!(!a.auth().is_signed_in());
    assert_eq!(
        a.sync().outbox().await.unwrap().len(),
        1,
        "outbox kept for the next sign-in"
    );
    a.auth()
        .sign_in(&SignIn {
            email,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    assert!(a.sync().outbox().await.unwrap().is_empty());
}

async fn expiring_token_is_refreshed_during_sync(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, _b, _) = two_devices(&server).await;
    // Pretend the stored session expires in a minute: the next request refreshes it first.
    let store = memory_store();
    let mut s = a.api().session().unwrap();
    let old = s.session.token.clone();
    s.session.expires_at = chrono::Utc::now() + chrono::Duration::minutes(1);
    store.save(&s).unwrap();
    let c = builder(&server)
        .session_store(store.clone())
        .build()
        .unwrap();
    c.heroes().create(hero("Fresh")).await.unwrap();
    c.sync().sync_all().await.unwrap();
    let new = store.load().unwrap().unwrap();
    assert_ne!(new.session.token, old);
    assert!(new.session.expires_at > chrono::Utc::now() + chrono::Duration::days(1));
    assert!(c.sync().outbox().await.unwrap().is_empty());
}

async fn second_sync_pulls_only_what_changed(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            a.heroes()
                .create(hero(&format!("Hero {i}")))
                .await
                .unwrap()
                .id,
        );
    }
    a.sync().sync_all().await.unwrap();
    let first = b.sync().sync_all().await.unwrap();
    assert_eq!(first.pulled, 5, "pages of 3 cover all five");
    assert_eq!(b.heroes().list().await.unwrap().len(), 5);
    let none = b.sync().sync_all().await.unwrap();
    assert_eq!(none.pulled, 0);
    a.heroes()
        .update(
            ids[2],
            HeroUpdate {
                age: Some(9),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    let second = b.sync().sync_all().await.unwrap();
    assert_eq!(second.pulled, 1);
    assert_eq!(b.heroes().get(ids[2]).await.unwrap().unwrap().age, 9);
}

async fn concurrent_syncs_do_not_double_push(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, _b, _) = two_devices(&server).await;
    let s_hero = a.heroes().create(hero("Once")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(s_hero.id.into(), "Once"))
        .await
        .unwrap();
    for _ in 0..5 {
        a.stories().play(s.id, 1).await.unwrap();
    }
    let (r1, r2) = tokio::join!(a.sync().sync_all(), a.sync().sync_all());
    r1.unwrap();
    r2.unwrap();
    assert_eq!(a.api().get_story(s.id).await.unwrap().play_count, 5);
}

async fn another_account_starts_from_an_empty_cache(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, _b, email) = two_devices(&server).await;
    a.heroes().create(hero("Mine")).await.unwrap();
    a.sync().sync_all().await.unwrap();
    a.auth().sign_out().await.unwrap();
    assert_eq!(
        a.heroes().list().await.unwrap().len(),
        1,
        "signing out keeps the cache"
    );
    // The same account again: nothing is lost.
    a.auth()
        .sign_in(&SignIn {
            email,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    assert_eq!(a.heroes().list().await.unwrap().len(), 1);
    a.auth().sign_out().await.unwrap();
    let other = format!("other-{}@example.com", uuid::Uuid::new_v4().simple());
    a.auth()
        .sign_up(&storyloom_domain::SignUp {
            email: other,
            password: PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap();
    assert!(
        a.heroes().list().await.unwrap().is_empty(),
        "no data of the previous account"
    );
    a.sync().sync_all().await.unwrap();
    assert!(a.heroes().list().await.unwrap().is_empty());
}

db_tests!(
    another_account_starts_from_an_empty_cache,
    restart_mid_outbox_loses_nothing,
    server_down_then_back,
    revoked_token_mid_sync_signs_out_and_keeps_the_outbox,
    expiring_token_is_refreshed_during_sync,
    second_sync_pulls_only_what_changed,
    concurrent_syncs_do_not_double_push,
);
