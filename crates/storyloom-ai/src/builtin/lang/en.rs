//! English.

use super::Pack;

pub(super) const PACK: Pack = Pack {
    traits: [
        "courage",
        "curiosity",
        "kindness",
        "humour",
        "cleverness",
        "creativity",
        "love of adventure",
        "gentleness",
        "helpfulness",
        "care",
        "patience",
        "energy",
        "shyness",
        "imagination",
        "determination",
        "honesty",
        "playfulness",
        "calm",
    ],
    stopwords: &[
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
        "from", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these",
        "those", "his", "her", "their", "our", "my", "your", "he", "she", "they", "we", "you", "i",
        "me", "him", "them", "us", "as", "so", "very", "about", "into", "will", "would", "can",
        "has", "have", "had", "not", "no", "day", "first", "new", "story", "some", "when", "what",
        "who", "how", "where", "there", "then", "than", "also", "just", "all",
    ],
    enhanced_seed: "A bedtime story about {title}. {details} Weave in: {keywords}. The mood is {tone}; keep it simple and reassuring for a child of {age}, with a small problem the hero solves and a calm ending.",
    tone_names: [
        "cheerful",
        "calming",
        "exciting",
        "gentle",
        "funny",
        "heartwarming",
    ],
};
