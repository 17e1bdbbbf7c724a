//! Generation over HTTP: story text, narration, illustrations, avatars, enhancement, limits,
//! usage, media URLs and jobs — with the built-in provider, the OpenAI protocol against a
//! checking fake, and media on local disk or a real S3-compatible server.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, TestUser, db_tests};

const LANGS: [&str; 5] = ["en", "fr", "es", "de", "it"];

pub(crate) async fn hero_aged(u: &TestUser, name: &str, age: i64) -> Value {
    let r = u
        .post(
            "/heroes",
            json!({"name": name, "age": age, "traits": ["brave", "curious"],
                   "specialAbility": "talking to owls", "hairColor": "red",
                   "eyeColor": "green", "skinTone": "light"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.data().clone()
}

pub(crate) async fn generate(u: &TestUser, body: Value) -> Value {
    let r = u.post("/stories", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.data().clone()
}

/// Poll a resource until `done` says so (jobs run in the background).
pub(crate) async fn wait_for(u: &TestUser, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let r = u.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if done(r.data()) {
            return r.data().clone();
        }
        assert!(
            Instant::now() < deadline,
            "{path} did not finish: {}",
            r.data()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn download(url: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(url);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

pub(crate) fn decode_mp3_seconds(bytes: &[u8]) -> f64 {
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::errors::Error;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;
    let mss = MediaSourceStream::new(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        Default::default(),
    );
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .expect("not an MP3");
    let mut format = probed.format;
    let track = format.default_track().unwrap().clone();
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .unwrap();
    let mut frames = 0u64;
    loop {
        match format.next_packet() {
            Ok(p) => frames += decoder.decode(&p).unwrap().frames() as u64,
            Err(Error::IoError(_)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    frames as f64 / f64::from(track.codec_params.sample_rate.unwrap())
}

/// Decode a PNG fully; returns (width, height).
pub(crate) fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("not a PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("PNG does not decode");
    (info.width, info.height)
}

pub(crate) async fn usage_of(u: &TestUser, op: &str) -> i64 {
    let r = u.get("/user/usage").await;
    assert_eq!(r.status, StatusCode::OK);
    r.data()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == op)
        .unwrap()["used"]
        .as_i64()
        .unwrap()
}

async fn stories_in_every_language_name_the_hero(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let small = hero_aged(&u, "Noor", 4).await;
    let big = hero_aged(&u, "Noor", 9).await;
    let mut contents = Vec::new();
    for lang in LANGS {
        let r = u
            .post(
                "/stories",
                json!({"heroId": small["id"], "eventType": "bedtime", "language": lang}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{lang}: {}", r.body);
        // The answer carries the story limit's headers.
        assert_eq!(r.header("x-ratelimit-limit"), Some("10"));
        let story = r.data();
        let content = story["content"].as_str().unwrap();
        assert!(content.contains("Noor"), "{lang}: {content}");
        assert!(!story["title"].as_str().unwrap().is_empty());
        assert_eq!(story["language"], lang);
        assert!(
            content.split("\n\n").count() >= 3,
            "{lang}: a story has a beginning, a middle and an end"
        );
        contents.push(content.to_owned());
    }
    for i in 0..contents.len() {
        for j in i + 1..contents.len() {
            assert_ne!(contents[i], contents[j], "{} = {}", LANGS[i], LANGS[j]);
        }
    }
    let older = generate(
        &u,
        json!({"heroId": big["id"], "eventType": "bedtime", "language": "en"}),
    )
    .await;
    let older = older["content"].as_str().unwrap();
    assert_ne!(older, contents[0]);
    assert!(
        older.len() > contents[0].len(),
        "a 9-year-old's story is longer than a 4-year-old's"
    );
    assert_eq!(usage_of(&u, "story_generation").await, 6);
    // Stories are persisted like any other.
    let listed = u.get("/stories?limit=100").await;
    assert_eq!(listed.body["pagination"]["total"], 6);
}

async fn narration_and_illustrations_download_and_play(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Mia", 6).await;
    let story = generate(
        &u,
        json!({"heroId": hero["id"], "eventType": "adventure", "language": "fr",
               "generateAudio": true, "generateIllustrations": true, "voice": "nova"}),
    )
    .await;
    assert_eq!(story["audioGenerationStatus"], "pending");
    assert_eq!(story["illustrationStatus"], "pending");
    let id = story["id"].as_str().unwrap();
    let done = wait_for(&u, &format!("/stories/{id}"), |s| {
        s["audioGenerationStatus"] == "completed" && s["illustrationStatus"] == "completed"
    })
    .await;

    // Narration: a signed URL to an MP3 that decodes and lasts as long as the story says.
    let audio_url = done["audioUrl"].as_str().unwrap();
    assert!(
        audio_url.starts_with(&format!("{}/api/media/users/{}/audio/", s.url(), u.id)),
        "{audio_url}"
    );
    let resp = download(audio_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "audio/mpeg");
    assert_eq!(resp.headers()["accept-ranges"], "bytes");
    let mp3 = resp.bytes().await.unwrap();
    let seconds = decode_mp3_seconds(&mp3);
    let said = done["audioDuration"].as_f64().unwrap();
    assert!(
        seconds > 5.0,
        "narration of a whole story lasts {seconds} s"
    );
    assert!(
        (seconds - said).abs() < 1.0,
        "decoded {seconds} s, API says {said} s"
    );

    // Range requests for seeking.
    let part = download(audio_url, Some("bytes=0-1")).await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 0-1/{}", mp3.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &mp3[..2]);
    let tail = download(audio_url, Some("bytes=100-")).await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &mp3[100..]);
    let beyond = download(audio_url, Some(&format!("bytes={}-", mp3.len()))).await;
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{}", mp3.len()).as_str()
    );

    // Illustrations: 3–6 scenes, each a decodable PNG, ordered and timed within the audio.
    let status = u.get(&format!("/stories/{id}/illustrations/status")).await;
    assert_eq!(status.status, StatusCode::OK);
    let st = status.data();
    let total = st["total"].as_i64().unwrap();
    assert!((3..=6).contains(&total), "{total} illustrations");
    assert_eq!(st["completed"], total);
    assert_eq!(st["failed"], 0);
    assert_eq!(st["status"], "completed");
    let ills = done["illustrations"].as_array().unwrap();
    assert_eq!(ills.len() as i64, total);
    let mut last_ts = -1.0;
    for (i, ill) in ills.iter().enumerate() {
        assert_eq!(ill["displayOrder"], i as i64);
        let ts = ill["audioTimestamp"].as_f64().unwrap();
        assert!(ts > last_ts && ts <= said, "timestamp {ts} of {said}");
        last_ts = ts;
        assert!(!ill["sceneDescription"].as_str().unwrap().is_empty());
        let resp = download(ill["imageUrl"].as_str().unwrap(), None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "image/png");
        let (w, h) = decode_png(&resp.bytes().await.unwrap());
        assert!(w >= 256 && h >= 256, "{w}x{h}");
    }
    assert_eq!(usage_of(&u, "audio_generation").await, 1);
    assert_eq!(usage_of(&u, "illustration_generation").await, 1);
    let totals = u.get("/user/usage").await;
    assert!(totals.data()["totals"]["requests"].as_i64().unwrap() >= 3);
}

async fn avatars_reflect_the_hero_and_refuse_unsafe_prompts(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let other = s.user().await;
    let hero = hero_aged(&u, "Ada", 7).await;
    let id = hero["id"].as_str().unwrap();

    let bad = u
        .post(
            &format!("/heroes/{id}/avatar"),
            json!({"prompt": "a killer holding a bomb"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN, "{}", bad.body);
    assert_eq!(bad.code(), "CONTENT_REJECTED");
    assert!(!bad.body["error"]["message"].as_str().unwrap().is_empty());
    let injected = u
        .post(
            &format!("/heroes/{id}/avatar"),
            json!({"prompt": "x".repeat(501)}),
        )
        .await;
    assert_eq!(injected.status, StatusCode::BAD_REQUEST);
    assert!(injected.body["error"]["details"]["prompt"].is_string());
    // Refusals cost nothing.
    assert_eq!(usage_of(&u, "avatar_generation").await, 0);
    // Another user's hero does not exist for them.
    let theirs = other.post(&format!("/heroes/{id}/avatar"), json!({})).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    let r = u
        .post(
            &format!("/heroes/{id}/avatar"),
            json!({"prompt": "wearing a yellow raincoat"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.data()["avatarStatus"], "pending");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("9"));
    let done = wait_for(&u, &format!("/heroes/{id}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    assert!(done["avatarGenerationId"].is_string());
    let first = download(done["avatarUrl"].as_str().unwrap(), None)
        .await
        .bytes()
        .await
        .unwrap();
    decode_png(&first);

    // A hero with other colours gets a different picture.
    let twin = u
        .post(
            "/heroes",
            json!({"name": "Ada", "age": 7, "traits": ["brave", "curious"],
                   "specialAbility": "talking to owls", "hairColor": "black",
                   "eyeColor": "brown", "skinTone": "dark"}),
        )
        .await;
    let tid = twin.data()["id"].as_str().unwrap().to_owned();
    u.post(
        &format!("/heroes/{tid}/avatar"),
        json!({"prompt": "wearing a yellow raincoat"}),
    )
    .await;
    let twin = wait_for(&u, &format!("/heroes/{tid}"), |h| {
        h["avatarStatus"] == "completed"
    })
    .await;
    let second = download(twin["avatarUrl"].as_str().unwrap(), None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(usage_of(&u, "avatar_generation").await, 2);
}

async fn custom_events_are_enhanced_and_drive_stories(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Sami", 6).await;
    let ev = u
        .post(
            "/custom-events",
            json!({"title": "First day at the new school", "description": "Sami starts at a new school and is a bit nervous",
                   "promptSeed": "a first day at a new school", "pictogramEmoji": "🏫",
                   "category": "school", "tone": "gentle"}),
        )
        .await;
    assert_eq!(ev.status, StatusCode::CREATED, "{}", ev.body);
    let eid = ev.data()["id"].as_str().unwrap();
    let r = u
        .post(&format!("/custom-events/{eid}/enhance"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kw = r.data()["keywords"].as_array().unwrap();
    assert!(!kw.is_empty() && kw.len() <= 10);
    assert!(!r.data()["promptSeed"].as_str().unwrap().is_empty());
    assert!(r.data()["version"].as_i64().unwrap() > ev.data()["version"].as_i64().unwrap());
    assert_eq!(usage_of(&u, "event_enhancement").await, 1);

    let story = generate(
        &u,
        json!({"heroId": hero["id"], "customEventId": eid, "language": "en"}),
    )
    .await;
    assert_eq!(story["customEventId"], eid);
    let text = story["content"].as_str().unwrap().to_lowercase();
    assert!(text.contains("sami"));
    assert!(
        text.contains("school"),
        "the story is about the event: {text}"
    );
    // Neither or both occasions is a validation error, not a generation.
    let neither = u
        .post("/stories", json!({"heroId": hero["id"], "language": "en"}))
        .await;
    assert_eq!(neither.status, StatusCode::BAD_REQUEST, "{}", neither.body);
    assert_eq!(usage_of(&u, "story_generation").await, 1);
}

async fn limits_answer_429_and_refusals_cost_nothing(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| {
        c.limit_story_per_hour = 2;
        c.limit_audio_per_hour = 1;
    })
    .await;
    let u = s.user().await;
    let other = s.user().await;
    let hero = hero_aged(&u, "Kai", 5).await;
    let body = json!({"heroId": hero["id"], "eventType": "bedtime", "language": "en"});
    let first = u.post("/stories", body.clone()).await;
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
    let second = u.post("/stories", body.clone()).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.header("x-ratelimit-remaining"), Some("0"));
    let third = u.post("/stories", body.clone()).await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        third.body
    );
    assert_eq!(third.code(), "RATE_LIMIT_EXCEEDED");
    let retry: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000 && retry <= 3600, "{retry}");
    assert_eq!(third.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(third.header("x-ratelimit-remaining"), Some("0"));
    // Imports are not generation.
    let sid = u.story(hero["id"].as_str().unwrap(), "Imported").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Limits are per user.
    let theirs = hero_aged(&other, "Zoe", 5).await;
    let ok = other
        .post(
            "/stories",
            json!({"heroId": theirs["id"], "eventType": "bedtime", "language": "en"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);

    // Audio: one allowed; asking for audio at creation when none is left refuses the
    // whole request before any text is written.
    let a = u.post(&format!("/stories/{sid}/audio"), json!({})).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(a.data()["audioGenerationStatus"], "pending");
    let b = u.post(&format!("/stories/{sid}/audio"), json!({})).await;
    assert_eq!(b.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(usage_of(&u, "audio_generation").await, 1);
    assert_eq!(usage_of(&u, "story_generation").await, 2);
}

async fn concurrent_requests_cannot_race_past_a_limit(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| c.limit_enhance_per_hour = 3).await;
    let u = s.user().await;
    let ev = u
        .post(
            "/custom-events",
            json!({"title": "Grandma visits", "description": "Grandma comes to stay for a week",
                   "promptSeed": "grandma comes to stay", "pictogramEmoji": "👵",
                   "category": "family", "tone": "heartwarming"}),
        )
        .await;
    let eid = ev.data()["id"].as_str().unwrap().to_owned();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let u = u.clone();
            let eid = eid.clone();
            tokio::spawn(async move {
                u.post(&format!("/custom-events/{eid}/enhance"), json!({}))
                    .await
                    .status
            })
        })
        .collect();
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, limited), (3, 9));
    assert_eq!(usage_of(&u, "event_enhancement").await, 3);
}

async fn a_job_whose_worker_died_is_finished_by_another(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| {
        c.workers = 0;
        c.job_lease_ms = 400;
    })
    .await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Ivo", 6).await;
    let story = generate(
        &u,
        json!({"heroId": hero["id"], "eventType": "bedtime", "language": "en", "generateAudio": true}),
    )
    .await;
    let id = story["id"].as_str().unwrap();
    // A worker claims the job and dies without a word: no heartbeat, no release.
    let now = chrono::Utc::now().timestamp_millis();
    let job = s
        .store()
        .claim_job("worker-that-died", now, 400)
        .await
        .unwrap()
        .expect("the audio job is queued");
    assert_eq!(job.entity_id.to_string(), id);
    // Another worker starts; the lease runs out and it takes over.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = storyloom_server::spawn_workers(s.state(), 1, stop_rx);
    let done = wait_for(&u, &format!("/stories/{id}"), |s| {
        s["audioGenerationStatus"] == "completed"
    })
    .await;
    assert!(done["audioUrl"].is_string());
    let status = s.store().job_status(job.id).await.unwrap().unwrap();
    assert_eq!(status.status, storyloom_store::JobState::Done);
    assert_eq!(
        status.attempts, 2,
        "claimed once by the dead worker, once by ours"
    );
    // The dead worker's late word changes nothing.
    assert!(
        !s.store()
            .complete_job(job.id, "worker-that-died", now)
            .await
            .unwrap()
    );
    stop_tx.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    // One reservation, one usage record, even with two claims.
    assert_eq!(usage_of(&u, "audio_generation").await, 1);
}

async fn health_reports_ai_and_storage(kind: DbKind) {
    let s = TestServer::start_with(kind, |c| {
        c.ai.builtin.espeak_program = "/nonexistent/espeak-ng".into();
    })
    .await;
    let h = s.anon().get("/health").await;
    // Generation down degrades, but the API still serves reads and writes.
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.data()["status"], "degraded");
    assert_eq!(h.data()["ai"], "unavailable");
    assert_eq!(h.data()["storage"], "ok");
    let u = s.user().await;
    let hero = hero_aged(&u, "Ana", 5).await;
    // Text still works; narration fails for good with a message (not retried: an operator
    // must install the program).
    let story = generate(
        &u,
        json!({"heroId": hero["id"], "eventType": "bedtime", "language": "en", "generateAudio": true}),
    )
    .await;
    let id = story["id"].as_str().unwrap();
    let failed = wait_for(&u, &format!("/stories/{id}"), |s| {
        s["audioGenerationStatus"] == "failed"
    })
    .await;
    assert!(failed["audioUrl"].is_null());
}

/// Issue 19 item 5: an edit of what the narration reads marks it stale (the old audio still
/// plays); asking again without `regenerate` answers a current narration as it is, and with
/// it (or when stale) narrates the new text.
async fn edits_mark_narration_stale_and_regenerate_narrates_the_new_text(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = hero_aged(&u, "Tom", 6).await;
    let story = generate(
        &u,
        json!({"heroId": hero["id"], "eventType": "bedtime", "language": "en",
               "generateAudio": true}),
    )
    .await;
    let id = story["id"].as_str().unwrap().to_owned();
    let path = format!("/stories/{id}");
    let done = wait_for(&u, &path, |s| s["audioGenerationStatus"] == "completed").await;
    assert_eq!(done["audioStale"], false);
    let first_audio = done["audioUrl"].as_str().unwrap().to_owned();
    let first_version = done["version"].as_i64().unwrap();

    // Asking again for a current narration: answered as it is, nothing queued or counted.
    let again = u.post(&format!("{path}/audio"), json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.data()["audioGenerationStatus"], "completed");
    assert_eq!(again.data()["version"], first_version);
    assert_eq!(usage_of(&u, "audio_generation").await, 1);

    // A favourite flag is not text: still current.
    let fav = u.patch(&path, json!({"isFavorite": true})).await;
    assert_eq!(fav.data()["audioStale"], false);
    // A new title is: stale, and the old audio still plays.
    let edited = u
        .patch(&path, json!({"title": "Tom and the quiet moon"}))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.data()["audioStale"], true);
    assert_eq!(edited.data()["audioGenerationStatus"], "completed");
    let still = download(edited.data()["audioUrl"].as_str().unwrap(), None).await;
    assert_eq!(still.status(), StatusCode::OK);

    // Regenerating narrates the new text and clears the flag.
    let regen = u
        .post(&format!("{path}/audio"), json!({"regenerate": true}))
        .await;
    assert_eq!(regen.status, StatusCode::ACCEPTED, "{}", regen.body);
    let renewed = wait_for(&u, &path, |s| {
        s["audioGenerationStatus"] == "completed" && s["audioStale"] == false
    })
    .await;
    assert_ne!(renewed["audioUrl"].as_str().unwrap(), first_audio);
    assert_eq!(usage_of(&u, "audio_generation").await, 2);

    // Content and language edits mark it stale too; a stale narration is narrated again
    // even without `regenerate`.
    for patch in [
        json!({"content": "Tom slept.\n\nGood night, Tom."}),
        json!({"language": "fr"}),
    ] {
        let r = u.patch(&path, patch.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{patch}: {}", r.body);
        assert_eq!(r.data()["audioStale"], true, "{patch}");
        let asked = u.post(&format!("{path}/audio"), json!({})).await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
        wait_for(&u, &path, |s| {
            s["audioGenerationStatus"] == "completed" && s["audioStale"] == false
        })
        .await;
    }
    let fr = u.get(&path).await;
    assert_eq!(fr.data()["language"], "fr");
}

db_tests!(
    edits_mark_narration_stale_and_regenerate_narrates_the_new_text,
    stories_in_every_language_name_the_hero,
    narration_and_illustrations_download_and_play,
    avatars_reflect_the_hero_and_refuse_unsafe_prompts,
    custom_events_are_enhanced_and_drive_stories,
    limits_answer_429_and_refusals_cost_nothing,
    concurrent_requests_cannot_race_past_a_limit,
    a_job_whose_worker_died_is_finished_by_another,
    health_reports_ai_and_storage,
);
