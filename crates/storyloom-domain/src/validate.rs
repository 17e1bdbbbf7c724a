//! Validation rules of API.md, with one message per field that a person can act on.
//!
//! Lengths count Unicode scalar values (what a person calls characters), not bytes. Text with
//! a NUL, other control characters (outside multi-line fields), bidirectional overrides or
//! Unicode non-characters is rejected: such text is either a mistake or an attempt to make a
//! name display as something it is not. For the same reason text whose only characters are
//! invisible ones (zero-width spaces and joiners, direction marks, fillers, variation
//! selectors, tags: see [`is_invisible`]), with or without spaces, is refused as blank: it
//! would show as an empty name in the app.

use std::collections::BTreeMap;

/// Field name (or `list[index]`) → message.
pub type FieldErrors = BTreeMap<String, String>;

/// A request body that can check itself against the contract.
pub trait Validate {
    /// Every problem found, keyed by field; `Ok` when there is none.
    fn validate(&self) -> Result<(), FieldErrors>;
}

/// Collects field errors while checking a body.
#[derive(Debug, Default)]
pub struct Checker {
    errors: FieldErrors,
}

/// Whether line breaks and tabs are allowed in a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Names, titles, colours: one line.
    Single,
    /// Story content, descriptions: paragraphs allowed.
    Multi,
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record an error for `field` (the first one per field wins).
    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors
            .entry(field.into())
            .or_insert_with(|| message.into());
    }

    /// Check a text field's length (in characters, after trimming) and characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize, lines: Lines) {
        if let Some(msg) = text_problem(value, min, max, lines) {
            self.error(field, msg);
        }
    }

    /// Check an optional text field: absent is fine, present must pass `text`.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize, lines: Lines) {
        if let Some(v) = value {
            self.text(field, v, 0, max, lines);
        }
    }

    /// Check an integer range.
    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.error(field, format!("must be between {min} and {max}"));
        }
    }

    /// Finish: `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// What is wrong with a piece of text, if anything.
pub fn text_problem(value: &str, min: usize, max: usize, lines: Lines) -> Option<String> {
    if let Some(c) = value.chars().find(|c| odd_char(*c, lines)) {
        return Some(if c == '\0' {
            "must not contain a NUL character".to_owned()
        } else if c.is_control() {
            format!("must not contain the control character U+{:04X}", c as u32)
        } else {
            format!(
                "must not contain the invisible or reserved character U+{:04X}",
                c as u32
            )
        });
    }
    let len = value.trim().chars().count();
    if len < min {
        return Some(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if value.chars().any(is_invisible)
        && value.chars().all(|c| c.is_whitespace() || is_invisible(c))
    {
        return Some(
            "must contain a visible character; this holds only spaces and invisible characters"
                .to_owned(),
        );
    }
    if value.chars().count() > max {
        return Some(format!("must be at most {max} characters"));
    }
    None
}

fn odd_char(c: char, lines: Lines) -> bool {
    match c {
        '\n' | '\r' | '\t' => lines == Lines::Single,
        c if c.is_control() => true,
        // Bidirectional embeddings, overrides and isolates: they make text display in an
        // order other than the one it is stored in.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        // Non-characters are reserved for internal use and never valid in interchange.
        '\u{FDD0}'..='\u{FDEF}' => true,
        c if (c as u32) & 0xFFFE == 0xFFFE => true,
        _ => false,
    }
}

/// Whether `c` shows as nothing: Unicode format characters (zero-width space, non-joiner and
/// joiner, direction marks, word joiner and invisible operators, the byte order mark,
/// interlinear annotation marks, tags, soft hyphen), Hangul and Braille fillers, and
/// variation selectors. They are fine inside visible text (an emoji sequence needs its
/// joiners) but never the whole of it.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}' | '\u{0891}' | '\u{08E2}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Email normalisation of API.md: NFKC, trimmed and lower-cased, so that look-alike spellings
/// of one address (fullwidth `ＡＤＭＩＮ@…`, a ligature, a stray capital) name one account.
pub fn normalize_email(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    email.trim().nfkc().collect::<String>().to_lowercase()
}

/// The writing system of a letter, for the mixed-script rule; `None` for digits, punctuation
/// and symbols, which every script shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Other,
}

fn script(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x41..=0x5A
        | 0x61..=0x7A
        | 0xAA
        | 0xBA
        | 0xC0..=0x24F
        | 0x1E00..=0x1EFF
        | 0x2C60..=0x2C7F
        | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F
        | 0xFB00..=0xFB06 => Script::Latin,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x530..=0x58F | 0xFB13..=0xFB17 => Script::Armenian,
        _ => Script::Other,
    })
}

/// Whether a part of an address mixes Latin, Greek, Cyrillic or Armenian letters (each the
/// source of look-alikes for the others): `аdmin` with a Cyrillic `а` is not `admin`, but
/// shows as it. Letters of other scripts are not compared (an address wholly in one of them
/// is fine).
fn mixes_scripts(part: &str) -> bool {
    let mut seen = None;
    for s in part.chars().filter_map(script) {
        if s == Script::Other {
            continue;
        }
        match seen {
            None => seen = Some(s),
            Some(first) if first != s => return true,
            Some(_) => {}
        }
    }
    false
}

/// A light shape check for an (already normalised) email: one `@`, a non-empty local part, a
/// domain with a dot, no spaces. Deliverability is not ours to judge.
pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        return Some("must not be empty");
    }
    if email.chars().count() > 254 {
        return Some("must be at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("must be an email address like name@example.com");
    };
    let bad = local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || email.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad {
        return Some("must be an email address like name@example.com");
    }
    if mixes_scripts(local) || domain.split('.').any(mixes_scripts) {
        return Some(
            "must not mix letters of different alphabets (such as Latin with Cyrillic or Greek) in one part",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(text_problem("éééé", 1, 4, Lines::Single), None);
        assert!(text_problem("ééééé", 1, 4, Lines::Single).is_some());
    }

    #[test]
    fn rejects_odd_unicode() {
        for s in ["a\0b", "a\u{202E}b", "a\u{7}b", "a\u{FFFF}", "a\nb"] {
            assert!(text_problem(s, 1, 50, Lines::Single).is_some(), "{s:?}");
        }
        assert_eq!(text_problem("a\nb", 1, 50, Lines::Multi), None);
        assert!(text_problem("a\0b", 1, 50, Lines::Multi).is_some());
    }

    #[test]
    fn blank_is_empty() {
        assert_eq!(
            text_problem("   ", 1, 5, Lines::Single).as_deref(),
            Some("must not be empty")
        );
    }

    #[test]
    fn invisible_only_is_blank() {
        for s in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            " \u{2060} ",
            "\u{FEFF}",
            "\u{3164}",
            "\u{E0041}",
        ] {
            assert!(text_problem(s, 1, 50, Lines::Single).is_some(), "{s:?}");
            assert!(text_problem(s, 0, 50, Lines::Single).is_some(), "{s:?}");
        }
        // Joiners inside visible text are part of it (an emoji family, a Persian word).
        assert_eq!(text_problem("👩\u{200D}👧", 1, 50, Lines::Single), None);
        assert_eq!(text_problem("Lé\u{200B}a", 1, 50, Lines::Single), None);
        // Spaces alone in an optional field stay as they were.
        assert_eq!(text_problem("  ", 0, 50, Lines::Single), None);
    }

    #[test]
    fn emails_normalise_and_refuse_mixed_scripts() {
        assert_eq!(
            normalize_email(" ＡＤＭＩＮ@Example.com "),
            "admin@example.com"
        );
        assert_eq!(normalize_email("ﬁona@example.com"), "fiona@example.com");
        for ok in [
            "léa@example.com",
            "иван@пример.рф",
            "ελένη@example.gr",
            "a.b+1@x.co",
        ] {
            assert!(email_problem(&normalize_email(ok)).is_none(), "{ok}");
        }
        // Cyrillic а (U+0430), Greek ο (U+03BF) among Latin letters.
        for bad in [
            "\u{430}dmin@example.com",
            "j\u{3BF}hn@example.com",
            "admin@ex\u{430}mple.com",
        ] {
            assert!(email_problem(&normalize_email(bad)).is_some(), "{bad}");
        }
    }

    #[test]
    fn email_shapes() {
        assert!(email_problem("a@b.co").is_none());
        for bad in ["", "ab.co", "a@b", "@b.co", "a@@b.co", "a b@c.de", "a@.co"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
