//! `heroes list|show|create|edit|delete|avatar`.

use std::time::Duration;

use serde_json::json;
use storyloom_domain::{
    AvatarRequest, AvatarStatus, EntityKind, Hero, HeroCreate, HeroTrait, HeroUpdate,
};

use crate::cli::{HeroCmd, HeroCreateArgs, HeroEditArgs, WaitArgs};
use crate::commands::open;
use crate::context::{Ctx, SyncNote, sync_mark};
use crate::error::{CliError, CliResult};
use crate::follow;
use crate::output::{Table, bold, code, dim, good, plural, truncate};
use crate::resolve::{Lookup, pick, short_id};

const LOOKUP: Lookup = Lookup {
    what: "hero",
    list_cmd: "heroes list",
};

/// Run a `heroes` subcommand.
pub async fn run(ctx: &Ctx, cmd: HeroCmd) -> CliResult<()> {
    ctx.user()?;
    match cmd {
        HeroCmd::List => list(ctx).await,
        HeroCmd::Show { hero } => show(ctx, &hero).await,
        HeroCmd::Create(a) => create(ctx, a).await,
        HeroCmd::Edit(a) => edit(ctx, a).await,
        HeroCmd::Delete { hero, yes } => delete(ctx, &hero, yes).await,
        HeroCmd::Avatar { hero, prompt, wait } => avatar(ctx, &hero, prompt, wait).await,
    }
}

/// The hero `query` names, from the cache.
pub async fn find(ctx: &Ctx, query: &str) -> CliResult<Hero> {
    let heroes = ctx.client.heroes().list().await?;
    pick(&heroes, query, LOOKUP, |h| h.id.into(), |h| &h.name).cloned()
}

fn trait_names(traits: &[HeroTrait]) -> String {
    traits
        .iter()
        .map(|t| {
            serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn avatar_word(s: AvatarStatus) -> String {
    match s {
        AvatarStatus::None => dim("—"),
        AvatarStatus::Pending => "queued".into(),
        AvatarStatus::Processing => "drawing".into(),
        AvatarStatus::Completed => good("ready"),
        AvatarStatus::Failed => crate::output::bad("failed"),
    }
}

/// Empty text means "no value": `--ability ""` clears the field.
fn opt(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

fn clearable(s: Option<String>) -> Option<Option<String>> {
    s.map(|v| if v.trim().is_empty() { None } else { Some(v) })
}

async fn list(ctx: &Ctx) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let heroes = ctx.client.heroes().list().await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        let mut items = Vec::new();
        for h in &heroes {
            items.push(ctx.entity_json(EntityKind::Hero, h.id, h).await?);
        }
        ctx.out.print_json(&json!({"heroes": items, "sync": note}));
        return Ok(());
    }
    if heroes.is_empty() {
        ctx.out.line(format!(
            "No heroes yet. Create one: {}",
            code("storyloom heroes create --name Mia --age 6 --traits brave,curious")
        ));
    } else {
        let unsynced = ctx.unsynced().await?;
        let mut t = Table::new(&["ID", "NAME", "AGE", "TRAITS", "AVATAR", "SYNC"]);
        for h in &heroes {
            t.row(vec![
                code(short_id(h.id)),
                bold(&h.name),
                h.age.to_string(),
                truncate(&trait_names(&h.traits), 32),
                avatar_word(h.avatar_status),
                sync_mark(unsynced.get(&h.id.uuid())),
            ]);
        }
        ctx.out.text(&t.render());
    }
    ctx.print_note(&note, true);
    Ok(())
}

async fn show(ctx: &Ctx, query: &str) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let hero = find(ctx, query).await?;
    let stories = ctx.client.stories().list_by(Some(hero.id), None).await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "hero": ctx.entity_json(EntityKind::Hero, hero.id, &hero).await?,
            "storyCount": stories.len(),
            "sync": note,
        }));
        return Ok(());
    }
    let status = ctx.status_of(EntityKind::Hero, hero.id).await?;
    ctx.out.line(format!(
        "{} {}",
        bold(&hero.name),
        dim(format!("({})", hero.id))
    ));
    let field = |label: &str, v: String| format!("  {:<16}{v}", dim(format!("{label}:")));
    ctx.out.line(field("age", hero.age.to_string()));
    ctx.out.line(field("traits", trait_names(&hero.traits)));
    for (label, v) in [
        ("special ability", &hero.special_ability),
        ("appearance", &hero.appearance),
        ("hair", &hero.hair_color),
        ("eyes", &hero.eye_color),
        ("skin", &hero.skin_tone),
    ] {
        if let Some(v) = v {
            ctx.out.line(field(label, v.clone()));
        }
    }
    let avatar = match hero.avatar_status {
        AvatarStatus::Completed => format!(
            "{} — {}",
            good("ready"),
            code(format!("storyloom open avatar {}", short_id(hero.id)))
        ),
        AvatarStatus::None => format!(
            "none — draw one with {}",
            code(format!("storyloom heroes avatar {}", short_id(hero.id)))
        ),
        s => avatar_word(s),
    };
    ctx.out.line(field("avatar", avatar));
    ctx.out
        .line(field("stories", plural(stories.len(), "story", "stories")));
    ctx.out.line(field("sync", sync_mark(status.as_ref())));
    ctx.print_note(&note, true);
    Ok(())
}

async fn print_written(ctx: &Ctx, hero: &Hero, verb: &str, note: &SyncNote) -> CliResult<()> {
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "hero": ctx.entity_json(EntityKind::Hero, hero.id, hero).await?,
            "sync": note,
        }));
        return Ok(());
    }
    let where_ = if note.state == "synced" {
        String::new()
    } else {
        " on this device".to_owned()
    };
    ctx.out.line(format!(
        "{} {verb} hero {} ({}){where_}.",
        good("✓"),
        bold(&hero.name),
        code(short_id(hero.id))
    ));
    ctx.print_note(note, false);
    Ok(())
}

async fn create(ctx: &Ctx, a: HeroCreateArgs) -> CliResult<()> {
    let body = HeroCreate {
        id: None,
        name: a.name,
        age: a.age,
        traits: a.traits,
        special_ability: opt(a.looks.ability),
        appearance: opt(a.looks.appearance),
        hair_color: opt(a.looks.hair),
        eye_color: opt(a.looks.eyes),
        skin_tone: opt(a.looks.skin),
    };
    let hero = ctx.client.heroes().create(body).await?;
    let note = ctx.after_write().await?;
    ctx.check_refused(EntityKind::Hero, hero.id).await?;
    let hero = ctx.client.heroes().get(hero.id).await?.unwrap_or(hero);
    let verb = if note.state == "synced" {
        "Created"
    } else {
        "Saved"
    };
    print_written(ctx, &hero, verb, &note).await
}

async fn edit(ctx: &Ctx, a: HeroEditArgs) -> CliResult<()> {
    let patch = HeroUpdate {
        name: a.name,
        age: a.age,
        traits: a.traits,
        special_ability: clearable(a.looks.ability),
        appearance: clearable(a.looks.appearance),
        hair_color: clearable(a.looks.hair),
        eye_color: clearable(a.looks.eyes),
        skin_tone: clearable(a.looks.skin),
    };
    if patch == HeroUpdate::default() {
        return Err(CliError::Usage(
            "nothing to change: pass at least one option, e.g. --age 7".into(),
        ));
    }
    // Sync first so the edit is made on the newest version (heroes are "server wins").
    ctx.sync_best_effort().await?;
    let hero = find(ctx, &a.hero).await?;
    let updated = ctx.client.heroes().update(hero.id, patch).await?;
    let note = ctx.after_write().await?;
    ctx.check_refused(EntityKind::Hero, hero.id).await?;
    let updated = ctx.client.heroes().get(hero.id).await?.unwrap_or(updated);
    print_written(ctx, &updated, "Updated", &note).await
}

async fn delete(ctx: &Ctx, query: &str, yes: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let hero = find(ctx, query).await?;
    let stories = ctx
        .client
        .stories()
        .list_by(Some(hero.id), None)
        .await?
        .len();
    let question = if stories == 0 {
        format!("Delete hero {}?", hero.name)
    } else {
        format!(
            "Delete hero {} and {}?",
            hero.name,
            plural(stories, "story", "stories")
        )
    };
    if !ctx.confirm(&question, yes)? {
        ctx.out.line("Nothing deleted.");
        return Ok(());
    }
    ctx.client.heroes().delete(hero.id).await?;
    let note = ctx.after_write().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "deleted": {"hero": hero.id, "stories": stories},
            "sync": note,
        }));
        return Ok(());
    }
    let with = if stories == 0 {
        String::new()
    } else {
        format!(" and {}", plural(stories, "story", "stories"))
    };
    ctx.out
        .line(format!("{} Deleted {}{with}.", good("✓"), bold(&hero.name)));
    ctx.print_note(&note, false);
    Ok(())
}

async fn avatar(ctx: &Ctx, query: &str, prompt: Option<String>, wait: WaitArgs) -> CliResult<()> {
    ctx.require_online("drawing an avatar")?;
    let hero = find(ctx, query).await?;
    ctx.ensure_on_server(EntityKind::Hero, hero.id).await?;
    let spinner = ctx
        .out
        .spinner(format!("Asking for {}'s avatar…", hero.name));
    let asked = ctx
        .client
        .heroes()
        .generate_avatar(
            hero.id,
            AvatarRequest {
                prompt: opt(prompt),
            },
        )
        .await;
    spinner.finish_and_clear();
    let mut hero = asked?;
    let mut finished = false;
    if !wait.no_wait {
        (hero, finished) =
            follow::follow_avatar(ctx, hero.id.into(), Duration::from_secs(wait.timeout)).await?;
        ctx.sync_best_effort().await?;
    }
    if hero.avatar_status == AvatarStatus::Failed {
        return Err(CliError::Server(format!(
            "the avatar of {} could not be drawn; try again later",
            hero.name
        )));
    }
    let path = if hero.avatar_status == AvatarStatus::Completed {
        Some(open::avatar_path(ctx, &hero).await?)
    } else {
        None
    };
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "hero": hero,
            "finished": finished,
            "path": path,
        }));
        return Ok(());
    }
    match path {
        Some(p) => {
            ctx.out.line(format!(
                "{} {}'s avatar is ready:",
                good("✓"),
                bold(&hero.name)
            ));
            ctx.out.line(p.display().to_string());
        }
        None => ctx.out.line(format!(
            "The avatar is being drawn. Check with {} or fetch it later with {}.",
            code(format!("storyloom heroes show {}", short_id(hero.id))),
            code(format!("storyloom open avatar {}", short_id(hero.id)))
        )),
    }
    Ok(())
}
