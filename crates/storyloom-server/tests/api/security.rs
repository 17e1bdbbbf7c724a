//! Security properties checked at the storage level: password hashing parameters, and an
//! account deletion that leaves no row anywhere.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;
use storyloom_testkit::{DbKind, TestServer, db_tests};

/// Every table holding user data, and the column naming the owner.
const TABLES: [(&str, &str); 10] = [
    ("users", "id"),
    ("sessions", "user_id"),
    ("heroes", "user_id"),
    ("custom_events", "user_id"),
    ("stories", "user_id"),
    ("illustrations", "user_id"),
    ("tombstones", "user_id"),
    ("sync_mutations", "user_id"),
    ("usage_records", "user_id"),
    ("jobs", "user_id"),
];

async fn rows_of(url: &str, user: uuid::Uuid) -> Vec<(&'static str, i64)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (table, col) in TABLES {
        let n: i64 = sqlx::query(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE {col} = $1"
        ))
        .bind(user.to_string())
        .fetch_one(&pool)
        .await
        .unwrap()
        .get("n");
        out.push((table, n));
    }
    pool.close().await;
    out
}

async fn passwords_are_argon2id_with_sane_parameters(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let rec = s.store().user_by_email(&u.email).await.unwrap().unwrap();
    // OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
    assert!(
        rec.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        rec.password_hash
    );
    assert!(!rec.password_hash.contains("correct horse"));
    // Two accounts with one password get different hashes (salted).
    let other = s
        .anon()
        .post(
            "/auth/sign-up",
            json!({"email": "twin@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let twin = s
        .store()
        .user_by_email("twin@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(twin.password_hash, rec.password_hash);
}

async fn account_deletion_leaves_no_rows(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let keep = s.user().await;
    // Something in every table: entities, a deletion (tombstone), a synced mutation, usage
    // and a job, a second session.
    let hid = u.hero("Pia").await["id"].as_str().unwrap().to_owned();
    let gone = u.hero("Gone").await["id"].as_str().unwrap().to_owned();
    u.delete(&format!("/heroes/{gone}")).await;
    let story = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "bedtime", "language": "en", "generateIllustrations": true}),
        )
        .await;
    assert_eq!(story.status, StatusCode::CREATED, "{}", story.body);
    u.post(
        "/custom-events",
        json!({"title": "Beach day", "promptSeed": "a day at the beach"}),
    )
    .await;
    let push = u
        .post(
            "/sync/push",
            json!({"mutations": [{"mutationId": uuid::Uuid::now_v7(), "entity": "story", "op": "increment",
                                  "id": story.data()["id"], "fields": {"playCount": 1}}]}),
        )
        .await;
    assert_eq!(push.status, StatusCode::OK, "{}", push.body);
    s.anon()
        .post(
            "/auth/sign-in",
            json!({"email": u.email, "password": "correct horse battery"}),
        )
        .await;
    keep.hero("Kept").await;

    let url = s.database_url();
    let before = rows_of(&url, u.id).await;
    for (table, n) in &before {
        assert!(*n > 0, "the test should put rows in {table}: {before:?}");
    }
    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    let after = rows_of(&url, u.id).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "left behind: {after:?}");
    // The other account is untouched, and the deleted one's token no longer works.
    assert!(
        rows_of(&url, keep.id)
            .await
            .iter()
            .any(|(t, n)| *t == "heroes" && *n == 1)
    );
    assert_eq!(u.get("/heroes").await.status, StatusCode::UNAUTHORIZED);
}

db_tests!(
    passwords_are_argon2id_with_sane_parameters,
    account_deletion_leaves_no_rows,
);
