//! `sync` and `sync --watch`.
//!
//! `--watch` keeps the process running on the live stream: every `changed` event triggers a
//! sync (which pulls what another device did), `job` events are printed as they come, and a
//! dropped connection is reopened with capped backoff, with a catch-up sync after each
//! reconnect (events sent while disconnected are lost by design; the change feed is not).
//! With `--json` every happening is one JSON object per line, for scripts that react to them.

use std::time::Duration;

use serde_json::{Value, json};
use storyloom_client::{OutboxState, SyncReport};

use crate::cli::SyncArgs;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::live::{JobEvent, LiveStream, SseEvent};
use crate::output::{code, dim, good, notice, plural};
use crate::resolve::short_id;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

fn report_json(r: &SyncReport) -> Value {
    json!({
        "pushed": r.pushed,
        "pulled": r.pulled,
        "failed": r.failed,
        "conflicts": r.conflicts,
        "fullResync": r.full_resync,
    })
}

fn describe(r: &SyncReport) -> String {
    match (r.pushed, r.pulled) {
        (0, 0) => "up to date".into(),
        (p, 0) => format!("sent {}", plural(p, "change", "changes")),
        (0, q) => format!("received {}", plural(q, "change", "changes")),
        (p, q) => format!(
            "sent {}, received {}",
            plural(p, "change", "changes"),
            plural(q, "change", "changes")
        ),
    }
}

/// Run `sync`.
pub async fn run(ctx: &Ctx, a: SyncArgs) -> CliResult<()> {
    ctx.user()?;
    ctx.require_online("syncing")?;
    if a.retry_failed {
        for e in ctx.client.sync().outbox().await? {
            if e.state == OutboxState::Failed {
                ctx.client.sync().retry_failed(e.seq).await?;
            }
        }
    }
    let spinner = ctx.out.spinner("Syncing…");
    let result = ctx.sync_strict().await;
    spinner.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(CliError::Offline(why)) => {
            let note = ctx.note().await?;
            let queued = if note.pending > 0 {
                format!(
                    "; {} still queued on this device",
                    plural(note.pending, "change is", "changes are")
                )
            } else {
                String::new()
            };
            return Err(CliError::Offline(format!("{why}{queued}")));
        }
        Err(e) => return Err(e),
    };
    let note = ctx.note().await?;
    if ctx.out.json {
        let v = json!({"event": "synced", "report": report_json(&report), "sync": note});
        if a.watch {
            ctx.out.print_json_line(&v);
        } else {
            ctx.out.print_json(&v);
        }
    } else {
        ctx.out.line(format!(
            "{} Synced with {}: {}.",
            good("✓"),
            ctx.server,
            describe(&report)
        ));
        ctx.print_note(&note, false);
    }
    if a.watch {
        watch(ctx).await?;
    }
    Ok(())
}

fn stamp() -> String {
    dim(chrono::Local::now().format("%H:%M:%S"))
}

/// What `watch` does with one event.
async fn handle(ctx: &Ctx, ev: SseEvent) -> CliResult<()> {
    match ev.event.as_str() {
        // `ready` opens every connection: catch up on what happened while disconnected.
        "ready" | "changed" => match ctx.sync_strict().await {
            Ok(r) => {
                let note = ctx.note().await?;
                if r.pushed + r.pulled + r.failed + r.conflicts == 0 {
                    return Ok(());
                }
                if ctx.out.json {
                    ctx.out.print_json_line(
                        &json!({"event": "synced", "report": report_json(&r), "sync": note}),
                    );
                } else {
                    ctx.out.line(format!("{} {}", stamp(), describe(&r)));
                    ctx.print_note(&note, false);
                }
            }
            Err(CliError::NotSignedIn) => return Err(CliError::NotSignedIn),
            Err(e) => {
                if ctx.out.json {
                    ctx.out
                        .print_json_line(&json!({"event": "syncFailed", "error": e.to_string()}));
                } else {
                    ctx.out.warn(format!("sync failed: {e}"));
                }
            }
        },
        "job" => {
            let Ok(job) = serde_json::from_str::<JobEvent>(&ev.data) else {
                return Ok(());
            };
            if ctx.out.json {
                ctx.out.print_json_line(&json!({"event": "job", "job": {
                    "entity": job.entity, "id": job.id, "kind": job.kind, "status": job.status,
                }}));
            } else {
                ctx.out.line(format!(
                    "{} {} {} {}: {}",
                    stamp(),
                    job.entity,
                    code(short_id(job.id)),
                    job.kind,
                    job.status
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Follow the live stream until Ctrl-C.
async fn watch(ctx: &Ctx) -> CliResult<()> {
    if ctx.out.json {
        ctx.out
            .print_json_line(&json!({"event": "watching", "server": ctx.server}));
    } else {
        ctx.out.line(format!(
            "Watching {} for changes (Ctrl-C to stop)…",
            ctx.server
        ));
    }
    let mut backoff = Duration::from_secs(1);
    loop {
        let opened = tokio::select! {
            r = LiveStream::open(&ctx.client) => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match opened {
            Ok(mut live) => {
                backoff = Duration::from_secs(1);
                loop {
                    let next = tokio::select! {
                        r = live.next() => r,
                        _ = tokio::signal::ctrl_c() => return Ok(()),
                    };
                    match next {
                        Ok(Some(ev)) => handle(ctx, ev).await?,
                        Ok(None) | Err(_) => break,
                    }
                }
                if ctx.out.json {
                    ctx.out.print_json_line(&json!({"event": "disconnected"}));
                } else {
                    ctx.out.line(format!(
                        "{} {}",
                        stamp(),
                        notice("connection lost; reconnecting…")
                    ));
                }
            }
            Err(CliError::NotSignedIn) => return Err(CliError::NotSignedIn),
            Err(e) => {
                if ctx.out.json {
                    ctx.out.print_json_line(&json!({
                        "event": "unreachable", "error": e.to_string(), "retryInSecs": backoff.as_secs(),
                    }));
                } else {
                    ctx.out.line(format!(
                        "{} {} retrying in {} s",
                        stamp(),
                        notice(format!("{e};")),
                        backoff.as_secs()
                    ));
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
