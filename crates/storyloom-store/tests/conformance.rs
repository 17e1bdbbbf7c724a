//! The store conformance suite: written once, run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use storyloom_domain::{
    AvatarStatus, CustomEventCreate, EntityKind, GenerationStatus, HeroCreate, HeroTrait,
    HeroUpdate, IllustrationStatus, JobKind, Language, Operation, StoryUpdate, new_id,
};
use storyloom_store::{
    Created, JobState, NewJob, NewStory, NewUser, Page, Quota, SessionRecord, Store, StoreError,
    StoryFilter, StoryOccasion, UsageRecord,
};
use storyloom_testkit::{DbKind, TestDb, db_tests};
use uuid::Uuid;

async fn user(store: &dyn Store, email: &str) -> Uuid {
    let id = new_id();
    store
        .create_user(NewUser {
            id,
            email: email.into(),
            password_hash: "h".into(),
            name: None,
            now: 1,
        })
        .await
        .unwrap();
    id
}

fn hero_body(name: &str) -> HeroCreate {
    HeroCreate {
        id: None,
        name: name.into(),
        age: 5,
        traits: vec![HeroTrait::Brave],
        special_ability: None,
        appearance: None,
        hair_color: None,
        eye_color: None,
        skin_tone: None,
    }
}

fn story(hero: Uuid, title: &str, now: i64) -> NewStory {
    NewStory {
        id: new_id(),
        hero_id: hero,
        title: title.into(),
        content: "c".into(),
        event_type: Some(storyloom_domain::EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        length: Some(storyloom_domain::StoryLength::Medium),
        audio_status: GenerationStatus::None,
        illustration_status: IllustrationStatus::None,
        jobs: Vec::new(),
        now,
    }
}

async fn users_and_sessions(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "a@example.com").await;
    let dup = s
        .create_user(NewUser {
            id: new_id(),
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
        user_id: u,
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
        user_id: u,
        created_at: 0,
        expires_at: 9_000,
    })
    .await
    .unwrap();
    s.delete_session("t2").await.unwrap();
    assert!(s.session("t2", 1).await.unwrap().is_none());
}

async fn heroes_versions_and_isolation(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let a = user(&s, "a@example.com").await;
    let b = user(&s, "b@example.com").await;
    let id = new_id();
    let body = hero_body("Ada");
    let h = s.create_hero(a, id, &body, 10).await.unwrap();
    assert!(h.is_new());
    let h = h.into_inner();
    assert_eq!(h.version, 1);
    assert!(matches!(
        s.create_hero(a, id, &body, 11).await.unwrap(),
        Created::Existing(_)
    ));
    assert!(matches!(
        s.create_hero(a, id, &hero_body("Other"), 11).await,
        Err(StoreError::IdConflict)
    ));
    assert!(matches!(
        s.create_hero(b, id, &body, 11).await,
        Err(StoreError::IdConflict)
    ));
    assert!(matches!(s.get_hero(b, id).await, Err(StoreError::NotFound)));
    let patch = HeroUpdate {
        name: Some("Ada L".into()),
        ..Default::default()
    };
    assert!(matches!(
        s.update_hero(b, id, &patch, None, 12).await,
        Err(StoreError::NotFound)
    ));
    let up = s.update_hero(a, id, &patch, Some(1), 12).await.unwrap();
    assert_eq!(up.name, "Ada L");
    assert_eq!(up.version, 2);
    match s.update_hero(a, id, &patch, Some(1), 13).await {
        Err(StoreError::VersionConflict(cur)) => assert_eq!(cur.kind(), EntityKind::Hero),
        other => panic!("{other:?}"),
    }
    // A failed write burns no number of the sequence.
    let h2 = s
        .create_hero(a, new_id(), &hero_body("Bo"), 14)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h2.version, 3);
    // b's sequence is its own.
    let hb = s
        .create_hero(b, new_id(), &hero_body("Cy"), 15)
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
        s.delete_hero(b, id, None, 16).await,
        Err(StoreError::NotFound)
    ));
    s.delete_hero(a, id, None, 16).await.unwrap();
    // A deleted id cannot be reused.
    assert!(matches!(
        s.create_hero(a, id, &body, 17).await,
        Err(StoreError::IdConflict)
    ));
}

async fn change_feed_orders_pages_and_tombstones(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "feed@example.com").await;
    let h = s
        .create_hero(u, new_id(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let ev = s
        .create_event(
            u,
            new_id(),
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

async fn stories_counters_and_filters(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "s@example.com").await;
    let other = user(&s, "o@example.com").await;
    let h = s
        .create_hero(u, new_id(), &hero_body("H"), 1)
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
        .list_stories(u, by(StoryOccasion::Custom(new_id())), limit1)
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
                language: Some(Language::Fr),
                ..Default::default()
            },
            true,
            None,
            5,
        )
        .await
        .unwrap();
    assert!(edited.audio_stale);
    assert_eq!(edited.language, Language::Fr);
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

async fn delete_user_leaves_nothing(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "gone@example.com").await;
    let h = s
        .create_hero(u, new_id(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    s.create_story(u, story(h.id, "t", 2)).await.unwrap();
    s.create_session(SessionRecord {
        token_hash: "tok".into(),
        user_id: u,
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

async fn jobs_claim_lease_retry(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "j@example.com").await;
    let job = |kind: JobKind| NewJob {
        id: new_id(),
        user_id: u,
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
            id: new_id(),
            user_id: u,
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
        .create_hero(u, new_id(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    let st = s
        .create_story(u, story(h.id, "S", 2))
        .await
        .unwrap()
        .into_inner();
    let job = |kind: JobKind, entity: Uuid| NewJob {
        id: new_id(),
        user_id: u,
        kind,
        entity_id: entity,
        payload: "{}".into(),
        max_attempts: 3,
        now: 3,
    };
    let a = job(JobKind::Audio, st.id);
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

    let hero_job = job(JobKind::Avatar, h.id);
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
        s.request_audio(v, st.id, job(JobKind::Audio, st.id)).await,
        Err(StoreError::NotFound)
    ));
    // Deleting the hero hands back every media key.
    let gone = s.delete_hero(u, h.id, None, 10).await.unwrap();
    let mut keys = gone.media_keys.clone();
    keys.sort();
    assert_eq!(keys, ["users/x/audio/s.mp3", "users/x/avatars/h.png"]);
}

/// Many writes for one user at once (they share group commits): each succeeds or fails on its
/// own merits, every success has its own version, and the change feed holds exactly the
/// successes in version order.
async fn concurrent_writes_of_one_user(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = std::sync::Arc::new(db.store().await);
    let u = user(&*s, "many@example.com").await;
    let taken = s
        .create_hero(u, new_id(), &hero_body("Taken"), 1)
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
                    .create_hero(u, new_id(), &hero_body(&format!("H{n}")), 2)
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
        .create_hero(u, new_id(), &hero_body("Kept"), 1)
        .await
        .unwrap()
        .into_inner();
    let gone = s
        .create_hero(u, new_id(), &hero_body("Gone"), 1)
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
                _ => s.create_hero(u, new_id(), &full(n), 2).await,
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

async fn expired_sessions_are_purged(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "a@example.com").await;
    for (token, expires_at) in [("old", 1_000), ("edge", 2_000), ("live", 9_000)] {
        s.create_session(SessionRecord {
            token_hash: token.into(),
            user_id: u,
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

async fn change_feed_pages_stop_at_a_text_budget(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s = db.store().await;
    let u = user(&s, "heavy@example.com").await;
    let h = s
        .create_hero(u, new_id(), &hero_body("H"), 1)
        .await
        .unwrap()
        .into_inner();
    for i in 0..10 {
        let mut st = story(h.id, "S", 2 + i);
        st.content = "x".repeat(1_000);
        s.create_story(u, st).await.unwrap();
    }
    s.create_hero(u, new_id(), &hero_body("After"), 20)
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
    change_feed_pages_stop_at_a_text_budget,
    expired_sessions_are_purged,
    signin_failures_count_per_email_and_address,
    concurrent_writes_of_one_user,
    burst_of_hero_creates,
    generation_state_is_versioned,
    usage_quota_is_atomic,
    jobs_claim_lease_retry,
    concurrent_workers_claim_each_job_once,
    users_and_sessions,
    heroes_versions_and_isolation,
    change_feed_orders_pages_and_tombstones,
    stories_counters_and_filters,
    delete_user_leaves_nothing,
);
