//! The lexicon (`data/lexicon.toml`): parsed once, indexed by first word, matched on the
//! words of [`super::normalise`].
//!
//! The file is compiled in (`include_str!`), so a server cannot start with a different list
//! than the one reviewed with the code; a test checks that it parses. Should it still fail to
//! parse, every screening fails closed ([`LexiconError`] → `AiError::Unavailable`) rather than
//! letting text through unjudged.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
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
        t.forms().any(|f| fits(f, folded))
            || t.squeezed.as_deref().is_some_and(|s| fits(s, squeezed))
    }
}

/// FNV-1a: the index keys are short words, where SipHash's setup dominates; the lexicon is
/// our own data, so hash flooding is not a concern.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Index = HashMap<String, Vec<u32>, BuildHasherDefault<Fnv>>;

/// Prefix entries by the bytes of their first word: a word finds every entry it starts with
/// in one walk down, with no hashing per possible length.
#[derive(Debug, Default)]
struct Trie {
    /// Node 0 is the root.
    nodes: Vec<TrieNode>,
}

/// A node's children by byte, and the entries whose key ends there.
type TrieNode = (Vec<(u8, u32)>, Vec<u32>);

impl Trie {
    fn insert(&mut self, key: &str, id: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(Default::default());
        }
        let mut at = 0usize;
        for b in key.bytes() {
            let next = self.nodes[at]
                .0
                .iter()
                .find(|(c, _)| *c == b)
                .map(|(_, n)| *n);
            at = match next {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Default::default());
                    self.nodes[at].0.push((b, n as u32));
                    n
                }
            };
        }
        if !self.nodes[at].1.contains(&id) {
            self.nodes[at].1.push(id);
        }
    }

    /// Push the ids of every key that `word` starts with.
    fn prefixes_of(&self, word: &str, out: &mut Vec<u32>) {
        let Some(mut node) = self.nodes.first() else {
            return;
        };
        for b in word.bytes() {
            match node.0.iter().find(|(c, _)| *c == b) {
                Some((_, n)) => node = &self.nodes[*n as usize],
                None => return,
            }
            out.extend_from_slice(&node.1);
        }
    }
}

/// What an entry is for: a category to refuse, a harmless phrase, or a word of the
/// instruction rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// Unsafe, of this category.
    Deny(ContentCategory),
    /// A harmless phrase containing a flagged word.
    Allow,
    /// "ignore", "forget", …
    Override,
    /// "instructions", "the above", …
    Target,
    /// "print", "reveal", …
    Reveal,
    /// "system prompt", "password", …
    Secret,
    /// An instruction by itself: "new task", …
    Phrase,
    /// A role name (an instruction when a colon follows).
    Role,
}

/// One match: tokens `start..end`, and what the entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// The entry's tag.
    pub tag: Tag,
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
    exact: Index,
    prefix: Trie,
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
            exact: Index::default(),
            prefix: Trie::default(),
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
            for key in [folded, squeezed] {
                if *prefix {
                    self.prefix.insert(key, id);
                } else {
                    let ids = self.exact.entry(key.clone()).or_default();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
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
        let keys = t.forms().chain(t.squeezed.as_deref());
        for key in keys {
            if let Some(ids) = self.exact.get(key) {
                out.extend_from_slice(ids);
            }
            self.prefix.prefixes_of(key, out);
        }
    }

    /// Every match in `toks`: (first token, end token exclusive, tag), in order of position.
    pub(crate) fn find_all(&self, toks: &[Token], mut each: impl FnMut(usize, usize, T)) {
        let mut ids = Vec::new();
        for i in 0..toks.len() {
            self.candidates(&toks[i], &mut ids);
            ids.sort_unstable();
            ids.dedup();
            for id in &ids {
                let term = &self.terms[*id as usize];
                if let Some(end) = match_at(&term.elems, toks, i) {
                    each(i, end, term.tag);
                }
            }
        }
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

/// The compiled lexicon: every list in one index, so a text is scanned once.
#[derive(Debug)]
pub(crate) struct Lexicon {
    /// All entries, tagged.
    pub matcher: Matcher<Tag>,
    /// Chat-template markers, lower case, no spaces.
    pub markers: Vec<String>,
    /// Categories that apply only below an age: (category, age).
    pub under_age: Vec<(ContentCategory, i64)>,
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

/// Parse and compile a lexicon file.
pub(crate) fn parse(source: &str) -> Result<Lexicon, LexiconError> {
    let file: File = toml::from_str(source).map_err(|e| LexiconError::Parse(e.to_string()))?;
    let mut matcher = Matcher::new();
    let mut under_age = Vec::new();
    let mut counts = BTreeMap::new();
    for (name, section) in &file.categories {
        let category = ContentCategory::from_name(name)
            .ok_or_else(|| LexiconError::Invalid(format!("unknown category {name:?}")))?;
        let entries = languages(name, &section.languages)?;
        counts.insert(category, entries.len());
        matcher.add_all(&entries, Tag::Deny(category))?;
        if let Some(age) = section.under_age {
            under_age.push((category, age));
        }
    }
    matcher.add_all(&languages("allow", &file.allow)?, Tag::Allow)?;
    let i = &file.instructions;
    for (what, map, tag) in [
        ("instructions.override", &i.override_, Tag::Override),
        ("instructions.target", &i.target, Tag::Target),
        ("instructions.reveal", &i.reveal, Tag::Reveal),
        ("instructions.secret", &i.secret, Tag::Secret),
        ("instructions.phrase", &i.phrase, Tag::Phrase),
        ("instructions.role", &i.role, Tag::Role),
    ] {
        matcher.add_all(&languages(what, map)?, tag)?;
    }
    Ok(Lexicon {
        matcher,
        markers: i
            .markers
            .iter()
            .map(|m| m.to_lowercase().split_whitespace().collect())
            .collect(),
        under_age,
        counts,
    })
}

static LEXICON: LazyLock<Result<Lexicon, LexiconError>> = LazyLock::new(|| parse(SOURCE));

/// The built-in lexicon, parsed at first use.
pub(crate) fn get() -> Result<&'static Lexicon, LexiconError> {
    LEXICON.as_ref().map_err(Clone::clone)
}

impl Lexicon {
    /// Every match of every list in `toks`, in order of position.
    pub(crate) fn scan(&self, toks: &[Token]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.matcher
            .find_all(toks, |start, end, tag| hits.push(Hit { start, end, tag }));
        hits
    }

    /// The first unsafe category among `hits` for a child of `age` (unknown: the strictest),
    /// not counting matches inside an allowed phrase.
    pub(crate) fn category(&self, hits: &[Hit], age: Option<i64>) -> Option<ContentCategory> {
        let applies = |c: ContentCategory| {
            self.under_age
                .iter()
                .filter(|(cat, _)| *cat == c)
                .all(|(_, limit)| age.is_none_or(|a| a < *limit))
        };
        hits.iter().find_map(|h| match h.tag {
            Tag::Deny(c) if applies(c) => {
                let allowed = hits
                    .iter()
                    .any(|a| a.tag == Tag::Allow && a.start <= h.start && h.end <= a.end);
                (!allowed).then_some(c)
            }
            _ => None,
        })
    }

    /// [`Self::category`] of `toks`.
    pub(crate) fn find(&self, toks: &[Token], age: Option<i64>) -> Option<ContentCategory> {
        self.category(&self.scan(toks), age)
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
