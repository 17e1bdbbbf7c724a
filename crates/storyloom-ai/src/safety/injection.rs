//! Instructions to the model hidden in user text, found on the normalised words.
//!
//! The rules (word lists in the lexicon's `[instructions]` section) work sentence by sentence,
//! after normalisation, so `Ig\u{200b}nore`, `іgnore` (Cyrillic) and `SYSTEM：` (fullwidth
//! colon) are the words they look like:
//! - an override verb with a target: "ignore previous instructions", "disregard the above",
//!   "vergiss alle Regeln";
//! - a reveal verb with a target or a secret: "print your system prompt";
//! - a phrase that is an instruction by itself: "new task", "jailbreak", "say … HACKED";
//! - a role name followed by a colon in any form: `system:`, `Assistant ：`, `S Y S T E M :`;
//! - a chat-template marker anywhere: `<|im_start|>`, `[INST]`, a code fence.

use std::ops::Range;

use super::lexicon::{Hit, Lexicon, Tag};
use super::normalise::Token;

/// Sentences of `toks`, as token index ranges.
pub(crate) fn sentences(toks: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.stop {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < toks.len() {
        out.push(start..toks.len());
    }
    out
}

/// Whether the sentence `range` of `toks` is an instruction to the model, given the lexicon
/// `hits` of the whole text.
pub(crate) fn is_instruction(toks: &[Token], hits: &[Hit], range: &Range<usize>) -> bool {
    let within = |tag: Tag| {
        hits.iter()
            .any(|h| h.tag == tag && range.start <= h.start && h.end <= range.end)
    };
    if within(Tag::Phrase) {
        return true;
    }
    if within(Tag::Override) && within(Tag::Target) {
        return true;
    }
    if within(Tag::Reveal) && (within(Tag::Target) || within(Tag::Secret)) {
        return true;
    }
    // A role name followed by a colon.
    hits.iter().any(|h| {
        h.tag == Tag::Role
            && range.start <= h.start
            && h.end <= range.end
            && toks.get(h.end - 1).is_some_and(|t| t.colon)
    })
}

/// `text` folded for marker search: lower case, compatibility forms (fullwidth `［ＩＮＳＴ］`),
/// no spaces or invisible characters.
fn marker_text(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !super::normalise::is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `text` holds a chat-template marker.
pub(crate) fn has_marker(lex: &Lexicon, text: &str) -> bool {
    // Every marker has one of these characters (or a compatibility form of one: fullwidth,
    // small forms), so most texts are done here without folding.
    let punctuated = text.chars().any(|c| {
        matches!(c, '<' | '>' | '|' | '[' | ']' | '`' | '{' | '}' | '#')
            || ('\u{fe50}'..='\u{fe6f}').contains(&c)
            || ('\u{ff01}'..='\u{ff5e}').contains(&c)
    });
    if !punctuated {
        return false;
    }
    let folded = marker_text(text);
    lex.markers.iter().any(|m| folded.contains(m.as_str()))
}

/// `text` without its chat-template markers (for neutralising, not for storing).
pub(crate) fn remove_markers(lex: &Lexicon, text: &str) -> String {
    // Markers are ASCII punctuation (possibly fullwidth): compare each position on the NFKC
    // form of the text, where spaces inside a marker are rare enough to ignore here; the
    // judging (`has_marker`) ignores spaces.
    use unicode_normalization::UnicodeNormalization;
    let mut s: String = text.nfkc().collect();
    loop {
        let lower = s.to_lowercase();
        if lower.len() != s.len() {
            // Lower-casing changed byte lengths: cut on the lower-cased copy instead.
            s = lower;
            continue;
        }
        let hit = lex
            .markers
            .iter()
            .filter_map(|m| lower.find(m.as_str()).map(|at| (at, m.len())))
            .min();
        match hit {
            Some((at, len)) => s.replace_range(at..at + len, " "),
            None => return s,
        }
    }
}
