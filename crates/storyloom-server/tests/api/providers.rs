//! The production parts, driven through the API: OpenAI's HTTP protocol against a local fake
//! that checks every request, and media in a real S3-compatible server (moto, SigV4).

use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use storyloom_ai::{AiConfig, OpenAiConfig, ProviderKind};
use storyloom_domain::{Language, Voice};
use storyloom_media::testing::MotoServer;
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-storyloom-test";

fn openai(server: &MockServer, attempts: u32) -> AiConfig {
    AiConfig {
        provider: ProviderKind::OpenAi,
        openai: OpenAiConfig {
            api_key: Some(KEY.into()),
            base_url: format!("{}/v1", server.uri()),
            timeout: Duration::from_secs(5),
            retry: storyloom_ai::RetryPolicy {
                max_attempts: attempts,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

fn chat(object: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_767_225_600,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": object.to_string(), "refusal": null}}],
        "usage": {"prompt_tokens": 300, "completion_tokens": 500, "total_tokens": 800}
    }))
}

fn chat_mock(system_starts: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({"model": "gpt-4o-mini"})))
        .and(body_string_contains(system_starts))
}

/// The fake's moderation endpoint, answering flagged for `category` (OpenAI's name) or not.
async fn moderation(fake: &MockServer, category: Option<&str>, times: u64) {
    let mut categories = serde_json::Map::new();
    for c in ["sexual", "hate", "violence", "self-harm", "illicit"] {
        categories.insert(c.into(), json!(Some(c) == category));
    }
    Mock::given(method("POST"))
        .and(path("/v1/moderations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(
            json!({"model": "omni-moderation-latest"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "modr-1", "model": "omni-moderation-latest",
            "results": [{"flagged": category.is_some(), "categories": categories}]
        })))
        .expect(times)
        .mount(fake)
        .await;
}

/// Real media for the fake to answer with: the built-in provider's MP3 and PNG.
async fn real_media() -> (Vec<u8>, Vec<u8>) {
    let builtin = storyloom_ai::Providers::builtin(Default::default());
    let mp3 = builtin
        .narrator
        .narrate("Good night, little one.", Language::En, Voice::Fable)
        .await
        .unwrap()
        .output
        .mp3;
    let hero: storyloom_domain::Hero = serde_json::from_value(json!({
        "id": uuid::Uuid::now_v7(), "name": "Mia", "age": 5, "traits": ["brave"],
        "avatarStatus": "none", "version": 1,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"
    }))
    .unwrap();
    let png = builtin
        .illustrator
        .avatar(&hero, None, None)
        .await
        .unwrap()
        .output
        .png;
    (mp3, png)
}

async fn wait_for(u: &TestUser, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = u.get(path).await;
        if done(r.data()) {
            return r.data().clone();
        }
        assert!(Instant::now() < deadline, "{path}: {}", r.data());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn bytes(url: &str) -> Vec<u8> {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.bytes().await.unwrap().to_vec()
}

async fn openai_end_to_end(kind: DbKind) {
    let fake = MockServer::start().await;
    let (mp3, png) = real_media().await;
    chat_mock("You write bedtime stories")
        .and(body_string_contains("Mia"))
        .respond_with(chat(json!({
            "title": "Mia and the Sleepy Moon",
            "content": "Mia looked at the moon.\n\nThe moon yawned, and Mia sang it a song.\n\nThen everyone slept."
        })))
        .expect(1)
        .mount(&fake)
        .await;
    chat_mock("You pick the moments")
        .respond_with(chat(json!({"scenes": [
            {"description": "Mia at her window, looking at a big round moon", "startsWith": "Mia looked at the moon."},
            {"description": "The moon yawning while Mia sings", "startsWith": "The moon yawned"},
            {"description": "Everyone asleep under the stars", "startsWith": "Then everyone slept."}
        ]})))
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(
            json!({"model": "gpt-4o-mini-tts", "voice": "shimmer", "response_format": "mp3"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(mp3.clone(), "audio/mpeg"))
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/images/generations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({"model": "gpt-image-1", "n": 1})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "created": 1_767_225_600,
            "data": [{"b64_json": base64::engine::general_purpose::STANDARD.encode(&png)}],
            "usage": {"total_tokens": 4200, "input_tokens": 50, "output_tokens": 4150}
        })))
        .expect(4) // the avatar and three scenes
        .mount(&fake)
        .await;
    // The story is moderated (STORYLOOM_OPENAI_MODERATION is on by default) before it is kept.
    moderation(&fake, None, 1).await;

    let ai = openai(&fake, 2);
    let s = TestServer::start_with(kind, move |c| c.ai = ai.clone()).await;
    let u = s.user().await;
    let hero = u
        .post(
            "/heroes",
            json!({"name": "Mia", "age": 5, "traits": ["brave"], "hairColor": "brown"}),
        )
        .await;
    let hid = hero.data()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        u.post(&format!("/heroes/{hid}/avatar"), json!({}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let hero = wait_for(&u, &format!("/heroes/{hid}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    assert_eq!(bytes(hero["avatarUrl"].as_str().unwrap()).await, png);
    assert!(
        hero["avatarGenerationId"]
            .as_str()
            .unwrap()
            .contains("1767225600")
    );

    let r = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "bedtime", "language": "en",
                   "generateAudio": true, "generateIllustrations": true, "voice": "shimmer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.data()["title"], "Mia and the Sleepy Moon");
    let id = r.data()["id"].as_str().unwrap().to_owned();
    let story = wait_for(&u, &format!("/stories/{id}"), |s| {
        s["audioGenerationStatus"] == "completed" && s["illustrationStatus"] == "completed"
    })
    .await;
    assert_eq!(bytes(story["audioUrl"].as_str().unwrap()).await, mp3);
    let ills = story["illustrations"].as_array().unwrap();
    assert_eq!(ills.len(), 3);
    assert_eq!(
        ills[0]["sceneDescription"],
        "Mia at her window, looking at a big round moon"
    );
    for ill in ills {
        assert_eq!(bytes(ill["imageUrl"].as_str().unwrap()).await, png);
    }

    // What reached OpenAI: the narration is the story, scene pictures keep the avatar's look.
    let received = fake.received_requests().await.unwrap();
    let speech: Value = received
        .iter()
        .find(|r| r.url.path() == "/v1/audio/speech")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    assert!(
        speech["input"]
            .as_str()
            .unwrap()
            .contains("The moon yawned")
    );
    let usage = u.get("/user/usage").await;
    let totals = &usage.data()["totals"];
    assert!(totals["estimatedCostUsd"].as_f64().unwrap() > 0.0);
    assert!(totals["tokens"].as_i64().unwrap() >= 1600);
    assert_eq!(totals["failures"], 0);
    // `expect` counts are verified when the fake drops.
}

/// A story the model writes unsafe twice (the lexicon catches the first, moderation the
/// second) is refused with a clear error, nothing is stored, and both generations are in the
/// usage record as one failure.
async fn openai_unsafe_stories_are_written_again_then_refused(kind: DbKind) {
    let fake = MockServer::start().await;
    chat_mock("You write bedtime stories")
        .respond_with(chat(
            json!({"title": "Tom", "content": "Tom found a gun in the woods."}),
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&fake)
        .await;
    chat_mock("You write bedtime stories")
        .respond_with(chat(
            json!({"title": "Tom", "content": "Tom walked in the woods."}),
        ))
        .expect(1)
        .mount(&fake)
        .await;
    moderation(&fake, Some("violence"), 1).await;
    let ai = openai(&fake, 1);
    let s = TestServer::start_with(kind, move |c| c.ai = ai.clone()).await;
    let u = s.user().await;
    let hid = u.hero("Tom").await["id"].as_str().unwrap().to_owned();
    let r = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "bedtime", "language": "en"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.code(), "CONTENT_REJECTED");
    assert_eq!(r.body["error"]["details"]["field"], "content");
    assert_eq!(r.body["error"]["details"]["category"], "violence");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("child-safety")
    );
    assert_eq!(u.get("/stories").await.body["pagination"]["total"], 0);
    let usage = u.get("/user/usage").await;
    let totals = &usage.data()["totals"];
    assert_eq!(totals["failures"], 1, "{}", usage.body);
    assert_eq!(totals["tokens"], 1600, "both generations are counted");
    assert!(totals["estimatedCostUsd"].as_f64().unwrap() > 0.0);
}

async fn openai_failures_are_reported_and_retried(kind: DbKind) {
    let fake = MockServer::start().await;
    chat_mock("You write bedtime stories")
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"error": {"message": "The server had an error", "type": "server_error"}}),
        ))
        .mount(&fake)
        .await;
    let ai = openai(&fake, 2);
    let s = TestServer::start_with(kind, move |c| {
        c.ai = ai.clone();
        c.job_retry_base_ms = 50;
    })
    .await;
    let u = s.user().await;
    let hid = u.hero("Tom").await["id"].as_str().unwrap().to_owned();

    // Text is written before the answer, so its failure is the answer: 502, no story.
    let r = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "bedtime", "language": "en"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert_eq!(r.code(), "PROVIDER_ERROR");
    assert_eq!(u.get("/stories").await.body["pagination"]["total"], 0);

    // Narration runs in a job: retried with backoff, then failed with the reason kept.
    let sid = u.story(&hid, "Tom's Night").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    assert_eq!(
        u.post(&format!("/stories/{sid}/audio"), json!({}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    // The API stays responsive while the provider fails.
    let t = Instant::now();
    assert_eq!(u.get("/heroes").await.status, StatusCode::OK);
    assert!(t.elapsed() < Duration::from_secs(2));
    wait_for(&u, &format!("/stories/{sid}"), |s| {
        s["audioGenerationStatus"] == "failed"
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "backoff was waited"
    );
    let speech_calls = fake
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/audio/speech")
        .count();
    // 3 job attempts × 2 HTTP attempts each.
    assert_eq!(speech_calls, 6);
    let usage = u.get("/user/usage").await;
    assert!(usage.data()["totals"]["failures"].as_i64().unwrap() >= 2);
}

async fn a_hanging_provider_times_out_and_the_job_fails(kind: DbKind) {
    let fake = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&fake)
        .await;
    let mut ai = openai(&fake, 1);
    ai.openai.timeout = Duration::from_millis(500);
    let s = TestServer::start_with(kind, move |c| {
        c.ai = ai.clone();
        c.job_retry_base_ms = 50;
    })
    .await;
    let u = s.user().await;
    let hid = u.hero("Hang").await["id"].as_str().unwrap().to_owned();
    let sid = u.story(&hid, "Waiting").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    u.post(&format!("/stories/{sid}/audio"), json!({})).await;
    // While the provider hangs, the API answers at once.
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(u.get("/stories").await.status, StatusCode::OK);
        assert!(t.elapsed() < Duration::from_millis(500));
    }
    wait_for(&u, &format!("/stories/{sid}"), |s| {
        s["audioGenerationStatus"] == "failed"
    })
    .await;
    // Three tries of 0.5 s each, not thirty seconds.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(15),
        "{took:?}"
    );
    let calls = fake.received_requests().await.unwrap().len();
    assert_eq!(calls, 3);
}

async fn media_in_an_s3_bucket(kind: DbKind) {
    let moto = MotoServer::start().await;
    let bucket = moto.bucket(&format!("media-{}", kind_name(kind))).await;
    let b = bucket.clone();
    let s = TestServer::start_with(kind, move |c| {
        c.s3_bucket = Some(b.bucket.clone());
        c.s3_endpoint = b.endpoint.clone();
        c.s3_access_key_id = Some(b.access_key_id.clone());
        c.s3_secret_access_key = Some(b.secret_access_key.clone());
    })
    .await;
    assert_eq!(s.state().media.backend(), "s3");
    let h = s.anon().get("/health").await;
    assert_eq!(h.data()["storage"], "ok");
    let u = s.user().await;
    let hid = u.hero("Bo").await["id"].as_str().unwrap().to_owned();
    u.post(&format!("/heroes/{hid}/avatar"), json!({})).await;
    let hero = wait_for(&u, &format!("/heroes/{hid}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    let url = hero["avatarUrl"].as_str().unwrap();
    assert!(url.starts_with(&moto.endpoint), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert!(
        resp.bytes()
            .await
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    assert_eq!(s.state().media.list_user(u.id).await.unwrap().len(), 1);
    assert_eq!(u.delete("/user/account").await.status, StatusCode::OK);
    assert!(s.state().media.list_user(u.id).await.unwrap().is_empty());
}

fn kind_name(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgres",
    }
}

/// Issue 19: what reaches OpenAI for a story carries its length (in the prompt and as
/// `max_tokens`), the hero's age, traits, ability and looks, the occasion and the language;
/// with no voice named, the narrator's voice fits the hero's traits.
async fn openai_story_prompts_carry_length_hero_and_occasion(kind: DbKind) {
    let fake = MockServer::start().await;
    let (mp3, _) = real_media().await;
    chat_mock("You write bedtime stories")
        .respond_with(chat(json!({
            "title": "Ida und die Geburtstagsüberraschung",
            "content": "Ida spricht mit Eulen.\n\nDann schlief Ida ein."
        })))
        .expect(2)
        .mount(&fake)
        .await;
    // Each story's text is checked by the moderation endpoint before it is kept.
    moderation(&fake, None, 2).await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(mp3, "audio/mpeg"))
        .expect(1)
        .mount(&fake)
        .await;
    let ai = openai(&fake, 1);
    let s = TestServer::start_with(kind, move |c| c.ai = ai.clone()).await;
    let u = s.user().await;
    let hero = u
        .post(
            "/heroes",
            json!({"name": "Ida", "age": 7, "traits": ["calm", "gentle"],
                   "specialAbility": "spricht mit Eulen", "appearance": "a yellow raincoat"}),
        )
        .await;
    let hid = hero.data()["id"].as_str().unwrap().to_owned();
    let p = u
        .patch("/user/profile", json!({"defaultStoryLength": "long"}))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let r = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "birthday", "language": "de", "generateAudio": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.data()["length"], "long", "the profile's default");
    let id = r.data()["id"].as_str().unwrap().to_owned();
    wait_for(&u, &format!("/stories/{id}"), |s| {
        s["audioGenerationStatus"] == "completed"
    })
    .await;
    // A request's own length wins over the profile's.
    let r = u
        .post(
            "/stories",
            json!({"heroId": hid, "eventType": "birthday", "language": "de", "length": "short"}),
        )
        .await;
    assert_eq!(r.data()["length"], "short");

    let received = fake.received_requests().await.unwrap();
    let chats: Vec<Value> = received
        .iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    for (body, (name, words)) in chats.iter().zip([("long", 1250), ("short", 250)]) {
        let system = body["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains("German"), "{system}");
        assert!(system.contains(&format!("about {words} words")), "{system}");
        let data: Value =
            serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
        assert_eq!(data["length"]["name"], name);
        assert_eq!(data["length"]["words"], words);
        assert_eq!(data["language"], "de");
        assert_eq!(data["occasion"]["eventType"], "birthday");
        assert_eq!(data["hero"]["age"], 7);
        assert_eq!(data["hero"]["traits"], json!(["calm", "gentle"]));
        assert_eq!(data["hero"]["specialAbility"], "spricht mit Eulen");
        assert!(
            data["heroLooks"]
                .as_str()
                .unwrap()
                .contains("a yellow raincoat")
        );
        let max = body["max_tokens"].as_u64().unwrap();
        assert!(max >= words * 2, "{words} words, max_tokens {max}");
    }
    let speech: Value = received
        .iter()
        .find(|r| r.url.path() == "/v1/audio/speech")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    let voice = speech["voice"].as_str().unwrap();
    assert!(
        ["shimmer", "sage"].contains(&voice),
        "a calm, gentle hero gets a soft voice, not {voice}"
    );
}

db_tests!(
    a_hanging_provider_times_out_and_the_job_fails,
    openai_story_prompts_carry_length_hero_and_occasion,
    openai_end_to_end,
    openai_failures_are_reported_and_retried,
    openai_unsafe_stories_are_written_again_then_refused,
    media_in_an_s3_bucket,
);
