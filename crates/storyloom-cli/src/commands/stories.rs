//! `stories list|show|new|read|edit|favorite|delete|audio|illustrations`.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use storyloom_domain::{
    AudioRequest, EntityKind, GenerationStatus, IllustrationStatus, Story, StoryCreate, StoryUpdate,
};
use uuid::Uuid;

use crate::cli::{StoryCmd, StoryNewArgs, WaitArgs};
use crate::commands::{events, heroes, open};
use crate::context::{Ctx, SyncNote, sync_mark};
use crate::error::{CliError, CliResult};
use crate::follow::{self, StoryJobs};
use crate::output::{Table, bold, code, dim, good, notice, plural, truncate, wrap};
use crate::resolve::{Lookup, pick, short_id};

const LOOKUP: Lookup = Lookup {
    what: "story",
    list_cmd: "stories list",
};

/// Run a `stories` subcommand.
pub async fn run(ctx: &Ctx, cmd: StoryCmd) -> CliResult<()> {
    ctx.user()?;
    match cmd {
        StoryCmd::List { hero, favorites } => list(ctx, hero.as_deref(), favorites).await,
        StoryCmd::Show { story } => show(ctx, &story).await,
        StoryCmd::New(a) => new(ctx, a).await,
        StoryCmd::Read { story, no_count } => read(ctx, &story, no_count).await,
        StoryCmd::Edit {
            story,
            title,
            content,
            content_file,
        } => {
            let content = match (content, content_file) {
                (Some(c), _) => Some(c),
                (None, Some(f)) => Some(read_text(&f)?),
                (None, None) => None,
            };
            edit(ctx, &story, title, content).await
        }
        StoryCmd::Favorite { story, off } => favorite(ctx, &story, !off).await,
        StoryCmd::Delete { story, yes } => delete(ctx, &story, yes).await,
        StoryCmd::Audio {
            story,
            voice,
            language,
            regenerate,
            wait,
        } => {
            audio(
                ctx,
                &story,
                AudioRequest {
                    language,
                    voice,
                    regenerate,
                },
                wait,
            )
            .await
        }
        StoryCmd::Illustrations { story, wait } => illustrations(ctx, &story, wait).await,
    }
}

/// The story `query` names, from the cache.
pub async fn find(ctx: &Ctx, query: &str) -> CliResult<Story> {
    let stories = ctx.client.stories().list().await?;
    pick(&stories, query, LOOKUP, |s| s.id.into(), |s| &s.title).cloned()
}

/// Text from a file, or stdin for `-`.
fn read_text(path: &Path) -> CliResult<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

fn wire_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn minutes(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn audio_cell(s: &Story) -> String {
    match s.audio_generation_status {
        GenerationStatus::None => dim("—"),
        GenerationStatus::Pending => "queued".into(),
        GenerationStatus::Processing => "recording".into(),
        GenerationStatus::Completed => good(s.audio_duration.map_or("ready".into(), minutes)),
        GenerationStatus::Failed => crate::output::bad("failed"),
    }
}

fn pictures_cell(s: &Story) -> String {
    match s.illustration_status {
        IllustrationStatus::None => dim("—"),
        IllustrationStatus::Pending => "queued".into(),
        IllustrationStatus::Processing => "drawing".into(),
        IllustrationStatus::Completed => good(s.illustration_count),
        IllustrationStatus::Partial => notice(format!("{} (some failed)", s.illustration_count)),
        IllustrationStatus::Failed => crate::output::bad("failed"),
    }
}

/// A story as JSON: the wire shape plus `syncStatus` and its cached illustrations.
async fn story_json(ctx: &Ctx, story: &Story) -> CliResult<Value> {
    let mut v = ctx.entity_json(EntityKind::Story, story.id, story).await?;
    let ills = ctx.client.stories().illustrations(story.id).await?;
    v["illustrations"] = serde_json::to_value(ills)?;
    Ok(v)
}

async fn hero_names(ctx: &Ctx) -> CliResult<HashMap<Uuid, String>> {
    Ok(ctx
        .client
        .heroes()
        .list()
        .await?
        .into_iter()
        .map(|h| (h.id.uuid(), h.name))
        .collect())
}

async fn list(ctx: &Ctx, hero: Option<&str>, favorites: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let hero_id = match hero {
        Some(q) => Some(heroes::find(ctx, q).await?.id),
        None => None,
    };
    let stories = ctx
        .client
        .stories()
        .list_by(hero_id, favorites.then_some(true))
        .await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        let mut items = Vec::new();
        for s in &stories {
            items.push(ctx.entity_json(EntityKind::Story, s.id, s).await?);
        }
        ctx.out.print_json(&json!({"stories": items, "sync": note}));
        return Ok(());
    }
    if stories.is_empty() {
        ctx.out.line(format!(
            "No stories yet. Write one: {}",
            code("storyloom stories new --hero <name> --event bedtime")
        ));
    } else {
        let names = hero_names(ctx).await?;
        let unsynced = ctx.unsynced().await?;
        let mut t = Table::new(&[
            "ID", "TITLE", "HERO", "LANG", "FAV", "AUDIO", "PICTURES", "PLAYS", "SYNC",
        ]);
        for s in &stories {
            let status = match ctx.status_of(EntityKind::Story, s.id).await? {
                Some(storyloom_client::SyncStatus::Conflict) => {
                    Some(storyloom_client::SyncStatus::Conflict)
                }
                _ => unsynced.get(&s.id.uuid()).copied(),
            };
            t.row(vec![
                code(short_id(s.id)),
                bold(truncate(&s.title, 40)),
                names
                    .get(&s.hero_id.uuid())
                    .cloned()
                    .unwrap_or_else(|| dim("?")),
                s.language.code().to_owned(),
                if s.is_favorite {
                    notice("★")
                } else {
                    String::new()
                },
                audio_cell(s),
                pictures_cell(s),
                s.play_count.to_string(),
                sync_mark(status.as_ref()),
            ]);
        }
        ctx.out.text(&t.render());
    }
    ctx.print_note(&note, true);
    Ok(())
}

async fn occasion(ctx: &Ctx, s: &Story) -> CliResult<String> {
    if let Some(e) = s.event_type {
        return Ok(wire_name(&e));
    }
    if let Some(id) = s.custom_event_id {
        return Ok(match ctx.client.custom_events().get(id).await? {
            Some(ev) => ev.title,
            None => short_id(id),
        });
    }
    Ok(dim("—"))
}

async fn show(ctx: &Ctx, query: &str) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "story": story_json(ctx, &story).await?,
            "sync": note,
        }));
        return Ok(());
    }
    let hero = ctx.client.heroes().get(story.hero_id).await?;
    let status = ctx.status_of(EntityKind::Story, story.id).await?;
    let sid = short_id(story.id);
    ctx.out.line(format!(
        "{}{} {}",
        bold(&story.title),
        if story.is_favorite {
            format!(" {}", notice("★"))
        } else {
            String::new()
        },
        dim(format!("({})", story.id))
    ));
    let field = |label: &str, v: String| format!("  {:<10}{v}", dim(format!("{label}:")));
    ctx.out
        .line(field("hero", hero.map_or_else(|| dim("?"), |h| h.name)));
    ctx.out
        .line(field("occasion", occasion(ctx, &story).await?));
    ctx.out
        .line(field("language", story.language.code().to_owned()));
    ctx.out.line(field(
        "length",
        plural(story.content.split_whitespace().count(), "word", "words"),
    ));
    ctx.out.line(field(
        "written",
        story.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    ));
    ctx.out.line(field(
        "played",
        plural(
            usize::try_from(story.play_count).unwrap_or(0),
            "time",
            "times",
        ),
    ));
    let audio = match story.audio_generation_status {
        GenerationStatus::Completed => format!(
            "{} — {}",
            audio_cell(&story),
            code(format!("storyloom open audio {sid}"))
        ),
        GenerationStatus::None => {
            format!("none — {}", code(format!("storyloom stories audio {sid}")))
        }
        _ => audio_cell(&story),
    };
    ctx.out.line(field("audio", audio));
    let ills = ctx.client.stories().illustrations(story.id).await?;
    let pictures = match story.illustration_status {
        IllustrationStatus::Completed | IllustrationStatus::Partial => format!(
            "{} — {}",
            pictures_cell(&story),
            code(format!("storyloom open illustration {sid}"))
        ),
        IllustrationStatus::None => format!(
            "none — {}",
            code(format!("storyloom stories illustrations {sid}"))
        ),
        _ => pictures_cell(&story),
    };
    ctx.out.line(field("pictures", pictures));
    for (n, i) in ills.iter().enumerate() {
        ctx.out.line(format!(
            "    {}. {} {}",
            n + 1,
            truncate(&i.scene_description, 70),
            dim(format!("@{}", minutes(i.audio_timestamp)))
        ));
    }
    ctx.out.line(field("sync", sync_mark(status.as_ref())));
    ctx.out.line(format!(
        "Read it: {}",
        code(format!("storyloom stories read {sid}"))
    ));
    ctx.print_note(&note, true);
    Ok(())
}

async fn print_written(ctx: &Ctx, story: &Story, line: String, note: &SyncNote) -> CliResult<()> {
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "story": story_json(ctx, story).await?,
            "sync": note,
        }));
        return Ok(());
    }
    ctx.out.line(line);
    ctx.print_note(note, false);
    Ok(())
}

async fn new(ctx: &Ctx, a: StoryNewArgs) -> CliResult<()> {
    let content = match (a.content, &a.content_file) {
        (Some(c), _) => Some(c),
        (None, Some(f)) => Some(read_text(f)?),
        (None, None) => None,
    };
    let import = a.title.is_some();
    if import && (a.audio || a.illustrations) {
        return Err(CliError::Usage(
            "an imported story is narrated or illustrated after it is synced: run \
             `storyloom stories audio` / `storyloom stories illustrations` afterwards"
                .into(),
        ));
    }
    ctx.sync_best_effort().await?;
    let hero = heroes::find(ctx, &a.hero).await?;
    let custom = match &a.custom_event {
        Some(q) => Some(events::find(ctx, q).await?),
        None => None,
    };
    let body = StoryCreate {
        id: None,
        hero_id: hero.id,
        event_type: a.event,
        custom_event_id: custom.as_ref().map(|e| e.id),
        language: a.language,
        generate_audio: a.audio,
        generate_illustrations: a.illustrations,
        voice: a.voice,
        length: a.length,
        title: a.title,
        content,
    };
    if import {
        let story = ctx.client.stories().create(body).await?;
        let note = ctx.after_write().await?;
        ctx.check_refused(EntityKind::Story, story.id).await?;
        let where_ = if note.state == "synced" {
            ""
        } else {
            " on this device"
        };
        let line = format!(
            "{} Imported “{}” ({}){where_}.",
            good("✓"),
            bold(&story.title),
            code(short_id(story.id))
        );
        return print_written(ctx, &story, line, &note).await;
    }

    ctx.require_online("writing a story")?;
    ctx.ensure_on_server(EntityKind::Hero, hero.id).await?;
    if let Some(ev) = &custom {
        ctx.ensure_on_server(EntityKind::CustomEvent, ev.id).await?;
    }
    let spinner = ctx
        .out
        .spinner(format!("Writing a story about {}…", hero.name));
    let made = ctx.client.stories().generate(body).await;
    spinner.finish_and_clear();
    let mut story = made?;
    let jobs = StoryJobs {
        audio: a.audio,
        illustrations: a.illustrations,
    };
    let mut finished = true;
    if (jobs.audio || jobs.illustrations) && !a.wait.no_wait {
        let p = follow::follow_story(
            ctx,
            story.id.into(),
            jobs,
            Duration::from_secs(a.wait.timeout),
        )
        .await?;
        finished = p.finished;
        story = p.story;
    } else if jobs.audio || jobs.illustrations {
        finished = false;
    }
    ctx.sync_best_effort().await?;
    let story = ctx.client.stories().get(story.id).await?.unwrap_or(story);
    let note = ctx.note().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "story": story_json(ctx, &story).await?,
            "finished": finished,
            "sync": note,
        }));
        return Ok(());
    }
    let sid = short_id(story.id);
    ctx.out.line(format!(
        "{} “{}” ({}) — {}.",
        good("✓"),
        bold(&story.title),
        code(&sid),
        plural(story.content.split_whitespace().count(), "word", "words")
    ));
    ctx.out.line(format!(
        "Read it:  {}",
        code(format!("storyloom stories read {sid}"))
    ));
    if story.audio_generation_status == GenerationStatus::Completed {
        ctx.out.line(format!(
            "Listen:   {}",
            code(format!("storyloom open audio {sid}"))
        ));
    }
    if matches!(
        story.illustration_status,
        IllustrationStatus::Completed | IllustrationStatus::Partial
    ) {
        ctx.out.line(format!(
            "Pictures: {}",
            code(format!("storyloom open illustration {sid}"))
        ));
    }
    if story.audio_generation_status == GenerationStatus::Failed
        || story.illustration_status == IllustrationStatus::Failed
    {
        ctx.out.warn("some of the narration or pictures could not be made; try again with `storyloom stories audio|illustrations`");
    }
    if !finished {
        ctx.out.line(format!(
            "Narration and pictures are still being made; check with {}.",
            code(format!("storyloom stories show {sid}"))
        ));
    }
    ctx.print_note(&note, false);
    Ok(())
}

async fn read(ctx: &Ctx, query: &str, no_count: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    if ctx.out.json {
        let counted = !no_count;
        let story = if counted {
            ctx.client.stories().play(story.id, 1).await?
        } else {
            story
        };
        let note = if counted {
            ctx.after_write().await?
        } else {
            ctx.note().await?
        };
        ctx.out.print_json(&json!({
            "story": story_json(ctx, &story).await?,
            "counted": counted,
            "sync": note,
        }));
        return Ok(());
    }
    ctx.out.line(bold(&story.title));
    ctx.out.line("");
    let text = story.content.trim();
    match ctx.out.wrap_width() {
        Some(w) => ctx.out.line(wrap(text, w)),
        None => ctx.out.line(text),
    }
    if !no_count {
        ctx.client.stories().play(story.id, 1).await?;
        // Sending the play count is housekeeping; its note only matters when something waits.
        let note = ctx.after_write().await?;
        if note.failed > 0 || note.conflicts > 0 {
            ctx.out.line("");
            ctx.print_note(&note, false);
        }
    }
    Ok(())
}

async fn edit(
    ctx: &Ctx,
    query: &str,
    title: Option<String>,
    content: Option<String>,
) -> CliResult<()> {
    if title.is_none() && content.is_none() {
        return Err(CliError::Usage(
            "nothing to change: pass --title, --content or --content-file".into(),
        ));
    }
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    let updated = ctx
        .client
        .stories()
        .update(
            story.id,
            StoryUpdate {
                title,
                content,
                is_favorite: None,
                language: None,
            },
        )
        .await?;
    let note = ctx.after_write().await?;
    ctx.check_refused(EntityKind::Story, story.id).await?;
    let updated = ctx.client.stories().get(story.id).await?.unwrap_or(updated);
    let line = format!(
        "{} Updated “{}” ({}).",
        good("✓"),
        bold(&updated.title),
        code(short_id(updated.id))
    );
    print_written(ctx, &updated, line, &note).await
}

async fn favorite(ctx: &Ctx, query: &str, on: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    let story = ctx.client.stories().set_favorite(story.id, on).await?;
    let note = ctx.after_write().await?;
    let line = if on {
        format!("{} “{}” is a favourite.", notice("★"), bold(&story.title))
    } else {
        format!("“{}” is no longer a favourite.", bold(&story.title))
    };
    print_written(ctx, &story, line, &note).await
}

async fn delete(ctx: &Ctx, query: &str, yes: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    if !ctx.confirm(&format!("Delete “{}”?", story.title), yes)? {
        ctx.out.line("Nothing deleted.");
        return Ok(());
    }
    ctx.client.stories().delete(story.id).await?;
    let note = ctx.after_write().await?;
    if ctx.out.json {
        ctx.out
            .print_json(&json!({"deleted": {"story": story.id}, "sync": note}));
        return Ok(());
    }
    ctx.out
        .line(format!("{} Deleted “{}”.", good("✓"), bold(&story.title)));
    ctx.print_note(&note, false);
    Ok(())
}

async fn audio(ctx: &Ctx, query: &str, request: AudioRequest, wait: WaitArgs) -> CliResult<()> {
    ctx.require_online("narrating a story")?;
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    ctx.ensure_on_server(EntityKind::Story, story.id).await?;
    let spinner = ctx.out.spinner("Asking for narration…");
    let asked = ctx.client.stories().generate_audio(story.id, request).await;
    spinner.finish_and_clear();
    let mut story = asked?;
    let mut finished = false;
    if !wait.no_wait {
        let jobs = StoryJobs {
            audio: true,
            illustrations: false,
        };
        let p = follow::follow_story(
            ctx,
            story.id.into(),
            jobs,
            Duration::from_secs(wait.timeout),
        )
        .await?;
        finished = p.finished;
        story = p.story;
        ctx.sync_best_effort().await?;
    }
    if story.audio_generation_status == GenerationStatus::Failed {
        return Err(CliError::Server(format!(
            "the narration of “{}” could not be made; try again later",
            story.title
        )));
    }
    let path = if story.audio_generation_status == GenerationStatus::Completed {
        Some(open::audio_path(ctx, &story).await?)
    } else {
        None
    };
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "story": story_json(ctx, &story).await?,
            "finished": finished,
            "path": path,
        }));
        return Ok(());
    }
    match path {
        Some(p) => {
            ctx.out.line(format!(
                "{} Narration of “{}” is ready ({}):",
                good("✓"),
                bold(&story.title),
                story.audio_duration.map_or("?".into(), minutes)
            ));
            ctx.out.line(p.display().to_string());
        }
        None => ctx.out.line(format!(
            "The narration is being recorded; check with {}.",
            code(format!("storyloom stories show {}", short_id(story.id)))
        )),
    }
    Ok(())
}

async fn illustrations(ctx: &Ctx, query: &str, wait: WaitArgs) -> CliResult<()> {
    ctx.require_online("illustrating a story")?;
    ctx.sync_best_effort().await?;
    let story = find(ctx, query).await?;
    ctx.ensure_on_server(EntityKind::Story, story.id).await?;
    let spinner = ctx.out.spinner("Asking for pictures…");
    let asked = ctx.client.stories().generate_illustrations(story.id).await;
    spinner.finish_and_clear();
    let mut story = asked?;
    let mut finished = false;
    if !wait.no_wait {
        let jobs = StoryJobs {
            audio: false,
            illustrations: true,
        };
        let p = follow::follow_story(
            ctx,
            story.id.into(),
            jobs,
            Duration::from_secs(wait.timeout),
        )
        .await?;
        finished = p.finished;
        story = p.story;
        ctx.sync_best_effort().await?;
    }
    if story.illustration_status == IllustrationStatus::Failed {
        return Err(CliError::Server(format!(
            "the pictures of “{}” could not be drawn; try again later",
            story.title
        )));
    }
    let paths = if matches!(
        story.illustration_status,
        IllustrationStatus::Completed | IllustrationStatus::Partial
    ) {
        open::illustration_paths(ctx, &story, None).await?
    } else {
        Vec::new()
    };
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "story": story_json(ctx, &story).await?,
            "finished": finished,
            "paths": paths,
        }));
        return Ok(());
    }
    if paths.is_empty() {
        ctx.out.line(format!(
            "The pictures are being drawn; check with {}.",
            code(format!("storyloom stories show {}", short_id(story.id)))
        ));
    } else {
        ctx.out.line(format!(
            "{} {} for “{}”:",
            good("✓"),
            plural(paths.len(), "picture", "pictures"),
            bold(&story.title)
        ));
        for p in paths {
            ctx.out.line(p.display().to_string());
        }
    }
    Ok(())
}
