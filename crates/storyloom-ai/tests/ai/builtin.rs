//! The built-in providers, end to end (espeak-ng must be installed for the narration tests).

use std::collections::HashSet;

use storyloom_ai::builtin::{Builtin, BuiltinConfig, BuiltinNarrator};
use storyloom_ai::{
    AiConfig, AiError, EventEnhancer, Illustrator, Narrator, Occasion, ProviderKind, Providers,
    SceneExtractor, StoryRequest, StoryWriter,
};
use storyloom_domain::{EventType, Language, Voice};

use crate::common::{decode_png, event, hero};

fn request(
    name: &str,
    age: i64,
    occasion: Occasion,
    language: Language,
    seed: u64,
) -> StoryRequest {
    StoryRequest {
        hero: hero(name, age),
        occasion,
        language,
        seed: Some(seed),
        length: None,
        story_number: None,
    }
}

async fn story(
    name: &str,
    age: i64,
    e: EventType,
    language: Language,
    seed: u64,
) -> (String, String) {
    let g = Builtin
        .write_story(&request(name, age, Occasion::Builtin(e), language, seed))
        .await
        .unwrap();
    assert_eq!(g.usage.provider, "builtin");
    (g.output.title, g.output.content)
}

fn sentence_count(text: &str) -> usize {
    text.matches(['.', '!', '?']).count().max(1)
}

#[tokio::test]
async fn every_language_event_and_age_gives_a_complete_story() {
    for lang in Language::ALL {
        for e in EventType::ALL {
            for age in [3, 7, 11] {
                for seed in [1, 2, 3] {
                    let (title, content) = story("Zoé", age, e, lang, seed).await;
                    assert!(title.contains("Zoé"), "{title}");
                    assert!(content.contains("Zoé"), "{content}");
                    assert!(
                        !content.contains('{') && !title.contains('{'),
                        "placeholder left: {content}"
                    );
                    let paragraphs = content.split("\n\n").count();
                    assert!((4..=7).contains(&paragraphs), "{paragraphs} paragraphs");
                    assert!(
                        content.contains("can talk to animals"),
                        "the special ability is used"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn stories_differ_by_language() {
    let mut texts = HashSet::new();
    for lang in Language::ALL {
        let (_, content) = story("Mia", 6, EventType::Bedtime, lang, 42).await;
        texts.insert(content);
    }
    assert_eq!(texts.len(), 5);
    // Real phrasing, not English with swapped words.
    let (_, fr) = story("Mia", 6, EventType::Bedtime, Language::Fr, 42).await;
    let (_, de) = story("Mia", 6, EventType::Bedtime, Language::De, 42).await;
    assert!(
        fr.contains("Mia") && (fr.contains(" et ") || fr.contains(" la ")),
        "{fr}"
    );
    assert!(de.contains(" und ") || de.contains(" die "), "{de}");
}

#[tokio::test]
async fn small_children_get_shorter_simpler_stories() {
    for lang in Language::ALL {
        for seed in 0..5 {
            let (_, small) = story("Leo", 4, EventType::Adventure, lang, seed).await;
            let (_, older) = story("Leo", 10, EventType::Adventure, lang, seed).await;
            assert!(
                small.chars().count() * 3 / 2 < older.chars().count(),
                "{lang:?}: {small}\n---\n{older}"
            );
            let avg = |t: &str| t.split_whitespace().count() as f64 / sentence_count(t) as f64;
            assert!(
                avg(&small) < avg(&older),
                "{lang:?} sentence length {} vs {}",
                avg(&small),
                avg(&older)
            );
        }
    }
}

#[tokio::test]
async fn same_seed_same_story_other_seeds_vary() {
    let a = story("Nora", 7, EventType::RainyDay, Language::En, 7).await;
    let b = story("Nora", 7, EventType::RainyDay, Language::En, 7).await;
    assert_eq!(a, b);
    let mut variants = HashSet::new();
    for seed in 0..10 {
        variants.insert(story("Nora", 7, EventType::RainyDay, Language::En, seed).await);
    }
    assert!(variants.len() >= 5, "only {} variants", variants.len());
}

#[tokio::test]
async fn custom_events_use_title_seed_and_keywords() {
    let ev = event(
        "First swim at the big pool",
        "Mia goes to the new swimming pool with Grandma.",
        &["goggles", "splash"],
    );
    for lang in Language::ALL {
        let g = Builtin
            .write_story(&request("Mia", 6, Occasion::Custom(ev.clone()), lang, 3))
            .await
            .unwrap();
        let c = &g.output.content;
        assert!(g.output.title.contains("First swim at the big pool"));
        assert!(
            c.contains("First swim at the big pool")
                && c.contains("goggles")
                && c.contains("new swimming pool"),
            "{c}"
        );
    }
}

#[tokio::test]
async fn unsafe_hero_or_event_is_rejected() {
    let mut r = request(
        "Mia",
        6,
        Occasion::Builtin(EventType::Bedtime),
        Language::En,
        1,
    );
    r.hero.special_ability = Some("can kill monsters".into());
    let err = Builtin.write_story(&r).await.unwrap_err();
    assert!(
        matches!(&err, AiError::ContentRejected { field, .. } if field == "specialAbility"),
        "{err:?}"
    );
    let ev = event("Drugs party", "cocaine", &[]);
    let err = Builtin
        .write_story(&request("Mia", 6, Occasion::Custom(ev), Language::En, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::ContentRejected { .. }));
}

fn decode_mp3(bytes: &[u8]) -> (u32, u64) {
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
        .unwrap();
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
    (track.codec_params.sample_rate.unwrap(), frames)
}

#[tokio::test]
async fn narration_is_a_decodable_mp3_with_a_duration() {
    let narrator = BuiltinNarrator::new(BuiltinConfig::default());
    let text = "Once upon a time, a little fox looked at the moon.\n\nGood night, little fox.";
    let g = narrator
        .narrate(text, Language::En, Voice::Fable)
        .await
        .unwrap();
    assert_eq!(g.usage.characters, text.chars().count() as i64);
    let n = g.output;
    assert!(
        n.duration_seconds > 1.0 && n.duration_seconds < 30.0,
        "{}",
        n.duration_seconds
    );
    let (rate, frames) = decode_mp3(&n.mp3);
    let decoded = frames as f64 / f64::from(rate);
    assert!(
        (decoded - n.duration_seconds).abs() < 0.2,
        "decoded {decoded} vs {}",
        n.duration_seconds
    );
}

#[tokio::test]
async fn narration_works_in_every_language_and_voices_differ() {
    let narrator = BuiltinNarrator::new(BuiltinConfig::default());
    for (lang, text) in [
        (Language::Fr, "Bonne nuit, petit renard."),
        (Language::Es, "Buenas noches, zorrito."),
        (Language::De, "Gute Nacht, kleiner Fuchs."),
        (Language::It, "Buonanotte, piccola volpe."),
    ] {
        let n = narrator
            .narrate(text, lang, Voice::Nova)
            .await
            .unwrap()
            .output;
        assert!(n.duration_seconds > 0.3, "{lang:?}");
        assert!(decode_mp3(&n.mp3).1 > 0);
    }
    let a = narrator
        .narrate("Hello there", Language::En, Voice::Onyx)
        .await
        .unwrap()
        .output;
    let b = narrator
        .narrate("Hello there", Language::En, Voice::Shimmer)
        .await
        .unwrap()
        .output;
    assert_ne!(a.mp3, b.mp3);
}

fn pixel(rgba: &[u8], x: u32, y: u32) -> (u8, u8, u8) {
    let i = ((y * 512 + x) * 4) as usize;
    (rgba[i], rgba[i + 1], rgba[i + 2])
}

#[tokio::test]
async fn avatar_is_a_png_in_the_hero_colours() {
    let mut h = hero("Ada", 6);
    h.hair_color = Some("#1e90ff".into());
    h.skin_tone = Some("peau foncée".into());
    h.eye_color = Some("verts".into());
    let g = Builtin
        .avatar(&h, Some("wearing a crown"), None)
        .await
        .unwrap();
    assert_eq!(g.usage.images, 1);
    let (w, hgt, rgba) = decode_png(&g.output.png);
    assert_eq!((w, hgt), (512, 512));
    assert_eq!(pixel(&rgba, 256, 130), (0x1e, 0x90, 0xff), "hair");
    assert_eq!(pixel(&rgba, 256, 268), (0x5c, 0x3a, 0x24), "skin");
    let (r, g_, b) = pixel(&rgba, 198, 244);
    assert!(g_ > r && g_ > b, "eyes are green: {:?}", (r, g_, b));
    // Same hero, same picture; the id says so.
    let again = Builtin
        .avatar(&h, Some("wearing a crown"), None)
        .await
        .unwrap();
    assert_eq!(again.output, g.output);
    assert!(g.output.generation_id.starts_with("builtin-avatar-"));

    h.hair_color = Some("blond".into());
    h.skin_tone = Some("clara".into());
    let (_, _, rgba) = decode_png(&Builtin.avatar(&h, None, None).await.unwrap().output.png);
    assert_eq!(pixel(&rgba, 256, 130), (0xe8, 0xc1, 0x5a));
    assert_eq!(pixel(&rgba, 256, 268), (0xfb, 0xe0, 0xc8));
}

fn mean_colour(rgba: &[u8]) -> (u64, u64, u64) {
    let n = (rgba.len() / 4) as u64;
    let sum = rgba.chunks(4).fold((0u64, 0u64, 0u64), |a, p| {
        (
            a.0 + u64::from(p[0]),
            a.1 + u64::from(p[1]),
            a.2 + u64::from(p[2]),
        )
    });
    (sum.0 / n, sum.1 / n, sum.2 / n)
}

#[tokio::test]
async fn scene_illustrations_follow_the_description() {
    let h = hero("Ada", 6);
    let bedroom = Builtin
        .scene("Ada is tucked into bed and the moon shines.", &h, None)
        .await
        .unwrap();
    let beach = Builtin
        .scene(
            "Ada builds a sandcastle on the beach by the sea.",
            &h,
            Some("builtin-avatar-1"),
        )
        .await
        .unwrap();
    let forest = Builtin
        .scene(
            "Ada marche dans la forêt, sous les grands arbres.",
            &h,
            None,
        )
        .await
        .unwrap();
    let mut means = Vec::new();
    for p in [&bedroom, &beach, &forest] {
        let (w, hgt, rgba) = decode_png(&p.output.png);
        assert_eq!((w, hgt), (512, 512));
        means.push(mean_colour(&rgba));
    }
    // Night bedroom is darker than the sunny beach; the forest is the greenest.
    let lum = |m: (u64, u64, u64)| m.0 + m.1 + m.2;
    assert!(lum(means[0]) < lum(means[1]), "{means:?}");
    assert!(
        means[2].1 > means[2].0 && means[2].1 > means[2].2,
        "{means:?}"
    );
    assert_ne!(bedroom.output.generation_id, beach.output.generation_id);
}

#[tokio::test]
async fn scenes_of_a_story_are_timed_over_the_audio() {
    let g = Builtin
        .write_story(&request(
            "Ada",
            10,
            Occasion::Builtin(EventType::Holiday),
            Language::It,
            5,
        ))
        .await
        .unwrap();
    let scenes = Builtin
        .extract_scenes(&g.output.content, Language::It, 120.0)
        .await
        .unwrap()
        .output;
    assert!((3..=6).contains(&scenes.len()), "{}", scenes.len());
    assert_eq!(scenes[0].audio_timestamp, 0.0);
    assert!(
        scenes
            .windows(2)
            .all(|w| w[0].audio_timestamp < w[1].audio_timestamp)
    );
    assert!(
        scenes
            .iter()
            .all(|s| s.audio_timestamp < 120.0 && !s.description.is_empty())
    );
}

#[tokio::test]
async fn enhancement_adds_keywords_and_a_richer_seed() {
    let mut ev = event(
        "Premier jour à la piscine",
        "Mia va à la piscine avec Mamie et ses lunettes de natation.",
        &["eau"],
    );
    ev.description = "Une grande piscine toute neuve".into();
    let out = Builtin.enhance(&ev, Language::Fr).await.unwrap().output;
    assert_eq!(out.keywords[0], "eau");
    assert!(
        out.keywords.iter().any(|k| k == "piscine"),
        "{:?}",
        out.keywords
    );
    assert!(out.keywords.len() <= 10 && out.keywords.iter().all(|k| k.chars().count() <= 30));
    assert!(!out.keywords.iter().any(|k| k == "la" || k == "avec"));
    assert!(
        out.prompt_seed.contains("Premier jour à la piscine")
            && out.prompt_seed.chars().count() <= 1000
    );
    assert!(out.prompt_seed.len() > ev.prompt_seed.len());

    let long = event(
        "Trip",
        &"a very long description of the trip ".repeat(30),
        &[],
    );
    let out = Builtin.enhance(&long, Language::En).await.unwrap().output;
    assert!(out.prompt_seed.chars().count() <= 1000);
}

#[tokio::test]
async fn providers_from_config() {
    let cfg = AiConfig::from_lookup(|_| None).unwrap();
    assert_eq!(cfg.provider, ProviderKind::Builtin);
    let p = Providers::from_config(&cfg).unwrap();
    p.health().await.unwrap();
    let g = p
        .story_writer
        .write_story(&request(
            "Kim",
            5,
            Occasion::Builtin(EventType::Family),
            Language::Es,
            1,
        ))
        .await
        .unwrap();
    assert!(g.output.content.contains("Kim"));

    let env = |k: &str| match k {
        "STORYLOOM_AI" => Some("openai".to_owned()),
        "OPENAI_API_KEY" => Some("sk-very-secret".to_owned()),
        "OPENAI_BASE_URL" => Some("http://localhost:9/v1/".to_owned()),
        "OPENAI_TTS_MODEL" => Some("tts-1".to_owned()),
        _ => None,
    };
    let cfg = AiConfig::from_lookup(env).unwrap();
    assert_eq!(cfg.provider, ProviderKind::OpenAi);
    assert_eq!(cfg.openai.base_url, "http://localhost:9/v1");
    assert_eq!(cfg.openai.tts_model, "tts-1");
    assert_eq!(cfg.openai.text_model, "gpt-4o-mini");
    assert_eq!(cfg.openai.image_model, "gpt-image-1");
    let shown = format!("{cfg:?}");
    assert!(
        !shown.contains("sk-very-secret") && shown.contains("redacted"),
        "{shown}"
    );
    assert_eq!(
        Providers::from_config(&cfg).unwrap().kind,
        ProviderKind::OpenAi
    );

    let no_key =
        AiConfig::from_lookup(|k| (k == "STORYLOOM_AI").then(|| "openai".to_owned())).unwrap();
    assert!(matches!(
        Providers::from_config(&no_key),
        Err(AiError::Unavailable(_))
    ));
    assert!(AiConfig::from_lookup(|k| (k == "STORYLOOM_AI").then(|| "magic".to_owned())).is_err());

    let missing = Providers::builtin(BuiltinConfig {
        espeak_program: "/no/such/espeak-ng".into(),
    });
    assert!(
        matches!(missing.health().await, Err(AiError::Unavailable(m)) if m.contains("espeak-ng"))
    );
}

/// The built-in writer composes reviewed phrases with screened user fields: whatever it writes,
/// in every language, for every occasion and for the youngest listeners, passes the same
/// child-safety lexicon that judges the parents' text.
#[tokio::test]
async fn built_in_stories_pass_the_child_safety_screening() {
    let mut judged = 0;
    for lang in Language::ALL {
        for ev in EventType::ALL {
            for (age, seed) in [(3, 1u64), (4, 7), (5, 99), (8, 2026), (11, 31)] {
                let request = StoryRequest {
                    hero: hero("Mia", age),
                    occasion: Occasion::Builtin(ev),
                    language: lang,
                    seed: Some(seed),
                    // Every length and a different plot of the rotation for each age.
                    length: Some(storyloom_domain::StoryLength::ALL[(seed % 3) as usize]),
                    story_number: Some(seed),
                };
                // Composed without the writer's own output check, so a flagged text is shown
                // here with the sentence that trips the lexicon.
                let story = storyloom_ai::builtin::compose(&request).unwrap().text;
                for text in [&story.title, &story.content] {
                    let found = storyloom_ai::safety::judge_story(text, Some(age)).unwrap();
                    // The shortest run of sentences that is flagged (a phrase of the lexicon
                    // may span two of them).
                    let sentences: Vec<&str> =
                        text.split_inclusive(['.', '!', '?', '\n']).collect();
                    let culprit = (1..=sentences.len())
                        .flat_map(|n| sentences.windows(n).map(|w| w.concat()))
                        .find(|run| {
                            storyloom_ai::safety::judge_story(run, Some(age))
                                .unwrap()
                                .is_some()
                        });
                    assert_eq!(found, None, "{lang:?} {ev:?} age {age}: {culprit:?}");
                    judged += 1;
                }
            }
        }
    }
    let custom = event("Lost tooth", "the tooth fairy visits at night", &["tooth"]);
    for lang in Language::ALL {
        let request = StoryRequest {
            hero: hero("Leo", 4),
            occasion: Occasion::Custom(custom.clone()),
            language: lang,
            seed: Some(5),
            length: None,
            story_number: None,
        };
        let story = Builtin.write_story(&request).await.unwrap().output;
        assert_eq!(
            storyloom_ai::safety::judge_story(&story.content, Some(4)).unwrap(),
            None,
            "{}",
            story.content
        );
        judged += 1;
    }
    assert!(judged >= 600);
}
