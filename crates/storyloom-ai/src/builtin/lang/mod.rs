//! Words shared by the storyteller and the event enhancer, one file per language: trait
//! names, stop words, the enhanced prompt seed and tone names. The storyteller's sentences
//! live in `story/`.

use storyloom_domain::Language;

mod de;
mod en;
mod es;
mod fr;
mod it;

/// Everything the generator and the enhancer need in one language.
pub(crate) struct Pack {
    /// In `HeroTrait::ALL` order.
    pub traits: [&'static str; 18],
    /// Words the keyword extractor skips.
    pub stopwords: &'static [&'static str],
    /// The enhanced prompt seed: `{title}`, `{details}`, `{keywords}`, `{tone}`, `{age}`.
    pub enhanced_seed: &'static str,
    /// Tone names: cheerful, calming, exciting, gentle, funny, heartwarming.
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
