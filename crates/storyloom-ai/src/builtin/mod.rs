//! The built-in providers: offline, free, deterministic for a seed.
//!
//! - text: the `story` module's storyteller: six plots per occasion and language, told through
//!   the hero (see its module doc);
//! - speech: the `espeak-ng` program, encoded to MP3 (the `speech` module);
//! - pictures: SVG vector art rendered to PNG ([`images`]);
//! - scenes: the story's paragraphs, timed by their character offsets;
//! - enhancement: keywords by stop-word filtering and a prompt seed from a template.

pub mod images;
mod lang;
mod rng;
pub(crate) mod speech;
mod story;

pub use story::{AbilityFrame, Composed};

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use storyloom_domain::{AgeRange, CustomEvent, Hero, Language, Voice};

use crate::safety::{self, fold};
use crate::{
    AiError, EventEnhancement, EventEnhancer, Generated, Illustrator, Narration, Narrator,
    Occasion, Picture, Scene, SceneExtractor, StoryRequest, StoryText, StoryWriter, UsageInfo,
};

/// Engine names written into usage records.
pub mod models {
    /// Story text.
    pub const TEXT: &str = "storyloom-storyteller-1";
    /// Narration.
    pub const SPEECH: &str = "espeak-ng";
    /// Pictures.
    pub const IMAGES: &str = "storyloom-vector-1";
    /// Scene splitting and enhancement.
    pub const HEURISTICS: &str = "storyloom-heuristics-1";
}

/// Settings of the built-in providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinConfig {
    /// The `espeak-ng` program (`STORYLOOM_ESPEAK`; default: `espeak-ng` on the `PATH`).
    pub espeak_program: PathBuf,
}

impl Default for BuiltinConfig {
    fn default() -> Self {
        Self {
            espeak_program: PathBuf::from("espeak-ng"),
        }
    }
}

/// Text, pictures, scenes and enhancement (none of them needs configuration).
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

/// Narration through espeak-ng.
#[derive(Debug, Clone, Default)]
pub struct BuiltinNarrator {
    config: BuiltinConfig,
}

impl BuiltinNarrator {
    /// A narrator running `config.espeak_program`.
    pub fn new(config: BuiltinConfig) -> Self {
        Self { config }
    }
}

fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
}

fn join_error(e: tokio::task::JoinError) -> AiError {
    AiError::Provider {
        attempts: 1,
        status: None,
        message: format!("worker task failed: {e}"),
    }
}

/// Write `request`'s story with the built-in storyteller and say what it was built from
/// (plots, topic, ability frame): the library entry point of the writer's tests and of
/// `docs/STORIES.md`. The hero and a custom event are screened first, as in
/// [`StoryWriter::write_story`].
pub fn compose(request: &StoryRequest) -> Result<story::Composed, AiError> {
    let hero = safety::screen_hero(&request.hero)?;
    let occasion = match &request.occasion {
        Occasion::Custom(ev) => Occasion::Custom(safety::screen_event(ev)?),
        o => o.clone(),
    };
    Ok(compose_screened(&hero, &occasion, request))
}

fn compose_screened(hero: &Hero, occasion: &Occasion, request: &StoryRequest) -> story::Composed {
    let number = request
        .story_number
        .or(request.seed)
        .unwrap_or_else(clock_seed);
    story::compose(
        hero,
        occasion,
        story::Options {
            language: request.language,
            length: request.length(),
            number,
        },
    )
}

#[async_trait]
impl StoryWriter for Builtin {
    async fn write_story(&self, request: &StoryRequest) -> Result<Generated<StoryText>, AiError> {
        let hero = safety::screen_hero(&request.hero)?;
        let occasion = match &request.occasion {
            Occasion::Custom(ev) => Occasion::Custom(safety::screen_event(ev)?),
            o => o.clone(),
        };
        let text = compose_screened(&hero, &occasion, request).text;
        let mut usage = UsageInfo::builtin(models::TEXT);
        usage.characters = text.content.chars().count() as i64;
        // The phrase packs are reviewed and the user's fields screened, so this never fires
        // (a test writes hundreds of stories to show it); it is the last line if a pack edit
        // ever slips a flagged word in.
        for t in [&text.title, &text.content] {
            if let Some(category) = safety::judge_story(t, Some(hero.age))? {
                return Err(AiError::UnsafeOutput {
                    field: "content".into(),
                    category,
                    attempts: 1,
                    usage: Box::new(usage),
                });
            }
        }
        Ok(Generated {
            output: text,
            usage,
        })
    }
}

#[async_trait]
impl Narrator for BuiltinNarrator {
    /// The text is not screened: it is read aloud as written (stories are either ours or the
    /// family's own import), and nothing leaves the machine.
    async fn narrate(
        &self,
        text: &str,
        language: Language,
        voice: Voice,
    ) -> Result<Generated<Narration>, AiError> {
        let output = speech::narrate(&self.config, text, language, voice).await?;
        let mut usage = UsageInfo::builtin(models::SPEECH);
        usage.characters = text.chars().count() as i64;
        Ok(Generated { output, usage })
    }
}

fn picture_usage() -> UsageInfo {
    let mut usage = UsageInfo::builtin(models::IMAGES);
    usage.images = 1;
    usage
}

#[async_trait]
impl Illustrator for Builtin {
    /// The previous generation id is not needed: the same hero always gets the same colours and
    /// hair style, which is what keeps built-in pictures consistent.
    async fn avatar(
        &self,
        hero: &Hero,
        extra_prompt: Option<&str>,
        _previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError> {
        let hero = safety::screen_hero(hero)?;
        let extra = extra_prompt
            .map(|p| safety::screen("prompt", p, safety::limits::AVATAR_PROMPT))
            .transpose()?;
        let output = tokio::task::spawn_blocking(move || images::avatar(&hero, extra.as_deref()))
            .await
            .map_err(join_error)??;
        Ok(Generated {
            output,
            usage: picture_usage(),
        })
    }

    async fn scene(
        &self,
        scene_description: &str,
        hero: &Hero,
        _previous_generation_id: Option<&str>,
    ) -> Result<Generated<Picture>, AiError> {
        let hero = safety::screen_hero(hero)?;
        let description =
            safety::screen("sceneDescription", scene_description, safety::limits::SCENE)?;
        let output = tokio::task::spawn_blocking(move || images::scene(&description, &hero))
            .await
            .map_err(join_error)??;
        Ok(Generated {
            output,
            usage: picture_usage(),
        })
    }
}

/// Split `text` into sentences (keeping their end punctuation).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = matches!(c, '.' | '!' | '?' | '…')
            && chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        if boundary {
            let end = i + c.len_utf8();
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Split a story into 3–6 scenes (fewer only if the story has fewer sentences), each starting
/// at a paragraph (or, for stories of one or two paragraphs, a sentence) and timed by its
/// character offset in the story.
pub fn split_scenes(story: &str, audio_duration_seconds: f64) -> Vec<Scene> {
    // Units: (byte offset, text).
    let mut units: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for para in story.split("\n\n") {
        if !para.trim().is_empty() {
            units.push((offset, para));
        }
        offset += para.len() + 2;
    }
    if units.len() < 3 {
        units = sentences(story)
            .into_iter()
            .map(|s| (s.as_ptr() as usize - story.as_ptr() as usize, s))
            .collect();
    }
    if units.is_empty() {
        return Vec::new();
    }
    let groups = units.len().clamp(1, 6).min(units.len());
    let total_chars = story.chars().count().max(1) as f64;
    let duration = if audio_duration_seconds.is_finite() {
        audio_duration_seconds.max(0.0)
    } else {
        0.0
    };
    (0..groups)
        .map(|g| {
            // Spread the units evenly over the groups; each group starts at its first unit.
            let first = g * units.len() / groups;
            let (start, text) = units[first];
            let chars_before = story[..start].chars().count() as f64;
            let description: String = sentences(text)
                .into_iter()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            let description: String = description.chars().take(400).collect();
            Scene {
                description,
                audio_timestamp: (chars_before / total_chars * duration * 100.0).round() / 100.0,
            }
        })
        .collect()
}

#[async_trait]
impl SceneExtractor for Builtin {
    async fn extract_scenes(
        &self,
        story_text: &str,
        _language: Language,
        audio_duration_seconds: f64,
    ) -> Result<Generated<Vec<Scene>>, AiError> {
        let scenes = split_scenes(story_text, audio_duration_seconds);
        if scenes.is_empty() {
            return Err(AiError::rejected(
                "content",
                "The story has no text to illustrate.",
            ));
        }
        let mut usage = UsageInfo::builtin(models::HEURISTICS);
        usage.characters = story_text.chars().count() as i64;
        Ok(Generated {
            output: scenes,
            usage,
        })
    }
}

/// Keywords of `text`: words of 3+ letters that are not stop words in any of the five languages,
/// most frequent first (ties by first appearance), lower-cased.
pub fn extract_keywords(text: &str, max: usize) -> Vec<String> {
    let stop = |w: &str| {
        Language::ALL
            .iter()
            .any(|l| lang::pack(*l).stopwords.contains(&w))
    };
    let mut counts: Vec<(String, String, usize)> = Vec::new(); // (folded, shown, count)
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'')) {
        let raw = raw.trim_matches(['-', '\'']);
        // "l'école" → "école".
        let raw = raw.rsplit('\'').next().unwrap_or(raw);
        let folded = fold(raw);
        if folded.chars().count() < 3 || folded.chars().all(|c| c.is_numeric()) || stop(&folded) {
            continue;
        }
        match counts.iter_mut().find(|(f, _, _)| *f == folded) {
            Some(entry) => entry.2 += 1,
            None => counts.push((folded, raw.to_lowercase(), 1)),
        }
    }
    // Stable sort keeps first-appearance order among equals.
    counts.sort_by_key(|c| std::cmp::Reverse(c.2));
    counts
        .into_iter()
        .map(|(_, shown, _)| shown.chars().take(30).collect())
        .take(max)
        .collect()
}

/// Keywords and a richer prompt seed for `event` (already screened).
pub fn enhance_event(event: &CustomEvent, language: Language) -> EventEnhancement {
    let pack = lang::pack(language);
    let mut keywords: Vec<String> = event
        .keywords
        .iter()
        .map(|k| k.chars().take(30).collect())
        .collect();
    let text = format!(
        "{} {} {}",
        event.title, event.description, event.prompt_seed
    );
    for k in extract_keywords(&text, 10) {
        if keywords.len() >= 10 {
            break;
        }
        if !keywords.iter().any(|e| fold(e) == fold(&k)) {
            keywords.push(k);
        }
    }
    keywords.truncate(10);
    let tone = pack.tone_names[match event.tone {
        storyloom_domain::EventTone::Cheerful => 0,
        storyloom_domain::EventTone::Calming => 1,
        storyloom_domain::EventTone::Exciting => 2,
        storyloom_domain::EventTone::Gentle => 3,
        storyloom_domain::EventTone::Funny => 4,
        storyloom_domain::EventTone::Heartwarming => 5,
    }];
    let age = match event.age_range {
        Some(AgeRange::Small) => "3-5",
        Some(AgeRange::Middle) => "6-8",
        Some(AgeRange::Older) => "9-12",
        None => "3-8",
    };
    let mut details = event.prompt_seed.trim().to_owned();
    if !event.description.trim().is_empty() && !details.contains(event.description.trim()) {
        details = format!("{} {}", event.description.trim(), details);
    }
    if !details.ends_with(['.', '!', '?']) {
        details.push('.');
    }
    let build = |details: &str| {
        pack.enhanced_seed
            .replace("{title}", event.title.trim())
            .replace("{details}", details)
            .replace("{keywords}", &story::join_list(language, &keywords))
            .replace("{tone}", tone)
            .replace("{age}", age)
    };
    let mut seed = build(&details);
    let over = seed.chars().count().saturating_sub(1000);
    if over > 0 {
        let keep = details.chars().count().saturating_sub(over + 1);
        let short: String = details.chars().take(keep).collect();
        seed = build(&format!("{}…", short.trim_end()));
    }
    EventEnhancement {
        keywords,
        prompt_seed: seed.chars().take(1000).collect(),
    }
}

#[async_trait]
impl EventEnhancer for Builtin {
    async fn enhance(
        &self,
        event: &CustomEvent,
        language: Language,
    ) -> Result<Generated<EventEnhancement>, AiError> {
        let event = safety::screen_event(event)?;
        let output = enhance_event(&event, language);
        let usage = UsageInfo::builtin(models::HEURISTICS);
        Ok(Generated { output, usage })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_follow_paragraphs_and_scale_to_duration() {
        let story = "One.\n\nTwo two.\n\nThree three three.\n\nFour.";
        let scenes = split_scenes(story, 100.0);
        assert_eq!(scenes.len(), 4);
        assert_eq!(scenes[0].audio_timestamp, 0.0);
        assert_eq!(scenes[1].description, "Two two.");
        let expected = 6.0 / story.chars().count() as f64 * 100.0;
        assert!((scenes[1].audio_timestamp - expected).abs() < 0.01);
        assert!(
            scenes
                .windows(2)
                .all(|w| w[0].audio_timestamp < w[1].audio_timestamp)
        );
    }

    #[test]
    fn many_paragraphs_become_six_scenes_and_few_become_sentences() {
        let long = (0..10)
            .map(|i| format!("Paragraph {i}."))
            .collect::<Vec<_>>()
            .join("\n\n");
        assert_eq!(split_scenes(&long, 60.0).len(), 6);
        let short = "A cat sat. A dog ran! A bird sang? The end.";
        let s = split_scenes(short, 10.0);
        assert_eq!(s.len(), 4);
        assert_eq!(s[2].description, "A bird sang?");
    }

    #[test]
    fn keywords_skip_stop_words_in_all_languages() {
        let k = extract_keywords(
            "Le premier jour à la piscine avec les copains, la piscine est grande",
            10,
        );
        assert_eq!(k[0], "piscine");
        assert!(k.contains(&"copains".to_owned()));
        assert!(!k.iter().any(|w| w == "avec" || w == "les"));
        let k = extract_keywords("The first swim at the new pool with Grandma", 10);
        assert_eq!(k, vec!["swim", "pool", "grandma"]);
    }
}
