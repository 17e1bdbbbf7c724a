//! `open avatar|audio|illustration`: fetch media through the client's media cache and print
//! the local path (`xdg-open "$(storyloom open audio Mia)"`).
//!
//! Media URLs are signed and expire after an hour, but the cache keys files by the URL without
//! its signature, so a cached file is found offline whatever the age of the URL saved with the
//! entity. A download refused with 403/404 means the saved URL has expired: the entity is
//! fetched again for a fresh URL, once.

use std::path::PathBuf;

use serde_json::json;
use storyloom_client::MediaKind;
use storyloom_domain::{GenerationStatus, Hero, Illustration, Story};

use crate::cli::{MediaArg, OpenArgs};
use crate::commands::{heroes, stories};
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::resolve::short_id;

/// Run `open`.
pub async fn run(ctx: &Ctx, a: OpenArgs) -> CliResult<()> {
    ctx.user()?;
    let paths = match a.what {
        MediaArg::Avatar => {
            let hero = heroes::find(ctx, &a.target).await?;
            vec![avatar_path(ctx, &hero).await?]
        }
        MediaArg::Audio => {
            let story = stories::find(ctx, &a.target).await?;
            vec![audio_path(ctx, &story).await?]
        }
        MediaArg::Illustration => {
            let story = stories::find(ctx, &a.target).await?;
            illustration_paths(ctx, &story, a.index).await?
        }
    };
    if ctx.out.json {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let mut v = json!({ "paths": shown });
        if let [one] = shown.as_slice() {
            v["path"] = json!(one);
        }
        ctx.out.print_json(&v);
    } else {
        for p in paths {
            ctx.out.line(p.display().to_string());
        }
    }
    Ok(())
}

/// Local file of `url`, downloading it if needed; `fresh_url` re-reads the entity when the
/// saved URL has expired.
async fn fetch<F, Fut>(ctx: &Ctx, kind: MediaKind, url: &str, fresh_url: F) -> CliResult<PathBuf>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = CliResult<Option<String>>>,
{
    if let Some(p) = ctx.client.media().cached(url)? {
        return Ok(p);
    }
    if !ctx.may_go_online() {
        return Err(CliError::Offline(
            "this file is not saved on this device yet, and downloading it needs the server".into(),
        ));
    }
    match ctx.client.media().get(kind, url).await {
        Ok(p) => Ok(p),
        Err(e) if matches!(e.status(), Some(403 | 404)) => match fresh_url().await? {
            Some(u) => Ok(ctx.client.media().get(kind, &u).await?),
            None => Err(CliError::not_found(
                "the file is no longer on the server",
                "run `storyloom sync` and try again",
            )),
        },
        Err(e) => Err(e.into()),
    }
}

/// The hero's avatar on disk.
pub async fn avatar_path(ctx: &Ctx, hero: &Hero) -> CliResult<PathBuf> {
    let Some(url) = hero.avatar_url.as_deref() else {
        return Err(CliError::not_found(
            format!("{} has no avatar yet", hero.name),
            format!(
                "draw one with `storyloom heroes avatar {}`",
                short_id(hero.id)
            ),
        ));
    };
    let id = hero.id;
    fetch(ctx, MediaKind::Avatar, url, || async move {
        Ok(ctx.client.api().get_hero(id).await?.avatar_url)
    })
    .await
}

/// The story's narration on disk.
pub async fn audio_path(ctx: &Ctx, story: &Story) -> CliResult<PathBuf> {
    let url = match (&story.audio_url, story.audio_generation_status) {
        (Some(u), _) => u.clone(),
        (None, GenerationStatus::Pending | GenerationStatus::Processing) => {
            return Err(CliError::not_found(
                format!("the narration of “{}” is still being recorded", story.title),
                format!(
                    "wait for it with `storyloom stories audio {}`",
                    short_id(story.id)
                ),
            ));
        }
        (None, _) => {
            return Err(CliError::not_found(
                format!("“{}” has no narration yet", story.title),
                format!(
                    "record one with `storyloom stories audio {}`",
                    short_id(story.id)
                ),
            ));
        }
    };
    let id = story.id;
    fetch(ctx, MediaKind::Audio, &url, || async move {
        Ok(ctx.client.api().get_story(id).await?.audio_url)
    })
    .await
}

/// The story's pictures on disk: all of them, or the `index`-th (1-based).
pub async fn illustration_paths(
    ctx: &Ctx,
    story: &Story,
    index: Option<usize>,
) -> CliResult<Vec<PathBuf>> {
    let mut ills: Vec<Illustration> = ctx.client.stories().illustrations(story.id).await?;
    ills.retain(|i| i.image_url.is_some());
    if ills.is_empty() {
        return Err(CliError::not_found(
            format!("“{}” has no pictures yet", story.title),
            format!(
                "draw them with `storyloom stories illustrations {}`",
                short_id(story.id)
            ),
        ));
    }
    let chosen: Vec<Illustration> = match index {
        Some(n) => {
            let Some(i) = n.checked_sub(1).and_then(|k| ills.get(k)) else {
                return Err(CliError::Usage(format!(
                    "--index must be between 1 and {}",
                    ills.len()
                )));
            };
            vec![i.clone()]
        }
        None => ills,
    };
    let mut paths = Vec::new();
    for ill in chosen {
        let Some(url) = ill.image_url.clone() else {
            continue;
        };
        let (story_id, ill_id) = (story.id, ill.id);
        let p = fetch(ctx, MediaKind::Illustration, &url, || async move {
            let status = ctx.client.stories().illustration_status(story_id).await?;
            Ok(status
                .illustrations
                .into_iter()
                .find(|i| i.id == ill_id)
                .and_then(|i| i.image_url))
        })
        .await?;
        paths.push(p);
    }
    Ok(paths)
}
