//! Child-safety screening at the doors: every field a parent types, checked once, here, for
//! every entry point (REST and `POST /api/sync/push` call the same service functions).
//!
//! A refused field is `403 CONTENT_REJECTED` with `details.field` and `details.category`
//! (`storyloom_ai::safety`); an accepted one is stored as typed minus invisible characters,
//! so the text the parent sees is theirs and nothing hidden rides along. Imports are the
//! exception: a family's own story is kept even when flagged, but marked (`contentFlagged`)
//! and not narrated or illustrated until the parent approves it
//! ([`super::stories::approve`]).

use storyloom_ai::safety;
use storyloom_domain::{
    AgeRange, ContentCategory, CustomEventCreate, CustomEventUpdate, HeroCreate, HeroUpdate,
    StoryUpdate,
};

use crate::error::ApiResult;

fn one(field: &str, text: &mut String, age: Option<i64>) -> ApiResult<()> {
    *text = safety::screen_input(field, text, age)?;
    Ok(())
}

fn opt(field: &str, text: &mut Option<String>, age: Option<i64>) -> ApiResult<()> {
    if let Some(t) = text {
        one(field, t, age)?;
    }
    Ok(())
}

fn opt_opt(field: &str, text: &mut Option<Option<String>>, age: Option<i64>) -> ApiResult<()> {
    if let Some(Some(t)) = text {
        one(field, t, age)?;
    }
    Ok(())
}

/// A hero create's text, screened for the hero's age; the body as it will be stored.
pub fn hero_create(body: &HeroCreate) -> ApiResult<HeroCreate> {
    let mut b = body.clone();
    let age = Some(b.age);
    one("name", &mut b.name, age)?;
    opt("specialAbility", &mut b.special_ability, age)?;
    opt("appearance", &mut b.appearance, age)?;
    opt("hairColor", &mut b.hair_color, age)?;
    opt("eyeColor", &mut b.eye_color, age)?;
    opt("skinTone", &mut b.skin_tone, age)?;
    Ok(b)
}

/// Whether a hero patch carries text to screen (and so needs the hero's age).
pub fn hero_patch_has_text(p: &HeroUpdate) -> bool {
    p.name.is_some()
        || matches!(p.special_ability, Some(Some(_)))
        || matches!(p.appearance, Some(Some(_)))
        || matches!(p.hair_color, Some(Some(_)))
        || matches!(p.eye_color, Some(Some(_)))
        || matches!(p.skin_tone, Some(Some(_)))
}

/// A hero patch's text, screened for `age` (the patch's, else the hero's).
pub fn hero_update(patch: &HeroUpdate, age: Option<i64>) -> ApiResult<HeroUpdate> {
    let mut p = patch.clone();
    let age = p.age.or(age);
    if let Some(n) = &mut p.name {
        one("name", n, age)?;
    }
    opt_opt("specialAbility", &mut p.special_ability, age)?;
    opt_opt("appearance", &mut p.appearance, age)?;
    opt_opt("hairColor", &mut p.hair_color, age)?;
    opt_opt("eyeColor", &mut p.eye_color, age)?;
    opt_opt("skinTone", &mut p.skin_tone, age)?;
    Ok(p)
}

fn keywords(list: &mut Option<Vec<String>>, age: Option<i64>) -> ApiResult<()> {
    for k in list.iter_mut().flatten() {
        one("keywords", k, age)?;
    }
    Ok(())
}

/// A custom event create's text, screened for the youngest child of its age range.
pub fn event_create(body: &CustomEventCreate) -> ApiResult<CustomEventCreate> {
    let mut b = body.clone();
    let age = safety::event_age(b.age_range);
    one("title", &mut b.title, age)?;
    opt("description", &mut b.description, age)?;
    one("promptSeed", &mut b.prompt_seed, age)?;
    keywords(&mut b.keywords, age)?;
    Ok(b)
}

/// Whether an event patch carries text to screen.
pub fn event_patch_has_text(p: &CustomEventUpdate) -> bool {
    p.title.is_some() || p.description.is_some() || p.prompt_seed.is_some() || p.keywords.is_some()
}

/// A custom event patch's text, screened for its age range (the patch's, else `range`).
pub fn event_update(
    patch: &CustomEventUpdate,
    range: Option<AgeRange>,
) -> ApiResult<CustomEventUpdate> {
    let mut p = patch.clone();
    let age = safety::event_age(p.age_range.unwrap_or(range));
    opt("title", &mut p.title, age)?;
    opt("description", &mut p.description, age)?;
    opt("promptSeed", &mut p.prompt_seed, age)?;
    keywords(&mut p.keywords, age)?;
    Ok(p)
}

/// A story edit's text, screened for the hero's `age`: an edit is the parent typing, so an
/// unsafe one is refused.
pub fn story_edit(patch: &StoryUpdate, age: Option<i64>) -> ApiResult<StoryUpdate> {
    let mut p = patch.clone();
    opt("title", &mut p.title, age)?;
    opt("content", &mut p.content, age)?;
    Ok(p)
}

/// What flags a story's text (title, then content) for a child of `age`, if anything: an
/// import is kept but marked. Instructions count: a flagged story is never fed to the
/// narration or illustration prompts unapproved.
pub fn story_flag(
    title: &str,
    content: &str,
    age: Option<i64>,
) -> ApiResult<Option<(&'static str, ContentCategory)>> {
    for (field, text) in [("title", title), ("content", content)] {
        if let Some(c) = safety::judge(text, age)? {
            return Ok(Some((field, c)));
        }
    }
    Ok(None)
}

/// The avatar prompt, screened for the hero's `age`.
pub fn avatar_prompt(prompt: &Option<String>, age: i64) -> ApiResult<Option<String>> {
    prompt
        .as_deref()
        .map(|p| safety::screen_input("prompt", p, Some(age)))
        .transpose()
        .map_err(Into::into)
}
