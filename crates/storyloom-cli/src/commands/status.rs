//! `status`: who, where, and what this device still owes the server.
//!
//! It reports, it never syncs: after a failed command the user wants to see the state that
//! failure left, not a new one. The only network call is a health check (skipped with
//! `--offline`), to tell "unreachable" from "reachable but not synced yet".

use serde_json::{Value, json};
use storyloom_client::{OutboxEntry, OutboxState};
use storyloom_domain::{EntityKind, MutationOp};

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{ago, bad, bold, code, dim, good, notice, plural};
use crate::resolve::short_id;
use crate::state::SyncRecord;

fn op_name(op: MutationOp) -> &'static str {
    match op {
        MutationOp::Create => "create",
        MutationOp::Update => "update",
        MutationOp::Delete => "delete",
        MutationOp::Increment => "play",
    }
}

/// A readable name for what an outbox entry touches.
async fn label(ctx: &Ctx, e: &OutboxEntry) -> CliResult<String> {
    let from_fields = e
        .fields
        .as_ref()
        .and_then(|f| f.get("name").or_else(|| f.get("title")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let cached = match e.entity {
        EntityKind::Hero => ctx.client.heroes().get(e.id.into()).await?.map(|h| h.name),
        EntityKind::Story => ctx
            .client
            .stories()
            .get(e.id.into())
            .await?
            .map(|s| s.title),
        EntityKind::CustomEvent => ctx
            .client
            .custom_events()
            .get(e.id.into())
            .await?
            .map(|c| c.title),
        // A listen is named by its story.
        EntityKind::ListeningSession => match ctx.client.listening().get(e.id.into()).await? {
            Some(l) => ctx.client.stories().get(l.story_id).await?.map(|s| s.title),
            None => None,
        },
        EntityKind::Illustration => None,
    };
    Ok(match cached.or(from_fields) {
        Some(n) => format!("{n} ({})", short_id(e.id)),
        None => short_id(e.id),
    })
}

fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

/// Run `status`.
pub async fn run(ctx: &Ctx) -> CliResult<()> {
    let user = ctx.client.auth().current_user();
    let rec = SyncRecord::load(&ctx.dir);
    let server_status = if !ctx.may_go_online() {
        "not checked"
    } else {
        match ctx.client.api().health().await {
            Ok(_) => "reachable",
            Err(e) if e.is_offline() => "unreachable",
            Err(_) => "unhealthy",
        }
    };
    let outbox = ctx.client.sync().outbox().await?;
    let conflicts = ctx.client.sync().conflicts().await?;
    let heroes = ctx.client.heroes().list().await?.len();
    let stories = ctx.client.stories().list().await?.len();
    let events = ctx.client.custom_events().list().await?.len();
    let media = ctx.client.media().total_size().unwrap_or(0);
    let (failed, queued): (Vec<&OutboxEntry>, Vec<&OutboxEntry>) =
        outbox.iter().partition(|e| e.state == OutboxState::Failed);

    if ctx.out.json {
        let mut entries = Vec::new();
        for e in &outbox {
            entries.push(json!({
                "seq": e.seq,
                "entity": e.entity,
                "op": e.op,
                "id": e.id,
                "label": label(ctx, e).await?,
                "state": if e.state == OutboxState::Failed { "failed" } else { "queued" },
                "attempts": e.attempts,
                "lastError": e.last_error,
            }));
        }
        ctx.out.print_json(&json!({
            "user": user,
            "server": ctx.server,
            "serverStatus": server_status,
            "home": ctx.dir,
            "lastSyncAt": rec.last_sync_at,
            "lastAttemptAt": rec.last_attempt_at,
            "lastError": rec.last_error,
            "pending": queued.len(),
            "failed": failed.len(),
            "conflicts": conflicts.len(),
            "outbox": entries,
            "cache": {"heroes": heroes, "stories": stories, "events": events, "mediaBytes": media},
        }));
        return Ok(());
    }

    let server_word = match server_status {
        "reachable" => good("reachable"),
        "unreachable" => bad("unreachable"),
        "unhealthy" => notice("unhealthy"),
        s => dim(s),
    };
    match &user {
        Some(u) => ctx.out.line(format!(
            "Signed in as {} on {} ({server_word}).",
            bold(&u.email),
            ctx.server
        )),
        None => ctx.out.line(format!(
            "Not signed in on {} ({server_word}): run {}.",
            ctx.server,
            code("storyloom login")
        )),
    }
    let last = match (rec.last_sync_at, &rec.last_error) {
        (_, Some(err)) => format!(
            "{} last attempt {}: {err}",
            bad("✗"),
            rec.last_attempt_at.map_or("?".into(), ago)
        ),
        (Some(t), None) => format!("{} {}", good("✓"), ago(t)),
        (None, None) => dim("never"),
    };
    ctx.out.line(format!("Last sync: {last}"));
    if queued.is_empty() {
        ctx.out
            .line(format!("Waiting to sync: {}", good("nothing")));
    } else {
        ctx.out.line(format!(
            "Waiting to sync: {}",
            notice(plural(queued.len(), "change", "changes"))
        ));
        for e in &queued {
            ctx.out.line(format!(
                "  {} {} {} {}",
                notice("⏳"),
                op_name(e.op),
                e.entity.name(),
                label(ctx, e).await?
            ));
        }
        ctx.out
            .line(format!("  send with {}", code("storyloom sync")));
    }
    if !failed.is_empty() {
        ctx.out.line(format!(
            "Refused by the server: {}",
            bad(plural(failed.len(), "change", "changes"))
        ));
        for e in &failed {
            ctx.out.line(format!(
                "  {} {} {} {}: {}",
                bad("✗"),
                op_name(e.op),
                e.entity.name(),
                label(ctx, e).await?,
                e.last_error.as_deref().unwrap_or("refused")
            ));
        }
        ctx.out.line(format!(
            "  after fixing the cause, retry with {}",
            code("storyloom sync --retry-failed")
        ));
    }
    if conflicts.is_empty() {
        ctx.out.line(format!("Conflicts: {}", good("none")));
    } else {
        ctx.out.line(format!(
            "Conflicts: {} — run {}",
            notice(conflicts.len()),
            code("storyloom conflicts list")
        ));
    }
    ctx.out.line(format!(
        "On this device: {}, {}, {}, {} of media ({})",
        plural(heroes, "hero", "heroes"),
        plural(stories, "story", "stories"),
        plural(events, "event", "events"),
        bytes(media),
        dim(ctx.dir.display())
    ));
    Ok(())
}
