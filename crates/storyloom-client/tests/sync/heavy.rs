//! A heavy account on a fresh device (issue 15 item 2): 400 stories of 50,000 characters, about
//! 20 MB, more than one answer of the server may hold.

use serde_json::json;
use storyloom_client::{Client, SyncConfig};
use storyloom_domain::SignIn;
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::{fast_retry, memory_store};

async fn a_fresh_device_syncs_a_heavy_account(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let u = server.user().await;
    let hero = u.hero("Long reads").await;
    let hero_id = hero["id"].as_str().unwrap().to_owned();
    let content = "Once upon a time a child read all night. ".repeat(1_220);
    let content = &content[..50_000];
    let content = content.to_owned();
    // Four writers of 100 stories each.
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..4 {
        let (u, hero_id, content) = (u.clone(), hero_id.clone(), content.clone());
        writers.spawn(async move {
            for i in 0..100 {
                let r = u
                    .post(
                        "/stories",
                        json!({"heroId": hero_id, "eventType": "bedtime", "language": "en",
                               "title": format!("Night {w}-{i}"), "content": content}),
                    )
                    .await;
                assert!(r.status.is_success(), "{}", r.body);
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    // The client's own defaults: pages of 500 changes.
    let sessions = memory_store();
    let device = Client::builder(server.url())
        .retry(fast_retry())
        .sync_config(SyncConfig::default())
        .session_store(sessions.clone())
        .build()
        .unwrap();
    device
        .auth()
        .sign_in(&SignIn {
            email: u.email.clone(),
            password: "correct horse battery".into(),
        })
        .await
        .unwrap();
    // The device has been talking to the server (its session is in the server's cache, so
    // its answers go through the answer cache, as every answer but a session's first does).
    let token = sessions.load().unwrap().unwrap().session.token;
    let profile = server.anon().with_token(&token).get("/user/profile").await;
    assert!(profile.status.is_success(), "{}", profile.body);
    let report = device.sync().sync_all().await.unwrap();
    assert_eq!(report.pulled, 401, "the hero and every story");
    let stories = device.stories().list().await.unwrap();
    assert_eq!(stories.len(), 400);
    assert!(stories.iter().all(|s| s.content.len() == 50_000));
}

db_tests!(a_fresh_device_syncs_a_heavy_account);
