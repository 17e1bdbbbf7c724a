//! `conflicts list|resolve`: a story (or event) edited here and elsewhere at once. The sync
//! never drops a user's words, so both versions wait here until the user picks one.

use serde_json::{Value, json};
use storyloom_client::{ConflictKind, ConflictRecord};

use crate::cli::{ConflictCmd, Keep};
use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{Table, bold, code, dim, good, truncate};
use crate::resolve::short_id;

/// Run a `conflicts` subcommand.
pub async fn run(ctx: &Ctx, cmd: ConflictCmd) -> CliResult<()> {
    ctx.user()?;
    match cmd {
        ConflictCmd::List => list(ctx).await,
        ConflictCmd::Resolve { conflict, keep } => resolve(ctx, conflict, keep).await,
    }
}

fn kind_name(k: ConflictKind) -> &'static str {
    match k {
        ConflictKind::Edit => "edit",
        ConflictKind::DeletedOnServer => "deletedOnServer",
    }
}

fn title(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v.get("title"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// One side of an edit conflict in a few words: the title if it changed, else "text edited".
fn side(v: Option<&Value>) -> String {
    match (title(v), v.and_then(|v| v.get("content"))) {
        (Some(t), _) => format!("“{}”", truncate(&t, 30)),
        (None, Some(_)) => "text edited".into(),
        (None, None) => dim("—"),
    }
}

fn to_json(c: &ConflictRecord) -> Value {
    json!({
        "id": c.seq,
        "entity": c.entity,
        "entityId": c.entity_id,
        "kind": kind_name(c.kind),
        "local": c.local,
        "server": c.server,
        "createdAt": chrono::DateTime::from_timestamp_millis(c.created_at),
    })
}

async fn list(ctx: &Ctx) -> CliResult<()> {
    ctx.sync_best_effort().await?;
    let conflicts = ctx.client.sync().conflicts().await?;
    let note = ctx.note().await?;
    if ctx.out.json {
        let items: Vec<Value> = conflicts.iter().map(to_json).collect();
        ctx.out
            .print_json(&json!({"conflicts": items, "sync": note}));
        return Ok(());
    }
    if conflicts.is_empty() {
        ctx.out.line(format!("{} No conflicts.", good("✓")));
        return Ok(());
    }
    let mut t = Table::new(&["#", "WHAT", "KIND", "THIS DEVICE", "SERVER"]);
    for c in &conflicts {
        let name = title(c.server.as_ref())
            .or_else(|| title(Some(&c.local)))
            .unwrap_or_else(|| short_id(c.entity_id));
        let (kind, server) = match c.kind {
            ConflictKind::Edit => ("edited on both", side(c.server.as_ref())),
            ConflictKind::DeletedOnServer => ("deleted on server", dim("deleted")),
        };
        t.row(vec![
            bold(c.seq),
            format!("{} {}", c.entity.name(), truncate(&name, 30)),
            kind.into(),
            side(Some(&c.local)),
            server,
        ]);
    }
    ctx.out.text(&t.render());
    ctx.out.line(format!(
        "Keep one version: {}",
        code("storyloom conflicts resolve <#> --keep local|server")
    ));
    Ok(())
}

async fn resolve(ctx: &Ctx, seq: i64, keep: Keep) -> CliResult<()> {
    let recreated = match keep {
        Keep::Local => ctx.client.sync().keep_local(seq).await?,
        Keep::Server => {
            ctx.client.sync().keep_server(seq).await?;
            None
        }
    };
    let note = ctx.after_write().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "resolved": seq,
            "kept": match keep { Keep::Local => "local", Keep::Server => "server" },
            "recreatedAs": recreated,
            "sync": note,
        }));
        return Ok(());
    }
    let line = match (keep, recreated) {
        (Keep::Local, Some(id)) => format!(
            "{} Kept this device's version; it was deleted on the server, so it comes back as {}.",
            good("✓"),
            code(short_id(id))
        ),
        (Keep::Local, None) => format!("{} Kept this device's version.", good("✓")),
        (Keep::Server, _) => format!("{} Kept the server's version.", good("✓")),
    };
    ctx.out.line(line);
    ctx.print_note(&note, false);
    Ok(())
}
