//! The JSON shape of every wire type, pinned: a change here is a change of the contract and
//! shows up as a reviewed snapshot diff.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use serde_json::json;
use storyloom_domain::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn t() -> chrono::DateTime<chrono::Utc> {
    time::from_millis(1_764_000_000_123)
}

fn hero() -> Hero {
    Hero {
        id: id(1).into(),
        name: "Léa".into(),
        age: 5,
        traits: vec![HeroTrait::Brave, HeroTrait::Curious],
        special_ability: Some("talks to owls".into()),
        appearance: None,
        hair_color: Some("red".into()),
        eye_color: None,
        skin_tone: None,
        avatar_url: None,
        avatar_status: AvatarStatus::None,
        avatar_generation_id: None,
        version: 3,
        created_at: t(),
        updated_at: t(),
    }
}

fn story() -> Story {
    Story {
        id: id(2).into(),
        title: "Léa and the Moon".into(),
        content: "Once upon a time…".into(),
        hero_id: id(1).into(),
        event_type: Some(EventType::SchoolDay),
        custom_event_id: None,
        language: Language::Fr,
        audio_url: Some("https://media.example/a.mp3".into()),
        audio_duration: Some(93.5),
        audio_generation_status: GenerationStatus::Completed,
        audio_stale: true,
        length: Some(StoryLength::Medium),
        illustration_status: IllustrationStatus::Partial,
        illustration_count: 1,
        is_favorite: true,
        content_flagged: false,
        play_count: 4,
        last_played_at: Some(t()),
        version: 9,
        created_at: t(),
        updated_at: t(),
        illustrations: Some(vec![Illustration {
            id: id(3).into(),
            story_id: id(2).into(),
            display_order: 0,
            image_url: None,
            scene_description: "a moonlit garden".into(),
            audio_timestamp: 12.25,
            generation_status: GenerationStatus::Failed,
            generation_error: Some("provider timed out".into()),
        }]),
    }
}

#[test]
fn hero_shape() {
    insta::assert_json_snapshot!(hero());
}

#[test]
fn story_shape() {
    insta::assert_json_snapshot!(story());
}

#[test]
fn custom_event_shape() {
    insta::assert_json_snapshot!(CustomEvent {
        id: id(4).into(),
        title: "First swim".into(),
        description: String::new(),
        prompt_seed: "the big pool".into(),
        category: EventCategory::Nature,
        age_range: Some(AgeRange::Small),
        tone: EventTone::Calming,
        pictogram_emoji: Some("🏊".into()),
        keywords: vec!["pool".into()],
        ai_enhanced: false,
        usage_count: 2,
        is_favorite: false,
        last_used_at: None,
        version: 5,
        created_at: t(),
        updated_at: t(),
    });
}

#[test]
fn envelope_shapes() {
    insta::assert_json_snapshot!(
        "envelope_page",
        Envelope::page(vec![hero()], Pagination::new(21, 20, 0))
    );
    insta::assert_json_snapshot!(
        "envelope_error",
        Envelope::err(ErrorBody {
            code: ErrorCode::VersionConflict,
            message: "changed elsewhere".into(),
            details: Some(json!({"current": {"version": 4}})),
        })
    );
}

#[test]
fn content_rejected_envelope() {
    // A child-safety refusal names the field and the category, never the word.
    insta::assert_json_snapshot!(Envelope::err(ErrorBody {
        code: ErrorCode::ContentRejected,
        message: "This text mentions violence or weapons, which Storyloom keeps out of \
                  children's stories. Please describe it differently."
            .into(),
        details: Some(
            serde_json::to_value(storyloom_domain::ContentRejection {
                field: "specialAbility".into(),
                category: storyloom_domain::ContentCategory::Violence,
            })
            .unwrap()
        ),
    }));
    let names: Vec<&str> = storyloom_domain::ContentCategory::ALL
        .iter()
        .map(|c| c.name())
        .collect();
    insta::assert_json_snapshot!(names);
    for c in storyloom_domain::ContentCategory::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.name());
        assert_eq!(
            storyloom_domain::ContentCategory::from_name(c.name()),
            Some(c)
        );
    }
}

#[test]
fn auth_shapes() {
    insta::assert_json_snapshot!(AuthResponse {
        user: User {
            id: id(5).into(),
            email: "a@example.com".into(),
            name: None,
            created_at: t()
        },
        session: SessionInfo {
            token: "tok".into(),
            expires_at: t()
        },
    });
}

#[test]
fn usage_and_profile_shapes() {
    insta::assert_json_snapshot!(UsageResponse {
        operations: vec![OperationUsage {
            operation: Operation::AudioGeneration,
            limit: 20,
            used: 1,
            remaining: 19,
            reset_at: Some(t()),
        }],
        totals: UsageTotals::default(),
        storage: StorageUsage {
            bytes: 45_000,
            byte_limit: 500_000_000,
            stories: 3,
            story_limit: 10_000,
            heroes: 1,
            hero_limit: 1_000,
            custom_events: 0,
            custom_event_limit: 1_000,
        },
    });
    insta::assert_json_snapshot!(Profile {
        id: id(6).into(),
        email: "p@example.com".into(),
        name: Some("P".into()),
        preferred_language: Language::De,
        preferred_voice: Voice::Nova,
        default_story_length: Some(StoryLength::Long),
        timezone: "Europe/Paris".parse().unwrap(),
        created_at: t(),
        stats: ProfileStats::default(),
    });
}

#[test]
fn story_request_shapes() {
    // What a client sends: a create with a length, an edit of the language, a regeneration.
    insta::assert_json_snapshot!(StoryCreate {
        id: Some(storyloom_domain::StoryId(id(2))),
        hero_id: storyloom_domain::HeroId(id(1)),
        event_type: Some(EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        generate_audio: true,
        generate_illustrations: false,
        voice: None,
        length: Some(StoryLength::Short),
        title: None,
        content: None,
    });
    insta::assert_json_snapshot!(StoryUpdate {
        language: Some(Language::It),
        ..Default::default()
    });
    insta::assert_json_snapshot!(AudioRequest {
        language: None,
        voice: Some(Voice::Sage),
        regenerate: true,
    });
    // Every length by its wire name, and the age-based default.
    for l in StoryLength::ALL {
        assert_eq!(StoryLength::from_name(l.name()), Some(l));
        assert_eq!(
            serde_json::to_value(l).unwrap(),
            serde_json::Value::String(l.name().into())
        );
    }
    assert_eq!(StoryLength::for_age(4), StoryLength::Short);
    assert_eq!(StoryLength::for_age(6), StoryLength::Medium);
    assert_eq!(StoryLength::Long.target_words(10), 1400);
}

#[test]
fn sync_shapes() {
    insta::assert_json_snapshot!(ChangesResponse {
        changes: vec![
            Change {
                entity: EntityKind::CustomEvent,
                id: id(7),
                version: 10,
                deleted: true,
                data: None
            },
            Change {
                entity: EntityKind::Hero,
                id: id(1),
                version: 11,
                deleted: false,
                data: Some(json!({"id": id(1)}))
            },
        ],
        cursor: "11".into(),
        has_more: false,
    });
    insta::assert_json_snapshot!(PushResponse {
        results: vec![MutationResult {
            mutation_id: id(8).into(),
            status: MutationStatus::Conflict,
            version: None,
            current: Some(json!({"version": 12})),
            error: None,
        }],
    });
    let push: PushRequest = serde_json::from_value(json!({"mutations": [
        {"mutationId": id(9), "entity": "story", "op": "increment", "id": id(2), "fields": {"playCount": 2}}
    ]}))
    .unwrap();
    assert_eq!(push.mutations[0].op, MutationOp::Increment);
}

#[test]
fn small_answer_shapes() {
    insta::assert_json_snapshot!(SignedOut { signed_out: true });
    insta::assert_json_snapshot!(AccountDeleted { deleted: true });
}

#[test]
fn live_event_shapes() {
    insta::assert_json_snapshot!(ChangedEvent::at(42));
    insta::assert_json_snapshot!(ChangedEvent::default());
    insta::assert_json_snapshot!(JobEvent {
        entity: JobKind::Illustrations.entity(),
        id: id(3),
        kind: JobKind::Illustrations,
        status: JobProgress::Partial,
    });
    for name in [
        LiveEventName::Ready,
        LiveEventName::Changed,
        LiveEventName::Job,
    ] {
        assert_eq!(LiveEventName::from_name(name.name()), Some(name));
        assert_eq!(serde_json::to_value(name).unwrap(), json!(name.name()));
    }
    for kind in [JobKind::Audio, JobKind::Illustrations, JobKind::Avatar] {
        assert_eq!(JobKind::from_name(kind.name()), Some(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.name()));
    }
    assert_eq!(ChangedEvent::at(7).version(), Some(7));
    let hero: HeroId = serde_json::from_value(json!(id(5))).unwrap();
    assert_eq!(serde_json::to_value(hero).unwrap(), json!(id(5)));
}

#[test]
fn patch_bodies_tell_null_from_absent() {
    let p: HeroUpdate = serde_json::from_value(json!({"specialAbility": null, "age": 6})).unwrap();
    assert_eq!(p.special_ability, Some(None));
    assert_eq!(p.appearance, None);
    assert_eq!(p.age, Some(6));
}

#[test]
fn timestamps_round_trip_at_millisecond_precision() {
    let h = hero();
    let s = serde_json::to_string(&h).unwrap();
    assert!(s.contains("\"2025-11-24T16:00:00.123Z\""), "{s}");
    let back: Hero = serde_json::from_str(&s).unwrap();
    assert_eq!(back, h);
}

fn listening_session() -> ListeningSession {
    ListeningSession {
        id: id(7).into(),
        story_id: id(2).into(),
        hero_id: id(1).into(),
        started_at: t(),
        ended_at: Some(time::from_millis(1_764_000_600_123)),
        duration_seconds: 600,
        completed: true,
        version: 1,
        created_at: t(),
    }
}

#[test]
fn listening_session_shapes() {
    insta::assert_json_snapshot!(listening_session());
    let body: ListeningSessionCreate = serde_json::from_value(json!({
        "storyId": id(2), "startedAt": "2025-11-24T16:00:00.123Z", "durationSeconds": 60,
        "completed": false
    }))
    .unwrap();
    assert_eq!((body.id, body.ended_at), (None, None));
    insta::assert_json_snapshot!(body);
}

#[test]
fn journey_shapes() {
    let sessions = [listening_session()];
    let stories = [StoryFacts {
        id: id(2).into(),
        hero_id: id(1).into(),
        title: "Léa and the Moon".into(),
        audio_duration: Some(93.5),
        is_favorite: true,
    }];
    let heroes = [HeroFacts {
        id: id(1).into(),
        name: "Léa".into(),
        avatar_url: Some("https://media.example/lea.png".into()),
    }];
    let zone: Timezone = "Europe/Paris".parse().unwrap();
    let now = time::from_millis(1_764_100_000_000);
    let j = Journey::new(&sessions, &stories, &heroes, zone, now);
    insta::assert_json_snapshot!(j.summary());
    insta::assert_json_snapshot!(j.activity(ActivityRange::Week));
    insta::assert_json_snapshot!(j.heroes());
    insta::assert_json_snapshot!(j.milestones(Language::Fr));
    insta::assert_json_snapshot!(j.insights());
}
