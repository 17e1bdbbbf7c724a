//! The vocabulary of child-safety refusals: which family of unsafe content a text belongs to.
//!
//! The server names the category (never the word that matched) in a `403 CONTENT_REJECTED`
//! envelope's `details`, so the app can tell the parent *why* without echoing the text back.

use serde::{Deserialize, Serialize};

/// A family of content Storyloom keeps out of children's stories (API.md, "Child safety").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ContentCategory {
    /// Killing, fighting to hurt, weapons.
    Violence,
    /// Blood, wounds, corpses.
    Gore,
    /// Sexual content and sexual insults.
    Sexual,
    /// Drugs, alcohol, smoking.
    Drugs,
    /// Suicide and self-harm.
    SelfHarm,
    /// Slurs and hatred of groups.
    Hate,
    /// Luring a child away: strangers with sweets, vans, secrets from parents.
    Abduction,
    /// Horror (zombies, demons, haunting) in a story for a child under 6.
    Horror,
    /// Text that tries to instruct the AI instead of describing the story.
    Instructions,
    /// Refused by the AI provider's own moderation, without a finer category.
    Other,
}

impl ContentCategory {
    /// Every category, in the order of API.md.
    pub const ALL: [Self; 10] = [
        Self::Violence,
        Self::Gore,
        Self::Sexual,
        Self::Drugs,
        Self::SelfHarm,
        Self::Hate,
        Self::Abduction,
        Self::Horror,
        Self::Instructions,
        Self::Other,
    ];

    /// The wire name (`selfHarm`, …), also the section name in the lexicon file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Violence => "violence",
            Self::Gore => "gore",
            Self::Sexual => "sexual",
            Self::Drugs => "drugs",
            Self::SelfHarm => "selfHarm",
            Self::Hate => "hate",
            Self::Abduction => "abduction",
            Self::Horror => "horror",
            Self::Instructions => "instructions",
            Self::Other => "other",
        }
    }

    /// The category of a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What the text was refused for, in a parent's words (English; the app may translate by
    /// category).
    pub fn explain(self) -> &'static str {
        match self {
            Self::Violence => "mentions violence or weapons",
            Self::Gore => "describes blood or injuries",
            Self::Sexual => "mentions sexual content",
            Self::Drugs => "mentions drugs or alcohol",
            Self::SelfHarm => "mentions self-harm",
            Self::Hate => "contains hateful words",
            Self::Abduction => "describes going away with a stranger",
            Self::Horror => "is too frightening for a child under 6",
            Self::Instructions => "contains instructions meant for the AI",
            Self::Other => "was judged unsuitable for children",
        }
    }
}

/// `details` of a `403 CONTENT_REJECTED` error: the field at fault and why, never the word.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContentRejection {
    /// The input field in the API's camelCase (`specialAbility`, `promptSeed`, `content`, …).
    pub field: String,
    /// The family of content that was refused.
    pub category: ContentCategory,
}
