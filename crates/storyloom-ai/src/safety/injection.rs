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

use super::lexicon::{InstructionLists, Matcher};
use super::normalise::Token;

/// Sentences of `toks`, as token index ranges.
pub(crate) fn sentences(toks: &[Token]) -> Vec<std::ops::Range<usize>> {
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

fn has(m: &Matcher<()>, toks: &[Token]) -> bool {
    m.any(toks)
}

/// Whether one sentence is an instruction to the model.
pub(crate) fn is_instruction(lists: &InstructionLists, sentence: &[Token]) -> bool {
    if has(&lists.phrases, sentence) {
        return true;
    }
    if has(&lists.override_verbs, sentence) && has(&lists.targets, sentence) {
        return true;
    }
    if has(&lists.reveal_verbs, sentence)
        && (has(&lists.targets, sentence) || has(&lists.secrets, sentence))
    {
        return true;
    }
    role_marker(lists, sentence)
}

/// A role name followed by a colon.
fn role_marker(lists: &InstructionLists, sentence: &[Token]) -> bool {
    let mut found = false;
    lists.roles.find_all(sentence, |_, end, ()| {
        found = sentence.get(end - 1).is_some_and(|t| t.colon);
        !found
    });
    found
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
pub(crate) fn has_marker(lists: &InstructionLists, text: &str) -> bool {
    let folded = marker_text(text);
    lists.markers.iter().any(|m| folded.contains(m.as_str()))
}

/// `text` without its chat-template markers (for neutralising, not for storing).
pub(crate) fn remove_markers(lists: &InstructionLists, text: &str) -> String {
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
        let hit = lists
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
