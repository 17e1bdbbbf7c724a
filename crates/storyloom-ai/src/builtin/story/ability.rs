//! Is a special ability a verb phrase or a noun phrase?
//!
//! Families write the ability their own way: "talks to owls", "can fly", "parle aux hiboux",
//! "kann zaubern" (the hero is the subject: a *verb phrase*), or "super speed", "la super
//! vitesse", "Unsichtbarkeit" (a gift the hero has: a *noun phrase*). The text is never
//! changed; only the sentence frame around it is chosen, so both read naturally. Families
//! may write in another language than the story's, so every language's cues are tried.
//!
//! The rule: a verb phrase starts with a modal or a common verb in the third person present
//! (per-language lists below), or — English only — with a word ending in a plain "-s" that is
//! followed by more words ("whistles to the wind"). Anything else is a noun phrase, which is
//! also the safe side: a noun frame ("a gift: …") still reads acceptably around an unusual
//! verb phrase, whereas a verb frame around a noun ("Sam super speed") never does.

/// How the ability is framed in the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbilityFrame {
    /// The hero is the subject: "{name} talks to owls".
    VerbPhrase,
    /// A gift the hero has: "a special gift: super speed".
    NounPhrase,
}

/// Verbs and modals that start a verb-phrase ability, lower-cased, in the five languages.
const VERB_STARTS: &[&str] = &[
    // English
    "can",
    "could",
    "is",
    "has",
    "knows",
    "talks",
    "speaks",
    "runs",
    "flies",
    "sings",
    "makes",
    "turns",
    "sees",
    "hears",
    "understands",
    "becomes",
    "grows",
    "draws",
    "reads",
    "jumps",
    "swims",
    "climbs",
    "heals",
    "builds",
    "finds",
    "remembers",
    "gives",
    "lifts",
    "moves",
    "glows",
    "whistles",
    "dances",
    "paints",
    "tells",
    "counts",
    "breathes",
    "never",
    "always",
    "loves",
    "likes",
    "does",
    "will",
    "shrinks",
    "floats",
    "changes",
    "lights",
    "calms",
    "travels",
    "teleports",
    "cooks",
    "bakes",
    "fixes",
    "hums",
    "plays",
    "writes",
    "solves",
    "controls",
    "summons",
    "sparkles",
    "laughs",
    // French
    "peut",
    "sait",
    "parle",
    "vole",
    "court",
    "fait",
    "chante",
    "voit",
    "entend",
    "devient",
    "comprend",
    "connaît",
    "connait",
    "rend",
    "transforme",
    "dessine",
    "nage",
    "saute",
    "lit",
    "attrape",
    "trouve",
    "guérit",
    "grimpe",
    "est",
    "murmure",
    "danse",
    "siffle",
    "imite",
    "se",
    "répare",
    "fabrique",
    "construit",
    "allume",
    "apaise",
    "raconte",
    "invente",
    // Spanish
    "puede",
    "sabe",
    "habla",
    "vuela",
    "corre",
    "hace",
    "canta",
    "ve",
    "oye",
    "entiende",
    "convierte",
    "dibuja",
    "nada",
    "salta",
    "lee",
    "encuentra",
    "cura",
    "trepa",
    "es",
    "tiene",
    "baila",
    "silba",
    "construye",
    "arregla",
    "cuenta",
    "inventa",
    // German
    "kann",
    "spricht",
    "fliegt",
    "läuft",
    "rennt",
    "singt",
    "macht",
    "sieht",
    "hört",
    "versteht",
    "wird",
    "zaubert",
    "malt",
    "schwimmt",
    "springt",
    "liest",
    "findet",
    "heilt",
    "klettert",
    "ist",
    "hat",
    "tanzt",
    "pfeift",
    "redet",
    "baut",
    "repariert",
    "erzählt",
    "weiß",
    "darf",
    "lässt",
    "bringt",
    // Italian
    "può",
    "sa",
    "parla",
    "vola",
    "fa",
    "vede",
    "sente",
    "capisce",
    "diventa",
    "disegna",
    "nuota",
    "legge",
    "trova",
    "guarisce",
    "si",
    "è",
    "ha",
    "balla",
    "fischia",
    "costruisce",
    "aggiusta",
    "racconta",
    "inventa",
];

/// English words ending in "-s" that start noun phrases, not verbs.
const NOT_VERBS: &[&str] = &[
    "super",
    "glass",
    "princess",
    "bus",
    "gas",
    "lens",
    "chess",
    "dragons",
    "fairy",
    "animals",
    "flowers",
    "magic",
    "his",
    "its",
    "this",
    "bubbles",
    "wings",
    "stars",
    "rainbows",
    "superpowers",
    "powers",
    "eyes",
    "hands",
    "sparkly",
];

/// The frame `ability` needs.
pub fn frame(ability: &str) -> AbilityFrame {
    let words: Vec<String> = ability
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .collect();
    let Some(first) = words.first().map(String::as_str) else {
        return AbilityFrame::NounPhrase;
    };
    let second = words.get(1).map(String::as_str);
    let more = second.is_some();
    let verb = match first {
        // French "a le don de…" (has), not English "a magic hat".
        "a" => second.is_some_and(|w| {
            ["le", "la", "les", "un", "une", "des", "du"].contains(&w) || w.starts_with("l'")
        }),
        // Italian "sa volare" (can), not French "sa super vitesse" (her/his).
        "sa" => second.is_some_and(|w| w.ends_with("re")),
        w if VERB_STARTS.contains(&w) => more || w.chars().count() > 3,
        w => {
            more && w.len() > 3
                && w.ends_with('s')
                && !w.ends_with("ss")
                && !w.ends_with("us")
                && !w.ends_with("is")
                && !w.ends_with("'s")
                && !NOT_VERBS.contains(&w)
        }
    };
    if verb {
        AbilityFrame::VerbPhrase
    } else {
        AbilityFrame::NounPhrase
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_phrases_in_every_language() {
        for a in [
            "talks to owls",
            "can make flowers grow by humming",
            "whistles up the wind",
            "parle aux hiboux",
            "peut voler",
            "habla con los búhos",
            "puede volar",
            "spricht mit Eulen",
            "kann zaubern",
            "parla con i gufi",
            "può volare",
            "sa volare",
            "a le pouvoir de voler",
        ] {
            assert_eq!(frame(a), AbilityFrame::VerbPhrase, "{a}");
        }
    }

    #[test]
    fn noun_phrases_in_every_language() {
        for a in [
            "super speed",
            "invisibility",
            "the power of flight",
            "glass wings",
            "magic bubbles",
            "la super vitesse",
            "une force de géant",
            "la supervelocidad",
            "Unsichtbarkeit",
            "die Kraft der Sterne",
            "la super velocità",
            "flying",
            "a magic hat",
            "sa super vitesse",
            "a",
        ] {
            assert_eq!(frame(a), AbilityFrame::NounPhrase, "{a}");
        }
    }
}
