//! The offline storyteller.
//!
//! A story is one *plot* of its occasion — a setting, a problem, what it takes to solve it and
//! how it ends — told through the hero: the opening gives the hero's age and a first trait, the
//! solution comes from the hero's special ability (or, without one, a second trait), the
//! appearance shows when it is known, and the ending winds down to sleep. Every sentence comes
//! from the reviewed tables of one language (`en.rs`, `fr.rs`, …) filled with the hero's and
//! the event's own (already screened) words; nothing else is ever written.
//!
//! **Variety.** Each built-in occasion has six plots per language, and every other slot has
//! at least four phrasings. Which plot and which phrasings a story gets is a function of the
//! hero and the story's *number* (how many stories this hero already has for this occasion,
//! given by the server): each slot walks through its variants with a step coprime to their
//! count, from an offset fixed per hero. So consecutive stories of a hero never repeat a plot
//! until all six were told, and no phrasing comes back before its slot went round. Without a
//! number (a one-off call) the seed stands in for it.
//!
//! **Grammar.** The special ability is the family's own text, inserted unchanged. `ability.rs`
//! tells a verb phrase ("talks to owls": the hero is its subject) from a noun phrase ("super
//! speed": a gift the hero has), and each language has sentence frames for both. The tables
//! avoid anything that agrees with the hero's gender (no pronouns for the hero, no agreeing
//! adjectives or participles): the name is repeated or the sentence rephrased instead.
//!
//! **Length.** Short stories tell the plot with the opening and the ending; medium ones add
//! details, feelings, a first try and a helper; long ones tell three plots of the occasion in
//! a row and add reflections. The built-in stories are shorter than the narration targets of
//! `StoryLength` (about 120, 190 and 600 words for a 6-year-old): the tables would need many
//! more sentences per plot to fill ten minutes without repeating themselves. The youngest listeners get the plain slots
//! only (short sentences), whatever the length.

mod ability;
mod de;
mod en;
mod es;
mod fr;
mod it;

pub use ability::AbilityFrame;

use storyloom_domain::{EventTone, EventType, Hero, HeroTrait, Language, StoryLength};

use super::lang;
use super::rng::hash;
use crate::{Occasion, StoryText};

/// One plot of an occasion. Texts may use `{name}`; `goal` is a purpose phrase that follows
/// "that was just what it took" in the language's frames ("to wake the star" / "pour …").
pub(crate) struct Plot {
    /// The title's noun phrase; it appears verbatim in `problem` or `outcome`.
    pub topic: &'static str,
    /// Where and when: within what the occasion allows (bedtime: at home, at night).
    pub setting: &'static str,
    /// The problem the story opens.
    pub problem: &'static str,
    /// What solving it takes, as a purpose phrase.
    pub goal: &'static str,
    /// How it ends: the problem of `problem`, solved.
    pub outcome: &'static str,
}

/// A plot frame for custom events: like [`Plot`], with `{title}`, `{kw}` (the first keyword,
/// or the title) and `{kw2}` (the second keyword, or the first) from the event.
pub(crate) struct CustomFrame {
    pub setting: &'static str,
    pub problem: &'static str,
    pub goal: &'static str,
    pub outcome: &'static str,
}

/// Every sentence the storyteller can write in one language.
///
/// Placeholders: `{name}`, `{age}` (an age phrase), `{trait}` and `{trait2}` (traits as mass
/// nouns, see `lang::Pack::traits`), `{topic}`, `{looks}`, `{ability}` (the family's words),
/// `{goal}`. Each list has at least four entries (checked by a test), so rotation never
/// repeats a sentence in more than three of ten consecutive stories.
pub(crate) struct Tables {
    /// `{name}`, `{topic}`.
    pub titles: &'static [&'static str],
    /// `{name}`, `{age}`, `{trait}`.
    pub openings: &'static [&'static str],
    /// `{name}`, `{trait2}` (medium and long stories).
    pub character: &'static [&'static str],
    /// `{name}`, `{looks}`: the hero's appearance.
    pub looks: &'static [&'static str],
    /// "{x} hair", "{x} eyes" as the language says them.
    pub hair: &'static str,
    pub eyes: &'static str,
    /// Scene details, any occasion (medium and long).
    pub details: &'static [&'static str],
    /// More details (long stories, older children).
    pub details_more: &'static [&'static str],
    /// How the problem felt (medium and long).
    pub feelings: &'static [&'static str],
    /// A first try that does not quite work, with `{trait}` (medium and long).
    pub first_tries: &'static [&'static str],
    /// The solution through a verb-phrase ability: each contains `{name} {ability}`.
    pub ability_verb: &'static [&'static str],
    /// The solution through a noun-phrase ability: `{ability}` never follows `{name}`.
    pub ability_noun: &'static [&'static str],
    /// The solution without an ability, through `{trait2}`.
    pub no_ability: &'static [&'static str],
    /// The same three in short sentences, for listeners up to 5.
    pub little_verb: &'static [&'static str],
    pub little_noun: &'static [&'static str],
    pub little_no_ability: &'static [&'static str],
    /// Someone who shares the moment afterwards (never bursting in).
    pub helpers: &'static [&'static str],
    /// What the hero took from it (long stories and older children).
    pub reflections: &'static [&'static str],
    /// The bridge to a second plot (long stories).
    pub bridges: &'static [&'static str],
    /// The wind-down towards sleep.
    pub endings: &'static [&'static str],
    /// The last line.
    pub closings: &'static [&'static str],
    /// In `event_index` order, six plots each.
    pub events: [[Plot; 6]; 12],
    /// Custom-event plot frames.
    pub custom: [CustomFrame; 6],
    /// `{seed}`: the first sentence of the event's prompt seed.
    pub seed_lines: &'static [&'static str],
    /// `{keywords}`.
    pub keyword_lines: &'static [&'static str],
    /// Closing sentences per tone (cheerful, calming, exciting, gentle, funny, heartwarming).
    pub tones: [&'static [&'static str]; 6],
}

fn tables(language: Language) -> &'static Tables {
    match language {
        Language::En => &en::TABLES,
        Language::Fr => &fr::TABLES,
        Language::Es => &es::TABLES,
        Language::De => &de::TABLES,
        Language::It => &it::TABLES,
    }
}

/// Age bands the writer writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    Small,
    Middle,
    Older,
}

fn band(age: i64) -> Band {
    match age {
        ..=5 => Band::Small,
        6..=8 => Band::Middle,
        _ => Band::Older,
    }
}

pub(crate) fn event_index(e: EventType) -> usize {
    match e {
        EventType::Bedtime => 0,
        EventType::SchoolDay => 1,
        EventType::Birthday => 2,
        EventType::Weekend => 3,
        EventType::RainyDay => 4,
        EventType::Family => 5,
        EventType::Friendship => 6,
        EventType::Holiday => 7,
        EventType::Adventure => 8,
        EventType::Learning => 9,
        EventType::NewSibling => 10,
        EventType::DoctorVisit => 11,
    }
}

fn trait_index(t: HeroTrait) -> usize {
    HeroTrait::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

fn tone_index(t: EventTone) -> usize {
    match t {
        EventTone::Cheerful => 0,
        EventTone::Calming => 1,
        EventTone::Exciting => 2,
        EventTone::Gentle => 3,
        EventTone::Funny => 4,
        EventTone::Heartwarming => 5,
    }
}

/// "3 years old" and its equivalents, with the singular for 1.
fn age_phrase(lang: Language, age: i64) -> String {
    let one = age == 1;
    match lang {
        Language::En => format!("{age} {} old", if one { "year" } else { "years" }),
        Language::Fr => format!("{age} {}", if one { "an" } else { "ans" }),
        Language::Es => format!("{age} {}", if one { "año" } else { "años" }),
        Language::De => format!("{age} {} alt", if one { "Jahr" } else { "Jahre" }),
        Language::It => format!("{age} {}", if one { "anno" } else { "anni" }),
    }
}

/// "a, b and c" in `lang`.
pub(crate) fn join_list(lang: Language, items: &[String]) -> String {
    let and = match lang {
        Language::En => "and",
        Language::Fr => "et",
        Language::Es => "y",
        Language::De => "und",
        Language::It => "e",
    };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// The first sentence of `seed`, at most `max` characters, without its final punctuation.
fn first_sentence(seed: &str, max: usize) -> String {
    let end = seed.find(['.', '!', '?', '\n']).unwrap_or(seed.len());
    let s: String = seed[..end].chars().take(max).collect();
    s.trim().trim_end_matches([',', ';', ':']).to_owned()
}

/// Replace `{key}` placeholders in one pass (values are never re-scanned, so a family's text
/// containing braces stays as written).
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                match vars.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Capitalise the first letter (titles and sentences that start with a topic).
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Walks each slot through its variants: story `n` of a hero takes variant
/// `(offset + n · step) mod k` of a slot with `k` variants, `offset` and `step` fixed per hero
/// and slot, `step` coprime to `k`. Any `k` consecutive stories see every variant once.
struct Rotation {
    n: u64,
    key: u64,
}

impl Rotation {
    fn index(&self, slot: &str, k: usize) -> usize {
        if k <= 1 {
            return 0;
        }
        let h = hash(slot) ^ self.key;
        let k64 = k as u64;
        let offset = h % k64;
        let mut step = 1 + (h >> 32) % (k64 - 1);
        while gcd(step, k64) != 1 {
            step = step % (k64 - 1) + 1;
        }
        ((offset + (self.n % k64) * step) % k64) as usize
    }

    fn pick<'a>(&self, slot: &str, options: &'a [&'a str]) -> &'a str {
        options
            .get(self.index(slot, options.len()))
            .copied()
            .unwrap_or_default()
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The plots a story tells: plot `first` of `count`, and for a long story two more, every
/// other one after it (distinct while `count` ≥ 6).
fn plot_ids(first: usize, count: usize, length: StoryLength) -> Vec<usize> {
    match length {
        StoryLength::Long => (0..3).map(|k| (first + 2 * k) % count.max(1)).collect(),
        _ => vec![first],
    }
}

/// A story and what it was built from, for tests and the docs generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The story.
    pub text: StoryText,
    /// Which plots of the occasion were told (indices into its six), in order.
    pub plots: Vec<usize>,
    /// The title's topic, as it appears in the text.
    pub topic: String,
    /// How the special ability was framed, if the hero has one.
    pub ability: Option<AbilityFrame>,
}

/// A plot row of a language table (a `const fn`, so the tables stay `const`).
pub(super) const fn plot(
    topic: &'static str,
    setting: &'static str,
    problem: &'static str,
    goal: &'static str,
    outcome: &'static str,
) -> Plot {
    Plot {
        topic,
        setting,
        problem,
        goal,
        outcome,
    }
}

/// A custom-event frame row of a language table.
pub(super) const fn frame(
    setting: &'static str,
    problem: &'static str,
    goal: &'static str,
    outcome: &'static str,
) -> CustomFrame {
    CustomFrame {
        setting,
        problem,
        goal,
        outcome,
    }
}

/// What the writer needs beyond the hero and the occasion.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub language: Language,
    pub length: StoryLength,
    /// The story's number among the hero's stories for this occasion, or the seed.
    pub number: u64,
}

/// The hero's appearance as one phrase, if the family described any.
fn looks(t: &Tables, hero: &Hero) -> Option<String> {
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(a) = nonempty(&hero.appearance) {
        return Some(a.trim_end_matches(['.', '!']).to_owned());
    }
    let mut parts = Vec::new();
    if let Some(h) = nonempty(&hero.hair_color) {
        parts.push(t.hair.replace("{x}", &h));
    }
    if let Some(e) = nonempty(&hero.eye_color) {
        parts.push(t.eyes.replace("{x}", &e));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Write a story. `hero` and a custom event must already be screened by `safety`.
pub(crate) fn compose(hero: &Hero, occasion: &Occasion, o: Options) -> Composed {
    let t = tables(o.language);
    let traits_pack = lang::pack(o.language);
    let band = band(hero.age);
    let rot = Rotation {
        n: o.number,
        // By name, not id: the same child re-created (or imported) keeps the same stories.
        key: hash(&hero.name).rotate_left(17),
    };

    // Two traits: the first names the hero in the opening, the second solves the problem
    // when there is no ability and colours the character line. They take turns by story.
    let mut traits: Vec<HeroTrait> = hero.traits.clone();
    if traits.is_empty() {
        traits.push(HeroTrait::Kind);
    }
    if traits.len() == 1 {
        traits.push(if traits[0] == HeroTrait::Kind {
            HeroTrait::Curious
        } else {
            HeroTrait::Kind
        });
    }
    let mut first = rot.index("trait", traits.len());
    let mut second = (first + 1 + rot.index("trait2", traits.len() - 1)) % traits.len();
    // The second trait solves the problem, and shyness solves nothing: another trait does,
    // or shyness moves to the opening ("known to everyone for shyness").
    if traits[second] == HeroTrait::Shy {
        match (0..traits.len()).find(|i| *i != first && traits[*i] != HeroTrait::Shy) {
            Some(other) => second = other,
            None => std::mem::swap(&mut first, &mut second),
        }
    }
    let trait_word = |i: usize| traits_pack.traits[trait_index(traits[i])].to_owned();

    let ability = hero
        .special_ability
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.trim_end_matches(['.', '!']).to_owned());
    let frame = ability.as_deref().map(ability::frame);

    let mut vars: Vec<(&str, String)> = vec![
        ("name", hero.name.clone()),
        ("age", age_phrase(o.language, hero.age)),
        ("trait", trait_word(first)),
        ("trait2", trait_word(second)),
        ("ability", ability.clone().unwrap_or_default()),
    ];
    let set = |vars: &mut Vec<(&str, String)>, key: &'static str, value: String| {
        vars.retain(|(k, _)| *k != key);
        vars.push((key, value));
    };
    if let Some(l) = looks(t, hero) {
        set(&mut vars, "looks", l);
    }

    // The plots: one, or three for a long story (every other one of the six from the first,
    // so none is told twice).
    let (plots, plot_ids, topic, tone): (Vec<Plot>, Vec<usize>, String, Option<&str>) =
        match occasion {
            Occasion::Builtin(e) => {
                let all = &t.events[event_index(*e)];
                let a = rot.index("plot", all.len());
                let ids = plot_ids(a, all.len(), o.length);
                let plots = ids
                    .iter()
                    .map(|i| {
                        let p = &all[*i];
                        Plot {
                            topic: p.topic,
                            setting: p.setting,
                            problem: p.problem,
                            goal: p.goal,
                            outcome: p.outcome,
                        }
                    })
                    .collect();
                (plots, ids, all[a].topic.to_owned(), None)
            }
            Occasion::Custom(ev) => {
                let kws: Vec<String> = ev
                    .keywords
                    .iter()
                    .map(|k| k.trim().to_owned())
                    .filter(|k| !k.is_empty())
                    .collect();
                let kw = kws.first().cloned().unwrap_or_else(|| ev.title.clone());
                let kw2 = kws.get(1).cloned().unwrap_or_else(|| kw.clone());
                set(&mut vars, "title", ev.title.trim().to_owned());
                set(&mut vars, "kw", kw);
                set(&mut vars, "kw2", kw2);
                set(&mut vars, "seed", first_sentence(&ev.prompt_seed, 200));
                let taken: Vec<String> = kws.iter().take(3).cloned().collect();
                set(&mut vars, "keywords", join_list(o.language, &taken));
                let a = rot.index("plot", t.custom.len());
                let ids = plot_ids(a, t.custom.len(), o.length);
                let plots = ids
                    .iter()
                    .map(|i| {
                        let f = &t.custom[*i];
                        Plot {
                            topic: "{title}",
                            setting: f.setting,
                            problem: f.problem,
                            goal: f.goal,
                            outcome: f.outcome,
                        }
                    })
                    .collect();
                let tone = Some(rot.pick("tone", t.tones[tone_index(ev.tone)]));
                (plots, ids, ev.title.trim().to_owned(), tone)
            }
        };
    set(&mut vars, "topic", topic.clone());

    let longer = o.length != StoryLength::Short && band >= Band::Middle;
    let longest = o.length == StoryLength::Long && band >= Band::Middle;
    let mut paragraphs: Vec<Vec<String>> = Vec::new();

    // 1. Who the hero is.
    let mut p = vec![fill(rot.pick("opening", t.openings), &vars)];
    if longer {
        p.push(fill(rot.pick("character", t.character), &vars));
    }
    if vars.iter().any(|(k, _)| *k == "looks") {
        p.push(fill(rot.pick("looks", t.looks), &vars));
    }
    paragraphs.push(p);

    for (i, plot) in plots.iter().enumerate() {
        let slot = |s: &str| format!("{s}{i}");
        let goal = fill(plot.goal, &vars);
        set(&mut vars, "goal", goal);
        if i > 0 {
            paragraphs.push(vec![fill(rot.pick(&slot("bridge"), t.bridges), &vars)]);
        }

        // 2. The setting.
        let mut p = vec![capitalise(&fill(plot.setting, &vars))];
        if let (0, Occasion::Custom(ev)) = (i, occasion) {
            if !ev.prompt_seed.trim().is_empty() {
                p.push(fill(rot.pick("seedline", t.seed_lines), &vars));
            }
            if !ev.keywords.is_empty() {
                p.push(fill(rot.pick("kwline", t.keyword_lines), &vars));
            }
        }
        if longer {
            p.push(fill(rot.pick(&slot("details"), t.details), &vars));
        }
        if longest || (longer && band == Band::Older && i == 0) {
            p.push(fill(rot.pick(&slot("details_more"), t.details_more), &vars));
        }
        paragraphs.push(p);

        // 3. The problem.
        let mut p = vec![capitalise(&fill(plot.problem, &vars))];
        if longer {
            p.push(fill(rot.pick(&slot("feelings"), t.feelings), &vars));
            p.push(fill(rot.pick(&slot("first_try"), t.first_tries), &vars));
        }
        paragraphs.push(p);

        // 4. The solution: the ability (or the second trait) is how the problem is solved.
        let little = band == Band::Small;
        let solve = match (frame, little) {
            (Some(AbilityFrame::VerbPhrase), false) => t.ability_verb,
            (Some(AbilityFrame::NounPhrase), false) => t.ability_noun,
            (None, false) => t.no_ability,
            (Some(AbilityFrame::VerbPhrase), true) => t.little_verb,
            (Some(AbilityFrame::NounPhrase), true) => t.little_noun,
            (None, true) => t.little_no_ability,
        };
        let solve = rot.pick(&slot("solve"), solve);
        let p = vec![fill(solve, &vars), capitalise(&fill(plot.outcome, &vars))];
        paragraphs.push(p);
    }

    // 5. Sharing it, and what it meant.
    if longer {
        let mut p = vec![fill(rot.pick("helper", t.helpers), &vars)];
        if longest || band == Band::Older {
            p.push(fill(rot.pick("reflection", t.reflections), &vars));
        }
        paragraphs.push(p);
    }

    // 6. Winding down.
    let mut p = vec![fill(rot.pick("ending", t.endings), &vars)];
    if let Some(tone) = tone {
        p.push(fill(tone, &vars));
    }
    p.push(fill(rot.pick("closing", t.closings), &vars));
    paragraphs.push(p);

    let content = paragraphs
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    let title = match occasion {
        Occasion::Builtin(_) => capitalise(&fill(rot.pick("title", t.titles), &vars)),
        Occasion::Custom(ev) => format!("{}: {}", hero.name, ev.title.trim()),
    };
    Composed {
        text: StoryText {
            title: title.chars().take(200).collect(),
            content,
        },
        plots: plot_ids,
        topic,
        ability: frame,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_visits_every_variant_once_per_round() {
        for k in 1..12 {
            for key in [0, 7, 0xdead_beef] {
                let mut seen: Vec<usize> = (0..k as u64)
                    .map(|n| Rotation { n: n + 5, key }.index("slot", k))
                    .collect();
                seen.sort_unstable();
                assert_eq!(seen, (0..k).collect::<Vec<_>>(), "k={k}");
            }
        }
    }

    #[test]
    fn every_table_has_enough_variants_and_plots_carry_their_topic() {
        for l in Language::ALL {
            let t = tables(l);
            let lists: [(&str, &[&str]); 20] = [
                ("little_verb", t.little_verb),
                ("little_noun", t.little_noun),
                ("little_no_ability", t.little_no_ability),
                ("titles", t.titles),
                ("openings", t.openings),
                ("character", t.character),
                ("looks", t.looks),
                ("details", t.details),
                ("details_more", t.details_more),
                ("feelings", t.feelings),
                ("first_tries", t.first_tries),
                ("ability_verb", t.ability_verb),
                ("ability_noun", t.ability_noun),
                ("no_ability", t.no_ability),
                ("helpers", t.helpers),
                ("reflections", t.reflections),
                ("bridges", t.bridges),
                ("endings", t.endings),
                ("closings", t.closings),
                ("seed_lines", t.seed_lines),
            ];
            for (name, list) in lists {
                assert!(list.len() >= 4, "{l:?} {name}: {}", list.len());
            }
            assert!(t.keyword_lines.len() >= 4, "{l:?} keyword_lines");
            for v in t.ability_verb.iter().chain(t.little_verb) {
                assert!(v.contains("{name} {ability}"), "{l:?}: {v}");
            }
            for v in t.ability_noun.iter().chain(t.little_noun) {
                assert!(!v.contains("{name} {ability}"), "{l:?}: {v}");
            }
            for (e, plots) in t.events.iter().enumerate() {
                let mut topics: Vec<&str> = plots.iter().map(|p| p.topic).collect();
                topics.sort_unstable();
                topics.dedup();
                assert_eq!(topics.len(), 6, "{l:?} event {e}: topics repeat");
                for p in plots {
                    // Opened by the problem, resolved by the outcome.
                    for text in [p.problem, p.outcome] {
                        assert!(
                            text.to_lowercase().contains(&p.topic.to_lowercase()),
                            "{l:?} event {e}: topic {:?} not in {text:?}",
                            p.topic
                        );
                    }
                }
            }
            for f in &t.custom {
                for text in [f.problem, f.outcome] {
                    assert!(text.contains("{title}"), "{l:?}: custom {text:?}");
                }
            }
            for tone in t.tones {
                assert!(tone.len() >= 4, "{l:?}: tone variants");
            }
        }
    }

    #[test]
    fn fill_leaves_family_braces_alone() {
        let vars = vec![("name", "{ability}".to_owned()), ("ability", "x".into())];
        assert_eq!(
            fill("{name} {ability} {other}", &vars),
            "{ability} x {other}"
        );
    }
}
