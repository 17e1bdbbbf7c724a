//! `events list|show|create|edit|delete|enhance`: the family's own occasions.

use serde_json::json;
use storyloom_domain::{CustomEvent, CustomEventCreate, CustomEventUpdate, EntityKind};

use crate::cli::{EventCmd, EventCreateArgs, EventEditArgs};
use crate::context::{Ctx, SyncNote, sync_mark};
use crate::error::{CliError, CliResult};
use crate::output::{Table, bold, code, dim, good, notice, truncate};
use crate::resolve::{Lookup, pick, short_id};

const LOOKUP: Lookup = Lookup {
    what: "event",
    list_cmd: "events list",
};

/// Run an `events` subcommand.
pub async fn run(ctx: &Ctx, cmd: EventCmd) -> CliResult<()> {
    ctx.user()?;
    match cmd {
        EventCmd::List => list(ctx).await,
        EventCmd::Show { event } => show(ctx, &event).await,
        EventCmd::Create(a) => create(ctx, a).await,
        EventCmd::Edit(a) => edit(ctx, a).await,
        EventCmd::Delete { event, yes } => delete(ctx, &event, yes).await,
        EventCmd::Enhance { event } => enhance(ctx, &event).await,
    }
}

/// The event `query` names, from the cache.
pub async fn find(ctx: &Ctx, query: &str) -> CliResult<CustomEvent> {
    let events = ctx.client.custom_events().list().await?;
    pick(&events, query, LOOKUP, |e| e.id.into(), |e| &e.title).cloned()
}

fn wire_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn label(e: &CustomEvent) -> String {
    match &e.pictogram_emoji {
        Some(p) => format!("{p} {}", e.title),
        None => e.title.clone(),
    }
}

async fn list(ctx: &Ctx) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let events = ctx.client.custom_events().list().await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        let mut items = Vec::new();
        for e in &events {
            items.push(ctx.entity_json(EntityKind::CustomEvent, e.id, e).await?);
        }
        ctx.out.print_json(&json!({"events": items, "sync": note}));
        return Ok(());
    }
    if events.is_empty() {
        ctx.out.line(format!(
            "No events yet. Create one: {}",
            code("storyloom events create --title \"First swim\" --idea \"Mia's first swimming lesson\"")
        ));
    } else {
        let unsynced = ctx.unsynced().await?;
        let mut t = Table::new(&["ID", "TITLE", "CATEGORY", "TONE", "AI", "USED", "SYNC"]);
        for e in &events {
            t.row(vec![
                code(short_id(e.id)),
                bold(truncate(&label(e), 40)),
                wire_name(&e.category),
                wire_name(&e.tone),
                if e.ai_enhanced {
                    good("✓")
                } else {
                    String::new()
                },
                e.usage_count.to_string(),
                sync_mark(unsynced.get(&e.id.uuid())),
            ]);
        }
        ctx.out.text(&t.render());
    }
    ctx.print_note(&note, true);
    Ok(())
}

async fn show(ctx: &Ctx, query: &str) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let ev = find(ctx, query).await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "event": ctx.entity_json(EntityKind::CustomEvent, ev.id, &ev).await?,
            "sync": note,
        }));
        return Ok(());
    }
    let status = ctx.status_of(EntityKind::CustomEvent, ev.id).await?;
    ctx.out.line(format!(
        "{}{} {}",
        bold(label(&ev)),
        if ev.is_favorite {
            format!(" {}", notice("★"))
        } else {
            String::new()
        },
        dim(format!("({})", ev.id))
    ));
    let field = |l: &str, v: String| format!("  {:<12}{v}", dim(format!("{l}:")));
    ctx.out.line(field("idea", ev.prompt_seed.clone()));
    if !ev.description.is_empty() {
        ctx.out.line(field("description", ev.description.clone()));
    }
    ctx.out.line(field("category", wire_name(&ev.category)));
    ctx.out.line(field("tone", wire_name(&ev.tone)));
    if let Some(a) = &ev.age_range {
        ctx.out.line(field("ages", wire_name(a)));
    }
    if !ev.keywords.is_empty() {
        ctx.out.line(field("keywords", ev.keywords.join(", ")));
    }
    ctx.out.line(field(
        "enhanced",
        if ev.ai_enhanced {
            "yes".into()
        } else {
            format!(
                "no — {}",
                code(format!("storyloom events enhance {}", short_id(ev.id)))
            )
        },
    ));
    ctx.out
        .line(field("used", format!("{} times", ev.usage_count)));
    ctx.out.line(field("sync", sync_mark(status.as_ref())));
    ctx.print_note(&note, true);
    Ok(())
}

async fn print_written(ctx: &Ctx, ev: &CustomEvent, verb: &str, note: &SyncNote) -> CliResult<()> {
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "event": ctx.entity_json(EntityKind::CustomEvent, ev.id, ev).await?,
            "sync": note,
        }));
        return Ok(());
    }
    let where_ = if note.state == "synced" {
        ""
    } else {
        " on this device"
    };
    ctx.out.line(format!(
        "{} {verb} event “{}” ({}){where_}.",
        good("✓"),
        bold(&ev.title),
        code(short_id(ev.id))
    ));
    ctx.print_note(note, false);
    Ok(())
}

async fn create(ctx: &Ctx, a: EventCreateArgs) -> CliResult<()> {
    let d = a.details;
    let body = CustomEventCreate {
        id: None,
        title: a.title,
        description: d.description,
        prompt_seed: a.idea,
        category: d.category,
        age_range: d.age_range,
        tone: d.tone,
        pictogram_emoji: d.emoji.filter(|e| !e.is_empty()),
        keywords: d.keywords,
        is_favorite: d.favorite,
    };
    let ev = ctx.client.custom_events().create(body).await?;
    let note = ctx.after_write().await?;
    ctx.check_refused(EntityKind::CustomEvent, ev.id).await?;
    let ev = ctx.client.custom_events().get(ev.id).await?.unwrap_or(ev);
    let verb = if note.state == "synced" {
        "Created"
    } else {
        "Saved"
    };
    print_written(ctx, &ev, verb, &note).await
}

async fn edit(ctx: &Ctx, a: EventEditArgs) -> CliResult<()> {
    let d = a.details;
    let patch = CustomEventUpdate {
        title: a.title,
        description: d.description,
        prompt_seed: a.idea,
        category: d.category,
        age_range: d.age_range.map(Some),
        tone: d.tone,
        pictogram_emoji: d.emoji.map(|e| if e.is_empty() { None } else { Some(e) }),
        keywords: d.keywords,
        is_favorite: d.favorite,
    };
    if patch == CustomEventUpdate::default() {
        return Err(CliError::Usage(
            "nothing to change: pass at least one option, e.g. --tone calming".into(),
        ));
    }
    ctx.sync_best_effort().await?;
    let ev = find(ctx, &a.event).await?;
    let updated = ctx.client.custom_events().update(ev.id, patch).await?;
    let note = ctx.after_write().await?;
    ctx.check_refused(EntityKind::CustomEvent, ev.id).await?;
    let updated = ctx
        .client
        .custom_events()
        .get(ev.id)
        .await?
        .unwrap_or(updated);
    print_written(ctx, &updated, "Updated", &note).await
}

async fn delete(ctx: &Ctx, query: &str, yes: bool) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let ev = find(ctx, query).await?;
    if !ctx.confirm(&format!("Delete event “{}”?", ev.title), yes)? {
        ctx.out.line("Nothing deleted.");
        return Ok(());
    }
    ctx.client.custom_events().delete(ev.id).await?;
    let note = ctx.after_write().await?;
    if ctx.out.json {
        ctx.out
            .print_json(&json!({"deleted": {"event": ev.id}, "sync": note}));
        return Ok(());
    }
    ctx.out.line(format!(
        "{} Deleted event “{}”.",
        good("✓"),
        bold(&ev.title)
    ));
    ctx.print_note(&note, false);
    Ok(())
}

async fn enhance(ctx: &Ctx, query: &str) -> CliResult<()> {
    ctx.require_online("enhancing an event")?;
    ctx.sync_best_effort().await?;
    let ev = find(ctx, query).await?;
    ctx.ensure_on_server(EntityKind::CustomEvent, ev.id).await?;
    let spinner = ctx.out.spinner(format!("Enhancing “{}”…", ev.title));
    let done = ctx.client.custom_events().enhance(ev.id).await;
    spinner.finish_and_clear();
    let ev = done?;
    let note = ctx.note().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "event": ctx.entity_json(EntityKind::CustomEvent, ev.id, &ev).await?,
            "sync": note,
        }));
        return Ok(());
    }
    ctx.out
        .line(format!("{} Enhanced “{}”.", good("✓"), bold(&ev.title)));
    ctx.out
        .line(format!("  {:<10}{}", dim("idea:"), ev.prompt_seed));
    if !ev.keywords.is_empty() {
        ctx.out.line(format!(
            "  {:<10}{}",
            dim("keywords:"),
            ev.keywords.join(", ")
        ));
    }
    Ok(())
}
