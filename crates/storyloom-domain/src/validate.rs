//! Validation rules of API.md, with one message per field that a person can act on.
//!
//! Lengths count Unicode scalar values (what a person calls characters), not bytes. Text with
//! a NUL, other control characters (outside multi-line fields), bidirectional overrides or
//! Unicode non-characters is rejected: such text is either a mistake or an attempt to make a
//! name display as something it is not.

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

/// Email normalisation of API.md: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
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
    bad.then_some("must be an email address like name@example.com")
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
    fn email_shapes() {
        assert!(email_problem("a@b.co").is_none());
        for bad in ["", "ab.co", "a@b", "@b.co", "a@@b.co", "a b@c.de", "a@.co"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
