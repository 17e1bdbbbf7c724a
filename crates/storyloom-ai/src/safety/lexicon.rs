//! The lexicon (`data/lexicon.toml`): parsed once, indexed by first word, matched on the
//! words of [`super::normalise`].
//!
//! The file is compiled in (`include_str!`), so a server cannot start with a different list
//! than the one reviewed with the code; a test checks that it parses. Should it still fail to
//! parse, every screening fails closed ([`LexiconError`] → `AiError::Unavailable`) rather than
//! letting text through unjudged.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;
use storyloom_domain::ContentCategory;

use super::normalise::{Token, squeeze, tokens};

/// The reviewed lexicon file.
const SOURCE: &str = include_str!("../../data/lexicon.toml");

/// The five languages every section must cover.
pub(crate) const LANGUAGES: [&str; 5] = ["en", "fr", "es", "de", "it"];

/// The lexicon file is broken (a bug caught by the tests; screening fails closed).
#[derive(Debug, Clone, thiserror::Error)]
pub enum LexiconError {
    /// Not valid TOML or not the expected shape.
    #[error("the safety lexicon does not parse: {0}")]
    Parse(String),
    /// A section names a category that does not exist, or an entry is malformed.
    #[error("the safety lexicon is invalid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct File {
    categories: BTreeMap<String, Section>,
    allow: BTreeMap<String, Vec<String>>,
    instructions: InstructionsFile,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    under_age: Option<i64>,
    #[serde(flatten)]
    languages: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct InstructionsFile {
    markers: Vec<String>,
    #[serde(rename = "override")]
    override_: BTreeMap<String, Vec<String>>,
    target: BTreeMap<String, Vec<String>>,
    reveal: BTreeMap<String, Vec<String>>,
    secret: BTreeMap<String, Vec<String>>,
    phrase: BTreeMap<String, Vec<String>>,
    role: BTreeMap<String, Vec<String>>,
}

/// One word of an entry.
#[derive(Debug, Clone)]
enum Elem {
    Word {
        /// Folded (case, accents, look-alikes).
        folded: String,
        /// `folded` with repeated letters counted once.
        squeezed: String,
        /// For `=` entries: the spelling with accents, compared instead of `folded`.
        accented: Option<String>,
        /// A trailing `*`.
        prefix: bool,
    },
    /// `~`: up to [`GAP`] other words.
    Gap,
}

/// How many words a `~` stands for at most.
const GAP: usize = 3;

impl Elem {
    fn matches(&self, t: &Token) -> bool {
        let Self::Word {
            folded,
            squeezed,
            accented,
            prefix,
        } = self
        else {
            return true;
        };
        let fits = |have: &str, want: &str| {
            if *prefix {
                have.starts_with(want)
            } else {
                have == want
            }
        };
        if let Some(a) = accented {
            return fits(t.accented.as_deref().unwrap_or(t.main()), a);
        }
        t.forms.iter().any(|f| fits(f, folded))
            || t.squeezed.as_deref().is_some_and(|s| fits(s, squeezed))
    }
}

/// A compiled entry.
#[derive(Debug, Clone)]
struct Term<T> {
    elems: Vec<Elem>,
    tag: T,
}

/// Entries indexed by their first word (exact and prefix, folded and squeezed).
#[derive(Debug)]
pub(crate) struct Matcher<T> {
    terms: Vec<Term<T>>,
    exact: HashMap<String, Vec<u32>>,
    prefix: HashMap<String, Vec<u32>>,
    /// Lengths (bytes) of the prefix keys, shortest first, so a word is cut only where a key
    /// could be.
    prefix_lens: Vec<usize>,
}

/// Parse one entry into words (see the file's header for the syntax).
fn compile(entry: &str) -> Result<Vec<Elem>, LexiconError> {
    let mut elems = Vec::new();
    for piece in entry.split_whitespace() {
        if piece == "~" {
            elems.push(Elem::Gap);
            continue;
        }
        let (accent, rest) = match piece.strip_prefix('=') {
            Some(r) => (true, r),
            None => (false, piece),
        };
        let (prefix, body) = match rest.strip_suffix('*') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let words = tokens(body);
        let n = words.len();
        if n == 0 {
            return Err(LexiconError::Invalid(format!("empty word in {entry:?}")));
        }
        for (k, w) in words.into_iter().enumerate() {
            let folded = w.main().to_owned();
            elems.push(Elem::Word {
                squeezed: squeeze(&folded),
                accented: accent.then(|| w.accented.clone().unwrap_or_else(|| folded.clone())),
                folded,
                prefix: prefix && k + 1 == n,
            });
        }
    }
    if matches!(elems.first(), None | Some(Elem::Gap)) || matches!(elems.last(), Some(Elem::Gap)) {
        return Err(LexiconError::Invalid(format!(
            "{entry:?} must start and end with a word"
        )));
    }
    Ok(elems)
}

impl<T: Copy> Matcher<T> {
    fn new() -> Self {
        Self {
            terms: Vec::new(),
            exact: HashMap::new(),
            prefix: HashMap::new(),
            prefix_lens: Vec::new(),
        }
    }

    fn add(&mut self, entry: &str, tag: T) -> Result<(), LexiconError> {
        let elems = compile(entry)?;
        let id = self.terms.len() as u32;
        if let Some(Elem::Word {
            folded,
            squeezed,
            prefix,
            ..
        }) = elems.first()
        {
            let map = if *prefix {
                &mut self.prefix
            } else {
                &mut self.exact
            };
            for key in [folded, squeezed] {
                let ids = map.entry(key.clone()).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
                if *prefix && !self.prefix_lens.contains(&key.len()) {
                    self.prefix_lens.push(key.len());
                }
            }
        }
        self.prefix_lens.sort_unstable();
        self.terms.push(Term { elems, tag });
        Ok(())
    }

    fn add_all<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a String>,
        tag: T,
    ) -> Result<(), LexiconError> {
        entries.into_iter().try_for_each(|e| self.add(e, tag))
    }

    /// Ids of the entries whose first word may match `t`.
    fn candidates(&self, t: &Token, out: &mut Vec<u32>) {
        out.clear();
        let keys = t
            .forms
            .iter()
            .map(String::as_str)
            .chain(t.squeezed.as_deref());
        let keys = keys.chain(t.accented.as_deref());
        for key in keys {
            if let Some(ids) = self.exact.get(key) {
                out.extend_from_slice(ids);
            }
            for &len in &self.prefix_lens {
                if len > key.len() {
                    break;
                }
                if key.is_char_boundary(len)
                    && let Some(ids) = self.prefix.get(&key[..len])
                {
                    out.extend_from_slice(ids);
                }
            }
        }
    }

    /// Every match in `toks`: (first token, end token exclusive, tag), in order of position.
    pub(crate) fn find_all(&self, toks: &[Token], mut each: impl FnMut(usize, usize, T) -> bool) {
        let mut ids = Vec::new();
        for i in 0..toks.len() {
            self.candidates(&toks[i], &mut ids);
            for id in &ids {
                let term = &self.terms[*id as usize];
                if let Some(end) = match_at(&term.elems, toks, i)
                    && !each(i, end, term.tag)
                {
                    return;
                }
            }
        }
    }

    /// Whether anything matches in `toks`.
    pub(crate) fn any(&self, toks: &[Token]) -> bool {
        let mut found = false;
        self.find_all(toks, |_, _, _| {
            found = true;
            false
        });
        found
    }
}

/// Where a match of `elems` starting at `toks[i]` ends (exclusive), if it matches.
fn match_at(elems: &[Elem], toks: &[Token], i: usize) -> Option<usize> {
    let Some((first, rest)) = elems.split_first() else {
        return Some(i);
    };
    match first {
        Elem::Gap => (0..=GAP).find_map(|skip| match_at(rest, toks, i + skip)),
        word => {
            let t = toks.get(i)?;
            if word.matches(t) {
                match_at(rest, toks, i + 1)
            } else {
                None
            }
        }
    }
}

/// The instruction rules' word lists (see the `[instructions]` section of the file).
#[derive(Debug)]
pub(crate) struct InstructionLists {
    /// Chat-template markers, lower case, no spaces.
    pub markers: Vec<String>,
    /// "ignore", "forget", …
    pub override_verbs: Matcher<()>,
    /// "instructions", "the above", …
    pub targets: Matcher<()>,
    /// "print", "reveal", …
    pub reveal_verbs: Matcher<()>,
    /// "system prompt", "password", …
    pub secrets: Matcher<()>,
    /// Instructions on their own: "new task", …
    pub phrases: Matcher<()>,
    /// Role names that open a message to the model when a colon follows.
    pub roles: Matcher<()>,
}

/// The compiled lexicon.
#[derive(Debug)]
pub(crate) struct Lexicon {
    /// Unsafe entries with their category.
    pub deny: Matcher<ContentCategory>,
    /// Harmless phrases containing a flagged word.
    pub allow: Matcher<()>,
    /// Categories that apply only below an age: (category, age).
    pub under_age: Vec<(ContentCategory, i64)>,
    /// The injection rules' lists.
    pub instructions: InstructionLists,
    /// Entries per category (for the docs and tests).
    pub counts: BTreeMap<ContentCategory, usize>,
}

fn languages(what: &str, map: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, LexiconError> {
    for (lang, list) in map {
        if !LANGUAGES.contains(&lang.as_str()) {
            return Err(LexiconError::Invalid(format!(
                "{what}: unknown language {lang:?}"
            )));
        }
        if list.is_empty() {
            return Err(LexiconError::Invalid(format!("{what}.{lang} is empty")));
        }
    }
    if let Some(missing) = LANGUAGES.iter().find(|l| !map.contains_key(**l)) {
        return Err(LexiconError::Invalid(format!("{what} lacks {missing}")));
    }
    Ok(map.values().flatten().cloned().collect())
}

fn matcher(what: &str, map: &BTreeMap<String, Vec<String>>) -> Result<Matcher<()>, LexiconError> {
    let mut m = Matcher::new();
    m.add_all(&languages(what, map)?, ())?;
    Ok(m)
}

/// Parse and compile a lexicon file.
pub(crate) fn parse(source: &str) -> Result<Lexicon, LexiconError> {
    let file: File = toml::from_str(source).map_err(|e| LexiconError::Parse(e.to_string()))?;
    let mut deny = Matcher::new();
    let mut under_age = Vec::new();
    let mut counts = BTreeMap::new();
    for (name, section) in &file.categories {
        let category = ContentCategory::from_name(name)
            .ok_or_else(|| LexiconError::Invalid(format!("unknown category {name:?}")))?;
        let entries = languages(name, &section.languages)?;
        counts.insert(category, entries.len());
        deny.add_all(&entries, category)?;
        if let Some(age) = section.under_age {
            under_age.push((category, age));
        }
    }
    let i = &file.instructions;
    let instructions = InstructionLists {
        markers: i
            .markers
            .iter()
            .map(|m| m.to_lowercase().split_whitespace().collect())
            .collect(),
        override_verbs: matcher("instructions.override", &i.override_)?,
        targets: matcher("instructions.target", &i.target)?,
        reveal_verbs: matcher("instructions.reveal", &i.reveal)?,
        secrets: matcher("instructions.secret", &i.secret)?,
        phrases: matcher("instructions.phrase", &i.phrase)?,
        roles: matcher("instructions.role", &i.role)?,
    };
    Ok(Lexicon {
        deny,
        allow: matcher("allow", &file.allow)?,
        under_age,
        instructions,
        counts,
    })
}

static LEXICON: LazyLock<Result<Lexicon, LexiconError>> = LazyLock::new(|| parse(SOURCE));

/// The built-in lexicon, parsed at first use.
pub(crate) fn get() -> Result<&'static Lexicon, LexiconError> {
    LEXICON.as_ref().map_err(Clone::clone)
}

impl Lexicon {
    /// The first unsafe category in `toks` for a child of `age` (unknown: the strictest), not
    /// counting matches inside an allowed phrase.
    pub(crate) fn find(&self, toks: &[Token], age: Option<i64>) -> Option<ContentCategory> {
        let mut allowed: Vec<(usize, usize)> = Vec::new();
        self.allow.find_all(toks, |s, e, ()| {
            allowed.push((s, e));
            true
        });
        let applies = |c: ContentCategory| {
            self.under_age
                .iter()
                .filter(|(cat, _)| *cat == c)
                .all(|(_, limit)| age.is_none_or(|a| a < *limit))
        };
        let mut found = None;
        self.deny.find_all(toks, |s, e, category| {
            let inside = allowed.iter().any(|(a, b)| *a <= s && e <= *b);
            if inside || !applies(category) {
                return true;
            }
            found = Some(category);
            false
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_parses_and_covers_every_category_in_five_languages() {
        let lex = get().unwrap();
        for c in [
            ContentCategory::Violence,
            ContentCategory::Gore,
            ContentCategory::Sexual,
            ContentCategory::Drugs,
            ContentCategory::SelfHarm,
            ContentCategory::Hate,
            ContentCategory::Abduction,
            ContentCategory::Horror,
        ] {
            assert!(lex.counts.get(&c).copied().unwrap_or(0) >= 20, "{c:?}");
        }
        assert_eq!(lex.under_age, [(ContentCategory::Horror, 6)]);
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(matches!(parse("x = "), Err(LexiconError::Parse(_))));
        let no_it = "[categories.violence]\nen=['a']\nfr=['a']\nes=['a']\nde=['a']\n";
        assert!(parse(no_it).is_err());
        assert!(compile("~ kill").is_err());
    }

    #[test]
    fn gaps_prefixes_and_accents() {
        let lex = get().unwrap();
        let find = |t: &str| lex.find(&tokens(t), Some(8));
        assert_eq!(
            find("a trip in a stranger's van"),
            Some(ContentCategory::Abduction)
        );
        assert_eq!(find("the murderers"), Some(ContentCategory::Violence));
        assert_eq!(find("il a été tué"), Some(ContentCategory::Violence));
        assert_eq!(find("le tue scarpe"), None);
        assert_eq!(find("fromage râpé"), None);
        assert_eq!(find("an assassin bug on a leaf"), None);
        assert_eq!(find("a haunted castle"), None);
        assert_eq!(
            lex.find(&tokens("a haunted castle"), Some(4)),
            Some(ContentCategory::Horror)
        );
        assert_eq!(
            lex.find(&tokens("a haunted castle"), None),
            Some(ContentCategory::Horror)
        );
    }
}
