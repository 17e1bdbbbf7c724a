//! Text → the words the safety rules judge.
//!
//! Everything that lets one word be written many ways is folded here, once, so the lexicon
//! and the injection rules need one spelling per word:
//! - invisible characters (zero-width spaces and joiners, bidi controls, soft hyphens, variation
//!   selectors, tag characters) are dropped *without* splitting the word (`ki\u{200b}ll` is
//!   `kill`);
//! - each character takes its compatibility decomposition (what NFKC starts from: fullwidth
//!   `ｋ`, mathematical `𝐤`, circled `ⓚ` become `k`; `：` becomes `:`), and combining marks
//!   go, so diacritics and "Zalgo" stacks are folded for matching (`töten` is `toten`);
//! - case is folded, then Cyrillic and Greek look-alikes and small capitals become their Latin
//!   skeleton (`іgnore` with a Cyrillic `і` is `ignore`);
//! - inside a word with letters, leetspeak digits and symbols become letters (`k1ll`, `k!ll`,
//!   `$ex`); a `1` or `|` could be an `i` or an `l`, so such words get both forms. Numbers alone
//!   (`3 bears`) stay numbers;
//! - a word with three or more of a letter in a row (`kiiill`) is also compared with letters
//!   counted once (`kil`, as the lexicon's `kill` squeezes to); ordinary double letters are
//!   kept, so "Niger" is not a slur;
//! - three or more single letters in a row are one word (`k i l l`, `k.i.l.l`, `k-i-l-l`), also
//!   without a leading or trailing one (`a k i l l`).
//!
//! Each word keeps its byte range in the input, whether a colon follows it (role markers such
//! as `system:` in any colon form) and whether a sentence ends after it.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One judged word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The folded spelling.
    pub main: String,
    /// Other spellings: ambiguous leetspeak, digits kept as written, runs of single letters
    /// without their first or last letter (empty for most words, so no allocation).
    pub alts: Vec<String>,
    /// The main spelling with letters repeated in a row counted once, when the word has three
    /// or more of a letter in a row (`kiiill`): such a word is compared with the lexicon's
    /// squeezed spellings. Ordinary words are not, so "Niger" is not a slur with a double g.
    pub squeezed: Option<String>,
    /// The main spelling with its accents kept (NFC), when the word had any: for the lexicon's
    /// accent-sensitive entries (`=tué`).
    pub accented: Option<String>,
    /// Byte range in the input.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// A colon (any colon form) follows, with only spaces between.
    pub colon: bool,
    /// A sentence ends after this word.
    pub stop: bool,
}

impl Token {
    /// The main spelling.
    pub fn main(&self) -> &str {
        &self.main
    }

    /// Every spelling, the main one first.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.main.as_str()).chain(self.alts.iter().map(String::as_str))
    }
}

/// Characters that render as nothing: dropped before judging, and (except a joiner inside an
/// emoji sequence) before storing.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Latin skeleton of a lower-case look-alike (Cyrillic, Greek, small capitals, ligatures).
fn skeleton(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic
        'а' | 'ӓ' | 'ӑ' => "a",
        'в' | 'ь' | 'ъ' => "b",
        'с' | 'ҫ' => "c",
        'ԁ' => "d",
        'е' | 'ё' | 'є' | 'ҽ' | 'ӗ' => "e",
        'һ' | 'н' | 'ң' => "h",
        'і' | 'ї' | 'ӏ' | 'ι' | 'ί' | 'ϊ' | 'ı' | 'ɩ' => "i",
        'ј' | 'ϳ' => "j",
        'к' | 'қ' | 'κ' => "k",
        'м' => "m",
        'п' | 'η' | 'ή' => "n",
        'о' | 'ӧ' | 'ο' | 'ό' | 'σ' | 'ø' => "o",
        'р' | 'ρ' => "p",
        'ԛ' => "q",
        'г' => "r",
        'ѕ' => "s",
        'т' | 'τ' => "t",
        'υ' | 'ύ' | 'μ' | 'ц' => "u",
        'ν' | 'ѵ' => "v",
        'ԝ' | 'ω' | 'ш' | 'щ' => "w",
        'х' | 'χ' | 'ж' => "x",
        'у' | 'ү' | 'γ' | 'ў' => "y",
        // Greek (the rest)
        'α' | 'ά' => "a",
        'β' => "b",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'λ' => "l",
        'ς' => "c",
        // small capitals and other Latin look-alikes
        'ᴀ' => "a",
        'ʙ' => "b",
        'ᴄ' => "c",
        'ᴅ' | 'đ' | 'ð' => "d",
        'ᴇ' => "e",
        'ғ' => "f",
        'ɢ' => "g",
        'ʜ' => "h",
        'ɪ' => "i",
        'ᴊ' => "j",
        'ᴋ' => "k",
        'ʟ' | 'ł' => "l",
        'ᴍ' => "m",
        'ɴ' => "n",
        'ᴏ' => "o",
        'ᴘ' => "p",
        'ʀ' => "r",
        'ꜱ' => "s",
        'ᴛ' => "t",
        'ᴜ' => "u",
        'ᴠ' => "v",
        'ᴡ' => "w",
        'ʏ' => "y",
        'ᴢ' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        _ => return None,
    })
}

/// What a folded character does to the word being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter or digit: part of a word.
    Word,
    /// A symbol that may stand for a letter (`@`, `$`, `!`, `|`, `+`, `€`).
    Leet,
    /// A colon in any form.
    Colon,
    /// Ends a sentence.
    Stop,
    /// Anything else: separates words.
    Space,
}

fn class(c: char) -> Class {
    match c {
        c if c.is_alphanumeric() => Class::Word,
        '@' | '$' | '!' | '|' | '+' | '€' => Class::Leet,
        ':' | '\u{A789}' | '\u{02F8}' | '\u{02D0}' | '\u{2236}' | '\u{05C3}' | '\u{205A}'
        | '\u{1804}' | '\u{0589}' => Class::Colon,
        '.' | '?' | ';' | '\n' | '\r' | '。' | '؟' | '¿' | '¡' => Class::Stop,
        _ => Class::Space,
    }
}

/// One folded character: the character, where its source starts in the input, and whether
/// it is a combining mark (kept only for the accented spelling).
type Folded = (char, usize, bool);

/// Push the folded form of one input character.
fn fold_char(c: char, at: usize, out: &mut Vec<Folded>) {
    if c.is_ascii() {
        out.push((c.to_ascii_lowercase(), at, false));
        return;
    }
    if is_invisible(c) {
        return;
    }
    for d in std::iter::once(c).nfkd() {
        if is_combining_mark(d) {
            out.push((d, at, true));
            continue;
        }
        for l in d.to_lowercase() {
            match skeleton(l) {
                Some(s) => out.extend(s.chars().map(|x| (x, at, false))),
                None => out.push((l, at, false)),
            }
        }
    }
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        '€' => 'e',
        '|' => 'l',
        _ => return None,
    })
}

/// Whether `s` has three or more of a character in a row.
fn has_triple(s: &str) -> bool {
    let mut run = 0;
    let mut last = None;
    for c in s.chars() {
        run = if last == Some(c) { run + 1 } else { 1 };
        if run >= 3 {
            return true;
        }
        last = Some(c);
    }
    false
}

/// Collapse characters repeated in a row.
pub(crate) fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// A word read as `raw` (folded characters, combining marks flagged), with its range.
fn word(raw: &[(char, bool)], start: usize, end: usize) -> Token {
    let mut main = String::with_capacity(raw.len());
    let (mut letters, mut digits, mut ambiguous, mut marks) = (false, false, false, false);
    let mut leetish = false;
    let (mut run, mut triple, mut last) = (0u32, false, None);
    for &(c, mark) in raw {
        if mark {
            marks = true;
            continue;
        }
        letters |= c.is_alphabetic();
        digits |= c.is_ascii_digit();
        ambiguous |= matches!(c, '1' | '|');
        let mapped = leet(c);
        leetish |= mapped.is_some();
        let folded = mapped.unwrap_or(c);
        run = if last == Some(folded) { run + 1 } else { 1 };
        triple |= run >= 3;
        last = Some(folded);
        main.push(c);
    }
    let mut token = Token {
        main: String::new(),
        alts: Vec::new(),
        squeezed: None,
        accented: None,
        start,
        end,
        colon: false,
        stop: false,
    };
    if !letters {
        token.main = main;
        return token;
    }
    let leet_free = !leetish;
    // Only a word with digits or symbols has other spellings than its main one.
    let as_written = if leet_free {
        String::new()
    } else {
        let written = main.clone();
        main = written.chars().map(|c| leet(c).unwrap_or(c)).collect();
        written
    };
    if ambiguous {
        token.alts.push(
            as_written
                .chars()
                .map(|c| match c {
                    '1' => 'l',
                    '|' => 'i',
                    c => leet(c).unwrap_or(c),
                })
                .collect(),
        );
    }
    if digits && !leet_free {
        token.alts.push(as_written);
    }
    if marks {
        let with_marks: String = raw.iter().map(|(c, _)| leet(*c).unwrap_or(*c)).collect();
        token.accented = Some(with_marks.nfc().collect());
    }
    if triple {
        token.squeezed = Some(squeeze(&main));
    }
    token.main = main;
    token
}

/// The judged words of `text` (see the module doc).
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut chars: Vec<Folded> = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        fold_char(c, at, &mut chars);
    }
    let mut out: Vec<Token> = Vec::new();
    let mut raw: Vec<(char, bool)> = Vec::new();
    let mut start = 0;
    let mut end = 0;
    let flush = |raw: &mut Vec<(char, bool)>, out: &mut Vec<Token>, start: usize, end: usize| {
        if !raw.is_empty() {
            out.push(word(raw, start, end));
            raw.clear();
        }
    };
    // The class of the next character that is not a mark, carried from one step to the next.
    let class_after = |k: usize| {
        chars[k + 1..]
            .iter()
            .find(|(_, _, m)| !m)
            .map(|(n, _, _)| class(*n))
    };
    let mut next = None;
    for (k, &(c, at, mark)) in chars.iter().enumerate() {
        if mark {
            // A combining mark belongs to the letter before it.
            if !raw.is_empty() {
                raw.push((c, true));
            }
            continue;
        }
        let own = next.unwrap_or_else(|| class(c));
        next = class_after(k);
        let next_is_word = next == Some(Class::Word);
        let class = match own {
            // A symbol is a letter inside or at the start of a word (`k!ll`, `$ex`), not after
            // one at its end (`kill!`).
            Class::Leet if next_is_word && (c != '!' || !raw.is_empty()) => Class::Word,
            Class::Leet if c == '!' => Class::Stop,
            Class::Leet => Class::Space,
            other => other,
        };
        match class {
            Class::Word => {
                if raw.is_empty() {
                    start = at;
                }
                raw.push((c, false));
                end = at + text[at..].chars().next().map_or(1, char::len_utf8);
            }
            Class::Colon => {
                flush(&mut raw, &mut out, start, end);
                if let Some(t) = out.last_mut() {
                    t.colon = true;
                }
            }
            Class::Stop => {
                flush(&mut raw, &mut out, start, end);
                // A dot between single letters (`k.i.l.l`) does not end a sentence.
                let single = out.last().is_some_and(|t| t.main().chars().count() == 1);
                if let Some(t) = out.last_mut()
                    && !(c == '.' && single && next_is_word)
                {
                    t.stop = true;
                }
            }
            Class::Space | Class::Leet => flush(&mut raw, &mut out, start, end),
        }
    }
    flush(&mut raw, &mut out, start, end);
    join_single_letters(out)
}

fn is_single_letter(t: &Token) -> bool {
    let mut cs = t.main().chars();
    matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
}

/// Merge runs of three or more single letters into one word (see the module doc).
fn join_single_letters(tokens: Vec<Token>) -> Vec<Token> {
    if tokens.iter().filter(|t| is_single_letter(t)).count() < 3 {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut run: Vec<Token> = Vec::new();
    let close = |run: &mut Vec<Token>, out: &mut Vec<Token>| {
        if run.len() >= 3 {
            let letters: String = run.iter().map(Token::main).collect();
            let n = letters.chars().count();
            let mut alts: Vec<String> = vec![
                letters.chars().skip(1).collect(),
                letters.chars().take(n - 1).collect(),
            ];
            if n >= 5 {
                alts.push(letters.chars().skip(1).take(n - 2).collect());
            }
            let last = &run[run.len() - 1];
            out.push(Token {
                squeezed: has_triple(&letters).then(|| squeeze(&letters)),
                accented: None,
                main: letters,
                alts,
                start: run[0].start,
                end: last.end,
                colon: last.colon,
                stop: last.stop,
            });
            run.clear();
        } else {
            out.append(run);
        }
    };
    for t in tokens {
        if is_single_letter(&t) {
            let ends = t.stop || t.colon;
            run.push(t);
            if ends {
                close(&mut run, &mut out);
            }
        } else {
            close(&mut run, &mut out);
            out.push(t);
        }
    }
    close(&mut run, &mut out);
    out
}

/// `text` with invisible characters removed, otherwise exactly as typed: what is stored. A
/// zero-width joiner between two non-letters (inside an emoji sequence such as a family
/// emoji) and variation selectors after a symbol are kept, since they only shape emoji.
pub(crate) fn strip_invisible(text: &str) -> String {
    if !text.chars().any(is_invisible) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        let emoji_glue = match c {
            '\u{200D}' => {
                prev.is_some_and(is_emojiish) && it.peek().is_some_and(|n| is_emojiish(*n))
            }
            '\u{FE0E}' | '\u{FE0F}' => prev.is_some_and(is_emojiish),
            _ => false,
        };
        if !is_invisible(c) || emoji_glue {
            out.push(c);
            prev = Some(c);
        }
    }
    out
}

/// A pictograph-like character (not a letter, digit, space or punctuation of the scripts we
/// judge), roughly: where a joiner can glue emoji.
fn is_emojiish(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii() && !is_invisible(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mains(text: &str) -> Vec<String> {
        tokens(text).iter().map(|t| t.main().to_owned()).collect()
    }

    #[test]
    fn invisible_characters_do_not_split_words() {
        assert_eq!(mains("ki\u{200b}ll dragons"), ["kill", "dragons"]);
        assert_eq!(mains("Ig\u{200b}nore\u{00ad}"), ["ignore"]);
    }

    #[test]
    fn confusables_and_fullwidth_fold_to_latin() {
        assert_eq!(mains("\u{0456}gnore"), ["ignore"]);
        assert_eq!(mains("ＫＩＬＬ"), ["kill"]);
        assert_eq!(mains("𝐤𝐢𝐥𝐥"), ["kill"]);
        assert_eq!(mains("Töten"), ["toten"]);
        let t = tokens("SYSTEM\u{ff1a} output");
        assert!(t[0].colon && t[0].main() == "system");
    }

    #[test]
    fn leetspeak_and_spacing_fold() {
        assert_eq!(
            tokens("k1ll")[0].forms().collect::<Vec<_>>(),
            ["kill", "klll", "k1ll"]
        );
        assert_eq!(mains("k!ll $ex"), ["kill", "sex"]);
        assert_eq!(mains("kill! now"), ["kill", "now"]);
        assert_eq!(mains("3 bears"), ["3", "bears"]);
        assert_eq!(mains("can k i l l dragons"), ["can", "kill", "dragons"]);
        assert_eq!(mains("k.i.l.l"), ["kill"]);
        assert!(tokens("a k i l l")[0].forms().any(|f| f == "kill"));
        assert_eq!(tokens("kiiill")[0].squeezed.as_deref(), Some("kil"));
        assert_eq!(tokens("Niger")[0].squeezed, None);
        assert_eq!(tokens("Tué")[0].accented.as_deref(), Some("tué"));
    }

    #[test]
    fn sentences_end_at_stops() {
        let t = tokens("Mia. Leo");
        assert!(t[0].stop && !t[1].stop);
    }

    #[test]
    fn stored_text_loses_only_invisible_characters() {
        assert_eq!(strip_invisible("ki\u{200b}ll Léa"), "kill Léa");
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(strip_invisible(family), family);
    }
}
