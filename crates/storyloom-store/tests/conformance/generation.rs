//! Generation state and the job queue.

use storyloom_domain::{AvatarStatus, EntityKind, GenerationStatus, JobKind, new_id};
use storyloom_store::{JobState, NewJob, StoreError};
use storyloom_testkit::{DbKind, TestDb, db_tests};
use uuid::Uuid;

use super::{hero_body, story, user};
use storyloom_domain::{HeroId, JobId, UserId};
use storyloom_store::prelude::*;

async fn jobs_claim_lease_retry(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "j@example.com").await;
    let job = |kind: JobKind| NewJob {
        id: JobId::new(),
        user_id: UserId(u.into()),
        kind,
        entity_id: new_id(),
        payload: "{}".into(),
        max_attempts: 3,
        now: 100,
    };
    let a = job(JobKind::Audio);
    let b = job(JobKind::Avatar);
    s.enqueue_job(a.clone()).await.unwrap();
    s.enqueue_job(b.clone()).await.unwrap();
    let c1 = s.claim_job("w1", 200, 1_000).await.unwrap().unwrap();
    let c2 = s.claim_job("w1", 200, 1_000).await.unwrap().unwrap();
    assert_ne!(c1.id, c2.id);
    assert_eq!(c1.attempts, 1);
    assert!(
        s.claim_job("w2", 300, 1_000).await.unwrap().is_none(),
        "both are leased"
    );
    assert!(s.complete_job(c1.id, "w1", 300).await.unwrap());
    assert_eq!(
        s.job_status(c1.id).await.unwrap().unwrap().status,
        JobState::Done
    );
    // Retry later with backoff.
    assert!(
        s.fail_job(c2.id, "w1", "provider said 500", Some(5_000), 300)
            .await
            .unwrap()
    );
    assert!(s.claim_job("w2", 4_999, 1_000).await.unwrap().is_none());
    let again = s.claim_job("w2", 5_000, 1_000).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (c2.id, 2));
    // w2 dies: its lease expires and w3 takes the job over; w2 can no longer finish it.
    let taken = s.claim_job("w3", 6_001, 1_000).await.unwrap().unwrap();
    assert_eq!((taken.id, taken.attempts), (c2.id, 3));
    assert!(!s.complete_job(c2.id, "w2", 6_002).await.unwrap());
    // Graceful shutdown gives it back without spending the try.
    assert!(s.release_job(c2.id, "w3", 6_003).await.unwrap());
    let back = s.claim_job("w4", 6_004, 1_000).await.unwrap().unwrap();
    assert_eq!(back.attempts, 3);
    assert!(s.extend_lease(back.id, "w4", 60_000).await.unwrap());
    assert!(
        s.claim_job("w5", 10_000, 1_000).await.unwrap().is_none(),
        "lease extended"
    );
    assert!(
        s.fail_job(back.id, "w4", "gave up", None, 10_001)
            .await
            .unwrap()
    );
    let st = s.job_status(back.id).await.unwrap().unwrap();
    assert_eq!(
        (st.status, st.last_error.as_deref()),
        (JobState::Failed, Some("gave up"))
    );
}

async fn concurrent_workers_claim_each_job_once(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = std::sync::Arc::new(db.store().await);
    let u = user(&*s, "w@example.com").await;
    for _ in 0..20 {
        s.enqueue_job(NewJob {
            id: JobId::new(),
            user_id: UserId(u.into()),
            kind: JobKind::Audio,
            entity_id: new_id(),
            payload: "{}".into(),
            max_attempts: 1,
            now: 1,
        })
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = s.claim_job(&format!("w{w}"), 10, 60_000).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (20, 20), "every job claimed exactly once");
}

async fn generation_state_is_versioned(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "g@example.com").await;
    let h = s
        .create_hero(u, HeroId::new(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let st = s
        .create_story(u, story(h.id, "S", 2))
        .await
        .unwrap()
        .into_inner();
    let job = |kind: JobKind, entity: Uuid| NewJob {
        id: JobId::new(),
        user_id: UserId(u.into()),
        kind,
        entity_id: entity,
        payload: "{}".into(),
        max_attempts: 3,
        now: 3,
    };
    let a = job(JobKind::Audio, st.id.into());
    let pending = s.request_audio(u, st.id, a.clone()).await.unwrap();
    assert_eq!(pending.audio_generation_status, GenerationStatus::Pending);
    assert!(pending.version > st.version);
    assert_eq!(
        s.job_status(a.id).await.unwrap().unwrap().status,
        JobState::Queued,
        "queued with the status change"
    );
    let done = s
        .set_story_audio(
            u,
            st.id,
            GenerationStatus::Completed,
            Some("users/x/audio/s.mp3"),
            Some(42.5),
            4,
        )
        .await
        .unwrap();
    assert_eq!(
        (done.audio_url.as_deref(), done.audio_duration),
        (Some("users/x/audio/s.mp3"), Some(42.5))
    );

    let scenes = vec![
        ("a forest".to_owned(), 0.0),
        ("a river".to_owned(), 10.0),
        ("home".to_owned(), 30.0),
    ];
    let (ills, old) = s.replace_illustrations(u, st.id, &scenes, 5).await.unwrap();
    assert_eq!((ills.len(), old.len()), (3, 0));
    assert_eq!(ills[1].scene_description, "a river");
    let one = s
        .set_illustration(
            u,
            ills[0].id,
            GenerationStatus::Completed,
            Some("users/x/illustrations/1.png"),
            None,
            6,
        )
        .await
        .unwrap();
    assert_eq!(
        one.image_url.as_deref(),
        Some("users/x/illustrations/1.png")
    );
    let failed = s
        .set_illustration(
            u,
            ills[1].id,
            GenerationStatus::Failed,
            None,
            Some("timed out"),
            6,
        )
        .await
        .unwrap();
    assert_eq!(failed.generation_error.as_deref(), Some("timed out"));
    let full = s.get_story(u, st.id).await.unwrap();
    assert_eq!(full.illustration_count, 3);
    assert_eq!(
        full.illustrations.unwrap()[0].generation_status,
        GenerationStatus::Completed
    );
    // Replacing drops the old ones (tombstones, media keys back to the caller).
    let (_, old) = s
        .replace_illustrations(u, st.id, &scenes[..1], 7)
        .await
        .unwrap();
    assert_eq!(old, ["users/x/illustrations/1.png"]);
    let feed = s.changes(u, done.version, 100).await.unwrap();
    let tombs = feed
        .changes
        .iter()
        .filter(|c| c.kind == EntityKind::Illustration && c.entity.is_none())
        .count();
    assert_eq!(tombs, 3);

    let hero_job = job(JobKind::Avatar, h.id.into());
    let hp = s.request_avatar(u, h.id, hero_job).await.unwrap();
    assert_eq!(hp.avatar_status, AvatarStatus::Pending);
    let hd = s
        .set_hero_avatar(
            u,
            h.id,
            AvatarStatus::Completed,
            Some("users/x/avatars/h.png"),
            Some("gen-1"),
            8,
        )
        .await
        .unwrap();
    assert_eq!(
        (hd.avatar_url.as_deref(), hd.avatar_generation_id.as_deref()),
        (Some("users/x/avatars/h.png"), Some("gen-1"))
    );
    // Another user's ids are not found.
    let v = user(&s, "v@example.com").await;
    assert!(matches!(
        s.set_hero_avatar(v, h.id, AvatarStatus::Failed, None, None, 9)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.request_audio(v, st.id, job(JobKind::Audio, st.id.into()))
            .await,
        Err(StoreError::NotFound)
    ));
    // Deleting the hero hands back every media key.
    let gone = s.delete_hero(u, h.id, None, 10).await.unwrap();
    let mut keys = gone.media_keys.clone();
    keys.sort();
    assert_eq!(keys, ["users/x/audio/s.mp3", "users/x/avatars/h.png"]);
}

db_tests!(
    jobs_claim_lease_retry,
    concurrent_workers_claim_each_job_once,
    generation_state_is_versioned,
);
