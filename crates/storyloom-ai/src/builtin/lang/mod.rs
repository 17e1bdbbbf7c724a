//! Sentence packs of the story generator, one file per language, written natively (not
//! translated word by word).
//!
//! Placeholders: `{name}`, `{age}` (an age phrase), `{trait}`/`{trait2}` (a trait as a mass noun
//! that fits the pack's "with great …"/"full of …" frames), `{topic}` (the occasion as a noun
//! phrase), `{fix}` (the solution as a verb phrase after the name), `{ability}`, and for custom
//! events `{title}`, `{seed}`, `{keywords}`.
//!
//! Writing rule for every language: never say anything that agrees with the hero's gender (no
//! pronouns for the hero, no adjectives or participles about the hero in fr/es/it, no articles
//! before the name); repeat the name or rephrase instead.

use storyloom_domain::Language;

mod de;
mod en;
mod es;
mod fr;
mod it;

/// One built-in occasion.
pub(crate) struct EventPack {
    /// A noun phrase for the title ("the sleepy star").
    pub topic: &'static str,
    /// Setting sentences; one is picked.
    pub settings: &'static [&'static str],
    /// (problem sentence, solution verb phrase after the name); one pair is picked.
    pub problems: &'static [(&'static str, &'static str)],
}

/// What custom events add.
pub(crate) struct CustomPack {
    /// `{name}`, `{title}`.
    pub settings: &'static [&'static str],
    /// `{seed}`: the event's own words.
    pub seed_lines: &'static [&'static str],
    /// `{keywords}`.
    pub keyword_lines: &'static [&'static str],
    /// Generic problems that fit any occasion; the fix may use `{title}`.
    pub problems: &'static [(&'static str, &'static str)],
    /// One closing sentence per tone: cheerful, calming, exciting, gentle, funny, heartwarming.
    pub tones: [&'static str; 6],
}

/// Everything the generator and the enhancer need in one language.
pub(crate) struct Pack {
    pub titles: &'static [&'static str],
    pub openings: &'static [&'static str],
    pub character: &'static [&'static str],
    /// In `HeroTrait::ALL` order.
    pub traits: [&'static str; 18],
    /// In `story::event_index` order.
    pub events: [EventPack; 12],
    pub details: &'static [&'static str],
    pub details_more: &'static [&'static str],
    pub feelings: &'static [&'static str],
    pub solutions: &'static [&'static str],
    pub shy_solutions: &'static [&'static str],
    pub abilities: &'static [&'static str],
    pub no_ability: &'static [&'static str],
    pub helpers: &'static [&'static str],
    pub reflections: &'static [&'static str],
    pub endings: &'static [&'static str],
    pub closings: &'static [&'static str],
    pub custom: CustomPack,
    /// Words the keyword extractor skips.
    pub stopwords: &'static [&'static str],
    /// The enhanced prompt seed: `{title}`, `{details}`, `{keywords}`, `{tone}`, `{age}`.
    pub enhanced_seed: &'static str,
    /// Tone names, same order as `CustomPack::tones`.
    pub tone_names: [&'static str; 6],
}

pub(crate) fn pack(lang: Language) -> &'static Pack {
    match lang {
        Language::En => &en::PACK,
        Language::Fr => &fr::PACK,
        Language::Es => &es::PACK,
        Language::De => &de::PACK,
        Language::It => &it::PACK,
    }
}
