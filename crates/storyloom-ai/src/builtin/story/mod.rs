//! The offline story generator.
//!
//! A story is built slot by slot — opening, the occasion's setting, a problem, its solution
//! through the hero's trait and special ability, (for older children) a helper and feelings, and
//! a calm ending — each slot filled by a seeded choice among sentences written natively for each
//! language (see `lang/`). The sentences avoid gendered words about the hero (no pronouns,
//! adjectives or participles that agree with the hero), so they read correctly for any child.
//!
//! Age shapes the story: up to 5 gets five short paragraphs of short sentences; 6–8 adds
//! descriptive details, feelings and a helper; 9 and over gets more of each.

use storyloom_domain::{EventTone, EventType, Hero, HeroTrait, Language};

use super::lang;
use super::rng::{Rng, hash};
use crate::{Occasion, StoryText};

/// Age bands the generator writes for.
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

/// Replace `{key}` placeholders.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
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

/// Sentence slots filled for one story; `pick` chooses and fills in one go.
struct Writer {
    rng: Rng,
    vars: Vec<(&'static str, String)>,
}

impl Writer {
    fn pick(&mut self, options: &[&str]) -> String {
        let t = self.rng.pick(options).copied().unwrap_or_default();
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(t, &vars)
    }

    fn fill(&self, template: &str) -> String {
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(template, &vars)
    }

    fn set(&mut self, key: &'static str, value: String) {
        self.vars.retain(|(k, _)| *k != key);
        self.vars.push((key, value));
    }
}

/// Write a story. `hero` and a custom event must already be screened by `safety`.
pub(crate) fn write(hero: &Hero, occasion: &Occasion, language: Language, seed: u64) -> StoryText {
    let pack = lang::pack(language);
    let band = band(hero.age);
    let rng = Rng::new(seed ^ hash(&hero.name).rotate_left(17));
    let mut w = Writer {
        rng,
        vars: Vec::new(),
    };

    // The hero's traits: the first (seeded among the hero's) drives the solution; a second one
    // colours the opening for older children.
    let traits: Vec<HeroTrait> = if hero.traits.is_empty() {
        vec![HeroTrait::Kind]
    } else {
        hero.traits.clone()
    };
    let main_trait = traits[w.rng.below(traits.len())];
    let others: Vec<HeroTrait> = traits
        .iter()
        .copied()
        .filter(|t| *t != main_trait)
        .collect();
    // With one trait, the second mention pairs it with a trait every hero in these stories has.
    let other_trait = w
        .rng
        .pick(&others)
        .copied()
        .unwrap_or(if main_trait == HeroTrait::Kind {
            HeroTrait::Curious
        } else {
            HeroTrait::Kind
        });
    w.set("name", hero.name.clone());
    w.set("age", age_phrase(language, hero.age));
    w.set("trait", pack.traits[trait_index(main_trait)].to_owned());
    w.set("trait2", pack.traits[trait_index(other_trait)].to_owned());

    let (topic_title, settings, problem, tone) = match occasion {
        Occasion::Builtin(e) => {
            let ev = &pack.events[event_index(*e)];
            let problem = *w.rng.pick(ev.problems).unwrap_or(&("", ""));
            w.set("topic", ev.topic.to_owned());
            let title = w.pick(pack.titles);
            (title, ev.settings, problem, None)
        }
        Occasion::Custom(ev) => {
            w.set("title", ev.title.clone());
            w.set("seed", first_sentence(&ev.prompt_seed, 200));
            let kws: Vec<String> = ev.keywords.iter().take(3).cloned().collect();
            w.set("keywords", join_list(language, &kws));
            let problem = *w.rng.pick(pack.custom.problems).unwrap_or(&("", ""));
            let title = format!("{}: {}", hero.name, ev.title);
            let tone = Some(pack.custom.tones[tone_index(ev.tone)]);
            (title, pack.custom.settings, problem, tone)
        }
    };
    let fix = w.fill(problem.1);
    w.set("fix", fix);

    let mut paragraphs: Vec<Vec<String>> = Vec::new();

    // 1. Opening.
    let mut p = vec![w.pick(pack.openings)];
    if band >= Band::Middle {
        p.push(w.pick(pack.character));
    }
    paragraphs.push(p);

    // 2. The occasion.
    let mut p = vec![w.pick(settings)];
    if let Occasion::Custom(ev) = occasion {
        if !ev.prompt_seed.trim().is_empty() {
            p.push(w.pick(pack.custom.seed_lines));
        }
        if !ev.keywords.is_empty() {
            p.push(w.pick(pack.custom.keyword_lines));
        }
    }
    if band >= Band::Middle {
        p.push(w.pick(pack.details));
    }
    if band == Band::Older {
        p.push(w.pick(pack.details_more));
    }
    paragraphs.push(p);

    // 3. The problem.
    let mut p = vec![w.fill(problem.0)];
    if band >= Band::Middle {
        p.push(w.pick(pack.feelings));
    }
    paragraphs.push(p);

    // 4. The solution, through the trait and the special ability.
    let mut p = Vec::new();
    if main_trait == HeroTrait::Shy {
        p.push(w.pick(pack.shy_solutions));
    } else {
        p.push(w.pick(pack.solutions));
    }
    match hero
        .special_ability
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(ability) => {
            w.set("ability", ability.trim_end_matches(['.', '!']).to_owned());
            p.push(w.pick(pack.abilities));
        }
        None if band >= Band::Middle => p.push(w.pick(pack.no_ability)),
        None => {}
    }
    paragraphs.push(p);

    // 5. A helper and what was learned (older children).
    if band >= Band::Middle {
        let mut p = vec![w.pick(pack.helpers)];
        if band == Band::Older {
            p.push(w.pick(pack.reflections));
        }
        paragraphs.push(p);
    }

    // 6. The calm ending.
    let mut p = vec![w.pick(pack.endings)];
    if let Some(tone) = tone {
        p.push(w.fill(tone));
    }
    p.push(w.pick(pack.closings));
    paragraphs.push(p);

    let content = paragraphs
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    let title: String = topic_title.chars().take(200).collect();
    StoryText { title, content }
}
