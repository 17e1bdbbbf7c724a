//! Usage records and quota reservations.

use storyloom_domain::{HeroId, Operation};
use storyloom_store::{Counted, Quota, UsageRecord};
use storyloom_testkit::{DbKind, TestDb, db_tests};

use super::{hero_body, user};
use storyloom_store::prelude::*;

async fn usage_quota_is_atomic(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = std::sync::Arc::new(db.store().await);
    let u = user(&*s, "q@example.com").await;
    let now = 1_000_000;
    let g1 = s
        .reserve_usage(u, Operation::StoryGeneration, 2, now - 3_600_000, now)
        .await
        .unwrap();
    let Quota::Granted {
        record_id,
        remaining,
        ..
    } = g1
    else {
        panic!("{g1:?}")
    };
    assert_eq!(remaining, 1);
    assert!(matches!(
        s.reserve_usage(u, Operation::StoryGeneration, 2, now - 3_600_000, now + 1)
            .await
            .unwrap(),
        Quota::Granted { remaining: 0, .. }
    ));
    let full = s
        .reserve_usage(u, Operation::StoryGeneration, 2, now - 3_600_000, now + 2)
        .await
        .unwrap();
    assert_eq!(
        full,
        Quota::Exceeded {
            reset_at: now + 3_600_000 + 2
        }
    );
    // Other operations have their own window.
    assert!(matches!(
        s.reserve_usage(u, Operation::AudioGeneration, 2, 0, now)
            .await
            .unwrap(),
        Quota::Granted { .. }
    ));
    // A failed provider call stops counting.
    let failed = UsageRecord {
        operation: Operation::StoryGeneration,
        provider: "openai".into(),
        model: String::new(),
        tokens: 0,
        characters: 0,
        images: 0,
        cost_usd: 0.0,
        duration_ms: 0,
        success: false,
        error: Some("500".into()),
    };
    s.finish_usage(u, record_id, &failed).await.unwrap();
    assert!(matches!(
        s.reserve_usage(u, Operation::StoryGeneration, 2, now - 3_600_000, now + 3)
            .await
            .unwrap(),
        Quota::Granted { .. }
    ));
    let totals = s.usage_totals(u).await.unwrap();
    assert_eq!((totals.requests, totals.failures), (4, 1));

    // Racing requests cannot take more than the limit.
    let v = user(&*s, "race@example.com").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.reserve_usage(v, Operation::AvatarGeneration, 3, 0, 10 + i)
                .await
                .unwrap()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Quota::Granted { .. }) {
            granted += 1;
        }
    }
    assert_eq!(granted, 3);
}

/// The limit check counts only up to the limit, and only the account's own rows.
async fn keeps_fewer_counts_own_rows_up_to_the_limit(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "few@example.com").await;
    let other = user(&s, "many@example.com").await;
    for i in 0..3 {
        s.create_hero(other, HeroId::new(), &hero_body(&format!("O{i}")), 1)
            .await
            .unwrap();
    }
    s.create_hero(u, HeroId::new(), &hero_body("A"), 1)
        .await
        .unwrap();
    assert!(s.keeps_fewer(u, Counted::Heroes, 2).await.unwrap());
    assert!(!s.keeps_fewer(u, Counted::Heroes, 1).await.unwrap());
    assert!(!s.keeps_fewer(other, Counted::Heroes, 3).await.unwrap());
    assert!(s.keeps_fewer(other, Counted::Heroes, 4).await.unwrap());
    assert!(s.keeps_fewer(u, Counted::Stories, 1).await.unwrap());
    assert!(!s.keeps_fewer(u, Counted::CustomEvents, 0).await.unwrap());
}

db_tests!(
    usage_quota_is_atomic,
    keeps_fewer_counts_own_rows_up_to_the_limit,
);
