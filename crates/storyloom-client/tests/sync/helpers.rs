use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use storyloom_client::{Client, MemorySessionStore, RetryConfig, SessionStore, SyncConfig};
use storyloom_domain::{
    CustomEventCreate, EventType, HeroCreate, HeroTrait, Language, SignIn, SignUp, StoryCreate,
};
use storyloom_testkit::TestServer;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

pub fn fast_retry() -> RetryConfig {
    RetryConfig {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retries: 2,
        request_timeout: Duration::from_secs(10),
        refresh_margin: Duration::from_secs(300),
    }
}

pub fn builder(server: &TestServer) -> storyloom_client::ClientBuilder {
    Client::builder(server.url())
        .retry(fast_retry())
        .sync_config(SyncConfig {
            push_batch: 2,
            pull_limit: 3,
            ..Default::default()
        })
}

pub fn device(server: &TestServer) -> Client {
    builder(server).build().unwrap()
}

pub fn device_in(server: &TestServer, dir: &Path, store: Arc<dyn SessionStore>) -> Client {
    builder(server)
        .data_dir(dir)
        .session_store(store)
        .build()
        .unwrap()
}

/// A fresh account, signed in on two devices.
pub async fn two_devices(server: &TestServer) -> (Client, Client, String) {
    let email = format!("parent-{}@example.com", Uuid::new_v4().simple());
    let a = device(server);
    a.auth()
        .sign_up(&SignUp {
            email: email.clone(),
            password: PASSWORD.into(),
            name: None,
        })
        .await
        .unwrap();
    let b = device(server);
    b.auth()
        .sign_in(&SignIn {
            email: email.clone(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    (a, b, email)
}

pub fn memory_store() -> Arc<dyn SessionStore> {
    Arc::new(MemorySessionStore::new())
}

pub fn hero(name: &str) -> HeroCreate {
    HeroCreate {
        id: None,
        name: name.into(),
        age: 6,
        traits: vec![HeroTrait::Brave, HeroTrait::Curious],
        special_ability: None,
        appearance: None,
        hair_color: None,
        eye_color: None,
        skin_tone: None,
    }
}

pub fn imported_story(hero_id: Uuid, title: &str) -> StoryCreate {
    StoryCreate {
        id: None,
        hero_id: storyloom_domain::HeroId(hero_id),
        event_type: Some(EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        generate_audio: false,
        generate_illustrations: false,
        voice: None,
        length: None,
        title: Some(title.into()),
        content: Some("Once upon a time.".into()),
    }
}

pub fn event(title: &str) -> CustomEventCreate {
    CustomEventCreate {
        id: None,
        title: title.into(),
        description: None,
        prompt_seed: "A day at the pool".into(),
        category: None,
        age_range: None,
        tone: None,
        pictogram_emoji: None,
        keywords: None,
        is_favorite: None,
    }
}

/// Sync both devices until they agree (A, B, A).
pub async fn settle(a: &Client, b: &Client) {
    a.sync().sync_all().await.unwrap();
    b.sync().sync_all().await.unwrap();
    a.sync().sync_all().await.unwrap();
}
