//! The store conformance suite: written once, run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use storyloom_domain::{GenerationStatus, HeroCreate, HeroTrait, IllustrationStatus, Language};
use storyloom_domain::{HeroId, StoryId, UserId};
use storyloom_store::{NewStory, NewUser, Store};

mod accounts;
mod content;
mod feed;
mod generation;
mod listening;
mod usage;

pub(crate) async fn user(store: &dyn Store, email: &str) -> UserId {
    let id = UserId::new();
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

pub(crate) fn hero_body(name: &str) -> HeroCreate {
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

pub(crate) fn story(hero: HeroId, title: &str, now: i64) -> NewStory {
    NewStory {
        id: StoryId::new(),
        hero_id: hero,
        title: title.into(),
        content: "c".into(),
        event_type: Some(storyloom_domain::EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        length: Some(storyloom_domain::StoryLength::Medium),
        audio_status: GenerationStatus::None,
        illustration_status: IllustrationStatus::None,
        content_flagged: false,
        jobs: Vec::new(),
        now,
    }
}
