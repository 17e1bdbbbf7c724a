//! Child-safety screening of every text that goes into, or comes out of, a story.
//!
//! Whatever a parent (or anyone holding a parent's token) types must not come out as violence,
//! sexual content, drugs, self-harm, hate, a "stranger with candy" lure, or horror for a small
//! child; and nobody's text may steer the model. Judging works in three steps:
//!
//! 1. **Normalise** ([`normalise`]): invisible characters out, compatibility forms (NFKC's
//!    mapping: fullwidth, mathematical letters), accents, case, Cyrillic/Greek look-alikes,
//!    leetspeak, spaced-out letters and stretched letters folded, so one spelling per word is
//!    enough. The judging works on this form only; what is *stored* is what the user typed
//!    minus invisible characters ([`clean_input`]).
//! 2. **Lexicon** ([`lexicon`], data in `data/lexicon.toml`): words and phrases by category in
//!    en, fr, es, de and it, with harmless look-alikes allowed ("killer whale", "assassin
//!    bug") and horror only for children under 6.
//! 3. **Instructions** ([`injection`]): sentences that talk to the model ("disregard prior
//!    directions", "new task", `SYSTEM：`), in the five languages.
//!
//! Two ways to use the verdict:
//! - at the **doors** (the server's writes: hero and event fields, story edits and imports,
//!   the avatar prompt), [`screen_input`] refuses the text: the parent is there to rephrase;
//! - in the **providers** (older rows, generated text passed on), [`screen`] cuts the text to
//!   its field's length and strips instruction sentences (they must not steer the model, but
//!   a stray "system:" after a child's name is not worth failing a story), then refuses what
//!   the lexicon flags.
//!
//! A refusal is [`AiError::ContentRejected`] naming the field and the [`ContentCategory`],
//! never the word that matched (the app shows the category; echoing the word back would
//! teach the way around it).
//!
//! Judging one text of a few hundred characters takes a few microseconds (`ai-bench`
//! measures it; the budget is 50 µs).

mod injection;
mod lexicon;
mod normalise;
#[cfg(test)]
mod tests;

use storyloom_domain::{AgeRange, ContentCategory, CustomEvent, Hero};
use unicode_normalization::UnicodeNormalization;

pub use lexicon::LexiconError;

use crate::AiError;

/// Field limits, matching the API's validation (API.md), applied again here because the
/// providers may be called by code that skipped validation.
pub mod limits {
    /// Hero name.
    pub const NAME: usize = 50;
    /// Special ability.
    pub const ABILITY: usize = 200;
    /// Appearance.
    pub const APPEARANCE: usize = 500;
    /// Hair colour, eye colour, skin tone.
    pub const LOOKS: usize = 50;
    /// Avatar prompt.
    pub const AVATAR_PROMPT: usize = 500;
    /// Custom event title.
    pub const EVENT_TITLE: usize = 100;
    /// Custom event description.
    pub const EVENT_DESCRIPTION: usize = 500;
    /// Custom event prompt seed.
    pub const PROMPT_SEED: usize = 1000;
    /// One keyword.
    pub const KEYWORD: usize = 30;
    /// A scene description.
    pub const SCENE: usize = 1000;
}

impl From<LexiconError> for AiError {
    fn from(e: LexiconError) -> Self {
        AiError::Unavailable(e.to_string())
    }
}

/// The youngest age of an event's age range, for the age-bound categories (horror); `None`
/// (no range) judges as for the youngest.
pub fn event_age(range: Option<AgeRange>) -> Option<i64> {
    range.map(|r| match r {
        AgeRange::Small => 3,
        AgeRange::Middle => 6,
        AgeRange::Older => 9,
    })
}

/// What `text` is, if it is not fine for a child of `age` (`None`: unknown, judged as for the
/// youngest): a lexicon category, or [`ContentCategory::Instructions`].
pub fn judge(text: &str, age: Option<i64>) -> Result<Option<ContentCategory>, AiError> {
    let lex = lexicon::get()?;
    if injection::has_marker(lex, text) {
        return Ok(Some(ContentCategory::Instructions));
    }
    let toks = normalise::tokens(text);
    let hits = lex.scan(&toks);
    if let Some(c) = lex.category(&hits, age) {
        return Ok(Some(c));
    }
    let instruction = injection::sentences(&toks)
        .iter()
        .any(|r| injection::is_instruction(&toks, &hits, r));
    Ok(instruction.then_some(ContentCategory::Instructions))
}

/// The lexicon category of `text` for a child of `age`, ignoring instruction rules: for
/// generated stories, whose characters may well "forget the rules of the game".
pub fn judge_story(text: &str, age: Option<i64>) -> Result<Option<ContentCategory>, AiError> {
    let lex = lexicon::get()?;
    Ok(lex.find(&normalise::tokens(text), age))
}

/// The first unsafe category of `text` (unknown age), if any. A broken lexicon counts as
/// unsafe ([`ContentCategory::Other`]): judging fails closed.
pub fn find_unsafe(text: &str) -> Option<ContentCategory> {
    judge(text, None).unwrap_or(Some(ContentCategory::Other))
}

/// `text` as it is stored: exactly as typed, minus invisible characters (zero-width spaces,
/// bidi controls, soft hyphens…), which only ever hide something.
pub fn clean_input(text: &str) -> String {
    normalise::strip_invisible(text)
}

/// A door's check of one field: the text to store ([`clean_input`]), or a refusal naming
/// `field` and the category. Instructions to the model are refused here, not stripped: the
/// parent is looking and can rephrase.
pub fn screen_input(field: &str, text: &str, age: Option<i64>) -> Result<String, AiError> {
    match judge(text, age)? {
        Some(c) => Err(AiError::unsafe_content(field, c)),
        None => Ok(clean_input(text)),
    }
}

/// Lower-case `text` and remove accents ("Élève" → "eleve", "Töten" → "toten"), so keyword
/// matching needs one spelling per word.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ß' { 's' } else { c })
        .collect()
}

/// The words of `text`, folded: runs of letters and digits.
pub(crate) fn folded_words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Collapse whitespace, drop control and invisible characters and cut to `max_chars`
/// characters.
pub fn normalize(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut pending_space = false;
    let mut count = 0;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || normalise::is_invisible(c) {
            continue;
        }
        if pending_space {
            if count + 1 >= max_chars {
                break;
            }
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if count >= max_chars {
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// `text` without its instructions to the model: chat-template markers cut out, and every
/// sentence the instruction rules flag removed whole (see [`injection`]).
pub fn strip_injection(text: &str) -> String {
    let Ok(lex) = lexicon::get() else {
        return String::new();
    };
    let text = injection::remove_markers(lex, &clean_input(text));
    let toks = normalise::tokens(&text);
    let hits = lex.scan(&toks);
    let ranges = injection::sentences(&toks);
    let mut kept = String::with_capacity(text.len());
    for (k, r) in ranges.iter().enumerate() {
        let from = if k == 0 { 0 } else { toks[r.start].start };
        let to = ranges
            .get(k + 1)
            .map_or(text.len(), |next| toks[next.start].start);
        if !injection::is_instruction(&toks, &hits, r) {
            kept.push_str(&text[from..to]);
        } else {
            kept.push(' ');
        }
    }
    if ranges.is_empty() {
        kept = text;
    }
    normalize(&kept, usize::MAX)
}

/// A provider's check of one field for a child of `age`: cut to `max_chars`, instructions
/// stripped, then refused if the lexicon flags it (or if nothing but instructions was left).
pub fn screen_for(
    field: &str,
    text: &str,
    max_chars: usize,
    age: Option<i64>,
) -> Result<String, AiError> {
    let short = normalize(text, max_chars);
    let clean = strip_injection(&short);
    if clean.is_empty() && !short.is_empty() {
        return Err(AiError::unsafe_content(
            field,
            ContentCategory::Instructions,
        ));
    }
    if let Some(c) = judge_story(&clean, age)? {
        return Err(AiError::unsafe_content(field, c));
    }
    Ok(clean)
}

/// [`screen_for`] a child of unknown age (the strictest).
pub fn screen(field: &str, text: &str, max_chars: usize) -> Result<String, AiError> {
    screen_for(field, text, max_chars, None)
}

/// Refuse `text` if anything flags it (lexicon or instructions), without changing it.
pub fn check(field: &str, text: &str) -> Result<(), AiError> {
    match judge(text, None)? {
        Some(c) => Err(AiError::unsafe_content(field, c)),
        None => Ok(()),
    }
}

fn screen_opt(
    field: &str,
    text: Option<&str>,
    max: usize,
    age: Option<i64>,
) -> Result<Option<String>, AiError> {
    text.map(|t| screen_for(field, t, max, age))
        .transpose()
        .map(|o| o.filter(|t| !t.is_empty()))
}

/// A copy of `hero` whose free-text fields are screened for a child of the hero's age (names
/// as in API.md).
pub fn screen_hero(hero: &Hero) -> Result<Hero, AiError> {
    let age = Some(hero.age);
    let mut h = hero.clone();
    h.name = screen_for("name", &hero.name, limits::NAME, age)?;
    if h.name.is_empty() {
        return Err(AiError::rejected("name", "The hero needs a name."));
    }
    h.special_ability = screen_opt(
        "specialAbility",
        hero.special_ability.as_deref(),
        limits::ABILITY,
        age,
    )?;
    h.appearance = screen_opt(
        "appearance",
        hero.appearance.as_deref(),
        limits::APPEARANCE,
        age,
    )?;
    h.hair_color = screen_opt("hairColor", hero.hair_color.as_deref(), limits::LOOKS, age)?;
    h.eye_color = screen_opt("eyeColor", hero.eye_color.as_deref(), limits::LOOKS, age)?;
    h.skin_tone = screen_opt("skinTone", hero.skin_tone.as_deref(), limits::LOOKS, age)?;
    Ok(h)
}

/// A copy of `event` whose free-text fields are screened for the youngest child of its age
/// range.
pub fn screen_event(event: &CustomEvent) -> Result<CustomEvent, AiError> {
    let age = event_age(event.age_range);
    let mut e = event.clone();
    e.title = screen_for("title", &event.title, limits::EVENT_TITLE, age)?;
    e.description = screen_for(
        "description",
        &event.description,
        limits::EVENT_DESCRIPTION,
        age,
    )?;
    e.prompt_seed = screen_for("promptSeed", &event.prompt_seed, limits::PROMPT_SEED, age)?;
    e.keywords = event
        .keywords
        .iter()
        .take(10)
        .map(|k| screen_for("keywords", k, limits::KEYWORD, age))
        .filter(|k| !matches!(k, Ok(k) if k.is_empty()))
        .collect::<Result<_, _>>()?;
    Ok(e)
}

/// How many lexicon entries each category has (all languages together), for reports such as
/// `ai-bench`'s.
pub fn lexicon_sizes() -> Result<Vec<(ContentCategory, usize)>, AiError> {
    Ok(lexicon::get()?
        .counts
        .iter()
        .map(|(c, n)| (*c, *n))
        .collect())
}
